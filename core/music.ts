/**
 * Keys, scales and chords: which notes belong to the session's key (core/key.ts), chord
 * names, and how melodies move when the key changes. This module maps the theory onto
 * Keyboardia's pitches (semitones from an instrument's root, core/instruments.ts) and chord
 * masks (core/fields.ts, domain 'chord').
 *
 * The theory is tonal's (@tonaljs/scale-type, chord-type, interval), written out below as
 * the few numbers the app uses, and test/unit/music-tonal.test.ts checks every one of them
 * against tonal. Why not call tonal here: its dictionaries build every scale and chord it
 * knows the moment they are imported, and every page imports core; on a throttled phone
 * that was a sizeable part of each page's start-up (issue 17). Naming a hand-picked chord
 * (app/ui/chordName.ts) still asks tonal, loaded when first needed.
 */
import { chordIntervals, chordMask, STEP_FIELDS } from './fields';
import { instrumentInfo } from './instruments';
import { LIMITS } from './limits';
import type { Key, ScaleName } from './key';
import type { PatternId, Session } from './model';

const mod12 = (n: number) => ((n % 12) + 12) % 12;

/** Semitones of each scale's degrees above its tonic, rising, within one octave (tonal's scale types). */
const SCALE_STEPS: Readonly<Record<ScaleName, readonly number[]>> = {
  chromatic: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  major: [0, 2, 4, 5, 7, 9, 11],
  minor: [0, 2, 3, 5, 7, 8, 10],
  'harmonic minor': [0, 2, 3, 5, 7, 8, 11],
  'melodic minor': [0, 2, 3, 5, 7, 9, 11],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  phrygian: [0, 1, 3, 5, 7, 8, 10],
  lydian: [0, 2, 4, 6, 7, 9, 11],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  locrian: [0, 1, 3, 5, 6, 8, 10],
  'major pentatonic': [0, 2, 4, 7, 9],
  'minor pentatonic': [0, 3, 5, 7, 10],
  'minor blues': [0, 3, 5, 6, 7, 10],
  'major blues': [0, 2, 3, 4, 7, 9],
  'whole tone': [0, 2, 4, 6, 8, 10],
  'phrygian dominant': [0, 1, 4, 5, 7, 8, 10],
};

/** Semitones of a scale's degrees above its tonic, rising, within one octave. */
export function scaleSteps(scale: ScaleName): readonly number[] {
  const steps = SCALE_STEPS[scale];
  if (!steps) throw new Error(`no such scale: ${scale}`);
  return steps;
}

/** The pitch class a melodic instrument sounds at a pitch (transpose included by the caller). */
export function pitchClass(instrument: string, pitch: number): number {
  return mod12((instrumentInfo(instrument)?.root ?? 60) + pitch);
}

/** Whether a pitch class belongs to the key. */
export function inKey(key: Key, pc: number): boolean {
  return scaleSteps(key.scale).includes(mod12(pc - key.root));
}

// ---- chords -----------------------------------------------------------------------------

export interface ChordShape {
  /** Suffix shown after the root note: "", "m", "maj7", "sus4"… (tonal's chord symbol; "" is its "M"). */
  symbol: string;
  label: string;
  /** Semitones above the root, without it. */
  intervals: readonly number[];
}

/** The chords offered by name: triads, sevenths, suspended and added-note chords (tonal's chord types). */
export const CHORD_SHAPES: readonly ChordShape[] = [
  { symbol: '', label: 'Major', intervals: [4, 7] },
  { symbol: 'm', label: 'Minor', intervals: [3, 7] },
  { symbol: 'dim', label: 'Diminished', intervals: [3, 6] },
  { symbol: 'aug', label: 'Augmented', intervals: [4, 8] },
  { symbol: 'sus2', label: 'Sus 2', intervals: [2, 7] },
  { symbol: 'sus4', label: 'Sus 4', intervals: [5, 7] },
  { symbol: '5', label: 'Power (5th)', intervals: [7] },
  { symbol: '6', label: 'Sixth', intervals: [4, 7, 9] },
  { symbol: 'm6', label: 'Minor sixth', intervals: [3, 7, 9] },
  { symbol: '7', label: 'Dominant 7th', intervals: [4, 7, 10] },
  { symbol: 'maj7', label: 'Major 7th', intervals: [4, 7, 11] },
  { symbol: 'm7', label: 'Minor 7th', intervals: [3, 7, 10] },
  { symbol: 'm7b5', label: 'Half-diminished', intervals: [3, 6, 10] },
  { symbol: 'dim7', label: 'Diminished 7th', intervals: [3, 6, 9] },
  { symbol: '7sus4', label: '7th sus 4', intervals: [5, 7, 10] },
  { symbol: 'add9', label: 'Add 9', intervals: [4, 7, 14] },
];

/** The named chord a mask is, if any (else null: notes picked by hand). */
export function chordShapeOf(mask: number): ChordShape | null {
  if (mask === 0) return null;
  return CHORD_SHAPES.find((c) => chordMask(c.intervals) === mask) ?? null;
}

