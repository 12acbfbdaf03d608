/**
 * The simulated world: one SimServer, several SimClients and the network between
 * them, driven by a list of commands (from fast-check). After the commands it lets
 * everyone reconnect and drains every queue, then checks:
 *
 *  - every replica's view and confirmed state equal the server's, at its version,
 *    with nothing pending;
 *  - during the run, every replica's confirmed state was always the server's state at
 *    the replica's version (never a state the server never had), and versions never
 *    went down;
 *  - every acknowledgement names a change the server applied, and that very mutation
 *    (never a different edit sent under the same clientId and clientSeq); none was
 *    applied twice; and every mutation a client queued was either applied or refused by
 *    the server with its clientSeq.
 *
 * The room's group commit is the world's to time: a change it applied is staged until a
 * 'commit' command (or the settling rounds) flushes the batch, and a restart before that
 * loses the batch. Any frame about a staged change that left before its commit shows up
 * as a replica holding a state the server no longer has.
 *
 * "Twins" are a second page using the same clientId as a client — two tabs that
 * adopted one orphaned record at the same moment, or a reconnect racing an old socket
 * — each making its own edits: the room must keep their edits apart (seq_conflict)
 * and still acknowledge only what it applied.
 */
import * as v from 'valibot';
import { describeIssues, type Session, SessionSchema, sessionFromTemplate } from '../../../core';
import { canonical, sameJson } from './canonical';
import { mutationFor, ROGUE_FRAMES, type Intent } from './mutations';
import { Connection } from './network';
import { newLedger, SimClient, type ClientLedger, type ClientRecord } from './SimClient';
import { SimServer, type SimServerOptions } from './SimServer';

export type Command =
  | { c: 'mutate'; client: number; intent: Intent }
  /** A burst of edits in one go (drag-to-paint, a pasted pattern). */
  | { c: 'paint'; client: number; count: number; intent: Intent }
  | { c: 'toServer'; pick: number }
  | { c: 'toClient'; pick: number; count: number }
  | { c: 'drop'; client: number; inFlight: number }
  | { c: 'connect'; client: number }
  | { c: 'reload'; client: number; inFlight: number }
  | { c: 'restart' }
  /** The room's open batch commits (its storage confirmed the commit before). */
  | { c: 'commit' }
  | { c: 'tick'; ms: number }
  | { c: 'rogue'; client: number; which: number }
  /** A second page opens with the same saved record (and so the same clientId) as `client`. */
  | { c: 'twin'; client: number };

export interface WorldOptions extends Partial<SimServerOptions> {
  clients: number;
}

export interface WorldReport {
  versions: number;
  created: number;
  acked: number;
  rejected: number;
  /** Acked as a duplicate although the server had refused it (its refusal was lost with a connection). */
  ackedAfterLostRefusal: number;
  server: SimServer['stats'];
  resyncs: number;
  /** Clients that took a fresh clientId after a seq_conflict. */
  reidentified: number;
  twins: number;
  /** Changes the room applied, by mutation type. */
  appliedTypes: Map<string, number>;
  /** Edits the room refused, by code. */
  refusalCodes: Map<string, number>;
}

const T0 = 1_700_000_000_000;

export class World {
  clock = T0;
  readonly server: SimServer;
  readonly clients: SimClient[] = [];
  private readonly storages: Map<string, ClientRecord>[] = [];
  readonly ledger: ClientLedger = newLedger();
  /** Twins keep their own ledger: their keys collide with their sibling's on purpose. */
  readonly twinLedger: ClientLedger = newLedger();
  private twins = 0;
  private readonly connections: Connection[] = [];
  private readonly lastVersion = new Map<string, number>();

  constructor(
    readonly options: WorldOptions,
    initial: Session = sessionFromTemplate('starter', T0)!,
  ) {
    this.server = new SimServer(initial, { logSlots: 16, ...options }, () => this.clock);
    for (let i = 0; i < options.clients; i++) {
      this.storages.push(new Map());
      this.clients.push(new SimClient(`client-${i}`, this.storages[i]!, this.ledger, () => this.clock));
    }
    // Everyone opens the page at the start; commands drop and reconnect them later.
    for (const client of this.clients) this.connect(client);
  }

