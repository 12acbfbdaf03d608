/**
 * The session's durable state in the Durable Object's SQLite database (storage layout 2).
 *
 *   state     key/value rows; today one, 'snapshot': a JSON document holding this
 *             layout's version, the session as of `version` (in the current model), each
 *             writer's last processed clientSeq, and the KV counters
 *   log       a ring of LOG_SLOTS rows: slot = version % LOG_SLOTS, holding one applied
 *             change, its version and its clientId/clientSeq
 *   refusals  mutations the reducer refused (created with the first one), so that a
 *             resend is refused again instead of acknowledged
 *
 * An applied mutation writes exactly one row (an upsert into its ring slot), and that
 * row alone carries the change, its version and the dedupe record. Rows are staged by
 * `append` and written by `commit`, all of a group commit's in one transaction (see
 * RoomProtocol): a crash before the commit loses the whole batch and nothing else. Every COMPACT_EVERY
 * versions, and whenever KV is brought up to date, the state is folded into the
 * snapshot: one row, whatever the size of the session. The ring never needs deletes,
 * and the entries past the snapshot are always within it.
 *
 * On every wake the constructor of the room loads everything synchronously and runs
 * the forward-only migrations, each in one transaction: layout 1 (the per-track tables
 * of the first release) becomes layout 2, and a snapshot or log written in an older
 * model is lifted by core's `migrate`. Nothing is cached that cannot be rebuilt.
 */
import {
  applyMutation,
  CATCH_UP_VERSIONS,
  type Change,
  MODEL_VERSION,
  liftLoggedAt,
  migrateMutation,
  migrateSession,
  type Mutation,
  type RefusalCode,
  type Session,
} from '../../core';
import type { EarlierOutcome, RoomLog } from './RoomProtocol';

/** The layout this code writes. Older layouts are migrated on wake (see migrateLayout). */
export const STORAGE_LAYOUT = 2;
/** Catch-up window: a client this many versions behind gets a snapshot instead. */
export const LOG_SLOTS = CATCH_UP_VERSIONS;
/**
 * Fold the log into the snapshot when the ring is full: one row per LOG_SLOTS edits
 * (the entries after the fold always fit in the ring), and a wake replays at most that
 * many. The seeds' 150-edit session is never folded before its last editor leaves.
 */
export const COMPACT_EVERY = LOG_SLOTS;
/** Refused mutations remembered for resends, all writers together (see recordRefusal). */
export const REFUSALS_KEPT = 256;

const LOG_TABLE = `CREATE TABLE IF NOT EXISTS log (slot INTEGER PRIMARY KEY, version INTEGER NOT NULL, at REAL NOT NULL,
  client_id TEXT NOT NULL, client_seq INTEGER NOT NULL, author TEXT, mutation TEXT NOT NULL)`;
const REFUSALS_TABLE = `CREATE TABLE IF NOT EXISTS refusals (client_id TEXT NOT NULL, client_seq INTEGER NOT NULL,
  mutation TEXT, code TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (client_id, client_seq))`;

/** The 'snapshot' row. */
interface Snapshot {
  /** The storage layout that wrote it (STORAGE_LAYOUT). */
  layout: number;
  /** The model version the session (and every log row) is written in. */
  model: number;
  id: string;
  version: number;
  session: Session;
  /** clientId → highest clientSeq processed (applied or refused) as of `version`. */
  writers: Record<string, number>;
  createdAt: number;
  /** The version the KV projection holds, and how often it was written. */
  publishedVersion: number;
  kvWrites: number;
}

interface Counters {
  /** The version folded into the snapshot row. */
  compactedVersion: number;
  publishedVersion: number;
  kvWrites: number;
  createdAt: number;
}

/** One row of the log table. */
interface LogRow {
  version: number;
  at: number;
  client_id: string;
  client_seq: number;
  author: string | null;
  mutation: string;
}

export interface LoadedState {
  id: string;
  session: Session;
  version: number;
  counters: Counters;
}

/** Why a room's storage could not be loaded (it is left as it was, for a later fix). */
export interface LoadFailure {
  reason: 'too_new' | 'invalid' | 'unreadable';
  message: string;
}

