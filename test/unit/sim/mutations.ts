/**
 * Turns a random "intent" (a few numbers) into a concrete mutation against what a
 * client currently sees. Track ids come from a small pool and steps from a small
 * range, so clients keep colliding on the same cells and the same tracks: adds of
 * one id, deletes of a track someone is editing, moves of the same track.
 */
import { emptyPattern, INSTRUMENT_IDS, LIMITS, makeTrack, type Mutation, type Session } from '../../../core';

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

const KINDS = [
  'set_step',
  'set_step',
  'set_step',
  'set_step',
  'set_velocity',
  'set_pitch',
  'set_length',
  'set_track_name',
  'set_instrument',
  'set_volume',
  'set_pan',
  'set_pattern',
  'add_track',
  'add_track',
  'delete_track',
  'move_track',
  'move_track',
  'set_tempo',
  'set_swing',
  'set_session_name',
  'set_effect',
  'set_play_together',
  'set_playing',
] as const;

const pick = <T>(list: readonly T[], n: number): T => list[Math.abs(n) % list.length]!;

/** Steps collide on purpose: mostly 0…3, sometimes the last storage slot. */
const stepOf = (n: number) => (n % 9 === 8 ? LIMITS.maxSteps - 1 : n % 4);

export function mutationFor(view: Session, intent: Intent): Mutation {
  const kind = pick(KINDS, intent.kind);
  const visible = view.tracks.map((t) => t.id);
  const trackId = intent.track % 2 === 0 && visible.length > 0 ? pick(visible, intent.track >> 1) : pick(TRACK_POOL, intent.track >> 1);
  const other = intent.b % 3 === 0 ? null : pick(TRACK_POOL, intent.b);
  switch (kind) {
    case 'set_step':
      return { type: kind, trackId, step: stepOf(intent.a), on: intent.b % 2 === 0 };
    case 'set_velocity':
      return { type: kind, trackId, step: stepOf(intent.a), velocity: intent.b % (LIMITS.maxVelocity + 1) };
    case 'set_pitch':
      return { type: kind, trackId, step: stepOf(intent.a), pitch: (intent.b % 49) - 24 };
    case 'set_length':
      return { type: kind, trackId, length: pick([1, 3, 4, 7, 16, 32, 128], intent.a) };
    case 'set_track_name':
      return { type: kind, trackId, name: pick(['Kick', 'Drums ✨', 'Bass line', 'ü'], intent.a) };
    case 'set_instrument':
      return { type: kind, trackId, instrument: pick(INSTRUMENT_IDS, intent.a) };
    case 'set_volume':
      return { type: kind, trackId, volume: pick([0, 0.25, 0.8, 1], intent.a) };
    case 'set_pan':
      return { type: kind, trackId, pan: pick([-1, -0.5, 0, 0.3, 1], intent.a) };
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
      const track = makeTrack({ id, name: id, instrument: pick(INSTRUMENT_IDS, intent.b), length: pick([4, 16, 5], intent.b), on: [intent.a % 16] });
      return { type: kind, track, beforeTrackId: other };
    }
    case 'delete_track':
      return { type: kind, trackId };
    case 'move_track':
      return { type: kind, trackId, beforeTrackId: other };
    case 'set_tempo':
      return { type: kind, tempo: pick([60, 90, 120.5, 174, 300], intent.a) };
    case 'set_swing':
      return { type: kind, swing: pick([0, 10, 55.5, 100], intent.a) };
    case 'set_session_name':
      return { type: kind, name: pick(['Jam', 'Late night', '夜のビート', ''], intent.a) };
    case 'set_effect':
      return { type: kind, param: pick(['reverb', 'delay', 'delayFeedback'] as const, intent.a), value: pick([0, 0.3, 0.9], intent.b) };
    case 'set_play_together':
      return { type: kind, together: intent.a % 2 === 0 };
    case 'set_playing':
      return { type: kind, playing: intent.a % 2 === 0 };
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
