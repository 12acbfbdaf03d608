/**
 * Export in the browser: the MIDI file downloaded from a beat page's Export menu
 * parses back (with @tonejs/midi, here in Node) as the beat; a WAV of N bars
 * rendered offline decodes in the page with the expected duration and sound at the
 * step times, nowhere else; a WAV of the polyrhythm example (whose tracks line up
 * only every 4 min 12 s) exports at the default length without ever holding the page,
 * and Cancel stops one. Expectations are computed here from first principles:
 * a step is a sixteenth (60 / tempo / 4 s); odd sixteenths are late by swing % of half
 * a step.
 */
import { readFile } from 'node:fs/promises';
import * as tonejsMidi from '@tonejs/midi';
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { emptySession, makeTrack, rowOf, type Session, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';

// @tonejs/midi is CommonJS to Node, whose ES import puts its exports on `default`.
const { Midi } = (tonejsMidi as { default?: typeof tonejsMidi }).default ?? tonejsMidi;

// The Export menu ("MIDI file", "WAV audio…") imports app/export lazily.

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
  const loaded = () =>
    page.waitForFunction(() => 'exportWav' in ((window as { __keyboardiaExport?: object }).__keyboardiaExport ?? {}), null, {
      timeout: 5_000,
    });
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

test('MIDI from the Export menu parses back as the beat: notes, swung times, pitches, velocities, drums on channel 10, tempo', async ({
  page,
}) => {
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
  doc.tracks.forEach((t, i) => {
    const track = { ...t, ...rowOf(doc, 'A', t.id) };
    const out = midi.tracks[i]!;
    const drums = track.instrument !== 'synth-bass';
    expect(out.channel === 9, track.name).toBe(drums);
    const want = Array.from({ length: loopSteps }, (_, g) => g).filter((g) => track.steps[g % track.length]);
    expect(
      out.notes.map((n) => Math.round(n.velocity * 127)),
      track.name,
    ).toEqual(want.map((g) => track.velocities[g]));
    out.notes.forEach((note, k) => {
      const g = want[k]!;
      const expected = (g + (g % 2 === 1 ? (doc.swing / 100) * 0.5 : 0)) * stepSeconds;
      expect(Math.abs(note.time - expected), `${track.name} note ${k}`).toBeLessThan(0.002);
    });
    if (!drums) expect(out.notes.map((n) => n.midi)).toEqual(want.map((g) => 36 + track.pitches[g]!)); // synth bass: root C2
  });
});

test('a WAV of N bars decodes with N × 16 × step duration and sound exactly at the lit steps', async ({ page }) => {
  const { beat } = await publish(page, 'starter');
  await openExportMenu(page, beat);
  await exportHook(page);

  // Our own beat: a snare on five steps of 16 (odd ones swung), no effects, so every hit stands out.
  const lit = [0, 3, 6, 9, 13];
  const snare = makeTrack({ id: 's', name: 'Snare', instrument: 'studio-snare', length: 16, on: lit });
  snare.row.velocities.fill(127);
  const session = sessionWithTracks(emptySession(0, 'Onsets'), [snare]);
  session.tempo = 120;
  session.swing = 40;
  session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  const bars = 2;
  const stepSeconds = 60 / session.tempo / 4;
  const at = (g: number) => (g + (g % 2 === 1 ? (session.swing / 100) * 0.5 : 0)) * stepSeconds;
  const litTimes: number[] = [];
  const unlitTimes: number[] = [];
  for (let g = 0; g < bars * 16; g++) (lit.includes(g % 16) ? litTimes : unlitTimes).push(at(g));

  const result = await page.evaluate(
    async ({ session, bars, litTimes, unlitTimes }) => {
      const hook = (
        window as unknown as {
          __keyboardiaExport: { exportWav: (s: unknown, bars: number, options: { onProgress: (f: number) => void }) => Promise<Blob> };
        }
      ).__keyboardiaExport;
      const progress: number[] = [];
      const blob = await hook.exportWav(session, bars, { onProgress: (f) => progress.push(f) });
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
    { session, bars, litTimes, unlitTimes },
  );

  expect(result.type).toBe('audio/wav');
  expect(result.riff).toBe('RIFF');
  expect(result.bits).toBe(16);
  expect(result.channels).toBe(2);
  // 2 bars × 16 steps × 0.125 s = 4 s, to the sample.
  expect(result.sampleRate).toBe(44_100);
  expect(result.length).toBe(Math.round(bars * 16 * stepSeconds * 44_100));
  expect(result.duration).toBeCloseTo(bars * 16 * stepSeconds, 4);
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

// ————————————————————————————————————————————— a long polyrhythm: length, responsiveness, cancel

/**
 * The longest a task may hold the page's main thread during an export: 200 ms, the
 * bound of a "good" Interaction to Next Paint, so a click during an export is answered
 * within it. Counted in CPU time of the page's main thread, from a Chromium trace: on
 * the shared two-core test machine other processes stretch wall time several-fold (a
 * task of 1 ms of CPU was measured at 140 ms), so wall time would measure the machine,
 * not the page. (The export before the fix held it for seconds at a time.)
 */
const MAX_TASK_MS = 200;

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args: { name?: string; data?: { frames?: { processId: number; isOutermostMainFrame?: boolean }[] } };
}

/** Run `during` with Chromium tracing on; return the page's main-thread tasks meanwhile, longest (CPU) first. */
async function mainThreadTasks(browser: Browser, page: Page, during: () => Promise<void>): Promise<{ cpuMs: number; wallMs: number }[]> {
  await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
  let trace: Buffer;
  try {
    await during();
  } finally {
    trace = await browser.stopTracing();
  }
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const started = events.find((e) => e.name === 'TracingStartedInBrowser');
  const renderer = started?.args.data?.frames?.find((f) => f.isOutermostMainFrame)?.processId;
  const main = events.find((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === renderer && e.args.name === 'CrRendererMain')?.tid;
  expect(main, 'the page’s main thread is in the trace').toBeDefined();
  return events
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && e.pid === renderer && e.tid === main)
    .map((e) => ({ cpuMs: (e.tdur ?? Number.NaN) / 1000, wallMs: (e.dur ?? 0) / 1000 }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

/** Record every value the WAV progress bar shows, in order, in `window.__wavProgress`. */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __wavProgress: number[] }).__wavProgress = seen;
    new MutationObserver(() => {
      const bar = document.querySelector<HTMLProgressElement>('progress[aria-label="Rendering WAV"]');
      if (bar && bar.value !== seen.at(-1)) seen.push(bar.value);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
  });
}

/** Decode WAV bytes with the browser's own decoder: sample rate, channels, length and peak level. */
async function decodeInPage(page: Page, bytes: Buffer): Promise<{ sampleRate: number; channels: number; length: number; peak: number }> {
  await page.route('**/__test-wav', (route) => route.fulfill({ body: bytes, contentType: 'audio/wav' }));
  return page.evaluate(async () => {
    const data = await (await fetch('/__test-wav')).arrayBuffer();
    const audio = await new OfflineAudioContext(2, 1, 44_100).decodeAudioData(data);
    let peak = 0;
    for (let c = 0; c < audio.numberOfChannels; c++) for (const x of audio.getChannelData(c)) peak = Math.max(peak, Math.abs(x));
    return { sampleRate: audio.sampleRate, channels: audio.numberOfChannels, length: audio.length, peak };
  });
}

async function openWavDialog(page: Page) {
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.getByRole('menuitem', { name: 'WAV audio…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export WAV' });
  await expect(dialog).toBeVisible();
  return dialog;
}

/**
 * Start the export from the open WAV dialog and follow it to the saved file under a
 * trace. Asserts that no main-thread task took over MAX_TASK_MS of CPU meanwhile and
 * that the progress bar rose to 100 %; returns the file's decoded audio.
 */
async function exportWithoutHoldingThePage(browser: Browser, page: Page, dialog: Locator, file: { name: string; duration: string }) {
  const saved = `${file.name} (${file.duration})`;
  await recordProgress(page);
  const downloading = page.waitForEvent('download');
  const tasks = await mainThreadTasks(browser, page, async () => {
    await dialog.getByRole('button', { name: 'Export' }).click();
    await expect(dialog).toBeHidden();
    await downloading;
    await expect(page.getByRole('status').filter({ hasText: `100 % · saved ${saved}` })).toBeVisible();
  });

  // The trace covered the export (hundreds of tasks: the render and the encoding go in slices), each with its CPU time.
  expect(tasks.length).toBeGreaterThan(100);
  expect(tasks.every((t) => Number.isFinite(t.cpuMs))).toBe(true);
  const longest = tasks[0]!;
  console.log(
    `WAV export, ${saved}: ${tasks.length} main-thread tasks, longest ${longest.cpuMs.toFixed(0)} ms CPU (${longest.wallMs.toFixed(0)} ms wall)`,
  );
  expect(longest.cpuMs, `longest main-thread task, ms of CPU (${longest.wallMs.toFixed(0)} ms wall)`).toBeLessThanOrEqual(MAX_TASK_MS);

  // The bar showed the way there: rising, never back, ending full.
  const progress = await page.evaluate(() => (window as unknown as { __wavProgress: number[] }).__wavProgress);
  expect(progress.length).toBeGreaterThan(10);
  expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);
  expect(progress.at(-1)).toBe(1);

  const download = await downloading;
  expect(download.suggestedFilename()).toBe(file.name);
  return decodeInPage(page, await readFile((await download.path())!));
}

test('the WAV dialog offers about 30 s in whole bars; a bad length says why and cannot start; seconds round to bars', async ({ page }) => {
  // Tracks of 16, 3, 5 and 7 steps at 100 BPM: they line up every 1,680 steps (105 bars, 4 min 12 s).
  await openSession(page, await newSession(page, 'polyrhythm'));
  const dialog = await openWavDialog(page);
  const length = dialog.getByRole('spinbutton', { name: 'Length' });
  const unit = dialog.getByRole('combobox', { name: 'Unit' });
  const summary = dialog.getByRole('status');
  const start = dialog.getByRole('button', { name: 'Export' });
  // A bar is 2.4 s: 30 s is 12.5 bars, which rounds to 13.
  await expect(length).toHaveValue('13');
  await expect(summary).toHaveText('13 bars · 31.2 s: 16-bit stereo WAV, loops seamlessly');
  await expect(dialog).toContainText('The tracks line up again every 105 bars (4:12)');

  for (const [typed, why] of [
    ['0', 'Enter a length above 0 bars.'],
    ['1.5', 'Enter a whole number of bars.'],
    ['251', 'The limit is 10:00 (250 bars at 100 BPM).'],
  ] as const) {
    await length.fill(typed);
    await expect(summary).toHaveText(why);
    await expect(start).toBeDisabled();
  }
  await length.fill('13');
  await unit.selectOption('seconds');
  await expect(length).toHaveValue('31.2');
  await length.fill('700');
  await expect(summary).toHaveText('The limit is 10:00 (250 bars at 100 BPM).');
  await expect(start).toBeDisabled();
  await length.fill('28');
  await expect(summary).toHaveText('12 bars · 28.8 s: 16-bit stereo WAV, loops seamlessly');
  await unit.selectOption('bars');
  await expect(length).toHaveValue('12');

  // Cancel closes it and starts nothing.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('progressbar', { name: 'Rendering WAV' })).toHaveCount(0);
});

test('with a song, the WAV dialog exports the whole song by default; a pattern can be chosen instead', async ({ page }) => {
  await openSession(page, await newSession(page, 'starter'));
  // A song of the starter (A) twice and a copy of it (B) once: 3 bars.
  await page.evaluate(() => {
    const { edits, store } = (
      window as unknown as { __keyboardia: { edits: { apply(m: unknown): boolean }; store: { getState(): { session: Session } } } }
    ).__keyboardia;
    edits.apply({ type: 'add_pattern', pattern: 'B', value: store.getState().session.patterns.A });
    edits.apply({ type: 'add_song_entry', entry: { id: 'one', pattern: 'A', repeats: 2 }, beforeEntryId: null });
    edits.apply({ type: 'add_song_entry', entry: { id: 'two', pattern: 'B', repeats: 1 }, beforeEntryId: null });
  });
  const dialog = await openWavDialog(page);
  const what = dialog.getByRole('combobox', { name: 'What' });
  await expect(what).toHaveValue('song');
  await expect(dialog.getByRole('spinbutton', { name: 'Length' })).toHaveValue('3');
  await expect(dialog.getByRole('status')).toContainText('3 bars');
  await what.selectOption('B');
  await expect(what).toHaveValue('B');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
});

test('the polyrhythm example exports a WAV of the default length without holding the page, with progress to 100 %', async ({
  page,
  browser,
}) => {
  await openSession(page, await newSession(page, 'polyrhythm'));
  const dialog = await openWavDialog(page);
  await expect(dialog.getByRole('spinbutton', { name: 'Length' })).toHaveValue('13');
  const audio = await exportWithoutHoldingThePage(browser, page, dialog, { name: 'Polyrhythm-3-over-4.wav', duration: '31.2 s' });
  expect(audio.sampleRate).toBe(44_100);
  expect(audio.channels).toBe(2);
  // 13 bars × 16 steps × 0.15 s = 31.2 s, to the sample.
  expect(audio.length).toBe(Math.round(13 * 16 * 0.15 * 44_100));
  expect(audio.peak).toBeGreaterThan(0.05);
});

test('Cancel stops a WAV export: no download, the progress bar goes, the menu works again', async ({ page }) => {
  const url = await newSession(page, 'polyrhythm');
  await openSession(page, url);
  let downloads = 0;
  page.on('download', () => downloads++);

  // The whole cycle: 4 min 12 s, long enough to cancel midway.
  let dialog = await openWavDialog(page);
  await dialog.getByRole('button', { name: 'Whole cycle: 105 bars' }).click();
  await expect(dialog.getByRole('spinbutton', { name: 'Length' })).toHaveValue('105');
  await expect(dialog.getByRole('status')).toHaveText('105 bars · 4:12: 16-bit stereo WAV, loops seamlessly');
  await dialog.getByRole('button', { name: 'Export' }).click();
  const bar = page.getByRole('progressbar', { name: 'Rendering WAV' });
  await expect.poll(() => bar.evaluate((p: HTMLProgressElement) => p.value)).toBeGreaterThan(0);
  // One export at a time.
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(page.getByRole('menuitem', { name: 'WAV audio…' })).toBeDisabled();
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Cancel WAV export' }).click();
  await expect(bar).toHaveCount(0);
  await expect(page.getByRole('alert')).toHaveCount(0);

  // The menu works again: a one-bar export goes through, and it is the only download.
  dialog = await openWavDialog(page);
  await dialog.getByRole('spinbutton', { name: 'Length' }).fill('1');
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export' }).click();
  const download = await downloading;
  await expect(page.getByRole('status').filter({ hasText: '100 % · saved Polyrhythm-3-over-4.wav (2.4 s)' })).toBeVisible();
  const audio = await decodeInPage(page, await readFile((await download.path())!));
  expect(audio.length).toBe(Math.round(16 * 0.15 * 44_100));
  expect(downloads).toBe(1);

  // The same through the API: an aborted export stops at the next slice, rejecting with an AbortError, long before the end.
  const session = (await (await page.request.get(`/api/sessions/${url.split('/').pop()}`)).json()) as Session;
  const aborted = await page.evaluate(async (session) => {
    const hook = (window as unknown as { __keyboardiaExport: { exportWav: (s: unknown, bars: number, options: object) => Promise<Blob> } })
      .__keyboardiaExport;
    const controller = new AbortController();
    const progress: number[] = [];
    const onProgress = (f: number) => {
      progress.push(f);
      if (f > 0.02) controller.abort();
    };
    try {
      await hook.exportWav(session, 105, { signal: controller.signal, onProgress });
      return { error: null, progress };
    } catch (e) {
      return { error: (e as Error).name, progress };
    }
  }, session);
  expect(aborted.error).toBe('AbortError');
  expect(Math.max(...aborted.progress)).toBeLessThan(0.1);
});
