/**
 * The session's durable state in the Durable Object's SQLite database.
 *
 *   meta     key/value rows: 'id', 'doc' (session without tracks, plus track order),
 *            'counters' (compactedVersion, publishedVersion, kvWrites)
 *   tracks   one row per track (JSON), as of compactedVersion
 *   log      a ring of LOG_SLOTS rows: slot = version % LOG_SLOTS, holding the change,
 *            its version and its clientId/clientSeq
 *   clients  last applied clientSeq per clientId, as of compactedVersion
 *
 * An applied mutation writes exactly one row (an upsert into its ring slot), and that
 * row alone carries the change, its version and the dedupe record. Every
 * COMPACT_EVERY versions (and whenever the room goes quiet) the state is folded into
 * `meta`/`tracks`/`clients`, writing only rows that changed. The ring never needs
 * deletes, and the entries past the compaction point are always within it.
 *
 * Nothing here is cached that cannot be rebuilt from these tables: the constructor of
 * the room loads everything synchronously, on every way the object wakes.
 */
import { applyMutation, type Change, type Mutation, type RefusalCode, type Session, type Track } from '../../core';

export const LOG_SLOTS = 1024;
/** Refused mutations remembered for resends (see recordRefusal). */
const REFUSALS_KEPT = 256;
const REFUSALS_TABLE = `CREATE TABLE IF NOT EXISTS refusals (client_id TEXT NOT NULL, client_seq INTEGER NOT NULL,
  code TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (client_id, client_seq))`;
export const COMPACT_EVERY = 256;

interface SessionDoc extends Omit<Session, 'tracks'> {
  trackOrder: string[];
}

interface Counters {
  compactedVersion: number;
  publishedVersion: number;
  kvWrites: number;
  createdAt: number;
}

export interface LoadedState {
  id: string;
  session: Session;
  version: number;
  counters: Counters;
}

/** Rows written by the last operation, summed from SQLite's own cursor counts. */
export interface WriteStats {
  rowsWritten: number;
}

export class RoomStorage {
  private state: LoadedState | null = null;
  /** clientId → last applied clientSeq, rebuilt on load from `clients` + ring. */
  private lastSeq = new Map<string, number>();
  /** JSON of each track as written to `tracks`, to write only the changed ones. */
  private writtenTracks = new Map<string, string>();
  /** Clients whose last seq moved since the last compaction. */
  private dirtyClients = new Set<string>();
  /** Counters kept for benchmarks and tests (cumulative since this instance loaded). */
  readonly stats = { rowsWritten: 0, mutationsApplied: 0 };

  constructor(private readonly sql: SqlStorage, private readonly transactionSync: <T>(fn: () => T) => T) {
    this.load();
  }

  get loaded(): LoadedState | null {
    return this.state;
  }

