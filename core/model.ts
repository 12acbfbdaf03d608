/**
 * The session document: what a session is, on the wire, in storage and in KV.
 * Every field is always present (no optional fields) so that two copies of the
 * same state serialise to the same JSON (failure mode 14).
 */
import { DEFAULT_VELOCITY, LIMITS } from './limits';

export interface Track {
  /** Client-generated, unique within the session; every mutation addresses tracks by id. */
  id: string;
  name: string;
  instrument: string;
  /** Visible loop length, 1…128. Steps beyond it are kept, just not played. */
  length: number;
  /** Always LIMITS.maxSteps long, whatever `length` is. */
  steps: boolean[];
  /** 0…127 per step. */
  velocities: number[];
  /** Semitones from the instrument's root, −24…+24 per step. */
  pitches: number[];
  /** 0…1 */
  volume: number;
  /** −1 (left) … +1 (right) */
  pan: number;
}

export interface Effects {
  /** Reverb send, 0…1. */
  reverb: number;
  /** Delay send, 0…1. */
  delay: number;
  /** Delay feedback, 0…0.9. */
  delayFeedback: number;
}

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

export interface Session {
  name: string;
  /** BPM, 30…300 (integers or decimals). */
  tempo: number;
  /** Percent, 0…100. */
  swing: number;
  tracks: Track[];
  effects: Effects;
  timeline: Timeline;
  lineage: Lineage;
}

export const EFFECT_LIMITS = {
  reverb: { min: 0, max: 1 },
  delay: { min: 0, max: 1 },
  delayFeedback: { min: 0, max: 0.9 },
} as const;

export function emptyPattern(): Pick<Track, 'steps' | 'velocities' | 'pitches'> {
  return {
    steps: new Array<boolean>(LIMITS.maxSteps).fill(false),
    velocities: new Array<number>(LIMITS.maxSteps).fill(DEFAULT_VELOCITY),
    pitches: new Array<number>(LIMITS.maxSteps).fill(0),
  };
}

export function makeTrack(init: {
  id: string;
  name: string;
  instrument: string;
  length?: number;
  on?: number[];
}): Track {
  const track: Track = {
    id: init.id,
    name: init.name,
    instrument: init.instrument,
    length: init.length ?? 16,
    ...emptyPattern(),
    volume: 0.8,
    pan: 0,
  };
  for (const i of init.on ?? []) track.steps[i] = true;
  return track;
}

export function emptySession(anchorMs: number, name = 'Untitled beat'): Session {
  return {
    name,
    tempo: 120,
    swing: 0,
    tracks: [],
    effects: { reverb: 0.15, delay: 0, delayFeedback: 0.35 },
    timeline: { anchorMs, together: false, playing: false },
    lineage: { remixedFrom: null },
  };
}

/** Duration of one step (a sixteenth note) in milliseconds. */
export function stepDurationMs(tempo: number): number {
  return 60_000 / tempo / 4;
}
