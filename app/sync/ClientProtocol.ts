/**
 * ClientProtocol: the sync client's side of the wire protocol, with no browser in it.
 * It keeps the Replica (confirmed state + pending mutations), says hello with the
 * version it has, resends what is pending on every new connection, paces mutations
 * under the room's rate limit, backs off and resends in order after a rate_limited
 * refusal, resyncs on a version gap, and saves the client record at the moments that
 * keep a reload from losing anything.
 *
 * The socket, the timers, the clock and the record store come in through
 * ClientProtocolHost. SyncClient hosts it in the browser (partysocket, localStorage,
 * the zustand store); the seeded fuzz test (test/unit/sim) hosts the same class over
 * simulated sockets and a simulated clock, so it proves the client that ships.
 *
 * Lifecycle of an edit: mutate() applies it optimistically and persists it as
 * pending; it is sent if the connection is synced (or after the next hello
 * otherwise); the server's broadcast of it (carrying our clientSeq) settles it. On
 * reconnect the client says which version it has, gets a catch-up or a snapshot, and
 * resends every pending mutation; the server acks duplicates without applying them
 * twice.
 */
import {
  LIMITS,
  MODEL_VERSION,
  PROTOCOL_VERSION,
  Replica,
  TokenBucket,
  parseMutation,
  type Change,
  type ClientMessage,
  type Mutation,
  type PeerInfo,
  type PendingMutation,
  type ServerMessage,
} from '../../core';
import type { ClientRecord } from './clientRecord';

/**
 * Mutations are paced below the room's per-socket limit (which also counts presence
 * and clock frames), so an honest client is never refused: a fast drag queues its
 * edits here, applied locally at once and sent as fast as the limit allows.
 */
export const SEND_RATE = Math.floor(LIMITS.rateLimitPerSecond * 0.6);
export const SEND_BURST = Math.floor(LIMITS.rateLimitBurst * 0.6);
/** The confirmed snapshot is large: saved at most this often (pending edits always). */
const CONFIRMED_SAVE_MS = 2_000;
/** How long to wait before resending after a rate_limited refusal. */
const RATE_LIMITED_BACKOFF_MS = 1_000;

type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

/** What ClientProtocol needs from whatever hosts it. */
export interface ClientProtocolHost {
  /** Send one frame if the connection is open; drop it otherwise. */
  send(frame: string): void;
  /** Local time (ms since epoch): pacing and save throttling. */
  now(): number;
  /** Estimated server time (ms since epoch): the optimistic apply of an edit. */
  serverNow(): number;
  setTimer(fire: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
  /**
   * Persist the record; the confirmed snapshot only when `withConfirmed`. False when the
   * pending edits could not be saved (storage full): they are sent all the same.
   */
  save(record: ClientRecord, withConfirmed: boolean): boolean;
  /** A fresh clientId, never used before (after a seq_conflict). */
  newClientId(): string;
  /** The record now goes by `newId`; its pending edits were numbered again as `moves` says. */
  reidentified?(oldId: string, newId: string, moves: { from: number; to: number }[]): void;
  /** Saving the pending edits failed (true) or works again (false): a reload could lose them. */
  unsaved?(failing: boolean): void;
  /**
   * This page is older than the room's model: `required` when it must reload to go on
   * (a change it cannot apply), false when the room still serves it.
   */
  outdated?(required: boolean): void;
  /** Name and colour for hello. */
  identity(): PeerInfo;
  /** This browser tab's id, the same across its reloads (clientRecord.ts). */
  tabId(): string;
  /** The replica's view, version or pending list changed. */
  changed(replica: Replica): void;
  /** A hello was answered: the connection is synced and pending edits are being resent. */
  synced(peerId: string): void;
  /** A live change was applied (not one from a catch-up). */
  applied?(change: Change): void;
  /** Our mutation `clientSeq` is in the log: its echo came back, or a duplicate was acked. */
  acknowledged?(clientSeq: number): void;
  /** An error frame other than a rate limit; `refused` is the pending edit it reverted, if any. */
  error(message: ErrorMessage, refused: PendingMutation | undefined): void;
  /** A version gap was seen on a live connection: hello is sent again. */
  resyncing?(): void;
}

export class ClientProtocol {
  private id: string;
  private replicaState: Replica | null = null;
  /** True between a hello's answer and the connection closing: mutations may be sent. */
  private ready = false;
  private awaitingResync = false;
  /** Highest clientSeq sent on the current connection; pending ones above it wait for the pump. */
  private sentUpTo = 0;
  private readonly sendBucket: TokenBucket;
  /** The armed pump timer (pacing or back-off), or null. */
  private pumpTimer: unknown = null;
  private lastConfirmedSave = 0;
  private saveFailing = false;
  /** Set once a change could not be applied: nothing more is sent until the page reloads. */
  private stale = false;

