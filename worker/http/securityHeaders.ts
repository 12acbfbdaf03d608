/**
 * Headers every page and API answer carries. Only the embed player may be framed,
 * by anyone; everything else refuses framing.
 */
/** Vite's dev server injects inline module scripts (React refresh); production has none. */
const DEV = (import.meta as { env?: { DEV?: boolean } }).env?.DEV === true;

const CSP_BASE = [
  "default-src 'self'",
  DEV ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: data:",
  "connect-src 'self' ws: wss:",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
];

export function withSecurityHeaders(response: Response, { frameable }: { frameable: boolean }): Response {
  // A 101 upgrade response carries the socket; its headers cannot be changed.
  if (response.status === 101 || response.webSocket) return response;
  const headers = new Headers(response.headers);
  const csp = [...CSP_BASE, frameable ? 'frame-ancestors *' : "frame-ancestors 'none'"].join('; ');
  headers.set('Content-Security-Policy', csp);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  // The static-asset layer (public/_headers) denies framing everywhere; the embed
  // player is the one page that lifts it.
  if (frameable) headers.delete('X-Frame-Options');
  else headers.set('X-Frame-Options', 'DENY');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
