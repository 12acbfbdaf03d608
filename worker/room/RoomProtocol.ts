/**
 * RoomProtocol: what a session room does with the frames of its sockets — rate limit
 * and flood closing, frame checks, hello (versions, catch-up from the log or a
 * snapshot, ghost sockets replaced, editor limit), mutate (lift to this model, the
 * writer's clientSeq rules, apply, next version, broadcast with the author's
 * clientSeq), presence, clock samples and refusals.
 *
 * It knows no transport and no runtime: sockets, storage and the clock come in through
 * the small interfaces below. SessionRoom (the Durable Object) adapts the WebSocket
 * Hibernation API and RoomStorage to them; the seeded fuzz test (test/unit/sim) drives
 * this same class over simulated sockets and an in-memory log, so what it proves is
 * the room that ships, not a copy of it.
 *
 * Everything a socket needs across a hibernation lives in its attachment; only the
 * token buckets are in memory (a wake resets them, which only forgives a flooder).
 *
 * Group commit. An applied mutation changes the state in memory at once (the next one,
 * from any writer, applies on top of it) and joins the open batch: its log row is staged
 * and its frames queued, nothing sent. `flush()` makes the whole batch durable in one
 * storage transaction (RoomLog.commit) and then releases its frames in order; the output
 * gate holds them until that commit is confirmed. The host decides when to flush
 * (RoomHost.staged): SessionRoom flushes at once when no commit is in flight and
 * otherwise when the one in flight is done, so the mutations that queued up meanwhile
 * share one commit. Nothing that was staged can leak before it is durable: every other
 * frame the room sends (refusals, resend acks, hello answers, peers, clock) and every
 * close flushes the batch first, so a socket's frames keep their order and nothing said
 * to anyone depends on a change that could still be lost.
 *
 * Acknowledged means applied. A writer's mutations are processed in clientSeq order,
 * one after another: the next new one must be exactly the last processed + 1. Anything
 * lower is a resend, acknowledged only when the room can show it applied that very
 * mutation under that clientSeq (the log still holds it) and refused again when it
 * refused it; anything else — a jump, a different edit under a used clientSeq (two
 * tabs sharing one clientId), an outcome no longer known — is a `seq_conflict`, after
 * which the client sends its pending edits again under a fresh clientId.
 */
