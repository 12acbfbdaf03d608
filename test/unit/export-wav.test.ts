/** WAV export, the pure parts: lengths in bars, the 16-bit PCM encoder and the seamless-loop tail wrap. */
import { describe, expect, it } from 'vitest';
import { forRender } from '../../core/events';
import { emptySession, makeTrack, type Session, sessionWithTracks } from '../../core/model';
import { sessionFromTemplate } from '../../core/templates';
import {
  barsForSeconds,
  checkWavBars,
  cycleBars,
  encodeWav,
  maxWavBars,
  samplesForSteps,
  WAV_HEADER_BYTES,
  wavSeconds,
  type PcmSource,
} from '../../app/export/wav';
import { exportFileName } from '../../app/export/download';

function source(sampleRate: number, ...channels: number[][]): PcmSource {
  const data = channels.map((c) => Float32Array.from(c));
  return { numberOfChannels: data.length, sampleRate, length: data[0]!.length, getChannelData: (c) => data[c]! };
}

const ascii = (view: DataView, offset: number, length: number) =>
  String.fromCharCode(...Array.from({ length }, (_, i) => view.getUint8(offset + i)));

const bytes = async (wav: Blob) => new DataView(await wav.arrayBuffer());

/** Interleaved 16-bit frames of a mono or stereo WAV. */
const frames = (view: DataView, channels: number) =>
  Array.from({ length: (view.byteLength - WAV_HEADER_BYTES) / (2 * channels) }, (_, i) =>
    Array.from({ length: channels }, (_, c) => view.getInt16(WAV_HEADER_BYTES + (i * channels + c) * 2, true)),
  );

describe('WAV encoder', () => {
  it('writes a RIFF/WAVE header with PCM 16-bit fields and the data length', async () => {
    const wav = await encodeWav(source(22_050, [0, 0.5, -0.5, 1, -1], [0, 0, 0, 0, 0]));
    expect(wav.type).toBe('audio/wav');
    const view = await bytes(wav);
    expect(view.byteLength).toBe(WAV_HEADER_BYTES + 5 * 2 * 2);
    expect(ascii(view, 0, 4)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(view.byteLength - 8);
    expect(ascii(view, 8, 4)).toBe('WAVE');
    expect(ascii(view, 12, 4)).toBe('fmt ');
    expect(view.getUint32(16, true)).toBe(16);
    expect(view.getUint16(20, true)).toBe(1); // PCM
    expect(view.getUint16(22, true)).toBe(2); // channels
    expect(view.getUint32(24, true)).toBe(22_050);
    expect(view.getUint32(28, true)).toBe(22_050 * 4); // byte rate
    expect(view.getUint16(32, true)).toBe(4); // block align
    expect(view.getUint16(34, true)).toBe(16);
    expect(ascii(view, 36, 4)).toBe('data');
    expect(view.getUint32(40, true)).toBe(5 * 4);
  });

  it('interleaves channels little-endian and clips outside −1…1', async () => {
    const view = await bytes(await encodeWav(source(8_000, [0.5, -0.5, 2, -3], [0.25, 1, -1, 0])));
    expect(frames(view, 2)).toEqual([
      [16_384, 8_192],
      [-16_384, 32_767],
      [32_767, -32_768],
      [-32_768, 0],
    ]);
  });

  it('mono: one channel, block align 2', async () => {
    const view = await bytes(await encodeWav(source(44_100, [0.1, 0.2, 0.3])));
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint32(40, true)).toBe(6);
  });

  it('a long file comes in stretches with the page free in between: progress rises to 1, every frame in place', async () => {
    // Two seconds of a ramp, with a budget so small that every part is a stretch of its own.
    const length = 88_200;
    const ramp = Array.from({ length }, (_, i) => (i % 1000) / 1000);
    const progress: number[] = [];
    // A task on every turn of the event loop: none could run if the encoder never gave the loop back.
    let turns = 0;
    let encoding = true;
    const turn = () => {
      turns++;
      if (encoding) setImmediate(turn);
    };
    setImmediate(turn);
    const wav = await encodeWav(source(44_100, ramp, ramp), length, { budgetMs: 0, onProgress: (f) => progress.push(f) });
    encoding = false;
    expect(turns).toBeGreaterThan(5);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => f > 0 && (i === 0 || f > progress[i - 1]!))).toBe(true);
    const view = await bytes(wav);
    const out = frames(view, 2);
    expect(out).toHaveLength(length);
    for (const i of [0, 1, 8191, 8192, 8193, 50_000, length - 1])
      expect(out[i], `frame ${i}`).toEqual([Math.round(ramp[i]! * 0x7fff), Math.round(ramp[i]! * 0x7fff)]);
  });

  it('stops at the next stretch when cancelled, with the signal’s reason', async () => {
    const controller = new AbortController();
    const long = Array.from({ length: 100_000 }, () => 0.5);
    const encoding = encodeWav(source(44_100, long), long.length, {
      budgetMs: 0,
      signal: controller.signal,
      onProgress: (f) => f > 0.2 && controller.abort(),
    });
    await expect(encoding).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a length that is not a positive whole number of samples', async () => {
    await expect(encodeWav(source(10, [1]), 0)).rejects.toThrow(RangeError);
    await expect(encodeWav(source(10, [1]), 2.5)).rejects.toThrow(RangeError);
  });
});

