/**
 * Sound, in the real browser against the production build: Play makes the live
 * audio context output sound, every track of the starter groove and every
 * instrument of the catalogue renders audibly (and without clipping), samples load
 * only when used, and editing while playing never rebuilds a voice.
 */
import { expect, test, type Page } from '@playwright/test';
import { INSTRUMENTS } from '../core/instruments';
import { emptySession, makeTrack, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';

interface AudioHandle {
  renderSession(session: unknown, options?: unknown): Promise<AudioBuffer>;
  instrumentStatus(id: string): string;
  voiceStats: { created: number };
  liveLevel(ms?: number): Promise<number>;
}
interface Runtime {
  store: { getState(): { session: { tracks: { id: string; name: string; instrument: string }[] } | null; pendingCount: number } };
  engine: { isPlaying: boolean; scheduled: unknown[]; render(options?: unknown): Promise<AudioBuffer>; preview(id: string): Promise<void> };
  sync: { mutate(mutation: unknown): boolean };
}
declare global {
  interface Window {
    __keyboardiaAudio: AudioHandle;
    __keyboardia: Runtime;
  }
}

async function openStarter(page: Page): Promise<void> {
  await openSession(page, await newSession(page, 'starter'));
  await page.waitForFunction(() => !!window.__keyboardiaAudio && !!window.__keyboardia?.store.getState().session);
}

async function pressPlay(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => window.__keyboardia.engine.isPlaying && window.__keyboardia.engine.scheduled.length > 4);
}

test('pressing Play makes sound: the live output is not silent, and every starter track renders audibly', async ({ page }) => {
  await openStarter(page);
  await pressPlay(page);
  // Read the meter at the output in short windows until one carries sound (a busy machine
  // may starve a single long window of readings); silent throughout, the poll times out.
  await expect
    .poll(() => page.evaluate(() => window.__keyboardiaAudio.liveLevel(250)), { message: 'peak level at the live output while playing' })
    .toBeGreaterThan(0.01);

  const levels = await page.evaluate(async () => {
    const { store, engine } = window.__keyboardia;
    const rms = (buffer: AudioBuffer) => {
      let sum = 0;
      let peak = 0;
      for (let c = 0; c < buffer.numberOfChannels; c++)
        for (const x of buffer.getChannelData(c)) {
          sum += x * x;
          peak = Math.max(peak, Math.abs(x));
        }
      return { rms: Math.sqrt(sum / (buffer.length * buffer.numberOfChannels)), peak };
    };
    const out: Record<string, { rms: number; peak: number }> = { mix: rms(await engine.render({ loops: 1, tailSeconds: 0.5 })) };
    for (const track of store.getState().session!.tracks) {
      out[track.name] = rms(await engine.render({ loops: 1, tailSeconds: 0.5, audible: new Set([track.id]) }));
    }
    return out;
  });
  console.log(
    Object.entries(levels)
      .map(([k, v]) => `${k}: rms ${(20 * Math.log10(v.rms)).toFixed(1)} dB, peak ${v.peak.toFixed(2)}`)
      .join('; '),
  );
  expect(Object.keys(levels).length).toBeGreaterThan(2);
  for (const [name, { rms, peak }] of Object.entries(levels)) {
    expect.soft(rms, `${name} RMS`).toBeGreaterThan(0.003);
    expect.soft(peak, `${name} peak`).toBeLessThan(1);
  }
});

test('every instrument in the catalogue sounds, without clipping', async ({ page }) => {
  await openStarter(page);
  const sessions = INSTRUMENTS.map((info) => {
    const made = makeTrack({ id: 't', name: info.name, instrument: info.id, on: [0, 4, 8, 12] });
    for (const [k, pitch] of [0, 7, -5, 12].entries()) made.row.pitches[k * 4] = pitch;
    const session = sessionWithTracks(emptySession(0, info.id), [made]);
    session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
    return session;
  });
  const levels = await page.evaluate(async (sessions) => {
    const out: { id: string; rms: number; peak: number }[] = [];
    for (const session of sessions) {
      const buffer = await window.__keyboardiaAudio.renderSession(session, { steps: 16, tailSeconds: 0.5 });
      let sum = 0;
      let peak = 0;
      for (const x of buffer.getChannelData(0)) {
        sum += x * x;
        peak = Math.max(peak, Math.abs(x));
      }
      out.push({ id: session.name, rms: Math.sqrt(sum / buffer.length), peak });
    }
    return out;
  }, sessions);
  console.log(levels.map((l) => `${l.id} ${(20 * Math.log10(l.rms)).toFixed(1)} dB`).join(', '));
  expect(levels).toHaveLength(INSTRUMENTS.length);
  for (const { id, rms, peak } of levels) {
    expect.soft(rms, `${id} RMS`).toBeGreaterThan(0.002);
    expect.soft(peak, `${id} peak`).toBeLessThan(0.9);
  }
});

