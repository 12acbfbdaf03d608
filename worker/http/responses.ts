/** Small helpers so every route answers the same way. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
  });
}

export type HttpErrorCode =
  | 'not_found'
  | 'bad_request'
  | 'payload_too_large'
  | 'read_only'
  | 'method_not_allowed'
  | 'unreadable'
  | 'internal_error';

export function error(status: number, code: HttpErrorCode, message: string, headers: HeadersInit = {}): Response {
  return json({ error: code, message }, status, headers);
}

/**
 * Read a request body up to `limit` bytes, counting what actually arrives:
 * Content-Length is a claim, not a measurement (failure mode 20).
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
      await reader.cancel();
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
