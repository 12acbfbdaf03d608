/**
 * How each instrument of the catalogue (core/instruments.ts) sounds. A voice is
 * created per track (and per offline render); `trigger` schedules one note at an
 * exact audio-clock time, the time Tone's transport passed to its callback.
 *
 * Every node is created in the Tone context that is current when the voice is
 * created (the live one, or an OfflineContext during a render), including the
 * one-shot sources made on each hit, which use the context of the voice's output.
 *
 * Melodic voices take `pitch` in semitones from their root (`instrumentInfo().root` in
 * core, shared with the MIDI export and the pitch roll's note names); drums take it as a
 * tuning in (fractional) semitones: a sample plays at 2^(pitch/12) of its speed, a
 * synthesised drum shifts its frequencies by that ratio. Every voice takes velocity
 * 0…1, shaped by VELOCITY_CURVE.
 *
 * The instruments added with the larger library (issue 13) are in ./library, built
 * from the helpers exported here.
 */
import * as Tone from './tone';
import { instrumentInfo } from '../../core/instruments';
import { soundKeyOf } from '../sounds/format';
import { LIBRARY } from './library';
import { instrumentBuffers, loadInstrument } from './samples';

export interface Voice {
  /** Connect this to the track's strip. */
  readonly output: Tone.Gain;
  /** Resolves when the voice can sound (samples decoded); at once for synths. */
  readonly ready: Promise<void>;
  /**
   * Schedule one note. `gateSteps` is how many steps until the track's next note
   * (with `exactGate`: the note's own length, which it holds exactly)
   * (1 when the next step is lit): sustained instruments hold that long.
   */
  trigger(time: number, velocity: number, pitch: number, stepSeconds: number, gateSteps: number, exactGate?: boolean): void;
  /** Release whatever is sounding, from `time` (Stop, instrument change). */
  silence(time: number): void;
  dispose(): void;
}

/** Velocity 0…1 → gain: a square law, so 64/127 is about −12 dB under full. */
export const VELOCITY_CURVE = (velocity: number): number => velocity * velocity;

/** How much of each instrument goes to the reverb and delay sends (the low end stays dry). */
export function sendWeight(instrument: string): number {
  if (instrument.endsWith('kick') || instrument.endsWith('-bass')) return 0.15;
  return 1;
}

const midiToFrequency = (midi: number) => 440 * 2 ** ((midi - 69) / 12);
export const noteFrequency = (instrument: string, pitch: number) => midiToFrequency((instrumentInfo(instrument)?.root ?? 60) + pitch);
/** A drum's tuning: `pitch` semitones (fractional) as a frequency or playback-rate ratio. */
export const tuning = (pitch: number): number => 2 ** (pitch / 12);
export const READY = Promise.resolve();

/** Base for voices built from Tone instruments: an output gain and a dispose list. */
export function voiceParts(level: number) {
  const output = new Tone.Gain(level);
  const owned: { dispose(): unknown }[] = [output];
  return {
    output,
    own<T extends { dispose(): unknown }>(node: T): T {
      owned.push(node);
      return node;
    },
    dispose() {
      for (const node of owned.reverse()) node.dispose();
    },
  };
}

// ————————————————————————————————————————————— sampled drums

/** Start loading; a failure shows in the instrument's status, and is no unhandled rejection. */
export function loading(instrument: string): Promise<void> {
  const load = loadInstrument(instrument);
  load.catch(() => undefined);
  return load;
}

/**
 * One sample, one-shot per hit, at the playback rate `pitch` asks for; a `choke` voice
 * cuts its previous hit (an open hat).
 */
export function sampledHit(instrument: string, level: number, choke = false): Voice {
  const parts = voiceParts(level);
  let last: Tone.ToneBufferSource | null = null;
  return {
    output: parts.output,
    ready: loading(instrument),
    trigger(time, velocity, pitch) {
      const buffer = instrumentBuffers(instrument)?.hit;
      if (!buffer) return; // not loaded yet: silent until it is
      if (choke && last) last.stop(time);
      const source = new Tone.ToneBufferSource({
        context: parts.output.context,
        url: buffer,
        fadeOut: 0.004,
        playbackRate: tuning(pitch),
      });
      source.connect(parts.output);
      source.onended = () => {
        if (last === source) last = null;
        source.dispose();
      };
      source.start(time, 0, undefined, VELOCITY_CURVE(velocity));
      last = source;
    },
    silence(time) {
      if (choke && last) last.stop(time);
    },
    dispose: parts.dispose,
  };
}

