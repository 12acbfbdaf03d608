/**
 * Own sounds (issue 16): what the browser uploads, and how a track names a sound.
 *
 * Every recording or file becomes WAV, PCM 16-bit, mono, 24 kHz, trimmed and normalised
 * to −1 dBFS peak, at most 10 s (≤ 480,044 bytes), before it leaves the browser: a format
 * every browser decodes and the Worker checks byte by byte without a decoder (core/wav.ts;
 * README "Your own sounds"). The limits and the `sound:<key>` ids are core's, shared with
 * the server; the rest is how this client prepares a sound.
 */
import { LIMITS } from '../../core/limits';

export { soundInstrument, soundKeyOf } from '../../core/instruments';

/** Sample rate of an uploaded sound: enough for a clap's air (12 kHz), half the bytes of 48 kHz. */
export const SOUND_SAMPLE_RATE = 24_000;
/** Longest sound, in seconds, after trimming. */
export const MAX_SOUND_SECONDS = LIMITS.maxSoundSeconds;
/** Peak level a sound is normalised to, dBFS. */
export const SOUND_PEAK_DB = -1;
/** Largest file the browser will try to decode (a 10 s sound is far smaller in any format a phone records). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Longest sound name: 1–40 visible characters, as the server checks it. */
export const MAX_SOUND_NAME = LIMITS.maxSoundName;

/** Where a sound's WAV is served (same origin as the app and the embed; immutable, cached). */
export const soundUrl = (key: string): string => `/api/sounds/${key}`;
