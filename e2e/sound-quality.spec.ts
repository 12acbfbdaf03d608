/**
 * Sound quality of every instrument, measured in the real browser (production build):
 * each instrument of the catalogue is rendered alone, offline (the same mixer and voices
 * as live playback, reverb and delay at 0, default track volume), across its range
 * (drums at several velocities, melodic instruments from LIMITS.minPitch to maxPitch
 * with short and long gates), and the render must have
 * - no NaN or Infinity;
 * - no DC offset;
 * - no clicks (a sample-to-sample step that stands out from the signal's own slope);
 * - a level within a few dB of its family's at the default volume;
 * and sampled melodic notes repitched into the top octave must not alias.
 *
 * The catalogue is iterated, not listed: a new instrument is tested as soon as it exists.
 * The analysis runs in the page (a render is hundreds of thousands of samples), in
 * `pageQuality` below, which is serialised whole into the page by Playwright (so it
 * holds its helpers inside and uses nothing from outside).
 */
import { expect, type Page, test } from '@playwright/test';
import { INSTRUMENT_CATEGORIES, INSTRUMENTS, type InstrumentInfo } from '../core/instruments';
import { LIMITS } from '../core/limits';
import { emptySession, makeTrack, type Session, sessionWithTracks } from '../core/model';
import { newSession, openSession } from './helpers';

const SAMPLE_RATE = 44_100;
const TEMPO = 120;
const STEP_SECONDS = 60 / TEMPO / 4;
/** Steps in the test pattern (4 s at 120 BPM). */
const STEPS = 32;
/** Seconds rendered after the last step: the longest release (pads, 2 s) rings out, then silence. */
const TAIL_SECONDS = 3;

/**
 * Thresholds, and why:
 * - CLICK_RATIO: the instruments' own worst is about 3 (noise and plucks); a 220 Hz sine
 *   cut dead reads 32, a step from silence thousands. 6 flags any step out of silence and
 *   any cut of a note ringing below about 1.2 kHz (fs / 2π / 6), twice the worst honest ratio.
 * - DC_MEAN: 0.002 (−54 dBFS) over the render, sox's DC offset: a kick's one-sided first
 *   swing leaves up to 0.0006, a steady offset (1:1 FM, an asymmetric shaper) far more.
 *   TAIL_MEAN: after everything has rung out the output must be back at 0 (−80 dBFS).
 * - LEVEL_BAND_DB: within ±3 dB of the family's median, so any two instruments of a family
 *   are within 6 dB at the default volume. Drums by their peak (one-shots are balanced by
 *   peak, as sample packs are; a 400 ms loudness window would rank a hat by its length),
 *   melodic instruments by momentary loudness (BS.1770's K-weighting and 400 ms window,
 *   the measure a mastering meter shows, without its absolute offset).
 * - HIGH_BAND_DB: a repitched sample aliases first into the band just below Nyquist (what
 *   lay just under it is folded back there), so energy above 16 kHz is the tell. A probe
 *   with a tenth of its amplitude near Nyquist, repitched 4 semitones, reads −17 dB; the
 *   piano's top octave reads −74 dB at worst. −40 dB (1 % of the amplitude) sits between.
 */
const CLICK_RATIO = 6;
const DC_MEAN = 0.002;
const TAIL_MEAN = 1e-4;
const LEVEL_BAND_DB = 3;
const HIGH_BAND_DB = -40;

/** A note of the test pattern: step, velocity (0…127), pitch (melodic only). */
interface Note {
  step: number;
  velocity: number;
  pitch: number;
}

const mid = Math.round((LIMITS.minPitch + LIMITS.maxPitch) / 2);
const low = LIMITS.minPitch;
const high = LIMITS.maxPitch;
const lowMid = Math.round((low + mid) / 2);
const highMid = Math.round((mid + high) / 2);

/**
 * The first note (step 0, velocity 100, the middle of the range) is alone for a second:
 * the level is measured on it. After it, the range in both directions, with gates
 * (steps to the next note) of 1, 2, 3, 4 and 7 steps, and fast repeats.
 */
