/**
 * RelayRoom: one relay of a session's live audience (issue 17, docs/PROTOCOL.md "Relays").
 *
 * A room fans every change out to each of its sockets itself; past a few thousand
 * listeners one Durable Object is the bottleneck. With the relay tier on (LISTEN_RELAYS,
 * worker/relay/routing.ts) the Worker sends each listen-link socket to one of the session's
 * relays instead, and each relay holds one audience connection to the room (opened with
 * LISTEN_HEADER, so the room treats it as any listen-link socket: listen-only, fail closed,
 * the audience's snapshot without the editing id) and forwards what the room sends on it
 * to all its listeners, in order, coalesced like the room coalesces them (at most one frame
 * per listener every LISTENER_BATCH_MS, several messages as one JSON array: protocol 4,
 * worker/room/ListenerOutbox.ts):
 *
 * - `change` frames, as they are (the room's copy for others: no clientSeq), each once,
 *   in version order;
 * - `audience` deltas, as they are (the room counts the relay's listeners in them: the relay
 *   reports its count over RPC, SessionRoom.relayListeners);
 * - a `snapshot` only when it moves the relay past a version its listeners may not have
 *   (after its connection to the room was lost and the log could not catch it up).
 *
 * A listener's hello is answered here, never by the room: with the latest snapshot the
 * relay holds, then every change frame since, then the whole audience (`full`), all in
 * one turn, so the next frame forwarded is the next version: no gap, no duplicate. The
 * tail of changes is kept short: after TAIL_MAX of them the relay says hello to the room
 * again (version null) and holds the fresh snapshot instead.
 *
 * Nothing a listener sends reaches the room. Clock samples are answered here; mutations
 * and presence are refused (`listen_only`), like the room refuses them on a listen link;
 * anything malformed gets the room's errors, and a flood is closed the room's way.
 *
 * State: none stored. A relay is rebuilt from the room whenever it starts; its outgoing
 * socket keeps it in memory while it has listeners (an outgoing WebSocket cannot
 * hibernate), which is the relay's cost (docs/BENCHMARKS.md). Declared as a SQLite class
 * (wrangler.jsonc) for the Free plan and Cloudflare's advice for new classes; it writes
 * no row.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type AudiencePeer,
  type Change,
  CLOSE,
  CLOSE_REASON,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  LIMITS,
  MODEL_VERSION,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerFrame,
  type ServerMessage,
  SUPPORTED_PROTOCOLS,
  TokenBucket,
} from '../../core';
import type { Env } from '../env';
import { LISTEN_HEADER, RELAY_HEADER } from '../http/listen';
import { randomId } from '../ids';
import { ListenerOutbox } from '../room/ListenerOutbox';

/** Change frames held after the snapshot before the relay asks the room for a fresh one. */
export const TAIL_MAX = 64;
/** How often, at most, the relay reports its listener count to the room. */
export const REPORT_INTERVAL_MS = 200;
/** Waits between attempts to reach the room again while listeners wait. */
const RECONNECT_MS = [0, 250, 1000, 4000];

interface ListenerAttachment {
  peerId: string;
  helloed: boolean;
  sessionId: string;
}

interface Held {
  version: number;
  /** The session's JSON as the room sent it (the audience's view). */
  sessionJson: string;
}

const encoder = new TextEncoder();

