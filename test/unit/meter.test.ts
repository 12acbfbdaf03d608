/**
 * The level meters of app/audio/meter.ts against numbers from the standard and from
 * arithmetic: BS.1770-4's 48 kHz K-weighting table, the loudness of a sine, the gates,
 * and the true peak of a signal whose samples miss its crest.
 */
import { describe, expect, it } from 'vitest';
import { integratedLoudness, kWeighting, measureLevels, truePeak } from '../../app/audio/meter';

const sine = (frequency: number, amplitude: number, seconds: number, sampleRate: number, phase = 0) =>
  Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate + phase),
  );

describe('meter', () => {
  it('K-weighting at 48 kHz reproduces the table of BS.1770-4', () => {
    const [shelf, highPass] = kWeighting(48_000);
    const expected = [
      [1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585],
      [1, -2, 1, -1.99004745483398, 0.99007225036621],
    ];
    for (const [i, got] of [shelf, highPass].entries())
      for (const [j, value] of got.entries()) expect(value).toBeCloseTo(expected[i]![j]!, 7);
  });

  it('a 1 kHz sine at 0 dBFS in one channel reads −3.01 LUFS (at 44.1 and 48 kHz), and 20 dB lower reads 20 LU lower', () => {
    for (const rate of [44_100, 48_000]) {
      const silent = new Float32Array(rate * 5);
      expect(integratedLoudness([sine(1000, 1, 5, rate), silent], rate)).toBeCloseTo(-3.01, 1);
      expect(integratedLoudness([sine(1000, 0.1, 5, rate), silent], rate)).toBeCloseTo(-23.01, 1);
    }
  });

  it('gates: silence is −Infinity, and adding silence (or a −75 dB hiss) to a tone leaves its loudness alone', () => {
    const rate = 48_000;
    expect(integratedLoudness([new Float32Array(rate * 2)], rate)).toBe(Number.NEGATIVE_INFINITY);
    const tone = sine(1000, 0.5, 4, rate);
    const padded = new Float32Array(rate * 20);
    padded.set(tone);
    for (let i = tone.length; i < padded.length; i++) padded[i] = 0.0002 * Math.sin(i * 1.7);
    // Within 0.3 dB (the blocks straddling the tone's end pass the relative gate); ungated, the hiss would take 6 dB off.
    expect(Math.abs(integratedLoudness([padded], rate) - integratedLoudness([tone], rate))).toBeLessThan(0.3);
  });

  it('true peak finds the crest between samples: a quarter-rate sine sampled 45° off its peaks reads 0 dBTP, its samples −3 dB', () => {
    const rate = 48_000;
    const x = sine(rate / 4, 1, 0.1, rate, Math.PI / 4);
    // Faded in and out over 10 ms: an abrupt start would ring (Gibbs) in any band-limited interpolation.
    const fade = rate / 100;
    for (let i = 0; i < fade; i++) {
      const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
      x[i]! *= g;
      x[x.length - 1 - i]! *= g;
    }
    expect(Math.max(...x.map(Math.abs))).toBeCloseTo(Math.SQRT1_2, 5);
    expect(Math.abs(20 * Math.log10(truePeak(x)))).toBeLessThan(0.05);
    const levels = measureLevels([x], rate);
    expect(levels.samplePeakDb).toBeCloseTo(-3.01, 1);
    expect(levels.truePeakDb).toBeGreaterThan(-0.1);
    expect(levels.nonFinite).toBe(0);
    expect(levels.overs).toBe(0);
  });

  it('counts NaN and samples beyond full scale; a sine has a crest factor of 3 dB', () => {
    const rate = 44_100;
    const x = sine(440, 1.5, 1, rate);
    x[10] = Number.NaN;
    const levels = measureLevels([x], rate);
    expect(levels.nonFinite).toBe(1);
    expect(levels.overs).toBeGreaterThan(0);
    expect(measureLevels([sine(440, 0.5, 1, rate)], rate).crestDb).toBeCloseTo(3.01, 1);
  });
});