  run(commands: readonly Command[]): WorldReport {
    for (const command of commands) {
      this.clock += 10;
      for (const client of this.clients) client.tick();
      this.step(command);
      this.checkReplicas();
    }
    this.settle();
    this.checkFinal();
    return this.report();
  }

  step(command: Command): void {
    switch (command.c) {
      case 'mutate': {
        const client = this.client(command.client);
        if (client.replica) client.mutate(mutationFor(client.replica.view, command.intent, this.clock));
        return;
      }
      case 'paint': {
        const client = this.client(command.client);
        for (let i = 0; i < command.count && client.replica; i++) {
          const intent = { ...command.intent, a: command.intent.a + i };
          client.mutate(mutationFor(client.replica.view, intent, this.clock));
        }
        return;
      }
      case 'toServer': {
        const busy = this.connections.filter((c) => c.toServer.length > 0);
        if (busy.length > 0) this.server.deliver(busy[command.pick % busy.length]!);
        return;
      }
      case 'toClient': {
        const busy = this.clients.filter((c) => c.conn && c.conn.toClient.length > 0);
        if (busy.length === 0) return;
        const client = busy[command.pick % busy.length]!;
        for (let i = 0; i < command.count; i++) client.receive();
        return;
      }
      case 'drop':
        this.client(command.client).drop(command.inFlight);
        return;
      case 'connect':
        this.connect(this.client(command.client));
        return;
      case 'reload': {
        const i = command.client % this.clients.length;
        const old = this.clients[i]!;
        old.drop(command.inFlight);
        // The confirmed snapshot is saved at most every 2 s, so a reloaded page may start
        // from an older version than it showed: versions never go down within one page.
        this.lastVersion.delete(old.name);
        this.clients[i] = new SimClient(
          old.name,
          this.storages[i]!,
          old.name.endsWith('-twin') ? this.twinLedger : this.ledger,
          () => this.clock,
        );
        return;
      }
      case 'restart':
        this.server.restart();
        return;
      case 'commit':
        this.server.commit();
        return;
      case 'tick':
        this.clock += command.ms;
        for (const client of this.clients) client.tick();
        return;
      case 'twin': {
        const i = command.client % this.clients.length;
        const name = `${this.clients[i]!.name}-twin`;
        if (this.twins >= 2 || this.clients[i]!.name.endsWith('-twin') || this.clients.some((c) => c.name === name)) return;
        this.twins++;
        // Its own copy of the same saved record: it goes on under the same clientId.
        const storage = new Map([[name, structuredClone(this.storages[i]!.get(this.clients[i]!.name)!)]]);
        const twin = new SimClient(name, storage, this.twinLedger, () => this.clock);
        this.storages.push(storage);
        this.clients.push(twin);
        this.connect(twin);
        return;
      }
      case 'rogue': {
        const frame = ROGUE_FRAMES[command.which % ROGUE_FRAMES.length]!(1_000_000 + command.which);
        this.client(command.client).sendRaw(frame);
        return;
      }
    }
  }

  private client(n: number): SimClient {
    return this.clients[n % this.clients.length]!;
  }

  private connect(client: SimClient): void {
    if (client.connected) return;
    const conn = new Connection(client.clientId);
    this.connections.push(conn);
    this.server.accept(conn);
    client.open(conn);
  }

  /** Everyone comes back online; deliver everything until nothing moves. */
  private settle(): void {
    for (let round = 0; round < 1000; round++) {
      for (const client of this.clients) this.connect(client);
      let moved = true;
      for (let guard = 0; moved && guard < 100_000; guard++) {
        moved = false;
        // Frames move at a realistic pace, so the paced clients keep within the limit.
        this.clock += 10;
        for (const client of this.clients) client.tick();
        for (const conn of this.connections) {
          if (conn.toServer.length > 0) {
            this.server.deliver(conn);
            moved = true;
          }
        }
        // The changes delivered in this round commit together.
        this.server.commit();
        for (const client of this.clients) {
          if (client.conn && client.conn.toClient.length > 0) {
            client.receive();
            this.checkReplicas();
            moved = true;
          }
        }
      }
      const drained = this.clients.every((c) => c.connected && c.synced && c.replica?.pending.length === 0);
      if (drained && this.connections.every((c) => c.idle)) return;
      // Pending edits still waiting for the pump: let time pass.
      this.clock += 100;
    }
    throw new Error('the world never settled');
  }

