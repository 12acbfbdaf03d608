/**
 * RoomProtocol: what a session room does with the frames of its sockets — rate limit
 * and flood closing, frame checks, hello (versions, catch-up from the log or a
 * snapshot, ghost sockets replaced, editor limit), mutate (lift to this model, the
 * writer's clientSeq rules, apply, next version, broadcast with the author's
 * clientSeq), presence, clock samples and refusals.
 *
 * Presence scales to a live audience (issue 17): editors see each other at once, as
 * `peers`; listeners are counted, not listed, and hear of the editors as `audience`
 * deltas at most every AUDIENCE_INTERVAL_MS, so a listener joining or leaving costs its
 * own snapshot and at most one small frame per connection per interval, not a list of
 * everyone to everyone. A socket that came by a listen link (`audience`) is listen-only
 * whatever its hello says, and never sees the session's editing id.
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
  AUDIENCE_INTERVAL_MS,
  type AudiencePeer,
  applyMutation,
  BATCHED_LISTENERS_PROTOCOL,
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
  PROTOCOL_VERSION,
  SUPPORTED_PROTOCOLS,
  type PatternId,
  type ServerMessage,
  type Session,
} from '../../core';
import { TokenBucket } from '../../core/TokenBucket';
import { ListenerOutbox } from './ListenerOutbox';

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
  /**
   * Run `fire` in `ms` (the audience's presence is batched). Without it, the room tells
   * listeners at once (the seeded fuzz test's host).
   */
  setTimer?(fire: () => void, ms: number): void;
  /**
   * Whether the bytes of sound `key` are stored (R2 `sounds/<key>`): an add_sound is applied
   * only then. SessionRoom looked before handing over the frame. A host without it stores none.
   */
  soundStored?(key: string): boolean;
}

export interface Attachment {
  peerId: string;
  helloed: boolean;
  clientId: string | null;
  /** The browser tab that said hello (null: a client that does not say). */
  tab: string | null;
  /** The client's model version (from hello): what it can apply. */
  model: number;
  /** The client's frame version (from hello): protocol 3 reads `audience`. */
  protocol: number;
  listenOnly: boolean;
  /**
   * Came by a listen link (worker/http/listen.ts): listen-only whatever it says, and
   * never sent the session's editing id (nor the id of a session it was remixed from).
   */
  audience: boolean;
  /**
   * A relay's connection (worker/relay/RelayRoom.ts): an audience socket that stands for
   * the listeners the relay holds. Its link id names it to `relayListeners`; null otherwise.
   */
  relay: string | null;
  /** How many listeners this socket counts for: 1, or what its relay last reported (0 until then). */
  weight: number;
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
  private batch: [RoomSocket | typeof BATCHED_LISTENERS, string][] | null = null;

  /** What every batched listener is owed, sent together (worker/room/ListenerOutbox.ts). */
  private readonly outbox: ListenerOutbox;

  constructor(
    private readonly storage: RoomLog,
    private readonly host: RoomHost,
  ) {
    // The host is the outbox's clock: its timers (none in the fuzz test's host: every message at once).
    this.outbox = new ListenerOutbox(host, (frame) => {
      for (const [ws, a] of this.helloedSockets()) if (isBatched(a)) this.deliver(ws, frame);
    });
  }

  /**
   * The sockets' attachments, mirrored in memory so that a broadcast to a thousand
   * listeners does not deserialise a thousand attachments. Which sockets there are is
   * always the runtime's word (host.sockets()); an attachment is read once per instance
   * (so after every wake) and then kept by setAttachment. The attachments stay the
   * durable copy, and every write starts from attachment(ws), read afresh.
   */
  private readonly mirror = new Map<RoomSocket, Attachment>();
  /** Sockets gone() has forgotten: never counted again, whatever host.sockets() says. */
  private readonly departed = new WeakSet<RoomSocket>();
  /** The audience's presence as last sent to listeners (editors' entries as JSON) and the count. */
  private readonly audienceSent = new Map<string, string>();
  /** Editors learn the count from `peers` when they join: only a change of it is news. */
  private audienceCountSent = 0;
  private audienceDue = false;
  private lastAudienceFlush = Number.NEGATIVE_INFINITY;

