/**
 * The KV documents. KV is a projection: written only by a session's room (or, for a
 * published beat, by the room that published it), always as one whole document, and
 * never read to decide a write.
 */
import type { Session } from '../../core';

export const sessionKey = (id: string) => `session:${id}`;
export const beatKey = (id: string) => `beat:${id}`;
/** Gallery entries sort newest first: the key starts with an inverted timestamp. */
export const galleryPrefix = 'gallery:';
export const galleryKey = (publishedAt: number, beatId: string) =>
  `${galleryPrefix}${String(9_999_999_999_999 - publishedAt).padStart(13, '0')}:${beatId}`;

export interface SessionDocument extends Session {
  id: string;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export interface BeatDocument extends Session {
  beatId: string;
  publishedAt: number;
}

/** Small enough for KV list metadata (≤ 1 KiB): name, tempo and a 16-step grid picture. */
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
