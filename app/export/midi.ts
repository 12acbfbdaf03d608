/**
 * MIDI export: a session as a Standard MIDI File (type 1), written with @tonejs/midi.
 *
 * - One MIDI track per Keyboardia track (named like it), after a conductor track that
 *   holds the session name, the tempo, 4/4 and a "Loop end" marker (so the file is
 *   exactly one loop long even when the last steps are empty).
 * - Drums on channel 10 (index 9) with General MIDI drum notes (GM_DRUM_NOTES);
 *   melodic tracks on the other channels, in track order, with a General MIDI program
 *   (GM_PROGRAMS) and note = the instrument's root (core instrumentInfo) + the event's
 *   pitch (the step's pitch plus the track's transpose).
 * - What sounds when is decided by the same `eventsAtStep` as playback and the
 *   offline render, over one whole loop (`loopLengthSteps`: every track's own length
 *   unrolled, so polyrhythms come out as heard). Swing (the session's, or a track's own)
 *   is baked into the note times from each event's offset.
 * - Velocity is the step's velocity (0…127); a lit step at velocity 0 is written at 1,
 *   because a MIDI note-on at velocity 0 means note-off.
 * - Length: drum hits last half a step; melodic notes hold until the track's next note
 *   (at most one bar), as Keyboardia's sustained voices do, or their own note length when
 *   set (cut where the same key is struck again). Each ratchet hit is a note of its own.
 * - Probability and conditions: the notes are those eventsAtStep chooses (seeded, so the
 *   same as every listener hears); `options.steps` writes more than one loop of them.
 */
import { Midi } from '@tonejs/midi';
import { eventsAtStep, loopLengthSteps, stepSeconds } from '../../core/events';
import { instrumentInfo } from '../../core/instruments';
import { LIMITS } from '../../core/limits';
import type { Session } from '../../core/model';

/** Ticks per quarter note (the library's default and the most widely read value). */
export const PPQ = 480;
/** A step is a sixteenth note. */
export const TICKS_PER_STEP = PPQ / 4;
/** The General MIDI percussion channel, "channel 10" (0-based index 9). */
export const DRUM_CHANNEL = 9;
/**
 * The longest file: 1,024 bars. A polyrhythm's whole cycle fits (3 over 4 with 5 and 7
 * is 105 bars); tracks of lengths that share no factor could need far more.
 */
const MAX_MIDI_STEPS = 16_384;
/** Longest melodic note, in steps (one bar). */
const MAX_NOTE_STEPS = 16;

/**
 * General MIDI percussion key of every drum in the catalogue (core/instruments.ts).
 * A unit test fails when a drum is added to the catalogue without a key here.
 */
export const GM_DRUM_NOTES: Readonly<Record<string, number>> = {
  'studio-kick': 36, // Bass Drum 1
  'studio-snare': 38, // Acoustic Snare
  'studio-hat': 42, // Closed Hi-Hat
  'studio-open-hat': 46, // Open Hi-Hat
  'studio-tom': 45, // Low Tom
  'studio-cowbell': 56, // Cowbell
  'electro-kick': 36, // Bass Drum 1
  'electro-snare': 40, // Electric Snare
  'electro-hat': 42, // Closed Hi-Hat
  'electro-clap': 39, // Hand Clap (the "snap")
  'electro-perc': 75, // Claves (a short, high, pitched blip)
  '808-kick': 36, // Bass Drum 1
  '808-snare': 38, // Acoustic Snare
  '808-hat': 42, // Closed Hi-Hat
  '808-clap': 39, // Hand Clap
  '808-cowbell': 56, // Cowbell
  'studio-low-tom': 41, // Low Floor Tom
  'studio-high-tom': 48, // Hi-Mid Tom
  'studio-crash': 49, // Crash Cymbal 1
  'studio-ride': 51, // Ride Cymbal 1
  'boom-kick': 36, // Bass Drum 1
  'boom-long-kick': 35, // Acoustic Bass Drum
  'boom-snare': 38, // Acoustic Snare
  'boom-hat': 42, // Closed Hi-Hat
  'boom-open-hat': 46, // Open Hi-Hat
  'boom-clap': 39, // Hand Clap
  'house-kick': 36, // Bass Drum 1
  'house-snare': 40, // Electric Snare
  'house-hat': 42, // Closed Hi-Hat
  'house-open-hat': 46, // Open Hi-Hat
  'house-ride': 51, // Ride Cymbal 1
  'house-rim': 37, // Side Stick
  'lofi-kick': 36, // Bass Drum 1
  'lofi-snare': 38, // Acoustic Snare
  'lofi-hat': 42, // Closed Hi-Hat
  'lofi-open-hat': 46, // Open Hi-Hat
  'lofi-tap': 37, // Side Stick
  'lofi-crackle': 54, // Tambourine (the nearest short noise)
};
/** A drum missing from the table above: Side Stick, a neutral short hit. */
const FALLBACK_DRUM_NOTE = 37;

