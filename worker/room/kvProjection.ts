/**
 * The KV documents. KV is a projection: written only by a session's room (or, for a
 * published beat, by the room that published it), always as one whole document, and
 * never read to decide a write. The documents' shapes are in core/documents.ts.
 */
export const sessionKey = (id: string) => `session:${id}`;
export const beatKey = (id: string) => `beat:${id}`;
/** Gallery entries sort newest first: the key starts with an inverted timestamp. */
export const galleryPrefix = 'gallery:';
export const galleryKey = (publishedAt: number, beatId: string) =>
  `${galleryPrefix}${String(9_999_999_999_999 - publishedAt).padStart(13, '0')}:${beatId}`;

export type { BeatDocument, GalleryMetadata, SessionDocument } from '../../core';
export { galleryMetadata } from '../../core';
