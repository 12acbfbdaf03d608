/**
 * The shared timeline. Everyone playing a session derives "which step sounds when"
 * from one anchor in server time, so listeners' bars line up.
 */
import { stepDurationMs } from './model';

/** Position on the timeline, in (fractional) steps since the anchor. */
export function stepsSinceAnchor(anchorMs: number, tempo: number, serverNowMs: number): number {
  return (serverNowMs - anchorMs) / stepDurationMs(tempo);
}

/**
 * A tempo change at `atMs` moves the anchor so that the position at that moment
 * stays the same: playback carries on from where it is, only faster or slower.
 */
export function retimeAnchor(anchorMs: number, oldTempo: number, newTempo: number, atMs: number): number {
  if (oldTempo === newTempo) return anchorMs;
  const position = stepsSinceAnchor(anchorMs, oldTempo, atMs);
  return atMs - position * stepDurationMs(newTempo);
}

/**
 * The server time of the next step boundary at or after `serverNowMs` whose global
 * step index is a multiple of `quantum` (16 = the next bar). Pressing Play joins here.
 */
export function nextBoundary(anchorMs: number, tempo: number, serverNowMs: number, quantum = 16): { atMs: number; globalStep: number } {
  const position = stepsSinceAnchor(anchorMs, tempo, serverNowMs);
  // `+ 0` turns the -0 that Math.ceil gives just below zero into 0, so the result
  // compares and serialises the same as a plain 0 (failure mode 14).
  const globalStep = Math.ceil(position / quantum - 1e-9) * quantum + 0;
  return { atMs: anchorMs + globalStep * stepDurationMs(tempo), globalStep };
}

/**
 * Swing delays every odd sixteenth. 0 % is straight; 100 % delays it by half a step
 * (a hard shuffle); about 67 % is the triplet feel. Shared by playback, the offline
 * render and the MIDI export so that all three agree.
 */
export function swingOffsetMs(globalStep: number, swing: number, tempo: number): number {
  return globalStep % 2 === 1 ? (swing / 100) * 0.5 * stepDurationMs(tempo) : 0;
}

/** Which of a track's steps sounds at a global step: tracks loop independently. */
export function trackStepAt(globalStep: number, length: number): number {
  return ((globalStep % length) + length) % length;
}
