// @ts-check
// Minimal protocol clients for the bench, on the `ws` package (docs/PROTOCOL.md).
// They speak the protocol and model versions of core/, as the shipped client does. A
// writer's clientSeqs must follow one another exactly (1, 2, 3…): every caller keeps one
// counter per clientId, and gives each socket its own clientId.
import { core } from '../core.mjs';
import { WebSocket } from 'ws';
import { withTimeout } from './lib.mjs';

/** @import { Mutation, Session } from '../../core/index.ts' */

/**
 * @typedef {{ match: (raw: string) => boolean, resolve: (raw: string) => void, reject: (error: Error) => void }} Waiter
 */

/** One WebSocket with frame waiters. Frames are raw strings; parse only where needed. */
export class Conn {
  /** @param {WebSocket} ws */
  constructor(ws) {
    this.ws = ws;
    /** @type {Waiter[]} */
    this.waiters = [];
    /** @type {((raw: string) => void) | null} */
    this.onFrame = null;
    /** @type {{ code: number, reason: string, at: number } | null} */
    this.closed = null;
    this.errors = 0;
    /** The last clientSeq a throughput run sent on this socket (see server.mjs `drive`). */
    this.benchSeq = 0;
    ws.onmessage = (event) => {
      const data = String(event.data);
      if (this.onFrame) this.onFrame(data);
      if (this.waiters.length) {
        /** @type {Waiter[]} */
        const still = [];
        for (const w of this.waiters) {
          if (w.match(data)) w.resolve(data);
          else still.push(w);
        }
        this.waiters = still;
      }
    };
    ws.onclose = (event) => {
      this.closed = { code: event.code, reason: event.reason, at: performance.now() };
      for (const w of this.waiters) w.reject(new Error(`socket closed ${event.code} ${event.reason}`));
      this.waiters = [];
    };
    ws.onerror = () => {
      this.errors++;
    };
  }

  /**
   * @param {string} url
   * @returns {Promise<Conn>}
   */
  static open(url, timeoutMs = 15_000) {
    return withTimeout(
      new Promise((resolve, reject) => {
        // Without offering permessage-deflate. The Worker declines it in production
        // (`no_web_socket_compression` in wrangler.jsonc), but locally miniflare's entry
        // worker, a dev-only layer in front of ours, accepts a client's offer anyway and then
        // deflates every frame for every socket on the room's thread (docs/BENCHMARKS.md §10).
        // Node's own WebSocket always offers it; `ws` can leave it out.
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.onopen = () => resolve(new Conn(ws));
        ws.onerror = (e) => reject(new Error(`cannot connect ${url}: ${/** @type {{ message?: string }} */ (e).message ?? 'error'}`));
        ws.onclose = (e) => reject(new Error(`closed while connecting ${url}: ${e.code}`));
      }),
      timeoutMs,
      `connect ${url}`,
    );
  }

  /** @param {string | object} frame */
  send(frame) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /**
   * The next frame for which `match(raw)` is true.
   * @param {(raw: string) => boolean} match
   * @returns {Promise<string>}
   */
  next(match, timeoutMs = 10_000, what = 'frame') {
    /** @type {Waiter | undefined} */
    let waiter;
    /** @type {Promise<string>} */
    const promise = new Promise((resolve, reject) => {
      waiter = { match, resolve, reject };
      this.waiters.push(waiter);
    });
    return withTimeout(promise, timeoutMs, what).catch((error) => {
      this.waiters = this.waiters.filter((w) => w !== waiter);
      throw error;
    });
  }

  close() {
    try {
      this.ws.close(1000, 'bench done');
    } catch {
      // closed
    }
  }
}

/**
 * A hello in this commit's protocol and model. `tab` is the browser tab (one per socket
 * here: no two sockets share a clientId).
 * @param {string} clientId
 * @param {number | null} [version] the version already held (null: nothing)
 */
export const hello = (clientId, name = 'bench', version = null) => ({
  type: 'hello',
  protocol: core.PROTOCOL_VERSION,
  model: core.MODEL_VERSION,
  clientId,
  tab: `tab-${clientId}`.slice(0, core.LIMITS.maxIdLength),
  version,
  peer: { name, color: '#3366aa' },
});