const MELODIC_NOTES: Note[] = [
  { step: 0, velocity: 100, pitch: mid },
  { step: 8, velocity: 100, pitch: low },
  { step: 12, velocity: 100, pitch: lowMid },
  { step: 14, velocity: 127, pitch: highMid },
  { step: 15, velocity: 100, pitch: high },
  { step: 18, velocity: 64, pitch: low },
  { step: 19, velocity: 100, pitch: lowMid },
  { step: 23, velocity: 127, pitch: high },
  { step: 25, velocity: 100, pitch: highMid },
];
/** Drums: a lone hit at velocity 100 (the level), then 127, 64, 20, and fast repeats at full velocity. */
const DRUM_NOTES: Note[] = [
  { step: 0, velocity: 100, pitch: 0 },
  { step: 8, velocity: 127, pitch: 0 },
  { step: 16, velocity: 64, pitch: 0 },
  { step: 20, velocity: 20, pitch: 0 },
  { step: 24, velocity: 127, pitch: 0 },
  { step: 25, velocity: 127, pitch: 0 },
  { step: 26, velocity: 100, pitch: 0 },
];
/** The level is measured over the first note's second, before the next note. */
const LEVEL_WINDOW: [number, number] = [0, 8 * STEP_SECONDS];

function soloSession(instrument: string, notes: Note[], length = STEPS): Session {
  const made = makeTrack({ id: 't', name: 'T', instrument, length, on: notes.map((n) => n.step) });
  for (const n of notes) {
    made.row.velocities[n.step] = n.velocity;
    made.row.pitches[n.step] = n.pitch;
  }
  const session = sessionWithTracks(emptySession(0, instrument), [made]);
  session.tempo = TEMPO;
  session.swing = 0;
  session.effects = { reverb: 0, delay: 0, delayFeedback: 0 };
  return session;
}

type Job =
  | { kind: 'session'; label: string; instrument: string; session: Session; steps: number; tail: number; notes?: number[] }
  | { kind: 'synthetic'; label: string; shape: Shape };
type Shape = 'cut-sine' | 'faded-sine' | 'kick' | 'noise-burst' | 'aliased' | 'clean';

interface Stats {
  label: string;
  /** NaN or ±Infinity samples. */
  nonFinite: number;
  peak: number;
  /** Mean of the whole render (sox's "DC offset"). */
  mean: number;
  /** Mean of the render's last 200 ms, after everything has rung out: an offset left behind. */
  tailMean: number;
  /** Largest |x[n] − x[n−1]| over the signal's local slope (see `clickRatio`; exact above 3), and where. */
  click: number;
  clickAt: number;
  clickStep: number;
  /** Level measures over LEVEL_WINDOW, in dBFS. */
  peakDb: number;
  rmsDb: number;
  /** Momentary loudness: the loudest 400 ms of the K-weighted signal (BS.1770's filter and window), dB. */
  loudDb: number;
  /** Per note window (kind 'session' with `notes`): energy above 16 kHz relative to the note's, dB. */
  highBandDb: number[];
}

