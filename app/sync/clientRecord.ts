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
/** The confirmed snapshot lives under its own key: it is large and saved less often. */
const CONFIRMED_PREFIX = 'kb:confirmed:';
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

  /**
   * Save what must not be lost (clientId, next clientSeq, pending edits) — small, so on
   * every edit — and, when `withConfirmed`, the confirmed snapshot too (up to ~25 KB,
   * so the caller throttles it: a stale one only means a longer catch-up).
   */
  save(record: ClientRecord, withConfirmed = true): void {
    const { confirmed, ...essential } = record;
    this.local.setItem(recordKey(this.sessionId, record.clientId), JSON.stringify(essential));
    if (!withConfirmed) return;
    try {
      this.local.setItem(`${CONFIRMED_PREFIX}${this.sessionId}:${record.clientId}`, JSON.stringify(confirmed));
    } catch {
      // Storage full: the pending edits are saved; the cached snapshot is only a speed-up.
      this.local.removeItem(`${CONFIRMED_PREFIX}${this.sessionId}:${record.clientId}`);
    }
  }

  private read(clientId: string): ClientRecord | null {
    try {
      const parsed = JSON.parse(this.local.getItem(recordKey(this.sessionId, clientId)) ?? 'null') as ClientRecord | null;
      if (!parsed || parsed.clientId !== clientId || !Array.isArray(parsed.pending)) return null;
      const confirmed = JSON.parse(this.local.getItem(`${CONFIRMED_PREFIX}${this.sessionId}:${clientId}`) ?? 'null') as ClientRecord['confirmed'];
      return { ...parsed, confirmed: confirmed && typeof confirmed.version === 'number' ? confirmed : null };
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