/**
 * A session's own sound (`sound:<key>`, issue 16): its one sample, one-shot per hit at the
 * playback rate `pitch` asks for (the track's tune; a step's pitch and the transpose too
 * wherever core counts the sound as melodic), silent until decoded. A hit cuts the hits
 * of earlier steps (a 10 s sample retriggered every step would pile up), not those of
 * the same moment (a chord); a note of set length (exactGate) stops when it ends.
 * Normalised to −1 dBFS on upload, so one level suits every sound.
 */
export function ownSound(instrument: string): Voice {
  const parts = voiceParts(0.8);
  let sounding: { source: Tone.ToneBufferSource; at: number }[] = [];
  const cut = (time: number) => {
    for (const hit of sounding) if (hit.at < time) hit.source.stop(time);
    sounding = sounding.filter((hit) => hit.at >= time);
  };
  return {
    output: parts.output,
    ready: loading(instrument),
    trigger(time, velocity, pitch, stepSeconds, gateSteps, exactGate) {
      const buffer = instrumentBuffers(instrument)?.hit;
      if (!buffer) return; // not loaded yet: silent until it is
      cut(time);
      const source = new Tone.ToneBufferSource({
        context: parts.output.context,
        url: buffer,
        fadeOut: 0.004,
        playbackRate: tuning(pitch),
      });
      source.connect(parts.output);
      const hit = { source, at: time };
      source.onended = () => {
        sounding = sounding.filter((h) => h !== hit);
        source.dispose();
      };
      source.start(time, 0, undefined, VELOCITY_CURVE(velocity));
      if (exactGate) source.stop(time + gateSteps * stepSeconds);
      sounding.push(hit);
    },
    silence(time) {
      for (const hit of sounding) hit.source.stop(Math.max(time, hit.at));
      sounding = [];
    },
    dispose: parts.dispose,
  };
}

// ————————————————————————————————————————————— sampled piano

function piano(): Voice {
  const parts = voiceParts(0.66);
  const sampler = parts.own(new Tone.Sampler({ attack: 0, release: 0.9, curve: 'exponential' }).connect(parts.output));
  let loaded = false;
  const fill = () => {
    const notes = instrumentBuffers('piano');
    if (!notes || loaded) return;
    for (const [note, buffer] of Object.entries(notes)) sampler.add(note as Tone.Unit.Note, new Tone.ToneAudioBuffer(buffer));
    loaded = true;
  };
  fill();
  const ready = loading('piano').then(fill);
  ready.catch(() => undefined);
  return {
    output: parts.output,
    ready,
    trigger(time, velocity, pitch, stepSeconds, gateSteps, exactGate) {
      if (!loaded) return;
      const hold = exactGate ? gateSteps * stepSeconds : Math.min(gateSteps, 8) * stepSeconds;
      sampler.triggerAttackRelease(noteFrequency('piano', pitch), hold, time, VELOCITY_CURVE(velocity));
    },
    silence: (time) => sampler.releaseAll(time),
    dispose: parts.dispose,
  };
}

// ————————————————————————————————————————————— the 808-style kit, synthesised

function kick808(): Voice {
  const parts = voiceParts(0.85);
  const body = parts.own(
    new Tone.MembraneSynth({
      pitchDecay: 0.045,
      octaves: 5,
      oscillator: { type: 'sine' },
      envelope: { attack: 0.001, decay: 0.7, sustain: 0, release: 0.1, attackCurve: 'linear' },
    }).connect(parts.output),
  );
  return {
    output: parts.output,
    ready: READY,
    trigger: (time, velocity, pitch) => body.triggerAttackRelease(49 * tuning(pitch), 0.5, time, VELOCITY_CURVE(velocity)),
    silence: () => undefined,
    dispose: parts.dispose,
  };
}

