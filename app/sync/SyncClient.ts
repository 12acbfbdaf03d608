/**
 * The sync client: one reconnecting WebSocket (partysocket) to the session room,
 * a Replica (confirmed state + pending mutations), and the persisted client record.
 *
 * Lifecycle of an edit: mutate() applies it optimistically and persists it as
 * pending; it is sent if the socket is ready (or on the next hello otherwise); the
 * server's broadcast of it (carrying our clientSeq) settles it. On reconnect the
 * client says which version it has, gets a catch-up or a snapshot, and resends
 * every pending mutation; the server acks duplicates without applying them twice.
 */
import { WebSocket as ReconnectingWebSocket } from 'partysocket';
import {
  CLOSE,
  LIMITS,
  TokenBucket,
  KEEPALIVE_PING,
  KEEPALIVE_PONG,
  PROTOCOL_VERSION,
  Replica,
  parseMutation,
  type ClientMessage,
  type Mutation,
  type ServerMessage,
} from '../../core';
import { pushNotice, type SessionStore } from '../store/sessionStore';
import { ClockSync } from './ClockSync';
import { ClientRecordStore, type ClientRecord } from './clientRecord';
import type { Identity } from './identity';

const KEEPALIVE_MS = 20_000;
/**
 * Mutations are paced below the room's per-socket limit (which also counts presence
 * and clock frames), so an honest client is never refused: a fast drag queues its
 * edits here, applied locally at once and sent as fast as the limit allows.
 */
const SEND_RATE = Math.floor(LIMITS.rateLimitPerSecond * 0.6);
const SEND_BURST = Math.floor(LIMITS.rateLimitBurst * 0.6);
const HEARTBEAT_MS = 5_000;
const CONFIRMED_SAVE_MS = 2_000;

export interface SyncClientOptions {
  sessionId: string;
  store: SessionStore;
  identity: Identity;
  listenOnly?: boolean;
  /** Base URL of the server (defaults to this page's origin). */
  baseUrl?: string;
  records?: ClientRecordStore;
}

