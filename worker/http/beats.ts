/**
 * Published beats: immutable documents in KV, served without touching any Durable
 * Object. Every write to a beat is refused, whatever the method or path: the methods
 * table (worker/http/methods.ts) allows only GET and HEAD under /api/beats/<id>, and
 * POST on /api/beats/<id>/remix, which makes a new session and leaves the beat alone.
 */
import { readBeatDocument } from '../../core';
import type { Env } from '../env';
import { isBeatId } from '../ids';
import { beatKey, galleryPrefix, type BeatDocument, type GalleryMetadata } from '../room/kvProjection';
import { readJsonBody } from './body';
import { error, json } from './responses';
import { createSession, remixOf } from './sessions';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A beat this version cannot read: logged where it happens, answered 500 without internals. */
export class UnreadableDocument extends Error {}

/**
 * A published beat as stored by any version, lifted to this one (every read path: the
 * JSON, the page, the embed, the preview, oEmbed, remix). Null when there is none.
 */
export async function readBeat(env: Env, id: string): Promise<BeatDocument | null> {
  if (!isBeatId(id)) return null;
  const raw = await env.KV.get(beatKey(id), { type: 'json', cacheTtl: 3600 });
  if (raw === null) return null;
  const beat = readBeatDocument(raw);
  if (beat.ok) return beat.value;
  console.error(`beat ${id} unreadable (${beat.reason}): ${beat.message}`);
  throw new UnreadableDocument(`this beat cannot be read by this version of Keyboardia (${beat.reason})`);
}

/** The routes under /api/beats/<id>; writes other than remix were refused with 405 (worker/http/methods.ts). */
export async function handleBeatRoute(request: Request, env: Env, id: string, rest: string): Promise<Response> {
  if (rest === '/remix') {
    // A remix takes no input: a body, if any, must be JSON (read, then ignored).
    const body = await readJsonBody(request);
    if (!body.ok) return body.refusal;
    const beat = await readBeat(env, id);
    if (!beat) return error(404, 'not_found', 'no such beat');
    const { model: _m, beatId: _b, publishedAt: _p, ...session } = beat;
    return createSession(env, remixOf(session, { kind: 'beat', id }));
  }
  if (rest !== '') return error(404, 'not_found', 'no such route');
  const beat = await readBeat(env, id);
  if (!beat) return error(404, 'not_found', 'no such beat');
  return new Response(JSON.stringify(beat), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': IMMUTABLE, ETag: `"${beat.beatId}"` },
  });
}

/** The gallery: recently published beats, newest first, from a KV prefix listing. */
export async function handleGallery(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit')) || 12, 1), 50);
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const page = await env.KV.list<GalleryMetadata>({ prefix: galleryPrefix, limit, cursor });
  const beats = page.keys.map((k) => k.metadata).filter((m): m is GalleryMetadata => !!m);
  return json({ beats, cursor: page.list_complete ? null : page.cursor }, 200, { 'Cache-Control': 'public, max-age=30' });
}
