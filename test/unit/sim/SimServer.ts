/**
 * An in-memory model of SessionRoom (worker/room/SessionRoom.ts) for the fuzz test:
 * the same message handling, step for step — rate limit, frame checks, one schema,
 * hello (catch-up from the log or a snapshot, ghost sockets replaced, editor limit),
 * mutate (dedupe by clientId/last clientSeq, apply, next version, broadcast with the
 * author's clientSeq), refusals with codes. Storage is a plain array: the real room
 * makes each change durable before anyone hears of it, so "restart" here keeps it all
 * (the crash harness tests that promise against the real runtime).
 *
 * Keep this in step with SessionRoom: it is only worth what its fidelity is.
 */
import {
  applyMutation,
  LIMITS,
  parseClientMessage,
  PROTOCOL_VERSION,
  type Change,
  type ClientMessage,
  type ErrorCode,
  type ServerMessage,
  type Session,
} from '../../../core';
import { TokenBucket } from '../../../core/TokenBucket';
import { CLOSED, type Connection } from './network';

interface Attachment {
  peerId: string;
  helloed: boolean;
  clientId: string | null;
  listenOnly: boolean;
  /** SessionRoom's resumeAt: mutations after a rate-limited one wait for its resend. */
  resumeAt: number | null;
}

export interface SimServerOptions {
  /** Catch-up window (the real ring holds 1024); small values exercise the snapshot path. */
  logSlots: number;
  rateLimitPerSecond?: number;
  rateLimitBurst?: number;
  /** Sabotage switches, used only to prove the checks can fail. */
  sabotage?: { noDedupe?: boolean; noAuthorSeq?: boolean };
}

export const key = (clientId: string, clientSeq: number) => `${clientId}#${clientSeq}`;

const encoder = new TextEncoder();

export class SimServer {
  session: Session;
  version = 0;
  /** history[v] is the state after version v: what a replica at version v must hold. */
  readonly history: Session[];
  private readonly log: Change[] = [];
  private readonly lastSeq = new Map<string, number>();
  private readonly sockets = new Set<Connection>();
  private nextPeer = 1;

  /** For the checks: how often each clientId#clientSeq was applied, and which were refused. */
  readonly appliedCount = new Map<string, number>();
  readonly refused = new Map<string, ErrorCode[]>();
  readonly stats = { frames: 0, applied: 0, duplicates: 0, refusals: 0, rateLimited: 0, snapshots: 0, catchups: 0, restarts: 0 };

  constructor(
    initial: Session,
    private readonly options: SimServerOptions,
    private readonly now: () => number,
  ) {
    this.session = initial;
    this.history = [initial];
  }

  /** A WebSocket upgrade was accepted (the session exists). */
  accept(conn: Connection): void {
    conn.attachment = { peerId: `peer-${this.nextPeer++}`, helloed: false, clientId: null, listenOnly: false, resumeAt: null } satisfies Attachment;
    conn.memory = null;
    this.sockets.add(conn);
  }

  /** Deliver the next client → server frame of `conn`. */
  deliver(conn: Connection): void {
    const frame = conn.toServer.shift();
    if (frame === undefined) return;
    if (frame === CLOSED) {
      conn.serverOpen = false;
      this.sockets.delete(conn);
      this.broadcastPeers();
      return;
    }
    if (!this.sockets.has(conn)) return;
    this.stats.frames++;
    this.webSocketMessage(conn, frame);
  }

  /** The process dies and comes back: sockets and in-memory data are gone, storage stays. */
  restart(): void {
    this.stats.restarts++;
    for (const conn of this.sockets) conn.sever();
    this.sockets.clear();
  }

  // ---- SessionRoom.webSocketMessage ----------------------------------------------