/** Runs in the page: render (or synthesise) each job and measure it. Self-contained. */
async function pageQuality({ jobs, sampleRate, levelWindow }: { jobs: Job[]; sampleRate: number; levelWindow: [number, number] }) {
  interface Handle {
    renderSession(session: unknown, options: unknown): Promise<AudioBuffer>;
    loadInstrument(id: string): Promise<void>;
    instrumentStatus(id: string): string;
  }
  const audio = (window as unknown as { __keyboardiaAudio: Handle }).__keyboardiaAudio;

  /** RBJ cookbook biquad, run in place over a copy. */
  function biquad(x: Float32Array, type: 'highpass' | 'highshelf', f0: number, q: number, gainDb = 0): Float32Array {
    const w0 = (2 * Math.PI * f0) / sampleRate;
    const cos = Math.cos(w0);
    const alpha = Math.sin(w0) / (2 * q);
    let b0: number;
    let b1: number;
    let b2: number;
    let a0: number;
    let a1: number;
    let a2: number;
    if (type === 'highpass') {
      b0 = (1 + cos) / 2;
      b1 = -(1 + cos);
      b2 = (1 + cos) / 2;
      a0 = 1 + alpha;
      a1 = -2 * cos;
      a2 = 1 - alpha;
    } else {
      const A = 10 ** (gainDb / 40);
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 + (A - 1) * cos + s);
      b1 = -2 * A * (A - 1 + (A + 1) * cos);
      b2 = A * (A + 1 + (A - 1) * cos - s);
      a0 = A + 1 - (A - 1) * cos + s;
      a1 = 2 * (A - 1 - (A + 1) * cos);
      a2 = A + 1 - (A - 1) * cos - s;
    }
    const y = new Float32Array(x.length);
    let x1 = 0;
    let x2 = 0;
    let y1 = 0;
    let y2 = 0;
    for (let n = 0; n < x.length; n++) {
      const v = (b0 * x[n]! + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2) / a0;
      x2 = x1;
      x1 = x[n]!;
      y2 = y1;
      y1 = v;
      y[n] = v;
    }
    return y;
  }
  const db = (v: number) => (v > 0 ? 20 * Math.log10(v) : -Infinity);

  /**
   * A click: a step between two samples far larger than the signal's own steps around it.
   * With d[n] = x[n] − x[n−1], the ratio at n is |d[n]| over the larger of two references
   * (leaving out n and its two neighbours each side, where a band-limited edge spreads):
   * - the RMS of d over ±1 ms. A smooth signal (a sine below a few kHz, a kick's sweep, an
   *   attack of a millisecond or more) has d varying slowly, so the ratio stays near 1, and
   *   noise has d as noisy as itself: a few at most;
   * - the 4th largest |d| over ±25 ms. The edges of a square or sawtooth wave are steep, but
   *   they recur every period (several times in 50 ms down to 40 Hz): they are the
   *   waveform, not a click.
   * A step from silence, or a ringing note cut to zero, stands out from both: one huge d
   * among small ones. Steps under 0.001 (−60 dBFS) are ignored.
   */
  function clickRatio(x: Float32Array): { ratio: number; at: number } {
    const W = Math.round(0.001 * sampleRate);
    const P = Math.round(0.025 * sampleRate);
    const EXCLUDE = 2;
    const d = new Float64Array(x.length);
    for (let n = 0; n < x.length; n++) d[n] = x[n]! - (n > 0 ? x[n - 1]! : 0);
    const sq = new Float64Array(x.length + 1);
    for (let n = 0; n < x.length; n++) sq[n + 1] = sq[n]! + d[n]! * d[n]!;
    const sum = (a: number, b: number) => sq[Math.min(Math.max(b, 0), x.length)]! - sq[Math.min(Math.max(a, 0), x.length)]!;
    /** The 4th largest |d| in [n−P, n+P] outside [n−EXCLUDE, n+EXCLUDE]. */
    const fourth = (n: number) => {
      const top = [0, 0, 0, 0];
      for (let k = Math.max(0, n - P); k <= Math.min(x.length - 1, n + P); k++) {
        if (Math.abs(k - n) <= EXCLUDE) continue;
        const v = Math.abs(d[k]!);
        if (v <= top[3]!) continue;
        top[3] = v;
        top.sort((a, b) => b - a);
      }
      return top[3]!;
    };
    let ratio = 0;
    let at = -1;
    for (let n = 0; n < x.length; n++) {
      const step = Math.abs(d[n]!);
      if (step < 0.001) continue;
      const energy = sum(n - W, n - EXCLUDE) + sum(n + EXCLUDE + 1, n + W + 1);
      const local = Math.sqrt(energy / (2 * (W - EXCLUDE)));
      const near = step / Math.max(local, 1e-6);
      // The ratio is the smaller of the two, so `near` bounds it: the slower reference is
      // only worth computing where `near` could raise the maximum above 3 (the ratio of
      // plain noise); below that the bound stands in for it.
      if (near <= ratio) continue;
      const r = near <= 3 ? near : Math.min(near, step / Math.max(fourth(n), 1e-6));
      if (r > ratio) {
        ratio = r;
        at = n;
      }
    }
    return { ratio, at: at / sampleRate };
  }

  function measure(label: string, x: Float32Array, noteTimes: number[] | undefined, stepSeconds: number): Stats {
    let nonFinite = 0;
    let peak = 0;
    let total = 0;
    for (let n = 0; n < x.length; n++) {
      const v = x[n]!;
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      peak = Math.max(peak, Math.abs(v));
      total += v;
    }
    const tailFrom = x.length - Math.round(0.2 * sampleRate);
    let tail = 0;
    for (let n = tailFrom; n < x.length; n++) tail += x[n]!;
    const { ratio, at } = nonFinite ? { ratio: Infinity, at: -1 } : clickRatio(x);

    const [from, to] = levelWindow.map((t) => Math.round(t * sampleRate)) as [number, number];
    const window = x.subarray(from, Math.min(to, x.length));
    let wPeak = 0;
    let wSum = 0;
    for (const v of window) {
      wPeak = Math.max(wPeak, Math.abs(v));
      wSum += v * v;
    }
    // K-weighting (BS.1770): a +4 dB shelf above ~1.7 kHz and a high-pass at 38 Hz.
    const k = biquad(biquad(window, 'highshelf', 1681, Math.SQRT1_2, 4), 'highpass', 38, 0.5);
    const M = Math.round(0.4 * sampleRate);
    let run = 0;
    let loudest = 0;
    for (let n = 0; n < k.length; n++) {
      run += k[n]! * k[n]!;
      if (n >= M) run -= k[n - M]! * k[n - M]!;
      loudest = Math.max(loudest, run / M);
    }

    // Energy above 16 kHz per note: four high-passes (48 dB/octave) leave only that band.
    const highBandDb: number[] = [];
    if (noteTimes) {
      let hp = x;
      for (let i = 0; i < 4; i++) hp = biquad(hp, 'highpass', 16_000, Math.SQRT1_2);
      for (const t of noteTimes) {
        const a = Math.round(t * sampleRate);
        const b = Math.min(x.length, a + Math.round(stepSeconds * 4 * sampleRate));
        let all = 0;
        let top = 0;
        for (let n = a; n < b; n++) {
          all += x[n]! * x[n]!;
          top += hp[n]! * hp[n]!;
        }
        highBandDb.push(10 * Math.log10(top / all));
      }
    }
    return {
      label,
      nonFinite,
      peak,
      mean: total / x.length,
      tailMean: tail / (x.length - tailFrom),
      click: ratio,
      clickAt: at,
      clickStep: at / stepSeconds,
      peakDb: db(wPeak),
      rmsDb: db(Math.sqrt(wSum / Math.max(1, window.length))),
      loudDb: 10 * Math.log10(loudest),
      highBandDb,
    };
  }

  /** Reference signals for proving the detector, rendered by the browser's own nodes. */
  async function synthesise(shape: string): Promise<Float32Array> {
    const context = new OfflineAudioContext(1, sampleRate, sampleRate);
    const gain = context.createGain();
    gain.connect(context.destination);
    gain.gain.value = 0;
    if (shape === 'aliased' || shape === 'clean') {
      // A 'sample' holding 2 kHz (and, for 'aliased', 20 kHz at a third of it) played 4
      // semitones up the way a sampler does: 2.5 kHz, and 25.2 kHz folded back to 18.9 kHz.
      const buffer = context.createBuffer(1, sampleRate, sampleRate);
      const data = buffer.getChannelData(0);
      for (let i = 0; i < data.length; i++)
        data[i] =
          0.3 * Math.sin((2 * Math.PI * 2000 * i) / sampleRate) +
          (shape === 'aliased' ? 0.1 * Math.sin((2 * Math.PI * 20_000 * i) / sampleRate) : 0);
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.playbackRate.value = 2 ** (4 / 12);
      source.connect(gain);
      gain.gain.setValueAtTime(0, 0.1);
      gain.gain.linearRampToValueAtTime(1, 0.11);
      source.start(0);
    } else if (shape === 'noise-burst') {
      const buffer = context.createBuffer(1, sampleRate, sampleRate);
      const data = buffer.getChannelData(0);
      let seed = 1;
      for (let i = 0; i < data.length; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        data[i] = (seed / 2147483648) * 2 - 1;
      }
      const source = context.createBufferSource();
      source.buffer = buffer;
      source.connect(gain);
      // A hat: 1 ms attack, 80 ms exponential decay.
      gain.gain.setValueAtTime(0, 0.1);
      gain.gain.linearRampToValueAtTime(0.5, 0.101);
      gain.gain.setTargetAtTime(0, 0.101, 0.03);
      source.start(0);
    } else {
      const osc = context.createOscillator();
      osc.connect(gain);
      if (shape === 'kick') {
        // A kick: 150 → 50 Hz in 80 ms, 1 ms attack to 0.9, 300 ms decay.
        osc.frequency.setValueAtTime(150, 0.1);
        osc.frequency.exponentialRampToValueAtTime(50, 0.18);
        gain.gain.setValueAtTime(0, 0.1);
        gain.gain.linearRampToValueAtTime(0.9, 0.101);
        gain.gain.setTargetAtTime(0, 0.101, 0.1);
        osc.start(0.1);
      } else {
        // 220 Hz at 0.5 with a 5 ms fade in; either cut dead at 0.5 s, a quarter period in
        // (at its peak), or faded out over 5 ms.
        osc.frequency.value = 220;
        gain.gain.setValueAtTime(0, 0.1);
        gain.gain.linearRampToValueAtTime(0.5, 0.105);
        const end = 0.1 + Math.round(0.4 * 220) / 220 + 0.25 / 220;
        if (shape === 'cut-sine') gain.gain.setValueAtTime(0, end);
        else {
          gain.gain.setValueAtTime(0.5, end);
          gain.gain.linearRampToValueAtTime(0, end + 0.005);
        }
        osc.start(0.1);
      }
    }
    const rendered = await context.startRendering();
    return rendered.getChannelData(0);
  }

  const results: Stats[] = [];
  for (const job of jobs) {
    if (job.kind === 'synthetic') {
      results.push(measure(job.label, await synthesise(job.shape), [0.1], 0.125));
      continue;
    }
    await audio.loadInstrument(job.instrument);
    if (audio.instrumentStatus(job.instrument) !== 'ready') throw new Error(`${job.instrument}: ${audio.instrumentStatus(job.instrument)}`);
    const buffer = await audio.renderSession(job.session, { steps: job.steps, tailSeconds: job.tail, sampleRate, channels: 1 });
    const stepSeconds = 60 / job.session.tempo / 4;
    results.push(
      measure(
        job.label,
        buffer.getChannelData(0),
        job.notes?.map((s) => s * stepSeconds),
        stepSeconds,
      ),
    );
  }
  return results;
}