test("a closed hat chokes its kit's open hat on another track (choke group), and only that", async ({ page }) => {
  await openStarter(page);
  // 120 BPM: a step is 125 ms. The open hat rings from step 1; the closed hat (another track) hits on step 5 (0.5 s).
  const open = makeTrack({ id: 'open', name: 'Open hat', instrument: 'studio-open-hat', on: [0] });
  const closed = makeTrack({ id: 'closed', name: 'Hat', instrument: 'studio-hat', on: [4] });
  const kick = makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [4] });
  const session = { ...sessionWithTracks(emptySession(0, 'Choke'), [open, closed]), tempo: 120 };
  session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  const withKick = { ...sessionWithTracks(emptySession(0, 'No choke'), [open, kick]), tempo: 120 };
  withKick.effects = session.effects;
  const rms = await page.evaluate(
    async ({ session, withKick }) => {
      // RMS over 0.62–0.85 s: after the closed hat's own short hit, while an open hat still rings.
      const tail = async (s: unknown, audible: string[]) => {
        const buffer = await window.__keyboardiaAudio.renderSession(s, { steps: 16, tailSeconds: 0.5, audible: new Set(audible) });
        const data = buffer.getChannelData(0);
        const [from, to] = [Math.round(0.62 * buffer.sampleRate), Math.round(0.85 * buffer.sampleRate)];
        let sum = 0;
        for (let i = from; i < to; i++) sum += data[i]! * data[i]!;
        return Math.sqrt(sum / (to - from));
      };
      return {
        alone: await tail(session, ['open']),
        choked: await tail(session, ['open', 'closed']),
        closedAlone: await tail(session, ['closed']),
        // Another kit piece on step 5 does not choke it.
        withKick: await tail(withKick, ['open', 'kick']),
      };
    },
    { session, withKick },
  );
  console.log(
    `tail RMS: open hat alone ${rms.alone.toFixed(4)}, closed hat alone ${rms.closedAlone.toFixed(4)}, both ${rms.choked.toFixed(4)}, open hat and a kick ${rms.withKick.toFixed(4)}`,
  );
  expect(rms.alone, 'the open hat rings past 0.62 s on its own').toBeGreaterThan(0.002);
  expect(rms.alone, 'far louder there than the closed hat').toBeGreaterThan(rms.closedAlone * 3);
  // Choked: what is left is the closed hat's own sound (a little of the open hat's 4 ms fade at most).
  expect(rms.choked, 'the closed hat cut the open hat').toBeLessThan(rms.closedAlone * 1.25);
  expect(rms.withKick, 'a kick does not cut it').toBeGreaterThan(rms.alone / 2);
});

test('samples load per instrument, only when used: the starter loads its kit, a preview loads the piano', async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/samples/')) fetched.push(path);
  });
  await openStarter(page);
  // Each instrument's samples decode on their own: the kick being ready says nothing of the others.
  await page.waitForFunction(() =>
    ['studio-kick', 'studio-snare', 'studio-hat', 'synth-bass'].every((id) => window.__keyboardiaAudio.instrumentStatus(id) === 'ready'),
  );
  expect(
    await page.evaluate(() => ['studio-snare', 'studio-hat', 'synth-bass'].map((id) => window.__keyboardiaAudio.instrumentStatus(id))),
  ).toEqual(['ready', 'ready', 'ready']);
  expect(fetched.filter((p) => p.startsWith('/samples/piano/') || p.startsWith('/samples/electro/'))).toEqual([]);
  expect(await page.evaluate(() => window.__keyboardiaAudio.instrumentStatus('piano'))).toBe('idle');

  await page.evaluate(() => void window.__keyboardia.engine.preview('piano'));
  await page.waitForFunction(() => window.__keyboardiaAudio.instrumentStatus('piano') === 'ready');
  expect(fetched.filter((p) => p.startsWith('/samples/piano/')).length).toBeGreaterThanOrEqual(5);
  expect(fetched.filter((p) => p.startsWith('/samples/electro/'))).toEqual([]);
});

