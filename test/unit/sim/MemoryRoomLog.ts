/**
 * RoomStorage's contract (RoomLog) kept in memory, for driving RoomProtocol in the
 * fuzz test. What was committed survives a simulated restart; what was appended and not
 * yet committed (the open batch of the group commit) is lost by `crash()`, as the real
 * room loses it — so a room that told anyone of a change before its commit fails the
 * fuzz's checks (the crash harness tests the same promise against the real runtime and
 * its SQLite).
 *
 * It also keeps what the checks need and storage never would: every state the room
 * has been in, and how often each clientId#clientSeq was applied.
 */
import type { Change, RefusalCode, Session } from '../../../core';
import type { EarlierOutcome, RoomLog } from '../../../worker/room/RoomProtocol';

export const key = (clientId: string, clientSeq: number) => `${clientId}#${clientSeq}`;

export class MemoryRoomLog implements RoomLog {
  readonly loaded: { session: Session; version: number };
  /** history[v] is the state after version v: what a replica at version v must hold. */
  readonly history: Session[];
  /** How often each clientId#clientSeq was applied (exactly once, if dedupe works). */
  readonly appliedCount = new Map<string, number>();
  /** The mutation (JSON) applied under each clientId#clientSeq: an ack must name this very edit. */
  readonly appliedMutation = new Map<string, string>();
  /** How many changes of each mutation type were applied: the fuzz must reach every one. */
  readonly appliedTypes = new Map<string, number>();
  private readonly log: (Change & { clientId: string; clientSeq: number })[] = [];
  private readonly lastSeq = new Map<string, number>();
  private readonly refusals = new Map<string, { mutation: string; code: RefusalCode; message: string }>();
  /** Appended since the last commit, with what each replaced (to undo on a crash). */
  private staged: { clientId: string; clientSeq: number; previousSeq: number | undefined; type: string }[] = [];
  private durable: { session: Session; version: number };

  /**
   * `logSlots` is the catch-up window (RoomStorage's ring holds 1024; small values
   * exercise the snapshot path). `forgetsClientSeqs` is sabotage, used only to prove
   * the checks fail: a store that loses the dedupe record, so resends apply again.
   */
  constructor(
    initial: Session,
    private readonly logSlots: number,
    private readonly forgetsClientSeqs = false,
    /** Sabotage: commit() makes nothing durable (a crash loses everything since the last real one). */
    private readonly falseCommit = false,
  ) {
    this.loaded = { session: initial, version: 0 };
    this.durable = { ...this.loaded };
    this.history = [initial];
  }

  lastClientSeq(clientId: string): number {
    return this.forgetsClientSeqs ? 0 : (this.lastSeq.get(clientId) ?? 0);
  }

  append(change: Change, next: Session, clientId: string, clientSeq: number): void {
    this.staged.push({ clientId, clientSeq, previousSeq: this.lastSeq.get(clientId), type: change.mutation.type });
    this.log.push({ ...change, clientId, clientSeq });
    this.loaded.session = next;
    this.loaded.version = change.version;
    this.history.push(next);
    this.lastSeq.set(clientId, clientSeq);
    const k = key(clientId, clientSeq);
    this.appliedCount.set(k, (this.appliedCount.get(k) ?? 0) + 1);
    this.appliedMutation.set(k, JSON.stringify(change.mutation));
    this.appliedTypes.set(change.mutation.type, (this.appliedTypes.get(change.mutation.type) ?? 0) + 1);
  }

  /** The open batch becomes durable. */
  commit(): void {
    if (this.falseCommit) return;
    this.staged = [];
    this.durable = { ...this.loaded };
  }

  /** The process died: the open batch is gone, as if it never came. */
  crash(): void {
    for (const s of this.staged.reverse()) {
      this.log.pop();
      this.history.pop();
      if (s.previousSeq === undefined) this.lastSeq.delete(s.clientId);
      else this.lastSeq.set(s.clientId, s.previousSeq);
      const k = key(s.clientId, s.clientSeq);
      const count = (this.appliedCount.get(k) ?? 0) - 1;
      if (count > 0) this.appliedCount.set(k, count);
      else {
        this.appliedCount.delete(k);
        this.appliedMutation.delete(k);
      }
      this.appliedTypes.set(s.type, (this.appliedTypes.get(s.type) ?? 0) - 1);
    }
    this.staged = [];
    this.loaded.session = this.durable.session;
    this.loaded.version = this.durable.version;
  }

  /** Whether a batch is open (appended, not yet committed). */
  get uncommitted(): number {
    return this.staged.length;
  }

  recordRefusal(clientId: string, clientSeq: number, mutation: string, code: RefusalCode, message: string): void {
    // RoomStorage writes the open batch's rows into the same transaction as the refusal's.
    this.commit();
    this.refusals.set(key(clientId, clientSeq), { mutation, code, message });
    if (!this.forgetsClientSeqs) this.lastSeq.set(clientId, Math.max(this.lastSeq.get(clientId) ?? 0, clientSeq));
  }

  /** RoomStorage.earlier: refusals kept until forgotten; applied ones while the ring holds them. */
  earlier(clientId: string, clientSeq: number): EarlierOutcome | null {
    this.commit();
    const refusal = this.refusals.get(key(clientId, clientSeq));
    if (refusal) return { outcome: 'refused', ...refusal };
    const inRing = this.log.slice(-this.logSlots).find((c) => c.clientId === clientId && c.clientSeq === clientSeq);
    return inRing ? { outcome: 'applied', mutation: JSON.stringify(inRing.mutation), version: inRing.version } : null;
  }

  forgetRefusalsBelow(clientId: string, clientSeq: number): void {
    this.commit();
    for (const k of [...this.refusals.keys()]) {
      const at = k.lastIndexOf('#');
      if (k.slice(0, at) === clientId && Number(k.slice(at + 1)) < clientSeq) this.refusals.delete(k);
    }
  }

  /** RoomStorage.changesSince, with a ring of `logSlots` entries. */
  changesSince(fromVersion: number): Change[] | null {
    this.commit();
    const { version } = this.loaded;
    if (fromVersion === version) return [];
    if (fromVersion > version || version - fromVersion >= this.logSlots) return null;
    return this.log.slice(fromVersion).map(({ clientId: _c, clientSeq: _s, ...change }) => change);
  }
}
