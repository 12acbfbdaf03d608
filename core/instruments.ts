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
}

const drum = (id: string, name: string, kit: string): InstrumentInfo => ({
  id,
  name,
  category: 'drums',
  melodic: false,
  kit,
});
const tonal = (id: string, name: string, category: InstrumentCategory): InstrumentInfo => ({
  id,
  name,
  category,
  melodic: true,
});

export const INSTRUMENTS: readonly InstrumentInfo[] = [
  // Sampled kit: acoustic drums (Sonic Pi samples, CC0).
  drum('studio-kick', 'Studio Kick', 'Studio kit'),
  drum('studio-snare', 'Studio Snare', 'Studio kit'),
  drum('studio-hat', 'Studio Hat', 'Studio kit'),
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
  tonal('synth-bass', 'Synth Bass', 'bass'),
  tonal('acid-bass', 'Acid Bass', 'bass'),
  tonal('sub-bass', 'Sub Bass', 'bass'),
  tonal('piano', 'Grand Piano', 'keys'),
  tonal('e-piano', 'Electric Piano', 'keys'),
  tonal('organ', 'Organ', 'keys'),
  tonal('square-lead', 'Square Lead', 'leads'),
  tonal('saw-lead', 'Saw Lead', 'leads'),
  tonal('pluck', 'Pluck', 'leads'),
  tonal('warm-pad', 'Warm Pad', 'pads'),
  tonal('glass-pad', 'Glass Pad', 'pads'),
  tonal('zap', 'Zap', 'fx'),
  tonal('noise-sweep', 'Noise Sweep', 'fx'),
];

export const INSTRUMENT_IDS: readonly string[] = INSTRUMENTS.map((i) => i.id);

const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));

export function instrumentInfo(id: string): InstrumentInfo | undefined {
  return byId.get(id);
}

export const INSTRUMENT_CATEGORIES: readonly InstrumentCategory[] = [
  'drums',
  'bass',
  'keys',
  'leads',
  'pads',
  'fx',
];
