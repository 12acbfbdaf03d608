/**
 * SessionRoom: the Durable Object that owns one editable session.
 *
 * The protocol itself (validate → apply → persist → ack + broadcast) is RoomProtocol;
 * this class adapts it to the runtime: the WebSocket Hibernation API, RoomStorage over
 * the object's SQLite, the KV projection and its backstop alarm, and the RPC methods
 * the Worker calls.
 *
 * Group commit: a change is applied at once and staged; RoomProtocol.flush() writes every
 * staged change in one transaction and sends their frames in the same turn, so the
 * runtime's output gate holds them until that write is durable: nobody hears of a change
 * that could still be lost. When no commit is in flight a change is flushed at once (no
 * added latency); while one is, the changes that arrive meanwhile wait in the batch and
 * are flushed together as soon as it is confirmed (storage.sync()), so under load a
 * commit carries many changes instead of one each.
 *
 * Per-socket data lives in attachments, the state is reloaded from SQLite in the
 * constructor (which runs on every wake: fetch, message, close, error, alarm), and
 * keepalive pings are answered by the runtime without waking the object.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  CLOSE,
  fromTheTop,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  LIMITS,
  MODEL_VERSION,
  readSessionDocument,
  type Session,
  TokenBucket,
} from '../../core';
import type { Env } from '../env';
import { randomId } from '../ids';
import { beatKey, galleryKey, galleryMetadata, sessionKey, type BeatDocument, type SessionDocument } from './kvProjection';
import { RoomProtocol } from './RoomProtocol';
import { RoomStorage } from './RoomStorage';
import { ensureListenId, LISTEN_HEADER, RELAY_HEADER } from '../http/listen';
import { addSoundKeyOf, SoundLookup } from './soundLookup';

/**
 * How long changes may sit unpublished to KV while an editor stays connected. KV is
 * read only by REST readers (GET /api/sessions/<id>); editors get the state from the
 * room. Each backstop write is billed ($5/M): at 30 s a ten-minute jam made ~19 KV
 * writes, at 2 minutes ~5 (docs/BENCHMARKS.md). Ten minutes keeps the seeds' ten-minute
 * session at two KV writes (creation and the last editor leaving) while still bounding
 * how stale KV gets under a writer that never leaves or a crash before the close event.
 */
export const KV_BACKSTOP_MS = 600_000;

