/**
 * RoomProtocol: what a session room does with the frames of its sockets — rate limit,
 * frame checks, hello (catch-up from the log or a snapshot, ghost sockets replaced,
 * editor limit), mutate (dedupe by clientId/last clientSeq, apply, next version,
 * broadcast with the author's clientSeq), presence, clock samples and refusals.
 *
 * It knows no transport and no runtime: sockets, storage and the clock come in through
 * the small interfaces below. SessionRoom (the Durable Object) adapts the WebSocket
 * Hibernation API and RoomStorage to them; the seeded fuzz test (test/unit/sim) drives
 * this same class over simulated sockets and an in-memory log, so what it proves is
 * the room that ships, not a copy of it.
 *
 * Everything a socket needs across a hibernation lives in its attachment; only the
 * token buckets are in memory (a wake resets them, which only forgives a flooder).
 */
import {
  applyMutation,
  CLOSE,
  LIMITS,
  parseClientMessage,
  PROTOCOL_VERSION,
  type Change,
  type RefusalCode,
  type ClientMessage,
  type ErrorCode,
  type Peer,
  type ServerMessage,
  type Session,
} from '../../core';
import { TokenBucket } from '../../core/TokenBucket';

/**
 * The room's end of one connection. A Workers WebSocket satisfies it as it is, so the
 * room keys its in-memory data by the runtime's own socket objects.
 */
export interface RoomSocket {
  send(frame: string): void;
  close(code?: number, reason?: string): void;
  /** Per-socket data that survives hibernation (see Attachment). */
  serializeAttachment(value: unknown): void;
  deserializeAttachment(): unknown;
}

/** The durable state the protocol reads and appends to (RoomStorage implements it). */
export interface RoomLog {
  /** The session and its version; null for a room that was never seeded. */
  readonly loaded: { session: Session; version: number } | null;
  /** The highest clientSeq applied for `clientId` (0 if none): the dedupe record. */
  lastClientSeq(clientId: string): number;
  /** Persist one applied change together with its dedupe record; `next` is the resulting session. */
  append(change: Change, next: Session, clientId: string, clientSeq: number): void;
  /** Changes after `fromVersion` if the log still holds all of them; null otherwise. */
  changesSince(fromVersion: number): Change[] | null;
  /** Remember that the reducer refused this mutation (a resend must be refused again, not acked). */
  recordRefusal(clientId: string, clientSeq: number, code: RefusalCode, message: string): void;
  refusalOf(clientId: string, clientSeq: number): { code: RefusalCode; message: string } | null;
}

/** What the room needs from whatever hosts it. */
export interface RoomHost {
  /** Every socket accepted and not yet gone (the Durable Object's getWebSockets()). */
  sockets(): Iterable<RoomSocket>;
  /** Milliseconds since the epoch: server times, change times and the rate limit. */
  now(): number;
  /** A change was applied (SessionRoom schedules its KV backstop). */
  changed(): void;
}

export interface Attachment {
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

export class RoomProtocol {
  private readonly buckets = new Map<RoomSocket, TokenBucket>();

  constructor(private readonly storage: RoomLog, private readonly host: RoomHost) {}

  /** A WebSocket upgrade was accepted: give the socket its first attachment. */
  accept(ws: RoomSocket, peerId: string): void {
    const attachment: Attachment = {
      peerId,
      helloed: false,
      clientId: null,
      listenOnly: false,
      name: 'Guest',
      color: '#888888',
      playing: false,
      cursor: null,
      resumeAt: null,
    };
    ws.serializeAttachment(attachment);
  }

