// @ts-nocheck: runs in the AudioWorkletGlobalScope (registerProcessor, sampleRate), not the page.
/**
 * The master chain's processor (see masterChain.ts): drive → glue compressor → true-peak
 * limiter, stereo-linked, on the audio thread. Plain JavaScript because the browser loads
 * it as is (`audioWorklet.addModule`), from the page's own origin (the CSP allows no blob:
 * scripts).
 *
 * Latency: exactly `latencyFrames` (processorOptions), the limiter's look-ahead. The
 * compressor and the drive add none. The page schedules every note that much earlier.
 */

/**
 * Limiter ceiling: −1.1 dB on the detector's own estimate of the true peak, so that the mix
 * measures ≤ −1 dBTP with a longer interpolator (app/audio/meter.ts: −0.97 dBTP at a −1 dB
 * ceiling on the dense session, the gain's own movement adding a little). The test asserts ≤ −0.3.
 */
const CEILING = 10 ** (-1.1 / 20);
/** Limiter release: the gain recovers with this time constant after the look-ahead's hold. */
const LIMITER_RELEASE_SECONDS = 0.08;

/**
 * Glue compressor on the mix's short-term RMS (a 30 ms window): slow enough to leave a
 * drum's attack alone (the limiter catches peaks), it brings a dense mix down and leaves a
 * sparse one nearly untouched (its RMS stays under the knee).
 */
const COMP_THRESHOLD_DB = -16;
const COMP_RATIO = 4;
const COMP_KNEE_DB = 8;
const COMP_RMS_SECONDS = 0.03;
const COMP_ATTACK_SECONDS = 0.015;
const COMP_RELEASE_SECONDS = 0.25;

/** Half-length of the limiter's 4× interpolators (32 taps per phase): its inter-sample peak estimate. */
const HALF = 16;

/** Three windowed-sinc FIRs: the points 1/4, 2/4 and 3/4 of the way from sample m to m + 1. */
function interpolators() {
  const filters = [];
  for (let phase = 1; phase < 4; phase++) {
    const taps = new Float32Array(2 * HALF);
    let sum = 0;
    for (let k = 0; k < 2 * HALF; k++) {
      const t = k - HALF + 1 - phase / 4;
      const sinc = Math.sin(Math.PI * t) / (Math.PI * t);
      const x = (t + HALF) / (2 * HALF);
      taps[k] = sinc * (0.42 - 0.5 * Math.cos(2 * Math.PI * x) + 0.08 * Math.cos(4 * Math.PI * x));
      sum += taps[k];
    }
    for (let k = 0; k < taps.length; k++) taps[k] /= sum;
    filters.push(taps);
  }
  return filters;
}

class MasterChainProcessor extends AudioWorkletProcessor {
  static get parameterDescriptors() {
    // Drive: 0 = off; 1 pushes the mix 18 dB into a tanh curve and brings it back by 9 dB.
    return [{ name: 'drive', defaultValue: 0, minValue: 0, maxValue: 1, automationRate: 'k-rate' }];
  }

  constructor(options) {
    super();
    const latency = Math.max(HALF + 1, options.processorOptions.latencyFrames | 0);
    this.latency = latency;
    /** The limiter's hold and smoothing window: with the detector's HALF, the look-ahead adds up to the latency. */
    this.window = latency - HALF + 1;
    this.filters = interpolators();
    // History of the (compressed) input, per channel, for the interpolators and the delay line.
    this.size = 1;
    while (this.size < latency + 4 * HALF + 8) this.size *= 2;
    this.mask = this.size - 1;
    this.history = [new Float32Array(this.size), new Float32Array(this.size)];
    this.n = 0; // frames written
    this.lastInterp = 0; // |interpolated| peak between the detector position's previous sample and it
    // Hold (sliding minimum of the required gain over `window`): a deque of [position, gain].
    this.dequePos = new Float64Array(this.window + 1);
    this.dequeGain = new Float32Array(this.window + 1);
    this.dequeHead = 0;
    this.dequeLength = 0;
    // Moving average of the held gain over `window`.
    this.held = new Float32Array(this.window).fill(1);
    this.heldSum = this.window;
    this.heldIndex = 0;
    this.released = 1;
    this.releaseCoeff = 1 - Math.exp(-1 / (LIMITER_RELEASE_SECONDS * sampleRate));
    // Compressor state.
    this.meanSquare = 0;
    this.rmsCoeff = 1 - Math.exp(-1 / (COMP_RMS_SECONDS * sampleRate));
    this.attackCoeff = 1 - Math.exp(-1 / (COMP_ATTACK_SECONDS * sampleRate));
    this.releaseCoeffComp = 1 - Math.exp(-1 / (COMP_RELEASE_SECONDS * sampleRate));
    this.reductionDb = 0;
    this.alive = true;
    this.port.onmessage = (event) => {
      if (event.data === 'dispose') this.alive = false;
    };
  }

