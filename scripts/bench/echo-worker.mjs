/**
 * BENCH-ONLY Worker entry (never deployed: only scripts/bench.mjs runs it, through
 * scripts/bench/wrangler.bench.jsonc). It is the real Worker — same routes, same
 * SessionRoom code — plus three things the benchmarks need:
 *
 *   EchoRoom             a bare Durable Object that echoes every frame back to its
 *                        sender: the physical limit of a WebSocket round trip through a
 *                        DO on this runtime (`/__bench/echo/<name>`). `?all` echoes to
 *                        every socket of the room instead; `?durable` first upserts the
 *                        frame as one SQLite row (the floor of any design that answers
 *                        only after a durable write).
 *   SessionRoom          the production class with one read-only probe added
 *                        (`benchProbe`: stats() plus the byte size of a log row and
 *                        the database size). Behaviour is untouched.
 *   UnlimitedSessionRoom the production class with the per-socket rate limit switched
 *                        off, reached under `/__bench/unlimited/api/...`. Used only to
 *                        measure what the runtime could sustain past the limit; every
 *                        figure from it is labelled as such.
 */
import { DurableObject } from 'cloudflare:workers';
import worker, { SessionRoom as ProductionSessionRoom } from '../../worker/index.ts';

export class SessionRoom extends ProductionSessionRoom {
  /** stats() plus storage facts the bench reports; reads only. */
  async benchProbe(version) {
    const sql = this.ctx.storage.sql;
    let row = null;
    if (Number.isSafeInteger(version)) {
      row =
        sql
          .exec(
            `SELECT length(CAST(mutation AS BLOB)) AS mutation, length(CAST(client_id AS BLOB)) AS clientId,
                    length(CAST(coalesce(author, '') AS BLOB)) AS author FROM log WHERE version = ?`,
            version,
          )
          .toArray()[0] ?? null;
    }
    const tracks = sql.exec(`SELECT count(*) AS n, coalesce(sum(length(CAST(json AS BLOB))), 0) AS bytes FROM tracks`).toArray()[0];
    return { ...(await this.stats()), row, tracks, databaseSize: sql.databaseSize };
  }
}

export class UnlimitedSessionRoom extends SessionRoom {
  constructor(ctx, env) {
    super(ctx, env);
    // BENCH ONLY: every socket gets a bucket that never runs dry. The buckets live in the
    // room (or in the protocol object it hosts); fail loudly if neither has them any more.
    const holder = [this, this.protocol].find((o) => o && o.buckets instanceof Map);
    if (!holder) throw new Error('bench: no rate-limit buckets found on SessionRoom; update scripts/bench/echo-worker.mjs');
    const bottomless = { take: () => true, strikes: 0 };
    holder.buckets = { get: () => bottomless, set() {}, delete: () => true };
  }
}

export class EchoRoom extends DurableObject {
  written = 0;

  async fetch(request) {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('upgrade', { status: 426 });
    const params = new URL(request.url).searchParams;
    const mode = params.has('all') ? 'all' : params.has('durable') ? 'durable' : 'one';
    if (mode === 'durable') this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS echo (slot INTEGER PRIMARY KEY, frame TEXT NOT NULL)');
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [mode]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws, message) {
    const mode = this.ctx.getTags(ws)[0];
    if (mode === 'all') {
      for (const other of this.ctx.getWebSockets()) other.send(message);
      return;
    }
    if (mode === 'durable') {
      // One row per frame, as SessionRoom writes per mutation; the output gate holds the echo until it is durable.
      this.written = (this.written + 1) % 1024;
      this.ctx.storage.sql.exec('INSERT INTO echo (slot, frame) VALUES (?, ?) ON CONFLICT(slot) DO UPDATE SET frame=excluded.frame', this.written, message);
    }
    ws.send(message);
  }

  webSocketClose(ws, code, reason) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    let m;
    if ((m = url.pathname.match(/^\/__bench\/echo\/([\w-]+)$/))) {
      return env.ECHO.get(env.ECHO.idFromName(m[1])).fetch(request);
    }
    if ((m = url.pathname.match(/^\/__bench\/probe\/(limited|unlimited)\/([\w-]+)$/))) {
      const ns = m[1] === 'unlimited' ? env.SESSIONS_UNLIMITED : env.SESSIONS;
      const version = url.searchParams.has('version') ? Number(url.searchParams.get('version')) : null;
      return json(await ns.get(ns.idFromName(m[2])).benchProbe(version));
    }
    if (url.pathname.startsWith('/__bench/unlimited/')) {
      url.pathname = url.pathname.slice('/__bench/unlimited'.length);
      return worker.fetch(new Request(url, request), { ...env, SESSIONS: env.SESSIONS_UNLIMITED }, ctx);
    }
    return worker.fetch(request, env, ctx);
  },
};
