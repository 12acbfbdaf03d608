/**
 * Own sounds (issue 16), the browser's pure steps: the `sound:<key>` instrument ids, the
 * mono mixdown, where the leading silence ends, the trim's length check, normalising to
 * −1 dBFS with fades at the cuts, and the WAV that is uploaded (PCM 16-bit mono 24 kHz,
 * as the server checks it).
 */
import { describe, expect, it } from 'vitest';
import { encodeSound } from '../../app/sounds/decode';
import { MAX_SOUND_SECONDS, SOUND_PEAK_DB, SOUND_SAMPLE_RATE, soundInstrument, soundKeyOf, soundUrl } from '../../app/sounds/format';
import { leadingSilenceEnd, mixdown, nameFromFile, peak, PRE_ROLL_SECONDS, trimAndNormalise, trimProblem } from '../../app/sounds/process';

const KEY = 'ab'.repeat(32);
const RATE = SOUND_SAMPLE_RATE;

describe('own sound ids', () => {
  it('round-trips a key through the instrument id, and refuses anything else', () => {
    expect(soundKeyOf(soundInstrument(KEY))).toBe(KEY);
    expect(soundUrl(KEY)).toBe(`/api/sounds/${KEY}`);
    for (const id of ['studio-kick', 'sound:', `sound:${KEY.toUpperCase()}`, `sound:${KEY}0`, `sound:${KEY.slice(1)}`, `sound:../${KEY}`])
      expect(soundKeyOf(id)).toBeNull();
  });
});

describe('preparing a sound', () => {
  it('mixes channels down to their average', () => {
    const left = Float32Array.from([1, 0.5, -1]);
    const right = Float32Array.from([0, 0.5, 1]);
    expect([...mixdown([left, right])]).toEqual([0.5, 0.5, 0]);
    const mono = mixdown([left]);
    expect([...mono]).toEqual([...left]);
    mono[0] = 0;
    expect(left[0]).toBe(1); // a copy, not the decoder's buffer
  });

  it('finds where the sound starts after silence, keeping a few ms before it', () => {
    const samples = new Float32Array(RATE);
    samples.fill(0.0001, 0, 12_000); // hiss far under the peak counts as silence
    samples[12_000] = 0.5;
    samples[12_001] = -0.4;
    expect(leadingSilenceEnd(samples, RATE)).toBe(12_000 - Math.round(PRE_ROLL_SECONDS * RATE));
    expect(leadingSilenceEnd(new Float32Array(100), RATE)).toBe(0);
    const atOnce = Float32Array.from([0.9, 0, 0]);
    expect(leadingSilenceEnd(atOnce, RATE)).toBe(0);
  });

  it('refuses an empty selection and one longer than 10 s, with a message saying how long it is', () => {
    expect(trimProblem({ start: 0, end: MAX_SOUND_SECONDS * RATE }, RATE)).toBeNull();
    expect(trimProblem({ start: 5, end: 5 }, RATE)).toMatch(/empty/);
    const long = trimProblem({ start: 0, end: 60 * RATE }, RATE);
    expect(long).toMatch(/at most 10 s/);
    expect(long).toMatch(/60\.0 s/);
    expect(trimProblem({ start: 0, end: MAX_SOUND_SECONDS * RATE + 1 }, RATE)).not.toBeNull();
  });

  it('normalises the selection to a −1 dBFS peak, fading only the cuts inside the file', () => {
    const samples = Float32Array.from({ length: RATE }, (_, i) => 0.2 * Math.sin((2 * Math.PI * 440 * i) / RATE));
    const whole = trimAndNormalise(samples, { start: 0, end: samples.length }, RATE);
    expect(whole.length).toBe(RATE);
    expect(20 * Math.log10(peak(whole))).toBeCloseTo(SOUND_PEAK_DB, 3);
    // The file's own ends are kept: the first samples equal the scaled input.
    expect(whole[10]).toBeCloseTo((samples[10]! * 10 ** (SOUND_PEAK_DB / 20)) / 0.2, 2);
    const cut = trimAndNormalise(samples, { start: 1000, end: 2000 }, RATE);
    expect(cut.length).toBe(1000);
    expect(cut[0]).toBe(0); // faded in from nothing at the cut
    expect(Math.abs(cut.at(-1)!)).toBeLessThan(0.02);
    expect(samples[1000]).toBeCloseTo(0.2 * Math.sin((2 * Math.PI * 440 * 1000) / RATE), 6); // the input is untouched
    expect(() => trimAndNormalise(new Float32Array(100), { start: 0, end: 100 }, RATE)).toThrow(/silent/);
  });

  it('names a sound after its file, without the extension or control characters, within the limit', () => {
    expect(nameFromFile('Big clap.final.wav', 40)).toBe('Big clap.final');
    expect(nameFromFile('\u202eevil\u0007.mp3', 40)).toBe('evil');
    expect(nameFromFile('.wav', 40)).toBe('Sound');
    expect([...nameFromFile(`${'é'.repeat(50)}.ogg`, 40)]).toHaveLength(40);
  });

  it('encodes the upload as a WAV the server accepts: PCM 16-bit, mono, 24 kHz, a complete data chunk', async () => {
    const samples = Float32Array.from([0, 0.5, -0.5, 1, -1]);
    const bytes = new DataView(await (await encodeSound(samples)).arrayBuffer());
    const text = (at: number) => String.fromCharCode(...new Uint8Array(bytes.buffer, at, 4));
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(bytes.getUint16(20, true)).toBe(1); // PCM
    expect(bytes.getUint16(22, true)).toBe(1); // mono
    expect(bytes.getUint32(24, true)).toBe(24_000);
    expect(bytes.getUint16(34, true)).toBe(16);
    expect(bytes.getUint32(40, true)).toBe(samples.length * 2);
    expect(bytes.byteLength).toBe(44 + samples.length * 2);
    expect([1, 2, 3, 4].map((i) => bytes.getInt16(44 + 2 * i, true))).toEqual([16_384, -16_384, 32_767, -32_768]);
    // Ten seconds is the largest upload: under the contract's 480,044 bytes.
    expect(44 + MAX_SOUND_SECONDS * RATE * 2).toBe(480_044);
  });
});
