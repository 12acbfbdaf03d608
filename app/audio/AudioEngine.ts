/**
 * The audio engine: a mixer with one strip per track, a transport that plays the
 * session on the shared timeline, and a playhead published outside React. It
 * subscribes to the store directly, so editing never re-renders anything
 * audio-related and playback never waits for React.
 *
 * Timing: Tone's transport runs with lookahead and calls back with the exact audio
 * time of each step; we schedule with that time only. Which step it is comes from
 * the shared timeline (server time), so listeners' bars line up.
 *
 * Editing while playing: a step, velocity or pitch edit changes nothing in the
 * audio graph (the next callback reads the store); volume, pan, mute and effects
 * glide; only a changed instrument replaces a voice, and the old one rings out.
 */
import * as Tone from './tone';
import { createStore } from 'zustand/vanilla';
import { cueAt, nextBoundary, type PatternId, type Session, stepDurationMs } from '../../core';
import { audibleTracks, type SessionState, type SessionStore } from '../store/sessionStore';
import { clientNow } from '../sync/ClockSync';
import { exposeAudioDebugHandle } from './debugHandle';
import { ensureNativeContext, hasLiveContext, loadMasterChain, MASTER_LATENCY_SECONDS, type MasterEffects } from './masterChain';
import { LEVEL_TAP_SIZE, Mixer, type TriggeredNote } from './mixer';
import type { RenderOptions } from './offlineRender';
import { instrumentStatus, instrumentStatusStore, loadInstrument, loadInstruments, type InstrumentStatus } from './samples';
import { stepSeconds } from '../../core/events';
import { repeatSteps, setTempoNow } from './stepClock';
import { createVoice, type Voice } from './voices';

export type { InstrumentStatus } from './samples';

export interface PlayOptions {
  /**
   * Nobody else is playing: start at once from the top, moving the shared timeline there
   * (the callback sends start_transport with the new anchor). Otherwise Play joins the
   * others in phase at the next step.
   */
  atOnce?: (anchorMs: number) => void;
}

export interface PlayheadState {
  /** Global step index on the shared timeline, or null when stopped. */
  globalStep: number | null;
}
export const playheadStore = createStore<PlayheadState>(() => ({ globalStep: null }));

/** Steps scheduled while playing, in server time: used to measure alignment between listeners. */
export interface ScheduledStep {
  globalStep: number;
  serverMs: number;
  /** The pattern that sounded (a launch switches it on a bar everyone shares). */
  pattern: PatternId;
}

/** How many recent clock readings audioAnchor keeps (a few seconds of playback). */
const PAIRING_WINDOW = 48;
/** Readings younger than this are reused by the next Play (the clocks drift far less than a millisecond in it). */
const PAIRING_FRESH_MS = 5000;

/** Scheduled steps further than this from the shared timeline, this many in a row, trigger a re-join. */
const DRIFT_TOLERANCE_MS = 3;
const DRIFT_STEPS = 2;

/** Joining others: start this far ahead of "now" so the first step is never late. */
const START_LEAD_MS = 120;
/** A step handed to the mixer directly on a re-join must be at least this far ahead (its nodes take a few ms to build). */
const REJOIN_MIN_AHEAD_SECONDS = 0.012;
/**
 * Playing alone, Play starts the pattern (or song) this soon after the click: enough
 * for the first note's nodes to be built before its time (12 ms), plus the master
 * chain's latency, by which every note starts ahead of its step. Steps that fall before
 * Tone's look-ahead are handed to the mixer directly; Tone's transport takes over after them.
 */
const PLAY_AT_ONCE_LEAD_MS = 12 + Math.ceil(MASTER_LATENCY_SECONDS * 1000);
/** Play waits at most this long for the session's samples (they are usually decoded long before). */
const SAMPLE_WAIT_MS = 1500;
/** A preview voice is kept this long after its last use (hovering along the picker reuses it). */
const PREVIEW_KEEP_MS = 4000;

