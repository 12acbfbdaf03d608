/**
 * What sounds when: the one function that turns a session into timed events, shared
 * by live playback (app/audio/mixer.ts), the offline render (WAV export, the timing
 * tests) and the MIDI export (app/export/midi.ts). Pure: no Tone.js, no DOM, so every
 * listener, the embed and both exports hear the same thing.
 */
import type { TrackFieldName } from './fields';
import { instrumentInfo } from './instruments';
import { type Session, stepDurationMs, type Track } from './model';
import { swingOffsetMs, trackStepAt } from './timeline';

/**
 * How each per-track field reaches the sound. The compiler asks for a line here when a
 * field is added to core/fields.ts: say where it is heard (and make it so below, or in
 * the mixer or the voices), or that it is not.
 */
export const TRACK_FIELD_SOUND = {
  name: 'not heard',
  instrument: 'chooses the voice (app/audio/voices.ts)',
  length: 'the loop length of the track (trackStepAt below)',
  volume: 'the track gain in the mixer (StepEvent.volume)',
  pan: 'the track panner in the mixer (StepEvent.pan)',
  transpose: 'added to every step pitch of a melodic track (eventsAtStep)',
  swing: 'replaces the session swing for this track when set (trackSwing)',
} as const satisfies Record<TrackFieldName, string>;

export interface StepEvent {
  trackId: string;
  instrument: string;
  /** 0…1 */
  velocity: number;
  /** Semitones from the instrument's root, transpose included (0 for drums). */
  pitch: number;
  /** Seconds after the unswung step time (swing). */
  offset: number;
  /** Steps until this track's next note (its loop length when it has only this one): how long sustained voices hold. */
  gateSteps: number;
  /** Seconds after the unswung time of the step where the next note starts (its swing): where this note must end by. */
  nextOffset: number;
  volume: number;
  pan: number;
}

/** The swing (percent) a track plays with: its own when set, else the session's. */
export const trackSwing = (session: Pick<Session, 'swing'>, track: Pick<Track, 'swing'>) => track.swing ?? session.swing;

export function eventsAtStep(session: Session, globalStep: number, audible: ReadonlySet<string> | null): StepEvent[] {
  const events: StepEvent[] = [];
  for (const track of session.tracks) {
    if (audible && !audible.has(track.id)) continue;
    const step = trackStepAt(globalStep, track.length);
    if (!track.steps[step]) continue;
    const melodic = instrumentInfo(track.instrument)?.melodic ?? false;
    const swing = trackSwing(session, track);
    const gateSteps = stepsToNextNote(track.steps, step, track.length);
    events.push({
      trackId: track.id,
      instrument: track.instrument,
      velocity: (track.velocities[step] ?? 100) / 127,
      pitch: melodic ? (track.pitches[step] ?? 0) + track.transpose : 0,
      offset: swingOffsetMs(globalStep, swing, session.tempo) / 1000,
      gateSteps,
      nextOffset: swingOffsetMs(globalStep + gateSteps, swing, session.tempo) / 1000,
      volume: track.volume,
      pan: track.pan,
    });
  }
  return events;
}

/** Distance from `step` to the next lit step of a loop of `length`, wrapping; `length` when none. */
export function stepsToNextNote(steps: readonly boolean[], step: number, length: number): number {
  for (let k = 1; k < length; k++) if (steps[(step + k) % length]) return k;
  return length;
}

/** Seconds per step at a tempo. */
export const stepSeconds = (tempo: number) => stepDurationMs(tempo) / 1000;

/** Length of one full loop of the session in steps: the least common multiple of track lengths (capped). */
export function loopLengthSteps(session: Session, cap = 1024): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let lcm = 16;
  for (const t of session.tracks) {
    lcm = (lcm * t.length) / gcd(lcm, t.length);
    if (lcm > cap) return cap;
  }
  return lcm;
}
