/**
 * Cross-site writes. A request that changes something (every POST, every WebSocket
 * upgrade) from a browser must come from a page of this site, or of an origin listed
 * in ALLOWED_ORIGINS (wrangler.jsonc `vars`, comma-separated). Browsers send Origin on
 * every POST and every WebSocket handshake, whatever the page; a request without one
 * is not from a browser (curl, the bench, the crash harness), and only a browser can be
 * made to send a request on someone else's behalf, so it is let through.
 */
import type { Env } from '../env';
import { error } from './responses';

export function refuseForeignOrigin(request: Request, env: Env): Response | null {
  const origin = request.headers.get('Origin');
  if (origin === null) return null;
  const own = new URL(request.url).origin;
  if (origin === own || allowedOrigins(env.ALLOWED_ORIGINS).has(origin)) return null;
  const shown = origin.length > 100 ? `${origin.slice(0, 100)}…` : origin;
  return error(
    403,
    'forbidden_origin',
    `a page on ${shown} may not change anything here: only pages on ${own} (or an origin in ALLOWED_ORIGINS) may`,
  );
}

/** The configured origins, each normalised as browsers send it (`https://host[:port]`). */
function allowedOrigins(configured: string | undefined): Set<string> {
  const origins = new Set<string>();
  for (const entry of (configured ?? '').split(',')) {
    const trimmed = entry.trim();
    if (!trimmed) continue;
    try {
      origins.add(new URL(trimmed).origin);
    } catch {
      console.warn(`ALLOWED_ORIGINS: "${trimmed}" is not an origin (https://host[:port]); ignored`);
    }
  }
  return origins;
}
