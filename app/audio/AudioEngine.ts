/**
 * The audio engine: Tone.js voices per track, a transport that plays the session
 * on the shared timeline, and a playhead published outside React. It subscribes
 * to the store directly, so editing never re-renders anything audio-related and
 * playback never waits for React.
 *
 * Timing: Tone's transport runs with lookahead and calls back with the exact audio
 * time of each step; we schedule with that time only. Which step it is comes from
 * the shared timeline (server time), so listeners' bars line up.
 */
import * as Tone from 'tone';
import { createStore } from 'zustand/vanilla';
import { nextBoundary, type Session } from '../../core';
import { audibleTracks, type SessionStore } from '../store/sessionStore';
import { clientNow } from '../sync/ClockSync';
import { eventsAtStep, stepSeconds } from './schedule';
import { createVoice, type Voice } from './voices';

export interface PlayheadState {
  /** Global step index on the shared timeline, or null when stopped. */
  globalStep: number | null;
}
export const playheadStore = createStore<PlayheadState>(() => ({ globalStep: null }));

/** Steps scheduled while playing, in server time: used to measure alignment between listeners. */
export interface ScheduledStep {
  globalStep: number;
  serverMs: number;
}

interface TrackChannel {
  instrument: string;
  voice: Voice;
  channel: Tone.Channel;
}

/** Start this far ahead of "now" so the first step is never late. */
const START_LEAD_MS = 120;

export class AudioEngine {
  private readonly channels = new Map<string, TrackChannel>();
  private master: Tone.Volume | null = null;
  private repeatId: number | null = null;
  private firstGlobalStep = 0;
  private unsubscribe: (() => void) | null = null;
  private playingTempo = 0;
  private playingAnchor = 0;
  /** Recent scheduled steps (for the alignment measurement), newest last. */
  readonly scheduled: ScheduledStep[] = [];

  constructor(
    private readonly store: SessionStore,
    private readonly serverNow: () => number,
  ) {}

  attach(): void {
    this.unsubscribe = this.store.subscribe((state, prev) => {
      if (state.session !== prev.session && state.session) this.onSessionChange(state.session, prev.session);
      if (state.masterVolume !== prev.masterVolume && this.master) this.master.volume.value = Tone.gainToDb(state.masterVolume);
    });
  }

  detach(): void {
    this.stop();
    this.unsubscribe?.();
    for (const ch of this.channels.values()) this.disposeChannel(ch);
    this.channels.clear();
  }

  get isPlaying(): boolean {
    return this.repeatId !== null;
  }

  /** Start playing at the next step boundary of the shared timeline. Call from a user gesture. */
  async play(): Promise<void> {
    const session = this.store.getState().session;
    if (!session) return;
    await Tone.start();
    this.ensureGraph();
    this.syncTracks(session);
    this.startTransport(session);
    this.store.setState({ playing: true });
  }

  stop(): void {
    const transport = Tone.getTransport();
    if (this.repeatId !== null) transport.clear(this.repeatId);
    this.repeatId = null;
    transport.stop();
    transport.cancel();
    playheadStore.setState({ globalStep: null });
    if (this.store.getState().playing) this.store.setState({ playing: false });
  }

  /** Preview one instrument (picker hover/focus). */
  async preview(instrument: string, pitch = 0): Promise<void> {
    await Tone.start();
    this.ensureGraph();
    const voice = createVoice(instrument);
    voice.output.connect(this.master!);
    await voice.ready;
    voice.trigger(Tone.now() + 0.01, 0.8, pitch, stepSeconds(120));
    setTimeout(() => voice.dispose(), 2000);
  }

  private ensureGraph(): void {
    if (this.master) return;
    this.master = new Tone.Volume(Tone.gainToDb(this.store.getState().masterVolume)).toDestination();
  }

  private startTransport(session: Session): void {
    const transport = Tone.getTransport();
    if (this.repeatId !== null) transport.clear(this.repeatId);
    transport.stop();
    transport.cancel();
    transport.bpm.value = session.tempo;
    this.playingTempo = session.tempo;
    this.playingAnchor = session.timeline.anchorMs;
    const now = this.serverNow();
    const boundary = nextBoundary(session.timeline.anchorMs, session.tempo, now + START_LEAD_MS, 1);
    this.firstGlobalStep = boundary.globalStep;
    const startAt = this.serverMsToAudioTime(boundary.atMs);
    const ticksPerStep = transport.PPQ / 4;
    this.repeatId = transport.scheduleRepeat((time) => {
      const stepIndex = Math.round(transport.getTicksAtTime(time) / ticksPerStep);
      this.playStep(this.firstGlobalStep + stepIndex, time);
    }, '16n', 0);
    transport.start(startAt);
  }

  private playStep(globalStep: number, time: number): void {
    const state = this.store.getState();
    const session = state.session;
    if (!session) return;
    const audible = audibleTracks(state);
    const seconds = stepSeconds(session.tempo);
    for (const event of eventsAtStep(session, globalStep, audible)) {
      const ch = this.channels.get(event.trackId);
      if (!ch) continue;
      ch.voice.trigger(time + event.offset, event.velocity, event.pitch, seconds);
    }
    this.scheduled.push({ globalStep, serverMs: this.audioTimeToServerMs(time) });
    if (this.scheduled.length > 256) this.scheduled.splice(0, this.scheduled.length - 256);
    Tone.getDraw().schedule(() => playheadStore.setState({ globalStep }), time);
  }

  private onSessionChange(session: Session, prev: Session | null): void {
    if (this.master) this.syncTracks(session);
    // A tempo change moves the shared anchor: re-join the timeline at the next step.
    if (this.isPlaying && (session.tempo !== this.playingTempo || session.timeline.anchorMs !== this.playingAnchor)) {
      this.startTransport(session);
    }
    void prev;
  }

  private syncTracks(session: Session): void {
    const live = new Set<string>();
    for (const track of session.tracks) {
      live.add(track.id);
      let ch = this.channels.get(track.id);
      if (ch && ch.instrument !== track.instrument) {
        this.disposeChannel(ch);
        ch = undefined;
      }
      if (!ch) {
        const voice = createVoice(track.instrument);
        const channel = new Tone.Channel({ volume: Tone.gainToDb(track.volume), pan: track.pan }).connect(this.master!);
        voice.output.connect(channel);
        ch = { instrument: track.instrument, voice, channel };
        this.channels.set(track.id, ch);
      }
      ch.channel.volume.value = Tone.gainToDb(Math.max(track.volume, 0.0001));
      ch.channel.pan.value = track.pan;
    }
    for (const [id, ch] of this.channels) {
      if (!live.has(id)) {
        this.disposeChannel(ch);
        this.channels.delete(id);
      }
    }
  }

  private disposeChannel(ch: TrackChannel): void {
    ch.voice.dispose();
    ch.channel.dispose();
  }

  /**
   * Map between the audio clock and server time through the output timestamp (which
   * pairs an audio-clock time with a performance.now() time), then the clock offset.
   */
  private audioAnchor(): { audio: number; clientMs: number } {
    const raw = Tone.getContext().rawContext as AudioContext;
    const stamp = typeof raw.getOutputTimestamp === 'function' ? raw.getOutputTimestamp() : null;
    if (stamp && stamp.contextTime && stamp.performanceTime) {
      return { audio: stamp.contextTime, clientMs: performance.timeOrigin + stamp.performanceTime };
    }
    return { audio: raw.currentTime, clientMs: clientNow() };
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