/** The pitches a step sounds: its own and its chord's, rising. */
export function chordPitches(pitch: number, mask: number): number[] {
  return [pitch, ...chordIntervals(mask).map((i) => pitch + i)];
}

/**
 * The chord of a scale degree: stacked thirds of the key from the step's note (a diatonic
 * triad, or seventh with `notes` 4), as a mask; in a chromatic key, a major triad.
 */
export function diatonicChord(key: Key, instrument: string, pitch: number, notes: 3 | 4): number {
  const steps = scaleSteps(key.scale);
  if (steps.length !== 7) return chordMask(notes === 3 ? [4, 7] : [4, 7, 11]);
  const pc = mod12(pitchClass(instrument, pitch) - key.root);
  const degree = steps.indexOf(pc);
  if (degree < 0) return chordMask(notes === 3 ? [4, 7] : [4, 7, 11]);
  const intervals: number[] = [];
  for (let k = 1; k < notes; k++) {
    const d = degree + 2 * k;
    intervals.push(steps[d % 7]! + 12 * Math.floor(d / 7) - pc);
  }
  return chordMask(intervals);
}

// ---- moving melodies when the key changes -----------------------------------------------

/** A pitch moved into range by octaves (a transposition may carry it past the ends). */
function inRange(pitch: number): number {
  let p = pitch;
  while (p > LIMITS.maxPitch) p -= 12;
  while (p < LIMITS.minPitch) p += 12;
  return p;
}

/**
 * Where one sounding note goes when the key changes from `from` to `to`: by scale degree
 * (the third of the old scale becomes the third of the new; with another number of degrees,
 * or for a note outside the old scale, the nearest note of the new scale, lower on a tie),
 * then by the shortest move from the old root to the new (−6…+5 semitones). `note` is in
 * semitones from any C (an instrument's root plus its pitch).
 */
export function moveNote(note: number, from: Key, to: Key): number {
  const old = scaleSteps(from.scale);
  const next = scaleSteps(to.scale);
  const rel = mod12(note - from.root);
  const degree = old.indexOf(rel);
  let target: number;
  if (to.scale === from.scale) target = rel;
  else if (degree >= 0 && old.length === next.length) target = next[degree]!;
  else target = next.reduce((best, s) => (Math.abs(s - rel) < Math.abs(best - rel) ? s : best), next[0]!);
  // Nearest octave of the target to the original degree (12 → 0 wraps cleanly).
  let moved = note - rel + target;
  if (moved - note > 6) moved -= 12;
  if (note - moved > 6) moved += 12;
  const shift = mod12(to.root - from.root + 6) - 6;
  return moved + shift;
}

/**
 * How far moveNote moves a note of each pitch class (relative to the old root), for one
 * key change: moveNote(n) − n depends only on that, so a whole session's melodies move
 * by table lookups.
 */
function moveTable(from: Key, to: Key): number[] {
  return Array.from({ length: 12 }, (_, rel) => moveNote(from.root + rel, from, to) - (from.root + rel));
}

/** One step's new pitch and chord after a key change (`table`: moveTable of the change, when moving many). */
export function moveStep(
  instrument: string,
  transpose: number,
  pitch: number,
  chord: number,
  from: Key,
  to: Key,
  table: readonly number[] = moveTable(from, to),
): [number, number] {
  const base = (instrumentInfo(instrument)?.root ?? 60) + transpose;
  const move = (p: number) => p + table[mod12(base + p - from.root)]!;
  if (chord === 0) return [inRange(move(pitch)), 0];
  const notes = chordPitches(pitch, chord).map(move);
  const root = inRange(notes[0]!);
  const shift = root - notes[0]!;
  const intervals = notes.slice(1).map((p) => p + shift - root);
  return [root, chordMask(intervals)];
}

/** `[step, pitch, chord]` for each step whose pitch or chord a change sets, by pattern and track. */
export type KeyNotes = Partial<Record<PatternId, Record<string, [step: number, pitch: number, chord: number][]>>>;

/**
 * The steps of every melodic row that a key change moves, with their new values: every
 * step of the row (lit or not: a step lit later sounds in the new key too).
 */
export function keyChangeNotes(session: Session, to: Key): KeyNotes {
  const from = session.key;
  const out: KeyNotes = {};
  if (from.root === to.root && from.scale === to.scale) return out;
  const table = moveTable(from, to);
  for (const [p, pattern] of Object.entries(session.patterns) as [PatternId, NonNullable<Session['patterns'][PatternId]>][]) {
    for (const track of session.tracks) {
      if (!instrumentInfo(track.instrument)?.melodic) continue;
      const row = pattern.rows[track.id];
      if (!row) continue;
      const changed: [number, number, number][] = [];
      for (let i = 0; i < LIMITS.maxSteps; i++) {
        const pitch = row.pitches[i] ?? STEP_FIELDS.pitch.default;
        const chord = row.chords[i] ?? STEP_FIELDS.chord.default;
        const [np, nc] = moveStep(track.instrument, track.transpose, pitch, chord, from, to, table);
        if (np !== pitch || nc !== chord) changed.push([i, np, nc]);
      }
      if (changed.length > 0) (out[p] ??= {})[track.id] = changed;
    }
  }
  return out;
}