/** The last global step the engine has scheduled (the list itself is capped, so its length stops growing). */
const lastScheduledStep = (page: Page) =>
  page.evaluate(() => (window.__keyboardia.engine.scheduled.at(-1) as { globalStep: number } | undefined)?.globalStep ?? -1);

/**
 * Make an edit through the sync client, then wait until the server has acknowledged it
 * (its echo is applied: nothing pending) and the engine has scheduled a step since.
 * Voices are created synchronously when the store changes, so after this every
 * rebuild the edit could cause, optimistic or on its echo, has happened.
 */
async function editAndWait(page: Page, mutation: unknown): Promise<void> {
  const stepBefore = await lastScheduledStep(page);
  expect(await page.evaluate((m) => window.__keyboardia.sync.mutate(m), mutation), `${JSON.stringify(mutation)} accepted`).toBe(true);
  await expect.poll(() => page.evaluate(() => window.__keyboardia.store.getState().pendingCount)).toBe(0);
  await expect.poll(() => lastScheduledStep(page)).toBeGreaterThan(stepBefore);
}

test('editing while playing never rebuilds a voice; changing the instrument replaces just that one', async ({ page }) => {
  await openStarter(page);
  await pressPlay(page);
  const { kick, bass } = await page.evaluate(() => {
    const [kick, , , bass] = window.__keyboardia.store.getState().session!.tracks;
    return { kick: kick!.id, bass: bass!.id };
  });
  const voicesCreated = () => page.evaluate(() => window.__keyboardiaAudio.voiceStats.created);
  const before = await voicesCreated();
  const stepBefore = await lastScheduledStep(page);
  const edits = [
    { type: 'set_step', trackId: kick, pattern: 'A', step: 2, on: true },
    { type: 'set_velocity', trackId: kick, pattern: 'A', step: 0, velocity: 60 },
    { type: 'set_pitch', trackId: bass, pattern: 'A', step: 0, pitch: 5 },
    { type: 'set_volume', trackId: kick, volume: 0.5 },
    { type: 'set_pan', trackId: kick, pan: -0.5 },
    { type: 'set_length', trackId: kick, pattern: 'A', length: 12 },
    { type: 'set_effect', param: 'reverb', value: 0.4 },
    { type: 'set_effect', param: 'delay', value: 0.3 },
    { type: 'set_swing', swing: 40 },
  ];
  for (const edit of edits) await editAndWait(page, edit);
  expect(await voicesCreated(), 'voices created by edits').toBe(before);
  expect(await lastScheduledStep(page), 'steps kept being scheduled while editing').toBeGreaterThan(stepBefore);

  await editAndWait(page, { type: 'set_instrument', trackId: kick, instrument: '808-kick' });
  expect(await voicesCreated(), 'voices created by one instrument change').toBe(before + 1);
  expect(await page.evaluate(() => window.__keyboardia.engine.isPlaying)).toBe(true);
});

test('a sample that fails to load shows as an error and leaves playback going', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.route('**/samples/electro/**', (route) => route.fulfill({ status: 404, body: 'missing' }));
  await openStarter(page);
  await pressPlay(page);
  await page.evaluate(() => {
    const { store, sync } = window.__keyboardia;
    const kick = store.getState().session!.tracks[0]!;
    sync.mutate({ type: 'set_instrument', trackId: kick.id, instrument: 'electro-kick' });
  });
  await expect.poll(() => page.evaluate(() => window.__keyboardiaAudio.instrumentStatus('electro-kick'))).toBe('error');
  // Playback goes on after the error: several more steps are scheduled.
  const stepAtError = await lastScheduledStep(page);
  await expect.poll(() => lastScheduledStep(page), 'steps scheduled after the error').toBeGreaterThanOrEqual(stepAtError + 4);
  expect(await page.evaluate(() => window.__keyboardia.engine.isPlaying)).toBe(true);
  expect(errors).toEqual([]);
});
