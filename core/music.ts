/**
 * Keys, scales and chords: which notes belong to the session's key (core/key.ts), chord
 * names, and how melodies move when the key changes. The theory (scale and chord intervals) comes from
 * tonal (@tonaljs/*); this module only maps it onto Keyboardia's pitches (semitones from an
 * instrument's root, core/instruments.ts) and chord masks (core/fields.ts, domain 'chord').
 */
// Tonal's own packages, not its umbrella: that one loads every part of tonal (keys, modes,
// progressions, …), and each builds its tables when a page loads (measured: about a
// tenth of the landing page's start-up on a throttled phone).
import * as ChordType from '@tonaljs/chord-type';
import * as Interval from '@tonaljs/interval';
import * as ScaleType from '@tonaljs/scale-type';
import { chordIntervals, chordMask, STEP_FIELDS } from './fields';
import { instrumentInfo } from './instruments';
import { LIMITS } from './limits';
import type { Key, ScaleName } from './key';
import type { PatternId, Session } from './model';

const mod12 = (n: number) => ((n % 12) + 12) % 12;

const scaleCache = new Map<string, readonly number[]>();
/** Semitones of a scale's degrees above its tonic, rising, within one octave. */
export function scaleSteps(scale: ScaleName): readonly number[] {
  let steps = scaleCache.get(scale);
  if (!steps) {
    const type = ScaleType.get(scale);
    if (type.empty) throw new Error(`tonal does not know the scale ${scale}`);
    steps = type.intervals.map((i) => mod12(Interval.semitones(i) ?? 0));
    scaleCache.set(scale, steps);
  }
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
  /** Suffix shown after the root note: "", "m", "maj7", "sus4"… */
  symbol: string;
  label: string;
  /** Semitones above the root, without it. */
  intervals: readonly number[];
}

/** The chords offered by name: triads, sevenths, suspended and added-note chords (tonal's chord types). */
export const CHORD_SHAPES: readonly ChordShape[] = (
  [
    ['', 'Major'],
    ['m', 'Minor'],
    ['dim', 'Diminished'],
    ['aug', 'Augmented'],
    ['sus2', 'Sus 2'],
    ['sus4', 'Sus 4'],
    ['5', 'Power (5th)'],
    ['6', 'Sixth'],
    ['m6', 'Minor sixth'],
    ['7', 'Dominant 7th'],
    ['maj7', 'Major 7th'],
    ['m7', 'Minor 7th'],
    ['m7b5', 'Half-diminished'],
    ['dim7', 'Diminished 7th'],
    ['7sus4', '7th sus 4'],
    ['add9', 'Add 9'],
  ] as const
).map(([symbol, label]) => {
  const type = ChordType.get(symbol === '' ? 'M' : symbol);
  if (type.empty) throw new Error(`tonal does not know the chord ${symbol}`);
  const intervals = type.intervals.map((i) => Interval.semitones(i) ?? 0).filter((s) => s > 0);
  return { symbol, label, intervals };
});

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
