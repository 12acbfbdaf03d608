/**
 * Sound shaping per track (issue 13, model 4): filter, envelope, tune, drive and sends are
 * fields of the registry, edited in a track's detail panel, synced, undoable, reset by a
 * double-click, and heard the same live and offline — checked here by rendering sessions
 * offline in Chromium (the production build's renderSession: the same mixer and voices as
 * live playback) and measuring what each setting does to the sound.
 */
import { expect, type Page } from '@playwright/test';
import { emptySession, makeTrack, type Session, sessionWithTracks, type Track } from '../core/model';
import { test, newContextPage, newSession, openSession } from './helpers';

const RATE = 44_100;

test('filter, cutoff and decay: set, synced to another editor, undone, reset', async ({ page, browser }) => {
  const url = await newSession(page);
  const other = await newContextPage(browser);
  await Promise.all([openSession(page, url), openSession(other, url)]);
  for (const p of [page, other]) await p.getByRole('button', { name: /^Hi-hat: show/ }).click();

  const filter = page.getByRole('combobox', { name: 'Hi-hat filter' });
  await expect(filter).toHaveValue('off');
  await filter.selectOption('highpass');
  await expect(other.getByRole('combobox', { name: 'Hi-hat filter' })).toHaveValue('highpass');

  // The cutoff slider is logarithmic: its middle is the geometric middle of 20 Hz…20 kHz.
  await page.getByRole('slider', { name: 'Hi-hat cutoff' }).fill('500');
  await expect(other.getByRole('group', { name: 'Hi-hat sound' })).toContainText('632 Hz');

  // Decay follows the instrument until the track sets its own.
  const decay = page.getByRole('slider', { name: 'Hi-hat decay' });
  await expect(decay).toBeDisabled();
  await expect(page.getByRole('group', { name: 'Hi-hat sound' })).toContainText('natural');
  await page.getByRole('checkbox', { name: 'Hi-hat decay: own setting' }).check();
  await decay.fill('0.5');
  await expect(other.getByRole('slider', { name: 'Hi-hat decay' })).toHaveValue('0.5');

  // Undo, one gesture at a time, seen by the other editor.
  await page.keyboard.press('Control+z');
  await expect(other.getByRole('slider', { name: 'Hi-hat decay' })).toBeDisabled();
  await page.keyboard.press('Control+z');
  await expect(other.getByRole('combobox', { name: 'Hi-hat filter' })).toHaveValue('highpass');
  await expect(other.getByRole('group', { name: 'Hi-hat sound' })).toContainText('2.00 kHz');

  // Double-click resets to the declared default.
  await filter.dblclick();
  await expect(other.getByRole('combobox', { name: 'Hi-hat filter' })).toHaveValue('off');
  await other.context().close();
});

/** A session of one track hit on step 0 of a 16-step loop, with these fields set. */
function oneHit(instrument: string, fields: Partial<Track>, reverb = 0): Session {
  const made = makeTrack({ id: 't', name: 'T', instrument, on: [0] });
  made.row.velocities.fill(127);
  Object.assign(made.track, fields);
  const session = sessionWithTracks(emptySession(0), [made]);
  session.tempo = 120;
  session.effects = { reverb, delay: 0, delayFeedback: 0 };
  return session;
}

interface Measured {
  /** RMS of the left channel over each window (seconds from the render's start). */
  rms: number[];
  peak: number;
  finite: boolean;
  /** Rising zero crossings per second over the second window (the first if there is one). */
  frequency: number;
}

/** Render each session (16 steps = 2 s at 120 BPM) and measure RMS over the windows given. */
async function render(page: Page, sessions: Session[], windows: [number, number][]): Promise<Measured[]> {
  return page.evaluate(
    async ({ sessions, windows, rate }) => {
      const audio = (window as unknown as { __keyboardiaAudio: { renderSession: (s: unknown, o: unknown) => Promise<AudioBuffer> } })
        .__keyboardiaAudio;
      const out = [];
      for (const session of sessions) {
        const buffer = await audio.renderSession(session, { steps: 16, tailSeconds: 0.2, sampleRate: rate, channels: 1 });
        const x = buffer.getChannelData(0);
        let peak = 0;
        let finite = true;
        for (const v of x) {
          if (!Number.isFinite(v)) finite = false;
          peak = Math.max(peak, Math.abs(v));
        }
        const rms = windows.map(([a, b]) => {
          let sum = 0;
          const from = Math.round(a * rate);
          const to = Math.min(x.length, Math.round(b * rate));
          for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
          return Math.sqrt(sum / Math.max(1, to - from));
        });
        const [a, b] = windows[1] ?? windows[0]!;
        // Periods between the first and the last rising zero crossing, each placed between its two samples.
        const crossings: number[] = [];
        for (let i = Math.round(a * rate) + 1; i < Math.round(b * rate); i++)
          if (x[i - 1]! < 0 && x[i]! >= 0) crossings.push(i - 1 + x[i - 1]! / (x[i - 1]! - x[i]!));
        const span = (crossings.at(-1)! - crossings[0]!) / rate;
        out.push({ rms, peak, finite, frequency: crossings.length > 1 ? (crossings.length - 1) / span : 0 });
      }
      return out;
    },
    { sessions, windows, rate: RATE },
  );
}