export class SyncClient {
  readonly clientId: string;
  readonly clock = new ClockSync((t0) => this.sendMessage({ type: 'clock', t0 }));
  private readonly store: SessionStore;
  private readonly records: ClientRecordStore;
  private record: ClientRecord;
  private replica: Replica | null = null;
  private socket: ReconnectingWebSocket | null = null;
  /** True between our hello and the socket closing: mutations may be sent. */
  private ready = false;
  private awaitingResync = false;
  private timers: ReturnType<typeof setInterval>[] = [];
  private identity: Identity;
  private presence: { cursor: { trackId: string; step: number } | null; playing: boolean } = { cursor: null, playing: false };
  private presenceTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<(message: ServerMessage) => void>();
  /** Highest clientSeq sent on the current connection; pending ones above it wait for the pump. */
  private sentUpTo = 0;
  private sendBucket = new TokenBucket(SEND_RATE, SEND_BURST);
  private pumpTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: SyncClientOptions) {
    this.store = options.store;
    this.identity = options.identity;
    this.records = options.records ?? new ClientRecordStore(options.sessionId);
    this.record = this.records.open();
    this.clientId = this.record.clientId;
    if (this.record.confirmed) {
      // Show the last confirmed state at once (and let offline edits go on) while we connect.
      this.replica = new Replica({ ...this.record.confirmed, pending: this.record.pending, nextSeq: this.record.nextSeq });
      this.publish();
    }
    this.store.setState({ sessionId: options.sessionId, pendingCount: this.record.pending.length });
  }

  start(): void {
    const base = this.options.baseUrl ?? location.origin;
    const url = `${base.replace(/^http/, 'ws')}/api/sessions/${this.options.sessionId}/ws`;
    const socket = new ReconnectingWebSocket(url, [], {
      maxEnqueuedMessages: 0, // our own pending queue is the only queue: it survives reloads
      minReconnectionDelay: 500 + Math.random() * 500,
      maxReconnectionDelay: 8000,
      connectionTimeout: 5000,
    });
    this.socket = socket;
    socket.addEventListener('open', () => this.onOpen());
    socket.addEventListener('message', (event) => this.onFrame(event.data as string));
    socket.addEventListener('close', (event) => this.onClose(event.code));
    this.timers.push(setInterval(() => this.socket?.readyState === 1 && this.socket.send(KEEPALIVE_PING), KEEPALIVE_MS));
    this.timers.push(setInterval(() => this.persist(true), HEARTBEAT_MS));
    addEventListener('pagehide', this.onPageHide);
    addEventListener('online', this.onBrowserOnline);
    addEventListener('offline', this.onBrowserOffline);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    removeEventListener('online', this.onBrowserOnline);
    removeEventListener('offline', this.onBrowserOffline);
    this.clock.stop();
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    removeEventListener('pagehide', this.onPageHide);
    this.persist(true);
    this.socket?.close(1000, 'leaving');
    this.socket = null;
    this.ready = false;
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
    if (!this.replica || this.options.listenOnly) return false;
    const checked = parseMutation(mutation);
    if (!checked.ok) {
      pushNotice(this.store, 'error', `Not applied: ${checked.message}`);
      return false;
    }
    const result = this.replica.mutate(checked.mutation, this.serverNow());
    if (!result.ok) {
      pushNotice(this.store, 'error', `Not applied: ${result.message}`);
      return false;
    }
    this.persist();
    this.publish();
    this.pump();
    return true;
  }

  private backOff(ms = 1000): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, ms);
  }

  /** Send pending mutations not yet sent on this connection, in order, within the send rate. */
  private pump(): void {
    if (!this.ready || this.awaitingResync || !this.replica || this.pumpTimer) return;
    for (const p of this.replica.pending) {
      if (p.clientSeq <= this.sentUpTo) continue;
      if (!this.sendBucket.take()) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, 1000 / SEND_RATE);
        return;
      }
      this.sendMessage({ type: 'mutate', clientId: this.clientId, clientSeq: p.clientSeq, mutation: p.mutation });
      this.sentUpTo = p.clientSeq;
    }
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

  private sendPresence(): void {
    if (!this.ready) return;
    this.sendMessage({ type: 'presence', cursor: this.presence.cursor, playing: this.presence.playing, peer: this.identity });
  }

  private onOpen(): void {
    this.store.setState({ status: 'connecting' });
    this.sendHello();
  }

  private sendHello(): void {
    this.ready = false;
    this.awaitingResync = true;
    this.sendMessage({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      clientId: this.clientId,
      version: this.replica ? this.replica.version : null,
      peer: this.identity,
      listenOnly: this.options.listenOnly ?? false,
    });
  }

  private onFrame(data: string): void {
    if (data === KEEPALIVE_PONG) return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    this.handle(message);
    for (const listener of this.listeners) listener(message);
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot': {
        this.clock.seed(message.serverTime);
        if (this.replica) this.replica.resetTo(message.session, message.version);
        else this.replica = new Replica({ session: message.session, version: message.version, pending: this.record.pending, nextSeq: this.record.nextSeq });
        this.afterSync(message.peerId);
        return;
      }
      case 'catchup': {
        this.clock.seed(message.serverTime);
        if (!this.replica) return this.sendHello();
        for (const change of message.changes) {
          if (this.replica.applyChange(change) === 'gap') return this.resync();
        }
        this.afterSync(message.peerId);
        return;
      }
      case 'change': {
        if (!this.replica || this.awaitingResync) return;
        const outcome = this.replica.applyChange(message, message.clientSeq);
        if (outcome === 'gap') return this.resync();
        if (message.by && message.by !== this.store.getState().selfPeerId) this.flashRemote(message);
        this.persist();
        this.publish();
        return;
      }
      case 'ack':
        this.replica?.settle(message.clientSeq);
        this.persist();
        this.publish();
        return;
      case 'error': {
        if (message.code === 'rate_limited' && message.clientSeq !== undefined) {
          // Not applied, not lost: the room holds later edits until this one comes
          // again. Back off, then resend from it, in order.
          this.sentUpTo = Math.min(this.sentUpTo, message.clientSeq - 1);
          this.backOff();
          return;
        }
        if (message.clientSeq !== undefined && this.replica) {
          const refused = this.replica.reject(message.clientSeq);
          if (refused) {
            pushNotice(this.store, 'error', `Your change was refused (${message.code}): ${message.message}`);
            this.persist();
            this.publish();
            return;
          }
        }
        if (message.code === 'session_full') this.store.setState({ problem: 'session_full' });
        else pushNotice(this.store, 'error', `${message.code}: ${message.message}`);
        return;
      }
      case 'peers':
        this.store.setState({ peers: message.peers });
        return;
      case 'clock':
        this.clock.onReply(message.t0, message.serverTime);
        return;
    }
  }

  /** After a snapshot or catch-up: we are in sync; send everything still pending. */
  private afterSync(peerId: string): void {
    this.ready = true;
    this.awaitingResync = false;
    this.store.setState({ status: 'connected', selfPeerId: peerId, problem: null });
    // A new connection: everything still pending is sent again (the room acks duplicates).
    this.sentUpTo = 0;
    this.pump();
    this.sendPresence();
    this.persist();
    this.publish();
    this.clock.sampleBurst();
  }

  /** A version gap: ask again with what we have. */
  private resync(): void {
    this.sendHello();
  }

  private onClose(code: number): void {
    this.ready = false;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
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
    if (!this.replica && !this.probing) void this.probeExistence();
  }

  private probing = false;
  private async probeExistence(): Promise<void> {
    this.probing = true;
    try {
      const base = this.options.baseUrl ?? location.origin;
      const response = await fetch(`${base}/api/sessions/${this.options.sessionId}`, { method: 'HEAD' });
      if (response.status === 404 && !this.replica) {
        this.store.setState({ problem: 'not_found', status: 'offline' });
        this.socket?.close();
      }
    } catch {
      // Offline: keep trying to connect.
    } finally {
      this.probing = false;
    }
  }

  private onPageHide = () => this.persist(true);
  private onBrowserOffline = () => this.store.setState({ status: 'offline' });
  private onBrowserOnline = () => {
    this.store.setState({ status: 'reconnecting' });
    this.socket?.reconnect();
  };

  private flashRemote(change: Extract<ServerMessage, { type: 'change' }>): void {
    const m = change.mutation;
    if (!('trackId' in m) || !('step' in m)) return;
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
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  private lastConfirmedSave = 0;

  /** Save the client record: pending edits always, the confirmed snapshot at most every 2 s (or when forced). */
  private persist(force = false): void {
    if (this.replica) {
      this.record.pending = this.replica.pending;
      this.record.nextSeq = this.replica.nextSeq;
      this.record.confirmed = { version: this.replica.version, session: this.replica.confirmed };
    }
    const now = Date.now();
    this.record.heartbeat = now;
    const withConfirmed = force || now - this.lastConfirmedSave > CONFIRMED_SAVE_MS;
    if (withConfirmed) this.lastConfirmedSave = now;
    this.records.save(this.record, withConfirmed);
  }

  private publish(): void {
    if (!this.replica) return;
    this.store.setState({ session: this.replica.view, version: this.replica.version, pendingCount: this.replica.pending.length });
  }
}
