/**
 * The Worker: HTTP routes and WebSocket upgrades. Sessions go to their SessionRoom
 * Durable Object; published beats are served from KV without touching any room.
 */
import type { Env } from './env';
import { error } from './http/responses';
import { withSecurityHeaders } from './http/securityHeaders';
import { handleCreate, handleSessionRoute } from './http/sessions';

export { SessionRoom } from './room/SessionRoom';

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;

  if (path === '/api/sessions') {
    if (request.method === 'POST') return handleCreate(request, env);
    return error(405, 'method_not_allowed', 'POST to create a session');
  }
  const session = path.match(/^\/api\/sessions\/([^/]+)(\/[a-z]+)?$/);
  if (session) return handleSessionRoute(request, env, session[1]!, session[2] ?? '');
  if (path.startsWith('/api/')) return error(404, 'not_found', 'no such route');

  // Everything else is the client app (the SPA fallback serves index.html for /s/<id>).
  return env.ASSETS.fetch(request);
}

export default {
  async fetch(request, env): Promise<Response> {
    const response = await route(request, env);
    const frameable = new URL(request.url).pathname.startsWith('/embed/');
    return withSecurityHeaders(response, { frameable });
  },
} satisfies ExportedHandler<Env>;