  /** True when this object has been seeded as a session. Never creates tables itself. */
  private tablesExist(): boolean {
    return this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).toArray().length > 0;
  }

  private load(): void {
    this.state = null;
    this.lastSeq.clear();
    this.writtenTracks.clear();
    this.dirtyClients.clear();
    if (!this.tablesExist()) return;
    // Sessions seeded before the refusals table existed get it on their first wake.
    this.sql.exec(REFUSALS_TABLE);
    const meta = new Map<string, string>();
    for (const row of this.sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta')) {
      meta.set(row.key, row.value);
    }
    const id = meta.get('id');
    const docJson = meta.get('doc');
    const countersJson = meta.get('counters');
    if (!id || !docJson || !countersJson) return;
    const doc = JSON.parse(docJson) as SessionDoc;
    const counters = JSON.parse(countersJson) as Counters;
    const trackRows = new Map<string, Track>();
    for (const row of this.sql.exec<{ id: string; json: string }>('SELECT id, json FROM tracks')) {
      trackRows.set(row.id, JSON.parse(row.json) as Track);
      this.writtenTracks.set(row.id, row.json);
    }
    const { trackOrder, ...rest } = doc;
    let session: Session = { ...rest, tracks: trackOrder.map((tid) => trackRows.get(tid)!).filter(Boolean) };
    for (const row of this.sql.exec<{ client_id: string; last_seq: number }>('SELECT client_id, last_seq FROM clients')) {
      this.lastSeq.set(row.client_id, row.last_seq);
    }
    let version = counters.compactedVersion;
    const entries = this.sql
      .exec<{ version: number; at: number; client_id: string; client_seq: number; mutation: string }>(
        'SELECT version, at, client_id, client_seq, mutation FROM log WHERE version > ? ORDER BY version',
        counters.compactedVersion,
      )
      .toArray();
    for (const entry of entries) {
      if (entry.version !== version + 1) break; // never replay past a hole
      const result = applyMutation(session, JSON.parse(entry.mutation) as Mutation, entry.at);
      if (result.ok) session = result.session;
      version = entry.version;
      this.lastSeq.set(entry.client_id, Math.max(this.lastSeq.get(entry.client_id) ?? 0, entry.client_seq));
      this.dirtyClients.add(entry.client_id);
    }
    this.state = { id, session, version, counters };
  }

  /**
   * Seed a brand-new session. Refuses to overwrite an existing one. `version` is 0
   * except for an adopted legacy document, which keeps counting from its own.
   */
  seed(id: string, session: Session, now: number, version = 0): void {
    if (this.state) throw new Error('session already exists');
    this.transactionSync(() => {
      this.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
      this.exec(`CREATE TABLE IF NOT EXISTS tracks (id TEXT PRIMARY KEY, json TEXT NOT NULL)`);
      this.exec(
        `CREATE TABLE IF NOT EXISTS log (slot INTEGER PRIMARY KEY, version INTEGER NOT NULL, at REAL NOT NULL,
           client_id TEXT NOT NULL, client_seq INTEGER NOT NULL, author TEXT, mutation TEXT NOT NULL)`,
      );
      this.exec(`CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)`);
      this.exec(REFUSALS_TABLE);
      this.exec(`INSERT INTO meta (key, value) VALUES ('id', ?)`, id);
      const counters: Counters = { compactedVersion: version, publishedVersion: 0, kvWrites: 0, createdAt: now };
      this.state = { id, session, version, counters };
      this.writeCompacted(true);
    });
  }

  /**
   * Remember a refused mutation, so that a resend after a later clientSeq applied (its
   * error lost with a dropped connection) is refused again rather than acked as a
   * duplicate: the author then learns of it. Refusals are rare; the table keeps the
   * newest REFUSALS_KEPT.
   */
  recordRefusal(clientId: string, clientSeq: number, code: RefusalCode, message: string): void {
    this.exec(
      `INSERT INTO refusals (client_id, client_seq, code, message) VALUES (?, ?, ?, ?)
       ON CONFLICT(client_id, client_seq) DO UPDATE SET code=excluded.code, message=excluded.message`,
      clientId,
      clientSeq,
      code,
      message,
    );
  }

  refusalOf(clientId: string, clientSeq: number): { code: RefusalCode; message: string } | null {
    const row = this.sql
      .exec<{ code: string; message: string }>('SELECT code, message FROM refusals WHERE client_id = ? AND client_seq = ?', clientId, clientSeq)
      .toArray()[0];
    return row ? { code: row.code as RefusalCode, message: row.message } : null;
  }

  lastClientSeq(clientId: string): number {
    return this.lastSeq.get(clientId) ?? 0;
  }

  /**
   * Persist one applied change: a single row in the ring. The caller has already
   * validated and applied it; `next` is the resulting session.
   */
  append(change: Change, next: Session, clientId: string, clientSeq: number): void {
    const state = this.requireState();
    this.exec(
      `INSERT INTO log (slot, version, at, client_id, client_seq, author, mutation) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(slot) DO UPDATE SET version=excluded.version, at=excluded.at, client_id=excluded.client_id,
         client_seq=excluded.client_seq, author=excluded.author, mutation=excluded.mutation`,
      change.version % LOG_SLOTS,
      change.version,
      change.at,
      clientId,
      clientSeq,
      change.by,
      JSON.stringify(change.mutation),
    );
    state.session = next;
    state.version = change.version;
    this.lastSeq.set(clientId, clientSeq);
    this.dirtyClients.add(clientId);
    this.stats.mutationsApplied++;
    if (state.version - state.counters.compactedVersion >= COMPACT_EVERY) this.compact();
  }

  /** Changes after `fromVersion`, if the ring still holds all of them; null otherwise. */
  changesSince(fromVersion: number): Change[] | null {
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

  /** Fold the log into per-entity rows, writing only what changed. */
  compact(): void {
    const state = this.requireState();
    if (state.counters.compactedVersion === state.version) return;
    this.transactionSync(() => this.writeCompacted(false));
  }

  private writeCompacted(initial: boolean): void {
    const state = this.requireState();
    const { tracks, ...rest } = state.session;
    const doc: SessionDoc = { ...rest, trackOrder: tracks.map((t) => t.id) };
    this.upsertMeta('doc', JSON.stringify(doc));
    const live = new Set<string>();
    for (const track of tracks) {
      live.add(track.id);
      const json = JSON.stringify(track);
      if (this.writtenTracks.get(track.id) === json) continue;
      this.exec(
        `INSERT INTO tracks (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json=excluded.json`,
        track.id,
        json,
      );
      this.writtenTracks.set(track.id, json);
    }
    for (const id of [...this.writtenTracks.keys()]) {
      if (live.has(id)) continue;
      this.exec('DELETE FROM tracks WHERE id = ?', id);
      this.writtenTracks.delete(id);
    }
    for (const clientId of this.dirtyClients) {
      this.exec(
        `INSERT INTO clients (client_id, last_seq) VALUES (?, ?) ON CONFLICT(client_id) DO UPDATE SET last_seq=excluded.last_seq`,
        clientId,
        this.lastSeq.get(clientId) ?? 0,
      );
    }
    this.dirtyClients.clear();
    this.exec(`DELETE FROM refusals WHERE rowid NOT IN (SELECT rowid FROM refusals ORDER BY rowid DESC LIMIT ${REFUSALS_KEPT})`);
    state.counters = { ...state.counters, compactedVersion: state.version };
    this.upsertMeta('counters', JSON.stringify(state.counters), initial);
  }

  /** Record that KV now holds `version`; persisted so a restart knows whether KV is behind. */
  markPublished(version: number): void {
    const state = this.requireState();
    state.counters = { ...state.counters, publishedVersion: version, kvWrites: state.counters.kvWrites + 1 };
    this.upsertMeta('counters', JSON.stringify(state.counters));
  }

  /** Drop all cached state and read it again from SQLite (used by tests to prove durability). */
  reload(): void {
    this.load();
  }

  private upsertMeta(key: string, value: string, _initial = false): void {
    this.exec(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value`,
      key,
      value,
    );
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
