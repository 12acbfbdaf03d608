/**
 * Keys, scales and chords in the editor: the session's key is picked in the transport and
 * synced; the pitch roll highlights its notes and, locked, offers only them; a new scale
 * or root moves the melodies as one undo step; a chord picked by name shows on the grid
 * and sounds as a chord (its notes' fundamentals in an offline render of the same mixer
 * live playback uses).
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { chordMask } from '../core/fields';
import { emptySession, makeTrack, sessionWithTracks } from '../core/model';
import { test, newContextPage, newSession, openSession, step } from './helpers';

/** What this spec reads of the page: the editor's store and the audio handle (app/audio/debugHandle.ts). */
interface Handles {
  __keyboardia: { store: { getState(): { session: { patterns: Record<string, { rows: Record<string, { chords: number[] }> }> } } } };
  __keyboardiaAudio: { renderSession(session: unknown, options?: unknown): Promise<AudioBuffer> };
}

/** The key's summary in the transport ("Key: C natural minor"): a press opens its controls. */
const keySummary = (page: Page) => page.locator('.key-control > summary');
const keyPanel = (page: Page) => page.getByRole('group', { name: 'Key', exact: true });
/** A note of the pitch roll: "<track> step <n> <note>". */
const note = (page: Page, track: string, n: number, name: string) => page.locator(`[aria-label="${track} step ${n} ${name}"]`);
const pressed = (locator: Locator) => expect(locator).toHaveAttribute('aria-pressed', 'true');

async function openKey(page: Page): Promise<void> {
  await keySummary(page).click();
  await expect(keyPanel(page)).toBeVisible();
}

async function closeKey(page: Page): Promise<void> {
  await keySummary(page).click();
  await expect(keyPanel(page)).toBeHidden();
}

test('a key picked in one editor shows in another; locked, the pitch roll offers only its notes', async ({ page, browser }) => {
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await Promise.all([openSession(page, url), openSession(other, url)]);
  // The starter's melodies are in C minor, and it says so.
  await expect(keySummary(other)).toHaveText('Key: C natural minor');

  await openKey(page);
  // Change the key without moving the notes.
  await keyPanel(page).getByRole('checkbox', { name: 'Move notes' }).uncheck();
  await keyPanel(page).getByRole('combobox', { name: 'Root' }).selectOption({ label: 'D' });
  await keyPanel(page).getByRole('combobox', { name: 'Scale' }).selectOption({ label: 'Dorian' });
  await expect(keySummary(other)).toHaveText('Key: D dorian');

  for (const p of [page, other]) await p.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  // Unmoved: the bass still plays C2 on step 1 and D♯2 on step 7.
  await pressed(note(other, 'Bass', 1, 'C2'));
  await pressed(note(other, 'Bass', 7, 'D♯2'));
  // Unlocked, every note is offered; the roll marks those out of the key, and the tonic.
  await expect(note(other, 'Bass', 2, 'C♯2')).toBeVisible();
  await expect(other.getByRole('rowheader', { name: 'C♯2 (out of key)' })).toBeVisible();
  await expect(other.getByRole('rowheader', { name: 'D2 (tonic)' })).toBeVisible();
  await expect(other.getByRole('rowheader', { name: 'E2', exact: true })).toBeVisible();

  await keyPanel(page).getByRole('checkbox', { name: 'Lock to scale' }).check();
  await expect(keySummary(other)).toHaveText('Key: D dorian (locked)');
  for (const p of [page, other]) {
    // Out of D dorian and played by no step: not offered.
    await expect(note(p, 'Bass', 2, 'C♯2')).toHaveCount(0);
    await expect(note(p, 'Bass', 2, 'G♯2')).toHaveCount(0);
    await expect(note(p, 'Bass', 2, 'D2')).toBeVisible();
    await expect(note(p, 'Bass', 2, 'B2')).toBeVisible();
    // Out of the key but played (step 7): kept, so that the note can be seen and moved.
    await pressed(note(p, 'Bass', 7, 'D♯2'));
  }
  // A silent step's tab stop is on an offered note: keyboard users reach the roll.
  await expect(note(other, 'Bass', 2, 'C2')).toHaveAttribute('tabindex', '0');
  await other.context().close();
});

test('a new scale or root moves the melody, as one undo step', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  // The starter's bass in C minor: C2 on steps 1 and 4, E♭ (D♯2) on 7, B♭1 on 9 and 11, F2 on 15.
  await pressed(note(page, 'Bass', 7, 'D♯2'));
  await pressed(note(page, 'Bass', 9, 'A♯1'));

  await openKey(page);
  await keyPanel(page).getByRole('combobox', { name: 'Scale' }).selectOption({ label: 'Major' });
  await expect(keySummary(page)).toHaveText('Key: C major');
  // By degree: the minor third becomes the major third, the minor seventh the major seventh.
  await pressed(note(page, 'Bass', 7, 'E2'));
  await pressed(note(page, 'Bass', 9, 'B1'));
  await pressed(note(page, 'Bass', 11, 'B1'));
  await pressed(note(page, 'Bass', 1, 'C2'));
  await pressed(note(page, 'Bass', 15, 'F2'));
  await closeKey(page);
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(keySummary(page)).toHaveText('Key: C natural minor');
  await pressed(note(page, 'Bass', 7, 'D♯2'));
  await pressed(note(page, 'Bass', 9, 'A♯1'));
  await pressed(note(page, 'Bass', 11, 'A♯1'));

  // A new root transposes by the shortest move: C → D is up two semitones.
  await openKey(page);
  await keyPanel(page).getByRole('combobox', { name: 'Root' }).selectOption({ label: 'D' });
  await expect(keySummary(page)).toHaveText('Key: D natural minor');
  await pressed(note(page, 'Bass', 1, 'D2'));
  await pressed(note(page, 'Bass', 7, 'F2'));
  await pressed(note(page, 'Bass', 15, 'G2'));
  // Escape closes the key's panel, back to its summary.
  await keyPanel(page).getByRole('combobox', { name: 'Root' }).focus();
  await page.keyboard.press('Escape');
  await expect(keyPanel(page)).toBeHidden();
  await expect(keySummary(page)).toBeFocused();
  await page.keyboard.press('Control+z');
  await expect(keySummary(page)).toHaveText('Key: C natural minor');
  await pressed(note(page, 'Bass', 1, 'C2'));
  await pressed(note(page, 'Bass', 7, 'D♯2'));
});

