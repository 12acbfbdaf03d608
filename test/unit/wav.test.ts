/**
 * The WAV check the Worker runs on every uploaded sound (core/wav.ts): 16-bit PCM mono,
 * 8–48 kHz, fmt then a complete data chunk and nothing else, at most 10 s. Anything else
 * is refused with a message that says what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { checkWav, encodeWav, LIMITS, sniffWav, WAV_HEADER_BYTES } from '../../core';

const tone = (seconds: number, rate = 24_000) =>
  Array.from({ length: Math.round(seconds * rate) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));

/** A copy of `wav` with the 16-bit or 32-bit field at `at` set. */
function patched(wav: Uint8Array, at: number, value: number, bytes: 2 | 4): Uint8Array {
  const copy = wav.slice();
  const view = new DataView(copy.buffer);
  if (bytes === 2) view.setUint16(at, value, true);
  else view.setUint32(at, value, true);
  return copy;
}

const refusal = (bytes: Uint8Array) => {
  const result = checkWav(bytes);
  if (result.ok) throw new Error('expected a refusal');
  return `${result.kind}: ${result.message}`;
};

describe('checkWav', () => {
  it('accepts what the browser writes, and describes it', () => {
    const wav = encodeWav(tone(5), 24_000);
    expect(wav.length).toBe(WAV_HEADER_BYTES + 5 * 24_000 * 2);
    expect(checkWav(wav)).toEqual({ ok: true, sampleRate: 24_000, samples: 120_000, durationMs: 5000, dataOffset: 44, dataBytes: 240_000 });
  });

  it('accepts the limits: 10 s exactly, 8 kHz and 48 kHz, one sample, an 18-byte fmt with no extension', () => {
    expect(checkWav(encodeWav(tone(10), 24_000))).toMatchObject({ ok: true, durationMs: 10_000 });
    expect(checkWav(encodeWav(tone(1, 8000), 8000))).toMatchObject({ ok: true, sampleRate: 8000 });
    expect(checkWav(encodeWav(tone(1, 48_000), 48_000))).toMatchObject({ ok: true, sampleRate: 48_000 });
    expect(checkWav(encodeWav([0.1], 24_000))).toMatchObject({ ok: true, samples: 1 });
    const wav = encodeWav(tone(0.1), 24_000);
    const ex = new Uint8Array(wav.length + 2);
    ex.set(wav.subarray(0, 36));
    ex.set(wav.subarray(36), 38);
    const view = new DataView(ex.buffer);
    view.setUint32(4, ex.length - 8, true);
    view.setUint32(16, 18, true);
    view.setUint16(36, 0, true);
    expect(checkWav(ex)).toMatchObject({ ok: true, dataOffset: 46 });
  });

  it.each([
    ['text renamed .wav', new TextEncoder().encode('hello, this is not audio at all'), /^unsupported: not a PCM WAV file/],
    ['an empty file', new Uint8Array(0), /^invalid: truncated/],
    [
      'an AIFF/other RIFF',
      (() => {
        const w = encodeWav([0], 24_000);
        w.set([0x41, 0x56, 0x49, 0x20], 8);
        return w;
      })(),
      /^unsupported: not a PCM WAV/,
    ],
    ['stereo', patched(encodeWav(tone(0.1), 24_000), 22, 2, 2), /^unsupported: 2 channels: a sound must be mono/],
    ['float samples', patched(encodeWav(tone(0.1), 24_000), 20, 3, 2), /^unsupported: floating-point samples/],
    ['8-bit samples', patched(encodeWav(tone(0.1), 24_000), 34, 8, 2), /^unsupported: 8-bit samples/],
    ['compressed (A-law)', patched(encodeWav(tone(0.1), 24_000), 20, 6, 2), /^unsupported: not a PCM WAV file \(format 6\)/],
    [
      'a rate of 96 kHz',
      patched(patched(encodeWav(tone(0.1), 24_000), 24, 96_000, 4), 28, 192_000, 4),
      /^invalid: a sample rate of 96000 Hz/,
    ],
    ['a byte rate that contradicts the rate', patched(encodeWav(tone(0.1), 24_000), 28, 1, 4), /contradicts itself/],
    ['60 s', encodeWav(tone(60, 8000), 8000), /^invalid: longer than 10 s \(60\.00 s\)/],
    ['10 s and one sample', encodeWav(tone(10 + 1 / 24_000), 24_000), /^invalid: longer than 10 s/],
    [
      'cut off in the samples',
      encodeWav(tone(1), 24_000).subarray(0, 30_000),
      /^invalid: truncated: the RIFF chunk says 48044 bytes, 30000 arrived/,
    ],
    ['cut off in the header', encodeWav(tone(1), 24_000).subarray(0, 20), /^invalid: truncated/],
    [
      'a data chunk that says more than follows',
      patched(encodeWav(tone(0.1), 24_000), 40, 1_000_000, 4),
      /^invalid: truncated: the "data" chunk says 1000000/,
    ],
    ['no samples', encodeWav([], 24_000), /^invalid: no samples/],
    [
      'an odd number of data bytes',
      (() => {
        const w = encodeWav(tone(0.1), 24_000);
        return patched(w, 40, w.length - 45, 4);
      })(),
      /not a whole number/,
    ],
    [
      'bytes after the RIFF chunk',
      (() => {
        const w = encodeWav(tone(0.1), 24_000);
        const x = new Uint8Array(w.length + 4);
        x.set(w);
        return x;
      })(),
      /^invalid: 4 bytes follow the end/,
    ],
  ])('refuses %s', (_what, bytes, message) => {
    expect(refusal(bytes)).toMatch(message);
  });

  it('refuses another chunk (a LIST, or anything a file could carry beside the sound)', () => {
    const wav = encodeWav(tone(0.1), 24_000);
    const list = new Uint8Array([0x4c, 0x49, 0x53, 0x54, 4, 0, 0, 0, 1, 2, 3, 4]);
    const x = new Uint8Array(wav.length + list.length);
    x.set(wav.subarray(0, 36));
    x.set(list, 36);
    x.set(wav.subarray(36), 36 + list.length);
    new DataView(x.buffer).setUint32(4, x.length - 8, true);
    expect(refusal(x)).toMatch(/^invalid: unexpected "LIST" chunk/);
  });
});

describe('sniffWav, on the first bytes as they arrive', () => {
  it('goes on for a WAV, and for too few bytes to tell', () => {
    expect(sniffWav(encodeWav(tone(1), 24_000).subarray(0, 12))).toBeNull();
    expect(sniffWav(new TextEncoder().encode('RIF'))).toBeNull();
  });
  it('refuses what is not a WAV from its first byte', () => {
    expect(sniffWav(new TextEncoder().encode('<'))).toMatchObject({ kind: 'unsupported' });
    expect(sniffWav(new TextEncoder().encode('RIFF\0\0\0\0AVI '))).toMatchObject({ kind: 'unsupported' });
  });
  it('refuses a WAV that says it is bigger than a sound may be', () => {
    const head = encodeWav([0], 24_000).subarray(0, 12).slice();
    new DataView(head.buffer).setUint32(4, LIMITS.maxSoundBytes, true);
    expect(sniffWav(head)).toMatchObject({ kind: 'tooLarge' });
  });
});
