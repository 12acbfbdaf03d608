/**
 * The mixer: one strip per track (voice → volume → pan → mute, with reverb and
 * delay sends) into a master bus (effects returns, master volume, the master chain).
 * Live playback, the offline render and the embed build the same mixer, so an export
 * sounds like what you hear.
 *
 *   voice ─ volume ─ pan ─ mute ─┬──────────────────────────────┐
 *                                ├─ reverb send ─ reverb ───────┤
 *                                └─ delay send ── delay ────────┴─ master ─ master chain ─ out
 *
 * The master chain (masterChain.ts: optional drive and chorus, glue compressor, true-peak
 * limiter) keeps any mix below −1 dBTP. Its limiter looks ahead, so the whole mix leaves
 * it MASTER_LATENCY_SECONDS late; playStep starts every note that much earlier, so a
 * note still sounds at the time it was scheduled for (its step's grid time).
 */
import * as Tone from './tone';
import type { Effects, Session, Track } from '../../core';
import { instrumentInfo } from '../../core/instruments';
import { eventsAtStep, stepSeconds } from '../../core/events';
import { DEFAULT_MASTER_EFFECTS, MasterChain, type MasterEffects } from './masterChain';
import { createVoice, sendWeight, type Voice } from './voices';

/** Ramp time for parameter changes while playing: long enough to never click. */
const SMOOTH_SECONDS = 0.03;
/** Samples a level tap reads at once: about 21 ms at 48 kHz, more than a frame at 60 Hz. */
export const LEVEL_TAP_SIZE = 1024;

/** How long a replaced voice may ring on before it is disposed. */
const RETIRE_MS = 2500;

/** The reverb's impulse response: decaying, darkening stereo noise from a fixed seed (renders are reproducible). */
const impulses = new Map<number, AudioBuffer>();
export function reverbImpulse(sampleRate: number, seconds = 2.4): AudioBuffer {
  const cached = impulses.get(sampleRate);
  if (cached) return cached;
  const length = Math.round(sampleRate * seconds);
  const buffer = new AudioBuffer({ length, numberOfChannels: 2, sampleRate });
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const preDelay = Math.round(sampleRate * 0.012);
  for (let channel = 0; channel < 2; channel++) {
    const data = buffer.getChannelData(channel);
    let low = 0;
    for (let i = preDelay; i < length; i++) {
      const t = (i - preDelay) / sampleRate;
      // −60 dB at about 2.2 s; the high end dies faster than the low (a one-pole low-pass closing over time).
      const amplitude = Math.exp((-6.9 * t) / 2.2);
      const closing = 0.85 * Math.exp(-t * 1.6) + 0.08;
      low += closing * (random() * 2 - 1 - low);
      data[i] = low * amplitude;
    }
  }
  impulses.set(sampleRate, buffer);
  return buffer;
}

export class MasterBus {
  /** Dry sum of every strip. */
  readonly input: Tone.Gain;
  readonly reverbIn: Tone.Gain;
  readonly delayIn: Tone.Gain;
  private readonly reverbAmount: Tone.Gain;
  private readonly delayAmount: Tone.Gain;
  /** Built when some reverb is first wanted (see setEffects); null until then. */
  private reverb: Tone.Convolver | null = null;
  private readonly context: Tone.BaseContext;
  private readonly delay: Tone.FeedbackDelay;
  private readonly delayTone: Tone.Filter;
  private readonly master: Tone.Gain;
  private readonly chain: MasterChain;
  /** How late the master chain lets the mix out (seconds); notes are started this much earlier. */
  readonly latencySeconds: number;

