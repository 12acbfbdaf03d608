/**
 * Export in the browser: the MIDI file downloaded from a beat page's Export menu
 * parses back (with @tonejs/midi, here in Node) as the beat; a WAV of N loops
 * rendered offline decodes in the page with the expected duration and sound at the
 * step times, nowhere else. Expectations are computed here from first principles:
 * a step is a sixteenth (60 / tempo / 4 s); odd sixteenths are late by swing % of half
 * a step.
 */
import { readFile } from 'node:fs/promises';
import * as tonejsMidi from '@tonejs/midi';
import { expect, test, type Page } from '@playwright/test';
import { emptySession, makeTrack, type Session } from '../core/model';

// @tonejs/midi is CommonJS to Node, whose ES import puts its exports on `default`.
const { Midi } = (tonejsMidi as { default?: typeof tonejsMidi }).default ?? tonejsMidi;

// The beat page's Export menu ("MIDI file", "WAV audio") imports app/export lazily.

interface Published {
  beatId: string;
  url: string;
}

async function publish(page: Page, template: string): Promise<{ beat: Published; doc: Session }> {
  const created = await page.request.post('/api/sessions', { data: { template } });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const beat = (await (await page.request.post(`/api/sessions/${id}/publish`)).json()) as Published;
  const doc = (await (await page.request.get(`/api/beats/${beat.beatId}`)).json()) as Session;
  return { beat, doc };
}

const menuItem = (page: Page, name: string) => page.getByRole('menuitem', { name }).or(page.getByRole('button', { name, exact: true }));

/**
 * Open the beat page's Export menu, which loads app/export (and with it the
 * `window.__keyboardiaExport` test hook) lazily.
 */
async function openExportMenu(page: Page, beat: Published): Promise<void> {
  await page.goto(beat.url);
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(menuItem(page, 'MIDI file')).toBeVisible();
}

async function exportHook(page: Page): Promise<void> {
  const loaded = () => page.waitForFunction(() => 'exportWav' in ((window as { __keyboardiaExport?: object }).__keyboardiaExport ?? {}), null, { timeout: 5_000 });
  try {
    await loaded();
  } catch {
    // The menu may load the module on an item's click rather than on opening.
    const download = page.waitForEvent('download');
    await menuItem(page, 'MIDI file').click();
    await download;
    await loaded();
  }
}

test('MIDI from the Export menu parses back as the beat: notes, swung times, pitches, velocities, drums on channel 10, tempo', async ({ page }) => {
  const { beat, doc } = await publish(page, 'starter');
  await openExportMenu(page, beat);
  const downloading = page.waitForEvent('download');
  await menuItem(page, 'MIDI file').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.mid$/);
  const midi = new Midi(await readFile((await download.path())!));

  expect(midi.header.tempos[0]!.bpm).toBeCloseTo(doc.tempo, 3);
  expect(midi.tracks.map((t) => t.name)).toEqual(doc.tracks.map((t) => t.name));
  const stepSeconds = 60 / doc.tempo / 4;
  const loopSteps = 16; // the starter's tracks are all 16 steps long
  doc.tracks.forEach((track, i) => {
    const out = midi.tracks[i]!;
    const drums = track.instrument !== 'synth-bass';
    expect(out.channel === 9, track.name).toBe(drums);
    const want = Array.from({ length: loopSteps }, (_, g) => g).filter((g) => track.steps[g % track.length]);
    expect(out.notes.map((n) => Math.round(n.velocity * 127)), track.name).toEqual(want.map((g) => track.velocities[g]));
    out.notes.forEach((note, k) => {
      const g = want[k]!;
      const expected = (g + (g % 2 === 1 ? (doc.swing / 100) * 0.5 : 0)) * stepSeconds;
      expect(Math.abs(note.time - expected), `${track.name} note ${k}`).toBeLessThan(0.002);
    });
    if (!drums) expect(out.notes.map((n) => n.midi)).toEqual(want.map((g) => 36 + track.pitches[g]!)); // synth bass: root C2
  });
});