  /**
   * A WebSocket upgrade was accepted: give the socket its first attachment. `audience`:
   * it came by a listen link and may only listen.
   */
  accept(ws: RoomSocket, peerId: string, { audience = false, relay = null }: { audience?: boolean; relay?: string | null } = {}): void {
    const attachment: Attachment = {
      peerId,
      helloed: false,
      clientId: null,
      tab: null,
      model: MODEL_VERSION,
      protocol: PROTOCOL_VERSION,
      listenOnly: audience,
      audience,
      // Only a listen link's socket can be a relay's (the Worker drops a client's own header).
      relay: audience ? relay : null,
      weight: audience && relay ? 0 : 1,
      name: 'Guest',
      color: '#888888',
      playing: false,
      cursor: null,
      pattern: 'A',
      fill: false,
      resumeAt: null,
    };
    this.setAttachment(ws, attachment);
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
   * A relay (worker/relay/RelayRoom.ts) says how many listeners it holds: its socket counts
   * for that many from now on, and everyone hears of the new count with the next audience
   * batch. False when no socket of this room is that relay's link (it left meanwhile).
   */
  relayListeners(link: string, count: number): boolean {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`a relay's listener count is a whole number ≥ 0, not ${count}`);
    for (const [ws, a] of this.helloedSockets()) {
      if (a.relay !== link) continue;
      if (a.weight !== count) {
        this.setAttachment(ws, { ...this.attachment(ws), weight: count });
        this.audienceChanged();
      }
      return true;
    }
    return false;
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
    for (const [to, frame] of batch) {
      if (to === BATCHED_LISTENERS) this.outbox.push(frame);
      else this.deliverAlone(to, frame);
    }
    this.host.changed();
  }