  constructor(
    private readonly record: ClientRecord,
    private readonly host: ClientProtocolHost,
    private readonly listenOnly = false,
  ) {
    this.id = record.clientId;
    this.sendBucket = new TokenBucket(SEND_RATE, SEND_BURST, host.now());
    if (record.confirmed) {
      // The last confirmed state at once (offline edits go on) while we connect.
      this.replicaState = new Replica({ ...record.confirmed, pending: record.pending, nextSeq: record.nextSeq });
    }
  }

  /** The writer id this client sends under (changes after a seq_conflict). */
  get clientId(): string {
    return this.id;
  }

  get replica(): Replica | null {
    return this.replicaState;
  }

  /** Said hello on this connection and heard back: presence and mutations may be sent. */
  get synced(): boolean {
    return this.ready && !this.awaitingResync && !this.stale;
  }

  /** Make an edit. Not ok: refused locally (`message` says why; null when there is no state yet). */
  mutate(mutation: Mutation): { ok: true; pending: PendingMutation } | { ok: false; message: string | null } {
    const replica = this.replicaState;
    if (!replica || this.listenOnly) return { ok: false, message: null };
    const checked = parseMutation(mutation);
    if (!checked.ok) return { ok: false, message: checked.message };
    const result = replica.mutate(checked.mutation, this.host.serverNow());
    if (!result.ok) return { ok: false, message: result.message };
    this.persist();
    this.publish();
    this.pump();
    return { ok: true, pending: result.pending };
  }

  /** A new connection is open: say hello. */
  opened(): void {
    this.sendHello();
  }

  /** The connection closed: nothing more is sent until the next hello is answered. */
  closed(): void {
    this.ready = false;
    this.disarmPump();
  }

  /** Stop the timers (the page is leaving). */
  stop(): void {
    this.ready = false;
    this.disarmPump();
  }

