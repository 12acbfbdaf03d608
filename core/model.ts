/**
 * The session document: what a session is, on the wire, in storage and in KV.
 * Every field is always present (no optional fields) so that two copies of the
 * same state serialise to the same JSON (failure mode 14), except where a key's absence
 * is the value (a pattern not in use, a default row). The synced fields of a track, a
 * row, a step, a pattern and the session are declared in core/fields.ts; the types here
 * follow from those declarations.
 */
import {
  EFFECT_FIELDS,
  type EffectName,
  PATTERN_FIELDS,
  type PatternFieldName,
  type PatternFieldValue,
  ROW_FIELDS,
  type RowFieldName,
  type RowFieldValue,
  SESSION_FIELDS,
  type SessionFieldName,
  type SessionFieldValue,
  STEP_FIELDS,
  type StepArrayName,
  type StepFieldName,
  type StepFieldValue,
  TRACK_FIELDS,
  type TrackFieldName,
  type TrackFieldValue,
} from './fields';
import { LIMITS } from './limits';
import { type Key, NO_KEY } from './key';

/** A row's per-step arrays, each LIMITS.maxSteps long whatever the row's length. */
export type StepArrays = { [K in StepFieldName as (typeof STEP_FIELDS)[K]['array']]: StepFieldValue<K>[] };

/** What every pattern shares about a track: its sound, name and mix. */
export type Track = {
  /** Client-generated, unique within the session; every mutation addresses tracks by id. */
  id: string;
} & { [K in TrackFieldName]: TrackFieldValue<K> };

/** One track's steps in one pattern. */
export type Row = { [K in RowFieldName]: RowFieldValue<K> } & StepArrays;

export const PATTERN_IDS = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P'] as const;
export type PatternId = (typeof PATTERN_IDS)[number];

/**
 * A pattern: every track's row, by track id. A track with no row here has the default
 * row (its length 16, every step off): empty rows and unused patterns cost no storage.
 */
export type Pattern = { [K in PatternFieldName]: PatternFieldValue<K> } & { rows: Record<string, Row> };

export interface SongEntry {
  /** Client-generated, unique within the song: entries are addressed by id. */
  id: string;
  pattern: PatternId;
  /** How many times the pattern plays before the next entry, 1…LIMITS.maxRepeats. */
  repeats: number;
}

/** A chain of patterns played in order (core/arrangement.ts). */
export interface Song {
  entries: SongEntry[];
  /** At the end: start again (true) or stop (false). */
  loop: boolean;
  /** The entry Play starts the song from; null (or an entry since deleted) is the first. */
  start: string | null;
}

/**
 * What plays, shared by everyone: a pattern, or the song, from a global step (steps since
 * the timeline's anchor), and the launch queued next, if any. Positions are in steps, so
 * a tempo change (which moves the anchor) keeps them.
 */
export interface Transport {
  /** Song mode: the song plays from `from`; otherwise `pattern` does. */
  song: boolean;
  pattern: PatternId;
  from: number;
  /** A launch: at global step `at`, `pattern` starts (null: the song starts). */
  next: { pattern: PatternId | null; at: number } | null;
}

export type Effects = { [K in EffectName]: number };

/**
 * The shared timeline: the server time (ms since epoch) at which bar 1 step 1 of a
 * virtual bar started, at the current tempo. Everyone listening derives the current
 * step from it, so bars line up across listeners.
 */
export interface Timeline {
  anchorMs: number;
  /** "Play together": Play/Stop apply to everyone. */
  together: boolean;
  /** Whether the session is playing, meaningful only when `together` is on. */
  playing: boolean;
}

export interface Lineage {
  /** Where this session was remixed from, or null for an original. */
  remixedFrom: { kind: 'beat' | 'session'; id: string; name: string } | null;
}

/**
 * One of the session's own sounds (model 6): what the kit shows. Its bytes are a WAV in
 * R2 under `sounds/<key>`, the key being their SHA-256; immutable, never deleted.
 */
export interface SoundInfo {
  /** 1…LIMITS.maxSoundName visible characters, like a track's name. */
  name: string;
  /** Its length, 0 < seconds ≤ LIMITS.maxSoundSeconds. */
  seconds: number;
}

