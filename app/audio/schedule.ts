/**
 * What sounds at one global step: pure, shared by live playback, the offline
 * render (WAV export, timing tests) and nothing else needs to know about Tone.js.
 */
import { instrumentInfo, stepDurationMs, swingOffsetMs, trackStepAt, type Session } from '../../core';

export interface StepEvent {
  trackId: string;
  instrument: string;
  /** 0…1 */
  velocity: number;
  /** Semitones from the instrument's root (0 for drums). */
  pitch: number;
  /** Seconds after the unswung step time (swing). */
  offset: number;
  /** Steps until this track's next note (its loop length when it has only this one): how long sustained voices hold. */
  gateSteps: number;
  volume: number;
  pan: number;
}

export function eventsAtStep(session: Session, globalStep: number, audible: ReadonlySet<string> | null): StepEvent[] {
  const events: StepEvent[] = [];
  const offset = swingOffsetMs(globalStep, session.swing, session.tempo) / 1000;
  for (const track of session.tracks) {
    if (audible && !audible.has(track.id)) continue;
    const step = trackStepAt(globalStep, track.length);
    if (!track.steps[step]) continue;
    const melodic = instrumentInfo(track.instrument)?.melodic ?? false;
    events.push({
      trackId: track.id,
      instrument: track.instrument,
      velocity: (track.velocities[step] ?? 100) / 127,
      pitch: melodic ? (track.pitches[step] ?? 0) : 0,
      offset,
      gateSteps: stepsToNextNote(track.steps, step, track.length),
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
