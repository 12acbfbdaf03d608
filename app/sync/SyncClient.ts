/**
 * The sync client in the browser: ClientProtocol (the protocol state machine, see
 * ClientProtocol.ts) hosted on one reconnecting WebSocket (partysocket), the client
 * record in localStorage, timers, the zustand store, ClockSync, presence and the
 * window's online/offline/pagehide events.
 */
import { WebSocket as ReconnectingWebSocket } from 'partysocket';
import {
  CLIENT_CADENCE,
  CLOSE,
  CLOSE_REASON,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  type AudiencePeer,
  type Change,
  type ClientMessage,
  type Mutation,
  messagesOf,
  type Replica,
  type ServerFrame,
  type ServerMessage,
} from '../../core';
import { yieldToPage } from '../audio/yieldToPage';
import { viewedPatternOf } from '../store/patternView';
import { pushNotice, type SessionStore } from '../store/sessionStore';
import { ClientProtocol } from './ClientProtocol';
import { ClockSync } from './ClockSync';
import { type ClientRecord, ClientRecordStore } from './clientRecord';
import type { Identity } from './identity';

const HEARTBEAT_MS = 5_000;

export interface SyncClientOptions {
  sessionId: string;
  store: SessionStore;
  identity: Identity;
  listenOnly?: boolean;
  /**
   * Open the session by its listen link (issue 17) instead: `sessionId` is then the
   * listen id, the connection only listens, and this page never learns the editing id.
   */
  listenLink?: boolean;
  /** Base URL of the server (defaults to this page's origin). */
  baseUrl?: string;
  records?: ClientRecordStore;
}

export class SyncClient {
  readonly clock = new ClockSync((t0) => this.sendMessage({ type: 'clock', t0 }));
  private readonly store: SessionStore;
  private readonly records: ClientRecordStore;
  /** Null until the client record is open (an async step: it takes a Web Lock). */
  private protocol: ClientProtocol | null = null;
  private socket: ReconnectingWebSocket | null = null;
  private stopped = false;
  /** The replica whose first session is on its way to the store (show), or null. */
  private due: Replica | null = null;
  private timers: ReturnType<typeof setInterval>[] = [];
  private identity: Identity;
  private presence: { cursor: { trackId: string; step: number } | null; playing: boolean; fill: boolean } = {
    cursor: null,
    playing: false,
    fill: false,
  };
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<(message: ServerMessage) => void>();
  private unsubscribeView: (() => void) | null = null;
  /** Frames from the server that were not JSON: counted and logged, never silently dropped. */
  unreadableFrames = 0;

  constructor(private readonly options: SyncClientOptions) {
    this.store = options.store;
    this.identity = options.identity;
    this.records =
      options.records ??
      new ClientRecordStore(
        options.listenLink ? `listen:${options.sessionId}` : options.sessionId,
        localStorage,
        sessionStorage,
        undefined,
        (problem) => {
          console.warn(`client record: ${problem.kind}: ${problem.detail}`);
          if (problem.kind === 'dropped_edit')
            pushNotice(this.store, 'error', `An unsynced edit from an older version could not be kept: ${problem.detail}`);
        },
      );
    // A listen link's page knows no session id.
    this.store.setState({ sessionId: options.listenLink ? null : options.sessionId });
  }

  /** The writer id this tab sends under (null until the record is open). */
  get clientId(): string | null {
    return this.protocol?.clientId ?? null;
  }

