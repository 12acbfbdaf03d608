/**
 * The beat the embed page carries: the Worker inlines the published BeatDocument as
 * `<script type="application/json" id="keyboardia-beat">`. Read leniently on purpose:
 * published beats are immutable and live for ever, so a document written by an older
 * (or newer) Keyboardia must still play. Missing or out-of-range values fall back to
 * defaults; only a document with no usable tempo or tracks is refused.
 */
import { coerceTo, EFFECT_FIELDS, PATTERN_FIELDS, ROW_FIELDS, SESSION_FIELDS, STEP_FIELDS, TRACK_FIELDS } from '../../core/fields';
import { INLINE_BEAT_ELEMENT_ID } from '../../core/ids';
import { isSoundKey } from '../../core/instruments';
import { LIMITS } from '../../core/limits';
import { type Key, NO_KEY, SCALE_NAMES } from '../../core/key';
import {
  type Effects,
  PATTERN_IDS,
  type Pattern,
  type PatternId,
  type Row,
  type Session,
  type Song,
  type StepArrays,
  type Track,
} from '../../core/model';

export interface EmbedBeat extends Session {
  /** The published beat's id ('' when the document has none usable). */
  beatId: string;
}

export const BEAT_ELEMENT_ID = INLINE_BEAT_ELEMENT_ID;

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every declared field of `fields`, read from `value` (defaults where missing or unusable). */
function readFields<F extends Record<string, { domain: Parameters<typeof coerceTo>[0]; default: unknown }>>(fields: F, value: Loose) {
  return Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, coerceTo(f.domain, value[k], f.default as never)]));
}

function readSteps(value: Loose): StepArrays {
  return Object.fromEntries(
    Object.values(STEP_FIELDS).map((f) => {
      const stored = value[f.array];
      return [
        f.array,
        Array.from({ length: LIMITS.maxSteps }, (_, i) =>
          coerceTo(f.domain, Array.isArray(stored) ? stored[i] : undefined, f.default as never),
        ),
      ];
    }),
  ) as StepArrays;
}

function readRow(value: unknown): Row | null {
  if (!isObject(value) || !Array.isArray(value.steps)) return null;
  return { ...(readFields(ROW_FIELDS, value) as Pick<Row, 'length'>), ...readSteps(value) };
}

function readTrack(value: unknown, index: number): { track: Track; row: Row | null } | null {
  if (!isObject(value) || typeof value.instrument !== 'string') return null;
  const track = {
    id: typeof value.id === 'string' && value.id ? value.id : `track-${index}`,
    ...readFields(TRACK_FIELDS, value),
    // An instrument this player does not know still gets a voice's fallback, not silence.
    instrument: value.instrument,
  } as Track;
  // A document from before patterns keeps its steps on the track: they are pattern A.
  return { track, row: readRow(value) };
}

function readPatterns(value: unknown, tracks: readonly Track[]): Session['patterns'] {
  const patterns: Session['patterns'] = {};
  if (!isObject(value)) return patterns;
  for (const id of PATTERN_IDS) {
    const stored = value[id];
    if (!isObject(stored)) continue;
    const rows: Record<string, Row> = {};
    const storedRows = isObject(stored.rows) ? stored.rows : {};
    for (const t of tracks) {
      const row = readRow(storedRows[t.id]);
      if (row) rows[t.id] = row;
    }
    patterns[id] = { ...(readFields(PATTERN_FIELDS, stored) as Pick<Pattern, 'name'>), rows };
  }
  return patterns;
}

function readSong(value: unknown, patterns: Session['patterns']): Song {
  const song = isObject(value) ? value : {};
  const entries = (Array.isArray(song.entries) ? song.entries : [])
    .slice(0, LIMITS.maxSongEntries)
    .filter((e): e is Loose => isObject(e) && typeof e.pattern === 'string' && !!patterns[e.pattern as PatternId])
    .map((e, i) => ({
      id: typeof e.id === 'string' ? e.id : `entry-${i}`,
      pattern: e.pattern as PatternId,
      repeats: coerceTo({ kind: 'int', min: 1, max: LIMITS.maxRepeats }, e.repeats, 1),
    }));
  return { entries, loop: song.loop !== false, start: null };
}

/** A published beat from its JSON value, or null when it cannot be played. */
/** The key does not change what plays; one that cannot be read is no key. */
function readKey(value: unknown): Key {
  if (!isObject(value)) return { ...NO_KEY };
  const root = Number.isInteger(value.root) && (value.root as number) >= 0 && (value.root as number) < 12 ? (value.root as number) : 0;
  const scale = SCALE_NAMES.find((s) => s === value.scale) ?? NO_KEY.scale;
  return { root, scale, lock: value.lock === true };
}

/**
 * The beat's own sounds (model 6), by key: the player plays a sound through its track's
 * instrument (`sound:<key>`) and labels rows with track names, so a sound's name and
 * length are not read here (the first load stays under its 8 KB).
 */
function readSounds(value: unknown): Session['sounds'] {
  const sounds: Session['sounds'] = {};
  if (isObject(value)) for (const key of Object.keys(value)) if (isSoundKey(key)) sounds[key] = { name: '', seconds: 0 };
  return sounds;
}

export function parseBeat(value: unknown): EmbedBeat | null {
  if (!isObject(value) || !Array.isArray(value.tracks)) return null;
  if (typeof value.tempo !== 'number' || !Number.isFinite(value.tempo)) return null;
  const read = value.tracks
    .slice(0, LIMITS.maxTracks)
    .map(readTrack)
    .filter((t) => t !== null);
  const tracks = read.map((t) => t.track);
  let patterns = readPatterns(value.patterns, tracks);
  if (!patterns.A && Object.keys(patterns).length === 0) {
    const rows: Record<string, Row> = {};
    for (const { track, row } of read) if (row) rows[track.id] = row;
    patterns = { A: { name: '', rows } };
  }
  const song = readSong(value.song, patterns);
  const transport = isObject(value.transport) ? value.transport : {};
  const playing =
    typeof transport.pattern === 'string' && patterns[transport.pattern as PatternId] ? (transport.pattern as PatternId) : undefined;
  const first = playing ?? (Object.keys(patterns).sort()[0] as PatternId);
  return {
    beatId: typeof value.beatId === 'string' && /^[0-9A-Za-z]{1,64}$/.test(value.beatId) ? value.beatId : '',
    ...(readFields(SESSION_FIELDS, value) as Pick<Session, keyof typeof SESSION_FIELDS>),
    name:
      typeof value.name === 'string' && value.name ? [...value.name].slice(0, LIMITS.maxSessionName).join('') : SESSION_FIELDS.name.default,
    tracks,
    patterns,
    song,
    // A beat plays from the top: its song when it has one, else its pattern.
    transport: { song: song.entries.length > 0, pattern: first, from: 0, next: null },
    key: readKey(value.key),
    sounds: readSounds(value.sounds),
    effects: readFields(EFFECT_FIELDS, isObject(value.effects) ? value.effects : {}) as Effects,
    // The embed plays on its own clock: the shared timeline and lineage do not apply.
    timeline: { anchorMs: 0, together: false, playing: false },
    lineage: { remixedFrom: null },
  };
}

/** The beat inlined in the page, or null when it is missing or unreadable. */
export function readInlineBeat(doc: Document): EmbedBeat | null {
  const json = doc.getElementById(BEAT_ELEMENT_ID)?.textContent;
  if (!json) return null;
  try {
    return parseBeat(JSON.parse(json));
  } catch {
    return null;
  }
}