/**
 * @param {string} clientId
 * @param {number} clientSeq
 * @param {Mutation} mutation
 */
export const mutate = (clientId, clientSeq, mutation) => ({ type: 'mutate', clientId, clientSeq, mutation });

/**
 * The clientSeq of a raw 'change' (or 'error', 'ack') frame, without parsing it (null when it has none).
 * @param {string} raw
 */
export function clientSeqOf(raw) {
  const at = raw.indexOf('"clientSeq":');
  if (at < 0) return null;
  return parseInt(raw.slice(at + 12), 10);
}

/**
 * The version of a raw 'change' frame, without parsing it.
 * @param {string} raw
 */
export function versionOf(raw) {
  const at = raw.indexOf('"version":');
  return at < 0 ? null : parseInt(raw.slice(at + 10), 10);
}

/** @param {string} raw */
export const isChange = (raw) => raw.startsWith('{"type":"change"');

/**
 * A fetch failure (a timeout says only "The operation was aborted") with what was asked.
 * @param {string} what
 * @returns {(error: unknown) => never}
 */
const named = (what) => (error) => {
  throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
};

/**
 * Create a session over HTTP; returns its id.
 * @param {string} base
 * @returns {Promise<string>}
 */
export async function createSession(base, template = 'starter', prefix = '') {
  const response = await fetch(`${base}${prefix}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ template }),
    signal: AbortSignal.timeout(20_000),
  }).catch(named(`create a ${template} session`));
  if (response.status !== 201) throw new Error(`create session: ${response.status} ${await response.text()}`);
  return /** @type {{ id: string }} */ (await response.json().catch(named(`read the new ${template} session`))).id;
}

/**
 * @typedef {{ type: 'snapshot', version: number, session: Session, peerId: string, serverTime: number, model: number }} SnapshotFrame
 */

/**
 * Connect and say hello; resolves with the connection and its snapshot/catchup.
 * @param {string} wsBase
 * @param {string} sessionId
 * @param {string} clientId
 * @param {{ prefix?: string, version?: number | null }} [options]
 * @returns {Promise<{ conn: Conn, raw: string, snapshot: SnapshotFrame }>}
 */
export async function join(wsBase, sessionId, clientId, { prefix = '', version = null } = {}) {
  const conn = await Conn.open(`${wsBase}${prefix}/api/sessions/${sessionId}/ws`);
  const answer = conn.next((raw) => raw.startsWith('{"type":"snapshot"') || raw.startsWith('{"type":"catchup"'), 15_000, 'snapshot');
  conn.send(hello(clientId, clientId.slice(0, core.LIMITS.maxPeerName), version));
  const raw = await answer;
  return { conn, raw, snapshot: JSON.parse(raw) };
}

/**
 * What the bench-only probe route reports (scripts/bench/echo-worker.mjs `benchProbe`).
 * @typedef {{
 *   rowsWritten: number, mutationsApplied: number, commits?: number, version: number | null, publishedVersion: number | null,
 *   compactedVersion: number | null, kvWrites: number | null, sockets: number, alarmAt: number | null,
 *   instance: string, alarmsSet: number, alarmsDeleted: number,
 *   row: { mutation: number, clientId: number, author: number } | null,
 *   snapshotBytes: number, logRows: number, tables: string[], databaseSize: number
 * }} Probe
 */

/**
 * Room figures through the bench-only probe route.
 * @param {string} base
 * @param {string} sessionId
 * @param {{ unlimited?: boolean, version?: number | null }} [options]
 * @returns {Promise<Probe>}
 */
export async function probe(base, sessionId, { unlimited = false, version } = {}) {
  const url = `${base}/__bench/probe/${unlimited ? 'unlimited' : 'limited'}/${sessionId}${version !== undefined && version !== null ? `?version=${version}` : ''}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000) }).catch(named(`probe ${sessionId}`));
  if (!response.ok) throw new Error(`probe ${sessionId}: ${response.status} ${await response.text()}`);
  return /** @type {Promise<Probe>} */ (response.json().catch(named(`read the probe of ${sessionId}`)));
}