  private makeProtocol(record: ClientRecord): ClientProtocol {
    return new ClientProtocol(
      record,
      {
        send: (frame) => this.sendFrame(frame),
        now: () => Date.now(),
        serverNow: () => this.serverNow(),
        setTimer: (fire, ms) => setTimeout(fire, ms),
        clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
        save: (r, withConfirmed) => this.records.save(r, withConfirmed),
        newClientId: () => crypto.randomUUID(),
        reidentified: (oldId, newId) => {
          console.warn(`the room refused writer ${oldId}: pending edits continue as ${newId}`);
          void this.records.moveTo(record, oldId);
        },
        unsaved: (failing) => {
          this.store.setState({ unsaved: failing });
          if (failing)
            pushNotice(
              this.store,
              'error',
              "This browser's storage is full: your edits are sent, but a reload before they sync would lose them.",
            );
        },
        outdated: (required) => this.store.setState(required ? { problem: 'outdated', status: 'offline' } : { updateAvailable: true }),
        identity: () => this.identity,
        tabId: () => this.records.tabId(),
        changed: (replica) => this.show(replica),
        synced: (peerId) => {
          this.store.setState({ status: 'connected', selfPeerId: peerId, problem: null });
          this.sendPresence();
          this.clock.sampleBurst();
        },
        applied: (change) => {
          if (change.by && change.by !== this.store.getState().selfPeerId) this.flashRemote(change);
        },
        error: (message, refused) => {
          if (refused) pushNotice(this.store, 'error', `Your change was refused (${message.code}): ${message.message}`);
          else if (message.code === 'session_full') this.store.setState({ problem: 'session_full' });
          else if (message.code !== 'protocol_version') pushNotice(this.store, 'error', `${message.code}: ${message.message}`);
        },
      },
      this.listenOnly,
    );
  }

  /**
   * Put the replica's view in the store. The page's first session waits for a task of its
   * own (coalesced: whatever came meanwhile shows with it): drawing it, and the audio
   * engine's loading of its instruments, made one long task with the snapshot's reading
   * and saving on a phone (issue 17). Nothing can be edited before it shows.
   */
  private show(replica: Replica): void {
    const publish = (r: Replica) => this.store.setState({ session: r.view, version: r.version, pendingCount: r.pending.length });
    if (this.store.getState().session !== null && this.due === null) return publish(replica);
    const first = this.due === null;
    this.due = replica;
    if (!first) return;
    void yieldToPage().then(() => {
      const due = this.due;
      this.due = null;
      if (due && !this.stopped) publish(due);
    });
  }

  /** Listening only: no edits, no presence of one's own. */
  get listenOnly(): boolean {
    return (this.options.listenOnly ?? false) || (this.options.listenLink ?? false);
  }

  /** The path of this session's API (or its listen link's). */
  private get apiPath(): string {
    return this.options.listenLink ? `/api/listen/${this.options.sessionId}` : `/api/sessions/${this.options.sessionId}`;
  }

  /** Open the client record (taking its Web Lock), show what it holds, then connect. */
  start(): void {
    // Presence says which pattern this editor views ("Sam is on C"): tell others when it changes.
    this.unsubscribeView = this.store.subscribe((state, prev) => {
      if (viewedPatternOf(state) !== viewedPatternOf(prev)) this.setPresence({});
    });
    void this.records.open().then((record) => {
      if (this.stopped) return this.records.close();
      this.protocol = this.makeProtocol(record);
      const replica = this.protocol.replica;
      // The last confirmed state at once (offline edits go on) while we connect.
      if (replica) this.store.setState({ session: replica.view, version: replica.version });
      this.store.setState({ pendingCount: record.pending.length });
      this.connect();
    });
  }