  private webSocketMessage(ws: Connection, raw: string): void {
    const bucket = this.bucketFor(ws);
    if (!bucket.take(this.now())) {
      if (bucket.strikes >= LIMITS.rateLimitStrikes) {
        ws.serverClose();
        this.sockets.delete(ws);
        return;
      }
      this.stats.rateLimited++;
      const seq = clientSeqOf(raw);
      if (seq !== undefined) {
        this.noteRefusal(ws, seq, 'rate_limited');
        const a = ws.attachment as Attachment;
        if (a.resumeAt === null || seq < a.resumeAt) ws.attachment = { ...a, resumeAt: seq };
      }
      return this.sendError(ws, 'rate_limited', 'too many messages; slow down', seq);
    }
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
    if (!parsed.ok) {
      const seq = (json as { clientSeq?: unknown } | null)?.clientSeq;
      const clientSeq = Number.isSafeInteger(seq) ? (seq as number) : undefined;
      if (clientSeq !== undefined) this.noteRefusal(ws, clientSeq, 'bad_message');
      return this.sendError(ws, 'bad_message', parsed.message, clientSeq);
    }
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        return this.onHello(ws, message);
      case 'mutate':
        return this.onMutate(ws, message);
      case 'presence':
      case 'clock':
        return; // not modelled: neither touches the session
    }
  }

  private onHello(ws: Connection, hello: Extract<ClientMessage, { type: 'hello' }>): void {
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.sendError(ws, 'protocol_version', `server speaks protocol ${PROTOCOL_VERSION}`);
      ws.serverClose();
      return;
    }
    const attachment = ws.attachment as Attachment;
    if (!hello.listenOnly) {
      const editors = this.helloedSockets().filter(
        ([other, a]) => other !== ws && !a.listenOnly && a.clientId !== hello.clientId,
      ).length;
      if (editors >= LIMITS.maxEditorsPerSession) {
        this.sendError(ws, 'session_full', `this session already has ${LIMITS.maxEditorsPerSession} editors`);
        ws.serverClose(); // CLOSE.sessionFull
        return;
      }
    }
    for (const [other, a] of this.helloedSockets()) {
      if (other !== ws && a.clientId === hello.clientId) {
        other.attachment = { ...a, helloed: false };
        other.serverClose();
      }
    }
    const updated: Attachment = { ...attachment, helloed: true, clientId: hello.clientId, listenOnly: hello.listenOnly };
    ws.attachment = updated;
    const changes = hello.version === null ? null : this.changesSince(hello.version);
    const serverTime = this.now();
    if (changes) {
      this.stats.catchups++;
      this.send(ws, { type: 'catchup', fromVersion: hello.version!, changes, peerId: updated.peerId, serverTime });
    } else {
      this.stats.snapshots++;
      this.send(ws, { type: 'snapshot', version: this.version, session: this.session, peerId: updated.peerId, serverTime });
    }
    this.broadcastPeers();
  }

  private onMutate(ws: Connection, message: Extract<ClientMessage, { type: 'mutate' }>): void {
    const attachment = ws.attachment as Attachment;
    const { clientSeq } = message;
    if (!attachment.helloed) return this.refuse(ws, message.clientId, clientSeq, 'hello_first', 'send hello first');
    if (attachment.listenOnly) return this.refuse(ws, message.clientId, clientSeq, 'listen_only', 'this connection only listens');
    if (message.clientId !== attachment.clientId) {
      return this.refuse(ws, message.clientId, clientSeq, 'wrong_client', 'clientId differs from the one in hello');
    }
    const lastSeq = this.lastSeq.get(message.clientId) ?? 0;
    if (attachment.resumeAt !== null) {
      if (clientSeq > attachment.resumeAt && attachment.resumeAt > lastSeq) {
        return this.refuse(ws, message.clientId, clientSeq, 'rate_limited', `resend clientSeq ${attachment.resumeAt} first`);
      }
      ws.attachment = { ...attachment, resumeAt: null };
    }
    if (!this.options.sabotage?.noDedupe && clientSeq <= lastSeq) {
      this.stats.duplicates++;
      return this.send(ws, { type: 'ack', clientSeq, version: this.version });
    }
    const at = this.now();
    const result = applyMutation(this.session, message.mutation, at);
    if (!result.ok) return this.refuse(ws, message.clientId, clientSeq, result.code, result.message);
    const change: Change = { version: this.version + 1, at, mutation: message.mutation, by: attachment.peerId };
    // RoomStorage.append: one durable row holding the change and the dedupe record.
    this.log.push(change);
    this.session = result.session;
    this.version = change.version;
    this.history.push(result.session);
    this.lastSeq.set(message.clientId, clientSeq);
    const k = key(message.clientId, clientSeq);
    this.appliedCount.set(k, (this.appliedCount.get(k) ?? 0) + 1);
    this.stats.applied++;
    const forOthers = JSON.stringify({ type: 'change', ...change } satisfies ServerMessage);
    const forAuthor = this.options.sabotage?.noAuthorSeq
      ? forOthers
      : JSON.stringify({ type: 'change', clientSeq, ...change } satisfies ServerMessage);
    for (const [socket] of this.helloedSockets()) socket.serverSend(socket === ws ? forAuthor : forOthers);
  }

  /** RoomStorage.changesSince, with a ring of `logSlots` entries. */
  private changesSince(fromVersion: number): Change[] | null {
    if (fromVersion === this.version) return [];
    if (fromVersion > this.version || this.version - fromVersion >= this.options.logSlots) return null;
    return this.log.slice(fromVersion);
  }

  // ---- helpers ------------------------------------------------------------------------

  private refuse(ws: Connection, clientId: string, clientSeq: number, code: ErrorCode, message: string): void {
    this.noteRefusal(ws, clientSeq, code, clientId);
    this.sendError(ws, code, message, clientSeq);
  }

  private noteRefusal(ws: Connection, clientSeq: number, code: ErrorCode, clientId?: string): void {
    this.stats.refusals++;
    const id = clientId ?? (ws.attachment as Attachment).clientId ?? ws.owner;
    const k = key(id, clientSeq);
    this.refused.set(k, [...(this.refused.get(k) ?? []), code]);
  }

  private helloedSockets(): [Connection, Attachment][] {
    const result: [Connection, Attachment][] = [];
    for (const ws of this.sockets) {
      const a = ws.attachment as Attachment;
      if (a.helloed && ws.serverOpen) result.push([ws, a]);
    }
    return result;
  }

  private broadcastPeers(): void {
    const sockets = this.helloedSockets();
    const frame = JSON.stringify({
      type: 'peers',
      peers: sockets.map(([, a]) => ({ peerId: a.peerId, name: 'sim', color: '#888888', playing: false, cursor: null, listenOnly: a.listenOnly })),
    } satisfies ServerMessage);
    for (const [ws] of sockets) ws.serverSend(frame);
  }

  private bucketFor(ws: Connection): TokenBucket {
    if (!ws.memory) {
      const bucket = new TokenBucket(
        this.options.rateLimitPerSecond ?? LIMITS.rateLimitPerSecond,
        this.options.rateLimitBurst ?? LIMITS.rateLimitBurst,
      );
      // TokenBucket starts its clock at the real Date.now(); start it on the sim clock.
      (bucket as unknown as { last: number }).last = this.now();
      ws.memory = bucket;
    }
    return ws.memory as TokenBucket;
  }

  private sendError(ws: Connection, code: ErrorCode, message: string, clientSeq?: number): void {
    this.send(ws, clientSeq === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientSeq });
  }

  private send(ws: Connection, message: ServerMessage): void {
    ws.serverSend(JSON.stringify(message));
  }
}

/**
 * SessionRoom's clientSeqOf: the clientSeq of a frame refused by the rate limit before
 * it is validated, so the refusal can name it and the author drops it from pending.
 */
function clientSeqOf(raw: string): number | undefined {
  if (raw.length > LIMITS.maxFrameBytes) return undefined;
  try {
    const seq = (JSON.parse(raw) as { clientSeq?: unknown } | null)?.clientSeq;
    return Number.isSafeInteger(seq) ? (seq as number) : undefined;
  } catch {
    return undefined;
  }
}
