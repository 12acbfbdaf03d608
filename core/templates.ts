/**
 * Grooves a new session can start from. "New beat" uses the starter; the landing
 * page offers the others. Track ids are fixed strings: they only need to be unique
 * within one session.
 */
import { chordMask } from './fields';
import { emptySession, makeTrack, type Row, type Session, sessionWithTracks, type Track } from './model';
import type { Key } from './key';

export interface Template {
  id: string;
  name: string;
  tempo: number;
  swing: number;
  /** The key its melodies are in: a new session shows it, and the pitch roll highlights it. */
  key: Key;
  /** The tracks and their rows in pattern A. */
  tracks: () => { track: Track; row: Row }[];
}

const every = (n: number, offset = 0, length = 16) => Array.from({ length: Math.ceil((length - offset) / n) }, (_, i) => offset + i * n);

/** A melodic track: its notes as [step, pitch] or [step, pitch, chord intervals above the pitch]. */
function melodic(id: string, name: string, instrument: string, notes: [step: number, pitch: number, chord?: number[]][], length = 16) {
  const made = makeTrack({ id, name, instrument, length, on: notes.map(([s]) => s) });
  for (const [step, pitch, chord] of notes) {
    made.row.pitches[step] = pitch;
    if (chord) made.row.chords[step] = chordMask(chord);
  }
  return made;
}

/** Every template's melodies are in C minor (the instruments' roots are Cs). */
const C_MINOR: Key = { root: 0, scale: 'minor', lock: false };

export const TEMPLATES: readonly Template[] = [
  {
    id: 'starter',
    name: 'Starter groove',
    tempo: 110,
    swing: 10,
    key: C_MINOR,
    tracks: () => [
      makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0, 6, 8, 11] }),
      makeTrack({ id: 'snare', name: 'Snare', instrument: 'studio-snare', on: [4, 12] }),
      makeTrack({ id: 'hat', name: 'Hi-hat', instrument: 'studio-hat', on: every(2) }),
      melodic('bass', 'Bass', 'synth-bass', [
        [0, 0],
        [3, 0],
        [6, 3],
        [8, -2],
        [10, -2],
        [14, 5],
      ]),
    ],
  },
  {
    id: 'four-on-the-floor',
    name: 'Four on the floor',
    tempo: 124,
    swing: 0,
    key: C_MINOR,
    tracks: () => [
      makeTrack({ id: 'kick', name: 'Kick', instrument: '808-kick', on: every(4) }),
      makeTrack({ id: 'clap', name: 'Clap', instrument: '808-clap', on: [4, 12] }),
      makeTrack({ id: 'hat', name: 'Hi-hat', instrument: '808-hat', on: every(4, 2) }),
      melodic('bass', 'Bass', 'acid-bass', [
        [0, 0],
        [2, 12],
        [3, 0],
        [6, 0],
        [7, 10],
        [10, 0],
        [11, 3],
        [14, 7],
      ]),
      // C minor, then A♭ major: i – VI.
      melodic('pad', 'Pad', 'warm-pad', [
        [0, 0, [3, 7]],
        [8, -4, [4, 7]],
      ]),
    ],
  },
  {
    id: 'polyrhythm',
    name: 'Polyrhythm 3 over 4',
    tempo: 100,
    swing: 0,
    key: C_MINOR,
    tracks: () => [
      makeTrack({ id: 'kick', name: 'Kick', instrument: 'electro-kick', on: [0, 4, 8, 12] }),
      makeTrack({ id: 'perc', name: 'Blip', instrument: 'electro-perc', length: 3, on: [0] }),
      makeTrack({ id: 'hat', name: 'Hat', instrument: 'electro-hat', length: 5, on: [0, 2] }),
      melodic(
        'pluck',
        'Pluck',
        'pluck',
        [
          [0, 0],
          [2, 7],
          [4, 12],
          [5, 3],
        ],
        7,
      ),
    ],
  },
  {
    id: 'lofi',
    name: 'Lo-fi keys',
    tempo: 82,
    swing: 45,
    key: C_MINOR,
    tracks: () => [
      makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0, 7, 10] }),
      makeTrack({ id: 'snare', name: 'Snare', instrument: 'studio-snare', on: [4, 12] }),
      makeTrack({ id: 'hat', name: 'Hat', instrument: 'studio-hat', on: every(2) }),
      melodic('keys', 'Keys', 'piano', [
        [0, 0],
        [0, 0],
        [3, 3],
        [6, 7],
        [8, -2],
        [11, 5],
        [14, 3],
      ]),
    ],
  },
];

export const TEMPLATE_IDS = TEMPLATES.map((t) => t.id);

export function sessionFromTemplate(templateId: string, anchorMs: number): Session | undefined {
  const template = TEMPLATES.find((t) => t.id === templateId);
  if (!template) return undefined;
  return sessionWithTracks(
    { ...emptySession(anchorMs, template.name), tempo: template.tempo, swing: template.swing, key: { ...template.key } },
    template.tracks(),
  );
}
