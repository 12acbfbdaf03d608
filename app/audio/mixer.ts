/**
 * The mixer: one strip per track (voice → volume → pan → mute, with reverb and
 * delay sends) into a master bus (effects returns, master volume, a soft clipper).
 * Live playback and the offline render build the same mixer, so an export sounds
 * like what you hear.
 *
 *   voice ─ volume ─ pan ─ mute ─┬──────────────────────────────┐
 *                                ├─ reverb send ─ reverb ───────┤
 *                                └─ delay send ── delay ────────┴─ master ─ clip ─ out
 *
 * Nothing here adds latency (no DynamicsCompressor: its look-ahead would move every
 * onset by several milliseconds), so a note sounds at the time it was scheduled.
 */
import * as Tone from 'tone';
import type { Effects, Session, Track } from '../../core';
import { instrumentInfo } from '../../core/instruments';
import { eventsAtStep, stepSeconds } from '../../core/events';
import { createVoice, sendWeight, type Voice } from './voices';

/** Ramp time for parameter changes while playing: long enough to never click. */
const SMOOTH_SECONDS = 0.03;
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

/** Linear below 0.7, then a smooth knee towards ±1: catches the odd peak without a limiter's latency. */
function softClip(x: number): number {
  const magnitude = Math.abs(x);
  if (magnitude <= 0.7) return x;
  return Math.sign(x) * (0.7 + 0.3 * Math.tanh((magnitude - 0.7) / 0.3));
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
  private readonly headroom: Tone.Gain;
  private readonly clip: Tone.WaveShaper;

  constructor(destination: Tone.InputNode, masterVolume: number) {
    // The context is Tone's global one now (an offline render's, while it builds the bus).
    this.context = Tone.getContext();
    this.master = new Tone.Gain(masterVolume);
    // The shaper reads −1…1; halving first gives it ±2 of input range (and the curve doubles back).
    this.headroom = new Tone.Gain(0.5);
    this.clip = new Tone.WaveShaper((u) => softClip(u * 2), 4096);
    this.master.chain(this.headroom, this.clip, destination);
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
      this.headroom,
      this.clip,
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

class Strip {
  voice: Voice;
  instrument: string;
  private readonly volume = new Tone.Gain(0);
  private readonly panner = new Tone.Panner(0);
  private readonly mute = new Tone.Gain(1);
  private readonly reverbSend = new Tone.Gain(1);
  private readonly delaySend = new Tone.Gain(1);
  private retired: Voice[] = [];

  constructor(track: Track, bus: MasterBus) {
    this.instrument = track.instrument;
    this.voice = createVoice(track.instrument);
    this.voice.output.connect(this.volume);
    this.volume.chain(this.panner, this.mute, bus.input);
    this.mute.connect(this.reverbSend);
    this.mute.connect(this.delaySend);
    this.reverbSend.connect(bus.reverbIn);
    this.delaySend.connect(bus.delayIn);
    this.setSends();
  }

  private setSends(): void {
    const weight = sendWeight(this.instrument);
    this.reverbSend.gain.value = weight;
    this.delaySend.gain.value = weight;
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
      this.voice.output.connect(this.volume);
      this.setSends();
    }
    setParam(this.volume.gain, track.volume, smooth);
    setParam(this.panner.pan, track.pan, smooth);
    setParam(this.mute.gain, audible ? 1 : 0, smooth);
  }

  /** Fade out, then free everything. */
  remove(): void {
    this.mute.gain.rampTo(0, SMOOTH_SECONDS);
    setTimeout(() => this.dispose(), 200);
  }

  dispose(): void {
    for (const voice of [this.voice, ...this.retired]) voice.dispose();
    this.retired = [];
    for (const node of [this.volume, this.panner, this.mute, this.reverbSend, this.delaySend]) node.dispose();
  }
}

export class Mixer {
  readonly bus: MasterBus;
  private readonly strips = new Map<string, Strip>();

  /** Build in the current Tone context (the live one, or an OfflineContext inside Tone.Offline). */
  constructor(destination: Tone.InputNode, masterVolume: number) {
    this.bus = new MasterBus(destination, masterVolume);
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

  /** Trigger everything that sounds at one global step, at audio time `time` (the step's unswung time). */
  playStep(session: Session, globalStep: number, time: number, audible: ReadonlySet<string> | null): void {
    const seconds = stepSeconds(session.tempo);
    for (const event of eventsAtStep(session, globalStep, audible)) {
      const at = time + event.offset;
      // Choke groups: this hit cuts what its group's instruments ring on other tracks.
      const chokes = instrumentInfo(event.instrument)?.chokes;
      if (chokes) for (const strip of this.strips.values()) if (chokes.includes(strip.instrument)) strip.voice.silence(at);
      // Every note of the step (a chord sounds them together), finely tuned by the track's tune.
      const voice = this.strips.get(event.trackId)?.voice;
      if (voice) for (const pitch of event.pitches) voice.trigger(at, event.velocity, pitch + event.detune, seconds, event.gateSteps);
    }
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