  private connect(): void {
    const base = this.options.baseUrl ?? location.origin;
    const url = `${base.replace(/^http/, 'ws')}${this.apiPath}/ws`;
    const socket = new ReconnectingWebSocket(url, [], {
      maxEnqueuedMessages: 0, // our own pending queue is the only queue: it survives reloads
      minReconnectionDelay: 500 + Math.random() * 500,
      maxReconnectionDelay: 8000,
      connectionTimeout: 5000,
    });
    this.socket = socket;
    socket.addEventListener('open', () => this.onOpen());
    socket.addEventListener('message', (event) => this.onFrame(event.data as string));
    socket.addEventListener('close', (event) => this.onClose(event.code, event.reason));
    this.timers.push(setInterval(() => this.socket?.readyState === 1 && this.socket.send(KEEPALIVE_PING), CLIENT_CADENCE.keepaliveMs));
    this.timers.push(setInterval(() => this.protocol?.persist(true), HEARTBEAT_MS));
    addEventListener('pagehide', this.onPageHide);
    addEventListener('online', this.onBrowserOnline);
    addEventListener('offline', this.onBrowserOffline);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribeView?.();
    this.unsubscribeView = null;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    removeEventListener('online', this.onBrowserOnline);
    removeEventListener('offline', this.onBrowserOffline);
    this.clock.stop();
    this.protocol?.stop();
    removeEventListener('pagehide', this.onPageHide);
    this.protocol?.persist(true);
    this.records.close();
    this.socket?.close(1000, 'leaving');
    this.socket = null;
  }

  /** Subscribe to every server message (used by presence and tests). */
  onMessage(listener: (message: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Estimated server time now (ms since epoch). */
  serverNow(): number {
    return this.clock.serverNow();
  }

  /** Make an edit. Returns false if it was refused locally (nothing is sent). */
  mutate(mutation: Mutation): boolean {
    if (!this.protocol) return false;
    const result = this.protocol.mutate(mutation);
    if (!result.ok && result.message !== null) pushNotice(this.store, 'error', `Not applied: ${result.message}`);
    return result.ok;
  }

  setIdentity(identity: Identity): void {
    this.identity = identity;
    this.sendPresence();
  }

  /** Presence is throttled to at most one frame per 100 ms and never persisted. */
  setPresence(update: Partial<SyncClient['presence']>): void {
    this.presence = { ...this.presence, ...update };
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = null;
      this.sendPresence();
    }, 100);
  }

  /**
   * Hold or release Fill: heard at once here (the store's `fillHeld`) and sent at once to
   * everyone (no presence throttle: a fill lasts a bar or two). It is presence, not an
   * edit: a dropped connection releases it, and nothing is stored.
   */
  setFill(held: boolean): void {
    if (this.listenOnly) return;
    this.store.setState({ fillHeld: held });
    this.presence = { ...this.presence, fill: held };
    if (this.presenceTimer) {
      clearTimeout(this.presenceTimer);
      this.presenceTimer = null;
    }
    this.sendPresence();
  }

  private sendPresence(): void {
    // A listener has no presence: counted, not listed (the room refuses it).
    if (!this.protocol?.synced || this.listenOnly) return;
    this.sendMessage({
      type: 'presence',
      cursor: this.presence.cursor,
      playing: this.presence.playing,
      fill: this.presence.fill,
      peer: this.identity,
      pattern: viewedPatternOf(this.store.getState()),
    });
  }

  private onOpen(): void {
    this.store.setState({ status: 'connecting' });
    this.protocol?.opened();
  }

