/**
 * Published beats: immutable documents in KV, served without touching any Durable
 * Object. Every write to a beat is refused, whatever the method or path.
 */
import { readBeatDocument } from '../../core';
import type { Env } from '../env';
import { isBeatId } from '../ids';
import { beatKey, galleryPrefix, type BeatDocument, type GalleryMetadata } from '../room/kvProjection';
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

export async function handleBeatRoute(request: Request, env: Env, id: string, rest: string): Promise<Response> {
  const method = request.method;
  if (rest === '/remix') {
    if (method !== 'POST') return readOnly(method);
    const beat = await readBeat(env, id);
    if (!beat) return error(404, 'not_found', 'no such beat');
    const { model: _m, beatId: _b, publishedAt: _p, ...session } = beat;
    return createSession(env, remixOf(session, { kind: 'beat', id }));
  }
  if (rest !== '') return method === 'GET' || method === 'HEAD' ? error(404, 'not_found', 'no such route') : readOnly(method);
  if (method !== 'GET' && method !== 'HEAD') return readOnly(method);
  const beat = await readBeat(env, id);
  if (!beat) return error(404, 'not_found', 'no such beat');
  return new Response(JSON.stringify(beat), {
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': IMMUTABLE, ETag: `"${beat.beatId}"` },
  });
}

/** A published beat cannot change: a 405 naming the methods that are allowed. */
function readOnly(method: string): Response {
  return error(405, 'read_only', `published beats are read-only (${method} refused); remix it to edit a copy`, {
    Allow: 'GET, HEAD',
  });
}

/** The gallery: recently published beats, newest first, from a KV prefix listing. */
export async function handleGallery(request: Request, env: Env): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return error(405, 'method_not_allowed', 'GET only');
  const url = new URL(request.url);
  const limit = Math.min(Math.max(Number(url.searchParams.get('limit')) || 12, 1), 50);
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const page = await env.KV.list<GalleryMetadata>({ prefix: galleryPrefix, limit, cursor });
  const beats = page.keys.map((k) => k.metadata).filter((m): m is GalleryMetadata => !!m);
  return json(
    { beats, cursor: page.list_complete ? null : page.cursor },
    200,
    { 'Cache-Control': 'public, max-age=30' },
  );
}
