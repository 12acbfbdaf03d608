/**
 * Issue 13's acceptance journey, end to end, as a musician does it: two editors in one
 * session; page A picks a key with the lock on, writes a chord progression on a pad with
 * the chord editor and a bassline with the locked pitch roll, shapes the kick's decay and
 * the hat's filter; page B sees all of it. Then page A renders the session offline (the
 * production build's renderSession, the mixer and voices of live playback) and the meter
 * (app/audio/meter.ts) judges it: the chords sound, nothing passes the ceiling. Last, the
 * session grows to 16 busy tracks and the mix stays clean, rendered and exported as a WAV
 * through the Export menu.
 *
 * Every edit goes through the UI (clicks and keys), except lighting every step of the 16
 * tracks at full velocity, which goes through the editor's own edit path
 * (window.__keyboardia.edits, the one the grid calls) to keep the test short: by hand it
 * is 256 steps and 256 velocity sliders.
 */
import { readFile } from 'node:fs/promises';
import { expect, type Locator, type Page } from '@playwright/test';
import type { Levels } from '../app/audio/meter';
import type { Mutation, Row, Session } from '../core';
import { emptySteps } from '../core/model';
import { test, newContextPage, newSession, openSession, step } from './helpers';

/** What this spec reads of the page: the editor's store and edit path, and the audio handle (app/audio/debugHandle.ts). */
interface Handles {
  __keyboardia: {
    store: { getState(): { session: Session } };
    edits: { apply(mutations: Mutation[]): boolean };
  };
  __keyboardiaAudio: {
    renderSession(
      session: Session,
      options?: { steps?: number; tailSeconds?: number; audible?: ReadonlySet<string> },
    ): Promise<AudioBuffer>;
    meter(buffer: AudioBuffer): Promise<Levels>;
  };
}

const keySummary = (page: Page) => page.locator('.key-control > summary');
const keyPanel = (page: Page) => page.getByRole('group', { name: 'Key', exact: true });
/** A note of a track's pitch roll: "<track> step <n> <note>". */
const note = (page: Page, track: string, n: number, name: string) => page.locator(`[aria-label="${track} step ${n} ${name}"]`);
const pressed = (locator: Locator) => expect(locator).toHaveAttribute('aria-pressed', 'true');
const detail = (page: Page, track: string) => page.getByRole('button', { name: new RegExp(`^${track}: show`) });

/** Open the picker from "+ Add track" and choose an instrument by its name. */
async function addTrack(page: Page, instrument: string): Promise<void> {
  await page.getByRole('button', { name: '+ Add track' }).click();
  await page
    .getByRole('dialog', { name: /new track/ })
    .getByRole('button', { name: instrument, exact: true })
    .click();
  await expect(step(page, instrument, 1)).toBeVisible();
}

const PAD = 'String Pad';
/** The progression, in A minor: i – VI – III – VII, one chord a bar's quarter, voiced around C4. */
const CHORDS = [
  { step: 1, root: 'A3', name: 'Am', pick: "Key's triad (Am)", hz: [220.0, 261.63, 329.63] },
  { step: 5, root: 'F3', name: 'F', pick: 'F — Major', hz: [174.61, 220.0, 261.63] },
  { step: 9, root: 'C4', name: 'C', pick: "Key's triad (C)", hz: [261.63, 329.63, 392.0] },
  { step: 13, root: 'G3', name: 'G', pick: "Key's triad (G)", hz: [196.0, 246.94, 293.66] },
] as const;
/** Out of A minor and no harmonic of a chord tone: what a chord window must not hold. */
const OUT_OF_KEY_HZ = [185.0, 207.65, 233.08, 277.18, 311.13];
/** In A minor but not in the first chord (Am), and nothing plays them before it: silent in its window. */
const NOT_IN_AM_HZ = [174.61, 196.0, 246.94, 293.66];

/** The bassline: [step, note], every note of A natural minor. */
const BASSLINE = [
  [1, 'A1'],
  [4, 'E2'],
  [5, 'F1'],
  [8, 'A1'],
  [9, 'C2'],
  [12, 'E2'],
  [13, 'G1'],
  [15, 'B1'],
] as const;

/** The 11 tracks that join the five of the journey: kicks, snares, a clap, hats, basses and leads. */
const MORE = [
  'Electro Kick',
  '808 Kick',
  'Electro Snare',
  '808 Snare',
  '808 Clap',
  'Electro Hat',
  '808 Hat',
  'Acid Bass',
  'Sub Bass',
  'Saw Lead',
  'Square Lead',
];

