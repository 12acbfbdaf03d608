/**
 * What the grid and the step detail call a step's chord: its root's note name and the
 * chord's symbol ("Cm7", "F♯sus4"), as it sounds (the track's transpose included). Notes
 * picked by hand that make no chord of core/music.ts's list are named by tonal's chord
 * detection ("Am/C"), else by their root and intervals.
 */
import { detect } from '@tonaljs/chord-detect';
import { chordIntervals, chordPitches, chordShapeOf, pitchClass, ROOT_NAMES } from '../../core';

/** Tonal's spelling of the twelve pitch classes (ROOT_NAMES with ASCII sharps). */
const TONAL_NAMES = ROOT_NAMES.map((n) => n.replace('♯', '#'));

/** The name of the chord a step sounds; null for a single note. `pitch` has the transpose added. */
export function chordName(instrument: string, pitch: number, mask: number): string | null {
  if (mask === 0) return null;
  const root = ROOT_NAMES[pitchClass(instrument, pitch)]!;
  const shape = chordShapeOf(mask);
  if (shape) return `${root}${shape.symbol}`;
  const classes = [...new Set(chordPitches(pitch, mask).map((p) => pitchClass(instrument, p)))];
  const detected = classes.length >= 3 ? detect(classes.map((pc) => TONAL_NAMES[pc]!))[0] : undefined;
  // Tonal writes a major triad "CM"; the grid writes it "C", as the chord list does.
  if (detected) return detected.replace(/^([A-G]#?)M(?=\/|$)/, '$1').replaceAll('#', '♯');
  return `${root}+${chordIntervals(mask).join(',')}`;
}
