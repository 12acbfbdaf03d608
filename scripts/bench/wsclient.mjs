// Minimal protocol clients for the bench, on Node's global WebSocket (docs/PROTOCOL.md).
import { withTimeout } from './lib.mjs';

/** One WebSocket with frame waiters. Frames are raw strings; parse only where needed. */
export class Conn {
  constructor(ws) {
    this.ws = ws;
    this.waiters = [];
    this.onFrame = null;
    this.closed = null;
    this.errors = 0;
    ws.onmessage = (event) => {
      const data = event.data;
      if (this.onFrame) this.onFrame(data);
      if (this.waiters.length) {
        const still = [];
        for (const w of this.waiters) {
          if (w.match(data)) w.resolve(data);
          else still.push(w);
        }
        this.waiters = still;
      }
    };
    ws.onclose = (event) => {
      this.closed = { code: event.code, reason: event.reason };
      for (const w of this.waiters) w.reject(new Error(`socket closed ${event.code} ${event.reason}`));
      this.waiters = [];
    };
    ws.onerror = () => {
      this.errors++;
    };
  }

  static open(url, timeoutMs = 15_000) {
    return withTimeout(
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve(new Conn(ws));
        ws.onerror = (e) => reject(new Error(`cannot connect ${url}: ${e?.message ?? 'error'}`));
        ws.onclose = (e) => reject(new Error(`closed while connecting ${url}: ${e.code}`));
      }),
      timeoutMs,
      `connect ${url}`,
    );
  }

  send(frame) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The next frame for which `match(raw)` is true. */
  next(match, timeoutMs = 10_000, what = 'frame') {
    let waiter;
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

export const hello = (clientId, name = 'bench', version = null) => ({
  type: 'hello',
  protocol: 1,
  clientId,
  version,
  peer: { name, color: '#3366aa' },
});

export const mutate = (clientId, clientSeq, mutation) => ({ type: 'mutate', clientId, clientSeq, mutation });

/** The clientSeq of a raw 'change' frame, without parsing it (null for others' changes). */
export function clientSeqOf(raw) {
  const at = raw.indexOf('"clientSeq":');
  if (at < 0) return null;
  return parseInt(raw.slice(at + 12), 10);
}

/** The version of a raw 'change' frame, without parsing it. */
export function versionOf(raw) {
  const at = raw.indexOf('"version":');
  return at < 0 ? null : parseInt(raw.slice(at + 10), 10);
}

export const isChange = (raw) => raw.startsWith('{"type":"change"');

/** Create a session over HTTP; returns its id. */
export async function createSession(base, template = 'starter', prefix = '') {
  const response = await fetch(`${base}${prefix}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ template }),
    signal: AbortSignal.timeout(20_000),
  });
  if (response.status !== 201) throw new Error(`create session: ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

/** Connect and say hello; resolves with the connection and its snapshot/catchup. */
export async function join(wsBase, sessionId, clientId, { prefix = '', version = null } = {}) {
  const conn = await Conn.open(`${wsBase}${prefix}/api/sessions/${sessionId}/ws`);
  const answer = conn.next((raw) => raw.startsWith('{"type":"snapshot"') || raw.startsWith('{"type":"catchup"'), 15_000, 'snapshot');
  conn.send(hello(clientId, clientId.slice(0, 32), version));
  const raw = await answer;
  return { conn, raw, snapshot: JSON.parse(raw) };
}

/** Room figures through the bench-only probe route. */
export async function probe(base, sessionId, { unlimited = false, version } = {}) {
  const url = `${base}/__bench/probe/${unlimited ? 'unlimited' : 'limited'}/${sessionId}${version !== undefined ? `?version=${version}` : ''}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  if (!response.ok) throw new Error(`probe ${sessionId}: ${response.status} ${await response.text()}`);
  return response.json();
}
