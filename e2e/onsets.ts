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
