/**
 * A model of the browser's SyncClient (app/sync/SyncClient.ts) without the DOM: a
 * core Replica, a client record persisted to a string store (localStorage) at the
 * same moments the real client persists it, and the same reactions to every server
 * message. "Reload" throws the object away and builds a new one from the store.
 *
 * Keep this in step with SyncClient: it is only worth what its fidelity is.
 */
import {
  LIMITS,
  PROTOCOL_VERSION,
  Replica,
  TokenBucket,
  parseMutation,
  type ClientMessage,
  type Mutation,
  type PendingMutation,
  type ServerMessage,
  type Session,
} from '../../../core';
import { CLOSED, Connection } from './network';
import { key } from './MemoryRoomLog';

/** SyncClient's send pacing: under the room's per-socket limit, so an honest client is never refused. */
const SEND_RATE = Math.floor(LIMITS.rateLimitPerSecond * 0.6);
const SEND_BURST = Math.floor(LIMITS.rateLimitBurst * 0.6);

export interface ClientRecord {
  clientId: string;
  nextSeq: number;
  pending: PendingMutation[];
  confirmed: { version: number; session: Session } | null;
}

/** What the checks want to know about every client, across reloads. */
export interface ClientLedger {
  /** clientId#clientSeq of every mutation the client queued (and so promised to send). */
  created: Map<string, Mutation>;
  /** Acknowledged: own echo carrying the clientSeq, or an ack. */
  acked: Set<string>;
  /** Refused by the server with this clientSeq (reverted and reported to the user). */
  rejected: Set<string>;
  /** Hellos sent again on a live connection because a version gap was seen. */
  resyncs: number;
}

export function newLedger(): ClientLedger {
  return { created: new Map(), acked: new Set(), rejected: new Set(), resyncs: 0 };
}

export class SimClient {
  readonly clientId: string;
  replica: Replica | null = null;
  conn: Connection | null = null;
  private record: ClientRecord;
  private ready = false;
  private awaitingResync = false;
  /** Highest clientSeq sent on the current connection; pending ones above it wait for the pump. */
  private sentUpTo = 0;
  private readonly sendBucket = new TokenBucket(SEND_RATE, SEND_BURST);
  /** SyncClient's pumpTimer: when it fires (sim time), or null when not armed. */
  private pumpDueAt: number | null = null;