  /** In a context where the master chain's worklet is loaded (loadMasterChain), or it falls back to a soft clipper. */
  constructor(destination: Tone.InputNode, masterVolume: number, masterEffects: MasterEffects = DEFAULT_MASTER_EFFECTS) {
    // The context is Tone's global one now (an offline render's, while it builds the bus).
    this.context = Tone.getContext();
    this.master = new Tone.Gain(masterVolume);
    this.chain = new MasterChain(destination);
    this.chain.setEffects(masterEffects, false);
    this.latencySeconds = this.chain.latencySeconds;
    this.master.connect(this.chain.input);
    this.input = new Tone.Gain(1).connect(this.master);

    this.reverbIn = new Tone.Gain(1);
    this.reverbAmount = new Tone.Gain(0);
    this.reverbIn.connect(this.reverbAmount);

    this.delayIn = new Tone.Gain(1);
    this.delayAmount = new Tone.Gain(0);
    this.delay = new Tone.FeedbackDelay({ delayTime: 0.25, feedback: 0.35, maxDelay: 4, wet: 1 });
    this.delayTone = new Tone.Filter({ frequency: 4500, type: 'lowpass', rolloff: -12 });
    this.delayIn.chain(this.delayAmount, this.delay, this.delayTone, this.master);
  }

  /** Send amounts, feedback, and the delay time: a dotted eighth (three steps) at the tempo. */
  setEffects(effects: Effects, tempo: number, smooth: boolean): void {
    // The convolver (a 2.4 s stereo impulse) convolves even silence: fed by a closed send it
    // made an offline render about 15 times slower. So it exists only once reverb is wanted,
    // and then stays, so that its tail rings out when the reverb is turned down again.
    if (effects.reverb > 0 && !this.reverb) {
      this.reverb = new Tone.Convolver({ context: this.context, url: new Tone.ToneAudioBuffer(reverbImpulse(this.context.sampleRate)) });
      this.reverbAmount.chain(this.reverb, this.master);
    }
    setParam(this.reverbAmount.gain, effects.reverb, smooth);
    // The delay return is mixed a little lower than the reverb: echoes read louder.
    setParam(this.delayAmount.gain, effects.delay * 0.7, smooth);
    setParam(this.delay.feedback, effects.delayFeedback, smooth);
    // A Param<"time"> holds seconds here: we only ever set numbers.
    setParam(this.delay.delayTime as unknown as ParamLike, 3 * stepSeconds(tempo), smooth);
  }

  setMasterVolume(volume: number, smooth: boolean): void {
    setParam(this.master.gain, volume, smooth);
  }

  /** Drive and chorus on the master (local settings, not synced). */
  setMasterEffects(effects: MasterEffects, smooth: boolean): void {
    this.chain.setEffects(effects, smooth);
  }

  dispose(): void {
    this.reverb?.dispose();
    for (const node of [
      this.input,
      this.reverbIn,
      this.reverbAmount,
      this.delayIn,
      this.delayAmount,
      this.delay,
      this.delayTone,
      this.master,
      this.chain,
    ]) {
      node.dispose();
    }
  }
}

interface ParamLike {
  value: number;
  rampTo(value: number, seconds: number): unknown;
}
/** Jump (offline, or before playing) or glide (live) to a value; skip when unchanged. */
function setParam(param: ParamLike, value: number, smooth: boolean): void {
  if (Math.abs(param.value - value) < 1e-6) return;
  if (smooth) param.rampTo(value, SMOOTH_SECONDS);
  else param.value = value;
}

/** The sound-shaping fields of a track (core/fields.ts): what Strip's shaping stages read. */
type Shape = Pick<Track, 'filter' | 'cutoff' | 'resonance' | 'attack' | 'decay' | 'drive' | 'reverbSend' | 'delaySend'>;

/**
 * Saturation for a drive of 0…1: tanh at up to 10× gain, divided by the square root of
 * that gain, so quiet parts come up at most √10 (+10 dB) while peaks are rounded off: drive
 * adds heat and density rather than just level. Symmetric, so it adds no DC offset.
 */
export function driveCurve(drive: number): (x: number) => number {
  const g = 1 + 9 * drive;
  const makeup = 1 / Math.sqrt(g);
  return (x) => Math.tanh(g * x) * makeup;
}