/** General MIDI program (0-based) of every melodic instrument: the nearest GM sound. */
export const GM_PROGRAMS: Readonly<Record<string, number>> = {
  'synth-bass': 38, // Synth Bass 1
  'acid-bass': 39, // Synth Bass 2
  'sub-bass': 38, // Synth Bass 1
  piano: 0, // Acoustic Grand Piano
  'e-piano': 4, // Electric Piano 1
  organ: 16, // Drawbar Organ
  'square-lead': 80, // Lead 1 (square)
  'saw-lead': 81, // Lead 2 (sawtooth)
  pluck: 45, // Pizzicato Strings
  'warm-pad': 89, // Pad 2 (warm)
  'glass-pad': 92, // Pad 5 (bowed glass)
  zap: 103, // FX 8 (sci-fi)
  'noise-sweep': 122, // Seashore (filtered noise)
  'wood-bass': 32, // Acoustic Bass
  'thick-bass': 38, // Synth Bass 1
  'reese-bass': 39, // Synth Bass 2
  'fm-bass': 38, // Synth Bass 1
  clav: 7, // Clavinet
  marimba: 12, // Marimba
  vibes: 11, // Vibraphone
  bell: 14, // Tubular Bells
  'music-box': 10, // Music Box
  'chip-lead': 80, // Lead 1 (square)
  'soft-lead': 73, // Flute
  'glass-hum': 92, // Pad 5 (bowed glass)
  'string-pad': 48, // String Ensemble 1
  'choir-pad': 52, // Choir Aahs
  laser: 103, // FX 8 (sci-fi)
};

/** Channels for melodic tracks, in order: every channel but the drums'. */
const MELODIC_CHANNELS = Array.from({ length: 16 }, (_, i) => i).filter((c) => c !== DRUM_CHANNEL);

const clampMidi = (n: number) => Math.min(127, Math.max(0, Math.round(n)));

/**
 * Tick of a global step on the file's timeline, plus an offset in seconds (its swing, from
 * the event). `globalStep` may be fractional (where a ratchet hit's gate ends): the result
 * is always a whole tick, because the file stores delta times in whole ticks and a
 * fraction there was floored, moving every later note of the track a tick early.
 */
export function stepTicks(globalStep: number, offsetSeconds: number, tempo: number): number {
  return Math.round((globalStep + offsetSeconds / stepSeconds(tempo)) * TICKS_PER_STEP);
}

/** How each track is written: drums or not, channel, program. */
export interface MidiTrackPlan {
  trackId: string;
  drums: boolean;
  channel: number;
  program: number;
}

export function planTracks(session: Session): MidiTrackPlan[] {
  let melodicIndex = 0;
  return session.tracks.map((track) => {
    const info = instrumentInfo(track.instrument);
    const drums = info?.category === 'drums';
    if (drums) return { trackId: track.id, drums, channel: DRUM_CHANNEL, program: 0 };
    // More than 15 melodic tracks share channels again from the first.
    const channel = MELODIC_CHANNELS[melodicIndex++ % MELODIC_CHANNELS.length]!;
    return { trackId: track.id, drums, channel, program: GM_PROGRAMS[track.instrument] ?? 0 };
  });
}

