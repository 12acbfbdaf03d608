/**
 * Replica: confirmed server state + pending local mutations. Own echoes settle,
 * refusals revert, remote changes rebase the pending ones, gaps are reported.
 */
import { describe, expect, it } from 'vitest';
import { applyMutation, type Change, makeTrack, type Mutation, Replica, rowOf, type Session, sessionFromTemplate } from '../../core';

const T0 = 1_700_000_000_000;
const base = () => sessionFromTemplate('starter', T0)!;
const step = (trackId: string, s: number, on: boolean): Mutation => ({ type: 'set_step', trackId, pattern: 'A', step: s, on });
const change = (version: number, mutation: Mutation, at = T0 + version): Change => ({ version, at, mutation, by: null });
const cell = (s: Session, trackId: string, i: number) =>
  s.tracks.some((t) => t.id === trackId) ? rowOf(s, 'A', trackId).steps[i] : undefined;

function serverApply(session: Session, mutation: Mutation, at: number): Session {
  const r = applyMutation(session, mutation, at);
  if (!r.ok) throw new Error(r.message);
  return r.session;
}

describe('Replica', () => {
  it('applies a local mutation optimistically and queues it with the next clientSeq', () => {
    const r = new Replica({ session: base(), version: 5 });
    const result = r.mutate(step('kick', 1, true), T0);
    expect(result.ok && result.pending.clientSeq).toBe(1);
    expect(cell(r.view, 'kick', 1)).toBe(true);
    expect(cell(r.confirmed, 'kick', 1)).toBe(false);
    expect(r.pending).toHaveLength(1);
    const second = r.mutate(step('kick', 2, true), T0);
    expect(second.ok && second.pending.clientSeq).toBe(2);
  });

  it('a locally refused mutation is not queued', () => {
    const r = new Replica({ session: base(), version: 0 });
    expect(r.mutate(step('ghost', 1, true), T0)).toMatchObject({ ok: false, code: 'unknown_track' });
    expect(r.pending).toHaveLength(0);
    expect(r.nextSeq).toBe(1);
  });

  it('own echo settles the pending mutation (and older ones) and applies to the confirmed base', () => {
    const r = new Replica({ session: base(), version: 0 });
    r.mutate(step('kick', 1, true), T0);
    r.mutate(step('kick', 2, true), T0);
    r.mutate(step('kick', 3, true), T0);
    expect(r.applyChange(change(1, step('kick', 1, true)), 1)).toBe('applied');
    expect(r.pending.map((p) => p.clientSeq)).toEqual([2, 3]);
    expect(cell(r.confirmed, 'kick', 1)).toBe(true);
    // An echo for seq 3 (2 was a duplicate acked elsewhere): both go.
    expect(r.applyChange(change(2, step('kick', 3, true)), 3)).toBe('applied');
    expect(r.pending).toEqual([]);
  });

  it('applies its own echo to the base even when a later local edit overwrote the cell (failure mode 17)', () => {
    // A sets the cell on, then off; B sets it on in between on the server.
    const a = new Replica({ session: base(), version: 0 });
    a.mutate(step('kick', 1, true), T0); // seq 1
    a.mutate(step('kick', 1, false), T0); // seq 2
    let server = base();
    const log: Change[] = [];
    for (const m of [step('kick', 1, true), step('kick', 1, true), step('kick', 1, false)]) {
      server = serverApply(server, m, T0 + log.length + 1);
      log.push(change(log.length + 1, m));
    }
    // Server order: A1, B(on), A2.
    a.applyChange(log[0]!, 1);
    expect(cell(a.view, 'kick', 1)).toBe(false); // pending seq 2 still on top
    a.applyChange(log[1]!);
    expect(cell(a.view, 'kick', 1)).toBe(false);
    a.applyChange(log[2]!, 2);
    expect(a.pending).toEqual([]);
    expect(a.confirmed).toEqual(server);
    expect(a.view).toEqual(server);
  });

  it('rebases pending mutations over remote changes', () => {
    const r = new Replica({ session: base(), version: 0 });
    r.mutate(step('kick', 5, true), T0);
    r.mutate({ type: 'set_tempo', tempo: 90 }, T0);
    // Someone else changed a different cell and the tempo first.
    expect(r.applyChange(change(1, step('snare', 5, true)))).toBe('applied');
    expect(r.applyChange(change(2, { type: 'set_tempo', tempo: 150 }))).toBe('applied');
    expect(r.confirmed.tempo).toBe(150);
    expect(r.view.tempo).toBe(90); // ours is still pending, so it shows on top
    expect(cell(r.view, 'snare', 5)).toBe(true);
    expect(cell(r.view, 'kick', 5)).toBe(true);
    expect(cell(r.confirmed, 'kick', 5)).toBe(false);
  });

  it('a pending edit to a track someone deleted is skipped in the view, then rejected', () => {
    const r = new Replica({ session: base(), version: 0 });
    r.mutate(step('hat', 1, true), T0);
    r.mutate(step('kick', 1, true), T0);
    r.applyChange(change(1, { type: 'delete_track', trackId: 'hat' }));
    expect(r.view.tracks.map((t) => t.id)).toEqual(['kick', 'snare', 'bass']);
    expect(cell(r.view, 'kick', 1)).toBe(true);
    expect(r.reject(1)?.mutation).toEqual(step('hat', 1, true));
    expect(r.pending.map((p) => p.clientSeq)).toEqual([2]);
  });

  it('reject reverts the refused edit in the view and keeps the others', () => {
    const r = new Replica({ session: base(), version: 0 });
    r.mutate(step('kick', 1, true), T0);
    r.mutate(step('kick', 2, true), T0);
    expect(r.reject(1)).toBeDefined();
    expect(cell(r.view, 'kick', 1)).toBe(false);
    expect(cell(r.view, 'kick', 2)).toBe(true);
    expect(r.reject(1)).toBeUndefined(); // unknown seq: nothing happens
    expect(r.reject(99)).toBeUndefined();
    expect(r.pending).toHaveLength(1);
  });

  it('reports a gap and changes nothing; stale changes are ignored', () => {
    const r = new Replica({ session: base(), version: 3 });
    r.mutate(step('kick', 1, true), T0);
    const before = { confirmed: r.confirmed, version: r.version, view: r.view };
    expect(r.applyChange(change(5, step('snare', 1, true)))).toBe('gap');
    expect(r).toMatchObject(before);
    expect(r.applyChange(change(3, step('snare', 2, true)))).toBe('stale');
    expect(r.applyChange(change(2, step('snare', 2, true)))).toBe('stale');
    expect(r.version).toBe(3);
    expect(cell(r.confirmed, 'snare', 2)).toBe(false);
    expect(r.applyChange(change(4, step('snare', 2, true)))).toBe('applied');
    expect(r.version).toBe(4);
  });

  it('a stale own echo (already in a catch-up) still settles its pending mutation', () => {
    const r = new Replica({ session: base(), version: 0 });
    r.mutate(step('kick', 1, true), T0);
    r.applyChange(change(1, step('kick', 1, true))); // arrived in a catch-up, no clientSeq
    expect(r.pending).toHaveLength(1);
    expect(r.applyChange(change(1, step('kick', 1, true)), 1)).toBe('stale');
    expect(r.pending).toHaveLength(0);
    expect(r.view).toEqual(r.confirmed);
  });

  it('a change the base cannot take (wrong base) is reported as a gap, not applied', () => {
    const r = new Replica({ session: base(), version: 0 });
    expect(r.applyChange(change(1, step('ghost', 1, true)))).toBe('gap');
    expect(r.version).toBe(0);
  });

  it('resetTo replaces the base and keeps pending on top', () => {
    const r = new Replica({ session: base(), version: 2 });
    r.mutate(step('kick', 9, true), T0);
    const snapshot = serverApply(base(), { type: 'set_tempo', tempo: 70 }, T0 + 10);
    r.resetTo(snapshot, 40);
    expect(r.version).toBe(40);
    expect(r.confirmed).toBe(snapshot);
    expect(r.view.tempo).toBe(70);
    expect(cell(r.view, 'kick', 9)).toBe(true);
  });

  it('restores from a persisted record: pending replayed, nextSeq past every pending', () => {
    const r = new Replica({ session: base(), version: 7 });
    r.mutate(step('kick', 1, true), T0);
    const lead = makeTrack({ id: 'lead', name: 'Lead', instrument: 'saw-lead', on: [2] });
    r.mutate({ type: 'add_track', track: lead.track, rows: { A: lead.row }, beforeTrackId: null }, T0);
    const record = JSON.parse(JSON.stringify({ session: r.confirmed, version: r.version, pending: r.pending, nextSeq: 1 }));
    const restored = new Replica(record);
    expect(restored.nextSeq).toBe(3);
    expect(restored.view).toEqual(r.view);
    expect(restored.pending).toEqual(r.pending);
  });

  it('two replicas writing the same cell at once end identical to the server', () => {
    const a = new Replica({ session: base(), version: 0 });
    const b = new Replica({ session: base(), version: 0 });
    a.mutate(step('kick', 1, true), T0);
    b.mutate(step('kick', 1, false), T0);
    // The server received A then B.
    const c1 = change(1, step('kick', 1, true));
    const c2 = change(2, step('kick', 1, false));
    a.applyChange(c1, 1);
    b.applyChange(c1);
    expect(cell(b.view, 'kick', 1)).toBe(false); // its own pending still shows
    a.applyChange(c2);
    b.applyChange(c2, 1);
    expect(a.view).toEqual(b.view);
    expect(a.pending).toEqual([]);
    expect(b.pending).toEqual([]);
    expect(cell(a.view, 'kick', 1)).toBe(false);
  });
});