async function run(page: Page, jobs: Job[]): Promise<Stats[]> {
  return page.evaluate(pageQuality, { jobs, sampleRate: SAMPLE_RATE, levelWindow: LEVEL_WINDOW });
}

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
function table(rows: { info: InstrumentInfo; s: Stats }[]): string {
  const head = 'instrument            family  peak dBFS  RMS dBFS  loud dB  click ratio (at step)   mean      tail mean';
  return [
    head,
    ...rows.map(
      ({ info, s }) =>
        `${info.id.padEnd(22)}${info.category.padEnd(8)}${fmt(s.peakDb).padStart(9)}${fmt(s.rmsDb).padStart(10)}${fmt(s.loudDb).padStart(9)}${`${s.click <= 3 ? '≤3' : fmt(s.click)} (${fmt(s.clickStep, 2)})`.padStart(23)}${s.mean.toExponential(1).padStart(10)}${s.tailMean.toExponential(1).padStart(12)}`,
    ),
  ].join('\n');
}

test.describe('sound quality of every instrument (offline render in Chromium)', () => {
  test.beforeEach(async ({ page }) => {
    await openSession(page, await newSession(page));
    await page.waitForFunction(() => 'renderSession' in ((window as { __keyboardiaAudio?: object }).__keyboardiaAudio ?? {}));
  });

  for (const category of INSTRUMENT_CATEGORIES) {
    const family = INSTRUMENTS.filter((i) => i.category === category);
    if (family.length === 0) continue;
    test(`${category}: ${family.length} instruments render without NaN, DC or clicks, at levels within their family's band`, async ({
      page,
    }) => {
      test.setTimeout(30_000 + family.length * 8_000);
      const rows: { info: InstrumentInfo; s: Stats }[] = [];
      // A few renders per evaluate: fewer round trips, and progress stays visible.
      for (let i = 0; i < family.length; i += 4) {
        const batch = family.slice(i, i + 4);
        const stats = await run(
          page,
          batch.map((info) => ({
            kind: 'session',
            label: info.id,
            instrument: info.id,
            session: soloSession(info.id, info.melodic ? MELODIC_NOTES : DRUM_NOTES),
            steps: STEPS,
            tail: TAIL_SECONDS,
          })),
        );
        for (const [k, s] of stats.entries()) rows.push({ info: batch[k]!, s });
      }
      const level = (r: { info: InstrumentInfo; s: Stats }) => (category === 'drums' ? r.s.peakDb : r.s.loudDb);
      const sorted = rows.map(level).sort((a, b) => a - b);
      const median = (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
      console.log(
        `${category} (level: ${category === 'drums' ? 'peak' : 'momentary loudness'} of the first note, family median ${fmt(median)} dB):\n${table(rows)}`,
      );
      for (const { info, s } of rows) {
        expect.soft(s.nonFinite, `${info.id}: NaN or Infinity samples`).toBe(0);
        expect.soft(s.peak, `${info.id}: sounds`).toBeGreaterThan(0.01);
        expect.soft(Math.abs(s.mean), `${info.id}: DC offset (mean of the render)`).toBeLessThan(DC_MEAN);
        expect.soft(Math.abs(s.tailMean), `${info.id}: offset left after the notes`).toBeLessThan(TAIL_MEAN);
        expect.soft(s.click, `${info.id}: click at ${fmt(s.clickAt, 4)} s (step ${fmt(s.clickStep, 2)})`).toBeLessThan(CLICK_RATIO);
        expect
          .soft(Math.abs(level({ info, s }) - median), `${info.id}: level ${fmt(level({ info, s }))} dB vs family median ${fmt(median)} dB`)
          .toBeLessThanOrEqual(LEVEL_BAND_DB);
      }
    });
  }

  test('the click detector flags a click and a cut note, and passes a fade, a kick and a noise hit', async ({ page }) => {
    const shapes: Shape[] = ['cut-sine', 'faded-sine', 'kick', 'noise-burst'];
    const stats = await run(page, [
      ...shapes.map((shape): Job => ({ kind: 'synthetic', label: shape, shape })),
      {
        kind: 'session',
        label: 'test-click',
        instrument: 'test-click',
        session: soloSession('test-click', DRUM_NOTES),
        steps: STEPS,
        tail: 0.5,
      },
    ]);
    console.log(stats.map((s) => `${s.label}: click ratio ${fmt(s.click)} at ${fmt(s.clickAt, 4)} s`).join('; '));
    const ratio = Object.fromEntries(stats.map((s) => [s.label, s]));
    // Flagged where the click is: the cut a quarter period after 0.5 s, the click's first hit.
    expect(ratio['cut-sine']!.click).toBeGreaterThan(CLICK_RATIO);
    expect(ratio['cut-sine']!.clickAt).toBeCloseTo(0.1 + 88 / 220 + 0.25 / 220, 3);
    expect(ratio['test-click']!.click).toBeGreaterThan(CLICK_RATIO);
    const hit = ratio['test-click']!.clickStep;
    expect(DRUM_NOTES.map((n) => n.step)).toContain(Math.round(hit));
    expect(hit).toBeCloseTo(Math.round(hit), 3);
    for (const shape of ['faded-sine', 'kick', 'noise-burst']) expect(ratio[shape]!.click, shape).toBeLessThan(CLICK_RATIO);
  });

  test('sampled melodic notes repitched into the top octave do not alias', async ({ page }) => {
    const sampled: string[] = await page.evaluate(
      (ids) =>
        ids.filter((id) =>
          (window as unknown as { __keyboardiaAudio: { isSampled(id: string): boolean } }).__keyboardiaAudio.isSampled(id),
        ),
      INSTRUMENTS.filter((i) => i.melodic).map((i) => i.id),
    );
    test.setTimeout(30_000 + sampled.length * 8_000);
    // Every semitone of the top octave, each alone for 4 steps.
    const pitches = Array.from({ length: 12 }, (_, k) => LIMITS.maxPitch - 11 + k);
    const notes = pitches.map((pitch, k) => ({ step: 4 * k, velocity: 100, pitch }));
    const probes = await run(page, [
      { kind: 'synthetic', label: 'aliased', shape: 'aliased' },
      { kind: 'synthetic', label: 'clean', shape: 'clean' },
    ]);
    console.log(probes.map((s) => `${s.label}: above 16 kHz ${fmt(s.highBandDb[0]!)} dB`).join('; '));
    // The measure sees aliasing where there is some, and none where there is none.
    expect(probes[0]!.highBandDb[0]).toBeGreaterThan(HIGH_BAND_DB);
    expect(probes[1]!.highBandDb[0]).toBeLessThan(HIGH_BAND_DB);
    expect(sampled.length, 'sampled melodic instruments (the piano at least)').toBeGreaterThan(0);
    for (const id of sampled) {
      const [s] = await run(page, [
        {
          kind: 'session',
          label: id,
          instrument: id,
          session: soloSession(id, notes, 4 * pitches.length),
          steps: 4 * pitches.length,
          tail: 0.5,
          notes: notes.map((n) => n.step),
        },
      ]);
      console.log(
        `${id}: energy above 16 kHz per top-octave note (dB): ${s!.highBandDb.map((v, k) => `${pitches[k]}: ${fmt(v)}`).join(', ')}`,
      );
      for (const [k, v] of s!.highBandDb.entries())
        expect.soft(v, `${id} at pitch ${pitches[k]}: energy above 16 kHz`).toBeLessThan(HIGH_BAND_DB);
    }
  });
});
