/**
 * Sound, in the real browser against the production build: Play makes the live
 * audio context output sound, every track of the starter groove and every
 * instrument of the catalogue renders audibly (and without clipping), samples load
 * only when used, and editing while playing never rebuilds a voice.
 */
import { expect, test, type Page } from '@playwright/test';
import { INSTRUMENTS } from '../core/instruments';
import { emptySession, makeTrack } from '../core/model';
import { newSession, openSession } from './helpers';

interface AudioHandle {
  renderSession(session: unknown, options?: unknown): Promise<AudioBuffer>;
  instrumentStatus(id: string): string;
  voiceStats: { created: number };
  liveLevel(ms?: number): Promise<number>;
}
interface Runtime {
  store: { getState(): { session: { tracks: { id: string; name: string; instrument: string }[] } | null } };
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
  const live = await page.evaluate(() => window.__keyboardiaAudio.liveLevel(1500));
  expect(live, 'peak level at the live output while playing').toBeGreaterThan(0.01);

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
  console.log(Object.entries(levels).map(([k, v]) => `${k}: rms ${(20 * Math.log10(v.rms)).toFixed(1)} dB, peak ${v.peak.toFixed(2)}`).join('; '));
  expect(Object.keys(levels).length).toBeGreaterThan(2);
  for (const [name, { rms, peak }] of Object.entries(levels)) {
    expect.soft(rms, `${name} RMS`).toBeGreaterThan(0.003);
    expect.soft(peak, `${name} peak`).toBeLessThan(1);
  }
});

test('every instrument in the catalogue sounds, without clipping', async ({ page }) => {
  await openStarter(page);
  const sessions = INSTRUMENTS.map((info) => {
    const session = emptySession(0, info.id);
    session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
    const track = makeTrack({ id: 't', name: info.name, instrument: info.id, on: [0, 4, 8, 12] });
    [0, 7, -5, 12].forEach((pitch, k) => (track.pitches[k * 4] = pitch));
    session.tracks = [track];
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

test('samples load per instrument, only when used: the starter loads its kit, a preview loads the piano', async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/samples/')) fetched.push(path);
  });
  await openStarter(page);
  await page.waitForFunction(() => window.__keyboardiaAudio.instrumentStatus('studio-kick') === 'ready');
  expect(await page.evaluate(() => ['studio-snare', 'studio-hat', 'synth-bass'].map((id) => window.__keyboardiaAudio.instrumentStatus(id)))).toEqual([
    'ready',
    'ready',
    'ready',
  ]);
  expect(fetched.filter((p) => p.startsWith('/samples/piano/') || p.startsWith('/samples/electro/'))).toEqual([]);
  expect(await page.evaluate(() => window.__keyboardiaAudio.instrumentStatus('piano'))).toBe('idle');

  await page.evaluate(() => void window.__keyboardia.engine.preview('piano'));
  await page.waitForFunction(() => window.__keyboardiaAudio.instrumentStatus('piano') === 'ready');
  expect(fetched.filter((p) => p.startsWith('/samples/piano/')).length).toBeGreaterThanOrEqual(5);
  expect(fetched.filter((p) => p.startsWith('/samples/electro/'))).toEqual([]);
});

test('editing while playing never rebuilds a voice; changing the instrument replaces just that one', async ({ page }) => {
  await openStarter(page);
  await pressPlay(page);
  const result = await page.evaluate(async () => {
    const { store, sync, engine } = window.__keyboardia;
    const stats = window.__keyboardiaAudio.voiceStats;
    const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));
    const tracks = store.getState().session!.tracks;
    const [kick, , , bass] = tracks;
    const before = stats.created;
    const stepsBefore = engine.scheduled.length;
    const edits = [
      { type: 'set_step', trackId: kick!.id, step: 2, on: true },
      { type: 'set_velocity', trackId: kick!.id, step: 0, velocity: 60 },
      { type: 'set_pitch', trackId: bass!.id, step: 0, pitch: 5 },
      { type: 'set_volume', trackId: kick!.id, volume: 0.5 },
      { type: 'set_pan', trackId: kick!.id, pan: -0.5 },
      { type: 'set_length', trackId: kick!.id, length: 12 },
      { type: 'set_effect', param: 'reverb', value: 0.4 },
      { type: 'set_effect', param: 'delay', value: 0.3 },
      { type: 'set_swing', swing: 40 },
    ];
    for (const edit of edits) {
      sync.mutate(edit);
      await wait(60);
    }
    await wait(500);
    const afterEdits = stats.created;
    const stepsAfter = engine.scheduled.length;
    sync.mutate({ type: 'set_instrument', trackId: kick!.id, instrument: '808-kick' });
    await wait(300);
    return { before, afterEdits, afterInstrument: stats.created, stepsBefore, stepsAfter, playing: engine.isPlaying };
  });
  expect(result.afterEdits, 'voices created by edits').toBe(result.before);
  expect(result.afterInstrument, 'voices created by one instrument change').toBe(result.before + 1);
  expect(result.playing).toBe(true);
  expect(result.stepsAfter, 'steps kept being scheduled while editing').toBeGreaterThan(result.stepsBefore);
});

test('a sample that fails to load shows as an error and leaves playback going', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.route('**/samples/electro/**', (route) => route.fulfill({ status: 404, body: 'missing' }));
  await openStarter(page);
  await pressPlay(page);
  const result = await page.evaluate(async () => {
    const { store, sync, engine } = window.__keyboardia;
    const kick = store.getState().session!.tracks[0]!;
    sync.mutate({ type: 'set_instrument', trackId: kick.id, instrument: 'electro-kick' });
    const deadline = performance.now() + 5000;
    while (window.__keyboardiaAudio.instrumentStatus('electro-kick') !== 'error' && performance.now() < deadline) {
      await new Promise((done) => setTimeout(done, 50));
    }
    const steps = engine.scheduled.length;
    await new Promise((done) => setTimeout(done, 600));
    return { status: window.__keyboardiaAudio.instrumentStatus('electro-kick'), playing: engine.isPlaying, advanced: engine.scheduled.length > steps };
  });
  expect(result).toEqual({ status: 'error', playing: true, advanced: true });
  expect(errors).toEqual([]);
});