function snare808(): Voice {
  const parts = voiceParts(0.75);
  const tone = parts.own(
    new Tone.MembraneSynth({
      pitchDecay: 0.015,
      octaves: 1.5,
      envelope: { attack: 0.001, decay: 0.12, sustain: 0, release: 0.05 },
      volume: -6,
    }).connect(parts.output),
  );
  const snappy = parts.own(new Tone.Filter(1800, 'highpass').connect(parts.output));
  const noise = parts.own(
    new Tone.NoiseSynth({
      noise: { type: 'white' },
      envelope: { attack: 0.001, decay: 0.2, sustain: 0, release: 0.03 },
      volume: -4,
    }).connect(snappy),
  );
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity, pitch) {
      const gain = VELOCITY_CURVE(velocity);
      tone.triggerAttackRelease(185 * tuning(pitch), 0.1, time, gain);
      snappy.frequency.setValueAtTime(1800 * tuning(pitch), time);
      noise.triggerAttackRelease(0.15, time, gain);
    },
    silence: () => undefined,
    dispose: parts.dispose,
  };
}

function hat808(decay: number): Voice {
  const parts = voiceParts(0.42);
  const air = parts.own(new Tone.Filter(7000, 'highpass').connect(parts.output));
  const metal = parts.own(
    new Tone.MetalSynth({
      envelope: { attack: 0.001, decay, release: 0.01 },
      harmonicity: 5.1,
      modulationIndex: 32,
      resonance: 8000,
      octaves: 1.5,
      volume: -2,
    }).connect(air),
  );
  return {
    output: parts.output,
    ready: READY,
    trigger: (time, velocity, pitch) => metal.triggerAttackRelease(250 * tuning(pitch), decay, time, VELOCITY_CURVE(velocity)),
    silence: () => undefined,
    dispose: parts.dispose,
  };
}

/** Noise through a band-pass, three quick bursts then a tail: hands clapping together. */
function clap808(): Voice {
  const parts = voiceParts(3.7);
  const envelope = parts.own(new Tone.Gain(0).connect(parts.output));
  const band = parts.own(new Tone.Filter({ frequency: 1150, type: 'bandpass', Q: 1.4 }).connect(envelope));
  const noise = parts.own(new Tone.Noise('white').connect(band));
  noise.start();
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity, pitch) {
      const peak = VELOCITY_CURVE(velocity);
      band.frequency.setValueAtTime(1150 * tuning(pitch), time);
      const gain = envelope.gain;
      gain.cancelScheduledValues(time);
      for (const [at, level] of [
        [0, 1],
        [0.011, 0.8],
        [0.022, 0.7],
      ] as const) {
        gain.setValueAtTime(peak * level, time + at);
        gain.exponentialRampToValueAtTime(peak * level * 0.12, time + at + 0.0105);
      }
      gain.setValueAtTime(peak * 0.8, time + 0.033);
      gain.exponentialRampToValueAtTime(0.0001, time + 0.25);
      gain.setValueAtTime(0, time + 0.26);
    },
    silence: () => undefined,
    dispose: parts.dispose,
  };
}

/** Two detuned square waves (540 and 800 Hz, as on the TR-808) through a band-pass. */
function cowbell808(): Voice {
  const parts = voiceParts(0.45);
  const band = parts.own(new Tone.Filter({ frequency: 2000, type: 'bandpass', Q: 0.8 }).connect(parts.output));
  const make = () =>
    parts.own(
      new Tone.Synth({ oscillator: { type: 'square' }, envelope: { attack: 0.001, decay: 0.35, sustain: 0, release: 0.05 } }).connect(band),
    );
  const low = make();
  const high = make();
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity, pitch) {
      const gain = VELOCITY_CURVE(velocity);
      low.triggerAttackRelease(540 * tuning(pitch), 0.1, time, gain);
      high.triggerAttackRelease(800 * tuning(pitch), 0.1, time, gain);
    },
    silence: () => undefined,
    dispose: parts.dispose,
  };
}

// ————————————————————————————————————————————— melodic synths

export type Playable = {
  triggerAttackRelease(note: Tone.Unit.Frequency, duration: Tone.Unit.Time, time?: Tone.Unit.Time, velocity?: number): unknown;
  dispose(): unknown;
  connect(node: Tone.InputNode): unknown;
  /** Polyphonic instruments release every held note. */
  releaseAll?(time?: Tone.Unit.Time): unknown;
};

/**
 * A melodic voice around one Tone instrument. `hold` turns the gate (steps until
 * the next note) into seconds: short for basses and plucks, long for pads. Every synth
 * is a PolySynth (the mono ones of their monophonic voice), so a step's chord sounds.
 */
