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
  | 'unsupported_media_type'
  | 'forbidden_origin'
  /** An uploaded sound that is a WAV of the right kind but wrong inside (truncated, too long…). */
  | 'invalid_audio'
  | 'rate_limited'
  | 'internal_error';

export function error(status: number, code: HttpErrorCode, message: string, headers: HeadersInit = {}): Response {
  return json({ error: code, message }, status, headers);
}
