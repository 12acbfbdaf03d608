/**
 * What a tab must not lose: its clientId, its next clientSeq, its unsynced
 * mutations and the last state the server confirmed. Kept in localStorage so a
 * reload (or a crash) loses nothing; partysocket's own queue is memory only.
 *
 * The clientId is per tab (sessionStorage remembers which one is ours across
 * reloads). A tab closed with unsynced edits leaves an orphan record; the next tab
 * to open that session adopts it — taking over its clientId, so the server's
 * duplicate detection still applies — and sends what was left.
 *
 * Two tabs must never write under one clientId (the room could not tell their edits
 * apart). Each tab holds a Web Lock named after its record for as long as it is open,
 * and adopts an orphan only by taking that orphan's lock: of two tabs opening at once,
 * exactly one gets it. Where Web Locks are missing (an insecure origin), a record is
 * an orphan once its owner's heartbeat is ORPHAN_AFTER_MS old.
 *
 * Records say which model version wrote them; one written by an older version is
 * lifted by core's migrate (its confirmed state and each pending mutation) when read.
 */
import { MODEL_VERSION, migrateMutation, migrateSession, type PendingMutation, type Session } from '../../core';

export interface ClientRecord {
  clientId: string;
  nextSeq: number;
  pending: PendingMutation[];
  confirmed: { version: number; session: Session } | null;
  /** Last time the owning tab said it was alive (ms). */
  heartbeat: number;
}

/** The record as stored: versioned (records from before versions have no `model`: 1). */
interface StoredRecord extends Omit<ClientRecord, 'confirmed'> {
  model?: number;
}
interface StoredConfirmed {
  model?: number;
  version: number;
  session: unknown;
}

const PREFIX = 'kb:client:';
/** The confirmed snapshot lives under its own key: it is large and saved less often. */
const CONFIRMED_PREFIX = 'kb:confirmed:';
const ORPHAN_AFTER_MS = 15_000;
const recordKey = (sessionId: string, clientId: string) => `${PREFIX}${sessionId}:${clientId}`;
const confirmedKey = (sessionId: string, clientId: string) => `${CONFIRMED_PREFIX}${sessionId}:${clientId}`;
const tabKey = (sessionId: string) => `kb:tab-client:${sessionId}`;
const lockName = (sessionId: string, clientId: string) => `keyboardia:${sessionId}:${clientId}`;
const TAB_KEY = 'kb:tab-id';

/** The part of the Web Locks API used here (navigator.locks). */
export interface Locks {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>;
}

/** What went wrong reading or writing records, for the user and the console. */
export type RecordProblem = { kind: 'storage_full' | 'dropped_edit' | 'unreadable'; detail: string };

export class ClientRecordStore {
  /** Releases the locks this tab holds (its own record's), when the page goes. */
  private releases: (() => void)[] = [];

  constructor(
    private readonly sessionId: string,
    private readonly local: Storage = localStorage,
    private readonly tab: Storage = sessionStorage,
    private readonly locks: Locks | null = typeof navigator !== 'undefined' && 'locks' in navigator ? (navigator.locks as Locks) : null,
    private readonly report: (problem: RecordProblem) => void = (p) => console.warn(`client record: ${p.kind}: ${p.detail}`),
  ) {}

  /** This tab's record: its own from before a reload, an orphan's, or a new one. */
  async open(now = Date.now()): Promise<ClientRecord> {
    const ownId = this.tab.getItem(tabKey(this.sessionId));
    let record: ClientRecord | null = null;
    if (ownId && (await this.claim(ownId))) {
      record = this.read(ownId);
      if (!record) this.close(); // nothing saved under it: an orphan may be ours to adopt
    }
    record ??= await this.adoptOrphan(now);
    if (!record) {
      // Our own id may be taken (another tab adopted it while we reloaded): then start afresh.
      let id = ownId;
      if (!id || !(await this.claim(id))) {
        id = crypto.randomUUID();
        await this.claim(id);
      }
      record = this.fresh(id);
    }
    record.heartbeat = now;
    this.tab.setItem(tabKey(this.sessionId), record.clientId);
    this.save(record);
    return record;
  }

  /** This browser tab's id: the same across its reloads, another in another tab (hello's `tab`). */
  tabId(): string {
    let id = this.tab.getItem(TAB_KEY);
    if (!id) {
      id = crypto.randomUUID();
      this.tab.setItem(TAB_KEY, id);
    }
    return id;
  }

  /** Let go of this tab's record (the page is leaving). */
  close(): void {
    for (const release of this.releases.splice(0)) release();
  }