/** The shortest fade the envelope makes (a jump would click). */
const ENVELOPE_EDGE = 0.003;
/** A melodic note's gate, as the envelope's decay counts it: until the next note, at most this many steps. */
const ENVELOPE_MAX_GATE_STEPS = 16;

/**
 * One track's chain:
 *
 *   voice ─ [drive] ─ [filter] ─ envelope ─ volume ─ pan ─ mute ─┬─ dry to the bus
 *                                                                 ├─ reverb send
 *                                                                 └─ delay send
 *
 * Drive and filter exist only while the track uses them (a filter wide open is not
 * transparent, and each node costs), so a track at its defaults sounds exactly as it did
 * before model 4. The envelope is automated only when the track sets attack or decay.
 */
class Strip {
  voice: Voice;
  instrument: string;
  private readonly input = new Tone.Gain(1);
  private readonly envelope = new Tone.Gain(1);
  private readonly volume = new Tone.Gain(0);
  private readonly panner = new Tone.Panner(0);
  private readonly mute = new Tone.Gain(1);
  private readonly reverbSend = new Tone.Gain(1);
  private readonly delaySend = new Tone.Gain(1);
  private drive: Tone.WaveShaper | null = null;
  private driveAmount = 0;
  private filter: Tone.Filter | null = null;
  /** The level meter's tap, after mute (a muted strip reads silence); made when first asked for. */
  private tap: AnalyserNode | null = null;
  private shape: Shape;
  private retired: Voice[] = [];

  constructor(track: Track, bus: MasterBus) {
    this.instrument = track.instrument;
    this.shape = track;
    this.voice = createVoice(track.instrument);
    this.voice.output.connect(this.input);
    this.input.connect(this.envelope);
    this.envelope.chain(this.volume, this.panner, this.mute, bus.input);
    this.mute.connect(this.reverbSend);
    this.mute.connect(this.delaySend);
    this.reverbSend.connect(bus.reverbIn);
    this.delaySend.connect(bus.delayIn);
    this.setShape(track, false);
  }

  /** Drive, filter and sends from the track's fields; stages come and go as they are used. */
  private setShape(track: Shape, smooth: boolean): void {
    const wantsDrive = track.drive > 0;
    const wantsFilter = track.filter !== 'off';
    const rewire = wantsDrive !== !!this.drive || wantsFilter !== !!this.filter;
    if (wantsDrive && (!this.drive || track.drive !== this.driveAmount)) {
      // A new curve is a new table: build it once per change, not per note.
      this.drive ??= new Tone.WaveShaper(driveCurve(track.drive), 2048);
      this.drive.setMap(driveCurve(track.drive), 2048);
      this.drive.oversample = '2x';
      this.driveAmount = track.drive;
    }
    if (wantsFilter) {
      this.filter ??= new Tone.Filter({
        type: track.filter as BiquadFilterType,
        frequency: track.cutoff,
        Q: track.resonance,
        rolloff: -12,
      });
      this.filter.type = track.filter as BiquadFilterType;
      setParam(this.filter.frequency as unknown as ParamLike, track.cutoff, smooth);
      setParam(this.filter.Q, track.resonance, smooth);
    }
    if (rewire) {
      this.input.disconnect();
      const stages: Tone.ToneAudioNode[] = [];
      if (wantsDrive) stages.push(this.drive!);
      else {
        this.drive?.dispose();
        this.drive = null;
      }
      if (wantsFilter) stages.push(this.filter!);
      else {
        this.filter?.dispose();
        this.filter = null;
      }
      for (const stage of stages) stage.disconnect();
      this.input.chain(...stages, this.envelope);
    }
    const weight = sendWeight(this.instrument);
    setParam(this.reverbSend.gain, track.reverbSend ?? weight, smooth);
    setParam(this.delaySend.gain, track.delaySend ?? weight, smooth);
    const hadEnvelope = this.shape.attack > 0 || this.shape.decay !== null;
    this.shape = { ...track };
    if (hadEnvelope && track.attack === 0 && track.decay === null) {
      // Envelope switched off: back to open, whatever was scheduled.
      this.envelope.gain.cancelScheduledValues(0);
      this.envelope.gain.value = 1;
    }
  }

