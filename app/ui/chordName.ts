/**
 * What the grid and the step detail call a step's chord: its root's note name and the
 * chord's symbol ("Cm7", "F♯sus4"), as it sounds (the track's transpose included). Notes
 * picked by hand that make no chord of core/music.ts's list are named by tonal's chord
 * detection ("Am/C"), else by their root and intervals.
 *
 * Tonal's detection builds its whole chord dictionary when it loads, so it loads the first
 * time a picked chord is named, not with the page (issue 17): until then such a chord
 * shows by its root and intervals, and `chordDetection` tells the components that name
 * chords to draw again once it has loaded.
 */
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { chordIntervals, chordPitches, chordShapeOf, pitchClass, ROOT_NAMES } from '../../core';

/** Tonal's spelling of the twelve pitch classes (ROOT_NAMES with ASCII sharps). */
const TONAL_NAMES = ROOT_NAMES.map((n) => n.replace('♯', '#'));

type Detect = (notes: string[]) => string[];
let detect: Detect | null = null;
let loading: Promise<void> | null = null;

/** Whether tonal's chord detection has loaded; components naming picked chords subscribe to it. */
export const chordDetection = createStore(() => ({ ready: false }));

/** Load tonal's chord detection (once; a failed load is tried again at the next picked chord). */
export function loadChordDetection(): Promise<void> {
  loading ??= import('@tonaljs/chord-detect').then(
    (tonal) => {
      detect = tonal.detect;
      chordDetection.setState({ ready: true });
    },
    () => {
      loading = null;
    },
  );
  return loading;
}

/** The name of the chord a step sounds; null for a single note. `pitch` has the transpose added. */
export function chordName(instrument: string, pitch: number, mask: number): string | null {
  if (mask === 0) return null;
  const root = ROOT_NAMES[pitchClass(instrument, pitch)]!;
  const shape = chordShapeOf(mask);
  if (shape) return `${root}${shape.symbol}`;
  const classes = [...new Set(chordPitches(pitch, mask).map((p) => pitchClass(instrument, p)))];
  if (classes.length >= 3 && !detect) void loadChordDetection();
  const detected = classes.length >= 3 && detect ? detect(classes.map((pc) => TONAL_NAMES[pc]!))[0] : undefined;
  // Tonal writes a major triad "CM"; the grid writes it "C", as the chord list does.
  if (detected) return detected.replace(/^([A-G]#?)M(?=\/|$)/, '$1').replaceAll('#', '♯');
  return `${root}+${chordIntervals(mask).join(',')}`;
}

/** `chordName` for a component: it draws again when tonal's chord detection has loaded. */
export function useChordNames(): typeof chordName {
  useStore(chordDetection, (s) => s.ready);
  return chordName;
}