export class RoomStorage implements RoomLog {
  private state: LoadedState | null = null;
  private failure: LoadFailure | null = null;
  /** clientId → highest clientSeq processed, rebuilt on load from the snapshot, ring and refusals. */
  private lastSeq = new Map<string, number>();
  /** `${clientId}#${clientSeq}` → refusal, mirrored from the refusals table. */
  private refusals = new Map<string, { mutation: string | null; code: RefusalCode; message: string }>();
  private refusalsTable = false;
  /** Log rows appended and not yet written: the open batch of the group commit. */
  private staged: LogRow[] = [];
  /** Counters kept for benchmarks and tests (cumulative since this instance loaded). */
  readonly stats = { rowsWritten: 0, mutationsApplied: 0, commits: 0 };

  constructor(
    private readonly sql: SqlStorage,
    private readonly transactionSync: <T>(fn: () => T) => T,
  ) {
    this.load();
  }

  get loaded(): LoadedState | null {
    return this.state;
  }

  /** Set when the room holds a session this code cannot read (logged; nothing was changed). */
  get loadError(): LoadFailure | null {
    return this.failure;
  }

  private tables(): Set<string> {
    const rows = this.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type='table'`).toArray();
    return new Set(rows.map((r) => r.name));
  }

  private load(): void {
    this.staged = [];
    this.state = null;
    this.failure = null;
    this.lastSeq.clear();
    this.refusals.clear();
    const tables = this.tables();
    // Never seeded: nothing to load, and nothing is created (invariant 5).
    if (!tables.has('state') && !tables.has('meta')) return;
    try {
      if (!tables.has('state')) this.transactionSync(() => this.migrateLayout1());
      else this.loadLayout2(tables);
    } catch (error) {
      // A failed migration rolls back with its transaction: storage stays as it was.
      this.state = null;
      this.failure ??= { reason: 'unreadable', message: error instanceof Error ? error.message : String(error) };
    }
    if (this.failure) console.error(`session storage unreadable (${this.failure.reason}): ${this.failure.message}`);
  }

  private loadLayout2(tables: Set<string>): void {
    const rows = new Map(
      this.sql
        .exec<{ key: string; value: string }>('SELECT key, value FROM state')
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    const snapshot = JSON.parse(rows.get('snapshot') ?? 'null') as Snapshot | null;
    if (!snapshot) throw new Error('no snapshot row');
    // The layout is part of the snapshot row: one row fewer for every session created.
    if (snapshot.layout > STORAGE_LAYOUT) {
      this.failure = { reason: 'too_new', message: `storage layout ${snapshot.layout}; this code reads up to ${STORAGE_LAYOUT}` };
      return;
    }
    this.refusalsTable = tables.has('refusals');
    if (snapshot.model !== MODEL_VERSION) {
      if (snapshot.model > MODEL_VERSION) {
        this.failure = { reason: 'too_new', message: `written by model ${snapshot.model}; this is model ${MODEL_VERSION}` };
        return;
      }
      this.transactionSync(() => this.migrateModel(snapshot));
      return;
    }
    this.loadFrom(snapshot);
  }

  /** Build the in-memory state from a current-model snapshot plus the log tail and refusals. */
  private loadFrom(snapshot: Snapshot): void {
    let session = snapshot.session;
    let version = snapshot.version;
    for (const [clientId, seq] of Object.entries(snapshot.writers)) this.lastSeq.set(clientId, seq);
    const entries = this.sql
      .exec<{ version: number; at: number; client_id: string; client_seq: number; mutation: string }>(
        'SELECT version, at, client_id, client_seq, mutation FROM log WHERE version > ? ORDER BY version',
        snapshot.version,
      )
      .toArray();
    for (const entry of entries) {
      if (entry.version !== version + 1) break; // never replay past a hole
      const result = applyMutation(session, JSON.parse(entry.mutation) as Mutation, entry.at);
      if (result.ok) session = result.session;
      version = entry.version;
      this.noteSeq(entry.client_id, entry.client_seq);
    }
    if (this.refusalsTable) {
      for (const row of this.sql.exec<{ client_id: string; client_seq: number; mutation: string | null; code: string; message: string }>(
        'SELECT client_id, client_seq, mutation, code, message FROM refusals',
      )) {
        this.refusals.set(refusalKey(row.client_id, row.client_seq), {
          mutation: row.mutation,
          code: row.code as RefusalCode,
          message: row.message,
        });
        this.noteSeq(row.client_id, row.client_seq);
      }
    }
    this.state = {
      id: snapshot.id,
      session,
      version,
      counters: {
        compactedVersion: snapshot.version,
        publishedVersion: snapshot.publishedVersion,
        kvWrites: snapshot.kvWrites,
        createdAt: snapshot.createdAt,
      },
    };
  }

  private noteSeq(clientId: string, seq: number): void {
    if (seq > (this.lastSeq.get(clientId) ?? 0)) this.lastSeq.set(clientId, seq);
  }

  // ---- migrations (each runs inside one transaction) ---------------------------------------

  /**
   * Layout 1 (first release): `meta` rows (id, the session without tracks, counters),
   * one `tracks` row per track, `clients` (last seq per writer), a 1024-slot `log`, and
   * `refusals` without the refused mutation. Fold it into the snapshot, keep the newest
   * LOG_SLOTS log entries (lifted to the current model) in the smaller ring, drop the rest.
   */
  private migrateLayout1(): void {
    const meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>('SELECT key, value FROM meta')
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    const id = meta.get('id');
    const doc = JSON.parse(meta.get('doc') ?? 'null') as (Record<string, unknown> & { trackOrder: string[] }) | null;
    const counters = JSON.parse(meta.get('counters') ?? 'null') as (Omit<Counters, 'createdAt'> & { createdAt?: number }) | null;
    if (!id || !doc || !counters) throw new Error('layout 1: meta rows missing');
    const trackRows = new Map(
      this.sql
        .exec<{ id: string; json: string }>('SELECT id, json FROM tracks')
        .toArray()
        .map((r) => [r.id, JSON.parse(r.json) as unknown]),
    );
    const { trackOrder, ...rest } = doc;
    const lifted = migrateSession({ ...rest, tracks: trackOrder.map((t) => trackRows.get(t)).filter(Boolean) }, 1);
    if (!lifted.ok) {
      this.failure = { reason: lifted.reason, message: `layout 1 session: ${lifted.message}` };
      return;
    }
    const writers: Record<string, number> = {};
    for (const row of this.sql.exec<{ client_id: string; last_seq: number }>('SELECT client_id, last_seq FROM clients')) {
      writers[row.client_id] = row.last_seq;
    }
    const entries = this.sql
      .exec<{ version: number; at: number; client_id: string; client_seq: number; author: string | null; mutation: string }>(
        'SELECT version, at, client_id, client_seq, author, mutation FROM log ORDER BY version',
      )
      .toArray();
    const log = this.liftEntries(entries, 1);
    // Replay what was logged after the last compaction onto the compacted session.
    let session = lifted.value;
    let version = counters.compactedVersion;
    for (const entry of log) {
      if (entry.version <= version) continue;
      if (entry.version !== version + 1) break;
      const result = applyMutation(session, JSON.parse(entry.mutation) as Mutation, entry.at);
      if (result.ok) session = result.session;
      version = entry.version;
      writers[entry.client_id] = Math.max(writers[entry.client_id] ?? 0, entry.client_seq);
    }
    const tables = this.tables();
    const snapshot: Snapshot = {
      layout: STORAGE_LAYOUT,
      model: MODEL_VERSION,
      id,
      version,
      session,
      writers,
      createdAt: counters.createdAt ?? 0,
      publishedVersion: counters.publishedVersion,
      kvWrites: counters.kvWrites,
    };
    this.createLayout2(snapshot);
    this.rewriteLog(log.filter((e) => e.version <= version && e.version > version - LOG_SLOTS));
    if (tables.has('refusals')) {
      this.exec('ALTER TABLE refusals ADD COLUMN mutation TEXT');
      this.refusalsTable = true;
    }
    for (const table of ['meta', 'tracks', 'clients']) this.exec(`DROP TABLE IF EXISTS ${table}`);
    this.loadFrom(snapshot);
  }

  /** A snapshot (and log) in an older model: lift both and write them back in the current one. */
  private migrateModel(snapshot: Snapshot): void {
    const lifted = migrateSession(snapshot.session, snapshot.model);
    if (!lifted.ok) {
      this.failure = { reason: lifted.reason, message: `snapshot: ${lifted.message}` };
      return;
    }
    const entries = this.sql
      .exec<{ version: number; at: number; client_id: string; client_seq: number; author: string | null; mutation: string }>(
        'SELECT version, at, client_id, client_seq, author, mutation FROM log ORDER BY version',
      )
      .toArray();
    const next: Snapshot = { ...snapshot, model: MODEL_VERSION, session: lifted.value };
    this.writeSnapshotRow(next);
    this.rewriteLog(this.liftEntries(entries, snapshot.model));
    if (this.refusalsTable) this.liftRefusals(snapshot.model);
    this.loadFrom(next);
  }

  /**
   * Refused mutations stored in an older model, lifted like the log: a resend (lifted
   * by the room before it is compared) must still match the stored JSON to be refused
   * again. One that cannot be lifted keeps its refusal without the mutation (null: any
   * resend under that clientSeq is refused again, as for layout 1's rows).
   */
  private liftRefusals(model: number): void {
    const rows = this.sql
      .exec<{ client_id: string; client_seq: number; mutation: string | null }>(
        'SELECT client_id, client_seq, mutation FROM refusals WHERE mutation IS NOT NULL',
      )
      .toArray();
    for (const row of rows) {
      const m = migrateMutation(parseJson(row.mutation!), model);
      if (!m.ok) console.error(`refusal ${row.client_id}#${row.client_seq} kept without its mutation: ${m.message}`);
      const mutation = m.ok ? JSON.stringify(m.value) : null;
      if (mutation === row.mutation) continue;
      this.exec('UPDATE refusals SET mutation = ? WHERE client_id = ? AND client_seq = ?', mutation, row.client_id, row.client_seq);
    }
  }

  /**
   * Log entries with their mutations lifted from `model`, and the clock they replay with
   * (a launch's: liftLoggedAt); an entry that cannot be lifted ends the list.
   */
  private liftEntries<E extends { mutation: string; version: number; at: number }>(entries: E[], model: number): E[] {
    const out: E[] = [];
    for (const entry of entries) {
      const m = migrateMutation(JSON.parse(entry.mutation) as unknown, model);
      if (!m.ok) {
        console.error(`log entry ${entry.version} dropped in migration: ${m.message}`);
        break;
      }
      out.push({ ...entry, mutation: JSON.stringify(m.value), at: liftLoggedAt(m.value, entry.at, model) });
    }
    return out;
  }

  private rewriteLog(
    entries: { version: number; at: number; client_id: string; client_seq: number; author: string | null; mutation: string }[],
  ): void {
    this.exec('DROP TABLE IF EXISTS log');
    this.exec(LOG_TABLE);
    for (const e of entries) this.upsertLog(e.version, e.at, e.client_id, e.client_seq, e.author, e.mutation);
  }

  // ---- writes -------------------------------------------------------------------------------

  private createLayout2(snapshot: Snapshot): void {
    this.exec('CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
    this.exec(LOG_TABLE);
    this.exec(`INSERT INTO state (key, value) VALUES ('snapshot', ?)`, JSON.stringify(snapshot));
  }

  /**
   * Seed a brand-new session. Refuses to overwrite an existing one. `version` is 0
   * except for an adopted legacy document, which keeps counting from its own.
   */
  seed(id: string, session: Session, now: number, version = 0): void {
    if (this.state || this.failure) throw new Error('session already exists');
    this.transactionSync(() => {
      const snapshot: Snapshot = {
        layout: STORAGE_LAYOUT,
        model: MODEL_VERSION,
        id,
        version,
        session,
        writers: {},
        createdAt: now,
        publishedVersion: 0,
        kvWrites: 0,
      };
      this.createLayout2(snapshot);
      this.loadFrom(snapshot);
    });
  }

  lastClientSeq(clientId: string): number {
    return this.lastSeq.get(clientId) ?? 0;
  }

  /**
   * Apply one change: the state moves on in memory at once, and its row — a single row
   * in the ring — is staged until `commit()`. The caller has already validated and
   * applied it; `next` is the resulting session.
   */
  append(change: Change, next: Session, clientId: string, clientSeq: number): void {
    const state = this.requireState();
    this.staged.push({
      version: change.version,
      at: change.at,
      client_id: clientId,
      client_seq: clientSeq,
      author: change.by,
      mutation: JSON.stringify(change.mutation),
    });
    state.session = next;
    state.version = change.version;
    this.lastSeq.set(clientId, clientSeq);
    this.stats.mutationsApplied++;
  }

  /**
   * Write every staged row in one transaction (a group commit), folding the log into
   * the snapshot in the same transaction when the ring is full. If the transaction
   * fails nothing of it is written: the state is reloaded from storage (the staged
   * changes are gone, as after a crash) and the error is thrown.
   */
  commit(): void {
    if (this.staged.length === 0) return;
    try {
      this.transactionSync(() => this.writeStaged());
      this.stats.commits++;
    } catch (error) {
      this.load();
      throw error;
    }
  }

  /**
   * Write the staged rows into the implicit transaction of this turn. Every other method
   * that touches SQL calls it first, so storage never reads or writes around them.
   */
  private writeStaged(): void {
    if (this.staged.length === 0) return;
    const rows = this.staged;
    this.staged = [];
    for (const r of rows) this.upsertLog(r.version, r.at, r.client_id, r.client_seq, r.author, r.mutation);
    const state = this.requireState();
    if (state.version - state.counters.compactedVersion >= COMPACT_EVERY) this.compact();
  }

  private upsertLog(version: number, at: number, clientId: string, clientSeq: number, author: string | null, mutation: string): void {
    this.exec(
      `INSERT INTO log (slot, version, at, client_id, client_seq, author, mutation) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(slot) DO UPDATE SET version=excluded.version, at=excluded.at, client_id=excluded.client_id,
         client_seq=excluded.client_seq, author=excluded.author, mutation=excluded.mutation`,
      version % LOG_SLOTS,
      version,
      at,
      clientId,
      clientSeq,
      author,
      mutation,
    );
  }

  /**
   * Remember a refused mutation, so that a resend after a later clientSeq applied (its
   * error lost with a dropped connection) is refused again rather than acknowledged:
   * the author then learns of it. Refusals are rare; the newest REFUSALS_KEPT are kept,
   * and a writer's are forgotten once its hello says it will not resend them.
   */
  recordRefusal(clientId: string, clientSeq: number, mutation: string, code: RefusalCode, message: string): void {
    this.writeStaged();
    if (!this.refusalsTable) {
      this.exec(REFUSALS_TABLE);
      this.refusalsTable = true;
    }
    this.exec(
      `INSERT INTO refusals (client_id, client_seq, mutation, code, message) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(client_id, client_seq) DO UPDATE SET mutation=excluded.mutation, code=excluded.code, message=excluded.message`,
      clientId,
      clientSeq,
      mutation,
      code,
      message,
    );
    this.refusals.set(refusalKey(clientId, clientSeq), { mutation, code, message });
    this.noteSeq(clientId, clientSeq);
    if (this.refusals.size > REFUSALS_KEPT) {
      // A writer's last processed seq may live only in a refusal row: fold it into the
      // snapshot before any row goes. A resend of a forgotten refusal is then unknown
      // and refused as a conflict, never acknowledged.
      this.compact(true);
      this.exec(`DELETE FROM refusals WHERE rowid NOT IN (SELECT rowid FROM refusals ORDER BY rowid DESC LIMIT ${REFUSALS_KEPT})`);
      this.reloadRefusals();
    }
  }

  /** A writer's hello says it will never resend below `clientSeq`: its older refusals can go. */
  forgetRefusalsBelow(clientId: string, clientSeq: number): void {
    const stale = [...this.refusals.keys()].filter((k) => {
      const [id, seq] = splitRefusalKey(k);
      return id === clientId && seq < clientSeq;
    });
    if (stale.length === 0) return;
    this.transactionSync(() => {
      this.writeStaged();
      this.compact(true);
      this.exec('DELETE FROM refusals WHERE client_id = ? AND client_seq < ?', clientId, clientSeq);
    });
    for (const k of stale) this.refusals.delete(k);
  }

  private reloadRefusals(): void {
    this.refusals.clear();
    for (const row of this.sql.exec<{ client_id: string; client_seq: number; mutation: string | null; code: string; message: string }>(
      'SELECT client_id, client_seq, mutation, code, message FROM refusals',
    )) {
      this.refusals.set(refusalKey(row.client_id, row.client_seq), {
        mutation: row.mutation,
        code: row.code as RefusalCode,
        message: row.message,
      });
    }
  }

  earlier(clientId: string, clientSeq: number): EarlierOutcome | null {
    this.writeStaged();
    const refusal = this.refusals.get(refusalKey(clientId, clientSeq));
    if (refusal) return { outcome: 'refused', ...refusal };
    const row = this.sql
      .exec<{ version: number; mutation: string }>(
        'SELECT version, mutation FROM log WHERE client_id = ? AND client_seq = ?',
        clientId,
        clientSeq,
      )
      .toArray()[0];
    return row ? { outcome: 'applied', mutation: row.mutation, version: row.version } : null;
  }

  /** Changes after `fromVersion`, if the ring still holds all of them; null otherwise. */
  changesSince(fromVersion: number): Change[] | null {
    this.writeStaged();
    const state = this.requireState();
    if (fromVersion === state.version) return [];
    if (fromVersion > state.version || state.version - fromVersion >= LOG_SLOTS) return null;
    const rows = this.sql
      .exec<{ version: number; at: number; author: string | null; mutation: string }>(
        'SELECT version, at, author, mutation FROM log WHERE version > ? ORDER BY version',
        fromVersion,
      )
      .toArray();
    if (rows.length !== state.version - fromVersion || rows[0]?.version !== fromVersion + 1) return null;
    return rows.map((r) => ({ version: r.version, at: r.at, by: r.author, mutation: JSON.parse(r.mutation) as Mutation }));
  }

  /** Fold the log into the snapshot row: one row written. `force` writes it even when nothing changed. */
  compact(force = false): void {
    this.writeStaged();
    const state = this.requireState();
    if (!force && state.counters.compactedVersion === state.version) return;
    state.counters = { ...state.counters, compactedVersion: state.version };
    this.writeSnapshotRow(this.snapshotOf(state));
  }

  /** Record that KV now holds `version`, folding the log into the snapshot in the same row. */
  markPublished(version: number): void {
    const state = this.requireState();
    state.counters = { ...state.counters, publishedVersion: version, kvWrites: state.counters.kvWrites + 1 };
    this.compact(true);
  }

  private snapshotOf(state: LoadedState): Snapshot {
    return {
      layout: STORAGE_LAYOUT,
      model: MODEL_VERSION,
      id: state.id,
      version: state.counters.compactedVersion,
      session: state.session,
      writers: Object.fromEntries(this.lastSeq),
      createdAt: state.counters.createdAt,
      publishedVersion: state.counters.publishedVersion,
      kvWrites: state.counters.kvWrites,
    };
  }

  private writeSnapshotRow(snapshot: Snapshot): void {
    this.exec(
      `INSERT INTO state (key, value) VALUES ('snapshot', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
      JSON.stringify(snapshot),
    );
  }

  /** Drop all cached state and read it again from SQLite (used by tests to prove durability). */
  reload(): void {
    this.load();
  }

  private exec(query: string, ...bindings: unknown[]): void {
    const cursor = this.sql.exec(query, ...bindings);
    cursor.toArray();
    this.stats.rowsWritten += cursor.rowsWritten;
  }

  private requireState(): LoadedState {
    if (!this.state) throw new Error('session not seeded');
    return this.state;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const refusalKey = (clientId: string, clientSeq: number) => `${clientId}#${clientSeq}`;
function splitRefusalKey(key: string): [string, number] {
  const at = key.lastIndexOf('#');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
