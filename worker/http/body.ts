/**
 * Request bodies: read within a limit, JSON only, and every byte consumed, even of a
 * body the Worker refuses or has no use for.
 */
import { LIMITS } from '../../core';
import { error } from './responses';

/**
 * Read a request body up to `limit` bytes, counting what actually arrives:
 * Content-Length is a claim, not a measurement (failure mode 20). A body over the
 * limit is still read to its end and discarded (see drainBody).
 */
export async function readBody(request: Request, limit: number): Promise<{ ok: true; text: string } | { ok: false }> {
  const declared = Number(request.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > limit) return { ok: false };
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await discardRest(reader);
      return { ok: false };
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(all) };
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; refusal: Response };

/**
 * The JSON body of a POST, or `undefined` when it has none. The Content-Type was
 * checked before (`refuseNonJson`): here a body that came without one is refused, so
 * only a bodiless POST (publish, remix: app/api.ts sends no body and no type) may omit it.
 */
export async function readJsonBody(request: Request): Promise<JsonBody> {
  const body = await readBody(request, LIMITS.maxBodyBytes);
  if (!body.ok) {
    return { ok: false, refusal: error(413, 'payload_too_large', `bodies are at most ${LIMITS.maxBodyBytes} bytes`) };
  }
  if (body.text === '') return { ok: true, value: undefined };
  if (!request.headers.has('Content-Type')) {
    return { ok: false, refusal: unsupportedMediaType('a body must come with Content-Type: application/json') };
  }
  if (body.text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body.text) };
  } catch {
    return { ok: false, refusal: error(400, 'bad_request', 'body is not valid JSON') };
  }
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case. */
export function isJsonContentType(contentType: string): boolean {
  return contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/**
 * 415 for a POST whose Content-Type is not JSON, before a byte of it is read. Every
 * body the API takes is JSON; refusing the rest also refuses what a cross-site HTML
 * form or a no-CORS fetch can send (form encodings and text/plain).
 */
export function refuseNonJson(request: Request): Response | null {
  const contentType = request.headers.get('Content-Type');
  if (contentType === null || isJsonContentType(contentType)) return null;
  return unsupportedMediaType(`request bodies must be JSON (Content-Type: application/json), not ${contentType.slice(0, 100)}`);
}

function unsupportedMediaType(message: string): Response {
  return error(415, 'unsupported_media_type', message, { 'Accept-Post': 'application/json' });
}

/**
 * Read and discard whatever is left of a request body. A Worker that answers while
 * its request's body is unread (or cancels it) leaves workerd's HTTP/1.1 connection
 * mid-request, and workerd then closes it: under `vite dev` and `vite preview` the Node
 * proxy in front (miniflare's undici pool) fails the upload, or the next request it
 * sends on that pooled connection, with `TypeError: fetch failed` and the dev server
 * answers 500. Reading to the end costs the Worker no more than the sender spent on
 * sending, and the platform bounds a body's size (100 MB on Cloudflare).
 */
export async function drainBody(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed || request.body.locked) return;
  await discardRest(request.body.getReader());
}

/** Read what is left of a body stream nobody holds (its reader released) and discard it; see drainBody. */
export async function discardStream(stream: ReadableStream<Uint8Array> | null): Promise<void> {
  if (!stream || stream.locked) return;
  await discardRest(stream.getReader());
}

async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The sender went away mid-body: nothing is left to read, nor anyone to answer.
  }
}