test('a chord picked by name or by notes shows on the grid, and sounds as a chord', async ({ page }) => {
  await openSession(page, await newSession(page));
  await page.getByRole('button', { name: 'Bass: show velocity and pitch' }).click();
  await page.getByRole('button', { name: 'Bass step 1 chord: single note' }).click();
  const editor = page.getByRole('group', { name: 'Bass step 1 chord' });
  await editor.getByRole('combobox', { name: 'Chord on C2' }).selectOption({ label: 'Cm — Minor' });
  // The grid's step names its chord (shown in the cell, and its description).
  await expect(step(page, 'Bass', 1)).toHaveAccessibleDescription('Cm');
  await expect(page.getByRole('button', { name: 'Bass step 1 chord: Cm' })).toBeVisible();
  const minor = await page.evaluate(
    () => (window as unknown as Handles).__keyboardia.store.getState().session.patterns.A!.rows.bass!.chords[0]!,
  );
  expect(minor).toBe(chordMask([3, 7]));
  // The roll shows the chord's other notes beside the step's own.
  await expect(note(page, 'Bass', 1, 'D♯2')).toHaveClass(/chord-note/);
  await expect(note(page, 'Bass', 1, 'G2')).toHaveClass(/chord-note/);

  // Picking a fourth note by hand: a minor seventh; then every other note is full up.
  await editor.getByRole('button', { name: 'A♯2', exact: true }).click();
  await expect(step(page, 'Bass', 1)).toHaveAccessibleDescription('Cm7');
  await expect(editor.getByRole('combobox', { name: 'Chord on C2' })).toHaveValue(/shape:/);
  await expect(editor.getByRole('button', { name: 'D3', exact: true })).toBeDisabled();
  // The key's triad on the step (C minor's i): back to Cm.
  await editor.getByRole('combobox', { name: 'Chord on C2' }).selectOption({ label: "Key's triad (Cm)" });
  await expect(step(page, 'Bass', 1)).toHaveAccessibleDescription('Cm');

  // Rendered through the same mixer as live playback: a chord sounds its notes' fundamentals;
  // a single note, only its own. A pad (polyphonic) and a lead that used to be monophonic.
  const C4 = 261.63;
  const Eb4 = 311.13;
  const G4 = 392.0;
  const sessions = ['warm-pad', 'square-lead'].flatMap((instrument) =>
    [minor, 0].map((chord) => {
      const made = makeTrack({ id: 't', name: instrument, instrument, on: [0] });
      made.row.chords[0] = chord;
      const session = { ...sessionWithTracks(emptySession(0, `${instrument} ${chord ? 'chord' : 'note'}`), [made]), tempo: 120 };
      session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
      return session;
    }),
  );
  const powers = await page.evaluate(
    async ({ sessions, frequencies }) => {
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
      const out: Record<string, number[]> = {};
      for (const session of sessions) {
        const buffer = await (window as unknown as Handles).__keyboardiaAudio.renderSession(session, {
          steps: 16,
          tailSeconds: 0.2,
          channels: 1,
        });
        // The sustained part of each note: the pad after its attack, the lead within its gate.
        const [from, to] = session.name.startsWith('warm-pad') ? [0.5, 1.5] : [0.05, 0.4];
        out[session.name] = frequencies.map((f) => power(buffer.getChannelData(0), buffer.sampleRate, f, from, to));
      }
      return out;
    },
    { sessions, frequencies: [C4, Eb4, G4] },
  );
  console.log(
    Object.entries(powers)
      .map(([name, p]) => `${name}: ${p.map((x) => (10 * Math.log10(x)).toFixed(1)).join(' / ')} dB at C4 / E♭4 / G4`)
      .join('; '),
  );
  for (const instrument of ['warm-pad', 'square-lead']) {
    const [cC, cEb, cG] = powers[`${instrument} chord`]!;
    const [nC, nEb, nG] = powers[`${instrument} note`]!;
    // The chord: all three fundamentals, within 12 dB of each other.
    for (const p of [cEb!, cG!]) expect(p, `${instrument} chord: a chord tone against the root`).toBeGreaterThan(cC! / 16);
    // The single note: the root is there, the others are not (20 dB and more below it)…
    expect(nC, `${instrument} note: root`).toBeGreaterThan(cC! / 4);
    for (const p of [nEb!, nG!]) expect(p, `${instrument} note: no chord tones`).toBeLessThan(nC! / 100);
    // …and the chord puts them there.
    expect(cEb!, `${instrument}: E♭4 chord against note`).toBeGreaterThan(nEb! * 100);
    expect(cG!, `${instrument}: G4 chord against note`).toBeGreaterThan(nG! * 100);
  }
});