  /**
   * The room refused our clientId (two tabs shared it, or it forgot an old edit): the
   * record continues under `newId`, whose lock this tab takes; the old one is removed so
   * nobody adopts and resends its edits again.
   */
  async moveTo(record: ClientRecord, oldId: string): Promise<void> {
    this.close();
    await this.claim(record.clientId);
    this.tab.setItem(tabKey(this.sessionId), record.clientId);
    this.local.removeItem(recordKey(this.sessionId, oldId));
    this.local.removeItem(confirmedKey(this.sessionId, oldId));
    this.save(record);
  }

  /**
   * Save what must not be lost (clientId, next clientSeq, pending edits) — small, so on
   * every edit — and, when `withConfirmed`, the confirmed snapshot too (up to ~25 KB,
   * so the caller throttles it: a stale one only means a longer catch-up). Returns false
   * when the pending edits could not be saved (storage full): they are still sent, but a
   * reload before they are acknowledged would lose them, and the caller says so.
   */
  save(record: ClientRecord, withConfirmed = true): boolean {
    const { confirmed, ...essential } = record;
    const stored: StoredRecord = { model: MODEL_VERSION, ...essential };
    try {
      this.local.setItem(recordKey(this.sessionId, record.clientId), JSON.stringify(stored));
    } catch (error) {
      this.report({ kind: 'storage_full', detail: error instanceof Error ? error.message : String(error) });
      return false;
    }
    if (!withConfirmed) return true;
    try {
      const value: StoredConfirmed | null = confirmed && { model: MODEL_VERSION, ...confirmed };
      this.local.setItem(confirmedKey(this.sessionId, record.clientId), JSON.stringify(value));
    } catch {
      // Storage full: the pending edits are saved; the cached snapshot is only a speed-up.
      this.local.removeItem(confirmedKey(this.sessionId, record.clientId));
    }
    return true;
  }

  /** Take the Web Lock of `clientId`'s record and hold it until close(); false if another tab holds it. */
  private async claim(clientId: string): Promise<boolean> {
    if (!this.locks) return true;
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const granted = await new Promise<boolean>((resolve) => {
      void this.locks!.request(lockName(this.sessionId, clientId), { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock === null ? undefined : held;
      });
    });
    if (granted) this.releases.push(release);
    return granted;
  }

  /** A record as stored by any version, lifted to this one; null when missing or unreadable. */
  private read(clientId: string): ClientRecord | null {
    let parsed: StoredRecord | null;
    try {
      parsed = JSON.parse(this.local.getItem(recordKey(this.sessionId, clientId)) ?? 'null') as StoredRecord | null;
    } catch (error) {
      this.report({ kind: 'unreadable', detail: `record ${clientId}: ${String(error)}` });
      return null;
    }
    if (!parsed || parsed.clientId !== clientId || !Array.isArray(parsed.pending) || !Number.isSafeInteger(parsed.nextSeq)) return null;
    const model = parsed.model ?? 1;
    const pending: PendingMutation[] = [];
    for (const p of parsed.pending) {
      const lifted = migrateMutation(p.mutation, model);
      if (lifted.ok) pending.push({ ...p, mutation: lifted.value });
      // Never silently: an edit from an older page that this one cannot send is reported.
      else this.report({ kind: 'dropped_edit', detail: `pending edit ${p.clientSeq}: ${lifted.message}` });
    }
    return { clientId, nextSeq: parsed.nextSeq, pending, heartbeat: parsed.heartbeat ?? 0, confirmed: this.readConfirmed(clientId) };
  }

  private readConfirmed(clientId: string): ClientRecord['confirmed'] {
    try {
      const stored = JSON.parse(this.local.getItem(confirmedKey(this.sessionId, clientId)) ?? 'null') as StoredConfirmed | null;
      if (!stored || !Number.isSafeInteger(stored.version)) return null;
      const session = migrateSession(stored.session, stored.model ?? 1);
      // Only a cache of what the room holds: when it cannot be read, the room sends a snapshot.
      return session.ok ? { version: stored.version, session: session.value } : null;
    } catch {
      return null;
    }
  }

  private async adoptOrphan(now: number): Promise<ClientRecord | null> {
    const prefix = `${PREFIX}${this.sessionId}:`;
    const candidates: string[] = [];
    for (let i = 0; i < this.local.length; i++) {
      const key = this.local.key(i);
      if (key?.startsWith(prefix)) candidates.push(key.slice(prefix.length));
    }
    for (const clientId of candidates) {
      const record = this.read(clientId);
      if (!record || record.pending.length === 0) continue;
      // Without Web Locks, a record is an orphan when its tab has been silent a while.
      if (!this.locks && now - record.heartbeat <= ORPHAN_AFTER_MS) continue;
      if (await this.claim(clientId)) return this.read(clientId) ?? record;
    }
    return null;
  }

  private fresh(clientId: string): ClientRecord {
    return { clientId, nextSeq: 1, pending: [], confirmed: null, heartbeat: 0 };
  }
}
