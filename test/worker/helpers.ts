/**
 * Test helpers for the Worker + SessionRoom suite, run inside workerd.
 *
 * TestClient speaks the wire protocol over a real WebSocket (upgraded through the
 * Worker exactly as a browser's would be) and keeps a core Replica fed with what
 * it receives, the way app/sync/SyncClient does: snapshot → resetTo, change →
 * applyChange (own echo settles), ack → settle, refusal → reject. Tests then
 * compare every replica with the room's own state.
 */
import { env as testEnv, runInDurableObject, SELF } from 'cloudflare:test';
import { onTestFinished, vi } from 'vitest';
import {
  makeTrack,
  MODEL_VERSION,
  PROTOCOL_VERSION,
  Replica,
  rowOf,
  type ClientMessage,
  type Mutation,
  type PatternId,
  type Row,
  messagesOf,
  type ServerFrame,
  type ServerMessage,
  type Session,
  type Track,
} from '../../core';
import type { Env } from '../../worker/env';
import { sessionKey, type SessionDocument } from '../../worker/room/kvProjection';

/**
 * The bindings, typed. (`Cloudflare.Env` stays empty here: the compiler drops the
 * `extends import('./env').Env` of worker/globals.d.ts, so the cast says it instead.)
 */
export const env = testEnv as Env;

// Every test waits on real sockets and durable writes; on a busy two-core machine the
// default 5 s per test is tight. Waits below fail with what arrived, well before this.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

export const ORIGIN = 'https://keyboardia.test';
export const PEER = { name: 'Tester', color: '#336699' } as const;

// ---- HTTP and the room ---------------------------------------------------------------

export function api(path: string, init?: RequestInit): Promise<Response> {
  return SELF.fetch(`${ORIGIN}${path}`, init);
}

