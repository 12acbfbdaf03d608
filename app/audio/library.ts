/**
 * The larger library (issue 13): the voices of the instruments added to the catalogue
 * after the first 29, spread into voices.ts's factories. Built from the helpers there:
 * sampled drums are `sampledHit` (tuned by `pitch`, choked by their kit's closed hat),
 * sampled melodic instruments a Tone.Sampler over one root per octave, the rest Tone.js
 * synths. Every melodic voice is polyphonic (a chord is one `trigger` per note).
 *
 * Levels are matched by ear and by e2e/sound-quality.spec.ts's offline render of each
 * instrument at the default volume: drums by peak, melodic voices by momentary loudness,
 * within ±3 dB of their family's median (aim for ±1.5, so that the next instrument added
 * does not push a neighbour out when it moves the median).
 */
import * as Tone from './tone';
import { gate, loading, melodic, noteFrequency, sampledHit, VELOCITY_CURVE, type Voice, voiceParts } from './voices';
import { instrumentBuffers } from './samples';

// ————————————————————————————————————————————— sampled melodic

interface SamplerShape {
  level: number;
  attack?: number;
  release: number;
  hold: (gateSteps: number, stepSeconds: number) => number;
  /**
   * Cutoff (Hz) of a gentle low-pass (12 dB/octave, Butterworth) on the sampler's output,
   * for bright recordings. Tone.Sampler shifts a root up by as much as six semitones, which
   * moves what a root holds above 11 kHz past 16 kHz and what it holds above 15.6 kHz past
   * Nyquist, folded back to 12.9–22 kHz. The bell's and the glass hum's top roots are bright
   * enough that their top octave read −36…−40 dB above 16 kHz (e2e/sound-quality: under −40);
   * at 13 kHz the filter takes 9 dB off at 16 kHz and 16 dB at 18 kHz (the bilinear
   * transform's zero at Nyquist steepens it there), and 0.7 dB at 10 kHz.
   */
  lowpass?: number;
}

/** A Tone.Sampler over the instrument's roots (samples.ts), silent until they are decoded. */
function sampledMelodic(instrument: string, { level, attack = 0, release, hold, lowpass }: SamplerShape): Voice {
  const parts = voiceParts(level);
  const into = lowpass
    ? parts.own(new Tone.Filter({ frequency: lowpass, type: 'lowpass', Q: Math.SQRT1_2, rolloff: -12 }).connect(parts.output))
    : parts.output;
  const sampler = parts.own(new Tone.Sampler({ attack, release, curve: 'exponential' }).connect(into));
  let loaded = false;
  const fill = () => {
    const notes = instrumentBuffers(instrument);
    if (!notes || loaded) return;
    for (const [note, buffer] of Object.entries(notes)) sampler.add(note as Tone.Unit.Note, new Tone.ToneAudioBuffer(buffer));
    loaded = true;
  };
  fill();
  const ready = loading(instrument).then(fill);
  ready.catch(() => undefined);
  return {
    output: parts.output,
    ready,
    trigger(time, velocity, pitch, stepSeconds, gateSteps, exactGate) {
      if (!loaded) return;
      const seconds = exactGate ? gateSteps * stepSeconds : hold(gateSteps, stepSeconds);
      sampler.triggerAttackRelease(noteFrequency(instrument, pitch), seconds, time, VELOCITY_CURVE(velocity));
    },
    silence: (time) => sampler.releaseAll(time),
    dispose: parts.dispose,
  };
}

// ————————————————————————————————————————————— basses

/** Two detuned saws under a low-pass: the drum-and-bass "Reese". */
const reeseBass = () =>
  melodic(
    'reese-bass',
    1,
    (parts) => {
      const filter = parts.own(new Tone.Filter({ frequency: 700, type: 'lowpass', Q: 1.2, rolloff: -24 }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'fatsawtooth', count: 2, spread: 22 },
        envelope: { attack: 0.006, decay: 0.2, sustain: 0.85, release: 0.12 },
      });
      return { synth, input: filter };
    },
    gate(4),
  );

/** A sine modulating a sine at the same frequency, its index falling fast: a round, plucked bass. */
const fmBass = () =>
  melodic(
    'fm-bass',
    2.2,
    () => ({
      synth: new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 1,
        modulationIndex: 6,
        oscillator: { type: 'sine' },
        modulation: { type: 'sine' },
        envelope: { attack: 0.003, decay: 0.35, sustain: 0.5, release: 0.1 },
        modulationEnvelope: { attack: 0.002, decay: 0.12, sustain: 0.15, release: 0.1 },
      }),
    }),
    gate(2),
  );

// ————————————————————————————————————————————— keys