  /**
   * Shape one note on the envelope: fade in over `attack`, then fade out over `decay`
   * (a drum's from its start, a melodic note's from the end of its gate). Nothing when the
   * track sets neither: then the envelope stays open and the voice plays as it is.
   */
  shapeNote(time: number, melodic: boolean, gateSeconds: number): void {
    const { attack, decay } = this.shape;
    if (attack === 0 && decay === null) return;
    const gain = this.envelope.gain;
    // Whatever the previous note left ringing fades out just before this one starts.
    gain.cancelAndHoldAtTime(Math.max(0, time - ENVELOPE_EDGE));
    if (attack > 0) {
      gain.linearRampToValueAtTime(0, time);
      gain.linearRampToValueAtTime(1, time + Math.max(attack, ENVELOPE_EDGE));
    } else {
      gain.linearRampToValueAtTime(1, time);
    }
    if (decay !== null) {
      const from = melodic ? Math.max(time + attack, time + gateSeconds) : time + attack;
      gain.setValueAtTime(1, from);
      // −60 dB over the decay, then silence (the last step is inaudible).
      gain.exponentialRampToValueAtTime(0.001, from + decay);
      gain.setValueAtTime(0, from + decay + ENVELOPE_EDGE);
    }
  }

  update(track: Track, audible: boolean, smooth: boolean): void {
    if (track.instrument !== this.instrument) {
      // A new instrument keeps the strip; the old voice releases and rings out, then goes.
      const old = this.voice;
      old.silence(Tone.now());
      this.retired.push(old);
      setTimeout(() => {
        // Unless the whole strip went first (and took it along).
        if (!this.retired.includes(old)) return;
        this.retired = this.retired.filter((v) => v !== old);
        old.dispose();
      }, RETIRE_MS);
      this.instrument = track.instrument;
      this.voice = createVoice(track.instrument);
      this.voice.output.connect(this.input);
    }
    this.setShape(track, smooth);
    setParam(this.volume.gain, track.volume, smooth);
    setParam(this.panner.pan, track.pan, smooth);
    setParam(this.mute.gain, audible ? 1 : 0, smooth);
  }

  /** An analyser fed after the strip's volume, pan and mute (live level meters, app/ui/levelMeters.ts). */
  analyser(): AnalyserNode {
    if (!this.tap) {
      this.tap = Tone.getContext().createAnalyser();
      this.tap.fftSize = LEVEL_TAP_SIZE;
      this.mute.connect(this.tap);
    }
    return this.tap;
  }

  /** Fade out, then free everything. */
  remove(): void {
    this.mute.gain.rampTo(0, SMOOTH_SECONDS);
    setTimeout(() => this.dispose(), 200);
  }

  dispose(): void {
    for (const voice of [this.voice, ...this.retired]) voice.dispose();
    this.retired = [];
    this.tap?.disconnect();
    this.tap = null;
    for (const node of [
      this.input,
      this.drive,
      this.filter,
      this.envelope,
      this.volume,
      this.panner,
      this.mute,
      this.reverbSend,
      this.delaySend,
    ]) {
      node?.dispose();
    }
  }
}

/** How long a note holds before its release, as the envelope's decay counts it (the gate, at most 16 steps). */
const gateSeconds = (event: { gateSteps: number; nextOffset: number; offset: number }, stepSeconds: number) =>
  Math.min(event.gateSteps, ENVELOPE_MAX_GATE_STEPS) * stepSeconds + event.nextOffset - event.offset;

/** A note the mixer triggered (what this listener played), for the tests that compare listeners. */
export interface TriggeredNote {
  globalStep: number;
  trackId: string;
  /** Seconds after the step's unswung time (StepEvent.offset). */
  offset: number;
  velocity: number;
}
/** How many triggered notes the mixer keeps (64 bars of a busy pattern). */
const TRIGGERED_KEPT = 16_384;

