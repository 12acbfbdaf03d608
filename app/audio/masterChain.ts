/**
 * The master chain, at the end of the master bus (mixer.ts), always on:
 *
 *   in ─┬──────────────────────┬─ [ drive ─ glue compressor ─ true-peak limiter ] ─ out
 *       └─ chorus (optional) ──┘        one AudioWorklet: masterChain.worklet.js
 *
 * - drive: tanh saturation, off by default (0…1);
 * - glue compressor: 4:1 above −16 dBFS of short-term RMS, 8 dB soft knee, 15 ms attack,
 *   250 ms release: it brings a dense mix down and barely touches a sparse beat;
 * - limiter: ceiling −1 dBTP (−1.1 dB on its own estimate), peaks measured between samples
 *   too (4× interpolation),
 *   3.3 ms look-ahead, 80 ms release;
 * - chorus: a stereo chorus beside the dry path, off by default (0…1 is its level).
 *
 * Latency: the limiter looks MASTER_LATENCY_SECONDS ahead, so everything leaves the
 * chain that much later. The mixer starts every note that much earlier (Mixer.playStep),
 * so onsets still land on the grid (e2e/audio-timing.spec.ts); the offline render
 * trims the same amount off its start, so an export starts at step 0. The chain's
 * latency is measured by e2e/master-chain.spec.ts.
 *
 * The worklet module must be loaded into a context (loadMasterChain) before a chain is
 * built in it. Where it cannot load (no AudioWorklet), the chain falls back to the old
 * soft clipper, with no latency and no compensation.
 */
import * as Tone from './tone';
import type { MasterEffects } from './masterEffects';

/** The limiter's look-ahead: 1/300 s is a whole number of frames at 44.1, 48, 88.2 and 96 kHz (147, 160, 294, 320). */
export const MASTER_LATENCY_SECONDS = 1 / 300;

/** The chain's delay in frames at a sample rate. */
export function masterLatencyFrames(sampleRate: number): number {
  return Math.round(MASTER_LATENCY_SECONDS * sampleRate);
}

const PROCESSOR = 'keyboardia-master-chain';

export { DEFAULT_MASTER_EFFECTS, type MasterEffects } from './masterEffects';

let live = false;

/**
 * Give Tone a native AudioContext for live playback, as the embed and the offline render
 * do, instead of the standardized-audio-context wrapper it makes at load: that wrapper
 * loads a worklet module by fetching it and re-serving it from a blob: URL, which the
 * pages' Content-Security-Policy (script-src 'self') refuses, so the limiter could not
 * load. Call before any node is made in the live context; does nothing once it is made.
 */
export function ensureNativeContext(made?: AudioContext): void {
  if (live) return;
  if (typeof AudioContext === 'undefined') return;
  live = true;
  // Nothing to dispose: until now Tone's global context is its placeholder (nothing calls
  // Tone.getContext() before this, which would build Tone's own wrapper context). `made`:
  // one a click made (the landing page's cards), so that the page keeps a single context.
  Tone.setContext(made ?? new AudioContext({ latencyHint: 'interactive' }));
}

/**
 * Whether the live context exists yet. A page makes it on its first Play (or preview,
 * or the landing page's click), never while it loads: building an AudioContext is one
 * of the longest tasks a page can run (most of a second on a loaded machine), and a
 * context made before a user gesture could not start anyway.
 */
export const hasLiveContext = (): boolean => live;

const loading = new WeakMap<object, Promise<boolean>>();
const loaded = new WeakSet<object>();

/** Load the processor into a context's AudioWorklet (once per context). Resolves false where it cannot load. */
export function loadMasterChain(context: Tone.BaseContext): Promise<boolean> {
  const raw = context.rawContext as unknown as BaseAudioContext;
  let promise = loading.get(raw);
  if (!promise) {
    promise = (async () => {
      if (!raw.audioWorklet) return false;
      try {
        await raw.audioWorklet.addModule(new URL('./masterChain.worklet.js', import.meta.url).href);
        loaded.add(raw);
        return true;
      } catch (error) {
        console.warn('master chain: the limiter could not load, falling back to a soft clipper', error);
        return false;
      }
    })();
    loading.set(raw, promise);
  }
  return promise;
}

/** Linear below 0.7, then a smooth knee towards ±1 (the fallback: no look-ahead, so no latency). */
function softClip(x: number): number {
  const magnitude = Math.abs(x);
  if (magnitude <= 0.7) return x;
  return Math.sign(x) * (0.7 + 0.3 * Math.tanh((magnitude - 0.7) / 0.3));
}

