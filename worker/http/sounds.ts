/**
 * A session's own sounds (issue 16): the upload and the download of their bytes.
 *
 * `POST /api/sessions/<id>/sounds` takes a WAV (core/wav.ts: 16-bit PCM mono, ≤ 10 s).
 * Its size is counted as it arrives (Content-Length is a claim: failure mode 20) and
 * refused past LIMITS.maxSoundBytes without keeping more; its first bytes are sniffed as
 * they arrive; the whole file is checked, hashed (SHA-256: the key) and only then put in
 * R2 under `sounds/<key>`, so nothing half-uploaded or unchecked is ever stored, and an
 * add_sound (which the room applies only once R2 holds the key) never points at nothing.
 * Uploads are rate-limited per session by the session's room.
 *
 * `GET /api/sounds/<key>` serves the bytes, immutable and cacheable for a year: the key is
 * the hash of the bytes, so they can never change.
 */
import { checkWav, isSoundKey, LIMITS, sniffWav } from '../../core';
import type { Env } from '../env';
import { isSessionId } from '../ids';
import { IMMUTABLE } from './beats';
import { discardStream } from './body';
import { error, json } from './responses';
import { soundObjectKey } from '../room/soundLookup';
import { roomFor } from './sessions';

export const SOUND_CONTENT_TYPE = 'audio/wav';

/** What an accepted upload answers (201 new, 200 already stored). */
export interface SoundUploaded {
  key: string;
  bytes: number;
  durationMs: number;
}

export async function handleSoundUpload(request: Request, env: Env, sessionId: string): Promise<Response> {
  if (!isSessionId(sessionId)) return error(404, 'not_found', 'no such session');
  const tooLarge = () => error(413, 'payload_too_large', `a sound is at most ${LIMITS.maxSoundBytes} bytes`);
  const declared = Number(request.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > LIMITS.maxSoundBytes) return tooLarge();
  // The room counts its session's uploads (and knows whether the session exists) before a
  // byte of the body is read: a flood costs the Worker nothing but this call.
  const slot = await roomFor(env, sessionId).reserveUpload();
  if (!slot.ok) {
    if (slot.reason === 'not_found') return error(404, 'not_found', 'no such session');
    const seconds = Math.max(1, Math.ceil(slot.retryAfterMs / 1000));
    return error(
      429,
      'rate_limited',
      `too many uploads to this session: at most ${LIMITS.soundUploadBurst} at once, then ${LIMITS.soundUploadsPerMinute} a minute; try again in ${seconds} s`,
      { 'Retry-After': String(seconds) },
    );
  }
  const body = await readSoundBody(request.body, LIMITS.maxSoundBytes);
  if (!body.ok) {
    // Refused: what is still coming is read and dropped as it arrives, never kept.
    await discardStream(request.body);
    if (body.kind === 'tooLarge') return tooLarge();
    return error(415, 'unsupported_media_type', body.message, { 'Accept-Post': SOUND_CONTENT_TYPE });
  }
  const wav = checkWav(body.bytes);
  if (!wav.ok) {
    return wav.kind === 'unsupported'
      ? error(415, 'unsupported_media_type', wav.message, { 'Accept-Post': SOUND_CONTENT_TYPE })
      : error(422, 'invalid_audio', wav.message);
  }
  const key = hex(await crypto.subtle.digest('SHA-256', body.bytes));
  const answer: SoundUploaded = { key, bytes: body.bytes.byteLength, durationMs: wav.durationMs };
  const location = { Location: `/api/sounds/${key}` };
  // Content-addressed: the same bytes are the same object. Two uploads of them at once both
  // put it, and R2 keeps one (the same bytes either way).
  if (await env.SOUNDS.head(soundObjectKey(key))) return json(answer, 200, location);
  await env.SOUNDS.put(soundObjectKey(key), body.bytes, {
    // R2 checks the bytes it stores against the hash they were named by.
    sha256: key,
    httpMetadata: { contentType: SOUND_CONTENT_TYPE },
    customMetadata: { durationMs: String(wav.durationMs), sampleRate: String(wav.sampleRate) },
  });
  return json(answer, 201, location);
}

export async function handleSoundDownload(request: Request, env: Env, key: string): Promise<Response> {
  const missing = () => error(404, 'not_found', 'no such sound');
  if (!isSoundKey(key)) return missing();
  const etag = `"${key}"`;
  const headers = {
    'Content-Type': SOUND_CONTENT_TYPE,
    'Cache-Control': IMMUTABLE,
    ETag: etag,
    'Content-Disposition': `inline; filename="${key.slice(0, 16)}.wav"`,
  };
  if (request.method === 'HEAD' || request.headers.get('If-None-Match') === etag) {
    const head = await env.SOUNDS.head(soundObjectKey(key));
    if (!head) return missing();
    if (request.method === 'HEAD') return new Response(null, { headers: { ...headers, 'Content-Length': String(head.size) } });
    return new Response(null, { status: 304, headers });
  }
  const object = await env.SOUNDS.get(soundObjectKey(key));
  if (!object) return missing();
  return new Response(object.body, { headers: { ...headers, 'Content-Length': String(object.size) } });
}

export type SoundBody =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; kind: 'tooLarge' }
  /** The first bytes already show it is not a WAV. */
  | { ok: false; kind: 'unsupported'; message: string };

/**
 * Read an upload, counting what arrives: past `limit` bytes, or as soon as its first bytes
 * show it is not a WAV (or a WAV that says it is over the limit), it stops reading and
 * keeps nothing (the caller drains what is left, see drainBody). Never holds more than
 * `limit` bytes.
 */
export async function readSoundBody(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<SoundBody> {
  if (!stream) return { ok: true, bytes: new Uint8Array(0) };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let sniffed = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) return { ok: false, kind: 'tooLarge' };
      chunks.push(value);
      if (!sniffed) {
        const head = concat(chunks, Math.min(size, 12));
        const refusal = sniffWav(head);
        if (refusal)
          return refusal.kind === 'tooLarge'
            ? { ok: false, kind: 'tooLarge' }
            : { ok: false, kind: 'unsupported', message: refusal.message };
        sniffed = size >= 12;
      }
    }
  } finally {
    reader.releaseLock();
  }
  return { ok: true, bytes: concat(chunks, size) };
}

/** The first `length` bytes of `chunks`, as one array. */
function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= length) break;
    const part = chunk.subarray(0, length - at);
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}
