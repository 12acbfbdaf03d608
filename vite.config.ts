import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { cloudflare } from '@cloudflare/vite-plugin';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type PreviewServer, type ViteDevServer } from 'vite';
import { REFUSE_UPGRADE_BY_CLOSE } from './worker/http/devServer.ts';
import { refuseMethod } from './worker/http/methods.ts';

// workerd would try to fetch Request.cf data from the network at every start: there is
// no network here, and nothing in Keyboardia reads request.cf.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';

/**
 * Methods the dev and preview servers may hand to the Worker. The proxy in front of it
 * (@cloudflare/vite-plugin → miniflare) builds a fetch Request, which throws for TRACE
 * and TRACK (forbidden by the fetch standard), and workerd answers 501 to methods it
 * does not know (LINK, M-SEARCH…): both came out as 500 pages with a stack trace and
 * absolute paths. The Worker answers these itself, 405 where a path does not serve them.
 */
const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Answers, in front of Vite's proxy to the Worker, what that proxy cannot forward, with
 * the Worker's own answer (the methods table in worker/http/methods.ts): any other
 * method, and CONNECT, which Node gives to 'connect' listeners and else drops. It also
 * marks the WebSocket upgrades it forwards, because that proxy drops the connection
 * when the Worker refuses one with a status (worker/http/upgrades.ts).
 */
function httpGuard(): Plugin {
  const refuse = (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    // The API is the Worker's to answer, body handling included, as in production.
    // Pages and files are read-only (GET, HEAD), and what stands in front of the files
    // here answers writes its own way (Vite's dev server serves public/ files to
    // DELETE, the preview's asset server refuses with 405 and no Allow): refuse them alike.
    const forward = path.startsWith('/api/') ? FORWARDED_METHODS.has(method) : method === 'GET' || method === 'HEAD';
    if (forward) return next();
    const { status, headers, body } = refusal(path, method);
    res.writeHead(status, headers);
    res.end(method === 'HEAD' ? undefined : body);
  };
  const install = (server: ViteDevServer | PreviewServer) => {
    server.middlewares.use(refuse);
    const httpServer = server.httpServer;
    if (!httpServer) return;
    httpServer.prependListener('upgrade', (req: IncomingMessage) => {
      // The proxy copies rawHeaders, not headers: replace any value a client sent.
      const raw = req.rawHeaders;
      for (let i = raw.length - 2; i >= 0; i -= 2) {
        if (raw[i]!.toLowerCase() === REFUSE_UPGRADE_BY_CLOSE.header) raw.splice(i, 2);
      }
      raw.push(REFUSE_UPGRADE_BY_CLOSE.header, REFUSE_UPGRADE_BY_CLOSE.value);
    });
    if (httpServer.listenerCount('connect') === 0) {
      httpServer.on('connect', (_req: IncomingMessage, socket: Duplex) => {
        socket.on('error', () => socket.destroy());
        const { status, headers, body } = refusal('/', 'CONNECT');
        const head = Object.entries({ ...headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Method Not Allowed'}\r\n${head}\r\n${body}`);
      });
    }
  };
  return {
    name: 'keyboardia:http-guard',
    // Before @cloudflare/vite-plugin's middleware (and Vite's own CORS answer to OPTIONS).
    enforce: 'pre',
    configureServer: install,
    configurePreviewServer: install,
  };
}

function refusal(path: string, method: string): { status: number; headers: Record<string, string>; body: string } {
  const refused = refuseMethod(path, method) ?? {
    status: 405,
    error: 'method_not_allowed',
    message: `${method} is not allowed here`,
    allow: null,
  };
  return {
    status: refused.status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...(refused.allow ? { Allow: refused.allow } : {}),
    },
    body: JSON.stringify({ error: refused.error, message: refused.message }),
  };
}

export default defineConfig({
  plugins: [
    httpGuard(),
    react(),
    cloudflare({
      // Local state (DO SQLite, KV) persists on disk; tests point this elsewhere.
      persistState: process.env.KEYBOARDIA_STATE_DIR ? { path: process.env.KEYBOARDIA_STATE_DIR } : true,
    }),
  ],
  environments: {
    client: {
      build: {
        // No modulepreload polyfill: every browser that runs the audio engine (AudioWorklet)
        // supports <link rel=modulepreload> or merely loads a little later without it, and
        // the polyfill cost every page's first script about 400 bytes (the embed's 8 KB).
        modulePreload: { polyfill: false },
        rollupOptions: {
          // Two entry points: the editor app and the small embed player (none of the editor's code).
          input: { main: 'index.html', embed: 'embed.html' },
        },
      },
    },
  },
  // No CORS answers from Vite: the Worker decides, and it serves no cross-origin API
  // (Vite's default answers OPTIONS itself, which production would refuse with 405).
  server: { port: Number(process.env.PORT ?? 5173), strictPort: false, cors: false },
  preview: { port: Number(process.env.PORT ?? 4173), cors: false },
});
