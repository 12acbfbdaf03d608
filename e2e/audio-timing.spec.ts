/**
 * Timing of the audio engine, measured in the real browser: the production build
 * renders sessions with an OfflineAudioContext (the same transport step clock,
 * eventsAtStep, swing, mixer and voices as live playback), we find the onsets in
 * the rendered samples and check each against the grid, computed here from first
 * principles (step = 60/tempo/4 s; odd sixteenths late by swing% of half a step).
 */
import { expect, test } from '@playwright/test';
import { emptySession, makeTrack, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';
import { type Check, gridSeconds, measure } from './onsets';

const TOLERANCE_MS = 1;

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
