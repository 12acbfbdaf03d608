/**
 * Own sounds (issue 16), end to end in Chromium against the Worker in workerd: browser A
 * uploads a clap-like noise burst through "Use your own sound"; browser B sees the
 * notice, its track names the sound, the instrument goes ready, and B's offline render
 * of that track is not silent and correlates with the uploaded audio. The stored file is
 * what the contract says (PCM 16-bit mono 24 kHz, leading silence cut, −1 dBFS peak).
 * Bad files are refused in the dialog with a clear message and store nothing; recording
 * from Chromium's fake microphone makes a sound; a published beat with the sound plays
 * it in the embed, and a remix of it plays it too.
 *
 * Fixtures are made here, small and seeded: no audio files in the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import config from '../playwright.config';
import { test, newContextPage, newSession, openSession } from './helpers';

// Chromium's fake microphone (a beep a second), granted without asking: for this spec only
// (launch options are per worker, so per file, not per describe group).
const launch = config.use?.launchOptions ?? {};
test.use({
  launchOptions: { ...launch, args: [...(launch.args ?? []), '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
});

interface Runtime {
  __keyboardia: {
    store: {
      getState(): {
        session: {
          tracks: { id: string; name: string; instrument: string }[];
          sounds?: Record<string, { name: string; seconds: number }>;
        } | null;
      };
    };
    edits: { apply(m: unknown): boolean };
  };
  __keyboardiaAudio: {
    instrumentStatus(id: string): string;
    renderSession(session: unknown, options?: Record<string, unknown>): Promise<AudioBuffer>;
  };
}

/** A 16-bit PCM WAV of interleaved channels. */
function wav(channels: Float32Array[], sampleRate: number): Buffer {
  const frames = channels[0]!.length;
  const data = frames * channels.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels.length, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels.length * 2, 28);
  out.writeUInt16LE(channels.length * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(data, 40);
  for (let i = 0; i < frames; i++)
    for (const [k, c] of channels.entries())
      out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, c[i]!)) * 32767), 44 + (i * channels.length + k) * 2);
  return out;
}

/** 0.2 s of silence, then a 0.35 s burst of seeded noise dying fast (a clap, near enough): stereo, 44.1 kHz. */
function clapWav(): Buffer {
  const rate = 44_100;
  const silence = Math.round(0.2 * rate);
  const length = silence + Math.round(0.35 * rate);
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const left = new Float32Array(length);
  for (let i = silence; i < length; i++) left[i] = 0.5 * (random() * 2 - 1) * Math.exp(-(i - silence) / rate / 0.06);
  return wav([left, left.map((x) => x * 0.9)], rate);
}

/** A 60 s tone, 8 kHz mono (about 1 MB): too long for a sound however it is trimmed at first. */
function longWav(): Buffer {
  const rate = 8000;
  return wav([Float32Array.from({ length: 60 * rate }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate))], rate);
}

async function openOwnSound(page: Page, track: string) {
  await page.getByRole('button', { name: `More for ${track}` }).click();
  await page.getByRole('menuitem', { name: `Use your own sound for ${track}…` }).click();
  const dialog = page.getByRole('dialog', { name: `Your own sound for ${track}` });
  await expect(dialog).toBeVisible();
  return dialog;
}

const sounds = (page: Page) => page.evaluate(() => (window as unknown as Runtime).__keyboardia.store.getState().session?.sounds ?? {});
const trackInstrument = (page: Page, name: string) =>
  page.evaluate(
    (name) => (window as unknown as Runtime).__keyboardia.store.getState().session!.tracks.find((t) => t.name === name)!.instrument,
    name,
  );

/**
 * Render one track of the page's session offline and compare it with the stored sound:
 * its peak, and the best normalised correlation of 0.1 s from the first hit's onset with
 * the sound's first 0.1 s (both at 44.1 kHz), over lags of ±10 ms.
 */
