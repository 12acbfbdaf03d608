// @ts-check
/**
 * BENCH-ONLY Worker entry (never deployed: only scripts/bench.mjs runs it, through
 * scripts/bench/wrangler.bench.jsonc). It is the real Worker — same routes, same
 * SessionRoom code — plus what the benchmarks need:
 *
 *   EchoRoom             a bare Durable Object that echoes every frame back to its
 *                        sender: the physical limit of a WebSocket round trip through a
 *                        DO on this runtime (`/__bench/echo/<name>`). `?all` echoes to
 *                        every socket of the room instead; `?durable` first upserts the
 *                        frame as one SQLite row (the floor of any design that answers
 *                        only after a durable write); both: the row, then to every socket.
 *   SessionRoom          the production class with a read-only probe added (`benchProbe`:
 *                        stats() plus the byte sizes of a log row and of the snapshot row,
 *                        the tables and the database size), a count of the alarms it sets
 *                        and deletes (Cloudflare bills each setAlarm() as a row written;
 *                        the room's own row count sees only its SQL), and `benchBackstop`,
 *                        which brings the scheduled KV backstop alarm forward to now so the
 *                        bench can measure what it writes without waiting for it.
 *                        Behaviour is otherwise untouched.
 *   UnlimitedSessionRoom the production class with the per-socket rate limit switched
 *                        off, reached under `/__bench/unlimited/api/...`. Used only to
 *                        measure what the runtime could sustain past the limit; every
 *                        figure from it is labelled as such.
 *   /__bench/relays/<R>/api/listen/…  the Worker's listen route with LISTEN_RELAYS=R.
 *   /__bench/constants   the room's own constants (backstop delay, log ring, compaction
 *                        interval, storage layout, the relays' report interval), imported from its modules, so the
 *                        bench's report follows the code it measured.
 */
import { DurableObject } from 'cloudflare:workers';
import { KV_BACKSTOP_MS } from '../../worker/room/SessionRoom.ts';
import { COMPACT_EVERY, LOG_SLOTS, STORAGE_LAYOUT } from '../../worker/room/RoomStorage.ts';
import worker, { SessionRoom as ProductionSessionRoom } from '../../worker/index.ts';

export { RelayRoom } from '../../worker/index.ts';
import { REPORT_INTERVAL_MS } from '../../worker/relay/RelayRoom.ts';

/** @import { Env } from '../../worker/env.ts' */
/**
 * @typedef {Omit<Env, 'SESSIONS'> & {
 *   SESSIONS: DurableObjectNamespace<SessionRoom>,
 *   SESSIONS_UNLIMITED: DurableObjectNamespace<UnlimitedSessionRoom>,
 *   ECHO: DurableObjectNamespace<EchoRoom>,
 * }} BenchEnv
 */

export class SessionRoom extends ProductionSessionRoom {
  /**
   * @param {DurableObjectState} ctx
   * @param {Env} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    /**
     * This instance: the room's row counters are in memory and restart when the runtime
     * evicts the object (it may, once it is idle), so the bench only subtracts two
     * probes of the same instance.
     */
    this.benchInstance = crypto.randomUUID();
    /** Alarms this instance set and deleted (in memory, like the room's own stats). */
    this.benchAlarms = { set: 0, deleted: 0 };
    const storage = ctx.storage;
    const setAlarm = storage.setAlarm.bind(storage);
    const deleteAlarm = storage.deleteAlarm.bind(storage);
    /** @type {typeof storage.setAlarm} */
    const countedSet = (...args) => {
      this.benchAlarms.set++;
      return setAlarm(...args);
    };
    /** @type {typeof storage.deleteAlarm} */
    const countedDelete = (...args) => {
      this.benchAlarms.deleted++;
      return deleteAlarm(...args);
    };
    storage.setAlarm = countedSet;
    storage.deleteAlarm = countedDelete;
    if (this.ctx.storage.setAlarm !== countedSet)
      throw new Error("bench: cannot count the room's alarms any more; update scripts/bench/echo-worker.mjs");
    /** The uncounted setAlarm, for benchBackstop (the bench's own, not the room's). */
    this.benchSetAlarm = setAlarm;
  }

  /**
   * stats() plus storage facts the bench reports; reads only.
   * @param {number | null} version the log row to measure, if any
   */
  async benchProbe(version) {
    const sql = this.ctx.storage.sql;
    /** @type {{ mutation: number, clientId: number, author: number } | null} */
    let row = null;
    if (version !== null && Number.isSafeInteger(version)) {
      const found = sql
        .exec(
          `SELECT length(CAST(mutation AS BLOB)) AS mutation, length(CAST(client_id AS BLOB)) AS clientId,
                  length(CAST(coalesce(author, '') AS BLOB)) AS author FROM log WHERE version = ?`,
          version,
        )
        .toArray()[0];
      if (found) row = { mutation: Number(found.mutation), clientId: Number(found.clientId), author: Number(found.author) };
    }
    const tables = sql
      .exec(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
      .toArray()
      .map((r) => String(r.name));
    const snapshot = tables.includes('state')
      ? sql.exec(`SELECT coalesce(sum(length(CAST(value AS BLOB))), 0) AS bytes FROM state WHERE key = 'snapshot'`).one()
      : { bytes: 0 };
    const log = tables.includes('log') ? sql.exec('SELECT count(*) AS n FROM log').one() : { n: 0 };
    return {
      ...(await this.stats()),
      instance: this.benchInstance,
      alarmsSet: this.benchAlarms.set,
      alarmsDeleted: this.benchAlarms.deleted,
      row,
      snapshotBytes: Number(snapshot.bytes),
      logRows: Number(log.n),
      tables,
      databaseSize: sql.databaseSize,
    };
  }

  /** Bring the scheduled backstop alarm forward to now (the runtime then runs alarm()). */
  async benchBackstop() {
    const at = await this.ctx.storage.getAlarm();
    if (at === null) return { scheduled: false };
    await this.benchSetAlarm(Date.now());
    return { scheduled: true, wasDueInMs: at - Date.now() };
  }
}