import {
  applyMutation,
  type Change,
  CLOSE,
  CLOSE_REASON,
  type ErrorCode,
  LIMITS,
  MODEL_VERSION,
  migrateMutation,
  mutationSince,
  OLDEST_CLIENT_MODEL,
  type Peer,
  parseClientMessage,
  type ReceivedClientMessage,
  type RefusalCode,
  SUPPORTED_PROTOCOLS,
  type PatternId,
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

/** What became of an earlier clientSeq of a writer, as far as the room still knows. */
export type EarlierOutcome =
  | { outcome: 'applied' /** the mutation's JSON as logged */; mutation: string; version: number }
  | {
      outcome: 'refused' /** null when stored by a version that did not keep it */;
      mutation: string | null;
      code: RefusalCode;
      message: string;
    };

/** The durable state the protocol reads and appends to (RoomStorage implements it). */
export interface RoomLog {
  /** The session and its version; null for a room that was never seeded. */
  readonly loaded: { session: Session; version: number } | null;
  /** The highest clientSeq processed (applied or refused) for `clientId`, 0 if none. */
  lastClientSeq(clientId: string): number;
  /**
   * Apply one change together with its dedupe record; `next` is the resulting session.
   * It is staged: readable at once, durable only after the next `commit()` (a crash
   * before that loses it, as if it never came).
   */
  append(change: Change, next: Session, clientId: string, clientSeq: number): void;
  /** Make every change appended since the last commit durable, in one transaction. */
  commit(): void;
  /** Changes after `fromVersion` if the log still holds all of them; null otherwise. */
  changesSince(fromVersion: number): Change[] | null;
  /** Remember that the reducer refused this mutation (a resend must be refused again, not acked). */
  recordRefusal(clientId: string, clientSeq: number, mutation: string, code: RefusalCode, message: string): void;
  /** What became of `clientSeq` of `clientId` (≤ its last processed one); null when no longer known. */
  earlier(clientId: string, clientSeq: number): EarlierOutcome | null;
  /** The writer will never resend below `clientSeq`: its refusals there may be forgotten. */
  forgetRefusalsBelow(clientId: string, clientSeq: number): void;
}

/** What the room needs from whatever hosts it. */
export interface RoomHost {
  /** Every socket accepted and not yet gone (the Durable Object's getWebSockets()). */
  sockets(): Iterable<RoomSocket>;
  /**
   * A batch was opened (a mutation applied and staged): call `flush` when the batch should
   * be committed — at once, or after the commit in flight, so that mutations queued
   * meanwhile join it. Any other frame the room sends flushes the batch earlier.
   */
  staged(flush: () => void): void;
  /** Milliseconds since the epoch: server times, change times and the rate limit. */
  now(): number;
  /** A change was applied (SessionRoom schedules its KV backstop). */
  changed(): void;
}

export interface Attachment {
  peerId: string;
  helloed: boolean;
  clientId: string | null;
  /** The browser tab that said hello (null: a client that does not say). */
  tab: string | null;
  /** The client's model version (from hello): what it can apply. */
  model: number;
  listenOnly: boolean;
  name: string;
  color: string;
  playing: boolean;
  cursor: Peer['cursor'];
  /** The pattern this editor views (presence). */
  pattern: PatternId;
  /** Holding Fill (presence): gone with the socket, so a dropped connection never leaves it held. */
  fill: boolean;
  /**
   * Set when a mutation was refused by the rate limit: the clientSeq it carried. Later
   * mutations on this socket are refused too until that one is sent again, so edits
   * apply in clientSeq order and none is skipped.
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

type Hello = Extract<ReceivedClientMessage, { type: 'hello' }>;
type Mutate = Extract<ReceivedClientMessage, { type: 'mutate' }>;

export class RoomProtocol {
  private readonly buckets = new Map<RoomSocket, { rate: TokenBucket; patience: TokenBucket }>();
  /** Sockets the room closed for flooding: what they still had queued is dropped unread. */
  private readonly closedForAbuse = new WeakSet<RoomSocket>();
  /**
   * The open batch of the group commit: the frames of every change applied and staged
   * since the last flush, in the order they are to be sent. Null when nothing is staged.
   */
  private batch: [RoomSocket, string][] | null = null;

  constructor(
    private readonly storage: RoomLog,
    private readonly host: RoomHost,
  ) {}

  /** A WebSocket upgrade was accepted: give the socket its first attachment. */
  accept(ws: RoomSocket, peerId: string): void {
    const attachment: Attachment = {
      peerId,
      helloed: false,
      clientId: null,
      tab: null,
      model: MODEL_VERSION,
      listenOnly: false,
      name: 'Guest',
      color: '#888888',
      playing: false,
      cursor: null,
      pattern: 'A',
      fill: false,
      resumeAt: null,
    };
    ws.serializeAttachment(attachment);
  }

  message(ws: RoomSocket, raw: string | ArrayBuffer): void {
    if (this.closedForAbuse.has(ws)) return;
    const { rate, patience } = this.bucketsFor(ws);
    const now = this.host.now();
    if (!rate.take(now)) {
      // Every refusal spends patience, which comes back slowly: a socket that keeps
      // sending over the limit — steadily or in bursts — is closed within
      // LIMITS.floodRefusals refusals, so the honest editors of the session are not kept
      // waiting behind its queue.
      if (!patience.take(now)) {
        this.closedForAbuse.add(ws);
        this.close(ws, CLOSE.abuse, 'rate limit exceeded');
        return;
      }
      // Name the refused mutation so its author resends it: the room holds the later ones
      // until it comes again, so edits still apply in clientSeq order.
      const seq = clientSeqOf(raw);
      if (seq !== undefined) this.holdMutationsFrom(ws, seq);
      return this.sendError(ws, 'rate_limited', 'too many messages; slow down', seq);
    }
    if (typeof raw !== 'string') return this.sendError(ws, 'bad_message', 'frames must be JSON text');
    // A UTF-16 code unit is at most 3 UTF-8 bytes: only frames that could be over the
    // limit are encoded to count their bytes (not every frame on this hot path).
    if (
      raw.length > LIMITS.maxFrameBytes ||
      (raw.length * 3 > LIMITS.maxFrameBytes && encoder.encode(raw).byteLength > LIMITS.maxFrameBytes)
    ) {
      return this.sendError(ws, 'frame_too_large', `frames are at most ${LIMITS.maxFrameBytes} bytes`);
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return this.sendError(ws, 'bad_json', 'frame is not valid JSON');
    }
    // A hello from a client this room cannot talk to at all is answered before its shape
    // is checked: its fields may be ones this version does not know.
    const type = (json as { type?: unknown } | null)?.type;
    if (type === 'hello' && !this.versionsAccepted(ws, json as { protocol?: unknown; model?: unknown })) return;
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
    this.close(ws, code === 1005 || code === 1006 ? 1000 : code, reason);
    return this.gone(ws);
  }

  /**
   * Commit the open batch and release its frames: one storage transaction for every
   * change staged since the last flush, then their acks and broadcasts in order (the
   * output gate holds them until the commit is confirmed). A no-op when nothing is staged.
   */
  flush(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    try {
      this.storage.commit();
    } catch (error) {
      // Nothing of the batch is durable (its transaction rolled back and the storage
      // reloaded what is), so nobody may hear of it: its frames are dropped and every
      // connection is closed; the clients resend their pending edits after reconnecting.
      for (const ws of this.host.sockets()) {
        try {
          ws.close(1011, 'storage failed: reconnect and resend');
        } catch {
          // already gone
        }
      }
      throw error;
    }
    for (const [ws, frame] of batch) this.deliver(ws, frame);
    this.host.changed();
  }

  /** The socket is gone (closed or failed). Returns true when no editor is left. */
  gone(ws: RoomSocket): boolean {
    this.buckets.delete(ws);
    const remaining = this.helloedSockets().filter(([other]) => other !== ws);
    this.broadcastPeers(ws);
    return !remaining.some(([, a]) => !a.listenOnly);
  }

  // ---- message handlers ---------------------------------------------------------------

  /**
   * The frame and model versions of a hello. A client older than the room serves is told
   * to reload; a client newer than the room (a deploy under way) to come back later. Both
   * are closed with CLOSE.protocolVersion and a reason that says which.
   */
  private versionsAccepted(ws: RoomSocket, hello: { protocol?: unknown; model?: unknown }): boolean {
    const protocol = typeof hello.protocol === 'number' ? hello.protocol : 0;
    const model = hello.model === undefined ? 1 : typeof hello.model === 'number' ? hello.model : 0;
    const newest = Math.max(...SUPPORTED_PROTOCOLS);
    let reason: string | null = null;
    if (protocol > newest || model > MODEL_VERSION) reason = CLOSE_REASON.serverOutdated;
    else if (!SUPPORTED_PROTOCOLS.includes(protocol) || model < OLDEST_CLIENT_MODEL) reason = CLOSE_REASON.clientOutdated;
    if (reason === null) return true;
    const models = OLDEST_CLIENT_MODEL === MODEL_VERSION ? `${MODEL_VERSION}` : `${OLDEST_CLIENT_MODEL}–${MODEL_VERSION}`;
    this.sendError(ws, 'protocol_version', `this room speaks protocol ${SUPPORTED_PROTOCOLS.join(' or ')} and model ${models}`);
    this.close(ws, CLOSE.protocolVersion, reason);
    return false;
  }

  private onHello(ws: RoomSocket, hello: Hello): void {
    // What a joiner is sent (catch-up or snapshot) includes every change applied so far:
    // the batch goes first, so those frames wait behind its commit.
    this.flush();
    const state = this.storage.loaded;
    if (!state) {
      this.close(ws, CLOSE.notFound, 'no such session');
      return;
    }
    const attachment = this.attachment(ws);
    if (!hello.listenOnly) {
      const editors = this.helloedSockets().filter(([other, a]) => other !== ws && !a.listenOnly && a.clientId !== hello.clientId).length;
      if (editors >= LIMITS.maxEditorsPerSession) {
        this.sendError(ws, 'session_full', `this session already has ${LIMITS.maxEditorsPerSession} editors`);
        this.close(ws, CLOSE.sessionFull, 'session full');
        return;
      }
    }
    // Another tab is connected as this writer (two tabs adopted one saved record): the
    // newcomer goes on under a fresh clientId, so their edits are never mixed up.
    const tab = hello.tab ?? null;
    if (this.helloedSockets().some(([other, a]) => other !== ws && a.clientId === hello.clientId && a.tab && tab && a.tab !== tab)) {
      return this.sendError(ws, 'seq_conflict', 'another tab is connected as this clientId: continue under a new one');
    }
    // The same tab reconnecting while its old socket lingers: the old one is a ghost.
    for (const [other, a] of this.helloedSockets()) {
      if (other !== ws && a.clientId === hello.clientId) {
        other.serializeAttachment({ ...a, helloed: false });
        this.close(other, 1000, 'replaced by a newer connection');
      }
    }
    if (hello.resendFrom !== undefined && !hello.listenOnly) this.storage.forgetRefusalsBelow(hello.clientId, hello.resendFrom);
    const updated: Attachment = {
      ...attachment,
      helloed: true,
      clientId: hello.clientId,
      tab,
      model: hello.model,
      listenOnly: hello.listenOnly,
      name: hello.peer.name,
      color: hello.peer.color,
    };
    ws.serializeAttachment(updated);
    const changes = hello.version === null ? null : this.storage.changesSince(hello.version);
    const serverTime = this.host.now();
    // An older client gets a snapshot instead of changes it could not apply.
    if (changes?.every((c) => this.canApply(updated, c))) {
      this.send(ws, { type: 'catchup', fromVersion: hello.version!, changes, peerId: updated.peerId, serverTime, model: MODEL_VERSION });
    } else {
      this.sendSnapshot(ws, updated, state);
    }
    this.broadcastPeers();
  }

  private onMutate(ws: RoomSocket, message: Mutate): void {
    const attachment = this.attachment(ws);
    const state = this.storage.loaded;
    const { clientSeq, clientId } = message;
    if (!attachment.helloed || !state) return this.sendError(ws, 'hello_first', 'send hello first', clientSeq);
    if (attachment.listenOnly) return this.sendError(ws, 'listen_only', 'this connection only listens', clientSeq);
    if (clientId !== attachment.clientId) {
      return this.sendError(ws, 'wrong_client', 'clientId differs from the one in hello', clientSeq);
    }
    // In this room's model: an older client's mutation is lifted (and checked) here.
    const lifted = migrateMutation(message.mutation, attachment.model);
    if (!lifted.ok) return this.sendError(ws, 'bad_message', `mutation: ${lifted.message}`, clientSeq);
    const mutation = lifted.value;
    const last = this.storage.lastClientSeq(clientId);
    if (attachment.resumeAt !== null) {
      if (attachment.resumeAt > last && clientSeq > attachment.resumeAt) {
        return this.sendError(ws, 'rate_limited', `resend clientSeq ${attachment.resumeAt} first`, clientSeq);
      }
      ws.serializeAttachment({ ...attachment, resumeAt: null });
    }
    const json = JSON.stringify(mutation);
    if (clientSeq <= last) {
      // Its outcome is read from storage, and may be in the open batch: commit that first.
      this.flush();
      return this.onResend(ws, clientId, clientSeq, json, state.version);
    }
    if (clientSeq !== last + 1) {
      return this.sendError(ws, 'seq_conflict', `clientSeq ${clientSeq} does not follow ${last}: resend under a new clientId`, clientSeq);
    }
    const at = this.host.now();
    const result = applyMutation(state.session, mutation, at);
    if (!result.ok) {
      // The refusal was decided on the state the batch made: it is committed first (its
      // row and its error then wait behind that commit).
      this.flush();
      this.storage.recordRefusal(clientId, clientSeq, json, result.code, result.message);
      return this.sendError(ws, result.code, result.message, clientSeq);
    }
    const change: Change = { version: state.version + 1, at, mutation, by: attachment.peerId };
    this.storage.append(change, result.session, clientId, clientSeq);
    // Staged, not sent: flush() commits the batch and then releases these frames, which
    // the Durable Object's output gate holds until that commit is durable.
    const opened = this.batch === null;
    const batch = (this.batch ??= []);
    const forOthers = JSON.stringify({ type: 'change', ...change } satisfies ServerMessage);
    const forAuthor = JSON.stringify({ type: 'change', clientSeq, ...change } satisfies ServerMessage);
    for (const [socket, a] of this.helloedSockets()) {
      if (this.canApply(a, change)) batch.push([socket, socket === ws ? forAuthor : forOthers]);
      else batch.push([socket, this.snapshotFrame(a, { session: result.session, version: change.version })]);
    }
    if (opened) this.host.staged(() => this.flush());
  }

  /**
   * A clientSeq this writer already used (a resend after a reconnect). Acknowledge it only
   * if the log shows this very mutation applied under it; refuse it again if it was
   * refused (its first error may have been lost with a connection). Anything else — a
   * different edit under a used clientSeq, an outcome no longer known — is a conflict:
   * the room never says "applied" for what it cannot show it applied.
   */
  private onResend(ws: RoomSocket, clientId: string, clientSeq: number, json: string, version: number): void {
    const earlier = this.storage.earlier(clientId, clientSeq);
    if (earlier?.outcome === 'refused' && (earlier.mutation === null || earlier.mutation === json)) {
      return this.sendError(ws, earlier.code, earlier.message, clientSeq);
    }
    if (earlier?.outcome === 'applied' && earlier.mutation === json) return this.send(ws, { type: 'ack', clientSeq, version });
    const why = earlier ? 'was a different edit' : 'is older than the room remembers';
    this.sendError(ws, 'seq_conflict', `clientSeq ${clientSeq} ${why}: resend under a new clientId`, clientSeq);
  }

  private holdMutationsFrom(ws: RoomSocket, clientSeq: number): void {
    const attachment = this.attachment(ws);
    if (attachment.resumeAt === null || clientSeq < attachment.resumeAt) ws.serializeAttachment({ ...attachment, resumeAt: clientSeq });
  }

  private onPresence(ws: RoomSocket, message: Extract<ReceivedClientMessage, { type: 'presence' }>): void {
    const attachment = this.attachment(ws);
    if (!attachment.helloed) return this.sendError(ws, 'hello_first', 'send hello first');
    // Presence lives in the socket attachment only: never in storage.
    ws.serializeAttachment({
      ...attachment,
      cursor: message.cursor,
      playing: message.playing,
      name: message.peer.name,
      color: message.peer.color,
      pattern: message.pattern,
      fill: message.fill,
    });
    this.broadcastPeers();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Whether a client of this attachment's model knows the change's mutation. */
  private canApply(a: Attachment, change: Change): boolean {
    return a.model >= MODEL_VERSION || (mutationSince(change.mutation.type) ?? Infinity) <= a.model;
  }

  private sendSnapshot(ws: RoomSocket, a: Attachment, state: { session: Session; version: number }): void {
    this.sendRaw(ws, this.snapshotFrame(a, state));
  }

  private snapshotFrame(a: Attachment, state: { session: Session; version: number }): string {
    return JSON.stringify({
      type: 'snapshot',
      version: state.version,
      session: state.session,
      peerId: a.peerId,
      serverTime: this.host.now(),
      model: MODEL_VERSION,
    } satisfies ServerMessage);
  }

  private attachment(ws: RoomSocket): Attachment {
    return ws.deserializeAttachment() as Attachment;
  }

  private helloedSockets(): [RoomSocket, Attachment][] {
    const result: [RoomSocket, Attachment][] = [];
    for (const ws of this.host.sockets()) {
      const a = ws.deserializeAttachment() as Attachment | null;
      // Attachments written before a field existed read as its default.
      if (a?.helloed) result.push([ws, { ...a, model: a.model ?? 1, pattern: a.pattern ?? 'A' }]);
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
      pattern: a.pattern,
      fill: a.fill ?? false,
      listenOnly: a.listenOnly,
    }));
    const frame = JSON.stringify({ type: 'peers', peers } satisfies ServerMessage);
    for (const [ws] of sockets) this.sendRaw(ws, frame);
  }

  private bucketsFor(ws: RoomSocket): { rate: TokenBucket; patience: TokenBucket } {
    let buckets = this.buckets.get(ws);
    if (!buckets) {
      const now = this.host.now();
      buckets = {
        rate: new TokenBucket(LIMITS.rateLimitPerSecond, LIMITS.rateLimitBurst, now),
        patience: new TokenBucket(LIMITS.floodForgivenPerSecond, LIMITS.floodRefusals, now),
      };
      this.buckets.set(ws, buckets);
    }
    return buckets;
  }

  private sendError(ws: RoomSocket, code: ErrorCode, message: string, clientSeq?: number): void {
    this.send(ws, clientSeq === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientSeq });
  }

  private send(ws: RoomSocket, message: ServerMessage): void {
    this.sendRaw(ws, JSON.stringify(message));
  }

  /** Send a frame that is not part of the batch: the batch is committed and released first. */
  private sendRaw(ws: RoomSocket, frame: string): void {
    this.flush();
    this.deliver(ws, frame);
  }

  private deliver(ws: RoomSocket, frame: string): void {
    try {
      ws.send(frame);
    } catch {
      // The socket closed under us; its close event cleans up.
    }
  }

  /** Close a socket after the batch's frames (some may be for it). */
  private close(ws: RoomSocket, code: number, reason: string): void {
    this.flush();
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}