/** POST /api/sessions; returns the new id. */
export async function createSession(body: unknown = { template: 'starter' }): Promise<string> {
  const res = await api('/api/sessions', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

export function room(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

export async function roomStats(id: string) {
  return room(id).stats();
}

/** The room's authoritative state (from its storage-backed memory, over RPC). */
export async function serverState(id: string): Promise<{ session: Session; version: number }> {
  const state = await room(id).snapshot();
  if (!state) throw new Error(`room ${id} is not seeded`);
  return state;
}

/** Run one SQL query inside the room's Durable Object and return its rows. */
export function sqlRows<T extends Record<string, SqlStorageValue>>(
  id: string,
  query: string,
  ...bindings: SqlStorageValue[]
): Promise<T[]> {
  return runInDurableObject(room(id), (_instance, state) => state.storage.sql.exec<T>(query, ...bindings).toArray());
}

/** Names of the tables in the room's SQLite database (none for a room never seeded). */
export async function tableNames(id: string): Promise<string[]> {
  const rows = await sqlRows<{ name: string }>(id, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`);
  return rows.map((r) => r.name);
}

export function kvDoc(id: string): Promise<SessionDocument | null> {
  return env.KV.get<SessionDocument>(sessionKey(id), 'json');
}

/** Poll `read` until `accept` holds (for effects that happen after a close event). */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  // Counted in polls, not by Date: some tests freeze Date.
  for (let polls = timeoutMs / 10; ; polls--) {
    const value = await read();
    if (accept(value)) return value;
    if (polls <= 0) throw new Error(`timed out; last value: ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- Mutations and tracks used across files -------------------------------------------

export const setStep = (trackId: string, step: number, on: boolean, pattern: PatternId = 'A'): Mutation => ({
  type: 'set_step',
  trackId,
  pattern,
  step,
  on,
});

/** A track's row in a pattern (the default row when it has none there). */
export const rowIn = (session: Session, trackId: string, pattern: PatternId = 'A'): Row => rowOf(session, pattern, trackId);

/** A track with every one of its 128 steps on (in pattern A): the "full session" building block. */
export function fullTrack(id: string): { track: Track; row: Row } {
  return makeTrack({ id, name: `Track ${id}`, instrument: 'studio-kick', length: 128, on: [...Array(128).keys()] });
}

/** `add_track` of a track with its row in pattern A (from makeTrack), appended. */
export const addTrack = ({ track, row }: { track: Track; row: Row }): Mutation => ({
  type: 'add_track',
  track,
  rows: { A: row },
  beforeTrackId: null,
});

/**
 * A session whose tracks are all full: `count` tracks × 128 steps, every step on,
 * created from the empty template and filled through `client`'s WebSocket.
 */
export async function fullSession(count: number): Promise<{ id: string; client: TestClient }> {
  const id = await createSession({ template: 'empty' });
  const client = await TestClient.join(id);
  for (let i = 0; i < count; i++) client.mutate(addTrack(fullTrack(`t${i}`)));
  await client.settled();
  const { session } = await serverState(id);
  if (session.tracks.length !== count || !session.tracks.every((t) => rowIn(session, t.id).steps.every(Boolean))) {
    throw new Error('the full session did not fill');
  }
  return { id, client };
}

// ---- The protocol client ----------------------------------------------------------------

export interface Closed {
  code: number;
  reason: string;
}

export async function upgrade(id: string, path = `/api/sessions/${id}/ws`): Promise<Response> {
  return api(path, { headers: { Upgrade: 'websocket' } });
}

export class TestClient {
  /** Every text frame received, in order (including non-JSON ones like "pong"). */
  readonly frames: string[] = [];
  /** Every JSON frame received, parsed, in order. */
  readonly messages: ServerMessage[] = [];
  replica: Replica | null = null;
  /** Own peer id, from the last snapshot or catch-up. */
  peerId: string | null = null;
  closedWith: Closed | null = null;
  private readonly waiters = new Set<() => void>();
  private probe = 0;

  private constructor(
    readonly ws: WebSocket,
    readonly sessionId: string,
    readonly clientId: string,
    /** The browser tab it plays: by default one per clientId (a reconnect is the same tab). */
    readonly tab: string = clientId,
  ) {
    ws.addEventListener('message', (event) => {
      this.onFrame(event.data);
    });
    ws.addEventListener('close', (event) => {
      this.closedWith = { code: event.code, reason: event.reason };
      this.notify();
    });
  }

  /**
   * Open a WebSocket to the session through the Worker. The socket is closed when
   * the test finishes. `replica` carries a previous connection's state (reconnect).
   */
  static async connect(
    sessionId: string,
    opts: { clientId?: string; tab?: string; replica?: Replica | null /** another socket route (a listen link) */; path?: string } = {},
  ): Promise<TestClient> {
    const res = await upgrade(sessionId, opts.path);
    if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
    const ws = res.webSocket;
    ws.accept();
    const clientId = opts.clientId ?? crypto.randomUUID();
    const client = new TestClient(ws, sessionId, clientId, opts.tab ?? clientId);
    client.replica = opts.replica ?? null;
    try {
      onTestFinished(() => client.close());
    } catch {
      // Opened outside a test (in a beforeAll): the caller closes it.
    }
    return client;
  }

  /** A client over a socket opened another way (a relay's: test/worker/relay.test.ts). Closed when the test finishes. */
  static adopt(ws: WebSocket, sessionId = '(hidden)'): TestClient {
    ws.accept();
    const client = new TestClient(ws, sessionId, crypto.randomUUID());
    onTestFinished(() => client.close());
    return client;
  }

  /** Connect and join as an editor; resolves once the snapshot (or catch-up) is in. */
  static async join(sessionId: string, opts: { clientId?: string; tab?: string; replica?: Replica | null } = {}): Promise<TestClient> {
    const client = await TestClient.connect(sessionId, opts);
    const reply = await client.hello();
    if (reply.type !== 'snapshot' && reply.type !== 'catchup') throw new Error(`join refused: ${JSON.stringify(reply)}`);
    return client;
  }

  get isOpen(): boolean {
    return this.closedWith === null && this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: string | ArrayBuffer | ArrayBufferView | object): void {
    if (typeof frame === 'string' || frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) this.ws.send(frame);
    else this.ws.send(JSON.stringify(frame));
  }

  sendMessage(message: ClientMessage): void {
    this.send(message);
  }

  /**
   * Say hello with the version our replica has (null: none) and wait for the
   * reply. Like the browser, once in sync it resends every pending mutation.
   */
  async hello(
    opts: { listenOnly?: boolean; version?: number | null; resendPending?: boolean; protocol?: number } = {},
  ): Promise<ServerMessage> {
    const since = this.messages.length;
    this.sendMessage({
      type: 'hello',
      protocol: opts.protocol ?? PROTOCOL_VERSION,
      model: MODEL_VERSION,
      clientId: this.clientId,
      tab: this.tab,
      version: opts.version !== undefined ? opts.version : (this.replica?.version ?? null),
      peer: { ...PEER },
      listenOnly: opts.listenOnly ?? false,
    });
    const reply = await this.waitFor((m) => m.type === 'snapshot' || m.type === 'catchup' || m.type === 'error', { since });
    if ((reply.type === 'snapshot' || reply.type === 'catchup') && (opts.resendPending ?? true)) {
      for (const p of this.replica?.pending ?? []) this.sendMutate(p.mutation, p.clientSeq);
    }
    return reply;
  }

  /** Make an edit as the browser does: optimistic apply, queue as pending, send. Returns its clientSeq. */
  mutate(mutation: Mutation): number {
    if (!this.replica) throw new Error('no replica yet: hello first');
    const result = this.replica.mutate(mutation, Date.now());
    if (!result.ok) throw new Error(`refused locally: ${result.code} ${result.message}`);
    this.sendMutate(mutation, result.pending.clientSeq);
    return result.pending.clientSeq;
  }

  /** Send a mutate frame directly (no replica bookkeeping): for resends and hostile input. */
  sendMutate(mutation: unknown, clientSeq: number, clientId = this.clientId): void {
    this.send({ type: 'mutate', clientId, clientSeq, mutation });
  }

  /** The server's answer to our mutation `clientSeq`: its echo (change), a duplicate ack or a refusal. */
  outcomeOf(clientSeq: number, since = 0): Promise<ServerMessage> {
    return this.waitFor((m) => (m.type === 'change' || m.type === 'ack' || m.type === 'error') && m.clientSeq === clientSeq, { since });
  }

  /** Wait until every pending mutation of our replica is settled or refused. */
  async settled(timeoutMs = 10_000): Promise<void> {
    await this.until(() => (this.replica?.pending.length ?? 0) === 0, timeoutMs, 'pending mutations to settle');
  }

  /**
   * A round trip through the room: a clock request answered in order after every
   * frame sent before it. Returns the messages that arrived meanwhile.
   */
  async roundTrip(): Promise<ServerMessage[]> {
    const since = this.messages.length;
    const t0 = -++this.probe; // negative: never a real clock sample
    this.sendMessage({ type: 'clock', t0 });
    await this.waitFor((m) => m.type === 'clock' && m.t0 === t0, { since });
    return this.messages.slice(since).filter((m) => !(m.type === 'clock' && m.t0 === t0));
  }

  /** First message at index ≥ `since` matching `predicate`, now or when it arrives. */
  waitFor<T extends ServerMessage = ServerMessage>(
    predicate: (message: ServerMessage) => boolean,
    { since = 0, timeoutMs = 10_000 }: { since?: number; timeoutMs?: number } = {},
  ): Promise<T> {
    let found: ServerMessage | undefined;
    return this.until(
      () => {
        found = this.messages.slice(since).find(predicate);
        return found !== undefined;
      },
      timeoutMs,
      'a matching message',
    ).then(() => found as T);
  }

  /** Resolves with the close code once the socket is closed. */
  async closed(timeoutMs = 10_000): Promise<Closed> {
    await this.until(() => this.closedWith !== null, timeoutMs, 'the socket to close', true);
    return this.closedWith!;
  }

  close(code = 1000): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, 'test done');
  }

  messagesOfType<K extends ServerMessage['type']>(type: K, since = 0): Extract<ServerMessage, { type: K }>[] {
    return this.messages.slice(since).filter((m): m is Extract<ServerMessage, { type: K }> => m.type === type);
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') throw new Error('the server sent a binary frame');
    this.frames.push(data);
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return this.notify();
    }
    // A listener's frame may hold several messages (protocol 4): each in order.
    for (const message of messagesOf(frame)) {
      this.messages.push(message);
      this.apply(message);
    }
    this.notify();
  }

  /** What app/sync/SyncClient does with each message, minus the UI. */
  private apply(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.peerId = message.peerId;
        if (this.replica) this.replica.resetTo(message.session, message.version);
        else this.replica = new Replica({ session: message.session, version: message.version });
        return;
      case 'catchup':
        this.peerId = message.peerId;
        for (const change of message.changes) {
          if (this.replica?.applyChange(change) === 'gap') throw new Error(`gap in catch-up at ${change.version}`);
        }
        return;
      case 'change':
        if (this.replica?.applyChange(message, message.clientSeq) === 'gap') {
          throw new Error(`version gap: have ${this.replica.version}, got ${message.version}`);
        }
        return;
      case 'ack':
        this.replica?.settle(message.clientSeq);
        return;
      case 'error':
        if (message.clientSeq !== undefined) this.replica?.reject(message.clientSeq);
        return;
      default:
        return;
    }
  }

  private until(condition: () => boolean, timeoutMs: number, what: string, evenIfClosed = false): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (condition()) {
          done();
          resolve();
        } else if (this.closedWith && !evenIfClosed) {
          done();
          reject(
            new Error(
              `socket closed (${this.closedWith.code} ${this.closedWith.reason}) while waiting for ${what}; got ${this.describe()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; got ${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private describe(): string {
    return JSON.stringify(this.messages.slice(-5).map((m) => ({ ...m, session: undefined })));
  }
}

/** Everyone's confirmed state and view, with the server's, for one equality assertion. */
export async function convergence(id: string, clients: TestClient[]) {
  const server = await serverState(id);
  return {
    server,
    replicas: clients.map((c) => ({ session: c.replica!.confirmed, version: c.replica!.version })),
    views: clients.map((c) => c.replica!.view),
  };
}