function renderAndCorrelate(page: Page, trackName: string, key: string) {
  return page.evaluate(
    async ({ trackName, key }) => {
      const w = window as unknown as Runtime;
      const session = w.__keyboardia.store.getState().session!;
      const track = session.tracks.find((t) => t.name === trackName)!;
      const rendered = await w.__keyboardiaAudio.renderSession(session, { audible: new Set([track.id]), steps: 16, tailSeconds: 0.5 });
      const out = rendered.getChannelData(0);
      const bytes = await (await fetch(`/api/sounds/${key}`)).arrayBuffer();
      const ref = (await new OfflineAudioContext(1, 1, rendered.sampleRate).decodeAudioData(bytes)).getChannelData(0);
      const peakOf = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const onset = (x: Float32Array) => {
        const threshold = peakOf(x) * 0.1;
        return x.findIndex((v) => Math.abs(v) >= threshold);
      };
      const n = Math.round(0.1 * rendered.sampleRate);
      const a0 = onset(out);
      const b0 = onset(ref);
      let best = 0;
      for (let lag = -441; lag <= 441; lag++) {
        let ab = 0;
        let aa = 0;
        let bb = 0;
        for (let i = 0; i < n; i++) {
          const a = out[a0 + lag + i] ?? 0;
          const b = ref[b0 + i] ?? 0;
          ab += a * b;
          aa += a * a;
          bb += b * b;
        }
        if (aa > 0 && bb > 0) best = Math.max(best, ab / Math.sqrt(aa * bb));
      }
      return { peak: peakOf(out), correlation: best };
    },
    { trackName, key },
  );
}