export class SessionRoom extends DurableObject<Env> {
  private readonly storage: RoomStorage;
  private readonly protocol: RoomProtocol;
  /** Mirror of the scheduled alarm, read from storage at every wake. */
  private alarmAt: number | null = null;
  /** The KV write in flight, if any (see publishToKv). */
  private publishing: Promise<void> | null = null;
  /** Which sounds R2 holds, as far as this room has looked (add_sound). */
  private readonly sounds: SoundLookup;
  /**
   * Frames waiting behind an add_sound's look into R2, in the order they came: every
   * frame is handled in order (a writer's clientSeqs stay in sequence). Null when none wait.
   */
  private inbox: Promise<void> | null = null;
  /** This session's sound uploads (in memory: a wake only forgives). */
  private uploads: TokenBucket | null = null;
  /** A group commit is in flight: flushed, not yet confirmed durable. In memory only. */
  private committing = false;
  /** A batch opened while a commit was in flight: flushed when that one is confirmed. */
  private flushAfterCommit: (() => void) | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.storage = new RoomStorage(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    this.sounds = new SoundLookup(env.SOUNDS);
    this.protocol = new RoomProtocol(this.storage, {
      sockets: () => ctx.getWebSockets(),
      staged: (flush) => this.commitSoon(flush),
      now: () => Date.now(),
      changed: () => this.ensureBackstopAlarm(),
      setTimer: (fire, ms) => {
        setTimeout(fire, ms);
      },
      soundStored: (key) => this.sounds.stored(key),
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(KEEPALIVE_PING, KEEPALIVE_PONG));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- RPC from the Worker --------------------------------------------------

  /**
   * Seed a new session's storage. Its KV document is first written when its last editor
   * leaves (or by the backstop): until then GET /api/sessions/<id> asks the room
   * (`projection`). One KV write and one row fewer per session.
   */
  async create(id: string, session: Session): Promise<void> {
    this.storage.seed(id, session, Date.now());
  }

  /** The session as its KV document would hold it now; null for a room never seeded. */
  async projection(): Promise<SessionDocument | null> {
    const state = this.readable();
    return state ? this.documentOf(state) : null;
  }

  /**
   * The current state, for remixing. Null for a room that was never seeded; throws when
   * the room holds a session this version cannot read (the Worker answers 500).
   */
  async snapshot(): Promise<{ session: Session; version: number } | null> {
    const state = this.readable();
    return state ? { session: state.session, version: state.version } : null;
  }

  /** Publish an immutable copy under a new beat id. Never reveals this session's id. */
  async publish(): Promise<BeatDocument | null> {
    const state = this.readable();
    if (!state) return null;
    const publishedAt = Date.now();
    const remixedFrom = state.session.lineage.remixedFrom;
    // A beat plays from its top: the song from its first entry when it has one, else the
    // pattern that plays (a launch still queued has happened).
    const session = fromTheTop(state.session);
    const beat: BeatDocument = {
      model: MODEL_VERSION,
      ...session,
      timeline: { ...session.timeline, together: false, playing: false },
      // Only a beat is public; an editable session's id must never leak through lineage.
      lineage: { remixedFrom: remixedFrom?.kind === 'beat' ? remixedFrom : null },
      beatId: randomId(),
      publishedAt,
    };
    await this.env.KV.put(beatKey(beat.beatId), JSON.stringify(beat));
    await this.env.KV.put(galleryKey(publishedAt, beat.beatId), '', { metadata: galleryMetadata(beat) });
    return beat;
  }

  private readable() {
    // What is read may be sent (RPC answers go out behind the output gate): commit the
    // open batch first, so nothing leaves that could still be lost.
    this.protocol.flush();
    const failure = this.storage.loadError;
    if (failure) throw new Error(`session unreadable (${failure.reason}): ${failure.message}`);
    return this.storage.loaded;
  }

  /**
   * The session's listen id (worker/http/listen.ts), made on first request: KV
   * `listen:<listenId>` names the session, `listen-of:<id>` the listen id. Asked here, one
   * at a time, so that editors opening Share at once get the same link. Null for a room
   * never seeded. Nothing is stored in the session document or the room's storage.
   */
  async listenId(): Promise<string | null> {
    const state = this.readable();
    if (!state) return null;
    this.listenIdOnce ??= ensureListenId(this.env.KV, state.id).catch((error) => {
      this.listenIdOnce = null;
      throw error;
    });
    return this.listenIdOnce;
  }
  private listenIdOnce: Promise<string> | null = null;

  /**
   * Count one sound upload against this session's limit (worker/http/sounds.ts asks before
   * reading the body). Not found for a room never seeded.
   */
  async reserveUpload(): Promise<
    { ok: true } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  > {
    if (!this.readable()) return { ok: false, reason: 'not_found' };
    const now = Date.now();
    this.uploads ??= new TokenBucket(LIMITS.soundUploadsPerMinute / 60, LIMITS.soundUploadBurst, now);
    if (this.uploads.take(now)) return { ok: true };
    return { ok: false, reason: 'rate_limited', retryAfterMs: this.uploads.msUntilNext(now) };
  }

  /**
   * A relay of this session's audience (worker/relay/RelayRoom.ts) reports how many
   * listeners it holds behind its one socket (`link`): they count as listeners here.
   */
  async relayListeners(link: string, count: number): Promise<boolean> {
    return this.protocol.relayListeners(link, count);
  }

  /** Figures for tests and benchmarks. */
  async stats() {
    this.protocol.flush();
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
    let unreadable = this.storage.loadError?.message ?? null;
    if (!this.storage.loaded && !unreadable) {
      const id = request.headers.get('X-Session-Id');
      const adopted = id ? await this.adoptLegacyKvDocument(id) : 'missing';
      if (adopted === 'missing') return new Response('no such session', { status: 404 });
      if (adopted !== 'adopted') unreadable = adopted.unreadable;
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    if (unreadable) {
      // The session exists but this version cannot read it (logged when loading): say so
      // to the client, which a plain HTTP error on an upgrade could not.
      server.close(CLOSE.unreadable, `session unreadable: ${unreadable}`.slice(0, 120));
    } else {
      // A peer id is public (others see it on changes and presence): short, random. A
      // socket the Worker opened for a listen link may only listen (worker/http/listen.ts).
      // A relay's connection (worker/relay/RelayRoom.ts) names its link, so that it can
      // report how many listeners it holds (relayListeners).
      this.protocol.accept(server, randomId(12), {
        audience: request.headers.get(LISTEN_HEADER) === '1',
        relay: request.headers.get(RELAY_HEADER),
      });
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Load order on wake: DO storage, then (sessions from before DO storage) the KV
   * document, lifted to this model and copied into DO storage at once, then nothing (a
   * 404). A KV document that cannot be read is logged and reported, never adopted.
   */
  private async adoptLegacyKvDocument(id: string): Promise<'adopted' | 'missing' | { unreadable: string }> {
    const raw = await this.env.KV.get(sessionKey(id), 'json');
    if (raw === null) return 'missing';
    if (this.storage.loaded) return 'adopted'; // adopted by a concurrent request meanwhile
    const doc = readSessionDocument(raw);
    if (!doc.ok) {
      console.error(`legacy KV document of session ${id} unreadable (${doc.reason}): ${doc.message}`);
      return { unreadable: doc.message };
    }
    // Keep counting from the document's version: restarting at 0 would make the
    // version go backwards for anyone who read the legacy document (failure mode 5).
    const { model: _m, id: _id, version, createdAt, updatedAt: _u, ...session } = doc.value;
    this.storage.seed(id, session, createdAt > 0 ? createdAt : Date.now(), version);
    return 'adopted';
  }

  // ---- WebSocket events ------------------------------------------------------------

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const sound = addSoundKeyOf(raw);
    if (sound === null && this.inbox === null) return this.protocol.message(ws, raw);
    // An add_sound waits for R2 to say whether its bytes are stored, and every frame that
    // comes meanwhile waits behind it: the protocol still sees frames in arrival order,
    // one at a time, and writes and acks each in one turn as before.
    // (A frame that failed before this one was reported by its own event: go on regardless.)
    const turn = (this.inbox ?? Promise.resolve())
      .catch(() => {})
      .then(async () => {
        if (sound !== null && !this.storage.loaded?.session.sounds[sound]) await this.sounds.lookUp(sound);
        this.protocol.message(ws, raw);
      });
    this.inbox = turn;
    try {
      await turn;
    } finally {
      if (this.inbox === turn) this.inbox = null;
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    if (this.protocol.closed(ws, code, reason)) await this.publishToKv();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    if (this.protocol.gone(ws)) await this.publishToKv();
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.publishToKv();
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
    // KV may only ever hold what DO storage holds: commit the open batch first.
    this.protocol.flush();
    const state = this.storage.loaded;
    if (!state) return;
    if (state.version <= state.counters.publishedVersion && state.counters.kvWrites > 0) return;
    const version = state.version;
    const doc = this.documentOf(state);
    try {
      await this.env.KV.put(sessionKey(state.id), JSON.stringify(doc));
    } catch (error) {
      // KV is behind; the alarm tries again. DO storage still holds everything.
      console.error('KV write failed', error);
      this.ensureBackstopAlarm();
      return;
    }
    // One row: the counters and the log folded into the snapshot together.
    this.storage.markPublished(version);
    if (state.version <= version && this.alarmAt !== null) {
      this.alarmAt = null;
      await this.ctx.storage.deleteAlarm();
    }
  }

  private documentOf(state: NonNullable<RoomStorage['loaded']>): SessionDocument {
    return {
      model: MODEL_VERSION,
      ...state.session,
      id: state.id,
      version: state.version,
      createdAt: state.counters.createdAt,
      updatedAt: Date.now(),
    };
  }

  // ---- group commit ------------------------------------------------------------------------

  /** A batch was opened: commit it now, or after the commit in flight (see the class comment). */
  private commitSoon(flush: () => void): void {
    if (this.committing) {
      this.flushAfterCommit = flush;
      return;
    }
    this.commitNow(flush);
  }

  private commitNow(flush: () => void): void {
    try {
      flush();
    } catch (error) {
      // The protocol dropped the batch and closed the sockets; storage holds what it held.
      console.error('group commit failed', error);
      return;
    }
    this.committing = true;
    this.ctx.storage.sync().then(
      () => this.committed(),
      (error: unknown) => {
        console.error('storage sync failed', error);
        this.committed();
      },
    );
  }

  private committed(): void {
    this.committing = false;
    const next = this.flushAfterCommit;
    this.flushAfterCommit = null;
    if (next) this.commitNow(next);
  }

  private ensureBackstopAlarm(): void {
    if (this.alarmAt !== null) return;
    this.alarmAt = Date.now() + KV_BACKSTOP_MS;
    void this.ctx.storage.setAlarm(this.alarmAt);
  }
}