  /** Gain (dB, ≤ 0) for a level (dB) through the soft-knee curve. */
  static curve(levelDb) {
    const over = levelDb - COMP_THRESHOLD_DB;
    const slope = 1 / COMP_RATIO - 1;
    if (over <= -COMP_KNEE_DB / 2) return 0;
    if (over < COMP_KNEE_DB / 2) return (slope * (over + COMP_KNEE_DB / 2) ** 2) / (2 * COMP_KNEE_DB);
    return slope * over;
  }

  /** Push the required gain of the next detector position into the hold; return the hold's minimum. */
  hold(position, gain) {
    const cap = this.dequePos.length;
    while (this.dequeLength > 0 && this.dequeGain[(this.dequeHead + this.dequeLength - 1) % cap] >= gain) this.dequeLength--;
    const tail = (this.dequeHead + this.dequeLength) % cap;
    this.dequePos[tail] = position;
    this.dequeGain[tail] = gain;
    this.dequeLength++;
    while (this.dequePos[this.dequeHead] <= position - this.window) {
      this.dequeHead = (this.dequeHead + 1) % cap;
      this.dequeLength--;
    }
    return this.dequeGain[this.dequeHead];
  }

  process(inputs, outputs, parameters) {
    const input = inputs[0] ?? [];
    const output = outputs[0];
    const frames = output[0].length;
    const inL = input[0];
    const inR = input[1] ?? input[0];
    const outL = output[0];
    const outR = output[1] ?? output[0];
    const drive = parameters.drive[0];
    const driveGain = 10 ** ((drive * 18) / 20);
    const driveBack = 1 / Math.sqrt(driveGain);
    const [f1, f2, f3] = this.filters;
    const [hL, hR] = this.history;
    const mask = this.mask;
    for (let i = 0; i < frames; i++) {
      let l = inL ? inL[i] : 0;
      let r = inR ? inR[i] : 0;
      // A NaN or infinity would poison every filter state for good: silence it instead.
      if (!Number.isFinite(l)) l = 0;
      if (!Number.isFinite(r)) r = 0;
      if (drive > 0) {
        l = Math.tanh(l * driveGain) * driveBack;
        r = Math.tanh(r * driveGain) * driveBack;
      }
      // Glue compressor: no look-ahead, so no latency.
      this.meanSquare += this.rmsCoeff * (0.5 * (l * l + r * r) - this.meanSquare);
      const target = MasterChainProcessor.curve(10 * Math.log10(this.meanSquare + 1e-12));
      this.reductionDb += (target < this.reductionDb ? this.attackCoeff : this.releaseCoeffComp) * (target - this.reductionDb);
      const compGain = 10 ** (this.reductionDb / 20);
      const n = this.n;
      hL[n & mask] = l * compGain;
      hR[n & mask] = r * compGain;
      this.n = n + 1;

      // Limiter detector, HALF frames behind the input: position m = n − HALF, whose
      // interpolated points towards m + 1 need the input up to n.
      const m = n - HALF;
      let between = 0;
      for (let c = 0; c < 2; c++) {
        const h = c === 0 ? hL : hR;
        let y1 = 0;
        let y2 = 0;
        let y3 = 0;
        for (let k = 0; k < 2 * HALF; k++) {
          const x = h[(m - HALF + 1 + k) & mask];
          y1 += f1[k] * x;
          y2 += f2[k] * x;
          y3 += f3[k] * x;
        }
        between = Math.max(between, Math.abs(y1), Math.abs(y2), Math.abs(y3));
      }
      // The level around m: its samples, and the points between it and its neighbours.
      const level = Math.max(Math.abs(hL[m & mask]), Math.abs(hR[m & mask]), between, this.lastInterp);
      this.lastInterp = between;
      const required = level > CEILING ? CEILING / level : 1;
      // Hold the lowest required gain over the window, release from it slowly, then average
      // over the window: the average reaches the required gain by the time its sample goes out.
      const held = this.hold(m, required);
      this.released = Math.min(held, this.released + this.releaseCoeff * (1 - this.released));
      this.heldSum += this.released - this.held[this.heldIndex];
      this.held[this.heldIndex] = this.released;
      this.heldIndex = (this.heldIndex + 1) % this.window;
      const gain = Math.min(1, this.heldSum / this.window);
      // The sample whose every window the average spans: m − (window − 1) = n − latency.
      const out = n - this.latency;
      outL[i] = hL[out & mask] * gain;
      outR[i] = hR[out & mask] * gain;
    }
    // Float sums drift: recompute the running sum now and then.
    if ((this.n & 0xffff) < frames) this.heldSum = this.held.reduce((a, b) => a + b, 0);
    return this.alive;
  }
}

registerProcessor('keyboardia-master-chain', MasterChainProcessor);
