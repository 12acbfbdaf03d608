/**
 * The instrument catalogue: ids, names and categories only, so the server can
 * validate an instrument id without knowing anything about sound. How each one
 * sounds lives in app/audio/voices.
 */
export type InstrumentCategory = 'drums' | 'bass' | 'keys' | 'leads' | 'pads' | 'fx';

export interface InstrumentInfo {
  readonly id: string;
  readonly name: string;
  readonly category: InstrumentCategory;
  /** Melodic instruments take per-step pitch; drums ignore it. */
  readonly melodic: boolean;
  /** Drum-kit family shown as a group in the picker. */
  readonly kit?: string;
  /**
   * MIDI note of pitch 0 for melodic instruments (60 = C4); drums use 60. The one
   * source for the voices, the MIDI export and the pitch roll's note names.
   */
  readonly root: number;
  /**
   * Choke group: a hit of an instrument with `chokes` cuts what these instruments are
   * ringing, on any track (a closed hat closes its kit's open hat, as one cymbal does).
   */
  readonly chokes?: readonly string[];
}

const drum = (id: string, name: string, kit: string): InstrumentInfo => ({
  id,
  name,
  category: 'drums',
  melodic: false,
  kit,
  root: 60,
});
const tonal = (id: string, name: string, category: InstrumentCategory, root: number): InstrumentInfo => ({
  id,
  name,
  category,
  melodic: true,
  root,
});

export const INSTRUMENTS: readonly InstrumentInfo[] = [
  // Sampled kit: acoustic drums (Sonic Pi samples, CC0).
  drum('studio-kick', 'Studio Kick', 'Studio kit'),
  drum('studio-snare', 'Studio Snare', 'Studio kit'),
  { ...drum('studio-hat', 'Studio Hat', 'Studio kit'), chokes: ['studio-open-hat'] },
  drum('studio-open-hat', 'Studio Open Hat', 'Studio kit'),
  drum('studio-tom', 'Studio Tom', 'Studio kit'),
  drum('studio-cowbell', 'Studio Cowbell', 'Studio kit'),
  // Sampled kit: electronic (Sonic Pi samples, CC0).
  drum('electro-kick', 'Electro Kick', 'Electro kit'),
  drum('electro-snare', 'Electro Snare', 'Electro kit'),
  drum('electro-hat', 'Electro Hat', 'Electro kit'),
  drum('electro-clap', 'Electro Snap', 'Electro kit'),
  drum('electro-perc', 'Electro Blip', 'Electro kit'),
  // Synthesised 808-style kit (Tone.js).
  drum('808-kick', '808 Kick', '808 kit'),
  drum('808-snare', '808 Snare', '808 kit'),
  drum('808-hat', '808 Hat', '808 kit'),
  drum('808-clap', '808 Clap', '808 kit'),
  drum('808-cowbell', '808 Cowbell', '808 kit'),
  tonal('synth-bass', 'Synth Bass', 'bass', 36),
  tonal('acid-bass', 'Acid Bass', 'bass', 36),
  tonal('sub-bass', 'Sub Bass', 'bass', 36),
  tonal('piano', 'Grand Piano', 'keys', 60),
  tonal('e-piano', 'Electric Piano', 'keys', 60),
  tonal('organ', 'Organ', 'keys', 60),
  tonal('square-lead', 'Square Lead', 'leads', 60),
  tonal('saw-lead', 'Saw Lead', 'leads', 60),
  tonal('pluck', 'Pluck', 'leads', 60),
  tonal('warm-pad', 'Warm Pad', 'pads', 60),
  tonal('glass-pad', 'Glass Pad', 'pads', 72),
  tonal('zap', 'Zap', 'fx', 72),
  tonal('noise-sweep', 'Noise Sweep', 'fx', 60),
];

export const INSTRUMENT_IDS: readonly string[] = INSTRUMENTS.map((i) => i.id);

const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));

export function instrumentInfo(id: string): InstrumentInfo | undefined {
  return byId.get(id);
}

export const INSTRUMENT_CATEGORIES: readonly InstrumentCategory[] = ['drums', 'bass', 'keys', 'leads', 'pads', 'fx'];

const NOTE_NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];

/** "C4", "F♯2": the note a melodic instrument plays at a pitch offset. */
export function noteName(midi: number): string {
  return `${NOTE_NAMES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}