test('a WAV of N loops decodes with N × loop × step duration and sound exactly at the lit steps', async ({ page }) => {
  const { beat } = await publish(page, 'starter');
  await openExportMenu(page, beat);
  await exportHook(page);

  // Our own beat: a snare on five steps of 16 (odd ones swung), no effects, so every hit stands out.
  const session = emptySession(0, 'Onsets');
  session.tempo = 120;
  session.swing = 40;
  session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  const lit = [0, 3, 6, 9, 13];
  const snare = makeTrack({ id: 's', name: 'Snare', instrument: 'studio-snare', length: 16, on: lit });
  snare.velocities.fill(127);
  session.tracks = [snare];
  const loops = 2;
  const stepSeconds = 60 / session.tempo / 4;
  const at = (g: number) => (g + (g % 2 === 1 ? (session.swing / 100) * 0.5 : 0)) * stepSeconds;
  const litTimes: number[] = [];
  const unlitTimes: number[] = [];
  for (let g = 0; g < loops * 16; g++) (lit.includes(g % 16) ? litTimes : unlitTimes).push(at(g));

  const result = await page.evaluate(
    async ({ session, loops, litTimes, unlitTimes }) => {
      const hook = (window as unknown as { __keyboardiaExport: { exportWav: (s: unknown, loops: number, onProgress: (f: number) => void) => Promise<Blob> } }).__keyboardiaExport;
      const progress: number[] = [];
      const blob = await hook.exportWav(session, loops, (f) => progress.push(f));
      const bytes = await blob.arrayBuffer();
      const header = new DataView(bytes);
      const context = new OfflineAudioContext(2, 1, 44_100);
      const audio = await context.decodeAudioData(bytes.slice(0));
      const data = [audio.getChannelData(0), audio.getChannelData(1)];
      /** RMS of both channels over [from, to) seconds. */
      const rms = (from: number, to: number) => {
        const a = Math.max(0, Math.round(from * audio.sampleRate));
        const b = Math.min(audio.length, Math.round(to * audio.sampleRate));
        let sum = 0;
        for (const channel of data) for (let i = a; i < b; i++) sum += channel[i]! ** 2;
        return Math.sqrt(sum / Math.max(1, 2 * (b - a)));
      };
      // Just after a step's time vs just before it: a hit is a jump in level.
      const jump = (t: number) => ({ after: rms(t, t + 0.012), before: rms(t - 0.012, t - 0.001) });
      return {
        type: blob.type,
        riff: String.fromCharCode(header.getUint8(0), header.getUint8(1), header.getUint8(2), header.getUint8(3)),
        bits: header.getUint16(34, true),
        duration: audio.duration,
        length: audio.length,
        sampleRate: audio.sampleRate,
        channels: audio.numberOfChannels,
        progress,
        lit: litTimes.map(jump),
        unlit: unlitTimes.map(jump),
      };
    },
    { session, loops, litTimes, unlitTimes },
  );

  expect(result.type).toBe('audio/wav');
  expect(result.riff).toBe('RIFF');
  expect(result.bits).toBe(16);
  expect(result.channels).toBe(2);
  // 2 loops × 16 steps × 0.125 s = 4 s, to the sample.
  expect(result.sampleRate).toBe(44_100);
  expect(result.length).toBe(Math.round(loops * 16 * stepSeconds * 44_100));
  expect(result.duration).toBeCloseTo(loops * 16 * stepSeconds, 4);
  // Progress runs 0 → 1 and never goes back.
  expect(result.progress[0]).toBe(0);
  expect(result.progress.at(-1)).toBe(1);
  expect(result.progress.every((f, i) => i === 0 || f >= result.progress[i - 1]!)).toBe(true);

  const peak = Math.max(...result.lit.map((j) => j.after));
  expect(peak).toBeGreaterThan(0.05);
  result.lit.forEach((j, k) => {
    expect(j.after, `lit step ${k} at ${litTimes[k]!.toFixed(4)} s`).toBeGreaterThan(peak * 0.3);
    expect(j.after, `lit step ${k} rises`).toBeGreaterThan(j.before * 2);
  });
  result.unlit.forEach((j, k) => {
    expect(j.after, `unlit step at ${unlitTimes[k]!.toFixed(4)} s has no new hit`).toBeLessThan(Math.max(j.before * 1.5, peak * 0.02));
  });
});