test('an upload in one browser plays in the other: notice, name, ready, a render that is the uploaded sound', async ({ page, browser }) => {
  // Three pages and an offline render each: long on a shared 2-core machine (no step is timed).
  test.setTimeout(150_000);
  const url = await newSession(page);
  await openSession(page, url);
  const other = await newContextPage(browser);
  await openSession(other, url);

  const dialog = await openOwnSound(page, 'Kick');
  await dialog.getByLabel('Choose an audio file').setInputFiles({ name: 'Big clap.wav', mimeType: 'audio/wav', buffer: clapWav() });
  // The editor: the waveform with its handles, the leading 0.2 s of silence already cut.
  await expect(dialog.getByRole('slider', { name: 'Trim start' })).toBeVisible();
  const start = Number(await dialog.getByRole('slider', { name: 'Trim start' }).inputValue());
  expect(start).toBeGreaterThanOrEqual(190);
  expect(start).toBeLessThanOrEqual(200);
  await expect(dialog.getByLabel('Sound name')).toHaveValue('Big clap');
  await dialog.getByLabel('Sound name').fill('Clap');
  const upload = page.waitForResponse((r) => /\/api\/sessions\/[^/]+\/sounds$/.test(r.url()) && r.request().method() === 'POST');
  await dialog.getByRole('button', { name: 'Use this sound' }).click();
  const uploaded = (await (await upload).json()) as { key: string; bytes: number; durationMs: number };
  await expect(dialog).toBeHidden();
  expect(uploaded.key).toMatch(/^[0-9a-f]{64}$/);
  await expect(page.getByRole('button', { name: 'Kick instrument: Clap' })).toBeVisible();

  // The other editor: the notice, the track's instrument named after the sound, ready to play.
  await expect(other.locator('.notice', { hasText: /added a sound “Clap”/ })).toBeVisible();
  await expect(other.getByRole('button', { name: 'Kick instrument: Clap' })).toBeVisible();
  expect(await trackInstrument(other, 'Kick')).toBe(`sound:${uploaded.key}`);
  expect(await sounds(other)).toEqual({ [uploaded.key]: { name: 'Clap', seconds: uploaded.durationMs / 1000 } });
  await expect
    .poll(() => other.evaluate((key) => (window as unknown as Runtime).__keyboardiaAudio.instrumentStatus(`sound:${key}`), uploaded.key))
    .toBe('ready');
  const heard = await renderAndCorrelate(other, 'Kick', uploaded.key);
  console.log(
    `own sound: ${uploaded.bytes} bytes, ${uploaded.durationMs} ms; B's render peak ${heard.peak.toFixed(3)}, correlation ${heard.correlation.toFixed(3)}`,
  );
  expect(heard.peak).toBeGreaterThan(0.05);
  expect(heard.correlation).toBeGreaterThan(0.95);

  // The stored file is the contract's: PCM 16-bit mono 24 kHz, the silence cut, peak at −1 dBFS.
  const stored = await page.request.get(`/api/sounds/${uploaded.key}`);
  expect(stored.status()).toBe(200);
  expect(stored.headers()['content-type']).toMatch(/^audio\/wav/);
  const bytes = await stored.body();
  expect(bytes.length).toBe(uploaded.bytes);
  expect([bytes.readUInt16LE(20), bytes.readUInt16LE(22), bytes.readUInt32LE(24), bytes.readUInt16LE(34)]).toEqual([1, 1, 24_000, 16]);
  const samples = Array.from({ length: (bytes.length - 44) / 2 }, (_, i) => bytes.readInt16LE(44 + 2 * i) / 32768);
  const peak = samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(20 * Math.log10(peak)).toBeCloseTo(-1, 1);
  expect(samples.findIndex((s) => Math.abs(s) > 0.01 * peak) / 24_000).toBeLessThan(0.01); // starts within 10 ms
  expect(uploaded.durationMs).toBeGreaterThan(340);
  expect(uploaded.durationMs).toBeLessThan(370);

  // Reuse on another track, from the dialog's list, and rename it: both editors see it.
  const again = await openOwnSound(other, 'Snare');
  await again.getByRole('button', { name: 'Use Clap on Snare' }).click();
  await expect(other.getByRole('button', { name: 'Snare instrument: Clap' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Snare instrument: Clap' })).toBeVisible();
  const renaming = await openOwnSound(page, 'Snare');
  await renaming.getByLabel('Rename Clap').fill('Hand clap');
  await renaming.getByLabel('Rename Clap').press('Enter');
  await expect(other.getByRole('button', { name: 'Kick instrument: Hand clap' })).toBeVisible();
  await renaming.getByRole('button', { name: 'Close' }).click();
  // The instrument picker lists the session's sounds.
  await other.getByRole('button', { name: 'Hi-hat instrument: Studio Hat' }).click();
  const picker = other.getByRole('dialog', { name: 'Instrument for Hi-hat' });
  await picker.getByRole('region', { name: 'Own sounds' }).getByRole('button', { name: 'Hand clap' }).click();
  await expect(page.getByRole('button', { name: 'Hi-hat instrument: Hand clap' })).toBeVisible();
  await other.context().close();
});

test('bad files are refused in the dialog with a clear message, and nothing is stored', async ({ page }) => {
  const url = await newSession(page);
  await openSession(page, url);
  const dialog = await openOwnSound(page, 'Kick');
  const posts: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().includes('/sounds') && posts.push(r.url()));

  // Text renamed .wav: the browser cannot decode it.
  await dialog
    .getByLabel('Choose an audio file')
    .setInputFiles({ name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('Just some notes, not audio at all.\n'.repeat(40)) });
  await expect(dialog.getByRole('alert')).toHaveText('“notes.wav” is not audio this browser can decode (WAV, MP3, OGG, FLAC or M4A/AAC).');
  await expect(dialog.getByRole('button', { name: 'Use this sound' })).toHaveCount(0);

  // A 60 s file decodes, but cannot be used until it is trimmed to 10 s.
  await dialog.getByLabel('Choose an audio file').setInputFiles({ name: 'long.wav', mimeType: 'audio/wav', buffer: longWav() });
  await expect(dialog.getByRole('alert')).toContainText('A sound is at most 10 s: the selection is 60.0 s.');
  await expect(dialog.getByRole('button', { name: 'Use this sound' })).toBeDisabled();
  // Trimmed to 9 s, the same file becomes usable.
  // The handles work from the keyboard: an arrow moves one by 5 ms.
  const start = dialog.getByRole('slider', { name: 'Trim start' });
  await start.focus();
  await start.press('ArrowRight');
  await expect(start).toHaveValue('5');
  await start.press('Home');
  await expect(start).toHaveValue('0');
  const end = dialog.getByRole('slider', { name: 'Trim end' });
  await end.fill('9000');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await expect(dialog.getByRole('button', { name: 'Use this sound' })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Close' }).click();

  expect(posts).toEqual([]);
  expect(await sounds(page)).toEqual({});
  expect(await trackInstrument(page, 'Kick')).toBe('studio-kick');
});

test('a published beat with the sound plays it in the embed, and a remix of it plays it', async ({ page, browser }) => {
  // Three pages and an offline render each: long on a shared 2-core machine (no step is timed).
  test.setTimeout(150_000);
  const url = await newSession(page);
  const sessionId = url.split('/').pop()!;
  await openSession(page, url);
  const dialog = await openOwnSound(page, 'Kick');
  await dialog.getByLabel('Choose an audio file').setInputFiles({ name: 'clap.wav', mimeType: 'audio/wav', buffer: clapWav() });
  await dialog.getByRole('button', { name: 'Use this sound' }).click();
  await expect(page.getByRole('button', { name: 'Kick instrument: clap' })).toBeVisible();
  const key = (await trackInstrument(page, 'Kick')).slice('sound:'.length);
  // Only the sound's track in the beat: whatever the embed plays is the sound.
  for (const name of ['Snare', 'Hi-hat', 'Bass']) {
    await page.getByRole('button', { name: `More for ${name}` }).click();
    await page.getByRole('menuitem', { name: `Delete ${name}` }).click();
  }
  await expect
    .poll(() => page.evaluate(() => (window as unknown as Runtime).__keyboardia.store.getState().session!.tracks.map((t) => t.name)))
    .toEqual(['Kick']);
  await page.getByRole('button', { name: 'Publish' }).click();
  const published = page.getByRole('dialog', { name: 'Published' });
  const link = await published.getByRole('textbox', { name: 'Link' }).inputValue();
  const beatId = link.split('/').pop()!;
  const beat = (await (await page.request.get(`/api/beats/${beatId}`)).json()) as {
    sounds?: Record<string, unknown>;
    tracks: { instrument: string }[];
  };
  expect(Object.keys(beat.sounds ?? {})).toEqual([key]);
  expect(beat.tracks.map((t) => t.instrument)).toEqual([`sound:${key}`]);

  // The embed: a tap on what reaches its speakers, then Play.
  const listener = await newContextPage(browser);
  // A tap per audio context (Tone makes one of its own on load, the player another in the click).
  await listener.addInitScript(() => {
    const taps = new Map<BaseAudioContext, AnalyserNode>();
    (window as unknown as { __taps: typeof taps }).__taps = taps;
    const connect = AudioNode.prototype.connect as (this: AudioNode, ...args: unknown[]) => unknown;
    AudioNode.prototype.connect = function (this: AudioNode, ...args: unknown[]) {
      const target = args[0];
      if (target instanceof AudioDestinationNode) {
        let tap = taps.get(target.context);
        if (!tap) {
          tap = new AnalyserNode(target.context, { fftSize: 2048 });
          taps.set(target.context, tap);
        }
        connect.call(this, tap);
      }
      return connect.apply(this, args);
    } as typeof AudioNode.prototype.connect;
  });
  const fetched = listener.waitForResponse((r) => r.url().endsWith(`/api/sounds/${key}`));
  await listener.goto(`/embed/${beatId}`);
  await listener.getByRole('button', { name: /Play/ }).click();
  expect((await fetched).status()).toBe(200);
  await expect(listener.locator('.kb-player')).toHaveAttribute('data-state', 'playing');
  await expect
    .poll(() =>
      // The peak reaching the speakers over a bar and a bit (2.5 s at 110 BPM holds four hits).
      listener.evaluate(async () => {
        let peak = 0;
        const data = new Float32Array(2048);
        for (const end = performance.now() + 2500; performance.now() < end; ) {
          for (const tap of (window as unknown as { __taps: Map<BaseAudioContext, AnalyserNode> }).__taps.values()) {
            tap.getFloatTimeDomainData(data);
            for (const v of data) peak = Math.max(peak, Math.abs(v));
          }
          await new Promise((done) => setTimeout(done, 20));
        }
        return peak;
      }),
    )
    .toBeGreaterThan(0.05);
  await listener.context().close();

  // A remix of the beat: a new session that still has the sound, which loads and renders.
  const remixed = (await (await page.request.post(`/api/beats/${beatId}/remix`)).json()) as { url: string };
  expect(remixed.url).not.toContain(sessionId);
  const remixer = await newContextPage(browser);
  await openSession(remixer, remixed.url);
  await expect(remixer.getByRole('button', { name: 'Kick instrument: clap' })).toBeVisible();
  await expect
    .poll(() => remixer.evaluate((key) => (window as unknown as Runtime).__keyboardiaAudio.instrumentStatus(`sound:${key}`), key))
    .toBe('ready');
  const heard = await renderAndCorrelate(remixer, 'Kick', key);
  expect(heard.peak).toBeGreaterThan(0.05);
  expect(heard.correlation).toBeGreaterThan(0.95);
  await remixer.context().close();
});

test('an OGG file decodes too', async ({ page }) => {
  // ffmpeg (installed on these machines and CI) makes a half-second Vorbis tone.
  const dir = mkdtempSync(join(tmpdir(), 'own-sound-'));
  const file = join(dir, 'tone.ogg');
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=0.5',
    '-c:a',
    'libvorbis',
    '-ac',
    '1',
    file,
  ]);
  const url = await newSession(page);
  await openSession(page, url);
  const dialog = await openOwnSound(page, 'Bass');
  await dialog.getByLabel('Choose an audio file').setInputFiles({ name: 'tone.ogg', mimeType: 'audio/ogg', buffer: readFileSync(file) });
  await expect(dialog.getByLabel('Sound name')).toHaveValue('tone');
  await dialog.getByRole('button', { name: 'Use this sound' }).click();
  await expect(page.getByRole('button', { name: 'Bass instrument: tone' })).toBeVisible();
  const entry = Object.values(await sounds(page))[0]!;
  expect(entry.seconds).toBeGreaterThan(0.4);
  expect(entry.seconds).toBeLessThanOrEqual(0.55);
});

test.describe('recording', () => {
  test('record from the microphone: a count-in, a level, stop, and the track plays the recording', async ({ page }) => {
    const url = await newSession(page);
    await openSession(page, url);
    const dialog = await openOwnSound(page, 'Snare');
    await dialog.getByRole('button', { name: 'Record' }).click();
    await dialog.getByRole('button', { name: 'Start recording' }).click();
    await expect(dialog.getByRole('status').filter({ hasText: /Count-in: [1-4] of 4/ })).toBeVisible();
    await expect(dialog.getByRole('status').filter({ hasText: 'Recording…' })).toBeVisible();
    // The meter shows the fake microphone's beep: a condition, not a wait of fixed length.
    const meter = dialog.getByRole('meter', { name: 'Input level' });
    await expect.poll(async () => Number(await meter.getAttribute('value')), { timeout: 15_000 }).toBeGreaterThan(-30);
    await dialog.getByRole('button', { name: 'Stop recording' }).click();
    await expect(dialog.getByLabel('Sound name')).toHaveValue('Recording');
    await dialog.getByRole('button', { name: 'Use this sound' }).click();
    await expect(page.getByRole('button', { name: 'Snare instrument: Recording' })).toBeVisible();
    const key = (await trackInstrument(page, 'Snare')).slice('sound:'.length);
    const stored = await (await page.request.get(`/api/sounds/${key}`)).body();
    const samples = Array.from({ length: (stored.length - 44) / 2 }, (_, i) => stored.readInt16LE(44 + 2 * i) / 32768);
    expect(20 * Math.log10(samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0))).toBeCloseTo(-1, 1);
    await expect
      .poll(() => page.evaluate((key) => (window as unknown as Runtime).__keyboardiaAudio.instrumentStatus(`sound:${key}`), key))
      .toBe('ready');
  });
});