  private onFrame(data: string): void {
    if (data === KEEPALIVE_PONG || !this.protocol) return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      this.unreadableFrames++;
      console.warn(`ignored a frame from the server that is not JSON (${this.unreadableFrames} so far): ${String(data).slice(0, 80)}`);
      return;
    }
    // A listener's frame may hold several messages (protocol 4): each in order.
    for (const message of messagesOf(frame)) this.receive(message);
  }

  private receive(message: ServerMessage): void {
    if (!this.protocol) return;
    if (message.type === 'snapshot' || message.type === 'catchup') this.clock.seed(message.serverTime);
    this.protocol.receive(message);
    if (message.type === 'peers') {
      this.store.setState(
        message.listeners === undefined ? { peers: message.peers } : { peers: message.peers, listeners: message.listeners },
      );
    }
    if (message.type === 'audience') this.onAudience(message);
    if (message.type === 'clock') this.clock.onReply(message.t0, message.serverTime);
    for (const listener of this.listeners) listener(message);
  }

  private onClose(code: number, reason: string): void {
    const protocol = this.protocol;
    protocol?.closed();
    if (code === CLOSE.protocolVersion && reason !== CLOSE_REASON.serverOutdated) {
      // This page is older than the room serves: reload (pending edits stay saved and
      // are sent by the reloaded page). Never an endless loop of reconnections.
      protocol?.tooOld();
      this.store.setState({ problem: 'outdated', status: 'offline' });
      this.socket?.close();
      return;
    }
    if (code === CLOSE.unreadable) {
      this.store.setState({ problem: 'unreadable', status: 'offline' });
      this.socket?.close();
      return;
    }
    if (code === CLOSE.notFound) {
      this.store.setState({ problem: 'not_found', status: 'offline' });
      this.socket?.close();
      return;
    }
    if (code === CLOSE.sessionFull) {
      this.store.setState({ problem: 'session_full', status: 'offline' });
      this.socket?.close();
      return;
    }
    this.store.setState({ status: navigator.onLine === false ? 'offline' : 'reconnecting' });
    // The upgrade of an unknown session is refused with a plain 404, which a
    // WebSocket only reports as a failed connection: ask once over HTTP.
    // A room older than this page (a deploy under way) closes with serverOutdated: keep
    // reconnecting, with partysocket's back-off, until it runs the new version.
    if (!protocol?.replica && !this.probing) void this.probeExistence();
  }

  /**
   * The audience's presence (protocol 3): to an editor the count of listeners; to a
   * listener also the editors, whole (`full`) or as a delta.
   */
  private onAudience(message: Extract<ServerMessage, { type: 'audience' }>): void {
    if (!this.listenOnly) {
      this.store.setState({ listeners: message.listeners });
      return;
    }
    const asPeer = (p: AudiencePeer) => ({ ...p, cursor: null, listenOnly: false });
    const known = new Map(message.full ? [] : this.store.getState().peers.map((p) => [p.peerId, p]));
    for (const p of message.peers ?? []) known.set(p.peerId, asPeer(p));
    for (const gone of message.gone ?? []) known.delete(gone);
    this.store.setState({ peers: [...known.values()], listeners: message.listeners });
  }

  private probing = false;
  private async probeExistence(): Promise<void> {
    this.probing = true;
    try {
      const base = this.options.baseUrl ?? location.origin;
      const response = await fetch(`${base}${this.apiPath}`, { method: 'HEAD' });
      if (response.status === 404 && !this.protocol?.replica) {
        this.store.setState({ problem: 'not_found', status: 'offline' });
        this.socket?.close();
      }
    } catch (error) {
      console.warn('could not ask whether the session exists (offline?); still trying to connect', error);
    } finally {
      this.probing = false;
    }
  }

  private onPageHide = () => this.protocol?.persist(true);
  private onBrowserOffline = () => this.store.setState({ status: 'offline' });
  private onBrowserOnline = () => {
    this.store.setState({ status: 'reconnecting' });
    this.socket?.reconnect();
  };

  private flashRemote(change: Change): void {
    const m = change.mutation;
    if (!('trackId' in m) || !('step' in m)) return;
    // Only edits to the pattern in view are on screen to flash.
    if (m.pattern !== viewedPatternOf(this.store.getState())) return;
    const peer = this.store.getState().peers.find((p) => p.peerId === change.by);
    if (!peer) return;
    const key = `${m.trackId}:${m.step}`;
    const until = Date.now() + 600;
    this.store.setState((s) => ({ flashes: { ...s.flashes, [key]: { color: peer.color, until } } }));
    setTimeout(() => {
      this.store.setState((s) => {
        if (s.flashes[key]?.until !== until) return s;
        const { [key]: _gone, ...rest } = s.flashes;
        return { flashes: rest };
      });
    }, 650);
  }

  private sendMessage(message: ClientMessage): void {
    this.sendFrame(JSON.stringify(message));
  }

  private sendFrame(frame: string): void {
    if (this.socket?.readyState === 1) this.socket.send(frame);
  }
}