export class Mixer {
  readonly bus: MasterBus;
  private readonly strips = new Map<string, Strip>();
  /** The notes triggered lately, oldest first (at most about TRIGGERED_KEPT): the e2e agreement test reads them. */
  readonly triggered: TriggeredNote[] = [];

  /** Build in the current Tone context (the live one, or an OfflineContext inside Tone.Offline). */
  constructor(destination: Tone.InputNode, masterVolume: number, masterEffects?: MasterEffects) {
    this.bus = new MasterBus(destination, masterVolume, masterEffects);
  }

  /**
   * Bring strips in line with the session: new tracks get a strip, removed ones
   * fade out, a changed instrument swaps the voice; everything else (volume, pan,
   * mute, effects) is a parameter change. `smooth` glides while playing.
   */
  sync(session: Session, audible: ReadonlySet<string> | null, smooth: boolean): void {
    const live = new Set<string>();
    for (const track of session.tracks) {
      live.add(track.id);
      let strip = this.strips.get(track.id);
      if (!strip) {
        strip = new Strip(track, this.bus);
        this.strips.set(track.id, strip);
        strip.update(track, audible?.has(track.id) ?? true, false);
      } else {
        strip.update(track, audible?.has(track.id) ?? true, smooth);
      }
    }
    for (const [id, strip] of this.strips) {
      if (live.has(id)) continue;
      this.strips.delete(id);
      if (smooth) strip.remove();
      else strip.dispose();
    }
    this.bus.setEffects(session.effects, session.tempo, smooth);
  }

  /**
   * Trigger everything that sounds at one global step, at audio time `time` (the step's
   * unswung time): each note starts the master chain's latency earlier, so that it leaves
   * the chain on time.
   */
  playStep(session: Session, globalStep: number, time: number, audible: ReadonlySet<string> | null, fill = false): void {
    const seconds = stepSeconds(session.tempo);
    for (const event of eventsAtStep(session, globalStep, audible, fill)) {
      this.triggered.push({ globalStep, trackId: event.trackId, offset: event.offset, velocity: event.velocity });
      const at = time + event.offset - this.bus.latencySeconds;
      // Choke groups: this hit cuts what its group's instruments ring on other tracks.
      const chokes = instrumentInfo(event.instrument)?.chokes;
      if (chokes) for (const strip of this.strips.values()) if (chokes.includes(strip.instrument)) strip.voice.silence(at);
      const strip = this.strips.get(event.trackId);
      if (!strip) continue;
      strip.shapeNote(at, instrumentInfo(event.instrument)?.melodic ?? false, gateSeconds(event, seconds));
      // Every note of the step (a chord sounds them together), finely tuned by the track's tune.
      for (const pitch of event.pitches)
        strip.voice.trigger(at, event.velocity, pitch + event.detune, seconds, event.gateSteps, event.exactGate);
    }
    // Trimmed in halves, so the cost stays a push per note.
    if (this.triggered.length > 2 * TRIGGERED_KEPT) this.triggered.splice(0, this.triggered.length - TRIGGERED_KEPT);
  }

  /** The level tap of a track's strip (made on first use), or null when it has none. */
  trackAnalyser(trackId: string): AnalyserNode | null {
    return this.strips.get(trackId)?.analyser() ?? null;
  }

  /** Release sustained notes (Stop). */
  silence(time: number): void {
    for (const strip of this.strips.values()) strip.voice.silence(time);
  }

  /** Resolves when every strip's voice can sound. */
  ready(): Promise<void> {
    return Promise.all([...this.strips.values()].map((s) => s.voice.ready.catch(() => undefined))).then(() => undefined);
  }

  dispose(): void {
    for (const strip of this.strips.values()) strip.dispose();
    this.strips.clear();
    this.bus.dispose();
  }
}
