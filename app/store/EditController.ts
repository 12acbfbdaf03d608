/**
 * Every edit the UI makes goes through here: it records the inverse (for undo) and
 * hands the mutation to the sync client. Undo and redo are edits like any other —
 * set-to-value mutations that restore what a change replaced — so they behave with
 * other people's concurrent changes.
 */
import { inverseOf, type Mutation } from '../../core';
import type { SyncClient } from '../sync/SyncClient';
import { patternTouched } from './patternView';
import type { SessionStore } from './sessionStore';

interface HistoryEntry {
  forward: Mutation[];
  /** Applied in order to undo `forward`. */
  inverse: Mutation[];
  group: string | null;
  at: number;
}

/** Edits in one group (a drag, a slider gesture) within this time form one undo step. */
const GROUP_WINDOW_MS = 1500;
const MAX_HISTORY = 200;

export class EditController {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];

  constructor(
    private readonly sync: SyncClient,
    private readonly store: SessionStore,
  ) {}

  /** Apply edits as one undoable step. `group` merges consecutive edits of one gesture. */
  apply(mutations: Mutation | Mutation[], options: { group?: string } = {}): boolean {
    const list = Array.isArray(mutations) ? mutations : [mutations];
    const forward: Mutation[] = [];
    const inverse: Mutation[] = [];
    for (const mutation of list) {
      const session = this.store.getState().session;
      if (!session) return false;
      const undo = inverseOf(session, mutation);
      if (!this.sync.mutate(mutation)) continue;
      forward.push(mutation);
      if (undo) inverse.unshift(undo);
    }
    if (forward.length === 0) return false;
    if (inverse.length > 0) this.record(forward, inverse, options.group ?? null);
    return true;
  }

  undo(): void {
    const entry = this.undoStack.pop();
    if (!entry) return;
    for (const m of entry.inverse) this.sync.mutate(m);
    this.redoStack.push(entry);
    this.show(entry.inverse);
    this.publish();
  }

  redo(): void {
    const entry = this.redoStack.pop();
    if (!entry) return;
    for (const m of entry.forward) this.sync.mutate(m);
    this.undoStack.push({ ...entry, group: null });
    this.show(entry.forward);
    this.publish();
  }

  /** An undo or redo shows the pattern it changed (it may not be the one in view). */
  private show(mutations: Mutation[]): void {
    const pattern = patternTouched(mutations);
    if (pattern && this.store.getState().session?.patterns[pattern]) this.store.setState({ viewedPattern: pattern });
  }

  private record(forward: Mutation[], inverse: Mutation[], group: string | null): void {
    const now = Date.now();
    const top = this.undoStack.at(-1);
    if (group && top && top.group === group && now - top.at < GROUP_WINDOW_MS) {
      top.forward.push(...forward);
      top.inverse.unshift(...inverse);
      top.at = now;
    } else {
      this.undoStack.push({ forward, inverse, group, at: now });
      if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
    }
    this.redoStack = [];
    this.publish();
  }

  private publish(): void {
    this.store.setState({ undoDepth: this.undoStack.length, redoDepth: this.redoStack.length });
  }
}
