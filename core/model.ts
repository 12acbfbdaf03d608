/**
 * The session document: what a session is, on the wire, in storage and in KV.
 * Every field is always present (no optional fields) so that two copies of the
 * same state serialise to the same JSON (failure mode 14). The synced fields of a
 * track, a step and the session are declared in core/fields.ts; the types here follow
 * from those declarations.
 */
import {
  EFFECT_FIELDS,
  type EffectName,
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

/** A track's per-step arrays, each LIMITS.maxSteps long whatever the track's length. */
export type StepArrays = { [K in StepFieldName as (typeof STEP_FIELDS)[K]['array']]: StepFieldValue<K>[] };

export type Track = {
  /** Client-generated, unique within the session; every mutation addresses tracks by id. */
  id: string;
} & { [K in TrackFieldName]: TrackFieldValue<K> } & StepArrays;

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

export type Session = { [K in SessionFieldName]: SessionFieldValue<K> } & {
  tracks: Track[];
  effects: Effects;
  timeline: Timeline;
  lineage: Lineage;
};

/** Bounds of each effect send (from EFFECT_FIELDS). */
export const EFFECT_LIMITS = Object.fromEntries(
  Object.entries(EFFECT_FIELDS).map(([k, f]) => [k, { min: f.domain.min, max: f.domain.max }]),
) as { readonly [K in EffectName]: { readonly min: number; readonly max: number } };

/** Every step array of a track at its default: an empty pattern. */
export function emptyPattern(): StepArrays {
  return Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, new Array(LIMITS.maxSteps).fill(f.default)])) as StepArrays;
}

/** Every per-track field at its default. */
export function defaultTrackFields(): { [K in TrackFieldName]: TrackFieldValue<K> } {
  return Object.fromEntries(Object.entries(TRACK_FIELDS).map(([k, f]) => [k, f.default])) as {
    [K in TrackFieldName]: TrackFieldValue<K>;
  };
}

export function makeTrack(init: { id: string; name: string; instrument: string; length?: number; on?: number[] }): Track {
  const track: Track = {
    id: init.id,
    ...defaultTrackFields(),
    name: init.name,
    instrument: init.instrument,
    length: init.length ?? TRACK_FIELDS.length.default,
    ...emptyPattern(),
  };
  for (const i of init.on ?? []) track.steps[i] = true;
  return track;
}

export function emptySession(anchorMs: number, name: string = SESSION_FIELDS.name.default): Session {
  const defaults = Object.fromEntries(Object.entries(SESSION_FIELDS).map(([k, f]) => [k, f.default])) as {
    [K in SessionFieldName]: SessionFieldValue<K>;
  };
  return {
    ...defaults,
    name,
    tracks: [],
    effects: Object.fromEntries(Object.entries(EFFECT_FIELDS).map(([k, f]) => [k, f.default])) as Effects,
    timeline: { anchorMs, together: false, playing: false },
    lineage: { remixedFrom: null },
  };
}

/** Duration of one step (a sixteenth note) in milliseconds. */
export function stepDurationMs(tempo: number): number {
  return 60_000 / tempo / 4;
}

export type { StepArrayName };
