/**
 * Pattern tools (issue 14): whole-row transformations a track's menu offers. Each is a pure
 * function from a row to the row it becomes; the UI sends the result as ONE `set_row`
 * mutation, so each tool is one undo step and every editor sees the same row.
 *
 * Tools act on the row's visible steps (0…length−1) and move every per-step field with
 * its step (velocity, pitch, chord, probability, condition…): steps beyond the length are
 * kept as they were, as a length change keeps them (failure mode 12). Random fill draws
 * from core/expression.ts `chance` with the session's seed, so everyone computing it for
 * one track and pattern gets the same row.
 */
import { chance } from './expression';
import { STEP_FIELDS } from './fields';
import { LIMITS } from './limits';
import { copyRow, type PatternId, type Row } from './model';

const ARRAYS = Object.values(STEP_FIELDS).map((f) => f.array);

/** `loop` passed to `chance` by random fill: no pass of playback ever has it, so a fill draws apart from play-time draws. */
const RANDOM_FILL_LOOP = -1;

/** Euclidean rhythm: `hits` onsets spread as evenly as possible over `length` steps, moved `rotation` steps later. */
export function euclid(hits: number, length: number, rotation = 0): boolean[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`length must be a positive integer, got ${length}`);
  if (!Number.isInteger(hits) || hits < 0 || hits > length) throw new RangeError(`hits must be an integer 0…${length}, got ${hits}`);
  // Step i is a hit when i·k mod n < k: Bresenham's even spread, starting on a hit (E(3,8) = x..x..x.).
  const base = Array.from({ length }, (_, i) => (i * hits) % length < hits);
  return rotate(base, rotation);
}

/** `values` moved `by` places later (negative: earlier), wrapping around. */
function rotate<T>(values: readonly T[], by: number): T[] {
  const n = values.length;
  if (n === 0) return [];
  const shift = ((Math.trunc(by) % n) + n) % n;
  return values.map((_, i) => values[(i - shift + n) % n]!);
}

/** A copy of the row with each step array's visible part replaced by `map` of it. */
function mapVisible(row: Row, map: (visible: unknown[]) => unknown[]): Row {
  const next = copyRow(row);
  for (const array of ARRAYS) {
    const values = next[array] as unknown[];
    const visible = map(values.slice(0, row.length));
    for (let i = 0; i < visible.length; i++) values[i] = visible[i];
  }
  return next;
}

/** The row with its visible steps set to a Euclidean rhythm; every other field of each step is kept. */
export function euclidRow(row: Row, hits: number, rotation = 0): Row {
  const pattern = euclid(hits, row.length, rotation);
  const next = copyRow(row);
  for (let i = 0; i < row.length; i++) next.steps[i] = pattern[i]!;
  return next;
}

/** Every step (with all its fields) moved `by` steps later within the row's length; negative moves earlier. */
export function rotateRow(row: Row, by: number): Row {
  return mapVisible(row, (visible) => rotate(visible, by));
}

/** The visible steps in reverse order, each with all its fields. */
export function reverseRow(row: Row): Row {
  return mapVisible(row, (visible) => visible.slice().reverse());
}

/** Lit steps go dark and dark ones light; velocity, pitch and expression stay on each step. */
export function invertRow(row: Row): Row {
  const next = copyRow(row);
  for (let i = 0; i < row.length; i++) next.steps[i] = !row.steps[i];
  return next;
}

/**
 * The row's visible steps lit at random with `density` (0…1) chance each, drawn from the
 * session's seed, the pattern, the track and the step: the same row for everyone, until
 * the seed changes (Re-roll). Other fields of each step are kept.
 */
export function randomFillRow(row: Row, density: number, seed: number, pattern: PatternId, trackId: string): Row {
  if (!(density >= 0 && density <= 1)) throw new RangeError(`density must be within 0…1, got ${density}`);
  const next = copyRow(row);
  for (let i = 0; i < row.length; i++) next.steps[i] = chance(seed, pattern, trackId, i, RANDOM_FILL_LOOP) < density;
  return next;
}

/** Whether the row can double: twice its length fits in LIMITS.maxSteps. */
export function canDouble(row: Row): boolean {
  return row.length * 2 <= LIMITS.maxSteps;
}

/** The row twice as long, its visible steps repeated (every field of every step). */
export function doubleRow(row: Row): Row {
  if (!canDouble(row)) throw new RangeError(`a row of ${row.length} steps cannot double (at most ${LIMITS.maxSteps})`);
  const next = copyRow(row);
  for (const array of ARRAYS) {
    const values = next[array] as unknown[];
    for (let i = 0; i < row.length; i++) values[row.length + i] = values[i];
  }
  next.length = row.length * 2;
  return next;
}
