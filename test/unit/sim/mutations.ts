/**
 * Turns a random "intent" (a few numbers) into a concrete mutation against what a
 * client currently sees. Track ids come from a small pool and steps from a small
 * range, so clients keep colliding on the same cells and the same tracks: adds of
 * one id, deletes of a track someone is editing, moves of the same track.
 */
import {
  type Domain,
  EFFECT_FIELDS,
  EFFECT_NAMES,
  emptyPattern,
  INSTRUMENT_IDS,
  LIMITS,
  makeTrack,
  type Mutation,
  type MutationType,
  SESSION_FIELDS,
  SETTERS,
  STEP_FIELDS,
  sampleOf,
  type Session,
  TRACK_FIELDS,
} from '../../../core';

export const TRACK_POOL = ['kick', 'snare', 'hat', 'bass', 'x1', 'x2', 'x3'] as const;

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
 * fuzzed without a line here), the structural mutations, and the cell edits that
 * collide most, repeated so they dominate.
 */
const KINDS = [
  'set_step',
  'set_step',
  'set_step',
  ...SETTERS.keys(),
  'set_effect',
  'set_pattern',
  'add_track',
  'add_track',
  'delete_track',
  'move_track',
  'move_track',
  'set_play_together',
  'set_playing',
] as MutationType[];

const pick = <T>(list: readonly T[], n: number): T => list[Math.abs(n) % list.length]!;

/** Steps collide on purpose: mostly 0…3, sometimes the last storage slot. */
const stepOf = (n: number) => (n % 9 === 8 ? LIMITS.maxSteps - 1 : n % 4);

/** A setter of a declared field, with a value of its domain picked by `n`. */
function setterFor(type: string, trackId: string, step: number, n: number): Mutation {
  const setter = SETTERS.get(type)!;
  const spec = { track: TRACK_FIELDS, step: STEP_FIELDS, session: SESSION_FIELDS }[setter.scope] as Record<string, { domain: Domain }>;
  const value = sampleOf(spec[setter.field]!.domain, n);
  if (setter.scope === 'session') return { type, [setter.field]: value } as unknown as Mutation;
  if (setter.scope === 'step') return { type, trackId, step, [setter.field]: value } as unknown as Mutation;
  return { type, trackId, [setter.field]: value } as unknown as Mutation;
}

export function mutationFor(view: Session, intent: Intent): Mutation {
  const kind = pick(KINDS, intent.kind);
  const visible = view.tracks.map((t) => t.id);
  const trackId = intent.track % 2 === 0 && visible.length > 0 ? pick(visible, intent.track >> 1) : pick(TRACK_POOL, intent.track >> 1);
  const other = intent.b % 3 === 0 ? null : pick(TRACK_POOL, intent.b);
  if (SETTERS.has(kind)) return setterFor(kind, trackId, stepOf(intent.a), intent.b + intent.a);
  switch (kind) {
    case 'set_pattern': {
      const pattern = emptyPattern();
      for (let i = 0; i < 8; i++) pattern.steps[(intent.a + i * intent.b) % LIMITS.maxSteps] = i % 2 === 0;
      pattern.pitches[intent.a % LIMITS.maxSteps] = (intent.b % 49) - 24;
      return { type: kind, trackId, pattern };
    }
    case 'add_track': {
      // Prefer an id this client does not see, so most adds are valid locally but
      // race with other clients adding or deleting the same id.
      const free = TRACK_POOL.filter((id) => !visible.includes(id));
      const id = free.length > 0 ? pick(free, intent.a) : pick(TRACK_POOL, intent.a);
      const track = makeTrack({
        id,
        name: id,
        instrument: pick(INSTRUMENT_IDS, intent.b),
        length: pick([4, 16, 5], intent.b),
        on: [intent.a % 16],
      });
      return { type: kind, track, beforeTrackId: other };
    }
    case 'delete_track':
      return { type: kind, trackId };
    case 'move_track':
      return { type: kind, trackId, beforeTrackId: other };
    case 'set_effect': {
      const param = pick(EFFECT_NAMES, intent.a);
      return { type: kind, param, value: sampleOf(EFFECT_FIELDS[param].domain, intent.b) };
    }
    case 'set_play_together':
      return { type: kind, together: intent.a % 2 === 0 };
    case 'set_playing':
      return { type: kind, playing: intent.a % 2 === 0 };
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
