/**
 * A client's copy of a session: the state the server confirmed, plus the local
 * mutations it has not confirmed yet, replayed on top. Every server change is
 * applied to the confirmed base (the client's own echo too) and the pending ones
 * are rebased over it, so two clients that write one cell at once end identical
 * (failure mode 17). Pure: the browser sync client and the fuzz tests share it.
 */
import type { Session } from './model';
import type { Change } from './protocol';
import { applyMutation, type ApplyResult } from './reducer';
import type { Mutation } from './schema';

export interface PendingMutation {
  clientSeq: number;
  mutation: Mutation;
  /** Estimated server time when made, used for the optimistic apply only. */
  at: number;
}

/**
 * applied: in; stale: already had it; gap: a version is missing (resync); outdated: the
 * change holds a mutation this code does not know (a newer Keyboardia wrote it: reload).
 */
export type ChangeOutcome = 'applied' | 'stale' | 'gap' | 'outdated';

export class Replica {
  confirmed: Session;
  version: number;
  pending: PendingMutation[];
  nextSeq: number;
  /** confirmed + pending: what the user sees and hears. */
  view: Session;

  constructor(init: { session: Session; version: number; pending?: PendingMutation[]; nextSeq?: number }) {
    this.confirmed = init.session;
    this.version = init.version;
    this.pending = init.pending ?? [];
    this.nextSeq = Math.max(init.nextSeq ?? 1, ...this.pending.map((p) => p.clientSeq + 1));
    this.view = this.rebase();
  }

  /** A full snapshot from the server replaces the confirmed base; pending stay queued. */
  resetTo(session: Session, version: number): void {
    this.confirmed = session;
    this.version = version;
    this.view = this.rebase();
  }

  /**
   * Apply one server change. `ownClientSeq` is set when the change is this client's
   * own echo: that pending mutation (and any older ones) are then settled.
   */
  applyChange(change: Change, ownClientSeq?: number): ChangeOutcome {
    if (ownClientSeq !== undefined) this.settle(ownClientSeq);
    if (change.version <= this.version) {
      this.view = this.rebase();
      return 'stale';
    }
    if (change.version !== this.version + 1) return 'gap';
    const result = applyMutation(this.confirmed, change.mutation, change.at);
    if (!result.ok && result.code === 'unknown_mutation') return 'outdated';
    // The server applied it to the same state, so it cannot fail here; if it
    // does, our base is wrong and only a snapshot can fix it.
    if (!result.ok) return 'gap';
    this.confirmed = result.session;
    this.version = change.version;
    this.view = this.rebase();
    return 'applied';
  }

  /** Queue a local mutation and apply it optimistically. Refused locally: nothing queued. */
  mutate(mutation: Mutation, at: number): { ok: true; pending: PendingMutation } | Extract<ApplyResult, { ok: false }> {
    const result = applyMutation(this.view, mutation, at);
    if (!result.ok) return result;
    const pending: PendingMutation = { clientSeq: this.nextSeq++, mutation, at };
    this.pending.push(pending);
    this.view = result.session;
    return { ok: true, pending };
  }

  /** A duplicate was acknowledged, or our own change came back: drop it and older ones. */
  settle(clientSeq: number): void {
    const before = this.pending.length;
    this.pending = this.pending.filter((p) => p.clientSeq > clientSeq);
    if (this.pending.length !== before) this.view = this.rebase();
  }

  /** The server refused a mutation: drop it (which reverts it in the view). */
  reject(clientSeq: number): PendingMutation | undefined {
    const refused = this.pending.find((p) => p.clientSeq === clientSeq);
    if (!refused) return undefined;
    this.pending = this.pending.filter((p) => p !== refused);
    this.view = this.rebase();
    return refused;
  }

  /**
   * Number the pending mutations 1, 2, … again (for a fresh clientId, after the room
   * refused the old one with seq_conflict). Returns how each clientSeq changed.
   */
  renumber(): { from: number; to: number }[] {
    const moves = this.pending.map((p, i) => ({ from: p.clientSeq, to: i + 1 }));
    this.pending = this.pending.map((p, i) => ({ ...p, clientSeq: i + 1 }));
    this.nextSeq = this.pending.length + 1;
    return moves;
  }

  private rebase(): Session {
    let view = this.confirmed;
    for (const p of this.pending) {
      const result = applyMutation(view, p.mutation, p.at);
      // A pending edit that no longer applies (its track was deleted by someone
      // else) is skipped in the view; the server will refuse it and we drop it then.
      if (result.ok) view = result.session;
    }
    return view;
  }
}
