/**
 * The Worker: HTTP routes and WebSocket upgrades. Sessions go to their SessionRoom
 * Durable Object; published beats are served from KV without touching any room.
 */
import { LIMITS } from '../core';
import type { Env } from './env';
import { handleBeatRoute, handleGallery } from './http/beats';
import { handleBeatPage, handleEmbedPage, handleOembed, handlePreviewImage } from './http/pages';
import { error, readBody } from './http/responses';
import { withSecurityHeaders } from './http/securityHeaders';
import { handleCreate, handleSessionRoute } from './http/sessions';

export { SessionRoom } from './room/SessionRoom';

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const method = request.method;
  let m: RegExpMatchArray | null;

  if (path === '/api/sessions') {
    if (method === 'POST') return handleCreate(request, env);
    return error(405, 'method_not_allowed', 'POST to create a session', { Allow: 'POST' });
  }
  if ((m = path.match(/^\/api\/sessions\/([^/]+)(\/[a-z]+)?$/))) return handleSessionRoute(request, env, m[1]!, m[2] ?? '');
  if (path === '/api/beats') return handleGallery(request, env);
  if ((m = path.match(/^\/api\/beats\/([^/]+)(\/.*)?$/))) return handleBeatRoute(request, env, m[1]!, m[2] ?? '');
  if (path.startsWith('/api/')) return error(404, 'not_found', 'no such route');

  const isRead = method === 'GET' || method === 'HEAD';
  if ((m = path.match(/^\/b\/([^/]+)\/preview\.png$/))) return isRead ? handlePreviewImage(env, m[1]!) : error(405, 'read_only', 'published beats are read-only');
  if ((m = path.match(/^\/b\/([^/]+)\/?$/))) return isRead ? handleBeatPage(request, env, m[1]!) : error(405, 'read_only', 'published beats are read-only');
  if ((m = path.match(/^\/embed\/([^/]+)\/?$/))) return isRead ? handleEmbedPage(request, env, m[1]!) : error(405, 'read_only', 'published beats are read-only');
  if (path === '/oembed') return handleOembed(request, env);

  // Everything else is the client app (the SPA fallback serves index.html for /s/<id>).
  return env.ASSETS.fetch(request);
}

export default {
  async fetch(request, env): Promise<Response> {
    const response = await route(request, env);
    // A refused write answers without reading its body. Read the rest of it (up to the
    // body limit) before answering: workerd resets a connection whose request body was
    // left unread or cancelled, and a proxy in front of it (the local dev and preview
    // server) then loses the answer with the connection and turns a 405 into a 500.
    if (request.body && !request.bodyUsed) await readBody(request, LIMITS.maxBodyBytes).catch(() => {});
    const frameable = new URL(request.url).pathname.startsWith('/embed/');
    return withSecurityHeaders(response, { frameable });
  },
} satisfies ExportedHandler<Env>;