/** Band-limited pulse partials (duty `duty`): a pulse wave without the aliasing of a shaped saw. */
const pulsePartials = (duty: number, count: number) =>
  Array.from({ length: count }, (_, i) => Math.abs(Math.sin((i + 1) * Math.PI * duty)) / (i + 1));

/** A narrow pulse through a snapping resonant low-pass, high-passed: a clavinet's bite. */
const clav = () =>
  melodic(
    'clav',
    0.55,
    (parts) => {
      const thin = parts.own(new Tone.Filter({ frequency: 180, type: 'highpass' }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.MonoSynth, {
        oscillator: { type: 'custom', partials: pulsePartials(0.2, 40) },
        filter: { type: 'lowpass', Q: 2.5, rolloff: -24 },
        envelope: { attack: 0.001, decay: 0.5, sustain: 0.25, release: 0.06 },
        filterEnvelope: { attack: 0.001, decay: 0.14, sustain: 0.2, release: 0.08, baseFrequency: 500, octaves: 3.2 },
      });
      return { synth, input: thin };
    },
    gate(2, 0.8),
  );

/** FM with a 4:1 modulator that dies in a few tens of ms: the wooden knock of a marimba bar. */
const marimba = () =>
  melodic(
    'marimba',
    2.5,
    () => ({
      synth: new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 4,
        modulationIndex: 2.2,
        oscillator: { type: 'sine' },
        modulation: { type: 'sine' },
        envelope: { attack: 0.001, decay: 0.6, sustain: 0, release: 0.5 },
        modulationEnvelope: { attack: 0.001, decay: 0.05, sustain: 0, release: 0.05 },
      }),
    }),
    () => 0.4,
  );

/** A metal bar (sine plus a 4:1 partial that rings) with the motor's tremolo. */
function vibes(): Voice {
  return melodic(
    'vibes',
    3,
    (parts) => {
      const tremolo = parts.own(new Tone.Tremolo({ frequency: 5.2, depth: 0.35, spread: 0 }).connect(parts.output));
      tremolo.start(0);
      const synth = new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 4,
        modulationIndex: 0.9,
        oscillator: { type: 'sine' },
        modulation: { type: 'sine' },
        envelope: { attack: 0.001, decay: 2.5, sustain: 0, release: 1.2 },
        modulationEnvelope: { attack: 0.001, decay: 0.6, sustain: 0, release: 0.6 },
      });
      return { synth, input: tremolo };
    },
    gate(8, 0.95),
  );
}

/** Inharmonic FM (ratio 5.4) with a fast decay: tines of a music box, an octave up. */
const musicBox = () =>
  melodic(
    'music-box',
    2,
    () => ({
      synth: new Tone.PolySynth(Tone.FMSynth, {
        harmonicity: 5.4,
        modulationIndex: 1.4,
        oscillator: { type: 'sine' },
        modulation: { type: 'sine' },
        envelope: { attack: 0.001, decay: 1.2, sustain: 0, release: 0.8 },
        modulationEnvelope: { attack: 0.001, decay: 0.25, sustain: 0, release: 0.2 },
      }),
    }),
    () => 0.5,
  );

// ————————————————————————————————————————————— leads

/** A 25 % pulse, band-limited, with a hint of delayed vibrato: an 8-bit lead. */
function chipLead(): Voice {
  return melodic(
    'chip-lead',
    0.4,
    (parts) => {
      const vibrato = parts.own(new Tone.Vibrato({ frequency: 6, depth: 0.08 }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'custom', partials: pulsePartials(0.25, 48) },
        envelope: { attack: 0.002, decay: 0.08, sustain: 0.75, release: 0.05 },
      });
      return { synth, input: vibrato };
    },
    gate(4),
  );
}

/** A triangle with a slow attack and vibrato: a flute-like lead, an octave up. */
function softLead(): Voice {
  return melodic(
    'soft-lead',
    0.3,
    (parts) => {
      const vibrato = parts.own(new Tone.Vibrato({ frequency: 5, depth: 0.12 }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'custom', partials: [1, 0, 0.11, 0, 0.04, 0, 0.02] },
        envelope: { attack: 0.04, decay: 0.2, sustain: 0.8, release: 0.25 },
      });
      return { synth, input: vibrato };
    },
    gate(4),
  );
}

// ————————————————————————————————————————————— pads

/** Detuned saws, slow bow, a darker low-pass and a wide chorus: a string section. */
function stringPad(): Voice {
  return melodic(
    'string-pad',
    0.72,
    (parts) => {
      const chorus = parts.own(new Tone.Chorus({ frequency: 0.6, delayTime: 3.5, depth: 0.5, wet: 0.45 }).connect(parts.output));
      chorus.start(0);
      const soft = parts.own(new Tone.Filter({ frequency: 2600, type: 'lowpass', Q: 0.4, rolloff: -24 }).connect(chorus));
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'fatsawtooth', count: 3, spread: 18 },
        envelope: { attack: 0.45, decay: 0.5, sustain: 0.85, release: 1.4 },
      });
      return { synth, input: soft };
    },
    gate(32, 1),
  );
}

