/**
 * The documents the HTTP API serves, as both sides see them: the session's KV
 * projection, a published beat, a gallery card, and the embed snippet for a beat.
 */
import type { Session } from './model';

/** `GET /api/sessions/<id>`: the session as last projected to KV. */
export interface SessionDocument extends Session {
  id: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** `GET /api/beats/<id>`: an immutable published beat (never names its session). */
export interface BeatDocument extends Session {
  beatId: string;
  publishedAt: number;
}

/** A gallery card, small enough for KV list metadata (≤ 1 KiB). */
export interface GalleryMetadata {
  beatId: string;
  name: string;
  tempo: number;
  /** One string per track (≤ 8), 16 characters of '1'/'0'. */
  grid: string[];
  publishedAt: number;
}

export function galleryMetadata(beat: BeatDocument): GalleryMetadata {
  return {
    beatId: beat.beatId,
    name: beat.name.slice(0, 60),
    tempo: beat.tempo,
    grid: beat.tracks
      .slice(0, 8)
      .map((t) => Array.from({ length: 16 }, (_, i) => (t.steps[i % t.length] ? '1' : '0')).join('')),
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

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BEAT_ID = /^[0-9A-Za-z]{16}$/;

/** A session id is a lowercase UUID; a beat id is 16 base62 characters (worker/ids.ts makes them). */
export const isSessionId = (id: string) => SESSION_ID.test(id);
export const isBeatId = (id: string) => BEAT_ID.test(id);