export function melodic(
  instrument: string,
  level: number,
  build: (parts: ReturnType<typeof voiceParts>) => { synth: Playable; input?: Tone.InputNode },
  hold: (gateSteps: number, stepSeconds: number) => number,
): Voice {
  const parts = voiceParts(level);
  const { synth, input } = build(parts);
  parts.own(synth);
  synth.connect(input ?? parts.output);
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity, pitch, stepSeconds, gateSteps, exactGate) {
      // A note's own length (or a ratchet's hit) holds exactly; otherwise the voice's gate shapes it.
      const seconds = exactGate ? gateSteps * stepSeconds : hold(gateSteps, stepSeconds);
      synth.triggerAttackRelease(noteFrequency(instrument, pitch), seconds, time, VELOCITY_CURVE(velocity));
    },
    silence: (time) => synth.releaseAll?.(time),
    dispose: parts.dispose,
  };
}

/** Legato-ish for monophonic lines: hold until just before the next note, up to `max` steps. */
export const gate =
  (max: number, fraction = 0.9) =>
  (gateSteps: number, stepSeconds: number) =>
    Math.min(gateSteps, max) * stepSeconds * fraction;

const synthBass = () =>
  melodic(
    'synth-bass',
    0.7,
    () => ({
      synth: new Tone.PolySynth(Tone.MonoSynth, {
        oscillator: { type: 'sawtooth' },
        filter: { type: 'lowpass', Q: 3, rolloff: -24 },
        envelope: { attack: 0.003, decay: 0.25, sustain: 0.55, release: 0.08 },
        filterEnvelope: { attack: 0.003, decay: 0.18, sustain: 0.25, release: 0.12, baseFrequency: 90, octaves: 3.5 },
      }),
    }),
    gate(2),
  );

const acidBass = () =>
  melodic(
    'acid-bass',
    0.4,
    (parts) => {
      const grit = parts.own(new Tone.Distortion({ distortion: 0.35, wet: 0.5 }).connect(parts.output));
      return {
        synth: new Tone.PolySynth(Tone.MonoSynth, {
          oscillator: { type: 'sawtooth' },
          filter: { type: 'lowpass', Q: 12, rolloff: -24 },
          envelope: { attack: 0.002, decay: 0.3, sustain: 0.6, release: 0.05 },
          filterEnvelope: { attack: 0.002, decay: 0.2, sustain: 0.08, release: 0.1, baseFrequency: 160, octaves: 4.2, exponent: 2 },
        }),
        input: grit,
      };
    },
    gate(1, 0.8),
  );

const subBass = () =>
  melodic(
    'sub-bass',
    0.4,
    () => ({
      // A touch of second and third harmonic so the sub is heard on laptop speakers.
      synth: new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'custom', partials: [1, 0.18, 0.06] },
        envelope: { attack: 0.008, decay: 0.1, sustain: 0.9, release: 0.12 },
      }),
    }),
    gate(4, 0.95),
  );

function ePiano(): Voice {
  return melodic(
    'e-piano',
    3,
    (parts) => {
      // 1:1 FM puts a sideband at fc − fm = 0 Hz: a DC offset (−47 dBFS in e2e/sound-quality),
      // which this high-pass far below the lowest note (65 Hz) takes out.
      const dcBlock = parts.own(new Tone.Filter({ frequency: 20, type: 'highpass', Q: Math.SQRT1_2 }).connect(parts.output));
      const tremolo = parts.own(new Tone.Tremolo({ frequency: 4.5, depth: 0.3, spread: 0 }).connect(dcBlock));
      tremolo.start(0);
      const synth = new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 1,
        modulationIndex: 5,
        oscillator: { type: 'sine' },
        modulation: { type: 'sine' },
        envelope: { attack: 0.002, decay: 1.6, sustain: 0.15, release: 0.9 },
        modulationEnvelope: { attack: 0.002, decay: 0.35, sustain: 0.05, release: 0.6 },
      });
      return { synth, input: tremolo };
    },
    gate(8, 0.95),
  );
}

function organ(): Voice {
  return melodic(
    'organ',
    0.44,
    (parts) => {
      const chorus = parts.own(new Tone.Chorus({ frequency: 5.5, delayTime: 2.5, depth: 0.3, wet: 0.35 }).connect(parts.output));
      chorus.start(0);
      // Drawbars 8' 4' 2⅔' 2' … : the first partials of a tonewheel organ.
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'custom', partials: [1, 0.8, 0.55, 0.25, 0.3, 0, 0, 0.25] },
        envelope: { attack: 0.004, decay: 0.05, sustain: 1, release: 0.07 },
      });
      return { synth, input: chorus };
    },
    gate(16, 0.95),
  );
}