  constructor(
    readonly name: string,
    private readonly storage: Map<string, ClientRecord>,
    private readonly ledger: ClientLedger,
    private readonly now: () => number,
  ) {
    // TokenBucket starts its clock at the real Date.now(); start it on the sim clock.
    (this.sendBucket as unknown as { last: number }).last = now();
    const saved = storage.get(name);
    // A reload reads what was written: through JSON, as localStorage would give it back.
    this.record = saved ? (JSON.parse(JSON.stringify(saved)) as ClientRecord) : { clientId: name, nextSeq: 1, pending: [], confirmed: null };
    this.clientId = this.record.clientId;
    if (this.record.confirmed) {
      this.replica = new Replica({ ...this.record.confirmed, pending: this.record.pending, nextSeq: this.record.nextSeq });
    }
    this.persist();
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  get synced(): boolean {
    return this.ready && !this.awaitingResync;
  }

  /** SyncClient.mutate: validate, apply optimistically, persist, pump. */
  mutate(mutation: Mutation): boolean {
    if (!this.replica) return false;
    const checked = parseMutation(mutation);
    if (!checked.ok) return false;
    const result = this.replica.mutate(checked.mutation, this.now());
    if (!result.ok) return false;
    this.ledger.created.set(key(this.clientId, result.pending.clientSeq), checked.mutation);
    this.persist();
    this.pump();
    return true;
  }

  /** Time passes: fire the pump timer if it is due. */
  tick(): void {
    if (this.pumpDueAt !== null && this.now() >= this.pumpDueAt) {
      this.pumpDueAt = null;
      this.pump();
    }
  }

  /** SyncClient.pump: send pending mutations not yet sent on this connection, in order, within the send rate. */
  private pump(): void {
    if (!this.ready || this.awaitingResync || !this.replica || this.pumpDueAt !== null) return;
    for (const p of this.replica.pending) {
      if (p.clientSeq <= this.sentUpTo) continue;
      if (!this.sendBucket.take(this.now())) {
        this.pumpDueAt = this.now() + 1000 / SEND_RATE;
        return;
      }
      this.send({ type: 'mutate', clientId: this.clientId, clientSeq: p.clientSeq, mutation: p.mutation });
      this.sentUpTo = p.clientSeq;
    }
  }

  /** A hostile or buggy frame outside the normal path: must be refused and change nothing. */
  sendRaw(frame: string): void {
    this.conn?.clientSend(frame);
  }

  /** partysocket opened a new connection: say hello. */
  open(conn: Connection): void {
    this.conn = conn;
    this.sendHello();
  }

  /** The network (or the tab) drops the socket; `inFlight` frames still reach the server. */
  drop(inFlight: number): void {
    this.conn?.clientClose(inFlight);
    this.onClose();
  }

  /** Deliver the next server → client frame. */
  receive(): void {
    const conn = this.conn;
    const frame = conn?.toClient.shift();
    if (!conn || frame === undefined) return;
    if (frame === CLOSED) {
      conn.clientOpen = false;
      this.onClose();
      return;
    }
    if (frame === 'pong') return;
    this.handle(JSON.parse(frame) as ServerMessage);
  }

  private sendHello(): void {
    this.ready = false;
    this.awaitingResync = true;
    this.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      clientId: this.clientId,
      version: this.replica ? this.replica.version : null,
      peer: { name: this.name, color: '#336699' },
      listenOnly: false,
    });
  }

  private handle(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot': {
        if (this.replica) this.replica.resetTo(message.session, message.version);
        else this.replica = new Replica({ session: message.session, version: message.version, pending: this.record.pending, nextSeq: this.record.nextSeq });
        this.afterSync();
        return;
      }
      case 'catchup': {
        if (!this.replica) return this.sendHello();
        for (const change of message.changes) {
          if (this.replica.applyChange(change) === 'gap') return this.resync();
        }
        this.afterSync();
        return;
      }
      case 'change': {
        if (!this.replica || this.awaitingResync) return;
        if (message.clientSeq !== undefined) this.ledger.acked.add(key(this.clientId, message.clientSeq));
        const outcome = this.replica.applyChange(message, message.clientSeq);
        if (outcome === 'gap') return this.resync();
        this.persist();
        return;
      }
      case 'ack':
        this.ledger.acked.add(key(this.clientId, message.clientSeq));
        this.replica?.settle(message.clientSeq);
        this.persist();
        return;
      case 'error': {
        if (message.code === 'rate_limited' && message.clientSeq !== undefined) {
          // SyncClient: not applied, not lost; back off and resend from it, in order.
          this.sentUpTo = Math.min(this.sentUpTo, message.clientSeq - 1);
          this.pumpDueAt = this.now() + 1000;
          return;
        }
        if (message.clientSeq !== undefined && this.replica) {
          const refused = this.replica.reject(message.clientSeq);
          if (refused) {
            this.ledger.rejected.add(key(this.clientId, message.clientSeq));
            this.persist();
          }
        }
        return;
      }
      case 'peers':
      case 'clock':
        return;
    }
  }

  private afterSync(): void {
    this.ready = true;
    this.awaitingResync = false;
    // A new connection: everything still pending is sent again (the room acks duplicates).
    this.sentUpTo = 0;
    this.pump();
    this.persist();
  }

  private resync(): void {
    this.ledger.resyncs++;
    this.sendHello();
  }

  private onClose(): void {
    this.ready = false;
    this.pumpDueAt = null;
    this.conn = null;
  }

  private send(message: ClientMessage): void {
    if (this.conn?.clientOpen) this.conn.clientSend(JSON.stringify(message));
  }

  /**
   * SyncClient.persist. The store keeps a frozen copy of the record rather than its
   * JSON text (serialised only when read back, on reload): sessions are never changed
   * in place, so copying the pending list is enough, and the fuzz test stays fast.
   */
  private persist(): void {
    if (this.replica) {
      this.record.pending = this.replica.pending;
      this.record.nextSeq = this.replica.nextSeq;
      this.record.confirmed = { version: this.replica.version, session: this.replica.confirmed };
    }
    this.storage.set(this.name, { ...this.record, pending: this.record.pending.slice() });
  }
}