const CEILING_DBTP = -0.3;
const show = (l: Levels) =>
  `sample peak ${l.samplePeakDb.toFixed(2)} dBFS, true peak ${l.truePeakDb.toFixed(2)} dBTP, ${l.lufs.toFixed(1)} LUFS, crest ${l.crestDb.toFixed(1)} dB`;

test('a musician picks a key, writes chords and a locked bassline, shapes the kick and the hat; 16 busy tracks stay clean', async ({
  page,
  browser,
}) => {
  test.setTimeout(150_000);
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await Promise.all([openSession(page, url), openSession(other, url)]);

  // 1. The key: A natural minor (the starter's C minor moves down to it), locked to the scale.
  await keySummary(page).click();
  await keyPanel(page).getByRole('combobox', { name: 'Root' }).selectOption({ label: 'A' });
  await keyPanel(page).getByRole('combobox', { name: 'Scale' }).selectOption({ label: 'Natural minor' });
  await keyPanel(page).getByRole('checkbox', { name: 'Lock to scale' }).check();
  await expect(keySummary(page)).toHaveText('Key: A natural minor (locked)');
  await page.keyboard.press('Escape');
  await expect(keyPanel(page)).toBeHidden();

  // 2. A pad from the picker, and the progression: each root from the pitch roll, its chord from the chord editor.
  await addTrack(page, PAD);
  await detail(page, PAD).click();
  for (const chord of CHORDS) {
    await note(page, PAD, chord.step, chord.root).click();
    await page.getByRole('button', { name: `${PAD} step ${chord.step} chord: single note` }).click();
    const editor = page.getByRole('group', { name: `${PAD} step ${chord.step} chord` });
    await editor.getByRole('combobox', { name: `Chord on ${chord.root}` }).selectOption({ label: chord.pick });
    await expect(step(page, PAD, chord.step)).toHaveAccessibleDescription(chord.name);
  }
  await page.getByRole('button', { name: 'Done' }).click();

  // 3. The bassline: the starter's notes cleared from the grid, new ones from the locked pitch roll.
  await detail(page, 'Bass').click();
  // Locked to A minor: A♯ and G♯ are not offered (no step plays them), A and G are.
  for (const name of ['A♯1', 'G♯1', 'C♯2', 'D♯2']) await expect(note(page, 'Bass', 2, name)).toHaveCount(0);
  for (const name of ['A1', 'G1', 'C2', 'D2']) await expect(note(page, 'Bass', 2, name)).toBeVisible();
  for (let n = 1; n <= 16; n++) {
    const cell = step(page, 'Bass', n);
    if ((await cell.getAttribute('aria-pressed')) === 'true') {
      await cell.click();
      await expect(cell).toHaveAttribute('aria-pressed', 'false');
    }
  }
  for (const [n, name] of BASSLINE) {
    await note(page, 'Bass', n, name).click();
    await pressed(note(page, 'Bass', n, name));
  }

  // 4. The kick's decay, by keyboard (Home is its shortest, each arrow 10 ms more), and the hat's high-pass.
  await detail(page, 'Kick').click();
  await page.getByRole('checkbox', { name: 'Kick decay: own setting' }).check();
  const decay = page.getByRole('slider', { name: 'Kick decay' });
  await decay.focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 13; i++) await page.keyboard.press('ArrowRight');
  await expect(decay).toHaveValue('0.15');
  await detail(page, 'Hi-hat').click();
  await page.getByRole('combobox', { name: 'Hi-hat filter' }).selectOption({ label: 'High-pass' });
  // The cutoff slider is logarithmic over 20 Hz…20 kHz. From its bottom, arrow keys move it (0.69 % a step)…
  const cutoff = page.getByRole('slider', { name: 'Hi-hat cutoff' });
  await cutoff.focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await expect(cutoff).toHaveAttribute('aria-valuetext', '20.4 Hz');
  // …and its middle is 632 Hz.
  await cutoff.fill('500');
  await expect(page.getByRole('group', { name: 'Hi-hat sound' })).toContainText('632 Hz');

  // 5. The other editor sees it all: the key, the chords on the grid, the bass notes, the shaping.
  await expect(keySummary(other)).toHaveText('Key: A natural minor (locked)');
  for (const chord of CHORDS) await expect(step(other, PAD, chord.step)).toHaveAccessibleDescription(chord.name);
  await detail(other, 'Bass').click();
  for (const [n, name] of BASSLINE) await pressed(note(other, 'Bass', n, name));
  // Nothing else: each lit step shows twice, its grid cell and its note in the roll.
  await expect(other.locator('[aria-label^="Bass step "][aria-pressed="true"]')).toHaveCount(BASSLINE.length * 2);
  await detail(other, 'Kick').click();
  await expect(other.getByRole('slider', { name: 'Kick decay' })).toHaveValue('0.15');
  await expect(other.getByRole('group', { name: 'Kick sound' })).toContainText('0.15 s');
  await detail(other, 'Hi-hat').click();
  await expect(other.getByRole('combobox', { name: 'Hi-hat filter' })).toHaveValue('highpass');
  await expect(other.getByRole('group', { name: 'Hi-hat sound' })).toContainText('632 Hz');

  // 6. Rendered offline: the pad alone (as if soloed) for the chords, then the whole session for the level.
  const sound = await page.evaluate(
    async ({ pad, chords, outOfKey, notInAm }) => {
      const { store } = (window as unknown as Handles).__keyboardia;
      const audio = (window as unknown as Handles).__keyboardiaAudio;
      const session = store.getState().session;
      const padId = session.tracks.find((t) => t.name === pad)!.id;
      /** Power at one frequency over [from, to) seconds: a Goertzel filter under a Hann window. */
      const power = (data: Float32Array, rate: number, f: number, from: number, to: number) => {
        const start = Math.round(from * rate);
        const n = Math.round((to - from) * rate);
        const w = 2 * Math.cos((2 * Math.PI * f) / rate);
        let s1 = 0;
        let s2 = 0;
        for (let i = 0; i < n; i++) {
          const s = data[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1))) + w * s1 - s2;
          s2 = s1;
          s1 = s;
        }
        return (s1 * s1 + s2 * s2 - w * s1 * s2) / (n * n);
      };
      const solo = await audio.renderSession(session, { steps: 16, tailSeconds: 0.5, audible: new Set([padId]) });
      const data = solo.getChannelData(0);
      const stepSeconds = 60 / session.tempo / 4;
      // Each chord's window: from 150 ms after it starts (past the pad's attack) to its end (its steps are even: unswung).
      const windows = chords.map((c) => {
        const from = (c.step - 1) * stepSeconds + 0.15;
        const to = (c.step + 3) * stepSeconds;
        return {
          tones: c.hz.map((f) => power(data, solo.sampleRate, f, from, to)),
          outOfKey: outOfKey.map((f) => power(data, solo.sampleRate, f, from, to)),
          notInAm: notInAm.map((f) => power(data, solo.sampleRate, f, from, to)),
        };
      });
      const whole = await audio.meter(await audio.renderSession(session, { steps: 16 }));
      return { windows, whole, padLevels: await audio.meter(solo) };
    },
    { pad: PAD, chords: CHORDS, outOfKey: OUT_OF_KEY_HZ, notInAm: NOT_IN_AM_HZ },
  );
  const dB = (p: number) => (10 * Math.log10(p)).toFixed(1);
  for (const [i, w] of sound.windows.entries())
    console.log(`${CHORDS[i]!.name}: chord tones ${w.tones.map(dB).join(' / ')} dB; out of key at most ${dB(Math.max(...w.outOfKey))} dB`);
  console.log(`pad alone: ${show(sound.padLevels)}; journey session: ${show(sound.whole)}`);
  sound.windows.forEach((w, i) => {
    // Every chord tone stands 20 dB and more above every note out of the key.
    for (const [k, tone] of w.tones.entries())
      expect(tone, `${CHORDS[i]!.name}: ${CHORDS[i]!.hz[k]} Hz against out-of-key notes`).toBeGreaterThan(Math.max(...w.outOfKey) * 100);
  });
  // The first chord is Am and not another: the other chords' tones are 20 dB and more below its own.
  const [am] = sound.windows;
  for (const tone of am!.tones) expect(tone, 'Am against F, G, B, D').toBeGreaterThan(Math.max(...am!.notInAm) * 100);
  for (const levels of [sound.padLevels, sound.whole]) {
    expect(levels.nonFinite).toBe(0);
    expect(levels.overs).toBe(0);
    expect(levels.truePeakDb).toBeLessThanOrEqual(CEILING_DBTP);
  }
  expect(sound.whole.lufs).toBeGreaterThan(-30);

  // 7. Sixteen busy tracks: eleven more from the picker; then every step lit at full velocity and volume.
  for (const instrument of MORE) await addTrack(page, instrument);
  await expect(page.getByRole('button', { name: '+ Add track' })).toBeDisabled();
  const lit = await page.evaluate((defaults) => {
    const { store, edits } = (window as unknown as Handles).__keyboardia;
    const session = store.getState().session;
    const mutations: Mutation[] = session.tracks.flatMap((track) => {
      const row = session.patterns.A!.rows[track.id] as Row | undefined;
      const size = row?.steps.length ?? 128;
      return [
        {
          type: 'set_steps',
          trackId: track.id,
          pattern: 'A',
          // Every other step array as it is (or at its default): pitches and chords kept.
          steps: {
            ...defaults,
            ...(row ? Object.fromEntries(Object.entries(row).filter(([k]) => k !== 'length')) : {}),
            steps: Array(size).fill(true),
            velocities: Array(size).fill(127),
          },
        },
        { type: 'set_volume', trackId: track.id, volume: 1 },
      ] as Mutation[];
    });
    return { tracks: session.tracks.length, applied: edits.apply(mutations) };
  }, emptySteps());
  expect(lit).toEqual({ tracks: 16, applied: true });
  // The other editor gets it all: the last track's last step, at full velocity; the chords kept.
  await expect(step(other, 'Square Lead', 16)).toHaveAttribute('aria-pressed', 'true');
  await expect(other.getByRole('slider', { name: 'Square Lead volume' })).toHaveValue('1');
  await expect(step(other, PAD, 2)).toHaveAttribute('aria-pressed', 'true');
  for (const chord of CHORDS) await expect(step(other, PAD, chord.step)).toHaveAccessibleDescription(chord.name);

  const busy = await page.evaluate(async () => {
    const audio = (window as unknown as Handles).__keyboardiaAudio;
    const session = (window as unknown as Handles).__keyboardia.store.getState().session;
    return audio.meter(await audio.renderSession(session));
  });
  console.log(`16 busy tracks, one loop: ${show(busy)}`);
  expect(busy.nonFinite).toBe(0);
  expect(busy.overs).toBe(0);
  expect(busy.truePeakDb).toBeLessThanOrEqual(CEILING_DBTP);
  // Loud, not silent, and not a hard-clipped square wave (which reads about 3 dB of crest).
  expect(busy.lufs).toBeGreaterThan(-20);
  expect(busy.crestDb).toBeGreaterThan(6);

  // The WAV, from the Export menu: two bars, downloaded, then measured as a file.
  await page.getByRole('button', { name: 'Export', exact: true }).click();
  await page.getByRole('menuitem', { name: 'WAV audio…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export WAV' });
  await dialog.getByRole('spinbutton', { name: 'Length' }).fill('2');
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.wav$/);
  const bytes = await readFile((await download.path())!);
  // A 16-bit stereo PCM file at 44.1 kHz (the canonical 44-byte header the encoder writes).
  expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
  expect(bytes.toString('ascii', 8, 12)).toBe('WAVE');
  expect({
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    rate: bytes.readUInt32LE(24),
    bits: bytes.readUInt16LE(34),
  }).toEqual({ format: 1, channels: 2, rate: 44_100, bits: 16 });
  let peak = 0;
  for (let i = 44; i + 1 < bytes.length; i += 2) peak = Math.max(peak, Math.abs(bytes.readInt16LE(i)));
  // Two bars of 16 steps at the starter's 110 BPM.
  const seconds = (bytes.length - 44) / 4 / 44_100;
  expect(seconds).toBeCloseTo(2 * 16 * (60 / 110 / 4), 3);
  // Its true peak, measured by the same meter on the file decoded by the browser.
  await page.route('**/__musician-wav', (route) => route.fulfill({ body: bytes, contentType: 'audio/wav' }));
  const file = await page.evaluate(async () => {
    const decoded = await new OfflineAudioContext(2, 1, 44_100).decodeAudioData(await (await fetch('/__musician-wav')).arrayBuffer());
    return (window as unknown as Handles).__keyboardiaAudio.meter(decoded);
  });
  console.log(`exported WAV, ${seconds.toFixed(2)} s: sample peak ${peak} of 32767; ${show(file)}`);
  expect(peak / 32_768).toBeLessThanOrEqual(10 ** (CEILING_DBTP / 20));
  expect(peak / 32_768).toBeGreaterThan(0.3);
  expect(file.nonFinite).toBe(0);
  expect(file.overs).toBe(0);
  expect(file.truePeakDb).toBeLessThanOrEqual(CEILING_DBTP);
  await other.context().close();
});
