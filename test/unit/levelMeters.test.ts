/** The live level meters' arithmetic (app/ui/levelMeters.ts): peak in dBFS on the meter's scale, and its fall. */
import { describe, expect, it } from 'vitest';
import { METER_FLOOR_DB, meterBallistics, meterFraction, peakDb } from '../../app/ui/levelMeters';

describe('live level meters', () => {
  it('reads the highest |sample| as dBFS, clamped to the scale', () => {
    expect(peakDb(new Float32Array([0, 0.25, -0.5, 0.1]))).toBeCloseTo(-6.0206, 3);
    expect(peakDb(new Float32Array([1, -1]))).toBe(0);
    expect(peakDb(new Float32Array([2]))).toBe(0);
    expect(peakDb(new Float32Array(64))).toBe(METER_FLOOR_DB);
    expect(peakDb(new Float32Array([1e-6]))).toBe(METER_FLOOR_DB);
    expect(peakDb(new Float32Array([Number.NaN]))).toBe(METER_FLOOR_DB);
  });

  it('jumps to a peak at once and falls 24 dB a second to the floor', () => {
    expect(meterBallistics(-40, -6, 0.016)).toBe(-6);
    expect(meterBallistics(-6, METER_FLOOR_DB, 0.5)).toBeCloseTo(-18, 6);
    expect(meterBallistics(-6, METER_FLOOR_DB, 10)).toBe(METER_FLOOR_DB);
    expect(meterFraction(METER_FLOOR_DB)).toBe(0);
    expect(meterFraction(0)).toBe(1);
  });
});
