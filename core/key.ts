/**
 * The session's key as stored: a root and a scale's name. Kept apart from core/music.ts
 * (the theory, from tonal, @tonaljs/*) so that what only reads or checks a document (the
 * model, the schema, the embed player) does not carry the theory library.
 */

/** The scales a session's key can have, as tonal names; 'chromatic' (every note) is the default of older sessions. */
export const SCALE_NAMES = [
  'chromatic',
  'major',
  'minor',
  'harmonic minor',
  'melodic minor',
  'dorian',
  'phrygian',
  'lydian',
  'mixolydian',
  'locrian',
  'major pentatonic',
  'minor pentatonic',
  'minor blues',
  'major blues',
  'whole tone',
  'phrygian dominant',
] as const;
export type ScaleName = (typeof SCALE_NAMES)[number];

/** How the UI names each scale (tonal's names, capitalised; "minor" is the natural minor). */
export const SCALE_LABELS: Readonly<Record<ScaleName, string>> = Object.fromEntries(
  SCALE_NAMES.map((s) => [s, s === 'minor' ? 'Natural minor' : s === 'minor blues' ? 'Blues' : s[0]!.toUpperCase() + s.slice(1)]),
) as Record<ScaleName, string>;

/** Note names of the twelve roots (sharps; the pitch roll shows the same). */
export const ROOT_NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'] as const;

/** The session's key: which notes belong to its music. */
export interface Key {
  /** Pitch class of the tonic, 0 = C … 11 = B. */
  root: number;
  scale: ScaleName;
  /** Lock to scale: the pitch controls only offer notes of the key. */
  lock: boolean;
}

/** Older sessions (and a new empty one) have no key: every note belongs. */
export const NO_KEY: Key = { root: 0, scale: 'chromatic', lock: false };
