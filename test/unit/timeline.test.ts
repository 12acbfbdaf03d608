/** The shared timeline: where everyone listening is, and when Play joins. */
import { describe, expect, it } from 'vitest';
import { nextBoundary, retimeAnchor, stepDurationMs, stepsSinceAnchor, swingOffsetMs, trackStepAt } from '../../core';

const A = 1_700_000_000_000;

describe('stepDurationMs', () => {
  it('is a sixteenth note', () => {
    expect(stepDurationMs(120)).toBe(125);
    expect(stepDurationMs(60)).toBe(250);
  });
});

describe('nextBoundary', () => {
  const step = stepDurationMs(120); // 125 ms, a bar is 2000 ms

  it('at the anchor itself, joins right there', () => {
    expect(nextBoundary(A, 120, A)).toEqual({ atMs: A, globalStep: 0 });
  });

  it('just after a bar starts, waits for the next bar', () => {
    expect(nextBoundary(A, 120, A + 1)).toEqual({ atMs: A + 16 * step, globalStep: 16 });
    expect(nextBoundary(A, 120, A + 16 * step - 1)).toEqual({ atMs: A + 16 * step, globalStep: 16 });
  });

  it('exactly on a later bar line joins it (no extra bar of waiting)', () => {
    expect(nextBoundary(A, 120, A + 32 * step)).toEqual({ atMs: A + 32 * step, globalStep: 32 });
  });

  it('tolerates float noise on a bar line from a retimed anchor', () => {
    const anchor = retimeAnchor(A, 120, 97.3, A + 10_001);
    const barMs = 16 * stepDurationMs(97.3);
    const k = Math.ceil((A + 50_000 - anchor) / barMs);
    const onBar = anchor + k * barMs;
    const next = nextBoundary(anchor, 97.3, onBar);
    expect(next.globalStep).toBe(k * 16);
    expect(next.atMs).toBeCloseTo(onBar, 2);
  });

  it('quantum 1 joins at the next step; 4 at the next beat', () => {
    expect(nextBoundary(A, 120, A + 130, 1)).toEqual({ atMs: A + 2 * step, globalStep: 2 });
    expect(nextBoundary(A, 120, A + 130, 4)).toEqual({ atMs: A + 4 * step, globalStep: 4 });
  });

  it('before the anchor (a clock a little behind), the boundary is at or after now', () => {
    const now = A - 3 * step;
    const next = nextBoundary(A, 120, now);
    expect(next.atMs).toBeGreaterThanOrEqual(now);
    expect(next.globalStep % 16).toBe(0);
    expect(next).toEqual({ atMs: A, globalStep: 0 });
  });

  it('is always the first multiple of the quantum at or after now', () => {
    for (let i = 0; i < 500; i++) {
      const tempo = 30 + ((i * 37) % 271);
      const now = A + i * 997.3;
      const { atMs, globalStep } = nextBoundary(A, tempo, now);
      expect(globalStep % 16).toBe(0);
      expect(atMs).toBeGreaterThanOrEqual(now - 1e-6);
      expect(atMs - 16 * stepDurationMs(tempo)).toBeLessThan(now);
      expect(stepsSinceAnchor(A, tempo, atMs)).toBeCloseTo(globalStep, 4);
    }
  });
});

describe('swingOffsetMs', () => {
  it('delays only odd sixteenths', () => {
    expect(swingOffsetMs(0, 100, 120)).toBe(0);
    expect(swingOffsetMs(2, 100, 120)).toBe(0);
    expect(swingOffsetMs(1, 100, 120)).toBe(62.5);
    expect(swingOffsetMs(3, 50, 120)).toBe(31.25);
  });

  it('0 % is straight, 100 % is half a step', () => {
    expect(swingOffsetMs(1, 0, 120)).toBe(0);
    expect(swingOffsetMs(7, 100, 60)).toBe(stepDurationMs(60) / 2);
  });

  it('scales with tempo', () => {
    expect(swingOffsetMs(1, 60, 60)).toBeCloseTo(2 * swingOffsetMs(1, 60, 120), 9);
  });
});

describe('trackStepAt', () => {
  it('loops each track at its own length (polyrhythm)', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((g) => trackStepAt(g, 3))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(trackStepAt(16, 16)).toBe(0);
    expect(trackStepAt(127, 128)).toBe(127);
    expect(trackStepAt(1000, 1)).toBe(0);
  });

  it('stays in range for negative global steps (before the anchor)', () => {
    expect(trackStepAt(-1, 16)).toBe(15);
    expect(trackStepAt(-17, 16)).toBe(15);
    expect(trackStepAt(-3, 3)).toBe(0);
  });
});

describe('retimeAnchor', () => {
  it('keeps the position at the change, from any anchor', () => {
    for (const [from, to, at] of [
      [120, 140, A + 999],
      [30, 300, A + 1],
      [300, 30, A - 5000],
    ] as const) {
      const anchor = retimeAnchor(A, from, to, at);
      expect(stepsSinceAnchor(anchor, to, at)).toBeCloseTo(stepsSinceAnchor(A, from, at), 4);
    }
  });

  it('composes: two changes equal the state a late joiner computes', () => {
    const a1 = retimeAnchor(A, 120, 90, A + 3000);
    const a2 = retimeAnchor(a1, 90, 150, A + 9000);
    // Position at 9000: 3000 ms at 120 (24 steps) + 6000 ms at 90 (36 steps) = 60 steps.
    expect(stepsSinceAnchor(a2, 150, A + 9000)).toBeCloseTo(60, 6);
  });
});
