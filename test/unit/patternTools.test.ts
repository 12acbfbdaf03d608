/**
 * Pattern tools (core/patternTools.ts): each is a pure row → row function the track menu
 * sends as one set_row. Expected rows are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import {
  canDouble,
  doubleRow,
  emptyRow,
  euclid,
  euclidRow,
  invertRow,
  LIMITS,
  randomFillRow,
  reverseRow,
  type Row,
  rotateRow,
  STEP_FIELDS,
} from '../../core';

const xs = (pattern: boolean[]) => pattern.map((on) => (on ? 'x' : '.')).join('');
const visible = (row: Row) => xs(row.steps.slice(0, row.length));

/** An 8-step row x.x..x.. whose steps carry distinct fields, and a lit step beyond its length. */
function sample(): Row {
  const row = emptyRow(8);
  for (const i of [0, 2, 5]) row.steps[i] = true;
  for (let i = 0; i < 8; i++) {
    row.velocities[i] = 10 + i;
    row.probabilities[i] = 50 + i;
    row.ratchets[i] = (i % 8) + 1;
    row.pitches[i] = i - 4;
    row.nudges[i] = i * 5;
  }
  row.steps[20] = true; // beyond the length: kept by every tool
  row.velocities[20] = 3;
  return row;
}

describe('euclid', () => {
  it('spreads hits evenly, starting on a hit', () => {
    expect(xs(euclid(3, 8))).toBe('x..x..x.');
    expect(xs(euclid(4, 16))).toBe('x...x...x...x...');
    // Bjorklund writes E(5,8) x.xx.xx.; this is the same necklace rotated (every Euclidean form starts on a hit).
    expect(xs(euclid(5, 8))).toBe('x.x.xx.x');
    expect(xs(euclid(0, 4))).toBe('....');
    expect(xs(euclid(4, 4))).toBe('xxxx');
  });
  it('has gaps between hits differing by at most one step, for every k of 16', () => {
    for (let k = 1; k <= 16; k++) {
      const hits = euclid(k, 16).flatMap((on, i) => (on ? [i] : []));
      expect(hits).toHaveLength(k);
      const gaps = hits.map((h, i) => ((hits[(i + 1) % k]! - h + 15) % 16) + 1);
      expect(Math.max(...gaps) - Math.min(...gaps), `k=${k}`).toBeLessThanOrEqual(1);
    }
  });
  it('rotates later for a positive rotation, earlier for a negative one, wrapping', () => {
    expect(xs(euclid(3, 8, 1))).toBe('.x..x..x');
    expect(xs(euclid(3, 8, -1))).toBe('..x..x.x');
    expect(xs(euclid(3, 8, 9))).toBe(xs(euclid(3, 8, 1)));
  });
  it('refuses hits outside 0…length', () => {
    expect(() => euclid(9, 8)).toThrow(RangeError);
    expect(() => euclid(-1, 8)).toThrow(RangeError);
    expect(() => euclid(1.5, 8)).toThrow(RangeError);
  });
  it('euclidRow sets only the visible steps and keeps every other field', () => {
    const row = sample();
    const next = euclidRow(row, 3, 0);
    expect(visible(next)).toBe('x..x..x.');
    expect(next.velocities).toEqual(row.velocities);
    expect(next.steps[20]).toBe(true);
    expect(next.length).toBe(8);
    expect(row.steps[1]).toBe(false); // the input is not changed
  });
});

