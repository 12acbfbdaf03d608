/**
 * Level meters for rendered audio: sample peak, true peak (4× oversampled), RMS,
 * crest factor and integrated loudness (ITU-R BS.1770-4, in LUFS). The one
 * implementation that the master-chain test (e2e/master-chain.spec.ts) and the bench
 * (scripts/bench/browser.mjs) use, through `window.__keyboardiaAudio.meter` (a chunk of
 * its own, loaded on first use). Pure functions of the samples: unit-tested in
 * test/unit/meter.test.ts. Independent of the limiter's own peak detector
 * (masterChain.worklet.js), which it checks.
 */

export interface Levels {
  /** Highest |sample| of any channel, dBFS. */
  samplePeakDb: number;
  /** Highest |value| of the 4× oversampled signal, dBTP. */
  truePeakDb: number;
  /** RMS of all channels together, dBFS (a full-scale sine reads −3.01). */
  rmsDb: number;
  /** Sample peak − RMS over the loud part (gated like the loudness: blocks above −70 LUFS and −20 LU below the mean). */
  crestDb: number;
  /** Integrated loudness, LUFS (−Infinity for silence). */
  lufs: number;
  /** Samples that are NaN or infinite. */
  nonFinite: number;
  /** Samples above 1 in magnitude (clipped in a fixed-point file). */
  overs: number;
}

const db = (x: number) => 20 * Math.log10(x);

/**
 * 4× oversampling by windowed-sinc interpolation: each of the three in-between phases
 * is a 48-tap FIR (a sinc cut at the original Nyquist, Blackman-windowed over ±24 input
 * samples), as BS.1770-4 Annex 2 suggests (it uses a 48-tap 4-phase filter too).
 */
const HALF_TAPS = 24;
const PHASES = 4;
const interpolators: Float64Array[] = (() => {
  const filters: Float64Array[] = [];
  for (let phase = 1; phase < PHASES; phase++) {
    const taps = new Float64Array(2 * HALF_TAPS);
    const offset = phase / PHASES;
    let sum = 0;
    for (let k = 0; k < 2 * HALF_TAPS; k++) {
      // Distance from the output point to input sample n + k − HALF_TAPS + 1 (the output lies between n and n + 1).
      const t = k - HALF_TAPS + 1 - offset;
      const sinc = Math.abs(t) < 1e-12 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
      const x = (t + HALF_TAPS) / (2 * HALF_TAPS); // 0…1 across the window
      const window = 0.42 - 0.5 * Math.cos(2 * Math.PI * x) + 0.08 * Math.cos(4 * Math.PI * x);
      taps[k] = sinc * window;
      sum += taps[k]!;
    }
    for (let k = 0; k < taps.length; k++) taps[k]! /= sum; // unity gain at DC
    filters.push(taps);
  }
  return filters;
})();

/** Highest |value| of one channel oversampled 4× (the samples themselves and three points between each pair). */
export function truePeak(samples: Float32Array): number {
  let peak = 0;
  const n = samples.length;
  for (let i = 0; i < n; i++) {
    const s = Math.abs(samples[i]!);
    if (s > peak) peak = s;
  }
  for (let i = 0; i + 1 < n; i++) {
    for (const taps of interpolators) {
      let y = 0;
      for (let k = 0; k < taps.length; k++) {
        const j = i + k - HALF_TAPS + 1;
        if (j >= 0 && j < n) y += taps[k]! * samples[j]!;
      }
      if (Math.abs(y) > peak) peak = Math.abs(y);
    }
  }
  return peak;
}

/** Biquad coefficients [b0, b1, b2, a1, a2] (a0 = 1). */
type Biquad = [number, number, number, number, number];

/**
 * BS.1770-4's K-weighting at any sample rate: a high shelf (+4 dB above ~1.7 kHz, the
 * head's acoustic effect) then a high-pass (~38 Hz, "RLB"). The standard tabulates the
 * coefficients at 48 kHz only; these are the analogue prototypes it was derived from,
 * through the bilinear transform, and reproduce that table (checked in test/unit/meter.test.ts).
 */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = 10 ** (gainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = [
    (vh + (vb * k) / q + k * k) / a0,
    (2 * (k * k - vh)) / a0,
    (vh - (vb * k) / q + k * k) / a0,
    (2 * (k * k - 1)) / a0,
    (1 - k / q + k * k) / a0,
  ];
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highPass: Biquad = [1, -2, 1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0];
  return [shelf, highPass];
}