export class UnlimitedSessionRoom extends SessionRoom {
  /**
   * @param {DurableObjectState} ctx
   * @param {Env} env
   */
  constructor(ctx, env) {
    super(ctx, env);
    // BENCH ONLY: every socket gets buckets that never run dry. They live in the room's
    // protocol object (private in TypeScript, reached here on purpose); fail loudly if
    // they moved.
    const protocol = /** @type {{ protocol?: { buckets?: unknown } }} */ (/** @type {unknown} */ (this)).protocol;
    if (!(protocol?.buckets instanceof Map))
      throw new Error('bench: no rate-limit buckets found on SessionRoom; update scripts/bench/echo-worker.mjs');
    const bottomless = { take: () => true };
    protocol.buckets = { get: () => ({ rate: bottomless, patience: bottomless }), set() {}, delete: () => true };
  }
}

export class EchoRoom extends DurableObject {
  written = 0;

  /**
   * @override
   * @param {Request} request
   */
  async fetch(request) {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('upgrade', { status: 426 });
    const params = new URL(request.url).searchParams;
    const mode = params.has('all') ? (params.has('durable') ? 'durable-all' : 'all') : params.has('durable') ? 'durable' : 'one';
    if (mode.startsWith('durable'))
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS echo (slot INTEGER PRIMARY KEY, frame TEXT NOT NULL)');
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [mode]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /**
   * @override
   * @param {WebSocket} ws
   * @param {string | ArrayBuffer} message
   */
  webSocketMessage(ws, message) {
    const mode = this.ctx.getTags(ws)[0] ?? 'one';
    if (mode.startsWith('durable')) {
      // One row per frame, as SessionRoom writes per mutation; the output gate holds the echo until it is durable.
      this.written = (this.written + 1) % 1024;
      this.ctx.storage.sql.exec(
        'INSERT INTO echo (slot, frame) VALUES (?, ?) ON CONFLICT(slot) DO UPDATE SET frame=excluded.frame',
        this.written,
        message,
      );
    }
    if (mode.endsWith('all')) {
      for (const other of this.ctx.getWebSockets()) other.send(message);
      return;
    }
    ws.send(message);
  }

  /**
   * @override
   * @param {WebSocket} ws
   * @param {number} code
   * @param {string} reason
   */
  webSocketClose(ws, code, reason) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

/**
 * @param {unknown} value
 * @param {number} [status]
 */
function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
}

/** @type {ExportedHandler<BenchEnv>} */
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    let m;
    if ((m = url.pathname.match(/^\/__bench\/echo\/([\w-]+)$/))) {
      return env.ECHO.get(env.ECHO.idFromName(String(m[1]))).fetch(request);
    }
    if (url.pathname === '/__bench/constants') {
      return json({
        kvBackstopMs: KV_BACKSTOP_MS,
        logSlots: LOG_SLOTS,
        compactEvery: COMPACT_EVERY,
        storageLayout: STORAGE_LAYOUT,
        relayReportMs: REPORT_INTERVAL_MS,
      });
    }
    if ((m = url.pathname.match(/^\/__bench\/(probe|backstop)\/(limited|unlimited)\/([\w-]+)$/))) {
      const ns = m[2] === 'unlimited' ? env.SESSIONS_UNLIMITED : env.SESSIONS;
      const room = ns.get(ns.idFromName(String(m[3])));
      if (m[1] === 'backstop') return json(await room.benchBackstop());
      const version = url.searchParams.has('version') ? Number(url.searchParams.get('version')) : null;
      return json(await room.benchProbe(version));
    }
    // The relay tier on for this request only (`/__bench/relays/<R>/api/listen/...`), so one
    // run can hold listeners on the room itself and behind R relays side by side.
    if ((m = url.pathname.match(/^\/__bench\/relays\/(\d+)(\/api\/listen\/.*)$/))) {
      url.pathname = String(m[2]);
      return worker.fetch(new Request(url, request), { ...env, LISTEN_RELAYS: String(m[1]) });
    }
    if (url.pathname.startsWith('/__bench/unlimited/')) {
      url.pathname = url.pathname.slice('/__bench/unlimited'.length);
      return worker.fetch(new Request(url, request), { ...env, SESSIONS: env.SESSIONS_UNLIMITED });
    }
    return worker.fetch(request, env);
  },
};