export type Session = { [K in SessionFieldName]: SessionFieldValue<K> } & {
  tracks: Track[];
  /** The patterns in use, by letter; A always exists. */
  patterns: Partial<Record<PatternId, Pattern>>;
  song: Song;
  transport: Transport;
  /** Which notes belong (core/music.ts): the pitch roll shows, and with `lock` offers, them. */
  key: Key;
  /**
   * The session's own sounds, by key (a track plays one as the instrument `sound:<key>`).
   * Added by `add_sound` (only once its bytes are stored), renamed by `rename_sound`,
   * never removed: a published beat carries them and must play forever.
   */
  sounds: Record<string, SoundInfo>;
  effects: Effects;
  timeline: Timeline;
  lineage: Lineage;
};

/** Bounds of each effect send (from EFFECT_FIELDS). */
export const EFFECT_LIMITS = Object.fromEntries(
  Object.entries(EFFECT_FIELDS).map(([k, f]) => [k, { min: f.domain.min, max: f.domain.max }]),
) as { readonly [K in EffectName]: { readonly min: number; readonly max: number } };

/** Every step array at its default: no step on. */
export function emptySteps(): StepArrays {
  return Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, new Array(LIMITS.maxSteps).fill(f.default)])) as StepArrays;
}

/** The row a track has in a pattern where it has none. */
export function emptyRow(length: number = ROW_FIELDS.length.default): Row {
  return { length, ...emptySteps() };
}

/** A track's row in a pattern (the default row when it has none there). */
export function rowOf(session: Pick<Session, 'patterns'>, pattern: PatternId, trackId: string): Row {
  return session.patterns[pattern]?.rows[trackId] ?? emptyRow();
}

/** Whether a row is the default row (then it is not stored). */
export function isEmptyRow(row: Row): boolean {
  if (row.length !== ROW_FIELDS.length.default) return false;
  return Object.values(STEP_FIELDS).every((f) => (row[f.array] as unknown[]).every((x) => x === f.default));
}

/** Fresh copies of a row's arrays (documents are never changed in place). */
export function copyRow(row: Row): Row {
  return {
    ...row,
    ...(Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, (row[f.array] as unknown[]).slice()])) as StepArrays),
  };
}

/** Every per-track field at its default. */
export function defaultTrackFields(): { [K in TrackFieldName]: TrackFieldValue<K> } {
  return Object.fromEntries(Object.entries(TRACK_FIELDS).map(([k, f]) => [k, f.default])) as {
    [K in TrackFieldName]: TrackFieldValue<K>;
  };
}

/** A track and its row (for pattern A of a new session, or for `add_track`). */
export function makeTrack(init: { id: string; name: string; instrument: string; length?: number; on?: number[] }): {
  track: Track;
  row: Row;
} {
  const track: Track = { id: init.id, ...defaultTrackFields(), name: init.name, instrument: init.instrument };
  const row = emptyRow(init.length ?? ROW_FIELDS.length.default);
  for (const i of init.on ?? []) row.steps[i] = true;
  return { track, row };
}

export function emptyPattern(): Pattern {
  return { ...(Object.fromEntries(Object.entries(PATTERN_FIELDS).map(([k, f]) => [k, f.default])) as Omit<Pattern, 'rows'>), rows: {} };
}

export function emptySession(anchorMs: number, name: string = SESSION_FIELDS.name.default): Session {
  const defaults = Object.fromEntries(Object.entries(SESSION_FIELDS).map(([k, f]) => [k, f.default])) as {
    [K in SessionFieldName]: SessionFieldValue<K>;
  };
  return {
    ...defaults,
    name,
    tracks: [],
    patterns: { A: emptyPattern() },
    song: { entries: [], loop: true, start: null },
    transport: { song: false, pattern: 'A', from: 0, next: null },
    key: { ...NO_KEY },
    sounds: {},
    effects: Object.fromEntries(Object.entries(EFFECT_FIELDS).map(([k, f]) => [k, f.default])) as Effects,
    timeline: { anchorMs, together: false, playing: false },
    lineage: { remixedFrom: null },
  };
}

/** A session whose pattern A holds these tracks' rows (templates, tests). */
export function sessionWithTracks(session: Session, tracks: readonly { track: Track; row: Row }[]): Session {
  const rows: Record<string, Row> = {};
  for (const { track, row } of tracks) if (!isEmptyRow(row)) rows[track.id] = row;
  return {
    ...session,
    tracks: tracks.map((t) => t.track),
    patterns: { ...session.patterns, A: { ...emptyPattern(), ...session.patterns.A, rows } },
  };
}

/** Duration of one step (a sixteenth note) in milliseconds. */
export function stepDurationMs(tempo: number): number {
  return 60_000 / tempo / 4;
}

export type { StepArrayName };
