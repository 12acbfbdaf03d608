/**
 * WAV export: the pure parts. Encoding rendered audio as 16-bit PCM WAV, and
 * wrapping what rings past the last loop back onto the start, so that the file is
 * exactly N loops long and loops seamlessly (as when the beat plays on).
 * The render itself is app/audio/offlineRender.ts; app/export/index.ts joins them.
 */
import { stepDurationMs } from '../../core/model';

/** What the encoder reads: an AudioBuffer, or anything shaped like one (tests). */
export interface PcmSource {
  readonly numberOfChannels: number;
  readonly sampleRate: number;
  readonly length: number;
  getChannelData(channel: number): Float32Array;
}

export const WAV_HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;

/** Samples of exactly `steps` steps at `tempo` (a step is a sixteenth note). */
export function samplesForSteps(steps: number, tempo: number, sampleRate: number): number {
  return Math.round((steps * stepDurationMs(tempo) * sampleRate) / 1000);
}

/**
 * Cut `source` to `length` samples per channel, adding everything beyond that back
 * in from the start (modulo `length`): a render's tail folded into a seamless loop.
 */
export function wrapTail(source: PcmSource, length: number): PcmSource {
  if (!Number.isInteger(length) || length <= 0) throw new RangeError(`loop length must be a positive number of samples, got ${length}`);
  const channels = Array.from({ length: source.numberOfChannels }, (_, c) => {
    const input = source.getChannelData(c);
    const output = new Float32Array(length);
    output.set(input.subarray(0, Math.min(length, input.length)));
    for (let i = length; i < input.length; i++) output[i % length]! += input[i]!;
    return output;
  });
  return {
    numberOfChannels: source.numberOfChannels,
    sampleRate: source.sampleRate,
    length,
    getChannelData: (channel) => {
      const data = channels[channel];
      if (!data) throw new RangeError(`no channel ${channel}`);
      return data;
    },
  };
}

/** 16-bit PCM WAV (RIFF, little-endian, interleaved). Samples outside −1…1 are clipped. */
export function encodeWav(source: PcmSource): ArrayBuffer {
  const channels = source.numberOfChannels;
  const frames = source.length;
  const dataBytes = frames * channels * BYTES_PER_SAMPLE;
  if (WAV_HEADER_BYTES + dataBytes > 0xffff_ffff) throw new RangeError('audio too long for a WAV file (4 GiB)');
  const buffer = new ArrayBuffer(WAV_HEADER_BYTES + dataBytes);
  const view = new DataView(buffer);
  const text = (offset: number, value: string) => {
    for (let i = 0; i < value.length; i++) view.setUint8(offset + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, source.sampleRate, true);
  view.setUint32(28, source.sampleRate * channels * BYTES_PER_SAMPLE, true); // byte rate
  view.setUint16(32, channels * BYTES_PER_SAMPLE, true); // block align
  view.setUint16(34, 8 * BYTES_PER_SAMPLE, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, dataBytes, true);

  for (let c = 0; c < channels; c++) {
    const data = source.getChannelData(c);
    const stride = channels * BYTES_PER_SAMPLE;
    for (let i = 0, at = WAV_HEADER_BYTES + c * BYTES_PER_SAMPLE; i < frames; i++, at += stride) {
      const s = Math.max(-1, Math.min(1, data[i] ?? 0));
      view.setInt16(at, Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), true);
    }
  }
  return buffer;
}
