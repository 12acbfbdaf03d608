/**
 * What a tab must not lose: its clientId, its next clientSeq, its unsynced
 * mutations and the last state the server confirmed. Kept in localStorage so a
 * reload (or a crash) loses nothing; partysocket's own queue is memory only.
 *
 * The clientId is per tab (sessionStorage remembers which one is ours across
 * reloads). A tab closed with unsynced edits leaves an orphan record; the next tab
 * to open that session adopts it — taking over its clientId, so the server's
 * duplicate detection still applies — and sends what was left.
 */
import type { PendingMutation, Session } from '../../core';

export interface ClientRecord {
  clientId: string;
  nextSeq: number;
  pending: PendingMutation[];
  confirmed: { version: number; session: Session } | null;
  /** Last time the owning tab said it was alive (ms). */
  heartbeat: number;
}

const PREFIX = 'kb:client:';
const ORPHAN_AFTER_MS = 15_000;
const recordKey = (sessionId: string, clientId: string) => `${PREFIX}${sessionId}:${clientId}`;
const tabKey = (sessionId: string) => `kb:tab-client:${sessionId}`;

export class ClientRecordStore {
  constructor(
    private readonly sessionId: string,
    private readonly local: Storage = localStorage,
    private readonly tab: Storage = sessionStorage,
  ) {}

  /** This tab's record: its own from before a reload, an orphan's, or a new one. */
  open(now = Date.now()): ClientRecord {
    const ownId = this.tab.getItem(tabKey(this.sessionId));
    const own = ownId ? this.read(ownId) : null;
    const record = own ?? this.adoptOrphan(now) ?? this.fresh(ownId ?? crypto.randomUUID());
    record.heartbeat = now;
    this.tab.setItem(tabKey(this.sessionId), record.clientId);
    this.save(record);
    return record;
  }

  save(record: ClientRecord): void {
    try {
      this.local.setItem(recordKey(this.sessionId, record.clientId), JSON.stringify(record));
    } catch {
      // Storage full: keep the pending edits, drop the cached snapshot, try again.
      this.local.setItem(recordKey(this.sessionId, record.clientId), JSON.stringify({ ...record, confirmed: null }));
    }
  }

  private read(clientId: string): ClientRecord | null {
    try {
      const parsed = JSON.parse(this.local.getItem(recordKey(this.sessionId, clientId)) ?? 'null') as ClientRecord | null;
      return parsed && parsed.clientId === clientId && Array.isArray(parsed.pending) ? parsed : null;
    } catch {
      return null;
    }
  }

  private adoptOrphan(now: number): ClientRecord | null {
    const prefix = `${PREFIX}${this.sessionId}:`;
    for (let i = 0; i < this.local.length; i++) {
      const key = this.local.key(i);
      if (!key?.startsWith(prefix)) continue;
      const record = this.read(key.slice(prefix.length));
      if (record && record.pending.length > 0 && now - record.heartbeat > ORPHAN_AFTER_MS) return record;
    }
    return null;
  }

  private fresh(clientId: string): ClientRecord {
    return { clientId, nextSeq: 1, pending: [], confirmed: null, heartbeat: 0 };
  }
}
