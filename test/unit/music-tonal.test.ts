/**
 * core/music.ts writes out the scales and chords it uses as numbers (so that no page builds
 * tonal's dictionaries while it loads): every number must be tonal's.
 */
import * as ChordType from '@tonaljs/chord-type';
import * as Interval from '@tonaljs/interval';
import * as ScaleType from '@tonaljs/scale-type';
import { describe, expect, it } from 'vitest';
import { CHORD_SHAPES, SCALE_NAMES, scaleSteps } from '../../core';

const mod12 = (n: number) => ((n % 12) + 12) % 12;

describe('the theory in core/music.ts is tonal’s', () => {
  it.each(SCALE_NAMES)('the %s scale', (name) => {
    const type = ScaleType.get(name);
    expect(type.empty).toBe(false);
    expect(scaleSteps(name)).toEqual(type.intervals.map((i) => mod12(Interval.semitones(i) ?? 0)));
  });

  it.each(CHORD_SHAPES.map((c) => [c.symbol || 'M', c] as const))('the %s chord', (symbol, shape) => {
    const type = ChordType.get(symbol);
    expect(type.empty).toBe(false);
    expect(shape.intervals).toEqual(type.intervals.map((i) => Interval.semitones(i) ?? 0).filter((s) => s > 0));
  });

  it('every chord shape is distinct (a mask names one chord)', () => {
    expect(new Set(CHORD_SHAPES.map((c) => c.intervals.join(','))).size).toBe(CHORD_SHAPES.length);
  });
});
