/**
 * Own sounds (issue 16): what the browser uploads, and how a track names a sound.
 *
 * Every recording or file becomes WAV, PCM 16-bit, mono, 24 kHz, trimmed and normalised
 * to −1 dBFS peak, at most 10 s (≤ 480,044 bytes), before it leaves the browser: a format
 * every browser decodes and the Worker checks without a decoder (docs: the sounds contract
 * in README "Your own sounds"). The server's own limits (2 MiB, 10.0 s, PCM WAV only) are
 * enforced there; these are what this client produces.
 */

/** Sample rate of an uploaded sound: enough for a clap's air (12 kHz), half the bytes of 48 kHz. */
export const SOUND_SAMPLE_RATE = 24_000;
/** Longest sound, in seconds, after trimming. */
export const MAX_SOUND_SECONDS = 10;
/** Peak level a sound is normalised to, dBFS. */
export const SOUND_PEAK_DB = -1;
/** Largest file the browser will try to decode (a 10 s sound is far smaller in any format a phone records). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Longest sound name (the server's rule: 1–40 visible characters, as track names). */
export const MAX_SOUND_NAME = 40;

const PREFIX = 'sound:';
const KEY = /^[0-9a-f]{64}$/;

/** The instrument id of a track that plays a sound. */
export const soundInstrument = (key: string): string => `${PREFIX}${key}`;

/** The sound key an instrument id names, or null if it is not a (well-formed) sound. */
export function soundKeyOf(instrument: string): string | null {
  if (!instrument.startsWith(PREFIX)) return null;
  const key = instrument.slice(PREFIX.length);
  return KEY.test(key) ? key : null;
}

/** Where a sound's WAV is served (same origin as the app and the embed; immutable, cached). */
export const soundUrl = (key: string): string => `/api/sounds/${key}`;
