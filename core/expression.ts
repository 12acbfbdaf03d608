/**
 * Step expression (issue 14): whether a lit step plays this time (its probability and its
 * condition), and how (ratchets). Every random choice is a pure function of the session's
 * seed, the pattern, the track, the step and the loop count on the shared timeline —
 * never Math.random() at play time — so every listener, the embed, the WAV and the MIDI
 * export make exactly the same choices, loop after loop.
 */
import { CONDITIONS } from './conditions';
import { LIMITS } from './limits';
import type { PatternId, Row } from './model';

/** 32-bit FNV-1a of a string, then a murmur3 finaliser: cheap, well mixed, the same everywhere. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A fresh seed, different from `current`: a new session gets one (so two sessions made
 * from one template do not make the same random choices) and Re-roll sends one. Drawn
 * when the seed is set, never at play time.
 */
export function newSeed(current?: number, random: () => number = Math.random): number {
  let seed = current ?? -1;
  while (seed === current || seed < 0) seed = Math.floor(random() * (LIMITS.maxSeed + 1));
  return seed;
}

/** The random number in [0, 1) of one step on one pass: the same for everyone, for ever. */
export function chance(seed: number, pattern: PatternId, trackId: string, step: number, loop: number): number {
  return hash32(`${seed}|${pattern}|${trackId}|${step}|${loop}`) / 2 ** 32;
}

/** Where a step is heard: the row's pass (`loop`, from 0 when its pattern started) and its step. */
export interface StepPlace {
  seed: number;
  pattern: PatternId;
  trackId: string;
  row: Row;
  step: number;
  loop: number;
  /** Someone holds Fill. */
  fill: boolean;
}

const isPrevCondition = (index: number) => {
  const kind = CONDITIONS[index]?.kind;
  return kind === 'prev' || kind === 'not_prev';
};

/**
 * A lit step whose playing is in doubt, as a prev step sees it: a condition other than
 * always, or a probability under 100 — but never a prev / not prev step itself, whatever
 * its probability. Those are transparent (as on Elektron machines): were they counted, a
 * prev step at 50 % would hang on its own previous pass, and that on the one before, back
 * to the first; hours into a jam that chain overflowed the stack.
 */
function isConditional(row: Row, step: number): boolean {
  if (!row.steps[step]) return false;
  const condition = row.conditions[step] ?? 0;
  if (isPrevCondition(condition)) return false;
  return condition !== 0 || (row.probabilities[step] ?? 100) < 100;
}

/**
 * Whether a lit step plays on this pass: its condition holds and its probability draw
 * passes. "prev" looks back (over the row's previous pass too) for the nearest
 * conditional step of the row (not a prev step: see isConditional) and asks whether it
 * played; none: it counts as played. So the look-back recurses at most once.
 */
export function stepFires(place: StepPlace): boolean {
  const { row, step, loop } = place;
  const condition = CONDITIONS[row.conditions[step] ?? 0] ?? CONDITIONS[0]!;
  let holds: boolean;
  switch (condition.kind) {
    case 'always':
      holds = true;
      break;
    case 'ratio':
      holds = loop % condition.b === condition.a - 1;
      break;
    case 'first':
      holds = loop === 0;
      break;
    case 'not_first':
      holds = loop > 0;
      break;
    case 'fill':
      holds = place.fill;
      break;
    case 'not_fill':
      holds = !place.fill;
      break;
    case 'prev':
    case 'not_prev': {
      const previous = previousConditional(row, step, loop);
      const fired = previous === null || stepFires({ ...place, ...previous });
      holds = condition.kind === 'prev' ? fired : !fired;
      break;
    }
  }
  if (!holds) return false;
  const probability = row.probabilities[step] ?? 100;
  if (probability >= 100) return true;
  if (probability <= 0) return false;
  return chance(place.seed, place.pattern, place.trackId, step, loop) < probability / 100;
}

/** The nearest conditional step before (step, loop), within one pass back; null when there is none. */
function previousConditional(row: Row, step: number, loop: number): { step: number; loop: number } | null {
  let s = step;
  let l = loop;
  for (let k = 1; k < row.length + 1; k++) {
    s--;
    if (s < 0) {
      if (l === 0) return null;
      s = row.length - 1;
      l--;
    }
    if (isConditional(row, s)) return { step: s, loop: l };
  }
  return null;
}

/** One hit of a step: `at` steps after its start (ratchets), at this share of its velocity. */
export interface Hit {
  at: number;
  gain: number;
}

/**
 * The hits of a step with `ratchet` repeats, evenly spaced within it; `ramp` percent moves
 * the velocity linearly from the first hit to the last (−100: the last is silent).
 */
export function ratchetHits(ratchet: number, ramp: number): Hit[] {
  const n = Math.max(1, Math.round(ratchet));
  return Array.from({ length: n }, (_, k) => ({
    at: k / n,
    gain: n === 1 ? 1 : Math.max(0, 1 + (ramp / 100) * (k / (n - 1))),
  }));
}
