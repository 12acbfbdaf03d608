/**
 * The beat the embed page carries: the Worker inlines the published BeatDocument as
 * `<script type="application/json" id="keyboardia-beat">`. Read leniently on purpose:
 * published beats are immutable and live for ever, so a document written by an older
 * (or newer) Keyboardia must still play. Missing or out-of-range values fall back to
 * defaults; only a document with no usable tempo or tracks is refused.
 */
import { coerceTo, EFFECT_FIELDS, SESSION_FIELDS, STEP_FIELDS, TRACK_FIELDS } from '../../core/fields';
import { INLINE_BEAT_ELEMENT_ID } from '../../core/ids';
import { LIMITS } from '../../core/limits';
import type { Effects, Session, Track } from '../../core/model';

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

function readTrack(value: unknown, index: number): Track | null {
  if (!isObject(value) || typeof value.instrument !== 'string' || !Array.isArray(value.steps)) return null;
  const arrays = Object.fromEntries(
    Object.values(STEP_FIELDS).map((f) => {
      const stored = value[f.array];
      return [
        f.array,
        Array.from({ length: LIMITS.maxSteps }, (_, i) =>
          coerceTo(f.domain, Array.isArray(stored) ? stored[i] : undefined, f.default as never),
        ),
      ];
    }),
  );
  return {
    id: typeof value.id === 'string' && value.id ? value.id : `track-${index}`,
    ...readFields(TRACK_FIELDS, value),
    // An instrument this player does not know still gets a voice's fallback, not silence.
    instrument: value.instrument,
    ...arrays,
  } as Track;
}

/** A published beat from its JSON value, or null when it cannot be played. */
export function parseBeat(value: unknown): EmbedBeat | null {
  if (!isObject(value) || !Array.isArray(value.tracks)) return null;
  if (typeof value.tempo !== 'number' || !Number.isFinite(value.tempo)) return null;
  const tracks = value.tracks
    .slice(0, LIMITS.maxTracks)
    .map(readTrack)
    .filter((t): t is Track => t !== null);
  return {
    beatId: typeof value.beatId === 'string' && /^[0-9A-Za-z]{1,64}$/.test(value.beatId) ? value.beatId : '',
    ...(readFields(SESSION_FIELDS, value) as Pick<Session, keyof typeof SESSION_FIELDS>),
    name:
      typeof value.name === 'string' && value.name ? [...value.name].slice(0, LIMITS.maxSessionName).join('') : SESSION_FIELDS.name.default,
    tracks,
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