/**
 * Whether audio may start now: the context already runs, or the page has had a user
 * gesture (sticky activation), so Tone.start() will resume it. Without either, a
 * preview would only queue a warning and a suspended context.
 */
function audioAllowed(): boolean {
  if (audioRunning()) return true;
  const activation = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
  return activation?.hasBeenActive ?? true;
}

/** Whether the live audio context exists and runs (asking does not make one). */
export const audioRunning = (): boolean => hasLiveContext() && Tone.getContext().state === 'running';

/** Whether anyone (this listener, or a peer) holds Fill. */
const fillHeld = (state: SessionState) => state.fillHeld || state.peers.some((p) => p.fill);

export class AudioEngine {
  private mixer: Mixer | null = null;
  /** The master level meter's tap (levelTap). */
  private masterTap: AnalyserNode | null = null;
  private repeatId: number | null = null;
  private unsubscribe: (() => void) | null = null;
  private playingTempo = 0;
  private playingAnchor = 0;
  private readonly previews = new Map<string, { voice: Voice; timer: ReturnType<typeof setTimeout> }>();
  private lastPreview: string | null = null;
  /** Recent scheduled steps (for the alignment measurement), newest last. */
  /** Recent (client ms − audio ms) readings; see audioAnchor. */
  private pairings: number[] = [];
  private pairedAt = 0;
  /** The last global step handed to the mixer (never schedule one twice). */
  private lastPlayedStep = -Infinity;
  private driftStreak = 0;
  /** Counts Play requests and Stops: a Play that finds it moved on while it waited was cancelled. */
  private playRequests = 0;
  /** The song has ended (it does not loop): playback stops when its last step has sounded. */
  private songEnded = false;
  private endTimer: ReturnType<typeof setTimeout> | null = null;
  /** How often playback re-joined the timeline to correct drift (for tests and benchmarks). */
  realignments = 0;
  /**
   * Launches heard of after their first step was already handed to the audio clock (under
   * the old pattern): the launch lead (core LAUNCH_LEAD_MS) was too short for this listener.
   */
  lateLaunches = 0;
  /** Preview notes played, and the instrument of the last (for tests). */
  previewsPlayed = 0;
  lastPreviewed: string | null = null;
  readonly scheduled: ScheduledStep[] = [];
  /** The notes this listener's mixer triggered lately (tests compare listeners with them). */
  get triggered(): readonly TriggeredNote[] {
    return this.mixer?.triggered ?? [];
  }

  constructor(
    private readonly store: SessionStore,
    private readonly serverNow: () => number,
  ) {}

  attach(): void {
    // No audio context yet: Play (or a preview) makes it (see hasLiveContext). The
    // session's samples are fetched and decoded meanwhile, in a private offline context.
    exposeAudioDebugHandle();
    this.unsubscribe = this.store.subscribe((state, prev) => this.onStoreChange(state, prev));
    const session = this.store.getState().session;
    if (session) void this.preload(session);
  }

