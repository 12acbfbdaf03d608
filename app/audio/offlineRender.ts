/**
 * Render a session to an AudioBuffer faster than real time (an OfflineAudioContext
 * driven through Tone.js), with the same pieces as live playback: the same mixer and
 * voices, the same transport-driven step clock (repeatSteps) and the same
 * eventsAtStep with swing. Used for WAV export and by the timing tests.
 *
 * The render goes in slices and never blocks the page. Tone.Offline would run the
 * transport over the whole length first, creating every note's nodes up front, and
 * only then let the browser render: minutes of audio meant thousands of live nodes
 * (the render slowed to below real time) and seconds-long main-thread tasks. Here the
 * native context suspends at the end of each slice; while it waits, Tone's clock
 * schedules the next slice (yielding to the page when it runs long), then it resumes.
 * Notes exist only from a slice before they sound, and sources that have ended are
 * disposed as the render passes them.
 *
 * The master chain delays the mix by its limiter's look-ahead, and notes start that much
 * earlier (Mixer.playStep): the transport starts at that latency, so the first note can
 * start at 0, and that much is trimmed off the front, so the buffer starts at step 0.
 */
import * as Tone from './tone';
import type { Session } from '../../core';
import { ensureNativeContext, type MasterEffects, loadMasterChain, masterLatencyFrames } from './masterChain';
import { Mixer, reverbImpulse } from './mixer';
import { loadInstruments } from './samples';
import { loopLengthSteps, stepSeconds } from '../../core/events';
import { repeatSteps, setTempoNow } from './stepClock';
import { yieldToPage } from './yieldToPage';

export interface RenderOptions {
  /** Whole loops of the session to render (a loop = the least common multiple of track lengths and 16). Default 1. */
  loops?: number;
  /** Render exactly this many steps instead of whole loops. */
  steps?: number;
  /** Global step at which the render starts (swing follows the global step). Default 0. */
  startStep?: number;
  /** Seconds after the last step for tails (reverb, releases). Default 2. */
  tailSeconds?: number;
  /** Default 44 100. */
  sampleRate?: number;
  /** 1 or 2. Default 2. */
  channels?: number;
  /** Only these tracks sound (mute/solo as heard); null = all. Default null. */
  audible?: ReadonlySet<string> | null;
  /** Master volume, 0…1. Default 0.8 (the app's default). */
  masterVolume?: number;
  /** Master drive and chorus (local settings). Default off. */
  masterEffects?: MasterEffects;
  /** Called with 0…1 as rendering proceeds, after each slice (1 once, at the end). */
  onProgress?: (fraction: number) => void;
  /** Stops the render at the next slice; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Time of the render's first step in the returned buffer: step n of the render is at
 * n × step length (+ swing). (Inside, the transport starts at the master chain's latency
 * and as much is trimmed off the front.)
 */
export const RENDER_START_SECONDS = 0;

/**
 * Audio rendered between two suspensions. Each suspension costs a round trip to the
 * audio thread; each slice's notes are created in one go. Half a second keeps both small
 * (about a hundred round trips for a minute of audio; measured in e2e/export.spec.ts).
 */
const SLICE_SECONDS = 0.5;
/** Tone's clock runs in render quanta, as Tone.Offline's does. */
const BLOCK_FRAMES = 128;
/** Longest stretch of clock work before letting the page run (input, paint). */
const CLOCK_BUDGET_MS = 12;

/**
 * Tone's OfflineContext with a clock we advance ourselves, a slice at a time, instead
 * of Tone running it over the whole length before rendering. Like Tone's, the clock
 * runs ahead of the audio (here by at most a slice): notes are scheduled at exact
 * times before the render reaches them.
 */
class SlicedOfflineContext extends Tone.OfflineContext {
  private blocks = 0;
  private clock = 0;

  override now(): number {
    return this.clock;
  }

  override get currentTime(): number {
    return this.clock;
  }

  /** Run `build` with this as Tone's global context, where Tone nodes made without a context are made. */
  run<T>(build: () => T): T {
    // Tone's global context is put back afterwards: the live one (made now if no Play has yet).
    ensureNativeContext();
    const previous = Tone.getContext();
    Tone.setContext(this);
    try {
      return build();
    } finally {
      Tone.setContext(previous);
    }
  }

