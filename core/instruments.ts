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
  drum('studio-low-tom', 'Studio Low Tom', 'Studio kit'),
  drum('studio-high-tom', 'Studio High Tom', 'Studio kit'),
  drum('studio-crash', 'Studio Crash', 'Studio kit'),
  drum('studio-ride', 'Studio Ride', 'Studio kit'),
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
  // Sampled kit, 808-style: long sine kicks, a dub snare, thin hats (Sonic Pi samples, CC0).
  drum('boom-kick', 'Boom Kick', 'Boom kit (808)'),
  drum('boom-long-kick', 'Boom Long Kick', 'Boom kit (808)'),
  drum('boom-snare', 'Boom Snare', 'Boom kit (808)'),
  { ...drum('boom-hat', 'Boom Hat', 'Boom kit (808)'), chokes: ['boom-open-hat'] },
  drum('boom-open-hat', 'Boom Open Hat', 'Boom kit (808)'),
  drum('boom-clap', 'Boom Clap', 'Boom kit (808)'),
  // Sampled kit, 909-style: a short punchy kick, crisp hats, a ride (Sonic Pi samples, CC0).
  drum('house-kick', 'House Kick', 'House kit (909)'),
  drum('house-snare', 'House Snare', 'House kit (909)'),
  { ...drum('house-hat', 'House Hat', 'House kit (909)'), chokes: ['house-open-hat'] },
  drum('house-open-hat', 'House Open Hat', 'House kit (909)'),
  drum('house-ride', 'House Ride', 'House kit (909)'),
  drum('house-rim', 'House Rim', 'House kit (909)'),
  // Sampled kit, lo-fi: soft, band-limited and crushed, with vinyl crackle (Sonic Pi samples, CC0).
  drum('lofi-kick', 'Lo-fi Kick', 'Lo-fi kit'),
  drum('lofi-snare', 'Lo-fi Snare', 'Lo-fi kit'),
  { ...drum('lofi-hat', 'Lo-fi Hat', 'Lo-fi kit'), chokes: ['lofi-open-hat'] },
  drum('lofi-open-hat', 'Lo-fi Open Hat', 'Lo-fi kit'),
  drum('lofi-tap', 'Lo-fi Tap', 'Lo-fi kit'),
  drum('lofi-crackle', 'Vinyl Crackle', 'Lo-fi kit'),
  tonal('synth-bass', 'Synth Bass', 'bass', 36),
  tonal('acid-bass', 'Acid Bass', 'bass', 36),
  tonal('sub-bass', 'Sub Bass', 'bass', 36),
  tonal('wood-bass', 'Wood Bass', 'bass', 36),
  tonal('thick-bass', 'Thick Bass', 'bass', 36),
  tonal('reese-bass', 'Reese Bass', 'bass', 36),
  tonal('fm-bass', 'FM Bass', 'bass', 36),
  tonal('piano', 'Grand Piano', 'keys', 60),
  tonal('e-piano', 'Electric Piano', 'keys', 60),
  tonal('organ', 'Organ', 'keys', 60),
  tonal('clav', 'Clav', 'keys', 60),
  tonal('marimba', 'Marimba', 'keys', 60),
  tonal('vibes', 'Vibraphone', 'keys', 60),
  tonal('bell', 'Electric Bell', 'keys', 72),
  tonal('music-box', 'Music Box', 'keys', 72),
  tonal('square-lead', 'Square Lead', 'leads', 60),
  tonal('saw-lead', 'Saw Lead', 'leads', 60),
  tonal('pluck', 'Pluck', 'leads', 60),
  tonal('chip-lead', 'Chip Lead', 'leads', 60),
  tonal('soft-lead', 'Soft Lead', 'leads', 72),
  tonal('warm-pad', 'Warm Pad', 'pads', 60),
  tonal('glass-pad', 'Glass Pad', 'pads', 72),
  tonal('glass-hum', 'Glass Hum', 'pads', 57),
  tonal('string-pad', 'String Pad', 'pads', 60),
  tonal('choir-pad', 'Choir Pad', 'pads', 60),
  tonal('zap', 'Zap', 'fx', 72),
  tonal('noise-sweep', 'Noise Sweep', 'fx', 60),
  tonal('laser', 'Laser', 'fx', 72),
];

export const INSTRUMENT_IDS: readonly string[] = INSTRUMENTS.map((i) => i.id);

const byId = new Map(INSTRUMENTS.map((i) => [i.id, i]));

/**
 * An instrument by id. An own sound (`sound:<key>`) is a sampled voice pitched like a
 * melodic one (its recording plays at pitch 0, C4): the per-step pitch, chords and the
 * track's transpose move it. Its name is the sound's, in session.sounds.
 */
export function instrumentInfo(id: string): InstrumentInfo | undefined {
  const known = byId.get(id);
  if (known || !SOUND_INSTRUMENT_PATTERN.test(id)) return known;
  return { id, name: 'Own sound', category: 'fx', melodic: true, root: 60 };
}

export const INSTRUMENT_CATEGORIES: readonly InstrumentCategory[] = ['drums', 'bass', 'keys', 'leads', 'pads', 'fx'];

const NOTE_NAMES = ['C', 'C♯', 'D', 'D♯', 'E', 'F', 'F♯', 'G', 'G♯', 'A', 'A♯', 'B'];

/** "C4", "F♯2": the note a melodic instrument plays at a pitch offset. */
export function noteName(midi: number): string {
  return `${NOTE_NAMES[((midi % 12) + 12) % 12]}${Math.floor(midi / 12) - 1}`;
}

// ---- own sounds (issue 16) ------------------------------------------------------------------

/** A track plays a session's own sound (session.sounds) through the instrument id `sound:<key>`. */
export const SOUND_INSTRUMENT_PREFIX = 'sound:';

/** A sound's key: the SHA-256 of its WAV bytes, 64 lowercase hex digits (its R2 object is `sounds/<key>`). */
export const SOUND_KEY_PATTERN = /^[0-9a-f]{64}$/;
export const isSoundKey = (key: unknown): key is string => typeof key === 'string' && SOUND_KEY_PATTERN.test(key);

/** Instrument ids of own sounds: `sound:` and a sound key. */
export const SOUND_INSTRUMENT_PATTERN = /^sound:[0-9a-f]{64}$/;

export const soundInstrument = (key: string): string => `${SOUND_INSTRUMENT_PREFIX}${key}`;

/** The sound key a `sound:<key>` instrument plays, or null for the catalogue's instruments. */
export function soundKeyOf(instrument: string): string | null {
  return SOUND_INSTRUMENT_PATTERN.test(instrument) ? instrument.slice(SOUND_INSTRUMENT_PREFIX.length) : null;
}
