// @ts-check
// Issue 16: a session's own sounds. The upload of a 5 s sample as the browser sends it
// (16-bit PCM mono WAV at 24 kHz, core/wav.ts): sent, counted, sniffed, checked, hashed
// and put in R2, timed to its answer; the same bytes again (already stored: hashed and
// looked up, not put); and the download. Each upload goes to its own session, so the
// per-session upload limit never refuses one. Against a baseline in the same run: a
// JSON POST of the same runtime (creating a session), the floor of any POST here.
import { core } from '../core.mjs';
import { summary } from './lib.mjs';
import { createSession } from './wsclient.mjs';

/**
 * A `seconds`-long tone at `hz`, as the browser encodes a sound.
 * @param {number} seconds
 * @param {number} hz
 */
function toneWav(seconds, hz, rate = 24_000) {
  const n = Math.round(seconds * rate);
  return core.encodeWav(
    Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate)),
    rate,
  );
}

/**
 * @param {import('./runtime.mjs').Runtime} rt
 * @param {{ tag: string, samples?: number, seconds?: number }} options
 */
export async function benchSounds(rt, { tag, samples = 15, seconds = 5 }) {
  /** @type {number[]} */ const fresh = [];
  /** @type {number[]} */ const again = [];
  /** @type {number[]} */ const download = [];
  /** @type {number[]} */ const create = [];
  let bytes = 0;
  let stored = 0;
  for (let i = 0; i < samples + 2; i++) {
    const c0 = performance.now();
    const id = await createSession(rt.base, 'empty');
    const createMs = performance.now() - c0;
    // Distinct bytes each time (a different pitch and the run's tag), so each upload is new.
    const wav = toneWav(seconds, 200 + i + (Number.parseInt(tag, 36) % 97) / 100);
    const send = async () => {
      const t0 = performance.now();
      const response = await fetch(`${rt.base}/api/sessions/${id}/sounds`, {
        method: 'POST',
        headers: { 'Content-Type': 'audio/wav' },
        body: wav,
        signal: AbortSignal.timeout(30_000),
      });
      const answer = /** @type {{ key: string, bytes: number }} */ (await response.json());
      return { ms: performance.now() - t0, status: response.status, answer };
    };
    const first = await send();
    if (first.status !== 201) throw new Error(`upload ${i}: ${first.status} ${JSON.stringify(first.answer)}`);
    const second = await send();
    if (second.status !== 200) throw new Error(`upload ${i} again: ${second.status}`);
    const g0 = performance.now();
    const got = await fetch(`${rt.base}/api/sounds/${first.answer.key}`, { signal: AbortSignal.timeout(30_000) });
    const body = new Uint8Array(await got.arrayBuffer());
    const getMs = performance.now() - g0;
    if (got.status !== 200 || body.length !== wav.length) throw new Error(`download ${i}: ${got.status}, ${body.length} bytes`);
    if (i < 2) continue; // warm-up
    fresh.push(first.ms);
    again.push(second.ms);
    download.push(getMs);
    create.push(createMs);
    bytes = wav.length;
    stored += first.answer.bytes;
  }
  return {
    seconds,
    sampleRate: 24_000,
    /** The bytes of one 5 s sample as sent and as stored in R2 (the object is the upload, byte for byte). */
    bytes,
    /** What 10 s (the longest sound) stores. */
    maxBytes: 44 + core.LIMITS.maxSoundSeconds * 24_000 * 2,
    storedTotal: stored,
    upload: summary(fresh),
    uploadAgain: summary(again),
    download: summary(download),
    createSession: summary(create),
  };
}