  message(ws: RoomSocket, raw: string | ArrayBuffer): void {
    const bucket = this.bucketFor(ws);
    if (!bucket.take(this.host.now())) {
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
    // A UTF-16 code unit is at most 3 UTF-8 bytes: only frames that could be over the
    // limit are encoded to count their bytes (not every frame on this hot path).
    if (raw.length > LIMITS.maxFrameBytes || (raw.length * 3 > LIMITS.maxFrameBytes && encoder.encode(raw).byteLength > LIMITS.maxFrameBytes)) {
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
        return this.send(ws, { type: 'clock', t0: message.t0, serverTime: this.host.now() });
    }
  }

  /**
   * The client closed: complete the close handshake, then forget the socket.
   * Returns true when no editor is left (the moment to bring KV up to date).
   */
  closed(ws: RoomSocket, code: number, reason: string): boolean {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    return this.gone(ws);
  }

  /** The socket is gone (closed or failed). Returns true when no editor is left. */
  gone(ws: RoomSocket): boolean {
    this.buckets.delete(ws);
    const remaining = this.helloedSockets().filter(([other]) => other !== ws);
    this.broadcastPeers(ws);
    return !remaining.some(([, a]) => !a.listenOnly);
  }

  // ---- message handlers ---------------------------------------------------------------

  private onHello(ws: RoomSocket, hello: Extract<ClientMessage, { type: 'hello' }>): void {
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
    const serverTime = this.host.now();
    if (changes) {
      this.send(ws, { type: 'catchup', fromVersion: hello.version!, changes, peerId: updated.peerId, serverTime });
    } else {
      this.send(ws, { type: 'snapshot', version: state.version, session: state.session, peerId: updated.peerId, serverTime });
    }
    this.broadcastPeers();
  }

  private onMutate(ws: RoomSocket, message: Extract<ClientMessage, { type: 'mutate' }>): void {
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
      // A resend after a reconnect. Refused the first time (its error lost with the
      // connection)? Refuse it again, so its author hears. Otherwise it was applied:
      // acknowledge, change nothing.
      const refusal = this.storage.refusalOf(message.clientId, clientSeq);
      if (refusal) return this.sendError(ws, refusal.code, refusal.message, clientSeq);
      return this.send(ws, { type: 'ack', clientSeq, version: state.version });
    }
    const at = this.host.now();
    const result = applyMutation(state.session, message.mutation, at);
    if (!result.ok) {
      this.storage.recordRefusal(message.clientId, clientSeq, result.code, result.message);
      return this.sendError(ws, result.code, result.message, clientSeq);
    }
    const change: Change = { version: state.version + 1, at, mutation: message.mutation, by: attachment.peerId };
    this.storage.append(change, result.session, message.clientId, clientSeq);
    // Sent in the same turn as the write: the Durable Object's output gate releases
    // them once it is durable.
    const forOthers = JSON.stringify({ type: 'change', ...change } satisfies ServerMessage);
    const forAuthor = JSON.stringify({ type: 'change', clientSeq, ...change } satisfies ServerMessage);
    for (const [socket] of this.helloedSockets()) {
      this.sendRaw(socket, socket === ws ? forAuthor : forOthers);
    }
    this.host.changed();
  }

  private holdMutationsFrom(ws: RoomSocket, clientSeq: number): void {
    const attachment = this.attachment(ws);
    if (attachment.resumeAt === null || clientSeq < attachment.resumeAt) ws.serializeAttachment({ ...attachment, resumeAt: clientSeq });
  }

  private onPresence(ws: RoomSocket, message: Extract<ClientMessage, { type: 'presence' }>): void {
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

  // ---- helpers ---------------------------------------------------------------------------------

  private attachment(ws: RoomSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  private helloedSockets(): [RoomSocket, Attachment][] {
    const result: [RoomSocket, Attachment][] = [];
    for (const ws of this.host.sockets()) {
      const a = ws.deserializeAttachment() as Attachment | null;
      if (a?.helloed) result.push([ws, a]);
    }
    return result;
  }

  private broadcastPeers(except?: RoomSocket): void {
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

  private bucketFor(ws: RoomSocket): TokenBucket {
    let bucket = this.buckets.get(ws);
    if (!bucket) {
      bucket = new TokenBucket(LIMITS.rateLimitPerSecond, LIMITS.rateLimitBurst, this.host.now());
      this.buckets.set(ws, bucket);
    }
    return bucket;
  }

  private sendError(ws: RoomSocket, code: ErrorCode, message: string, clientSeq?: number): void {
    this.send(ws, clientSeq === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientSeq });
  }

  private send(ws: RoomSocket, message: ServerMessage): void {
    this.sendRaw(ws, JSON.stringify(message));
  }

  private sendRaw(ws: RoomSocket, frame: string): void {
    try {
      ws.send(frame);
    } catch {
      // The socket closed under us; its close event cleans up.
    }
  }
}