function filter(samples: ArrayLike<number>, [b0, b1, b2, a1, a2]: Biquad): Float64Array {
  const out = new Float64Array(samples.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = Number.isFinite(samples[i]!) ? samples[i]! : 0;
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

/**
 * Mean square (summed over channels, all weighted 1: left and right, or mono) of each
 * 400 ms gating block, blocks overlapping by 75 % (BS.1770-4 §2.5). `weighted` applies
 * the K-weighting first (loudness); without it the blocks hold plain power.
 */
function blockPowers(channels: Float32Array[], sampleRate: number, weighted: boolean): number[] {
  const blockFrames = Math.round(0.4 * sampleRate);
  const stepFrames = Math.round(0.1 * sampleRate);
  const length = channels[0]?.length ?? 0;
  const powers: number[] = [];
  const squares = channels.map((c) => {
    const [shelf, highPass] = kWeighting(sampleRate);
    const y = weighted ? filter(filter(c, shelf), highPass) : Float64Array.from(c);
    // Running sum of squares, so each block's sum is one subtraction.
    const cumulative = new Float64Array(length + 1);
    for (let i = 0; i < length; i++) {
      const v = Number.isFinite(y[i]!) ? y[i]! : 0; // counted apart, in `nonFinite`
      cumulative[i + 1] = cumulative[i]! + v * v;
    }
    return cumulative;
  });
  for (let start = 0; start + blockFrames <= length; start += stepFrames) {
    let power = 0;
    for (const c of squares) power += (c[start + blockFrames]! - c[start]!) / blockFrames;
    powers.push(power);
  }
  return powers;
}

const loudnessOf = (power: number) => -0.691 + 10 * Math.log10(power);

/** The two gates of BS.1770-4: absolute −70 LUFS, then `relativeLu` below the loudness of what passed the first. */
function gate(powers: number[], relativeLu: number): number[] {
  const absolute = powers.filter((p) => loudnessOf(p) > -70);
  if (absolute.length === 0) return [];
  const threshold = loudnessOf(absolute.reduce((a, b) => a + b, 0) / absolute.length) - relativeLu;
  return absolute.filter((p) => loudnessOf(p) > threshold);
}

/** Integrated loudness in LUFS (BS.1770-4: K-weighting, 400 ms blocks, absolute −70 LUFS and relative −10 LU gates). */
export function integratedLoudness(channels: Float32Array[], sampleRate: number): number {
  const passed = gate(blockPowers(channels, sampleRate, true), 10);
  if (passed.length === 0) return Number.NEGATIVE_INFINITY;
  return loudnessOf(passed.reduce((a, b) => a + b, 0) / passed.length);
}

export function measureLevels(channels: Float32Array[], sampleRate: number): Levels {
  let samplePeak = 0;
  let squares = 0;
  let count = 0;
  let nonFinite = 0;
  let overs = 0;
  let truePeakLinear = 0;
  for (const c of channels) {
    for (let i = 0; i < c.length; i++) {
      const s = c[i]!;
      if (!Number.isFinite(s)) {
        nonFinite++;
        continue;
      }
      const a = Math.abs(s);
      if (a > samplePeak) samplePeak = a;
      if (a > 1) overs++;
      squares += s * s;
      count++;
    }
    truePeakLinear = Math.max(truePeakLinear, truePeak(c));
  }
  // The crest factor over the music, not its silent tail: RMS of the blocks that pass the
  // gates (−20 LU relative, wider than loudness's −10, so quieter bars of a sparse beat count).
  const loud = gate(blockPowers(channels, sampleRate, false), 20);
  const loudPower = loud.length ? loud.reduce((a, b) => a + b, 0) / loud.length / Math.max(1, channels.length) : 0;
  return {
    samplePeakDb: db(samplePeak),
    truePeakDb: db(truePeakLinear),
    rmsDb: 10 * Math.log10(squares / Math.max(1, count)),
    crestDb: db(samplePeak) - 10 * Math.log10(loudPower),
    lufs: integratedLoudness(channels, sampleRate),
    nonFinite,
    overs,
  };
}