  detach(): void {
    this.stop();
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const { voice, timer } of this.previews.values()) {
      clearTimeout(timer);
      voice.dispose();
    }
    this.previews.clear();
    this.mixer?.dispose();
    this.mixer = null;
    this.masterTap?.disconnect();
    this.masterTap = null;
  }

  /** What the live master chain delays the mix by (null before the first Play; 0 if it fell back to a soft clipper). */
  get masterLatencySeconds(): number | null {
    return this.mixer ? this.mixer.bus.latencySeconds : null;
  }

  /** Whether audio runs on this page already (a Play or a click started it): Play needs no gesture then. */
  get audioRunning(): boolean {
    return audioRunning();
  }

  /**
   * Calls `running` once audio runs without a click: at once when it already does; else the
   * live context is made now, and a context the browser lets start by itself (an earlier
   * gesture, an autoplay policy that allows it) starts within moments and calls it then.
   * Returns whether audio already ran. "Play together" uses it: no page makes a context
   * while it loads (issue 17), so a follower's may not exist when the others press Play.
   */
  whenAudioRuns(running: () => void): boolean {
    if (audioRunning()) {
      running();
      return true;
    }
    ensureNativeContext();
    if (!hasLiveContext()) return false;
    const context = Tone.getContext().rawContext as AudioContext;
    if (context.state === 'running') {
      running();
      return true;
    }
    const onChange = () => {
      if (context.state !== 'running') return;
      context.removeEventListener('statechange', onChange);
      running();
    };
    context.addEventListener('statechange', onChange);
    return false;
  }

  get isPlaying(): boolean {
    return this.repeatId !== null;
  }

  /** Loading state of an instrument's samples ('ready' at once for synthesised ones). */
  instrumentStatus(instrument: string): InstrumentStatus {
    return instrumentStatus(instrument);
  }

  /** Called whenever any instrument's loading state changes; returns the unsubscribe. */
  subscribeInstrumentStatus(listener: () => void): () => void {
    return instrumentStatusStore.subscribe(listener);
  }

  /**
   * Start playing at the next step boundary of the shared timeline. Call from a user gesture.
   * Play waits (for the audio context, the clock, up to SAMPLE_WAIT_MS for samples): a
   * Stop, or the page leaving, during that wait cancels it, so it never starts afterwards.
   */
  async play(options: PlayOptions = {}): Promise<void> {
    if (!this.store.getState().session) return;
    const request = ++this.playRequests;
    const cancelled = () => request !== this.playRequests;
    ensureNativeContext();
    await Tone.start();
    await this.primeClockPairing();
    await loadMasterChain(Tone.getContext());
    if (cancelled()) return;
    const mixer = this.ensureMixer();
    // The session's own samples are normally decoded by now (they load with the session).
    const session = this.store.getState().session!;
    await Promise.race([this.preload(session), new Promise((done) => setTimeout(done, SAMPLE_WAIT_MS))]);
    const current = this.store.getState().session;
    if (!current || cancelled()) return;
    mixer.sync(current, audibleTracks(this.store.getState()), false);
    this.lastPlayedStep = Number.NEGATIVE_INFINITY;
    this.songEnded = false;
    if (options.atOnce) this.startAtOnce(options.atOnce);
    else this.startTransport(current);
    this.store.setState({ playing: true });
  }

  /**
   * Play from step 0 of the pattern or song in PLAY_AT_ONCE_LEAD_MS: the shared timeline
   * moves there (`announce` sends start_transport with the new anchor), so that others
   * who press Play later join in phase.
   */
  private startAtOnce(announce: (anchorMs: number) => void): void {
    const anchorMs = this.serverNow() + PLAY_AT_ONCE_LEAD_MS;
    // Known before the store changes, so the change does not read as a re-join.
    this.playingAnchor = anchorMs;
    announce(anchorMs);
    const session = this.store.getState().session!;
    const transport = this.restartTransport(session);
    // Steps sooner than Tone's look-ahead would be late through the transport: play them here.
    const stepMs = stepDurationMs(session.tempo);
    const horizon = Tone.now() + 0.02;
    let step = 0;
    for (; ; step++) {
      const time = this.serverMsToAudioTime(anchorMs + step * stepMs);
      if (time >= horizon) break;
      this.playStep(step, time);
    }
    this.repeatId = repeatSteps(transport, step, (globalStep, time) => this.playStep(globalStep, time));
    transport.start(this.serverMsToAudioTime(anchorMs + step * stepMs));
  }

  stop(): void {
    this.playRequests++; // a Play still waiting will not start
    if (this.endTimer) clearTimeout(this.endTimer);
    this.endTimer = null;
    // Nothing ever played on this page: no context to stop (and none to make for it).
    if (hasLiveContext()) {
      const transport = Tone.getTransport();
      if (this.repeatId !== null) transport.clear(this.repeatId);
      transport.stop();
      transport.cancel();
      this.mixer?.silence(Tone.now());
      Tone.getDraw().cancel(0);
    }
    this.repeatId = null;
    playheadStore.setState({ globalStep: null });
    if (this.store.getState().playing) this.store.setState({ playing: false });
  }

  /**
   * Preview one instrument (picker hover/focus): loads its samples if needed, then plays
   * one note at its root, through the master bus. One at a time: the previous preview is
   * released, and of several asked for while loading only the latest sounds. It sounds
   * only once the page has had a user gesture (the browser's autoplay rule: hovering
   * alone cannot start audio); before that it just loads. `previewsPlayed` counts the
   * notes played, for tests.
   */
  async preview(instrument: string, pitch = 0): Promise<void> {
    this.lastPreview = instrument;
    const load = loadInstrument(instrument);
    if (!audioAllowed()) {
      await load.catch(() => undefined); // the status says 'error'
      return;
    }
    ensureNativeContext();
    await Tone.start();
    await this.primeClockPairing();
    await loadMasterChain(Tone.getContext());
    if (this.lastPreview !== instrument) return;
    const mixer = this.ensureMixer();
    let entry = this.previews.get(instrument);
    if (entry) clearTimeout(entry.timer);
    else {
      const voice = createVoice(instrument);
      voice.output.connect(mixer.bus.input);
      entry = { voice, timer: 0 as unknown as ReturnType<typeof setTimeout> };
      this.previews.set(instrument, entry);
    }
    const { voice } = entry;
    entry.timer = setTimeout(() => {
      this.previews.delete(instrument);
      voice.dispose();
    }, PREVIEW_KEEP_MS);
    try {
      await voice.ready;
    } catch {
      return; // the status says 'error'
    }
    // Hovering on while it loaded: only the latest request sounds.
    if (this.lastPreview !== instrument) return;
    const at = Tone.now() + 0.02;
    for (const [other, { voice: previous }] of this.previews) if (other !== instrument) previous.silence(at);
    voice.trigger(at, 100 / 127, pitch, stepSeconds(120), 4);
    this.previewsPlayed++;
    this.lastPreviewed = instrument;
  }

  /** Set the master drive and chorus (0…1 each, 0 = off; local, like the master volume): heard at once, and in renders. */
  setMasterEffects(effects: MasterEffects): void {
    this.store.setState({ masterEffects: { ...effects } });
  }

  /**
   * Render the current session (or `session`) offline, as heard (mute and solo
   * applied, the master effects): for WAV export. Loads the renderer on first use.
   */
  async render(options: RenderOptions = {}, session = this.store.getState().session): Promise<AudioBuffer> {
    if (!session) throw new Error('no session to render');
    const { renderSession } = await import('./offlineRender');
    const state = this.store.getState();
    return renderSession(session, {
      audible: audibleTracks(state),
      masterVolume: state.masterVolume,
      masterEffects: state.masterEffects,
      ...options,
    });
  }

  /**
   * The analyser of a track's strip or, for `null`, of everything this listener hears (after
   * the master chain), for the level meters (app/ui/levelMeters.ts). Null before the first
   * Play: there is no audio context to tap yet.
   */
  levelTap(trackId: string | null): AnalyserNode | null {
    if (!this.mixer) return null;
    if (trackId !== null) return this.mixer.trackAnalyser(trackId);
    if (!this.masterTap) {
      this.masterTap = Tone.getContext().createAnalyser();
      this.masterTap.fftSize = LEVEL_TAP_SIZE;
      Tone.getDestination().connect(this.masterTap);
    }
    return this.masterTap;
  }

  private preload(session: Session): Promise<void> {
    return loadInstruments(session.tracks.map((t) => t.instrument));
  }

  private ensureMixer(): Mixer {
    if (!this.mixer) {
      const { masterVolume, masterEffects } = this.store.getState();
      this.mixer = new Mixer(Tone.getDestination(), masterVolume, masterEffects);
      const session = this.store.getState().session;
      if (session) this.mixer.sync(session, audibleTracks(this.store.getState()), false);
    }
    return this.mixer;
  }

  private onStoreChange(state: SessionState, prev: SessionState): void {
    const session = state.session;
    if (session && session !== prev.session) {
      void this.preload(session);
      const launch = session.transport.next;
      if (this.isPlaying && launch && launch !== prev.session?.transport.next && launch.at <= this.lastPlayedStep) this.lateLaunches++;
      // A tempo change moves the shared anchor: re-join the timeline at the next step.
      // Someone's Play at once moves it too, and numbers the steps from 0 again.
      if (this.isPlaying && (session.tempo !== this.playingTempo || session.timeline.anchorMs !== this.playingAnchor)) {
        if (session.tempo === this.playingTempo) this.lastPlayedStep = Number.NEGATIVE_INFINITY;
        this.startTransport(session);
      }
    }
    if (this.mixer && session && (session !== prev.session || state.muted !== prev.muted || state.soloed !== prev.soloed)) {
      this.mixer.sync(session, audibleTracks(state), true);
    }
    if (this.mixer && state.masterVolume !== prev.masterVolume) this.mixer.bus.setMasterVolume(state.masterVolume, true);
    if (this.mixer && state.masterEffects !== prev.masterEffects) this.mixer.bus.setMasterEffects(state.masterEffects, true);
  }

  /**
   * Keep this listener on the shared timeline. The audio clock, the clock offset
   * estimate and the reported output latency all settle after playback starts; when
   * the scheduled steps sit off the timeline for several steps in a row, re-join it.
   */
  private correctDrift(session: Session, globalStep: number, serverMs: number): void {
    const expected = session.timeline.anchorMs + globalStep * stepDurationMs(session.tempo);
    const off = Math.abs(serverMs - expected) > DRIFT_TOLERANCE_MS;
    this.driftStreak = off ? this.driftStreak + 1 : 0;
    if (this.driftStreak >= DRIFT_STEPS) {
      this.driftStreak = 0;
      this.realignments++;
      setTimeout(() => {
        const current = this.store.getState().session;
        if (this.isPlaying && current) this.startTransport(current);
      }, 0);
    }
  }

  /** Clear Tone's transport of the previous run and set it to the session's tempo, from now. */
  private restartTransport(session: Session): ReturnType<typeof Tone.getTransport> {
    const transport = Tone.getTransport();
    if (this.repeatId !== null) transport.clear(this.repeatId);
    transport.stop();
    transport.cancel();
    setTempoNow(transport, session.tempo);
    this.playingTempo = session.tempo;
    return transport;
  }

  private startTransport(session: Session): void {
    const transport = this.restartTransport(session);
    this.playingAnchor = session.timeline.anchorMs;
    const now = this.serverNow();
    const boundary = nextBoundary(session.timeline.anchorMs, session.tempo, now + START_LEAD_MS, 1);
    // Re-joining while playing (drift, a tempo change): the steps after the last one handed
    // to the mixer and before the transport's new start are still ahead. Hand them over here,
    // as Play at once does, or they are never played (a loaded page re-joined and skipped
    // the first steps of a launched pattern). One already too close to schedule is let go.
    if (Number.isFinite(this.lastPlayedStep)) {
      const stepMs = stepDurationMs(session.tempo);
      const horizon = Tone.immediate() + REJOIN_MIN_AHEAD_SECONDS;
      for (let step = this.lastPlayedStep + 1; step < boundary.globalStep; step++) {
        const time = this.serverMsToAudioTime(session.timeline.anchorMs + step * stepMs);
        if (time >= horizon) this.playStep(step, time);
      }
    }
    const startAt = this.serverMsToAudioTime(boundary.atMs);
    this.repeatId = repeatSteps(transport, boundary.globalStep, (globalStep, time) => this.playStep(globalStep, time));
    transport.start(startAt);
  }

  private playStep(globalStep: number, time: number): void {
    const state = this.store.getState();
    const session = state.session;
    if (!session || !this.mixer) return;
    // After a re-join, steps already scheduled by the previous run are not played twice.
    if (globalStep <= this.lastPlayedStep) return;
    this.lastPlayedStep = globalStep;
    const cue = cueAt(session, globalStep);
    if (cue.ended) {
      // A song that does not loop has played to its end: stop when its last step has.
      if (!this.songEnded) {
        this.songEnded = true;
        this.endTimer = setTimeout(() => this.stop(), Math.max(0, (time - Tone.now()) * 1000 + Tone.getContext().lookAhead * 1000));
      }
      return;
    }
    this.mixer.playStep(session, globalStep, time, audibleTracks(state), fillHeld(state));
    const serverMs = this.audioTimeToServerMs(time);
    this.scheduled.push({ globalStep, serverMs, pattern: cue.pattern });
    this.correctDrift(session, globalStep, serverMs);
    if (this.scheduled.length > 256) this.scheduled.splice(0, this.scheduled.length - 256);
    // Drawn callbacks queued before a Stop must not bring the playhead back.
    Tone.getDraw().schedule(() => this.isPlaying && playheadStore.setState({ globalStep }), time);
  }

  /**
   * Read the clocks until the audio clock has moved once, so the start is computed from a
   * reading taken right after a buffer update (one buffer, ≤ 15 ms, once per Play: a
   * longer wait measurably delays the first sound for little more alignment).
   */
  private async primeClockPairing(): Promise<void> {
    // Readings from the last few seconds (playback takes one per step) still hold: Play
    // again soon after Stop starts without waiting for the audio clock to move.
    if (this.pairings.length > 0 && performance.now() - this.pairedAt < PAIRING_FRESH_MS) return;
    this.pairings = [];
    const raw = Tone.getContext().rawContext as AudioContext;
    let updates = 0;
    let last = raw.currentTime;
    const until = performance.now() + 15;
    while (updates < 1 && performance.now() < until) {
      this.audioAnchor();
      await new Promise((done) => setTimeout(done, 2));
      if (raw.currentTime !== last) {
        updates++;
        last = raw.currentTime;
      }
    }
  }

  /**
   * One consistent pairing of the audio clock with the client clock, for "the moment
   * this audio time leaves the speakers": currentTime plus the output latency, against
   * now. currentTime only advances once per audio buffer, so a single reading lags by up
   * to a buffer (±5 ms of jitter measured in Chromium); the smallest recent difference is
   * the reading taken right after an update, so that one is used. (Mixing this with
   * getOutputTimestamp, invalid right after the context resumes, put late joiners ~27 ms
   * early; correctDrift re-joins the timeline should the pairing ever jump.)
   */
  private audioAnchor(): { audio: number; clientMs: number } {
    const raw = Tone.getContext().rawContext as AudioContext;
    const latency = (raw.outputLatency || 0) + (raw.baseLatency || 0);
    const audio = raw.currentTime + latency;
    const now = clientNow();
    this.pairings.push(now - audio * 1000);
    this.pairedAt = performance.now();
    if (this.pairings.length > PAIRING_WINDOW) this.pairings.shift();
    return { audio, clientMs: audio * 1000 + Math.min(...this.pairings) };
  }

  private serverMsToAudioTime(serverMs: number): number {
    const anchor = this.audioAnchor();
    const clientMs = serverMs - (this.serverNow() - clientNow());
    return anchor.audio + (clientMs - anchor.clientMs) / 1000;
  }

  private audioTimeToServerMs(audioTime: number): number {
    const anchor = this.audioAnchor();
    const clientMs = anchor.clientMs + (audioTime - anchor.audio) * 1000;
    return clientMs + (this.serverNow() - clientNow());
  }
}
