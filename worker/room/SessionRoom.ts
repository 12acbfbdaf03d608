/**
 * SessionRoom: the Durable Object that owns one editable session.
 *
 * validate → apply → persist (one SQLite row) → ack + broadcast. The write and the
 * sends happen in the same turn, so the runtime's output gate holds every send until
 * the write is durable: nobody hears of a change that could still be lost.
 *
 * It uses the WebSocket Hibernation API: per-socket data lives in attachments, the
 * state is reloaded from SQLite in the constructor (which runs on every wake: fetch,
 * message, close, error, alarm), and keepalive pings are answered by the runtime
 * without waking the object.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  applyMutation,
  CLOSE,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  LIMITS,
  parseClientMessage,
  PROTOCOL_VERSION,
  SessionSchema,
  type Change,
  type ClientMessage,
  type ErrorCode,
  type Peer,
  type ServerMessage,
  type Session,
} from '../../core';
import * as v from 'valibot';
import type { Env } from '../env';
import { randomId } from '../ids';
import { beatKey, galleryKey, galleryMetadata, sessionKey, type BeatDocument, type SessionDocument } from './kvProjection';
import { RoomStorage } from './RoomStorage';
import { TokenBucket } from '../../core/TokenBucket';

/** How long changes may sit unpublished to KV while an editor stays connected. */
export const KV_BACKSTOP_MS = 30_000;

interface Attachment {
  peerId: string;
  helloed: boolean;
  clientId: string | null;
  listenOnly: boolean;
  name: string;
  color: string;
  playing: boolean;
  cursor: Peer['cursor'];
  /**
   * Set when a mutation was refused by the rate limit: the clientSeq it carried. Later
   * mutations on this socket are refused too until that one is sent again, so edits
   * apply in clientSeq order and none is skipped (dedupe keeps only the highest
   * clientSeq per writer: a skipped one, resent later, would be acked and lost).
   */
  resumeAt: number | null;
}

const encoder = new TextEncoder();

/** The clientSeq a parsed frame names, if it names one that could be valid. */
function clientSeqIn(json: unknown): number | undefined {
  const seq = (json as { clientSeq?: unknown } | null)?.clientSeq;
  return Number.isSafeInteger(seq) ? (seq as number) : undefined;
}