  /** The socket is gone (closed or failed). Returns true when no editor is left. */
  gone(ws: RoomSocket): boolean {
    this.buckets.delete(ws);
    const was = this.mirror.get(ws) ?? readAttachment(ws);
    this.mirror.delete(ws);
    // The runtime still lists a socket during its own close event: without this, the
    // `peers` that says it left would list it, and the mirror would take it back.
    this.departed.add(ws);
    const remaining = this.helloedSockets().filter(([other]) => other !== ws);
    if (was?.helloed) {
      if (!was.listenOnly) this.broadcastPeers();
      this.audienceChanged();
    }
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
    // the batch goes first, so those frames wait behind its commit, and so does what waits
    // for the batched listeners (this one may be one of them: nothing older may follow it).
    this.flush();
    this.outbox.flush();
    const state = this.storage.loaded;
    if (!state) {
      this.close(ws, CLOSE.notFound, 'no such session');
      return;
    }
    const attachment = this.attachment(ws);
    // Fail closed: a socket that came by a listen link listens, whatever its hello claims.
    const listenOnly = attachment.audience || hello.listenOnly;
    if (!listenOnly) {
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
    if (
      !listenOnly &&
      this.helloedSockets().some(([other, a]) => other !== ws && a.clientId === hello.clientId && a.tab && tab && a.tab !== tab)
    ) {
      return this.sendError(ws, 'seq_conflict', 'another tab is connected as this clientId: continue under a new one');
    }
    // The same tab reconnecting while its old socket lingers: the old one is a ghost. Only
    // an editor's is looked for (a listener's lingers harmlessly until its close, and a
    // crowd of listeners joining must not each scan every socket).
    for (const [other, a] of listenOnly ? [] : this.helloedSockets()) {
      if (other !== ws && a.clientId === hello.clientId && a.listenOnly === listenOnly && a.audience === attachment.audience) {
        const fresh = this.attachment(other);
        this.setAttachment(other, { ...fresh, helloed: false });
        this.audienceChanged();
        this.close(other, 1000, 'replaced by a newer connection');
      }
    }
    if (hello.resendFrom !== undefined && !listenOnly) this.storage.forgetRefusalsBelow(hello.clientId, hello.resendFrom);
    const wasEditor = attachment.helloed && !attachment.listenOnly;
    const updated: Attachment = {
      ...attachment,
      helloed: true,
      clientId: hello.clientId,
      tab,
      model: hello.model,
      protocol: hello.protocol,
      listenOnly,
      name: hello.peer.name,
      color: hello.peer.color,
      // A listener has no presence of its own.
      ...(listenOnly ? { cursor: null, playing: false, fill: false } : {}),
    };
    this.setAttachment(ws, updated);
    const changes = hello.version === null ? null : this.storage.changesSince(hello.version);
    const serverTime = this.host.now();
    // An older client gets a snapshot instead of changes it could not apply.
    if (changes?.every((c) => this.canApply(updated, c))) {
      this.send(ws, { type: 'catchup', fromVersion: hello.version!, changes, peerId: updated.peerId, serverTime, model: MODEL_VERSION });
    } else {
      this.sendSnapshot(ws, updated, state);
    }
    if (listenOnly) {
      // O(1) frames for this join: the newcomer gets everyone at once; the others hear of
      // the count with the next batch.
      this.sendAudienceTo(ws, updated);
      if (wasEditor) this.broadcastPeers();
    } else {
      this.broadcastPeers();
    }
    this.audienceChanged();
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
      this.setAttachment(ws, { ...attachment, resumeAt: null });
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
    if (mutation.type === 'add_sound' && !state.session.sounds[mutation.key] && !this.host.soundStored?.(mutation.key)) {
      const why = `sound ${mutation.key} is not stored: upload its bytes first (POST /api/sessions/<id>/sounds)`;
      // Decided on the batch's state (an add_sound of this key may wait in it): committed first.
      this.flush();
      this.storage.recordRefusal(clientId, clientSeq, json, 'unknown_sound', why);
      return this.sendError(ws, 'unknown_sound', why, clientSeq);
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
    let toBatchedListeners = false;
    for (const [socket, a] of this.helloedSockets()) {
      if (!this.canApply(a, change)) batch.push([socket, this.snapshotFrame(a, { session: result.session, version: change.version })]);
      else if (isBatched(a)) toBatchedListeners = true;
      else batch.push([socket, socket === ws ? forAuthor : forOthers]);
    }
    // Once for all of them, not a thousand entries: the outbox sends it to each.
    if (toBatchedListeners) batch.push([BATCHED_LISTENERS, forOthers]);
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
    if (attachment.resumeAt === null || clientSeq < attachment.resumeAt) this.setAttachment(ws, { ...attachment, resumeAt: clientSeq });
  }

  private onPresence(ws: RoomSocket, message: Extract<ReceivedClientMessage, { type: 'presence' }>): void {
    const attachment = this.attachment(ws);
    if (!attachment.helloed) return this.sendError(ws, 'hello_first', 'send hello first');
    // Listeners are counted, not listed: they have no presence to share (nor a Fill to hold).
    if (attachment.listenOnly) return this.sendError(ws, 'listen_only', 'this connection only listens: it has no presence');
    // Presence lives in the socket attachment only: never in storage.
    this.setAttachment(ws, {
      ...attachment,
      cursor: message.cursor,
      playing: message.playing,
      name: message.peer.name,
      color: message.peer.color,
      pattern: message.pattern,
      fill: message.fill,
    });
    this.broadcastPeers();
    this.audienceChanged();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** Whether a client of this attachment's model knows the change's mutation. */
  private canApply(a: Attachment, change: Change): boolean {
    return a.model >= MODEL_VERSION || (mutationSince(change.mutation.type) ?? Infinity) <= a.model;
  }

  /** Send a snapshot (after the waiting batch). */
  private sendSnapshot(ws: RoomSocket, a: Attachment, state: { session: Session; version: number }): void {
    this.sendRaw(ws, this.snapshotFrame(a, state));
  }

  /**
   * A snapshot frame. The session's JSON is kept for as long as the session is the same
   * object (one version): a crowd joining at once is serialised once, not once each. A
   * socket that came by a listen link gets the session as listeners see it (forAudience).
   */
  private snapshotFrame(a: Attachment, state: { session: Session; version: number }): string {
    const cached = this.sessionJson;
    let json: string;
    if (cached && cached.session === state.session && cached.audience === a.audience) json = cached.json;
    else {
      json = JSON.stringify(a.audience ? forAudience(state.session) : state.session);
      this.sessionJson = { session: state.session, audience: a.audience, json };
    }
    return (
      `{"type":"snapshot","version":${JSON.stringify(state.version)},"session":${json},` +
      `"peerId":${JSON.stringify(a.peerId)},"serverTime":${JSON.stringify(this.host.now())},"model":${JSON.stringify(MODEL_VERSION)}}`
    );
  }
  private sessionJson: { session: Session; audience: boolean; json: string } | null = null;

  /** The socket's attachment, read afresh (the durable copy). */
  private attachment(ws: RoomSocket): Attachment {
    return normalised(ws.deserializeAttachment() as Attachment);
  }

  /** Every write of an attachment goes through here, so that the mirror stays true. */
  private setAttachment(ws: RoomSocket, a: Attachment): void {
    ws.serializeAttachment(a);
    this.mirror.set(ws, a);
  }

  private helloedSockets(): [RoomSocket, Attachment][] {
    const result: [RoomSocket, Attachment][] = [];
    for (const ws of this.host.sockets()) {
      if (this.departed.has(ws)) continue;
      let a = this.mirror.get(ws);
      if (!a) {
        a = readAttachment(ws);
        if (!a) continue;
        this.mirror.set(ws, a);
      }
      if (a.helloed) result.push([ws, a]);
    }
    return result;
  }

  /** `peers` to every editor: every editor, and (protocol 3) how many listen. */
  private broadcastPeers(): void {
    const sockets = this.helloedSockets();
    const editors = sockets.filter(([, a]) => !a.listenOnly);
    const peers: Peer[] = editors.map(([, a]) => ({
      peerId: a.peerId,
      name: a.name,
      color: a.color,
      playing: a.playing,
      cursor: a.cursor,
      pattern: a.pattern,
      fill: a.fill ?? false,
      listenOnly: false,
    }));
    const listeners = listenerCount(sockets);
    const frame = JSON.stringify({ type: 'peers', peers, listeners } satisfies ServerMessage);
    const older = JSON.stringify({ type: 'peers', peers } satisfies ServerMessage);
    for (const [ws, a] of editors) this.sendRaw(ws, a.protocol >= 3 ? frame : older);
  }

  // ---- the audience's presence ----------------------------------------------------------

  /** Someone joined, left or changed presence: listeners hear of it with the next batch. */
  private audienceChanged(): void {
    if (this.audienceDue) return;
    this.audienceDue = true;
    if (!this.host.setTimer) return this.flushAudience();
    const wait = Math.max(0, this.lastAudienceFlush + AUDIENCE_INTERVAL_MS - this.host.now());
    this.host.setTimer(() => this.flushAudience(), wait);
  }

  /**
   * One batch: to each listener, the editors who joined or changed and those who left
   * since the last batch, and the count of listeners; to each editor, the count if it
   * changed. Nothing when nothing a listener sees changed (a cursor moving, say).
   */
  private flushAudience(): void {
    this.audienceDue = false;
    this.lastAudienceFlush = this.host.now();
    const sockets = this.helloedSockets();
    const editors = sockets.filter(([, a]) => !a.listenOnly);
    const listeners = listenerCount(sockets);
    const now = new Map(editors.map(([, a]) => [a.peerId, audiencePeer(a)]));
    const peers: AudiencePeer[] = [];
    for (const [peerId, peer] of now) {
      const json = JSON.stringify(peer);
      if (this.audienceSent.get(peerId) !== json) {
        peers.push(peer);
        this.audienceSent.set(peerId, json);
      }
    }
    const gone = [...this.audienceSent.keys()].filter((peerId) => !now.has(peerId));
    for (const peerId of gone) this.audienceSent.delete(peerId);
    const countChanged = listeners !== this.audienceCountSent;
    this.audienceCountSent = listeners;
    const editorsChanged = peers.length > 0 || gone.length > 0;
    if (!editorsChanged && !countChanged) return;
    const delta: ServerMessage = { type: 'audience', listeners };
    if (peers.length) delta.peers = peers;
    if (gone.length) delta.gone = gone;
    const toListeners = JSON.stringify(delta);
    const toEditors = JSON.stringify({ type: 'audience', listeners } satisfies ServerMessage);
    // A protocol 2 listener reads `peers` only: the editors, when they changed.
    const older = editorsChanged ? JSON.stringify({ type: 'peers', peers: [...now.values()].map(asPeer) } satisfies ServerMessage) : null;
    let toBatchedListeners = false;
    for (const [ws, a] of sockets) {
      if (isBatched(a)) toBatchedListeners = true;
      else if (a.listenOnly) {
        if (a.protocol >= 3) this.sendRaw(ws, toListeners);
        else if (older) this.sendRaw(ws, older);
      } else if (countChanged && a.protocol >= 3) {
        this.sendRaw(ws, toEditors);
      }
    }
    if (toBatchedListeners) {
      this.flush();
      this.outbox.push(toListeners);
    }
  }

  /** Everything a listener that just joined needs to know of who is here. */
  private sendAudienceTo(ws: RoomSocket, a: Attachment): void {
    const sockets = this.helloedSockets();
    const editors = sockets.filter(([, e]) => !e.listenOnly).map(([, e]) => audiencePeer(e));
    if (a.protocol >= 3) {
      this.send(ws, { type: 'audience', full: true, listeners: listenerCount(sockets), peers: editors });
    } else {
      this.send(ws, { type: 'peers', peers: editors.map(asPeer) });
    }
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
    this.deliverAlone(ws, frame);
  }

  /** A frame for this socket alone: a batched listener first gets what is queued for all of them. */
  private deliverAlone(ws: RoomSocket, frame: string): void {
    const a = this.mirror.get(ws);
    if (a && isBatched(a)) this.outbox.flush();
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

/** The batch's entry for every batched listener (one message, sent through the outbox). */
const BATCHED_LISTENERS = Symbol('batched listeners');

/** A listener that reads batched frames (protocol 4): it gets its messages through the outbox. */
const isBatched = (a: Attachment): boolean => a.helloed && a.listenOnly && a.protocol >= BATCHED_LISTENERS_PROTOCOL;

/** Attachments written before a field existed read as its default. */
function normalised(a: Attachment): Attachment {
  return {
    ...a,
    model: a.model ?? 1,
    pattern: a.pattern ?? 'A',
    protocol: a.protocol ?? 2,
    audience: a.audience ?? false,
    relay: a.relay ?? null,
    weight: a.weight ?? 1,
    fill: a.fill ?? false,
  };
}

/** How many listen: every listen-only socket counts for one, a relay's for its listeners. */
function listenerCount(sockets: [RoomSocket, Attachment][]): number {
  let count = 0;
  for (const [, a] of sockets) if (a.listenOnly) count += a.weight;
  return count;
}

function audiencePeer(a: Attachment): AudiencePeer {
  return { peerId: a.peerId, name: a.name, color: a.color, playing: a.playing, pattern: a.pattern, fill: a.fill };
}

function asPeer(p: AudiencePeer): Peer {
  return { ...p, cursor: null, listenOnly: false };
}

/**
 * The session as a listener (by listen link) gets it: everything it plays, but not where
 * it was remixed from when that is another editable session (its id would let them edit
 * it). A beat it came from is public.
 */
export function forAudience(session: Session): Session {
  const from = session.lineage.remixedFrom;
  return from && from.kind !== 'beat' ? { ...session, lineage: { ...session.lineage, remixedFrom: null } } : session;
}

function readAttachment(ws: RoomSocket): Attachment | undefined {
  try {
    const a = ws.deserializeAttachment() as Attachment | null;
    return a ? normalised(a) : undefined;
  } catch {
    return undefined;
  }
}
