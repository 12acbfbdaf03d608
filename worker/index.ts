/**
 * The Worker: HTTP routes and WebSocket upgrades. Sessions go to their SessionRoom
 * Durable Object; published beats are served from KV without touching any room.
 */
import type { Env } from './env';
import { handleBeatRoute, handleGallery, UnreadableDocument } from './http/beats';
import { drainBody, refuseNonJson } from './http/body';
import { isSoundUpload, refuseMethod } from './http/methods';
import { refuseForeignOrigin } from './http/origin';
import { handleBeatPage, handleEditorPage, handleEmbedPage, handleOembed, handlePreviewImage } from './http/pages';
import { error } from './http/responses';
import { withSecurityHeaders } from './http/securityHeaders';
import { handleListenRoute } from './http/listen';
import { handleCreate, handleSessionRoute } from './http/sessions';
import { handleSoundDownload, handleSoundUpload } from './http/sounds';
import { isUpgrade, refuseUpgrade } from './http/upgrades';

export { SessionRoom } from './room/SessionRoom';
export { RelayRoom } from './relay/RelayRoom';

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  // Methods first, from one table (worker/http/methods.ts): 404 or 405 with Allow.
  const refused = refuseMethod(path, request.method);
  if (refused) return error(refused.status, refused.error, refused.message, refused.allow ? { Allow: refused.allow } : {});
  // Every POST changes something: from a browser only on this site's pages, and JSON only
  // (but a sound's upload: a WAV, whatever its Content-Type says, checked byte by byte).
  if (request.method === 'POST') {
    const refusal = refuseForeignOrigin(request, env) ?? (isSoundUpload(path) ? null : refuseNonJson(request));
    if (refusal) return refusal;
  }
  let m: RegExpMatchArray | null;

  if (path === '/api/sessions') return handleCreate(request, env);
  if ((m = path.match(/^\/api\/sessions\/([^/]+)\/sounds$/))) return handleSoundUpload(request, env, m[1]!);
  if ((m = path.match(/^\/api\/sounds\/([^/]+)$/))) return handleSoundDownload(request, env, m[1]!);
  if ((m = path.match(/^\/api\/sessions\/([^/]+)(\/[a-z]+)?$/))) return handleSessionRoute(request, env, m[1]!, m[2] ?? '');
  if ((m = path.match(/^\/api\/listen\/([^/]+)(\/ws)?$/))) return handleListenRoute(request, env, m[1]!, m[2] ?? '');
  if (path === '/api/beats') return handleGallery(request, env);
  if ((m = path.match(/^\/api\/beats\/([^/]+)(\/.*)?$/))) return handleBeatRoute(request, env, m[1]!, m[2] ?? '');
  if ((m = path.match(/^\/b\/([^/]+)\/preview\.png$/))) return handlePreviewImage(env, m[1]!);
  if ((m = path.match(/^\/b\/([^/]+)\/?$/))) return handleBeatPage(request, env, m[1]!);
  if ((m = path.match(/^\/embed\/([^/]+)\/?$/))) return handleEmbedPage(request, env, m[1]!);
  if (path === '/oembed') return handleOembed(request, env);
  if ((m = path.match(/^\/(s|listen)\/[^/]+\/?$/))) {
    return handleEditorPage(request, env, { listenLink: m[1] === 'listen' });
  }

  // Everything else is the client app (the SPA fallback serves index.html for other paths).
  return env.ASSETS.fetch(request);
}

export default {
  async fetch(request, env): Promise<Response> {
    let response: Response;
    try {
      response = await route(request, env);
    } catch (failure) {
      // Logged with its stack for whoever runs the Worker; the client gets a clear
      // message and nothing internal.
      console.error('request failed', request.method, new URL(request.url).pathname, failure);
      response =
        failure instanceof UnreadableDocument
          ? error(500, 'unreadable', failure.message)
          : error(500, 'internal_error', 'something went wrong on our side; nothing was changed');
    }
    // Every byte of a body the routes did not read is read now, before answering:
    // see drainBody for what an unread body does to the connection.
    await drainBody(request);
    if (isUpgrade(request) && response.status >= 400) response = await refuseUpgrade(request, response);
    const frameable = new URL(request.url).pathname.startsWith('/embed/');
    return withSecurityHeaders(response, { frameable });
  },
} satisfies ExportedHandler<Env>;
