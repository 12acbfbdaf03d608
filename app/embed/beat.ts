/**
 * The beat the embed page carries: the Worker inlines the published BeatDocument as
 * `<script type="application/json" id="keyboardia-beat">`. Read leniently on purpose:
 * published beats are immutable and live for ever, so a document written by an older
 * (or newer) Keyboardia must still play. Missing or out-of-range values fall back to
 * defaults; only a document with no usable tempo or tracks is refused.
 */
import { LIMITS, DEFAULT_VELOCITY } from '../../core/limits';
import { EFFECT_LIMITS, type Effects, type Session, type Track } from '../../core/model';

export interface EmbedBeat extends Session {
  /** The published beat's id ('' when the document has none usable). */
  beatId: string;
}

export const BEAT_ELEMENT_ID = 'keyboardia-beat';

type Loose = Record<string, unknown>;
const isObject = (value: unknown): value is Loose => typeof value === 'object' && value !== null && !Array.isArray(value);
const clamp = (value: unknown, min: number, max: number, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
const text = (value: unknown, max: number): string => (typeof value === 'string' ? value.slice(0, max) : '');
const perStep = (values: unknown, min: number, max: number, fallback: number): number[] =>
  Array.from({ length: LIMITS.maxSteps }, (_, i) => Math.round(clamp(Array.isArray(values) ? values[i] : undefined, min, max, fallback)));

function readTrack(value: unknown, index: number): Track | null {
  if (!isObject(value) || typeof value.instrument !== 'string' || !Array.isArray(value.steps)) return null;
  const steps = value.steps;
  return {
    id: typeof value.id === 'string' && value.id ? value.id : `track-${index}`,
    name: text(value.name, LIMITS.maxTrackName),
    instrument: value.instrument,
    length: Math.round(clamp(value.length, LIMITS.minSteps, LIMITS.maxSteps, 16)),
    steps: Array.from({ length: LIMITS.maxSteps }, (_, i) => steps[i] === true),
    velocities: perStep(value.velocities, LIMITS.minVelocity, LIMITS.maxVelocity, DEFAULT_VELOCITY),
    pitches: perStep(value.pitches, LIMITS.minPitch, LIMITS.maxPitch, 0),
    volume: clamp(value.volume, LIMITS.minVolume, LIMITS.maxVolume, 0.8),
    pan: clamp(value.pan, LIMITS.minPan, LIMITS.maxPan, 0),
  };
}

function readEffects(value: unknown): Effects {
  const effects = isObject(value) ? value : {};
  return {
    reverb: clamp(effects.reverb, EFFECT_LIMITS.reverb.min, EFFECT_LIMITS.reverb.max, 0),
    delay: clamp(effects.delay, EFFECT_LIMITS.delay.min, EFFECT_LIMITS.delay.max, 0),
    delayFeedback: clamp(effects.delayFeedback, EFFECT_LIMITS.delayFeedback.min, EFFECT_LIMITS.delayFeedback.max, 0),
  };
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
    name: text(value.name, LIMITS.maxSessionName) || 'Untitled beat',
    tempo: clamp(value.tempo, LIMITS.minTempo, LIMITS.maxTempo, 120),
    swing: clamp(value.swing, LIMITS.minSwing, LIMITS.maxSwing, 0),
    tracks,
    effects: readEffects(value.effects),
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
