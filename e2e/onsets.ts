/**
 * Onsets in sound rendered offline in the page (the production build's renderSession:
 * the same step clock, eventsAtStep, swing, mixer and voices as live playback), for the
 * timing and the pattern tests.
 */
import type { Page } from '@playwright/test';
import type { Session } from '../core/model';

const SAMPLE_RATE = 44_100;

export interface Check {
  label: string;
  session: Session;
  steps: number;
  /** Expected onset times in seconds, from this file's own arithmetic. */
  expected: number[];
}

/** Grid time of a global step, written out independently of core/timeline.ts. */
export function gridSeconds(globalStep: number, tempo: number, swing: number): number {
  const step = 60 / tempo / 4;
  return globalStep * step + (globalStep % 2 === 1 ? (swing / 100) * 0.5 * step : 0);
}

/**
 * Runs in the page: render each check, find onsets (first sample above 25 % of the
 * render's peak after at least 20 ms below 2 %), and report each onset's error.
 */
export async function measure(page: Page, checks: Check[]) {
  return page.evaluate(
    async ({ checks, sampleRate }) => {
      const audio = (window as unknown as { __keyboardiaAudio: { renderSession: (s: unknown, o: unknown) => Promise<AudioBuffer> } })
        .__keyboardiaAudio;
      const results = [];
      for (const c of checks) {
        const buffer = await audio.renderSession(c.session, { steps: c.steps, tailSeconds: 0.3, sampleRate });
        const left = buffer.getChannelData(0);
        const right = buffer.getChannelData(1);
        let peak = 0;
        for (let i = 0; i < left.length; i++) peak = Math.max(peak, Math.abs(left[i]!), Math.abs(right[i]!));
        // An onset: the first sample above 2 % of the peak after 20 ms below it,
        // provided the sound then reaches 25 % of the peak within 5 ms (not noise).
        const quietFor = Math.round(0.02 * sampleRate);
        const rise = Math.round(0.005 * sampleRate);
        const level = (i: number) => Math.max(Math.abs(left[i]!), Math.abs(right[i]!));
        const onsets: number[] = [];
        let quiet = quietFor; // the render starts in silence
        for (let i = 0; i < left.length; i++) {
          if (level(i) < peak * 0.02) {
            quiet++;
            continue;
          }
          if (quiet >= quietFor) {
            let loud = false;
            for (let j = i; j < Math.min(i + rise, left.length) && !loud; j++) loud = level(j) > peak * 0.25;
            if (loud) onsets.push(i / sampleRate);
          }
          quiet = 0;
        }
        const errorsMs = c.expected.map((t, k) => (onsets[k] === undefined ? Infinity : Math.abs(onsets[k]! - t) * 1000));
        results.push({ label: c.label, found: onsets.length, expected: c.expected.length, peak, maxErrorMs: Math.max(...errorsMs) });
      }
      return results;
    },
    { checks, sampleRate: SAMPLE_RATE },
  );
}

/** A PCM WAV file's samples, each channel from −1 to 1 (16-bit, as the WAV export writes). */
export interface Wav {
  sampleRate: number;
  channels: Float32Array[];
}

/** Read a 16-bit PCM WAV (RIFF chunks walked, any order); throws on anything else. */
export function readWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF WAVE file');
  let format: { channels: number; sampleRate: number; bits: number } | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1) throw new Error('not PCM');
      format = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (format?.bits !== 16) throw new Error('expected 16-bit PCM before the data');
      const frames = Math.floor(size / (2 * format.channels));
      const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++)
        for (let c = 0; c < format.channels; c++) channels[c]![i] = view.getInt16(body + 2 * (i * format.channels + c), true) / 32768;
      return { sampleRate: format.sampleRate, channels };
    }
    at = body + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/**
 * Onsets (seconds) in recorded sound of sharp hits, loud or quiet, close together or not
 * (a ratchet's hits over the previous one's tail, a ghost note after a loud one): in 1 ms
 * frames of the louder channel's peak level, an onset is a frame at least `rise` times
 * louder than every frame of the `lookBackMs` before it and above `floorDb` of the whole
 * file's peak; it is placed at the frame's first sample above twice that earlier level.
 * Onsets closer than `minGapMs` count once. A file that starts with a hit has an onset at 0.
 */
export function findOnsets(wav: Wav, { rise = 3, lookBackMs = 10, floorDb = -50, minGapMs = 20 } = {}): number[] {
  const { sampleRate, channels } = wav;
  const length = channels[0]?.length ?? 0;
  const level = (i: number) => {
    let m = 0;
    for (const c of channels) m = Math.max(m, Math.abs(c[i]!));
    return m;
  };
  const hop = Math.round(sampleRate / 1000);
  const frames = Math.floor(length / hop);
  const envelope = new Float32Array(frames);
  for (let f = 0; f < frames; f++) for (let i = f * hop; i < (f + 1) * hop; i++) envelope[f] = Math.max(envelope[f]!, level(i));
  const peak = Math.max(...envelope);
  const floor = peak * 10 ** (floorDb / 20);
  const onsets: number[] = [];
  let last = -Infinity;
  for (let f = 0; f < frames; f++) {
    let before = 0;
    for (let k = Math.max(0, f - lookBackMs); k < f; k++) before = Math.max(before, envelope[k]!);
    if (envelope[f]! < floor || envelope[f]! < rise * before) continue;
    let i = f * hop;
    while (i < (f + 1) * hop - 1 && level(i) <= Math.max(2 * before, floor)) i++;
    const t = i / sampleRate;
    if ((t - last) * 1000 >= minGapMs) onsets.push(t);
    last = t;
  }
  return onsets;
}