/** The session as a Standard MIDI File (type 1), one loop long (or `options.steps`). Pure. */
export interface MidiOptions {
  /**
   * Steps to write (whole or not), instead of one loop: with probabilities and conditions
   * every pass can differ, so one loop is only the first pass's choices.
   */
  steps?: number;
}

export function sessionToMidi(session: Session, options: MidiOptions = {}): Uint8Array {
  const { steps } = options;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1 && steps <= MAX_MIDI_STEPS))
    throw new RangeError(`MIDI export: steps must be a whole number from 1 to ${MAX_MIDI_STEPS}, not ${steps}`);
  const midi = new Midi();
  midi.header.name = session.name;
  midi.header.setTempo(session.tempo);
  midi.header.timeSignatures = [{ ticks: 0, timeSignature: [4, 4] }];
  const loopSteps = steps ?? loopLengthSteps(session, MAX_MIDI_STEPS);
  midi.header.meta = [{ type: 'marker', text: 'Loop end', ticks: loopSteps * TICKS_PER_STEP }];
  midi.header.update();

  const plans = planTracks(session);
  const tracks = new Map(
    session.tracks.map((track, i) => {
      const plan = plans[i]!;
      const out = midi.addTrack();
      out.name = track.name || instrumentInfo(track.instrument)?.name || track.instrument;
      out.channel = plan.channel;
      out.instrument.number = plan.program;
      return [track.id, { out, plan, root: instrumentInfo(track.instrument)?.root ?? 60, instrument: track.instrument }];
    }),
  );

  type Pending = { midi: number; ticks: number; durationTicks: number; velocity: number; out: (typeof midi.tracks)[number] };
  const pending: Pending[] = [];
  const held = new Map<string, Pending>();
  for (let globalStep = 0; globalStep < loopSteps; globalStep++) {
    for (const event of eventsAtStep(session, globalStep, null)) {
      const target = tracks.get(event.trackId);
      if (!target) continue;
      const { out, plan, root, instrument } = target;
      const start = stepTicks(globalStep, event.offset, session.tempo);
      // The next note of this track starts here (its swing included): never run into it.
      const next = stepTicks(globalStep + event.gateSteps, event.nextOffset, session.tempo) - start;
      const length = plan.drums ? Math.min(TICKS_PER_STEP / 2, next) : Math.min(MAX_NOTE_STEPS * TICKS_PER_STEP, next);
      const velocity = Math.min(LIMITS.maxVelocity, Math.max(1, Math.round(event.velocity * 127)));
      // A chord is its notes at once, each a note of its own.
      const notes = plan.drums ? [GM_DRUM_NOTES[instrument] ?? FALLBACK_DRUM_NOTE] : event.pitches.map((p) => clampMidi(root + p));
      for (const midiNote of notes) {
        // A held note (a set length) may run past the next start of the same key: one key
        // on one channel cannot sound twice, and a parser would end the first at the
        // second's note-off. So it ends where the key is struck again.
        const key = `${event.trackId}:${midiNote}`;
        const before = held.get(key);
        if (before && before.ticks <= start && before.ticks + before.durationTicks > start)
          before.durationTicks = Math.max(1, start - before.ticks);
        const note = { midi: midiNote, ticks: start, durationTicks: Math.max(1, length), velocity, out };
        held.set(key, note);
        pending.push(note);
      }
    }
  }
  // The library writes floor(velocity × 127): aim at the middle of the integer.
  for (const { out, midi: midiNote, ticks, durationTicks, velocity } of pending)
    out.addNote({ midi: midiNote, ticks, durationTicks, velocity: (velocity + 0.5) / 127 });
  return midi.toArray();
}