/** Saws through three vowel formants ("ah": 700, 1150, 2600 Hz) with a slow vibrato. */
function choirPad(): Voice {
  return melodic(
    'choir-pad',
    2.2,
    (parts) => {
      const formants = [
        [700, 6, 1],
        [1150, 8, 0.6],
        [2600, 10, 0.25],
      ].map(([frequency, Q, gain]) => {
        const level = parts.own(new Tone.Gain(gain).connect(parts.output));
        return parts.own(new Tone.Filter({ frequency, type: 'bandpass', Q }).connect(level));
      });
      const vibrato = parts.own(new Tone.Vibrato({ frequency: 4.6, depth: 0.06 }));
      for (const formant of formants) vibrato.connect(formant);
      const synth = new Tone.PolySynth(Tone.Synth, {
        oscillator: { type: 'fatsawtooth', count: 3, spread: 14 },
        envelope: { attack: 0.4, decay: 0.3, sustain: 0.9, release: 1.3 },
      });
      return { synth, input: vibrato };
    },
    gate(32, 1),
  );
}

// ————————————————————————————————————————————— fx

/** A square whose pitch falls three octaves in a quarter second, softened: a laser. */
function laser(): Voice {
  return melodic(
    'laser',
    0.5,
    (parts) => {
      const soft = parts.own(new Tone.Filter({ frequency: 4000, type: 'lowpass' }).connect(parts.output));
      const synth = new Tone.PolySynth(Tone.MembraneSynth, {
        pitchDecay: 0.22,
        octaves: 3,
        oscillator: { type: 'square' },
        envelope: { attack: 0.001, decay: 0.3, sustain: 0, release: 0.08 },
      });
      return { synth, input: soft };
    },
    () => 0.25,
  );
}

export const LIBRARY: Readonly<Record<string, () => Voice>> = {
  'studio-low-tom': () => sampledHit('studio-low-tom', 0.8),
  'studio-high-tom': () => sampledHit('studio-high-tom', 0.75),
  'studio-crash': () => sampledHit('studio-crash', 0.82),
  'studio-ride': () => sampledHit('studio-ride', 0.78),
  'boom-kick': () => sampledHit('boom-kick', 1),
  'boom-long-kick': () => sampledHit('boom-long-kick', 0.7),
  'boom-snare': () => sampledHit('boom-snare', 0.8),
  'boom-hat': () => sampledHit('boom-hat', 0.82),
  'boom-open-hat': () => sampledHit('boom-open-hat', 0.8, true),
  'boom-clap': () => sampledHit('boom-clap', 0.7),
  'house-kick': () => sampledHit('house-kick', 1),
  'house-snare': () => sampledHit('house-snare', 0.9),
  'house-hat': () => sampledHit('house-hat', 0.85),
  'house-open-hat': () => sampledHit('house-open-hat', 0.77, true),
  'house-ride': () => sampledHit('house-ride', 0.75),
  'house-rim': () => sampledHit('house-rim', 0.78),
  'lofi-kick': () => sampledHit('lofi-kick', 1),
  'lofi-snare': () => sampledHit('lofi-snare', 0.8),
  'lofi-hat': () => sampledHit('lofi-hat', 0.78),
  'lofi-open-hat': () => sampledHit('lofi-open-hat', 0.75, true),
  'lofi-tap': () => sampledHit('lofi-tap', 0.76),
  'lofi-crackle': () => sampledHit('lofi-crackle', 0.8),
  'wood-bass': () => sampledMelodic('wood-bass', { level: 0.9, release: 0.12, hold: gate(2) }),
  'thick-bass': () => sampledMelodic('thick-bass', { level: 1.1, release: 0.12, hold: gate(2) }),
  'glass-hum': () => sampledMelodic('glass-hum', { level: 0.57, attack: 0.12, release: 1.2, hold: gate(32, 1), lowpass: 13_000 }),
  bell: () => sampledMelodic('bell', { level: 1.42, release: 0.3, hold: () => 0.5, lowpass: 13_000 }),
  'reese-bass': reeseBass,
  'fm-bass': fmBass,
  clav,
  marimba,
  vibes,
  'music-box': musicBox,
  'chip-lead': chipLead,
  'soft-lead': softLead,
  'string-pad': stringPad,
  'choir-pad': choirPad,
  laser,
};
