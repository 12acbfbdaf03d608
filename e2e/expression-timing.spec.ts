/**
 * Timing of step expression (issue 14), measured in the real browser like
 * e2e/audio-timing.spec.ts: the production build renders sessions offline, we find the
 * onsets (e2e/onsets.ts) and compare them with times computed here from first principles
 * — a step = 60 / tempo / 4 s; odd steps late by swing % of half a step; a ratchet's hit k
 * of n at k / n of a step after that; a nudge of p % moves a note by p % of a step — and
 * check where held notes (a set note length) stop sounding.
 */
import { expect, test } from '@playwright/test';
import { emptySession, makeTrack, type Row, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';
import { type Check, gridSeconds, measure } from './onsets';

const TOLERANCE_MS = 1;

function session(label: string, instrument: string, tempo: number, swing: number, length: number, on: number[], edit: (row: Row) => void) {
  const made = makeTrack({ id: 't', name: 'T', instrument, length, on });
  made.row.velocities.fill(127);
  edit(made.row);
  const s = sessionWithTracks(emptySession(0, label), [made]);
  s.tempo = tempo;
  s.swing = swing;
  s.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  return s;
}

function report(name: string, results: Awaited<ReturnType<typeof measure>>) {
  const worst = Math.max(...results.map((r) => r.maxErrorMs));
  console.log(`${name}: ${results.reduce((n, r) => n + r.found, 0)} onsets in ${results.length} renders, max error ${worst.toFixed(4)} ms`);
  for (const r of results) {
    expect.soft(r.found, r.label).toBe(r.expected);
    expect.soft(r.maxErrorMs, r.label).toBeLessThanOrEqual(TOLERANCE_MS);
  }
  expect(worst).toBeLessThanOrEqual(TOLERANCE_MS);
}

test.describe('expression timing (offline render in Chromium)', () => {
  test.beforeEach(async ({ page }) => {
    await openSession(page, await newSession(page));
    await page.waitForFunction(() => 'renderSession' in ((window as { __keyboardiaAudio?: object }).__keyboardiaAudio ?? {}));
  });

  test('ratchet hits (2, 3, 4, 8) land within 1 ms of k/n of a step, with swing', async ({ page }) => {
    const checks: Check[] = [];
    // The onset finder needs 20 ms of quiet before each 2 ms click: 8 hits need a step of
    // 176 ms or more, so 8 is checked at 60 BPM only.
    for (const [tempo, swing] of [
      [60, 33],
      [90, 66],
    ] as const)
      for (const n of tempo === 60 ? [2, 3, 4, 8] : [2, 3, 4]) {
        // An even and an odd (swung) step with the ratchet, and a plain step between.
        const length = 8;
        const on = [2, 4, 7];
        const s = session(`${n}× at ${tempo} BPM, swing ${swing}`, 'test-click', tempo, swing, length, on, (row) => {
          row.ratchets[2] = n;
          row.ratchets[7] = n;
        });
        const step = 60 / tempo / 4;
        const steps = 16;
        const expected: number[] = [];
        for (let g = 0; g < steps; g++) {
          const at = g % length;
          if (!on.includes(at)) continue;
          const hits = at === 4 ? 1 : n;
          for (let k = 0; k < hits; k++) expected.push(gridSeconds(g, tempo, swing) + (k / hits) * step);
        }
        checks.push({ label: s.name, session: s, steps, expected: expected.sort((a, b) => a - b) });
      }
    report('ratchet onsets', await measure(page, checks));
  });

  test('nudged notes (−50, −25, +25, +50 %) land within 1 ms of their swung time plus the nudge', async ({ page }) => {
    const checks: Check[] = [];
    for (const [tempo, swing] of [
      [120, 0],
      [120, 50],
      [173, 66],
    ] as const)
      for (const nudge of [-50, -25, 25, 50]) {
        // Nudged steps 2 (even) and 5 (odd), a plain step 0 as the reference; two passes
        // (the early note of the second pass's step 2 comes with step 9's schedule).
        const length = 8;
        const on = [0, 2, 5];
        const s = session(`nudge ${nudge} % at ${tempo} BPM, swing ${swing}`, 'test-click', tempo, swing, length, on, (row) => {
          row.nudges[2] = nudge;
          row.nudges[5] = nudge;
        });
        const step = 60 / tempo / 4;
        const steps = 16;
        const expected: number[] = [];
        for (let g = 0; g < steps; g++) {
          const at = g % length;
          if (!on.includes(at)) continue;
          expected.push(gridSeconds(g, tempo, swing) + (at === 0 ? 0 : (nudge / 100) * step));
        }
        checks.push({ label: s.name, session: s, steps, expected: expected.sort((a, b) => a - b) });
      }
    report('nudge onsets', await measure(page, checks));
  });

  test('held notes (a set note length) stop where their length ends', async ({ page }) => {
    // The sub bass: a near-sine, attack 8 ms, sustain 0.9, release 120 ms (app/audio/voices.ts).
    // A note's end: where its level (the peak over each 88 samples, 2 ms) first falls below
    // 80 % (−2 dB) of the level it held just before its set end. The release takes about
    // 5 ms to get there (measured: 5.0–5.6 ms): the same for every length, never before the
    // set end, and far from the next note (16 steps on) or a voice's own gate.
    const tempo = 120;
    const step = 60 / tempo / 4;
    const lengths = [1, 3, 6, 11]; // half steps: ½, 1½, 3, 5½ steps
    const s = session('held notes', 'sub-bass', tempo, 0, 64, [0, 16, 32, 48], (row) => {
      lengths.forEach((half, i) => {
        row.noteLengths[i * 16] = half;
        row.pitches[i * 16] = 36; // three octaves up: a short period, so the level is read every 2 ms
      });
    });
    const ends = await page.evaluate(
      async ({ s, lengths, sampleRate }) => {
        const audio = (window as unknown as { __keyboardiaAudio: { renderSession: (s: unknown, o: unknown) => Promise<AudioBuffer> } })
          .__keyboardiaAudio;
        const buffer = await audio.renderSession(s, { steps: 64, tailSeconds: 0.3, sampleRate });
        const data = buffer.getChannelData(0);
        const span = Math.round(0.002 * sampleRate);
        const levels: number[] = [];
        for (let i = 0; i + span <= data.length; i += span) {
          let peak = 0;
          for (let j = i; j < i + span; j++) peak = Math.max(peak, Math.abs(data[j]!));
          levels.push(peak);
        }
        // Each note: the level it holds over the 6 ms before its set end (and 20 ms after its
        // start, to see it sounded all along); its end, where the level first falls below 80 % of that.
        const stepSeconds = 60 / s.tempo / 4;
        return [0, 16, 32, 48].map((start, i) => {
          const setEnd = (start + lengths[i]! / 2) * stepSeconds;
          const early = levels[Math.round((start * stepSeconds + 0.02) / (span / sampleRate))]!;
          const last = Math.floor(setEnd / (span / sampleRate)) - 1;
          const held = Math.min(levels[last]!, levels[last - 1]!, levels[last - 2]!);
          let k = last - 2;
          while (k < levels.length && levels[k]! >= 0.8 * held) k++;
          return { early, held, end: (k * span) / sampleRate };
        });
      },
      { s, lengths, sampleRate: 44_100 },
    );
    const delays = ends.map((e, i) => e.end - (i * 16 + lengths[i]! / 2) * step);
    console.log(
      `held notes: level ${ends.map((e) => e.held.toFixed(3)).join(', ')}; fall below 80 % ${delays.map((d) => (d * 1000).toFixed(2)).join(', ')} ms after the set end`,
    );
    for (const e of ends) {
      expect(e.early).toBeGreaterThan(0.05);
      expect(e.held).toBeGreaterThan(0.05);
    }
    // The release's own delay to −2 dB is the same for every note (the voice's, not the length's): within 2 ms of the first's,
    // and small (well under the 120 ms release), so every note ends at its length, not at the next note or a fixed gate.
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(0.03);
      expect(Math.abs(d - delays[0]!)).toBeLessThanOrEqual(0.002);
    }
  });
});
