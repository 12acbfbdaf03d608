/**
 * The browser's half of preparing a sound: decode any file the browser can (WAV, MP3,
 * OGG, FLAC, M4A/AAC, and what its own MediaRecorder made), resampled to 24 kHz by
 * decoding it into an OfflineAudioContext of that rate, mixed to mono; and encoding the
 * result as the 16-bit PCM WAV that is uploaded (app/export/wav.ts's encoder, one channel).
 */
import { encodeWav } from '../export/wav';
import { MAX_INPUT_BYTES, SOUND_SAMPLE_RATE } from './format';
import { mixdown } from './process';

export interface DecodedSound {
  /** Mono, at SOUND_SAMPLE_RATE. */
  samples: Float32Array;
  sampleRate: number;
}

/** Decode audio bytes to mono at 24 kHz; a clear error when the browser cannot. */
export async function decodeSound(bytes: ArrayBuffer, what = 'This file'): Promise<DecodedSound> {
  if (bytes.byteLength === 0) throw new Error(`${what} is empty.`);
  if (bytes.byteLength > MAX_INPUT_BYTES)
    throw new Error(
      `${what} is ${(bytes.byteLength / 1048576).toFixed(0)} MB: too big for a sound of at most 10 s (files up to ${MAX_INPUT_BYTES / 1048576} MB are read).`,
    );
  // decodeAudioData resamples to its context's rate: decoding here is the resampling.
  const context = new OfflineAudioContext(1, 1, SOUND_SAMPLE_RATE);
  let buffer: AudioBuffer;
  try {
    buffer = await context.decodeAudioData(bytes);
  } catch {
    throw new Error(`${what} is not audio this browser can decode (WAV, MP3, OGG, FLAC or M4A/AAC).`);
  }
  if (buffer.length === 0) throw new Error(`${what} holds no audio.`);
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  return { samples: mixdown(channels), sampleRate: buffer.sampleRate };
}

/** The upload: 16-bit PCM WAV, mono. */
export function encodeSound(samples: Float32Array, sampleRate = SOUND_SAMPLE_RATE): Promise<Blob> {
  return encodeWav({ numberOfChannels: 1, sampleRate, length: samples.length, getChannelData: () => samples });
}
