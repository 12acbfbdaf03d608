/**
 * The pure steps from decoded audio to an upload: mono mixdown, leading-silence
 * detection, trim, peak normalisation and the length check. Tested in
 * test/unit/ownSounds.test.ts; the browser-only steps (decode, resample) are in ./decode.
 */
import { MAX_SOUND_SECONDS, SOUND_PEAK_DB } from './format';

/** The average of the channels: a mono signal at the same level as each channel when they agree. */
export function mixdown(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 0) return new Float32Array(0);
  if (channels.length === 1) return channels[0]!.slice();
  const length = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(length);
  for (const channel of channels) for (let i = 0; i < length; i++) out[i]! += channel[i]!;
  for (let i = 0; i < length; i++) out[i]! /= channels.length;
  return out;
}

/** Highest |sample|. */
export function peak(samples: Float32Array, from = 0, to = samples.length): number {
  let max = 0;
  for (let i = from; i < to; i++) {
    const a = Math.abs(samples[i]!);
    if (a > max) max = a;
  }
  return max;
}

/** Level below which the start of a sound counts as silence, relative to its peak (dB). */
export const SILENCE_BELOW_PEAK_DB = -40;
/** Kept before the first sound, so that its attack is not cut (seconds). */
export const PRE_ROLL_SECONDS = 0.005;

/**
 * Where the sound starts: the first sample louder than SILENCE_BELOW_PEAK_DB under the
 * peak, less a few ms of pre-roll. 0 for silence (nothing to find).
 */
export function leadingSilenceEnd(samples: Float32Array, sampleRate: number): number {
  const top = peak(samples);
  if (top === 0) return 0;
  const threshold = top * 10 ** (SILENCE_BELOW_PEAK_DB / 20);
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) >= threshold) return Math.max(0, i - Math.round(PRE_ROLL_SECONDS * sampleRate));
  }
  return 0;
}

/** A selection of a sound: sample indices [start, end). */
export interface Trim {
  start: number;
  end: number;
}

/** Why a selection cannot be used, or null when it can. */
export function trimProblem(trim: Trim, sampleRate: number): string | null {
  const seconds = (trim.end - trim.start) / sampleRate;
  if (!(trim.end > trim.start)) return 'The selection is empty: move "Trim end" after "Trim start".';
  if (seconds > MAX_SOUND_SECONDS + 1e-9)
    return `A sound is at most ${MAX_SOUND_SECONDS} s: the selection is ${seconds.toFixed(1)} s. Move "Trim start" or "Trim end" to shorten it.`;
  return null;
}

/**
 * The selection, scaled so that its peak is SOUND_PEAK_DB, with 2 ms fades at both cuts
 * (a cut mid-wave clicks). Throws on a silent selection: there is nothing to normalise.
 */
export function trimAndNormalise(samples: Float32Array, trim: Trim, sampleRate: number): Float32Array {
  const out = samples.slice(trim.start, trim.end);
  const top = peak(out);
  if (top < 1e-5) throw new Error('The selection is silent: there is no sound to use.');
  const fade = Math.min(Math.round(0.002 * sampleRate), Math.floor(out.length / 2));
  // Fade in only when the cut is inside the file: a file's own start is kept as it is.
  for (let i = 0; i < fade; i++) {
    const g = i / fade;
    if (trim.start > 0) out[i]! *= g;
    if (trim.end < samples.length) out[out.length - 1 - i]! *= g;
  }
  const gain = 10 ** (SOUND_PEAK_DB / 20) / peak(out);
  for (let i = 0; i < out.length; i++) out[i]! *= gain;
  return out;
}

/** A name from a file name: without its extension, trimmed to the name limit. */
export function nameFromFile(fileName: string, max: number): string {
  const base = fileName
    .replace(/\.[^.]*$/, '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return [...(base || 'Sound')].slice(0, max).join('');
}