export class RelayRoom extends DurableObject<Env> {
  private sessionId: string | null = null;
  /** The one socket to the room, and the link id the room knows it by. */
  private upstream: WebSocket | null = null;
  private link: string | null = null;
  private connecting = false;
  private attempts = 0;
  /** The latest snapshot from the room, and the change frames after it (raw, in order). */
  private held: Held | null = null;
  private tail: { change: Change; raw: string }[] = [];
  /** The last version forwarded to listeners. */
  private lastVersion = -1;
  private refreshing = false;
  /** The audience as listeners see it now (for a joiner's `full` frame). */
  private audience: { listeners: number; peers: Map<string, AudiencePeer> } = { listeners: 0, peers: new Map() };
  /** Listeners whose hello came before the relay had anything to answer with. */
  private readonly waiting = new Set<WebSocket>();
  /** Helloed listeners (mirrors the attachments: a forward to thousands reads none). */
  private readonly listeners = new Map<WebSocket, ListenerAttachment>();
  private readonly buckets = new Map<WebSocket, { rate: TokenBucket; patience: TokenBucket }>();
  private reportDue = false;
  private reported = -1;
  private lastReport = Number.NEGATIVE_INFINITY;
  /** What every listener is owed, sent together (every listener here reads batched frames). */
  private readonly outbox = new ListenerOutbox({ now: () => Date.now(), setTimer: (fire, ms) => setTimeout(fire, ms) }, (frame) => {
    for (const ws of this.listeners.keys()) send(ws, frame);
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(KEEPALIVE_PING, KEEPALIVE_PONG));
    // After a wake (the relay never sleeps while its room socket is open, but be exact):
    // listeners that had said hello are still listeners, and are owed the room's state.
    for (const ws of ctx.getWebSockets()) {
      const a = ws.deserializeAttachment() as ListenerAttachment | null;
      if (!a) continue;
      this.sessionId ??= a.sessionId;
      if (a.helloed) this.listeners.set(ws, a);
    }
    if (this.listeners.size > 0) this.joinRoom();
  }

  /** Figures for tests and benchmarks. */
  async stats() {
    return {
      listeners: this.listeners.size,
      sockets: this.ctx.getWebSockets().length,
      connected: this.upstream !== null,
      version: this.lastVersion,
      heldVersion: this.held?.version ?? null,
      tail: this.tail.length,
      audience: this.audience.listeners,
    };
  }

