/**
 * Turns a random "intent" (a few numbers) into a concrete mutation against what a
 * client currently sees. Track ids, pattern letters and song entry ids come from small
 * pools, and steps from a small range, so clients keep colliding on the same cells,
 * tracks, patterns and entries: adds of one id or letter, deletes of a track or pattern
 * someone is editing or launching, moves of the same track or entry.
 */
import {
  type Domain,
  EFFECT_FIELDS,
  EFFECT_NAMES,
  emptyPattern,
  emptySteps,
  INSTRUMENT_IDS,
  LIMITS,
  type LaunchWhen,
  makeTrack,
  type Mutation,
  type MutationType,
  PATTERN_FIELDS,
  type Pattern,
  type PatternId,
  patternInUse,
  patternsInUse,
  type Row,
  SETTER_FIELDS,
  SETTERS,
  type Session,
  type StepArrays,
  SCALE_NAMES,
  sampleOf,
  soundInstrument,
} from '../../../core';

export const TRACK_POOL = ['kick', 'snare', 'hat', 'bass', 'x1', 'x2', 'x3'] as const;
/** Patterns edited, added, deleted and launched: A is in use from the start, B and C come and go. */
export const PATTERN_POOL = ['A', 'B', 'C'] as const satisfies readonly PatternId[];
export const ENTRY_POOL = ['e1', 'e2', 'e3', 'e4'] as const;
/**
 * Own sounds' keys: the simulated R2 holds the first two (SimServer), never the third,
 * so the room refuses some add_sounds (unknown_sound) and two clients add one key at once.
 */
export const SOUND_POOL = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)] as const;
export const STORED_SOUNDS: ReadonlySet<string> = new Set(SOUND_POOL.slice(0, 2));
const WHEN: readonly LaunchWhen[] = ['now', 'bar', 'end'];

export interface Intent {
  /** Which kind of mutation (mod the number of kinds). */
  kind: number;
  /** Picks a track: a visible one when even, any id of the pool when odd (maybe gone). */
  track: number;
  /** A step, a second track, a value index… whatever the kind needs. */
  a: number;
  b: number;
}

/**
 * What the generator makes: every setter of core/fields.ts (so a field added there is
 * fuzzed without a line here), every structural mutation, and the edits that collide
 * most, repeated so they dominate.
 */
export const KINDS = [
  'set_step',
  'set_step',
  'set_step',
  ...SETTERS.keys(),
  'set_effect',
  'set_row',
  'set_steps',
  'add_track',
  'add_track',
  'delete_track',
  'move_track',
  'move_track',
  'add_pattern',
  'add_pattern',
  'put_pattern',
  // Most deletes are refused (the pattern plays or is in the song): four, so enough succeed.
  'delete_pattern',
  'delete_pattern',
  'delete_pattern',
  'delete_pattern',
  'add_song_entry',
  'add_song_entry',
  'set_song_entry',
  'delete_song_entry',
  'move_song_entry',
  'set_song_loop',
  'set_song_start',
  'launch_pattern',
  'launch_pattern',
  'start_transport',
  'set_key',
  'set_key',
  'set_play_together',
  'set_playing',
  'add_sound',
  'add_sound',
  'add_sound',
  'rename_sound',
  'rename_sound',
] as MutationType[];

const pick = <T>(list: readonly T[], n: number): T => list[Math.abs(n) % list.length]!;

/** Steps collide on purpose: mostly 0…3, sometimes the last storage slot. */
const stepOf = (n: number) => (n % 9 === 8 ? LIMITS.maxSteps - 1 : n % 4);

/** A pattern to edit: one in use in this view when `n` is even, any of the pool when odd (maybe not in use). */
function patternOf(view: Session, n: number): PatternId {
  const used = patternsInUse(view);
  return n % 2 === 0 && used.length > 0 ? pick(used, n >> 1) : pick(PATTERN_POOL, n >> 1);
}

/** An entry id: one of the song's when `n` is even, any of the pool when odd (maybe gone). */
function entryOf(view: Session, n: number): string {
  const ids = view.song.entries.map((e) => e.id);
  return n % 2 === 0 && ids.length > 0 ? pick(ids, n >> 1) : pick(ENTRY_POOL, n >> 1);
}

/** Step arrays with a few steps on (none when `n` is a multiple of 5: a cleared row). */
function stepsOf(a: number, b: number): StepArrays {
  const steps = emptySteps();
  if (b % 5 === 0) return steps;
  for (let i = 0; i < 4; i++) steps.steps[(a + i * (b + 1)) % 16] = i % 2 === 0 || b % 3 === 0;
  steps.velocities[a % LIMITS.maxSteps] = b % 128;
  steps.pitches[a % LIMITS.maxSteps] = (b % 49) - 24;
  return steps;
}

