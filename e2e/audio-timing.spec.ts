/**
 * Timing of the audio engine, measured in the real browser: the production build
 * renders sessions with an OfflineAudioContext (the same transport step clock,
 * eventsAtStep, swing, mixer and voices as live playback), we find the onsets in
 * the rendered samples and check each against the grid, computed here from first
 * principles (step = 60/tempo/4 s; odd sixteenths late by swing% of half a step).
 */
import { expect, test, type Page } from '@playwright/test';
import { emptySession, makeTrack, type Session, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';

const SAMPLE_RATE = 44_100;
const TOLERANCE_MS = 1;

interface Check {
  label: string;
  session: Session;
  steps: number;
  /** Expected onset times in seconds, from this file's own arithmetic. */
  expected: number[];
}

/** Grid time of a global step, written out independently of core/timeline.ts. */
function gridSeconds(globalStep: number, tempo: number, swing: number): number {
  const step = 60 / tempo / 4;
  return globalStep * step + (globalStep % 2 === 1 ? (swing / 100) * 0.5 * step : 0);
}

function check(label: string, instrument: string, tempo: number, swing: number, length: number, on: number[], steps: number): Check {
  const made = makeTrack({ id: 't', name: 'T', instrument, length, on });
  made.row.velocities.fill(127);
  const session = sessionWithTracks(emptySession(0, label), [made]);
  session.tempo = tempo;
  session.swing = swing;
  session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  const expected: number[] = [];
  for (let g = 0; g < steps; g++) if (on.includes(g % length)) expected.push(gridSeconds(g, tempo, swing));
  return { label, session, steps, expected };
}

/**
 * Runs in the page: render each check, find onsets (first sample above 25 % of the
 * render's peak after at least 20 ms below 2 %), and report each onset's error.
 */
async function measure(page: Page, checks: Check[]) {
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

test.describe('audio timing (offline render in Chromium)', () => {
  test.beforeEach(async ({ page }) => {
    await openSession(page, await newSession(page));
    await page.waitForFunction(() => 'renderSession' in ((window as { __keyboardiaAudio?: object }).__keyboardiaAudio ?? {}));
  });

  // One test per tempo: 36 renders in one test took most of a minute on a busy machine.
  for (const tempo of [60, 120, 173]) {
    test(`every onset lands within 1 ms of the grid at ${tempo} BPM: swing 0/33/66, 16/5/7/12 steps`, async ({ page }) => {
      const checks: Check[] = [];
      for (const swing of [0, 33, 66])
        for (const length of [16, 5, 7, 12]) {
          // Lit steps skip every third one, so both the loop length and odd (swung) steps show.
          const on = Array.from({ length }, (_, i) => i).filter((i) => i % 3 !== 2);
          checks.push(check(`${tempo} BPM, swing ${swing}, ${length} steps`, 'test-click', tempo, swing, length, on, 40));
        }
      const results = await measure(page, checks);
      const worst = Math.max(...results.map((r) => r.maxErrorMs));
      console.log(
        `click onsets at ${tempo} BPM: ${results.reduce((n, r) => n + r.found, 0)} in ${results.length} renders, max error ${worst.toFixed(4)} ms`,
      );
      for (const r of results) {
        expect.soft(r.found, r.label).toBe(r.expected);
        expect.soft(r.maxErrorMs, r.label).toBeLessThanOrEqual(TOLERANCE_MS);
      }
      expect(worst).toBeLessThanOrEqual(TOLERANCE_MS);
    });
  }

  test('sharp-attack instruments (sampled and synthesised kicks and snares) land within 1 ms too', async ({ page }) => {
    const checks: Check[] = [];
    for (const instrument of ['studio-kick', 'studio-snare', 'electro-kick', 'electro-snare', '808-kick'])
      for (const [tempo, swing] of [
        [120, 66],
        [173, 33],
      ] as const) {
        // One hit per 11-step loop: every hit has rung out before the next, and they alternate even/odd steps.
        checks.push(check(`${instrument} at ${tempo} BPM, swing ${swing}`, instrument, tempo, swing, 11, [0], 44));
      }
    const results = await measure(page, checks);
    const worst = Math.max(...results.map((r) => r.maxErrorMs));
    console.log(
      `instrument onsets: max error ${worst.toFixed(3)} ms (${results.map((r) => `${r.label}: ${r.maxErrorMs.toFixed(3)} (${r.found}/${r.expected}, peak ${r.peak.toFixed(2)})`).join('; ')})`,
    );
    for (const r of results) {
      expect.soft(r.found, r.label).toBe(r.expected);
      expect.soft(r.maxErrorMs, r.label).toBeLessThanOrEqual(TOLERANCE_MS);
    }
    expect(worst).toBeLessThanOrEqual(TOLERANCE_MS);
  });
});
