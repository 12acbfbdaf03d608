/**
 * The embed player's sound, loaded only when Play is first pressed (a separate chunk
 * with Tone.js and the voices). It plays the beat on its own clock from step 0, with
 * the same mixer, voices and step clock as the editor (app/audio), and reports each
 * step at the moment it sounds so the page can move its playhead.
 *
 * Each step's notes come from the mixer's playStep, that is from core's eventsAtStep with
 * the beat's own seed: the embed makes the same seeded choices (probability, conditions,
 * ratchets) as every editor and both exports. `window.__keyboardiaEmbed.triggered` lists
 * the notes it triggered (the mixer's record), for the end-to-end test that compares them;
 * it is set here, in the chunk loaded by Play, so the page's first load carries none of it.
 */
import * as Tone from '../audio/tone';
import type { Session } from '../../core/model';
import { loadMasterChain } from '../audio/masterChain';
import { Mixer, type TriggeredNote } from '../audio/mixer';
import { loadInstruments } from '../audio/samples';
import { repeatSteps, setTempoNow } from '../audio/stepClock';

/** The first step sounds this long after Play: never late. */
const START_LEAD_SECONDS = 0.1;
/** Play waits at most this long for the beat's samples before starting anyway. */
const SAMPLE_WAIT_MS = 5000;
/** Master level, as the editor's default. */
const MASTER_VOLUME = 0.8;

export interface EmbedPlayback {
  /** Start from step 0, unless `wanted()` says no once the samples are ready. Resolves when running. */
  start(wanted?: () => boolean): Promise<void>;
  stop(): void;
  /** Stop and free the mixer (the landing page plays one card after another in one context). */
  dispose(): void;
}

/** `window.__keyboardiaEmbed`: the notes this player triggered, oldest first (app/audio/mixer.ts TriggeredNote). */
export interface EmbedDebugHandle {
  readonly triggered: readonly TriggeredNote[];
}

/**
 * `context` must be the AudioContext created (and resumed) inside the Play click:
 * the one gesture that browsers (Safari above all) accept to start audio.
 * `onStep` gets each global step as it sounds, and null on stop.
 */
export function createPlayback(session: Session, context: AudioContext, onStep: (globalStep: number | null) => void): EmbedPlayback {
  // Tone's global context is still its placeholder (app/audio/tone.ts makes none at load):
  // ours, already allowed to play, takes its place. Once only: a second player on the same
  // context (the landing page's next card) keeps Tone's wrapper, its transport and worklet.
  if (Tone.getContext().rawContext !== (context as unknown)) Tone.setContext(context);
  let mixer: Mixer | null = null;
  let repeatId: number | null = null;
  /** What the e2e test reads: the notes triggered so far (none before the first Play). */
  const hook: EmbedDebugHandle = {
    get triggered() {
      return mixer?.triggered ?? [];
    },
  };
  (window as unknown as { __keyboardiaEmbed?: EmbedDebugHandle }).__keyboardiaEmbed = hook;

  const stop = () => {
    const transport = Tone.getTransport();
    if (repeatId !== null) transport.clear(repeatId);
    repeatId = null;
    transport.stop();
    transport.cancel();
    mixer?.silence(Tone.now());
    Tone.getDraw().cancel(0);
    onStep(null);
  };

  return {
    async start(wanted = () => true) {
      await Tone.start();
      // The master chain's processor (a small module of our own) before anything is built.
      await loadMasterChain(Tone.getContext());
      await Promise.race([
        loadInstruments(session.tracks.map((t) => t.instrument)),
        new Promise((done) => setTimeout(done, SAMPLE_WAIT_MS)),
      ]);
      // Stop (or Stop then Play) was pressed while this waited: that later press decides.
      if (!wanted()) return;
      if (!mixer) {
        mixer = new Mixer(Tone.getDestination(), MASTER_VOLUME);
        mixer.sync(session, null, false);
      }
      stop();
      const transport = Tone.getTransport();
      setTempoNow(transport, session.tempo);
      const draw = Tone.getDraw();
      const id = repeatSteps(transport, 0, (globalStep, time) => {
        mixer?.playStep(session, globalStep, time, null);
        // A frame already queued when Stop came must not light the playhead again.
        draw.schedule(() => repeatId === id && onStep(globalStep), time);
      });
      repeatId = id;
      transport.start(Tone.now() + START_LEAD_SECONDS);
    },
    stop,
    dispose() {
      stop();
      mixer?.dispose();
      mixer = null;
    },
  };
}