describe('tail wrap', () => {
  it('cuts to the length and adds what rang past it back onto the start, as when the loop plays on', async () => {
    const wrapped = await encodeWav(
      source(10, [0.1, 0.2, 0.3, 0.4, 0.05, 0.025, 0.0125, 0, 0.01, 0.02], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0.5]),
      4,
    );
    const sample = (x: number) => Math.round(x * 0x7fff);
    expect(frames(await bytes(wrapped), 2)).toEqual([
      [sample(0.1 + 0.05 + 0.01), 0],
      [sample(0.2 + 0.025 + 0.02), sample(0.5)],
      [sample(0.3 + 0.0125), 0],
      [sample(0.4), 0],
    ]);
  });

  it('pads a render shorter than the length with silence', async () => {
    expect(frames(await bytes(await encodeWav(source(10, [0.5, 0.5]), 4)), 1)).toEqual([[16_384], [16_384], [0], [0]]);
  });

  it('an export of N bars has N × 16 × step samples', () => {
    expect(samplesForSteps(16, 120, 44_100)).toBe(88_200); // one bar at 120 BPM: 2 s
    expect(samplesForSteps(3 * 48, 96, 48_000)).toBe(Math.round(3 * 48 * (60 / 96 / 4) * 48_000));
  });
});

describe('WAV length in bars', () => {
  /** Exports render pattern A looped, set with forRender. */
  const patternA = (session: Session) => forRender(session, { song: false, pattern: 'A' });
  const polyrhythm = patternA(sessionFromTemplate('polyrhythm', 0)!); // 100 BPM: a bar is 2.4 s; tracks of 16, 3, 5 and 7 steps

  it('a length in seconds becomes the nearest whole number of bars, at least one, within 10 minutes', () => {
    expect(wavSeconds(polyrhythm, 13)).toBeCloseTo(31.2, 9);
    expect(barsForSeconds(polyrhythm, 30)).toBe(13); // 12.5 bars rounds up
    expect(barsForSeconds(polyrhythm, 28.7)).toBe(12);
    expect(barsForSeconds(polyrhythm, 0.5)).toBe(1);
    expect(maxWavBars(polyrhythm)).toBe(250); // 250 × 2.4 s = 600 s
    expect(barsForSeconds(polyrhythm, 10_000)).toBe(250);
    const slowest = patternA({ ...emptySession(0), tempo: 30 }); // 8 s a bar
    expect(maxWavBars(slowest)).toBe(75);
  });

  it('the whole cycle is the least common multiple of the track lengths, in bars, when it fits in 10 minutes', () => {
    expect(cycleBars(polyrhythm)).toBe(105); // lcm(16, 3, 5, 7) = 1680 steps: 4 min 12 s
    expect(wavSeconds(polyrhythm, 105)).toBeCloseTo(252, 9);
    const straight = patternA(
      sessionWithTracks(emptySession(0), [makeTrack({ id: 'k', name: 'Kick', instrument: 'studio-kick', length: 32, on: [0] })]),
    );
    expect(cycleBars(straight)).toBe(2);
    const odd = patternA(
      sessionWithTracks(
        polyrhythm,
        [9, 11, 13].map((length) => makeTrack({ id: `t${length}`, name: 'T', instrument: 'studio-kick', length, on: [0] })),
      ),
    );
    expect(cycleBars(odd)).toBeNull(); // 1,287 bars
  });

  it('refuses a number of bars that is not whole, not positive or over the limit, naming the limit', () => {
    expect(() => checkWavBars(polyrhythm, 13)).not.toThrow();
    expect(() => checkWavBars(polyrhythm, 250)).not.toThrow();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => checkWavBars(polyrhythm, bad), String(bad)).toThrow(/whole number of bars/);
    expect(() => checkWavBars(polyrhythm, 251)).toThrow('251 bars would be 602 s of audio; the limit is 600 s (250 bars at 100 BPM)');
  });
});

describe('export file names', () => {
  it('keeps letters and digits, drops accents and symbols, never empty', () => {
    expect(exportFileName('My Beat #2', 'mid')).toBe('My-Beat-2.mid');
    expect(exportFileName('Café Ñoño / remix', 'wav')).toBe('Cafe-Nono-remix.wav');
    expect(exportFileName('<<>>', 'wav')).toBe('keyboardia-beat.wav');
  });
});