  /** Invariants that hold at every moment, not just at the end. */
  private checkReplicas(): void {
    for (const client of this.clients) {
      const replica = client.replica;
      if (!replica) continue;
      if (replica.version > this.server.version) {
        throw new Error(`${client.name} is at version ${replica.version}, beyond the server's ${this.server.version}`);
      }
      const last = this.lastVersion.get(client.name) ?? 0;
      if (replica.version < last) throw new Error(`${client.name} went back from version ${last} to ${replica.version}`);
      this.lastVersion.set(client.name, replica.version);
      if (!this.checked.has(replica.confirmed) && !sameJson(replica.confirmed, this.server.history[replica.version])) {
        throw new Error(`${client.name}'s confirmed state at version ${replica.version} is not the server's state at that version`);
      }
      this.checked.add(replica.confirmed);
    }
  }

  /** Replicas replace their confirmed object on every change: check each object once. */
  private readonly checked = new WeakSet<Session>();

  private checkFinal(): void {
    const server = canonical(this.server.session);
    for (const client of this.clients) {
      const replica = client.replica;
      if (!replica) throw new Error(`${client.name} has no state`);
      if (replica.pending.length > 0) {
        throw new Error(
          `${client.name} still has ${replica.pending.length} pending: ${JSON.stringify(replica.pending.map((p) => p.clientSeq))}`,
        );
      }
      if (replica.version !== this.server.version)
        throw new Error(`${client.name} at version ${replica.version}, server at ${this.server.version}`);
      if (canonical(replica.confirmed) !== server) throw new Error(`${client.name}'s confirmed state differs from the server's`);
      if (canonical(replica.view) !== server) throw new Error(`${client.name}'s view differs from the server's`);
    }
    for (const [k, count] of this.server.appliedCount) {
      if (count !== 1) throw new Error(`${k} was applied ${count} times`);
    }
    for (const { created, acked } of [this.ledger, this.twinLedger]) {
      for (const k of acked) {
        // Acknowledged means applied: this very edit, under this clientId and clientSeq.
        const applied = this.server.appliedMutation.get(k);
        if (applied === undefined) {
          const codes = this.server.refused.get(k) ?? [];
          throw new Error(`${k} was acknowledged but never applied (refused: ${codes.join(', ') || 'never'}): lost`);
        }
        const mine = created.get(k);
        if (mine && applied !== JSON.stringify(mine)) throw new Error(`${k} was acknowledged, but a different edit was applied under it`);
      }
      for (const k of created.keys()) {
        if (!this.server.appliedCount.has(k) && !this.server.refused.has(k)) {
          throw new Error(`${k} was queued by its client but the server neither applied nor refused it`);
        }
      }
    }
    // The final state is exactly the log replayed: no change was applied out of order.
    if (this.server.history.length !== this.server.version + 1) throw new Error('history and version disagree');
    // …and a document the schema accepts: the reducer never makes what a stored copy could not be read back as.
    const parsed = v.safeParse(SessionSchema, this.server.session);
    if (!parsed.success) throw new Error(`the server's session fails SessionSchema: ${describeIssues(parsed.issues)}`);
  }

  private report(): WorldReport {
    const ledgers = [this.ledger, this.twinLedger];
    const sum = (f: (l: ClientLedger) => number) => ledgers.reduce((n, l) => n + f(l), 0);
    let ackedAfterLostRefusal = 0;
    for (const l of ledgers) for (const k of l.acked) if (!this.server.appliedCount.has(k)) ackedAfterLostRefusal++;
    return {
      versions: this.server.version,
      created: sum((l) => l.created.size),
      acked: sum((l) => l.acked.size),
      rejected: sum((l) => l.rejected.size),
      ackedAfterLostRefusal,
      server: { ...this.server.stats },
      resyncs: sum((l) => l.resyncs),
      reidentified: sum((l) => l.reidentified),
      twins: this.twins,
      appliedTypes: new Map(this.server.appliedTypes),
      refusalCodes: new Map(this.server.refusalCodes),
    };
  }
}
