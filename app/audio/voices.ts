/**
 * How each instrument of the catalogue (core/instruments.ts) sounds. A voice is
 * created per track; `trigger` schedules one note at an exact audio-clock time.
 */
import * as Tone from 'tone';

export interface Voice {
  readonly output: Tone.ToneAudioNode;
  /** Resolves when the voice can sound (samples loaded). */
  readonly ready: Promise<void>;
  trigger(time: number, velocity: number, pitch: number, stepSeconds: number): void;
  dispose(): void;
}

const midiToFreq = (midi: number) => Tone.Frequency(midi, 'midi').toFrequency();

function synthVoice(
  make: () => Tone.MonoSynth | Tone.Synth | Tone.FMSynth | Tone.AMSynth | Tone.PolySynth,
  root: number,
  lengthSteps: number,
): Voice {
  const synth = make();
  return {
    output: synth,
    ready: Promise.resolve(),
    trigger(time, velocity, pitch, stepSeconds) {
      synth.triggerAttackRelease(midiToFreq(root + pitch), stepSeconds * lengthSteps, time, velocity);
    },
    dispose: () => synth.dispose(),
  };
}

function kick808(): Voice {
  const synth = new Tone.MembraneSynth({ pitchDecay: 0.05, octaves: 6, envelope: { attack: 0.001, decay: 0.5, sustain: 0, release: 0.1 } });
  return {
    output: synth,
    ready: Promise.resolve(),
    trigger: (time, velocity) => synth.triggerAttackRelease(45, 0.4, time, velocity),
    dispose: () => synth.dispose(),
  };
}

function noiseHit(decay: number, filterFreq: number, type: BiquadFilterType): Voice {
  const filter = new Tone.Filter(filterFreq, type);
  const noise = new Tone.NoiseSynth({ noise: { type: 'white' }, envelope: { attack: 0.001, decay, sustain: 0, release: 0.01 } }).connect(filter);
  return {
    output: filter,
    ready: Promise.resolve(),
    trigger: (time, velocity) => noise.triggerAttackRelease(decay, time, velocity),
    dispose: () => {
      noise.dispose();
      filter.dispose();
    },
  };
}

function metalHit(frequency: number, decay: number): Voice {
  const synth = new Tone.MetalSynth({ envelope: { attack: 0.001, decay, release: 0.01 }, harmonicity: 5.1, modulationIndex: 32, resonance: 4000, octaves: 1.5 });
  synth.frequency.value = frequency;
  return {
    output: synth,
    ready: Promise.resolve(),
    trigger: (time, velocity) => synth.triggerAttackRelease(frequency, decay, time, velocity),
    dispose: () => synth.dispose(),
  };
}

const factories: Record<string, () => Voice> = {
  '808-kick': kick808,
  '808-snare': () => noiseHit(0.18, 1800, 'highpass'),
  '808-hat': () => metalHit(300, 0.05),
  '808-clap': () => noiseHit(0.12, 1200, 'bandpass'),
  '808-cowbell': () => synthVoice(() => new Tone.Synth({ oscillator: { type: 'square' }, envelope: { attack: 0.001, decay: 0.2, sustain: 0, release: 0.05 } }), 73, 1),
  'synth-bass': () => synthVoice(() => new Tone.MonoSynth({ oscillator: { type: 'sawtooth' }, filter: { Q: 2 }, envelope: { attack: 0.005, decay: 0.2, sustain: 0.4, release: 0.1 }, filterEnvelope: { attack: 0.005, decay: 0.15, sustain: 0.2, baseFrequency: 120, octaves: 3 } }), 36, 1),
};

/** A voice for any instrument id. Unknown ids fall back to a neutral synth. */
export function createVoice(instrument: string): Voice {
  const make = factories[instrument];
  if (make) return make();
  if (instrument.includes('kick')) return kick808();
  if (instrument.includes('snare') || instrument.includes('clap')) return noiseHit(0.15, 1500, 'highpass');
  if (instrument.includes('hat') || instrument.includes('perc') || instrument.includes('cowbell') || instrument.includes('tom')) return metalHit(400, 0.06);
  return synthVoice(() => new Tone.PolySynth(Tone.Synth), 60, 1);
}
