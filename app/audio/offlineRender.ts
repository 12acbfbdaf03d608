/**
 * Render a session to an AudioBuffer faster than real time (Tone.Offline on an
 * OfflineAudioContext), with the same pieces as live playback: the same mixer and
 * voices, the same transport-driven step clock (repeatSteps) and the same
 * eventsAtStep with swing. Used for WAV export and by the timing tests.
 */
import * as Tone from 'tone';
import type { Session } from '../../core';
import { Mixer } from './mixer';
import { loadInstruments } from './samples';
import { loopLengthSteps, stepSeconds } from '../../core/events';
import { repeatSteps, setTempoNow } from './stepClock';

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
  /** Called with 0…1 as rendering proceeds (1 once, at the end). */
  onProgress?: (fraction: number) => void;
}

/** Audio time of the render's first step: the transport starts at 0, so step n of the render is at n × step length (+ swing). */
export const RENDER_START_SECONDS = 0;

export async function renderSession(session: Session, options: RenderOptions = {}): Promise<AudioBuffer> {
  const steps = options.steps ?? loopLengthSteps(session) * (options.loops ?? 1);
  const startStep = options.startStep ?? 0;
  const duration = RENDER_START_SECONDS + steps * stepSeconds(session.tempo) + (options.tailSeconds ?? 2);
  const audible = options.audible ?? null;
  const onProgress = options.onProgress;

  // Everything must be decoded before rendering: an offline render never skips a note.
  await loadInstruments(session.tracks.map((t) => t.instrument));

  let mixer: Mixer | null = null;
  const rendered = await Tone.Offline(
    (context) => {
      // Synchronous on purpose: while this runs, Tone's global context is the offline one.
      mixer = new Mixer(context.destination, options.masterVolume ?? 0.8);
      mixer.sync(session, audible, false);
      // The offline clock runs the transport in 128-sample blocks. Without look-ahead a
      // step's callback would come one block after its time, and Tone clamps an
      // oscillator's start to "now": synthesised notes would be up to 3 ms late.
      context.lookAhead = 0.1;
      const transport = context.transport;
      setTempoNow(transport, session.tempo);
      const lastStep = startStep + steps;
      repeatSteps(transport, startStep, (globalStep, time) => {
        if (globalStep < lastStep) mixer?.playStep(session, globalStep, time, audible);
      });
      transport.start(RENDER_START_SECONDS);
      if (onProgress) {
        // The offline context ticks once per 128-sample block while it schedules.
        const every = Math.max(1, Math.floor(context.sampleRate / 128 / 4));
        let blocks = 0;
        context.on('tick', () => {
          if (++blocks % every === 0) onProgress(Math.min(0.99, (blocks * 128) / context.sampleRate / duration));
        });
      }
    },
    duration,
    options.channels ?? 2,
    options.sampleRate ?? 44_100,
  );
  (mixer as Mixer | null)?.dispose();
  onProgress?.(1);
  const buffer = rendered.get();
  if (!buffer) throw new Error('offline render produced no audio');
  return buffer;
}