export class MasterChain {
  readonly input: Tone.Gain;
  /** What the chain delays everything by, in seconds (a whole number of frames). */
  readonly latencySeconds: number;
  private readonly context: Tone.BaseContext;
  private readonly processor: AudioWorkletNode | null;
  private readonly fallback: Tone.ToneAudioNode[] = [];
  /** The node the chorus returns into (the processor, or the fallback's first node). */
  private readonly sum: Tone.InputNode;
  private chorus: Tone.Chorus | null = null;
  private chorusLevel: Tone.Gain | null = null;

  constructor(destination: Tone.InputNode) {
    this.context = Tone.getContext();
    const raw = this.context.rawContext as unknown as BaseAudioContext;
    this.input = new Tone.Gain(1);
    if (loaded.has(raw)) {
      const frames = masterLatencyFrames(raw.sampleRate);
      const options: AudioWorkletNodeOptions = {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [2],
        channelCount: 2,
        channelCountMode: 'explicit',
        channelInterpretation: 'speakers',
        processorOptions: { latencyFrames: frames },
      };
      // Tone's live context is standardized-audio-context's, whose nodes it must make; the
      // offline render and the embed hand Tone a native context, which takes native nodes.
      const native = typeof BaseAudioContext !== 'undefined' && raw instanceof BaseAudioContext;
      this.processor = native
        ? new AudioWorkletNode(raw, PROCESSOR, options)
        : (this.context.createAudioWorkletNode(PROCESSOR, options) as unknown as AudioWorkletNode);
      this.latencySeconds = frames / raw.sampleRate;
      this.input.connect(this.processor);
      Tone.connect(this.processor, destination);
      this.sum = this.processor;
    } else {
      this.processor = null;
      this.latencySeconds = 0;
      // The shaper reads −1…1; halving first gives it ±2 of input range (and the curve doubles back).
      const headroom = new Tone.Gain(0.5);
      const clip = new Tone.WaveShaper((u) => softClip(u * 2), 4096);
      this.input.chain(headroom, clip, destination);
      this.fallback.push(headroom, clip);
      this.sum = headroom;
    }
  }

  /** Local master effects (drive, chorus): jump, or glide while playing. */
  setEffects(effects: MasterEffects, smooth: boolean): void {
    const drive = Math.min(1, Math.max(0, effects.drive));
    const param = this.processor?.parameters.get('drive');
    if (param) param.setTargetAtTime(drive, this.context.currentTime, smooth ? 0.01 : 0);
    const chorus = Math.min(1, Math.max(0, effects.chorus));
    // Built when first wanted, then kept (its tail rings out when turned down), as the reverb is.
    if (chorus > 0 && !this.chorus) {
      this.chorus = new Tone.Chorus({ context: this.context, frequency: 0.6, delayTime: 4, depth: 0.5, spread: 180, wet: 1 }).start();
      this.chorusLevel = new Tone.Gain(0);
      this.input.chain(this.chorus, this.chorusLevel);
      this.chorusLevel.connect(this.sum);
    }
    if (this.chorusLevel) {
      if (smooth) this.chorusLevel.gain.rampTo(chorus * 0.5, 0.03);
      else this.chorusLevel.gain.value = chorus * 0.5;
    }
  }

  dispose(): void {
    this.input.dispose();
    this.chorus?.dispose();
    this.chorusLevel?.dispose();
    for (const node of this.fallback) node.dispose();
    if (this.processor) {
      this.processor.disconnect();
      this.processor.port.postMessage('dispose');
    }
  }
}

/**
 * Measure the chain's latency: render a single-sample click through a fresh chain
 * offline and find it at the output. In seconds (for e2e/master-chain.spec.ts, through
 * `window.__keyboardiaAudio`).
 */
export async function measureMasterLatency(sampleRate = 44_100): Promise<number> {
  const clickAt = 1000;
  const native = new OfflineAudioContext({ numberOfChannels: 2, length: clickAt + sampleRate / 10, sampleRate });
  const context = new Tone.OfflineContext(native as unknown as ConstructorParameters<typeof Tone.OfflineContext>[0]);
  if (!(await loadMasterChain(context))) throw new Error('the master chain worklet did not load');
  ensureNativeContext();
  const previous = Tone.getContext();
  Tone.setContext(context);
  let chain: MasterChain;
  try {
    chain = new MasterChain(context.destination);
  } finally {
    Tone.setContext(previous);
  }
  const click = new AudioBuffer({ length: 1, numberOfChannels: 1, sampleRate });
  click.getChannelData(0)[0] = 0.5;
  const source = new AudioBufferSourceNode(native, { buffer: click });
  Tone.connect(source, chain.input);
  source.start(clickAt / sampleRate);
  const rendered = await native.startRendering();
  chain.dispose();
  context.dispose();
  const out = rendered.getChannelData(0);
  const at = out.findIndex((x) => Math.abs(x) > 0.1);
  if (at < 0) throw new Error('the click never came out of the master chain');
  return (at - clickAt) / sampleRate;
}