  receive(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot': {
        if (this.stale) return;
        this.noteServerModel(message.model);
        if (this.replicaState) this.replicaState.resetTo(message.session, message.version);
        else
          this.replicaState = new Replica({
            session: message.session,
            version: message.version,
            pending: this.record.pending,
            nextSeq: this.record.nextSeq,
          });
        this.afterSync(message.peerId);
        return;
      }
      case 'catchup': {
        if (this.stale) return;
        this.noteServerModel(message.model);
        if (!this.replicaState) return this.sendHello();
        for (const change of message.changes) {
          const outcome = this.replicaState.applyChange(change);
          if (outcome === 'gap') return this.resync();
          if (outcome === 'outdated') return this.goStale();
        }
        this.afterSync(message.peerId);
        return;
      }
      case 'change': {
        if (!this.replicaState || this.awaitingResync || this.stale) return;
        const outcome = this.replicaState.applyChange(message, message.clientSeq);
        if (outcome === 'outdated') return this.goStale();
        if (message.clientSeq !== undefined) this.host.acknowledged?.(message.clientSeq);
        if (outcome === 'gap') return this.resync();
        this.host.applied?.(message);
        this.persist();
        this.publish();
        return;
      }
      case 'ack':
        // An answer to a send from before the last hello (its clientSeq may have been
        // renumbered since): the edit is still pending and is resent, then acked again.
        if (this.awaitingResync) return;
        this.host.acknowledged?.(message.clientSeq);
        this.replicaState?.settle(message.clientSeq);
        this.persist();
        this.publish();
        return;
      case 'error': {
        // As for acks: a refusal of a send from before the last hello is stale. The edit
        // is resent after the hello and refused again if it still should be.
        if (this.awaitingResync && message.clientSeq !== undefined) return;
        if (message.code === 'seq_conflict') return this.reidentify();
        if (message.code === 'rate_limited' && message.clientSeq !== undefined) {
          // Not applied, not lost: the room holds later edits until this one comes
          // again. Back off, then resend from it, in order.
          this.sentUpTo = Math.min(this.sentUpTo, message.clientSeq - 1);
          this.armPump(RATE_LIMITED_BACKOFF_MS, true);
          return;
        }
        const refused = message.clientSeq !== undefined ? this.replicaState?.reject(message.clientSeq) : undefined;
        if (refused) {
          this.persist();
          this.publish();
        }
        this.host.error(message, refused);
        return;
      }
      case 'peers':
      case 'clock':
        return; // the host's business (presence, ClockSync)
    }
  }

  /** Save the client record: pending edits always, the confirmed snapshot at most every 2 s (or when forced). */
  persist(force = false): void {
    const replica = this.replicaState;
    if (replica) {
      this.record.pending = replica.pending;
      this.record.nextSeq = replica.nextSeq;
      this.record.confirmed = { version: replica.version, session: replica.confirmed };
    }
    const now = this.host.now();
    this.record.heartbeat = now;
    const withConfirmed = force || now - this.lastConfirmedSave > CONFIRMED_SAVE_MS;
    if (withConfirmed) this.lastConfirmedSave = now;
    let saved: boolean;
    try {
      saved = this.host.save(this.record, withConfirmed);
    } catch {
      saved = false;
    }
    // Saving never stands between an edit and the room: the edit is sent either way.
    if (saved === this.saveFailing) {
      this.saveFailing = !saved;
      this.host.unsaved?.(this.saveFailing);
    }
  }

  // ---- internals ---------------------------------------------------------------------------

  private send(message: ClientMessage): void {
    this.host.send(JSON.stringify(message));
  }

  private sendHello(): void {
    if (this.stale) return;
    this.ready = false;
    this.awaitingResync = true;
    const pending = this.replicaState?.pending ?? this.record.pending;
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      model: MODEL_VERSION,
      clientId: this.id,
      tab: this.host.tabId(),
      version: this.replicaState ? this.replicaState.version : null,
      peer: this.host.identity(),
      listenOnly: this.listenOnly,
      resendFrom: pending[0]?.clientSeq ?? this.replicaState?.nextSeq ?? this.record.nextSeq,
    });
  }

  /**
   * The room refused this writer's clientSeq (docs/PROTOCOL.md, seq_conflict): another
   * tab wrote under the same clientId, or the room no longer knows an old edit. Go on as
   * a new writer: a fresh clientId, the pending edits numbered from 1 and sent again.
   */
  private reidentify(): void {
    const oldId = this.id;
    this.id = this.host.newClientId();
    this.record.clientId = this.id;
    let moves: { from: number; to: number }[];
    if (this.replicaState) {
      moves = this.replicaState.renumber();
    } else {
      moves = this.record.pending.map((p, i) => ({ from: p.clientSeq, to: i + 1 }));
      this.record.pending = this.record.pending.map((p, i) => ({ ...p, clientSeq: i + 1 }));
      this.record.nextSeq = this.record.pending.length + 1;
    }
    this.persist(true);
    this.host.reidentified?.(oldId, this.id, moves);
    this.sendHello();
  }

  /** The room's model is newer than ours: it still serves us, but a reload gets the new features. */
  private noteServerModel(model: number | undefined): void {
    if (model !== undefined && model > MODEL_VERSION) this.host.outdated?.(false);
  }

  /** A change we cannot apply: stop here (pending edits stay saved) and ask for a reload. */
  private goStale(): void {
    this.stale = true;
    this.ready = false;
    this.disarmPump();
    this.persist(true);
    this.host.outdated?.(true);
  }

  /** The room closed the connection as too old for it: the same as a change we cannot apply. */
  tooOld(): void {
    this.goStale();
  }

  /** After a snapshot or catch-up: we are in sync; send everything still pending. */
  private afterSync(peerId: string): void {
    this.ready = true;
    this.awaitingResync = false;
    // A new connection: everything still pending is sent again (the room acks duplicates).
    this.sentUpTo = 0;
    this.pump();
    this.host.synced(peerId);
    this.persist();
    this.publish();
  }

  /** A version gap: ask again with what we have. */
  private resync(): void {
    this.host.resyncing?.();
    this.sendHello();
  }

  /** Send pending mutations not yet sent on this connection, in order, within the send rate. */
  private pump(): void {
    if (!this.ready || this.awaitingResync || this.stale || !this.replicaState || this.pumpTimer !== null) return;
    for (const p of this.replicaState.pending) {
      if (p.clientSeq <= this.sentUpTo) continue;
      if (!this.sendBucket.take(this.host.now())) {
        this.armPump(1000 / SEND_RATE);
        return;
      }
      this.send({ type: 'mutate', clientId: this.id, clientSeq: p.clientSeq, mutation: p.mutation });
      this.sentUpTo = p.clientSeq;
    }
  }

  /** Pump again in `ms`; `replace` re-arms a timer already set (a back-off outranks pacing). */
  private armPump(ms: number, replace = false): void {
    if (replace) this.disarmPump();
    else if (this.pumpTimer !== null) return;
    this.pumpTimer = this.host.setTimer(() => {
      this.pumpTimer = null;
      this.pump();
    }, ms);
  }

  private disarmPump(): void {
    if (this.pumpTimer !== null) this.host.clearTimer(this.pumpTimer);
    this.pumpTimer = null;
  }

  private publish(): void {
    if (this.replicaState) this.host.changed(this.replicaState);
  }
}
