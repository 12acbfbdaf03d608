/** WAV export, the pure parts: the 16-bit PCM encoder and the seamless-loop tail wrap. */
import { describe, expect, it } from 'vitest';
import { encodeWav, samplesForSteps, WAV_HEADER_BYTES, wrapTail, type PcmSource } from '../../app/export/wav';
import { exportFileName } from '../../app/export/download';

function source(sampleRate: number, ...channels: number[][]): PcmSource {
  const data = channels.map((c) => Float32Array.from(c));
  return { numberOfChannels: data.length, sampleRate, length: data[0]!.length, getChannelData: (c) => data[c]! };
}

const ascii = (view: DataView, offset: number, length: number) =>
  String.fromCharCode(...Array.from({ length }, (_, i) => view.getUint8(offset + i)));

describe('WAV encoder', () => {
  it('writes a RIFF/WAVE header with PCM 16-bit fields and the data length', () => {
    const wav = encodeWav(source(22_050, [0, 0.5, -0.5, 1, -1], [0, 0, 0, 0, 0]));
    const view = new DataView(wav);
    expect(wav.byteLength).toBe(WAV_HEADER_BYTES + 5 * 2 * 2);
    expect(ascii(view, 0, 4)).toBe('RIFF');
    expect(view.getUint32(4, true)).toBe(wav.byteLength - 8);
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

  it('interleaves channels little-endian and clips outside −1…1', () => {
    const wav = encodeWav(source(8_000, [0.5, -0.5, 2, -3], [0.25, 1, -1, 0]));
    const view = new DataView(wav);
    const frames = Array.from({ length: 4 }, (_, i) => [view.getInt16(44 + i * 4, true), view.getInt16(46 + i * 4, true)]);
    expect(frames).toEqual([
      [16_384, 8_192],
      [-16_384, 32_767],
      [32_767, -32_768],
      [-32_768, 0],
    ]);
  });

  it('mono: one channel, block align 2', () => {
    const view = new DataView(encodeWav(source(44_100, [0.1, 0.2, 0.3])));
    expect(view.getUint16(22, true)).toBe(1);
    expect(view.getUint16(32, true)).toBe(2);
    expect(view.getUint32(40, true)).toBe(6);
  });

  it('an export of N loops has N × loop × step samples', () => {
    expect(samplesForSteps(16, 120, 44_100)).toBe(88_200); // one bar at 120 BPM: 2 s
    expect(samplesForSteps(3 * 48, 96, 48_000)).toBe(Math.round(3 * 48 * (60 / 96 / 4) * 48_000));
  });
});

describe('tail wrap', () => {
  it('cuts to the loop and adds what rang past it back onto the start, as when the loop plays on', () => {
    const wrapped = wrapTail(source(10, [1, 2, 3, 4, 0.5, 0.25, 0.125, 0, 0.1, 0.2], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 4);
    expect(wrapped.length).toBe(4);
    expect(Array.from(wrapped.getChannelData(0))).toEqual([1 + 0.5 + 0.1, 2 + 0.25 + 0.2, 3 + 0.125, 4].map(Math.fround));
    expect(Array.from(wrapped.getChannelData(1))).toEqual([0, 1, 0, 0]);
  });

  it('pads a render shorter than the loop with silence', () => {
    const wrapped = wrapTail(source(10, [1, 1]), 4);
    expect(Array.from(wrapped.getChannelData(0))).toEqual([1, 1, 0, 0]);
  });
});

describe('export file names', () => {
  it('keeps letters and digits, drops accents and symbols, never empty', () => {
    expect(exportFileName('My Beat #2', 'mid')).toBe('My-Beat-2.mid');
    expect(exportFileName('Café Ñoño / remix', 'wav')).toBe('Cafe-Nono-remix.wav');
    expect(exportFileName('<<>>', 'wav')).toBe('keyboardia-beat.wav');
  });
});