test.describe('what each setting does to the sound (offline render in Chromium)', () => {
  test.beforeEach(async ({ page }) => {
    await openSession(page, await newSession(page));
    await page.waitForFunction(() => 'renderSession' in ((window as { __keyboardiaAudio?: object }).__keyboardiaAudio ?? {}));
  });

  test('a low-pass at 300 Hz takes the hi-hat away, a high-pass at 300 Hz keeps it; decay shortens a kick; attack fades an organ in', async ({
    page,
  }) => {
    const [hat, lowpassed, highpassed] = await render(
      page,
      [
        oneHit('808-hat', {}),
        oneHit('808-hat', { filter: 'lowpass', cutoff: 300, resonance: 0.7 }),
        oneHit('808-hat', { filter: 'highpass', cutoff: 300, resonance: 0.7 }),
      ],
      [[0, 0.1]],
    );
    console.log(
      `hat RMS: open ${hat!.rms[0]!.toFixed(4)}, low-pass 300 Hz ${lowpassed!.rms[0]!.toFixed(5)}, high-pass ${highpassed!.rms[0]!.toFixed(4)}`,
    );
    expect(lowpassed!.rms[0]!).toBeLessThan(hat!.rms[0]! * 0.1);
    expect(highpassed!.rms[0]!).toBeGreaterThan(hat!.rms[0]! * 0.7);

    // The 808 kick rings about 0.7 s; a 60 ms decay leaves nothing audible after 100 ms.
    const [kick, short] = await render(
      page,
      [oneHit('808-kick', {}), oneHit('808-kick', { decay: 0.06 })],
      [
        [0, 0.02],
        [0.1, 0.3],
      ],
    );
    console.log(`kick RMS 100–300 ms: natural ${kick!.rms[1]!.toFixed(4)}, decay 60 ms ${short!.rms[1]!.toFixed(6)}`);
    // The hit itself is kept: the envelope opens before it starts.
    expect(short!.peak).toBeGreaterThan(kick!.peak * 0.8);
    expect(short!.rms[1]!).toBeLessThan(kick!.rms[1]! * 0.01);

    // The organ starts at once; with a 300 ms attack its first 30 ms are far quieter, and it then arrives.
    const [organ, slow] = await render(
      page,
      [oneHit('organ', {}), oneHit('organ', { attack: 0.3 })],
      [
        [0, 0.03],
        [0.3, 0.45],
      ],
    );
    console.log(`organ RMS 0–30 ms: ${organ!.rms[0]!.toFixed(4)} vs attack 300 ms ${slow!.rms[0]!.toFixed(5)}`);
    expect(slow!.rms[0]!).toBeLessThan(organ!.rms[0]! * 0.15);
    expect(slow!.rms[1]!).toBeGreaterThan(organ!.rms[1]! * 0.6);
    for (const m of [hat, lowpassed, highpassed, kick, short, organ, slow]) expect(m!.finite).toBe(true);
  });

  test('tune moves the pitch by cents; drive thickens without clipping; the reverb send sets the tail', async ({ page }) => {
    // The sub bass at pitch 0 is C2 (65.41 Hz); +100 cents is C♯2 (69.30 Hz).
    const [sub, tuned] = await render(
      page,
      // It holds until just before the next note (4 steps at most, 0.475 s): count inside that.
      [oneHit('sub-bass', {}), oneHit('sub-bass', { tune: 100 })],
      [
        [0, 0.05],
        [0.05, 0.45],
      ],
    );
    console.log(`sub bass: ${sub!.frequency.toFixed(2)} Hz, tuned +100 ct ${tuned!.frequency.toFixed(2)} Hz`);
    expect(sub!.frequency).toBeCloseTo(65.41, 0);
    expect(tuned!.frequency).toBeCloseTo(69.3, 0);

    // Drive rounds the peaks and lifts what is under them: the crest factor (peak / RMS) falls.
    const [clean, driven] = await render(page, [oneHit('sub-bass', {}), oneHit('sub-bass', { drive: 1 })], [[0.05, 0.5]]);
    const crest = (m: Measured) => m.peak / m.rms[0]!;
    console.log(
      `sub bass crest factor: clean ${crest(clean!).toFixed(2)}, drive 1 ${crest(driven!).toFixed(2)}; peak ${driven!.peak.toFixed(3)}`,
    );
    expect(crest(driven!)).toBeLessThan(crest(clean!) * 0.9);
    expect(driven!.peak).toBeLessThanOrEqual(1);

    // A snare with the session reverb at 0.6: with its own send at 0, nothing rings after it; at 1, the tail does.
    const [dry, wet] = await render(
      page,
      [oneHit('808-snare', { reverbSend: 0 }, 0.6), oneHit('808-snare', { reverbSend: 1 }, 0.6)],
      [[0.6, 1.2]],
    );
    console.log(`snare tail 0.6–1.2 s: send 0 ${dry!.rms[0]!.toExponential(2)}, send 1 ${wet!.rms[0]!.toExponential(2)}`);
    expect(wet!.rms[0]!).toBeGreaterThan(0.0005);
    expect(dry!.rms[0]!).toBeLessThan(wet!.rms[0]! * 0.01);
  });
});