const squareLead = () =>
  melodic(
    'square-lead',
    0.35,
    () => ({
      synth: new Tone.PolySynth(Tone.MonoSynth, {
        oscillator: { type: 'square' },
        portamento: 0.012,
        filter: { type: 'lowpass', Q: 2, rolloff: -12 },
        envelope: { attack: 0.004, decay: 0.2, sustain: 0.6, release: 0.12 },
        filterEnvelope: { attack: 0.004, decay: 0.25, sustain: 0.5, release: 0.2, baseFrequency: 600, octaves: 3 },
      }),
    }),
    gate(4),
  );

const sawLead = () =>
  melodic(
    'saw-lead',
    0.7,
    () => ({
      synth: new Tone.PolySynth(Tone.MonoSynth, {
        oscillator: { type: 'fatsawtooth', count: 3, spread: 24 },
        filter: { type: 'lowpass', Q: 1.5, rolloff: -24 },
        envelope: { attack: 0.006, decay: 0.3, sustain: 0.7, release: 0.2 },
        filterEnvelope: { attack: 0.006, decay: 0.4, sustain: 0.5, release: 0.3, baseFrequency: 900, octaves: 2.5 },
      }),
    }),
    gate(4),
  );

function pluck(): Voice {
  return melodic(
    'pluck',
    1.1,
    () => {
      const synth = new Tone.PolySynth(Tone.MonoSynth, {
        oscillator: { type: 'sawtooth' },
        filter: { type: 'lowpass', Q: 1, rolloff: -24 },
        envelope: { attack: 0.001, decay: 0.5, sustain: 0, release: 0.3 },
        filterEnvelope: { attack: 0.001, decay: 0.22, sustain: 0, release: 0.2, baseFrequency: 250, octaves: 4.5 },
      });
      return { synth };
    },
    () => 0.1,
  );
}

function warmPad(): Voice {
  return melodic(
    'warm-pad',
    0.6,
    (parts) => {
      const soft = parts.own(new Tone.Filter({ frequency: 1400, type: 'lowpass', Q: 0.5 }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'fatsawtooth', count: 3, spread: 30 },
        envelope: { attack: 0.35, decay: 0.6, sustain: 0.75, release: 1.6 },
      });
      return { synth, input: soft };
    },
    gate(32, 1),
  );
}

function glassPad(): Voice {
  return melodic(
    'glass-pad',
    0.8,
    (parts) => {
      const chorus = parts.own(new Tone.Chorus({ frequency: 0.8, delayTime: 4, depth: 0.6, wet: 0.4 }).connect(parts.output));
      chorus.start(0);
      const synth = new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 3.01,
        modulationIndex: 1.6,
        oscillator: { type: 'sine' },
        modulation: { type: 'triangle' },
        envelope: { attack: 0.25, decay: 0.8, sustain: 0.6, release: 2 },
        modulationEnvelope: { attack: 0.5, decay: 0.6, sustain: 0.6, release: 2 },
      });
      return { synth, input: chorus };
    },
    gate(32, 1),
  );
}

// ————————————————————————————————————————————— fx

const zap = () =>
  melodic(
    'zap',
    1,
    () => ({
      synth: new Tone.PolySynth(Tone.MembraneSynth, {
        pitchDecay: 0.09,
        octaves: 4,
        oscillator: { type: 'sawtooth' },
        envelope: { attack: 0.001, decay: 0.22, sustain: 0, release: 0.05 },
      }),
    }),
    () => 0.15,
  );