  /** Tick Tone's clock (transport, timeouts) block by block up to `until` seconds, yielding to the page now and then. */
  async runClockTo(until: number, signal?: AbortSignal): Promise<void> {
    while (this.clock < until) {
      signal?.throwIfAborted();
      const deadline = performance.now() + CLOCK_BUDGET_MS;
      // Nodes created in tick callbacks (one-shot sources, polyphonic voices) take the global context.
      this.run(() => {
        while (this.clock < until && performance.now() < deadline) {
          this.emit('tick');
          this.blocks++;
          this.clock = (this.blocks * BLOCK_FRAMES) / this.sampleRate;
        }
      });
      if (this.clock < until) await yieldToPage();
    }
  }
}

export async function renderSession(session: Session, options: RenderOptions = {}): Promise<AudioBuffer> {
  const steps = options.steps ?? loopLengthSteps(session) * (options.loops ?? 1);
  const startStep = options.startStep ?? 0;
  const duration = RENDER_START_SECONDS + steps * stepSeconds(session.tempo) + (options.tailSeconds ?? 2);
  const sampleRate = options.sampleRate ?? 44_100;
  const audible = options.audible ?? null;
  const { onProgress, signal } = options;
  signal?.throwIfAborted();

  // Everything must be decoded before rendering: an offline render never skips a note.
  await loadInstruments(session.tracks.map((t) => t.instrument));
  signal?.throwIfAborted();

  // Building the mixer takes a few long steps: each gets a task of its own, so that the
  // page is never held for their sum. The longest is the reverb's ConvolverNode, which
  // prepares its impulse response in one native call.
  await yieldToPage();
  reverbImpulse(sampleRate); // computed on first use, then cached
  await yieldToPage();
  // The native context, not Tone's default (standardized-audio-context), whose offline context cannot suspend.
  // The master chain's latency: rendered, then trimmed off the front.
  const trimFrames = masterLatencyFrames(sampleRate);
  const totalFrames = Math.ceil(duration * sampleRate) + trimFrames;
  const channels = options.channels ?? 2;
  const native = new OfflineAudioContext({ numberOfChannels: channels, length: totalFrames, sampleRate });
  const context = new SlicedOfflineContext(native);
  await loadMasterChain(context);
  signal?.throwIfAborted();
  const mixer = context.run(() => new Mixer(context.destination, options.masterVolume ?? 0.8, options.masterEffects));
  // What the mixer compensates for (0 if the chain fell back to a soft clipper).
  const startSeconds = RENDER_START_SECONDS + mixer.bus.latencySeconds;
  const sliceFrames = Math.max(1, Math.round((SLICE_SECONDS * sampleRate) / BLOCK_FRAMES)) * BLOCK_FRAMES;
  let rendering: Promise<AudioBuffer> | null = null;
  try {
    await yieldToPage();
    context.run(() => {
      mixer.sync(session, audible, false);
      // The clock runs the transport in 128-sample blocks. Without look-ahead a step's
      // callback would come one block after its time, and Tone clamps an oscillator's
      // start to "now": synthesised notes would be up to 3 ms late.
      context.lookAhead = 0.1;
      const transport = context.transport;
      setTempoNow(transport, session.tempo);
      const lastStep = startStep + steps;
      repeatSteps(transport, startStep, (globalStep, time) => {
        if (globalStep < lastStep) mixer.playStep(session, globalStep, time, audible);
      });
      transport.start(startSeconds);
    });
    await yieldToPage();
    // Suspensions must be set before the render reaches them; each is on a block boundary, before the end.
    let sliceEnd = Math.min(sliceFrames, totalFrames);
    await context.runClockTo(sliceEnd / sampleRate, signal);
    let suspended = sliceEnd < totalFrames ? native.suspend(sliceEnd / sampleRate) : null;
    rendering = native.startRendering();
    while (suspended) {
      await suspended;
      onProgress?.(Math.min(0.99, sliceEnd / totalFrames));
      sliceEnd = Math.min(sliceEnd + sliceFrames, totalFrames);
      await context.runClockTo(sliceEnd / sampleRate, signal);
      suspended = sliceEnd < totalFrames ? native.suspend(sliceEnd / sampleRate) : null;
      await native.resume();
    }
    const rendered = await rendering;
    const skip = Math.round(startSeconds * sampleRate);
    const buffer = new AudioBuffer({ length: totalFrames - trimFrames, numberOfChannels: channels, sampleRate });
    for (let c = 0; c < channels; c++) buffer.copyToChannel(rendered.getChannelData(c).subarray(skip, skip + buffer.length), c);
    onProgress?.(1);
    return buffer;
  } catch (error) {
    if (rendering && native.state === 'suspended') {
      // Cancelled mid-render: with the graph gone (below) the rest is silence and
      // renders at once, so the context finishes and its memory is freed.
      rendering.catch(() => undefined);
      queueMicrotask(() => void native.resume().catch(() => undefined));
    }
    throw error;
  } finally {
    mixer.dispose();
    // Its transport, timeouts and listeners: nothing of the render stays reachable.
    context.dispose();
  }
}