/** The clientSeq of a raw frame not otherwise parsed (one refused by the rate limit). */
function clientSeqOf(raw: string | ArrayBuffer): number | undefined {
  if (typeof raw !== 'string' || raw.length > LIMITS.maxFrameBytes) return undefined;
  try {
    return clientSeqIn(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

export class SessionRoom extends DurableObject<Env> {
  private readonly storage: RoomStorage;
  private readonly buckets = new Map<WebSocket, TokenBucket>();
  /** Mirror of the scheduled alarm, read from storage at every wake. */
  private alarmAt: number | null = null;
  /** The KV write in flight, if any (see publishToKv). */
  private publishing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new RoomStorage(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(KEEPALIVE_PING, KEEPALIVE_PONG));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- RPC from the Worker --------------------------------------------------

  /** Seed a new session's storage and write its first KV document. */
  async create(id: string, session: Session): Promise<void> {
    const now = Date.now();
    this.storage.seed(id, session, now);
    await this.publishToKv();
  }

  /** The current state, for remixing. Null for a room that was never seeded. */
  async snapshot(): Promise<{ session: Session; version: number } | null> {
    const state = this.storage.loaded;
    return state ? { session: state.session, version: state.version } : null;
  }

  /** Publish an immutable copy under a new beat id. Never reveals this session's id. */
  async publish(): Promise<BeatDocument | null> {
    const state = this.storage.loaded;
    if (!state) return null;
    const publishedAt = Date.now();
    const remixedFrom = state.session.lineage.remixedFrom;
    const beat: BeatDocument = {
      ...state.session,
      timeline: { ...state.session.timeline, together: false, playing: false },
      // Only a beat is public; an editable session's id must never leak through lineage.
      lineage: { remixedFrom: remixedFrom?.kind === 'beat' ? remixedFrom : null },
      beatId: randomId(),
      publishedAt,
    };
    await this.env.KV.put(beatKey(beat.beatId), JSON.stringify(beat));
    await this.env.KV.put(galleryKey(publishedAt, beat.beatId), '', { metadata: galleryMetadata(beat) });
    return beat;
  }

  /** Figures for tests and benchmarks. */
  async stats() {
    const state = this.storage.loaded;
    return {
      ...this.storage.stats,
      version: state?.version ?? null,
      publishedVersion: state?.counters.publishedVersion ?? null,
      compactedVersion: state?.counters.compactedVersion ?? null,
      kvWrites: state?.counters.kvWrites ?? null,
      sockets: this.ctx.getWebSockets().length,
      alarmAt: this.alarmAt,
    };
  }

  // ---- WebSocket upgrade --------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('expected a WebSocket upgrade', { status: 426 });
    }
    if (!this.storage.loaded) {
      const id = request.headers.get('X-Session-Id');
      if (!id || !(await this.adoptLegacyKvDocument(id))) {
        return new Response('no such session', { status: 404 });
      }
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    const attachment: Attachment = {
      peerId: crypto.randomUUID(),
      helloed: false,
      clientId: null,
      listenOnly: false,
      name: 'Guest',
      color: '#888888',
      playing: false,
      cursor: null,
      resumeAt: null,
    };
    server.serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Load order on wake: DO storage, then (sessions from before DO storage) the KV
   * document, copied into DO storage at once, then nothing (a 404).
   */
  private async adoptLegacyKvDocument(id: string): Promise<boolean> {
    const doc = await this.env.KV.get<SessionDocument>(sessionKey(id), 'json');
    if (!doc) return false;
    const { id: _id, version: _v, createdAt, updatedAt: _u, ...session } = doc;
    const parsed = v.safeParse(SessionSchema, session);
    if (!parsed.success || this.storage.loaded) return !!this.storage.loaded;
    // Keep counting from the document's version: restarting at 0 would make the
    // version go backwards for anyone who read the legacy document (failure mode 5).
    const version = Number.isSafeInteger(doc.version) && doc.version > 0 ? doc.version : 0;
    const created = Number.isFinite(createdAt) && createdAt > 0 ? createdAt : Date.now();
    this.storage.seed(id, parsed.output, created, version);
    return true;
  }

  // ---- WebSocket events ------------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const bucket = this.bucketFor(ws);
    if (!bucket.take()) {
      if (bucket.strikes >= LIMITS.rateLimitStrikes) {
        ws.close(CLOSE.abuse, 'rate limit exceeded');
        return;
      }
      // Name the refused mutation so its author drops it from pending. Left pending, it
      // would be resent after a newer clientSeq had applied, acked as a duplicate, and
      // the edit lost without a word.
      const seq = clientSeqOf(raw);
      if (seq !== undefined) this.holdMutationsFrom(ws, seq);
      return this.sendError(ws, 'rate_limited', 'too many messages; slow down', seq);
    }
    if (typeof raw !== 'string') return this.sendError(ws, 'bad_message', 'frames must be JSON text');
    if (raw.length > LIMITS.maxFrameBytes || encoder.encode(raw).byteLength > LIMITS.maxFrameBytes) {
      return this.sendError(ws, 'frame_too_large', `frames are at most ${LIMITS.maxFrameBytes} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.sendError(ws, 'bad_json', 'frame is not valid JSON');
    }
    const parsed = parseClientMessage(json);
    if (!parsed.ok) return this.sendError(ws, 'bad_message', parsed.message, clientSeqIn(json));
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        return this.onHello(ws, message);
      case 'mutate':
        return this.onMutate(ws, message);
      case 'presence':
        return this.onPresence(ws, message);
      case 'clock':
        return this.send(ws, { type: 'clock', t0: message.t0, serverTime: Date.now() });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    await this.onSocketGone(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.onSocketGone(ws);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.publishToKv();
  }

  // ---- message handlers ---------------------------------------------------------------

  private onHello(ws: WebSocket, hello: Extract<ClientMessage, { type: 'hello' }>): void {
    const state = this.storage.loaded;
    if (!state) {
      ws.close(CLOSE.notFound, 'no such session');
      return;
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.sendError(ws, 'protocol_version', `server speaks protocol ${PROTOCOL_VERSION}`);
      ws.close(CLOSE.protocolVersion, 'protocol version mismatch');
      return;
    }
    const attachment = this.attachment(ws);
    if (!hello.listenOnly) {
      const editors = this.helloedSockets().filter(
        ([other, a]) => other !== ws && !a.listenOnly && a.clientId !== hello.clientId,
      ).length;
      if (editors >= LIMITS.maxEditorsPerSession) {
        this.sendError(ws, 'session_full', `this session already has ${LIMITS.maxEditorsPerSession} editors`);
        ws.close(CLOSE.sessionFull, 'session full');
        return;
      }
    }
    // A client reconnecting while its old socket lingers: the old one is a ghost.
    for (const [other, a] of this.helloedSockets()) {
      if (other !== ws && a.clientId === hello.clientId) {
        other.serializeAttachment({ ...a, helloed: false });
        try {
          other.close(1000, 'replaced by a newer connection');
        } catch {
          // already gone
        }
      }
    }
    const updated: Attachment = {
      ...attachment,
      helloed: true,
      clientId: hello.clientId,
      listenOnly: hello.listenOnly,
      name: hello.peer.name,
      color: hello.peer.color,
    };
    ws.serializeAttachment(updated);
    const changes = hello.version === null ? null : this.storage.changesSince(hello.version);
    const serverTime = Date.now();
    if (changes) {
      this.send(ws, { type: 'catchup', fromVersion: hello.version!, changes, peerId: updated.peerId, serverTime });
    } else {
      this.send(ws, { type: 'snapshot', version: state.version, session: state.session, peerId: updated.peerId, serverTime });
    }
    this.broadcastPeers();
  }

  private onMutate(ws: WebSocket, message: Extract<ClientMessage, { type: 'mutate' }>): void {
    const attachment = this.attachment(ws);
    const state = this.storage.loaded;
    const { clientSeq } = message;
    if (!attachment.helloed || !state) return this.sendError(ws, 'hello_first', 'send hello first', clientSeq);
    if (attachment.listenOnly) return this.sendError(ws, 'listen_only', 'this connection only listens', clientSeq);
    if (message.clientId !== attachment.clientId) {
      return this.sendError(ws, 'wrong_client', 'clientId differs from the one in hello', clientSeq);
    }
    const lastSeq = this.storage.lastClientSeq(message.clientId);
    if (attachment.resumeAt !== null) {
      if (clientSeq > attachment.resumeAt && attachment.resumeAt > lastSeq) {
        return this.sendError(ws, 'rate_limited', `resend clientSeq ${attachment.resumeAt} first`, clientSeq);
      }
      ws.serializeAttachment({ ...attachment, resumeAt: null });
    }
    if (clientSeq <= lastSeq) {
      // Already applied (a resend after a reconnect): acknowledge, change nothing.
      return this.send(ws, { type: 'ack', clientSeq, version: state.version });
    }
    const at = Date.now();
    const result = applyMutation(state.session, message.mutation, at);
    if (!result.ok) return this.sendError(ws, result.code, result.message, clientSeq);
    const change: Change = { version: state.version + 1, at, mutation: message.mutation, by: attachment.peerId };
    this.storage.append(change, result.session, message.clientId, clientSeq);
    // Sent in the same turn as the write: the output gate releases them once it is durable.
    const forOthers = JSON.stringify({ type: 'change', ...change } satisfies ServerMessage);
    const forAuthor = JSON.stringify({ type: 'change', clientSeq, ...change } satisfies ServerMessage);
    for (const [socket] of this.helloedSockets()) {
      this.sendRaw(socket, socket === ws ? forAuthor : forOthers);
    }
    this.ensureBackstopAlarm();
  }

  private holdMutationsFrom(ws: WebSocket, clientSeq: number): void {
    const attachment = this.attachment(ws);
    if (attachment.resumeAt === null || clientSeq < attachment.resumeAt) ws.serializeAttachment({ ...attachment, resumeAt: clientSeq });
  }

  private onPresence(ws: WebSocket, message: Extract<ClientMessage, { type: 'presence' }>): void {
    const attachment = this.attachment(ws);
    if (!attachment.helloed) return this.sendError(ws, 'hello_first', 'send hello first');
    // Presence lives in the socket attachment only: never in storage.
    ws.serializeAttachment({
      ...attachment,
      cursor: message.cursor,
      playing: message.playing,
      name: message.peer.name,
      color: message.peer.color,
    });
    this.broadcastPeers();
  }

  private async onSocketGone(ws: WebSocket): Promise<void> {
    this.buckets.delete(ws);
    const remaining = this.helloedSockets().filter(([other]) => other !== ws);
    this.broadcastPeers(ws);
    if (!remaining.some(([, a]) => !a.listenOnly)) await this.publishToKv();
  }

  // ---- KV projection ------------------------------------------------------------------------

  /**
   * Write the KV document if it is behind DO storage; otherwise do nothing. One write
   * at a time: callers arriving while one is in flight (several editors leaving at
   * once, the alarm during a close) wait for it and then find KV up to date, instead
   * of each writing the same version (KV takes about one write a second per key).
   * Only in memory, and safely so: after an eviction nothing is in flight.
   */
  private async publishToKv(): Promise<void> {
    while (this.publishing) await this.publishing;
    this.publishing = this.writeKvIfBehind().finally(() => {
      this.publishing = null;
    });
    return this.publishing;
  }

  private async writeKvIfBehind(): Promise<void> {
    const state = this.storage.loaded;
    if (!state) return;
    this.storage.compact();
    if (state.version <= state.counters.publishedVersion && state.counters.kvWrites > 0) return;
    const version = state.version;
    const doc: SessionDocument = {
      ...state.session,
      id: state.id,
      version,
      createdAt: state.counters.createdAt,
      updatedAt: Date.now(),
    };
    try {
      await this.env.KV.put(sessionKey(state.id), JSON.stringify(doc));
    } catch (error) {
      // KV is behind; the alarm tries again. DO storage still holds everything.
      console.error('KV write failed', error);
      this.ensureBackstopAlarm();
      return;
    }
    this.storage.markPublished(version);
    if (state.version <= version && this.alarmAt !== null) {
      this.alarmAt = null;
      await this.ctx.storage.deleteAlarm();
    }
  }

  private ensureBackstopAlarm(): void {
    if (this.alarmAt !== null) return;
    this.alarmAt = Date.now() + KV_BACKSTOP_MS;
    void this.ctx.storage.setAlarm(this.alarmAt);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private attachment(ws: WebSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  private helloedSockets(): [WebSocket, Attachment][] {
    const result: [WebSocket, Attachment][] = [];
    for (const ws of this.ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as Attachment | null;
      if (a?.helloed) result.push([ws, a]);
    }
    return result;
  }

  private broadcastPeers(except?: WebSocket): void {
    const sockets = this.helloedSockets().filter(([ws]) => ws !== except);
    const peers: Peer[] = sockets.map(([, a]) => ({
      peerId: a.peerId,
      name: a.name,
      color: a.color,
      playing: a.playing,
      cursor: a.cursor,
      listenOnly: a.listenOnly,
    }));
    const frame = JSON.stringify({ type: 'peers', peers } satisfies ServerMessage);
    for (const [ws] of sockets) this.sendRaw(ws, frame);
  }

  private bucketFor(ws: WebSocket): TokenBucket {
    let bucket = this.buckets.get(ws);
    if (!bucket) {
      bucket = new TokenBucket(LIMITS.rateLimitPerSecond, LIMITS.rateLimitBurst);
      this.buckets.set(ws, bucket);
    }
    return bucket;
  }

  private sendError(ws: WebSocket, code: ErrorCode, message: string, clientSeq?: number): void {
    this.send(ws, clientSeq === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientSeq });
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    this.sendRaw(ws, JSON.stringify(message));
  }

  private sendRaw(ws: WebSocket, frame: string): void {
    try {
      ws.send(frame);
    } catch {
      // The socket closed under us; its close event cleans up.
    }
  }
}