/** A row: its length from a few, some steps on; sometimes the default row. */
function rowFrom(a: number, b: number): Row {
  return { ...stepsOf(a, b), length: pick([16, 4, 5, 12, 32], b + a) };
}

/** A pattern's value: rows for tracks seen (and one maybe gone), a name. */
function patternValue(view: Session, a: number, b: number): Pattern {
  const value: Pattern = { ...emptyPattern(), name: sampleOf(PATTERN_FIELDS.name.domain, a + b) };
  if (b % 4 === 0) return value;
  for (const [i, t] of view.tracks.entries()) if ((a + i) % 2 === 0) value.rows[t.id] = rowFrom(a + i, b + i);
  value.rows[pick(TRACK_POOL, a + b)] = rowFrom(b, a);
  return value;
}

/** A setter of a declared field, with a value of its domain picked by `n`. */
function setterFor(type: string, trackId: string, pattern: PatternId, step: number, n: number): Mutation {
  const setter = SETTERS.get(type)!;
  const fields = SETTER_FIELDS[setter.scope] as Record<string, { domain: Domain }>;
  const value = sampleOf(fields[setter.field]!.domain, n);
  const field = { [setter.field]: value };
  switch (setter.scope) {
    case 'session':
      return { type, ...field } as unknown as Mutation;
    case 'track':
      return { type, trackId, ...field } as unknown as Mutation;
    case 'row':
      return { type, trackId, pattern, ...field } as unknown as Mutation;
    case 'step':
      return { type, trackId, pattern, step, ...field } as unknown as Mutation;
    case 'pattern':
      return { type, pattern, ...field } as unknown as Mutation;
  }
}

/**
 * @param view what the client sees
 * @param now the client's clock (the room's, in the simulation): Play at once puts its anchor near it
 */
