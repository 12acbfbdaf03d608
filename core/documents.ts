/**
 * The documents the HTTP API serves, as both sides see them: the session's KV
 * projection, a published beat, a gallery card, and the embed snippet for a beat.
 */
import { isBeatId } from './ids';
import { MODEL_VERSION, type Migrated, migrateEnvelope } from './migrate';
import { openingPattern } from './arrangement';
import { rowOf, type Session } from './model';

/** `GET /api/sessions/<id>`: the session as last projected to KV. */
export interface SessionDocument extends Session {
  /** The model version that wrote it (absent in documents from before versions: 1). */
  model: number;
  id: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** `GET /api/beats/<id>`: an immutable published beat (never names its session). */
export interface BeatDocument extends Session {
  model: number;
  beatId: string;
  publishedAt: number;
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * A session's KV document as stored by any version, lifted to this one. The envelope
 * must hold a string id; a version or time that is missing or malformed reads as 0
 * (none is needed to play the music, and refusing the whole document would lose it).
 */
export function readSessionDocument(raw: unknown): Migrated<SessionDocument> {
  const result = migrateEnvelope(raw, ['id', 'version', 'createdAt', 'updatedAt'] as const);
  if (!result.ok) return result;
  const { envelope: e, session } = result.value;
  if (typeof e.id !== 'string') return { ok: false, reason: 'invalid', message: 'id: a session document names its id' };
  const version = Number.isSafeInteger(e.version) && (e.version as number) >= 0 ? (e.version as number) : 0;
  const value: SessionDocument = {
    ...session,
    model: MODEL_VERSION,
    id: e.id,
    version,
    createdAt: isFiniteNumber(e.createdAt) ? e.createdAt : 0,
    updatedAt: isFiniteNumber(e.updatedAt) ? e.updatedAt : 0,
  };
  return { ok: true, value, from: result.from };
}

/** A published beat as stored by any version, lifted to this one: it plays forever. */
export function readBeatDocument(raw: unknown): Migrated<BeatDocument> {
  const result = migrateEnvelope(raw, ['beatId', 'publishedAt'] as const);
  if (!result.ok) return result;
  const { envelope: e, session } = result.value;
  if (typeof e.beatId !== 'string' || !isBeatId(e.beatId)) return { ok: false, reason: 'invalid', message: 'beatId: missing or malformed' };
  const value: BeatDocument = {
    ...session,
    model: MODEL_VERSION,
    beatId: e.beatId,
    publishedAt: isFiniteNumber(e.publishedAt) ? e.publishedAt : 0,
  };
  return { ok: true, value, from: result.from };
}

/** A gallery card, small enough for KV list metadata (≤ 1 KiB). */
export interface GalleryMetadata {
  /** The model version that wrote it (absent in cards from before versions: 1). */
  model?: number;
  beatId: string;
  name: string;
  tempo: number;
  /** One string per track (≤ 8), 16 characters of '1'/'0'. */
  grid: string[];
  publishedAt: number;
}

export function galleryMetadata(beat: BeatDocument): GalleryMetadata {
  return {
    model: MODEL_VERSION,
    beatId: beat.beatId,
    name: beat.name.slice(0, 60),
    tempo: beat.tempo,
    // The first bar of the pattern a listener hears first.
    grid: beat.tracks.slice(0, 8).map((t) => {
      const row = rowOf(beat, openingPattern(beat), t.id);
      return Array.from({ length: 16 }, (_, i) => (row.steps[i % row.length] ? '1' : '0')).join('');
    }),
    publishedAt: beat.publishedAt,
  };
}

export const EMBED_SIZE = { width: 480, height: 220 } as const;

/** Escape text for an HTML attribute value (double- or single-quoted). */
export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;');
}

/** The copy-ready iframe for a beat's player: the publish dialog and oEmbed give the same one. */
export function embedSnippet(origin: string, beatId: string, name: string, width: number = EMBED_SIZE.width): string {
  return `<iframe src="${escapeAttr(`${origin}/embed/${beatId}`)}" width="${width}" height="${EMBED_SIZE.height}" title="${escapeAttr(`${name} on Keyboardia`)}" style="border:0;border-radius:12px" allow="autoplay" loading="lazy"></iframe>`;
}