describe('rotate, reverse, invert', () => {
  it('rotate moves each step with all its fields, within the length', () => {
    const row = sample();
    const right = rotateRow(row, 1);
    expect(visible(right)).toBe('.x.x..x.');
    expect(right.velocities.slice(0, 8)).toEqual([17, 10, 11, 12, 13, 14, 15, 16]);
    expect(right.probabilities.slice(0, 3)).toEqual([57, 50, 51]);
    expect(right.pitches[1]).toBe(-4);
    const left = rotateRow(row, -1);
    expect(visible(left)).toBe('.x..x..x');
    expect(left.velocities[7]).toBe(10);
    for (const r of [right, left]) {
      expect(r.length).toBe(8);
      expect(r.steps[20]).toBe(true);
      expect(r.velocities[20]).toBe(3);
    }
    expect(rotateRow(rotateRow(row, 3), -3)).toEqual(row);
  });
  it('reverse mirrors the visible steps with their fields and keeps the length', () => {
    const row = sample();
    const next = reverseRow(row);
    expect(visible(next)).toBe('..x..x.x');
    expect(next.nudges.slice(0, 8)).toEqual([35, 30, 25, 20, 15, 10, 5, 0]);
    expect(next.ratchets[0]).toBe(8);
    expect(next.length).toBe(8);
    expect(next.steps[20]).toBe(true);
    expect(reverseRow(next)).toEqual(row);
  });
  it('invert flips the visible steps only, every other field and step stays', () => {
    const row = sample();
    const next = invertRow(row);
    expect(visible(next)).toBe('.x.xx.xx');
    for (const f of Object.values(STEP_FIELDS)) if (f.array !== 'steps') expect(next[f.array]).toEqual(row[f.array]);
    expect(next.steps[20]).toBe(true);
    expect(next.steps[21]).toBe(false);
    expect(next.length).toBe(8);
  });
});

describe('double the length', () => {
  it('repeats every step array and doubles the length', () => {
    const row = sample();
    const next = doubleRow(row);
    expect(next.length).toBe(16);
    expect(visible(next)).toBe('x.x..x..x.x..x..');
    for (const f of Object.values(STEP_FIELDS)) {
      const values = next[f.array] as unknown[];
      expect(values.slice(8, 16), f.array).toEqual(values.slice(0, 8));
    }
    expect(next.steps[20]).toBe(true); // beyond 16: kept
  });
  it('refuses to pass LIMITS.maxSteps', () => {
    const row = emptyRow(LIMITS.maxSteps / 2 + 1);
    expect(canDouble(row)).toBe(false);
    expect(() => doubleRow(row)).toThrow(RangeError);
    expect(canDouble(emptyRow(LIMITS.maxSteps / 2))).toBe(true);
  });
});

describe('random fill', () => {
  it('is the same for the same seed, pattern and track, and differs with them', () => {
    const row = emptyRow(64);
    const a = randomFillRow(row, 0.5, 1234, 'A', 'hat');
    expect(randomFillRow(row, 0.5, 1234, 'A', 'hat')).toEqual(a);
    expect(visible(randomFillRow(row, 0.5, 1235, 'A', 'hat'))).not.toBe(visible(a));
    expect(visible(randomFillRow(row, 0.5, 1234, 'B', 'hat'))).not.toBe(visible(a));
    expect(visible(randomFillRow(row, 0.5, 1234, 'A', 'kick'))).not.toBe(visible(a));
  });
  it('respects the density: none at 0, all at 1, about half at 0.5, more at higher densities', () => {
    const row = emptyRow(128);
    const count = (d: number) => randomFillRow(row, d, 99, 'A', 'hat').steps.filter(Boolean).length;
    expect(count(0)).toBe(0);
    expect(count(1)).toBe(128);
    // 128 fair draws: 64 ± 4σ (σ ≈ 5.7).
    expect(count(0.5)).toBeGreaterThan(41);
    expect(count(0.5)).toBeLessThan(87);
    // The same draws against a higher threshold: a superset.
    const low = randomFillRow(row, 0.25, 99, 'A', 'hat').steps;
    const high = randomFillRow(row, 0.75, 99, 'A', 'hat').steps;
    expect(low.every((on, i) => !on || high[i])).toBe(true);
  });
  it('keeps the length, the other fields and the steps beyond the length; refuses a density outside 0…1', () => {
    const row = sample();
    const next = randomFillRow(row, 0.5, 7, 'A', 'x');
    expect(next.length).toBe(8);
    expect(next.velocities).toEqual(row.velocities);
    expect(next.steps[20]).toBe(true);
    expect(() => randomFillRow(row, 1.5, 7, 'A', 'x')).toThrow(RangeError);
    expect(() => randomFillRow(row, Number.NaN, 7, 'A', 'x')).toThrow(RangeError);
  });
});