export function mutationFor(view: Session, intent: Intent, now: number): Mutation {
  const kind = pick(KINDS, intent.kind);
  const visible = view.tracks.map((t) => t.id);
  const trackId = intent.track % 2 === 0 && visible.length > 0 ? pick(visible, intent.track >> 1) : pick(TRACK_POOL, intent.track >> 1);
  const other = intent.b % 3 === 0 ? null : pick(TRACK_POOL, intent.b);
  const pattern = patternOf(view, intent.a + intent.b);
  // A track playing an own sound, now and then (refused when the key is not in the kit).
  if (kind === 'set_instrument' && intent.b % 3 === 0) {
    return { type: kind, trackId, instrument: soundInstrument(pick(SOUND_POOL, intent.a)) };
  }
  if (SETTERS.has(kind)) return setterFor(kind, trackId, pattern, stepOf(intent.a), intent.b + intent.a);
  switch (kind) {
    case 'set_row':
      return { type: kind, trackId, pattern, row: rowFrom(intent.a, intent.b) };
    case 'set_steps':
      return { type: kind, trackId, pattern, steps: stepsOf(intent.a, intent.b) };
    case 'add_track': {
      // Prefer an id this client does not see, so most adds are valid locally but
      // race with other clients adding or deleting the same id.
      const free = TRACK_POOL.filter((id) => !visible.includes(id));
      const id = free.length > 0 ? pick(free, intent.a) : pick(TRACK_POOL, intent.a);
      const { track, row } = makeTrack({
        id,
        name: id,
        instrument: pick(INSTRUMENT_IDS, intent.b),
        length: pick([4, 16, 5], intent.b),
        on: [intent.a % 16],
      });
      // Rows in two patterns (one of them maybe not in use: dropped).
      const second = pick(
        PATTERN_POOL.filter((p) => p !== pattern),
        intent.b,
      );
      const rows: Partial<Record<PatternId, Row>> = { [second]: rowFrom(intent.b, intent.a), [pattern]: row };
      return { type: kind, track, rows, beforeTrackId: other };
    }
    case 'delete_track':
      return { type: kind, trackId };
    case 'move_track':
      return { type: kind, trackId, beforeTrackId: other };
    case 'add_pattern': {
      // A letter this client sees free, mostly: two clients adding it at once collide.
      const free = PATTERN_POOL.filter((p) => !view.patterns[p]);
      const letter = free.length > 0 && intent.a % 4 !== 0 ? pick(free, intent.b) : pick(PATTERN_POOL, intent.b);
      return { type: kind, pattern: letter, value: patternValue(view, intent.a, intent.b) };
    }
    case 'put_pattern':
      return { type: kind, pattern, value: patternValue(view, intent.a, intent.b) };
    case 'delete_pattern': {
      // One this client may delete, mostly: someone else launching it meanwhile collides.
      const deletable = patternsInUse(view).filter((p) => patternInUse(view, p) === null);
      const letter = deletable.length > 0 && intent.a % 4 !== 0 ? pick(deletable, intent.b) : pattern;
      return { type: kind, pattern: letter };
    }
    case 'add_song_entry': {
      const taken = new Set(view.song.entries.map((e) => e.id));
      const free = ENTRY_POOL.filter((id) => !taken.has(id));
      const id = free.length > 0 && intent.a % 4 !== 0 ? pick(free, intent.a) : pick(ENTRY_POOL, intent.a);
      const before = intent.b % 3 === 0 ? null : pick(ENTRY_POOL, intent.b);
      return { type: kind, entry: { id, pattern, repeats: 1 + (intent.b % LIMITS.maxRepeats) }, beforeEntryId: before };
    }
    case 'set_song_entry':
      return { type: kind, entry: { id: entryOf(view, intent.a), pattern, repeats: 1 + (intent.a % 3) } };
    case 'delete_song_entry':
      return { type: kind, entryId: entryOf(view, intent.a) };
    case 'move_song_entry':
      return { type: kind, entryId: entryOf(view, intent.a), beforeEntryId: intent.b % 3 === 0 ? null : pick(ENTRY_POOL, intent.b) };
    case 'set_song_loop':
      return { type: kind, loop: intent.a % 2 === 0 };
    case 'set_song_start':
      return { type: kind, entryId: intent.a % 3 === 0 ? null : entryOf(view, intent.b) };
    case 'launch_pattern':
      // Sometimes the song (null), else a pattern; at the next step, bar or end of the pattern playing.
      return { type: kind, pattern: intent.b % 4 === 0 ? null : pattern, when: pick(WHEN, intent.a) };
    case 'start_transport':
      // Near the room's clock (within ±200 ms), as a page's estimate of it is.
      return { type: kind, anchorMs: now + (intent.a % 401) - 200 };
    case 'set_effect': {
      const param = pick(EFFECT_NAMES, intent.a);
      return { type: kind, param, value: sampleOf(EFFECT_FIELDS[param].domain, intent.b) };
    }
    case 'set_key': {
      // Mostly moving the melodies (the case that rewrites rows); sometimes setting steps as undo does.
      const key = { root: intent.a % 12, scale: pick(SCALE_NAMES, intent.b), lock: intent.b % 2 === 0 };
      const notes = intent.a % 5 === 0 ? { [pattern]: { [trackId]: [[stepOf(intent.a), (intent.b % 49) - 24, 0]] } } : null;
      return { type: kind, key, remap: intent.a % 3 !== 0, notes } as Mutation;
    }
    case 'set_play_together':
      return { type: kind, together: intent.a % 2 === 0 };
    case 'set_playing':
      return { type: kind, playing: intent.a % 2 === 0 };
    case 'add_sound':
      return { type: kind, key: pick(SOUND_POOL, intent.a), name: `Sound ${intent.b % 100}`, seconds: 0.25 + (intent.b % 40) / 4 };
    case 'rename_sound': {
      // A sound of the kit this client sees, mostly; else one of the pool (maybe not added).
      const kit = Object.keys(view.sounds);
      const key = intent.a % 8 !== 0 && kit.length > 0 ? pick(kit, intent.a) : pick(SOUND_POOL, intent.a);
      return { type: kind, key, name: `Renamed ${intent.b % 100}` };
    }
    default:
      throw new Error(`no generator for ${kind}`);
  }
}

/** Frames a buggy or hostile client might send: every one must be refused. */
export const ROGUE_FRAMES: ((seq: number) => string)[] = [
  (seq) => JSON.stringify({ type: 'mutate', clientId: 'ROGUE', clientSeq: seq, mutation: { type: 'set_tempo', tempo: 120 } }),
  (seq) => `{"type":"mutate","clientSeq":${seq},"mutation":{"type":"set_tempo","tempo":NaN}}`,
  () => 'not json',
  () => JSON.stringify({ type: 'mutate', clientId: 'c', clientSeq: 0, mutation: { type: 'set_playing', playing: true } }),
  () => JSON.stringify({ type: 'mutate', clientSeq: 1.5 }),
];