  // ---- a listener's socket ---------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('expected a WebSocket upgrade', { status: 426 });
    }
    const sessionId = request.headers.get('X-Session-Id');
    if (!sessionId) return new Response('no session named', { status: 400 });
    if (this.sessionId !== null && this.sessionId !== sessionId) {
      // A relay's name includes its session (worker/relay/routing.ts): never two.
      return new Response('this relay serves another session', { status: 409 });
    }
    this.sessionId = sessionId;
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ peerId: randomId(12), helloed: false, sessionId } satisfies ListenerAttachment);
    this.joinRoom();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (!this.withinRate(ws)) return;
    if (typeof raw !== 'string') return send(ws, error('bad_message', 'frames must be JSON text'));
    if (
      raw.length > LIMITS.maxFrameBytes ||
      (raw.length * 3 > LIMITS.maxFrameBytes && encoder.encode(raw).byteLength > LIMITS.maxFrameBytes)
    ) {
      return send(ws, error('frame_too_large', `frames are at most ${LIMITS.maxFrameBytes} bytes`));
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send(ws, error('bad_json', 'frame is not valid JSON'));
    }
    const type = (json as { type?: unknown } | null)?.type;
    if (type === 'hello' && !this.versionsAccepted(ws, json as { protocol?: unknown; model?: unknown })) return;
    const parsed = parseClientMessage(json);
    const seq = (json as { clientSeq?: unknown } | null)?.clientSeq;
    const clientSeq = Number.isSafeInteger(seq) ? (seq as number) : undefined;
    if (!parsed.ok) return send(ws, error('bad_message', parsed.message, clientSeq));
    const message = parsed.message;
    switch (message.type) {
      case 'hello':
        return this.onHello(ws);
      case 'clock':
        return send(ws, JSON.stringify({ type: 'clock', t0: message.t0, serverTime: Date.now() } satisfies ServerMessage));
      case 'mutate':
        // Never forwarded: the relay's one socket to the room is a listen link's anyway.
        if (!this.listeners.has(ws)) return send(ws, error('hello_first', 'send hello first', message.clientSeq));
        return send(ws, error('listen_only', 'this connection only listens', message.clientSeq));
      case 'presence':
        if (!this.listeners.has(ws)) return send(ws, error('hello_first', 'send hello first'));
        return send(ws, error('listen_only', 'this connection only listens: it has no presence'));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    this.gone(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.gone(ws);
  }

  private gone(ws: WebSocket): void {
    this.waiting.delete(ws);
    this.buckets.delete(ws);
    if (this.listeners.delete(ws)) this.countChanged();
    if (this.ctx.getWebSockets().every((other) => other === ws)) this.disconnect();
  }

  /** The room's rate limit, per listener socket: a flooder is closed, like the room closes it. */
  private withinRate(ws: WebSocket): boolean {
    const now = Date.now();
    let b = this.buckets.get(ws);
    if (!b) {
      b = {
        rate: new TokenBucket(LIMITS.rateLimitPerSecond, LIMITS.rateLimitBurst, now),
        patience: new TokenBucket(LIMITS.floodForgivenPerSecond, LIMITS.floodRefusals, now),
      };
      this.buckets.set(ws, b);
    }
    if (b.rate.take(now)) return true;
    if (!b.patience.take(now)) closeSocket(ws, CLOSE.abuse, 'rate limit exceeded');
    else send(ws, error('rate_limited', 'too many messages; slow down'));
    return false;
  }

  /**
   * Listeners behind a relay get the frames of this version as they are: a client of an
   * older model (which the room would send snapshots instead of changes it cannot apply)
   * is told to reload, as is one older than protocol 4 (it reads no batched frames).
   */
  private versionsAccepted(ws: WebSocket, hello: { protocol?: unknown; model?: unknown }): boolean {
    const protocol = typeof hello.protocol === 'number' ? hello.protocol : 0;
    const model = hello.model === undefined ? 1 : typeof hello.model === 'number' ? hello.model : 0;
    const newest = Math.max(...SUPPORTED_PROTOCOLS);
    let reason: string | null = null;
    if (protocol > newest || model > MODEL_VERSION) reason = CLOSE_REASON.serverOutdated;
    else if (protocol < PROTOCOL_VERSION || model < MODEL_VERSION) reason = CLOSE_REASON.clientOutdated;
    if (reason === null) return true;
    send(ws, error('protocol_version', `this listen link speaks protocol ${PROTOCOL_VERSION} and model ${MODEL_VERSION}`));
    closeSocket(ws, CLOSE.protocolVersion, reason);
    return false;
  }

  private onHello(ws: WebSocket): void {
    if (this.listeners.has(ws) || this.waiting.has(ws)) {
      // A second hello: the state again (as the room would answer it).
      if (this.held) this.answer(ws);
      return;
    }
    if (!this.held) {
      this.waiting.add(ws);
      this.joinRoom();
      return;
    }
    this.answer(ws);
  }

  /** Snapshot, the changes since, the audience: in one turn, before the next forward. */
  private answer(ws: WebSocket): void {
    // What waits in the outbox is in the tail already: out first, so it never follows the tail.
    this.outbox.flush();
    const held = this.held!;
    const a = ws.deserializeAttachment() as ListenerAttachment;
    send(ws, snapshotFrame(held, a.peerId));
    for (const { raw } of this.tail) send(ws, raw);
    send(ws, this.fullAudienceFrame());
    if (!a.helloed) {
      const helloed = { ...a, helloed: true };
      ws.serializeAttachment(helloed);
      this.listeners.set(ws, helloed);
      this.countChanged();
    }
  }

  private fullAudienceFrame(): string {
    return JSON.stringify({
      type: 'audience',
      full: true,
      listeners: this.audience.listeners,
      peers: [...this.audience.peers.values()],
    } satisfies ServerMessage);
  }

  // ---- the room's socket ----------------------------------------------------------

  /** Open the socket to the room unless it is open or opening. */
  private joinRoom(): void {
    if (this.upstream || this.connecting || !this.sessionId) return;
    this.connecting = true;
    const sessionId = this.sessionId;
    const link = randomId(16);
    void this.open(sessionId, link).then(
      (ws) => {
        this.connecting = false;
        // No listener left while it opened: nobody to relay to.
        if (ws && this.ctx.getWebSockets().length === 0) this.disconnect();
      },
      (failure: unknown) => {
        this.connecting = false;
        console.error('relay: the room could not be reached', failure);
        this.retry();
      },
    );
  }

  private async open(sessionId: string, link: string): Promise<WebSocket | null> {
    const room = this.env.SESSIONS.get(this.env.SESSIONS.idFromName(sessionId));
    const response = await room.fetch('https://room/ws', {
      headers: { Upgrade: 'websocket', 'X-Session-Id': sessionId, [LISTEN_HEADER]: '1', [RELAY_HEADER]: link },
    });
    const ws = response.webSocket;
    if (response.status !== 101 || !ws) {
      // No such session (404) or the room refused: the listeners hear it as the room would say it.
      const code = response.status === 404 ? CLOSE.notFound : 1011;
      this.closeListeners(code, response.status === 404 ? 'no such session' : 'the room refused the relay');
      return null;
    }
    ws.accept();
    this.upstream = ws;
    this.link = link;
    this.reported = -1;
    ws.addEventListener('message', (event) => {
      if (this.upstream === ws && typeof event.data === 'string') this.fromRoom(event.data);
    });
    ws.addEventListener('close', (event) => {
      if (this.upstream !== ws) return;
      this.upstream = null;
      this.link = null;
      this.roomClosed(event.code, event.reason);
    });
    ws.addEventListener('error', () => {
      if (this.upstream !== ws) return;
      this.upstream = null;
      this.link = null;
      this.roomClosed(1006, 'error');
    });
    this.sayHello(ws, this.held ? this.lastVersion : null);
    return ws;
  }

  private sayHello(ws: WebSocket, version: number | null): void {
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        model: MODEL_VERSION,
        clientId: 'relay',
        version,
        peer: { name: 'Relay', color: '#888888' },
        listenOnly: true,
      }),
    );
  }

  private disconnect(): void {
    const ws = this.upstream;
    this.upstream = null;
    this.link = null;
    this.held = null;
    this.tail = [];
    this.lastVersion = -1;
    this.refreshing = false;
    this.attempts = 0;
    if (ws) closeSocket(ws, 1000, 'no listeners');
  }

  private roomClosed(code: number, reason: string): void {
    // The room said why it will not serve: its listeners hear the same (reload, not found…).
    if (code === CLOSE.notFound || code === CLOSE.protocolVersion || code === CLOSE.unreadable) {
      return this.closeListeners(code, reason);
    }
    this.refreshing = false;
    this.retry();
  }

  private retry(): void {
    if (this.ctx.getWebSockets().length === 0) return;
    const wait = RECONNECT_MS[Math.min(this.attempts, RECONNECT_MS.length - 1)]!;
    this.attempts++;
    setTimeout(() => this.joinRoom(), wait);
  }

  private closeListeners(code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets()) closeSocket(ws, code, reason);
    this.listeners.clear();
    this.waiting.clear();
  }

  /** One frame from the room, in the order the room sent it (several messages: each in order). */
  private fromRoom(raw: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(raw) as ServerFrame;
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return this.fromRoomMessage(frame, raw);
    for (const message of frame) this.fromRoomMessage(message, JSON.stringify(message));
  }

  private fromRoomMessage(message: ServerMessage, raw: string): void {
    switch (message.type) {
      case 'snapshot':
        return this.onSnapshot(message);
      case 'catchup':
        for (const change of message.changes) this.onChange(change, JSON.stringify({ type: 'change', ...change } satisfies ServerMessage));
        return;
      case 'change':
        return this.onChange(message, raw);
      case 'audience':
        return this.onAudience(message, raw);
      case 'error':
        console.error('relay: the room refused', message.code, message.message);
        return;
      default:
        // peers, clock, ack: nothing a listener is owed.
        return;
    }
  }

  private onSnapshot(message: Extract<ServerMessage, { type: 'snapshot' }>): void {
    this.attempts = 0;
    this.refreshing = false;
    const held: Held = { version: message.version, sessionJson: JSON.stringify(message.session) };
    this.held = held;
    this.tail = this.tail.filter(({ change }) => change.version > held.version);
    if (held.version > this.lastVersion) {
      // Listeners may lack versions in between (the room could not catch the relay up):
      // they get the whole state, like the room sends it.
      if (this.lastVersion >= 0) {
        this.outbox.flush();
        for (const [ws, a] of this.listeners) send(ws, snapshotFrame(held, a.peerId));
      }
      this.lastVersion = held.version;
    }
    for (const ws of this.waiting) this.answer(ws);
    this.waiting.clear();
    this.report();
  }

  private onChange(change: Change, raw: string): void {
    if (change.version <= this.lastVersion) return; // had it (a catch-up overlapping)
    if (change.version !== this.lastVersion + 1) {
      // Never from an in-order socket; should it happen, the room's snapshot repairs it.
      console.error(`relay: change ${change.version} after ${this.lastVersion}; asking for a snapshot`);
      this.refresh();
      return;
    }
    this.lastVersion = change.version;
    // Frames the room sends a listener carry no clientSeq (only the author's copy does).
    const forward = 'clientSeq' in change ? JSON.stringify({ ...change, clientSeq: undefined }) : raw;
    this.tail.push({ change, raw: forward });
    this.outbox.push(forward);
    if (this.tail.length >= TAIL_MAX) this.refresh();
  }

  /** Ask the room for its snapshot again: joiners then get it instead of a long tail. */
  private refresh(): void {
    if (this.refreshing || !this.upstream) return;
    this.refreshing = true;
    this.sayHello(this.upstream, null);
  }

  private onAudience(message: Extract<ServerMessage, { type: 'audience' }>, raw: string): void {
    const before = this.fullAudienceFrame();
    if (message.full) this.audience.peers = new Map();
    for (const peer of message.peers ?? []) this.audience.peers.set(peer.peerId, peer);
    for (const peerId of message.gone ?? []) this.audience.peers.delete(peerId);
    this.audience.listeners = message.listeners;
    // A full frame answers the relay's own hello: news to listeners only where it differs.
    if (message.full && this.fullAudienceFrame() === before) return;
    this.outbox.push(raw);
  }

  // ---- the count the room shows ---------------------------------------------------

  private countChanged(): void {
    if (this.reportDue) return;
    this.reportDue = true;
    const wait = Math.max(0, this.lastReport + REPORT_INTERVAL_MS - Date.now());
    setTimeout(() => {
      this.reportDue = false;
      this.report();
    }, wait);
  }

  /** Tell the room how many listen here (it counts them in every listener count it sends). */
  private report(): void {
    const link = this.link;
    const count = this.listeners.size;
    if (!link || !this.sessionId || !this.held || count === this.reported) return;
    this.lastReport = Date.now();
    this.reported = count;
    const room = this.env.SESSIONS.get(this.env.SESSIONS.idFromName(this.sessionId));
    room.relayListeners(link, count).then(
      (known) => {
        if (!known && this.link === link) this.reported = -1;
      },
      (failure: unknown) => {
        console.error('relay: reporting the count failed', failure);
        if (this.link === link) this.reported = -1;
      },
    );
  }
}

function snapshotFrame(held: Held, peerId: string): string {
  return (
    `{"type":"snapshot","version":${held.version},"session":${held.sessionJson},` +
    `"peerId":${JSON.stringify(peerId)},"serverTime":${Date.now()},"model":${MODEL_VERSION}}`
  );
}

function error(code: Extract<ServerMessage, { type: 'error' }>['code'], message: string, clientSeq?: number): string {
  return JSON.stringify(clientSeq === undefined ? { type: 'error', code, message } : { type: 'error', code, message, clientSeq });
}

function send(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch {
    // The socket closed under us; its close event cleans up.
  }
}

function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}
