/**
 * A client in the fuzz test: the real ClientProtocol (app/sync/ClientProtocol.ts, the
 * state machine SyncClient runs in the browser) hosted on a simulated connection, a
 * simulated clock and timers, and a string store standing in for localStorage.
 * "Reload" throws the object away and builds a new one from the store. This file
 * only plays the browser's part and keeps the ledger the checks read.
 */
import type { ClientRecord } from '../../../app/sync/clientRecord';
import { ClientProtocol } from '../../../app/sync/ClientProtocol';
import type { Mutation, Replica } from '../../../core';
import { key } from './MemoryRoomLog';
import { CLOSED, type Connection } from './network';

export type { ClientRecord };

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
  /** Times a client took a fresh clientId after a seq_conflict. */
  reidentified: number;
  /** New key → the key the same edit had before its client took a fresh clientId. */
  renamed: Map<string, string>;
}

export function newLedger(): ClientLedger {
  return { created: new Map(), acked: new Set(), rejected: new Set(), resyncs: 0, reidentified: 0, renamed: new Map() };
}

/** Fresh clientIds never repeat, across reloads and runs (a page's random UUID, in effect). */
let renamesInAllWorlds = 0;

export class SimClient {
  conn: Connection | null = null;
  private readonly protocol: ClientProtocol;
  /** setTimeout on the simulated clock: fired by tick() once due. */
  private readonly timers = new Map<number, { due: number; fire: () => void }>();
  private nextTimer = 1;

  constructor(
    readonly name: string,
    storage: Map<string, ClientRecord>,
    private readonly ledger: ClientLedger,
    private readonly now: () => number,
  ) {
    const saved = storage.get(name);
    // A reload reads what was written: through JSON, as localStorage would give it back.
    const record: ClientRecord = saved
      ? (JSON.parse(JSON.stringify(saved)) as ClientRecord)
      : { clientId: name, nextSeq: 1, pending: [], confirmed: null, heartbeat: 0 };
    this.protocol = new ClientProtocol(record, {
      send: (frame) => {
        if (this.conn?.clientOpen) this.conn.clientSend(frame);
      },
      now,
      serverNow: now,
      setTimer: (fire, ms) => {
        const id = this.nextTimer++;
        this.timers.set(id, { due: now() + ms, fire });
        return id;
      },
      clearTimer: (id) => this.timers.delete(id as number),
      // ClientRecordStore.save: the confirmed snapshot is written only when asked. The
      // store keeps a copy of the record rather than its JSON text (serialised when read
      // back, on reload): sessions are never changed in place, so copying the pending
      // list is enough, and the fuzz test stays fast.
      save: (r, withConfirmed) => {
        const confirmed = withConfirmed ? r.confirmed : (storage.get(name)?.confirmed ?? null);
        storage.set(name, { ...r, pending: r.pending.slice(), confirmed });
        return true;
      },
      newClientId: () => `${name}_r${++renamesInAllWorlds}`,
      // The same edits now go by new keys: the checks follow them.
      reidentified: (oldId, newId, moves) => {
        ledger.reidentified++;
        for (const { from, to } of moves) {
          const mutation = ledger.created.get(key(oldId, from));
          if (!mutation) continue;
          ledger.created.delete(key(oldId, from));
          ledger.created.set(key(newId, to), mutation);
          ledger.renamed.set(key(newId, to), key(oldId, from));
        }
      },
      identity: () => ({ name, color: '#336699' }),
      // A reload is the same tab; a twin is another tab.
      tabId: () => name,
      changed: () => {},
      synced: () => {},
      acknowledged: (clientSeq) => ledger.acked.add(key(this.clientId, clientSeq)),
      error: (_message, refused) => {
        if (refused) ledger.rejected.add(key(this.clientId, refused.clientSeq));
      },
      resyncing: () => ledger.resyncs++,
    });
    // ClientRecordStore.open saves the record it opens, confirmed snapshot included.
    this.protocol.persist(true);
  }

  get clientId(): string {
    return this.protocol.clientId;
  }

  get replica(): Replica | null {
    return this.protocol.replica;
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  get synced(): boolean {
    return this.protocol.synced;
  }

  mutate(mutation: Mutation): boolean {
    const result = this.protocol.mutate(mutation);
    if (result.ok) this.ledger.created.set(key(this.clientId, result.pending.clientSeq), result.pending.mutation);
    return result.ok;
  }

  /** Time passes: fire the timers that are due, earliest first. */
  tick(): void {
    const due = [...this.timers].filter(([, t]) => t.due <= this.now()).sort(([, a], [, b]) => a.due - b.due);
    for (const [id, timer] of due) {
      if (!this.timers.delete(id)) continue; // cleared by an earlier one
      timer.fire();
    }
  }

  /** A hostile or buggy frame outside the normal path: must be refused and change nothing. */
  sendRaw(frame: string): void {
    this.conn?.clientSend(frame);
  }

  /** partysocket opened a new connection: say hello. */
  open(conn: Connection): void {
    this.conn = conn;
    this.protocol.opened();
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
    this.protocol.receive(JSON.parse(frame));
  }

  private onClose(): void {
    this.protocol.closed();
    this.conn = null;
  }
}