/** A noise riser: a band-pass sweeps up over the gate (until the next note), pitch moves the band. */
function noiseSweep(): Voice {
  const parts = voiceParts(1.6);
  const envelope = parts.own(new Tone.Gain(0).connect(parts.output));
  const band = parts.own(new Tone.Filter({ frequency: 400, type: 'bandpass', Q: 3 }).connect(envelope));
  const noise = parts.own(new Tone.Noise('white').connect(band));
  noise.start();
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity, pitch, stepSeconds, gateSteps, exactGate) {
      const length = exactGate ? gateSteps * stepSeconds : Math.max(Math.min(gateSteps, 16) * stepSeconds, 0.25);
      const shift = 2 ** (pitch / 12);
      // Cancel and hold, not cancel: cancelling removes a ramp that is under way (the
      // previous note's fade, which ends where the next note starts), and the gain jumped
      // from full to 0, a click (found by e2e/sound-quality). Held, the new note rises from
      // wherever the previous one was.
      const frequency = band.frequency;
      frequency.cancelAndHoldAtTime(time);
      frequency.exponentialRampToValueAtTime(Math.min(250 * shift, 12_000), time + 0.005);
      frequency.exponentialRampToValueAtTime(Math.min(6000 * shift, 16_000), time + length);
      const gain = envelope.gain;
      gain.cancelAndHoldAtTime(time);
      gain.linearRampToValueAtTime(VELOCITY_CURVE(velocity), time + length * 0.85);
      gain.linearRampToValueAtTime(0, time + length);
    },
    silence(time) {
      envelope.gain.cancelAndHoldAtTime(time);
      envelope.gain.setTargetAtTime(0, time, 0.02);
    },
    dispose: parts.dispose,
  };
}

// ————————————————————————————————————————————— test voice

/**
 * Not an instrument: a 2 ms full-scale click with a vertical edge, for the
 * timing tests (an onset that can be located to the sample).
 */
export const CLICK_INSTRUMENT = 'test-click';
function click(): Voice {
  const parts = voiceParts(1);
  const rate = parts.output.context.sampleRate;
  const data = new Float32Array(Math.round(rate * 0.002)).fill(1);
  const buffer = Tone.ToneAudioBuffer.fromArray(data);
  return {
    output: parts.output,
    ready: READY,
    trigger(time, velocity) {
      const source = new Tone.ToneBufferSource({ context: parts.output.context, url: buffer });
      source.connect(parts.output);
      source.onended = () => source.dispose();
      source.start(time, 0, undefined, velocity);
    },
    silence: () => undefined,
    dispose: () => {
      buffer.dispose();
      parts.dispose();
    },
  };
}

/**
 * Levels (the numbers passed to voiceParts and sampledHit) balance each family at the
 * default track volume: drums by peak, melodic voices by momentary loudness, each within
 * ±3 dB of its family's median, as e2e/sound-quality.spec.ts measures and prints.
 */
const factories: Readonly<Record<string, () => Voice>> = {
  'studio-kick': () => sampledHit('studio-kick', 1),
  'studio-snare': () => sampledHit('studio-snare', 0.9),
  'studio-hat': () => sampledHit('studio-hat', 0.82),
  'studio-open-hat': () => sampledHit('studio-open-hat', 0.68, true),
  'studio-tom': () => sampledHit('studio-tom', 0.8),
  'studio-cowbell': () => sampledHit('studio-cowbell', 0.72),
  'electro-kick': () => sampledHit('electro-kick', 1),
  'electro-snare': () => sampledHit('electro-snare', 0.8),
  'electro-hat': () => sampledHit('electro-hat', 0.7),
  'electro-clap': () => sampledHit('electro-clap', 0.7),
  'electro-perc': () => sampledHit('electro-perc', 0.8),
  '808-kick': kick808,
  '808-snare': snare808,
  '808-hat': () => hat808(0.05),
  '808-clap': clap808,
  '808-cowbell': cowbell808,
  'synth-bass': synthBass,
  'acid-bass': acidBass,
  'sub-bass': subBass,
  piano,
  'e-piano': ePiano,
  organ,
  'square-lead': squareLead,
  'saw-lead': sawLead,
  pluck,
  'warm-pad': warmPad,
  'glass-pad': glassPad,
  zap,
  'noise-sweep': noiseSweep,
  ...LIBRARY,
  [CLICK_INSTRUMENT]: click,
};

/** Every instrument id that has a voice of its own (the catalogue plus the test click). */
export const VOICED_INSTRUMENTS: readonly string[] = Object.keys(factories);

/** How many voices were ever created: tests check that editing while playing creates none. */
export const voiceStats = { created: 0 };

/**
 * A voice for any instrument id. An id this client does not know (a newer client
 * added it) gets a neutral synth rather than silence.
 */
export function createVoice(instrument: string): Voice {
  voiceStats.created++;
  const make = factories[instrument];
  if (make) return make();
  if (soundKeyOf(instrument)) return ownSound(instrument);
  return melodic(instrument, 0.4, () => ({ synth: new Tone.PolySynth(Tone.Synth) }), gate(2));
}
