/**
 * Resent and duplicate mutations (same clientId + clientSeq) are applied once and
 * acknowledged every time — on the same socket, after a reconnect, after an
 * eviction, after a compaction — and no-op mutations still get their echo
 * (failure mode 9).
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { LOG_SLOTS } from '../../worker/room/RoomStorage';
import { createSession, eventually, room, rowIn, serverState, setStep, sqlRows, TestClient } from './helpers';

const logCount = async (id: string) => (await sqlRows<{ n: number }>(id, 'SELECT count(*) AS n FROM log'))[0]!.n;

describe('duplicates are applied once and acknowledged every time', () => {
  it('on the same socket: the resend gets an ack, nobody else hears of it', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const mutation = setStep('kick', 9, true);
    a.sendMutate(mutation, 1);
    expect(await a.outcomeOf(1)).toMatchObject({ type: 'change', version: 1, clientSeq: 1 });
    await b.waitFor((m) => m.type === 'change' && m.version === 1);
    const rows = await logCount(id);

    const since = a.messages.length;
    const bSince = b.messages.length;
    a.sendMutate(mutation, 1);
    a.sendMutate(mutation, 1);
    const acks = await a.roundTrip();
    expect(acks).toEqual([
      { type: 'ack', clientSeq: 1, version: 1 },
      { type: 'ack', clientSeq: 1, version: 1 },
    ]);
    expect(a.messagesOfType('change', since)).toEqual([]);
    await b.roundTrip();
    expect(b.messagesOfType('change', bSince)).toEqual([]);
    expect((await serverState(id)).version).toBe(1);
    expect(await logCount(id)).toBe(rows);
  });

  it('an older clientSeq resent after a newer one is acknowledged, not re-applied over it', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.sendMutate(setStep('kick', 9, true), 1);
    a.sendMutate(setStep('kick', 9, false), 2);
    await a.outcomeOf(2);
    a.sendMutate(setStep('kick', 9, true), 1); // a late resend of seq 1 must not turn the step back on
    expect(await a.outcomeOf(1, a.messages.length)).toEqual({ type: 'ack', clientSeq: 1, version: 2 });
    const state = await serverState(id);
    expect(state.version).toBe(2);
    expect(rowIn(state.session, 'kick').steps[9]).toBe(false);
  });

  it('after a reconnect: pending mutations resent with the hello are acked, then new ones apply', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.mutate(setStep('snare', 1, true));
    a.mutate(setStep('snare', 2, true));
    await a.waitFor((m) => m.type === 'change' && m.version === 2);
    // Pretend the echoes were lost: the replica still holds both as pending.
    const replica = a.replica!;
    replica.pending = [
      { clientSeq: 1, mutation: setStep('snare', 1, true), at: 0 },
      { clientSeq: 2, mutation: setStep('snare', 2, true), at: 0 },
    ];
    a.close();

    const again = await TestClient.connect(id, { clientId: a.clientId, replica });
    expect(await again.hello()).toMatchObject({ type: 'catchup', changes: [] });
    expect(await again.outcomeOf(1)).toEqual({ type: 'ack', clientSeq: 1, version: 2 });
    expect(await again.outcomeOf(2)).toEqual({ type: 'ack', clientSeq: 2, version: 2 });
    await again.settled();
    const seq = again.mutate(setStep('snare', 3, true));
    expect(seq).toBe(3);
    expect(await again.outcomeOf(seq)).toMatchObject({ type: 'change', version: 3 });
    expect(again.replica!.confirmed).toEqual((await serverState(id)).session);
  });

  it.each(['hibernate', 'close'] as const)('after an eviction (%s) of an uncompacted log', async (webSockets) => {
    const id = await createSession();
    let a = await TestClient.join(id);
    for (const step of [1, 2, 3]) a.mutate(setStep('hat', step, false));
    await a.settled();
    await evictDurableObject(room(id), { webSockets });
    if (webSockets === 'close') a = await TestClient.join(id, { clientId: a.clientId, replica: a.replica });
    const since = a.messages.length;
    for (const seq of [1, 2, 3]) a.sendMutate(setStep('hat', seq, false), seq);
    for (const seq of [1, 2, 3]) expect(await a.outcomeOf(seq, since)).toEqual({ type: 'ack', clientSeq: seq, version: 3 });
    expect((await serverState(id)).version).toBe(3);
  });

  it('after the log was compacted into the snapshot row and the room evicted', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const keeper = await TestClient.join(id);
    for (const step of [1, 2, 3]) a.mutate(setStep('hat', step, false));
    await a.settled();
    a.close();
    keeper.close(); // the last editor leaving publishes, which compacts first
    await eventually(
      () => sqlRows<{ value: string }>(id, `SELECT value FROM state WHERE key = 'snapshot'`),
      (rows) => (JSON.parse(rows[0]?.value ?? '{}') as { writers?: Record<string, number> }).writers?.[a.clientId] === 3,
    );
    await evictDurableObject(room(id), { webSockets: 'close' });

    const back = await TestClient.join(id, { clientId: a.clientId });
    for (const seq of [1, 2, 3]) back.sendMutate(setStep('hat', seq, false), seq);
    for (const seq of [1, 2, 3]) expect(await back.outcomeOf(seq)).toEqual({ type: 'ack', clientSeq: seq, version: 3 });
    back.sendMutate(setStep('hat', 4, false), 4);
    expect(await back.outcomeOf(4)).toMatchObject({ type: 'change', version: 4 });
  });

  it('a refused mutation is not recorded as applied: its resend is refused again, not acked', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.sendMutate(setStep('nope', 0, true), 1);
    expect(await a.outcomeOf(1)).toMatchObject({ type: 'error', code: 'unknown_track', clientSeq: 1 });
    a.sendMutate(setStep('nope', 0, true), 1);
    expect(await a.outcomeOf(1, a.messages.length)).toMatchObject({ type: 'error', code: 'unknown_track', clientSeq: 1 });
    expect((await serverState(id)).version).toBe(0);
  });

  it('a refused mutation resent after a later one applied (its error lost with the connection) is refused again, after an eviction too', async () => {
    const id = await createSession();
    const clientId = crypto.randomUUID();
    const a = await TestClient.join(id, { clientId });
    a.sendMutate(setStep('nope', 0, true), 1);
    expect(await a.outcomeOf(1)).toMatchObject({ type: 'error', code: 'unknown_track' });
    a.sendMutate(setStep('kick', 1, true), 2);
    expect(await a.outcomeOf(2)).toMatchObject({ type: 'change', version: 1 });
    a.close();
    await evictDurableObject(room(id), { webSockets: 'close' });
    // The author never saw the refusal and resends both after reconnecting.
    const again = await TestClient.join(id, { clientId });
    again.sendMutate(setStep('nope', 0, true), 1);
    again.sendMutate(setStep('kick', 1, true), 2);
    expect(await again.outcomeOf(1)).toMatchObject({ type: 'error', code: 'unknown_track', clientSeq: 1 });
    expect(await again.outcomeOf(2)).toMatchObject({ type: 'ack', clientSeq: 2 });
    expect((await serverState(id)).version).toBe(1);
  });
});

describe('no-op mutations still get an echo', () => {
  it.each([
    ['a step set to its current value', setStep('kick', 0, true)],
    ['a track name set to its current name', { type: 'set_track_name', trackId: 'kick', name: 'Kick' } as const],
    ['the tempo set to its current value', { type: 'set_tempo', tempo: 110 } as const],
    ['a delete of a track that does not exist', { type: 'delete_track', trackId: 'gone' } as const],
    ['a move of a track before itself', { type: 'move_track', trackId: 'hat', beforeTrackId: 'hat' } as const],
  ])('%s', async (_what, mutation) => {
    const id = await createSession();
    const before = await serverState(id);
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const seq = a.mutate(mutation);
    expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', clientSeq: seq, version: 1 });
    await b.waitFor((m) => m.type === 'change' && m.version === 1);
    expect(a.replica!.pending).toEqual([]);
    const after = await serverState(id);
    expect(after.session).toEqual(before.session);
    expect(after.version).toBe(1);
  });
});

describe('acknowledged means applied, whatever a client does with its clientId', () => {
  it("a jump in clientSeq is refused (seq_conflict), and the writer's next clientSeq still applies", async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    for (let seq = 1; seq <= 12; seq++) a.sendMutate(setStep('kick', seq, true), seq);
    expect(await a.outcomeOf(12)).toMatchObject({ type: 'change', version: 12 });
    // Before: 10¹² was applied, and every later clientSeq below it (13 here) acked unapplied.
    a.sendMutate(setStep('snare', 1, true), 1e12);
    expect(await a.outcomeOf(1e12)).toMatchObject({ type: 'error', code: 'seq_conflict' });
    a.sendMutate(setStep('snare', 13, true), 13);
    expect(await a.outcomeOf(13)).toMatchObject({ type: 'change', version: 13, clientSeq: 13 });
    const { session, version } = await serverState(id);
    expect(version).toBe(13);
    expect(rowIn(session, 'snare').steps.slice(0, 2)).toEqual([false, false]);
    expect(rowIn(session, 'snare').steps[13]).toBe(true);
  });

  it('a different edit under a clientSeq already used is refused, not acked as a duplicate', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.sendMutate(setStep('kick', 3, true), 1);
    expect(await a.outcomeOf(1)).toMatchObject({ type: 'change', version: 1 });
    a.sendMutate(setStep('kick', 5, true), 1);
    expect(await a.outcomeOf(1, a.messages.length)).toMatchObject({ type: 'error', code: 'seq_conflict', clientSeq: 1 });
    expect(rowIn((await serverState(id)).session, 'kick').steps[5]).toBe(false);
  });

  it('two tabs under one clientId: the second is refused at hello, so their edits never mix', async () => {
    const id = await createSession();
    const clientId = crypto.randomUUID();
    const first = await TestClient.join(id, { clientId, tab: 'tab-1' });
    const second = await TestClient.connect(id, { clientId, tab: 'tab-2' });
    expect(await second.hello()).toMatchObject({ type: 'error', code: 'seq_conflict' });
    // Its mutations are refused (it never joined); the first tab's go on.
    second.sendMutate(setStep('kick', 1, true), 1);
    expect(await second.outcomeOf(1)).toMatchObject({ type: 'error', code: 'hello_first' });
    first.sendMutate(setStep('kick', 2, true), 1);
    expect(await first.outcomeOf(1)).toMatchObject({ type: 'change', version: 1 });
    // The same tab reconnecting is not a conflict: its old socket is replaced.
    const again = await TestClient.join(id, { clientId, tab: 'tab-1' });
    expect(again.messages[0]).toMatchObject({ type: 'snapshot', version: 1 });
    expect((await first.closed()).reason).toContain('replaced');
  });

  it('a resend the room can no longer vouch for (older than its log) is refused as a conflict, not acked', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    a.sendMutate(setStep('kick', 1, true), 1);
    expect(await a.outcomeOf(1)).toMatchObject({ type: 'change', version: 1 });
    // Others write more than the log holds, in bursts the rate limit lets through (the
    // room reads Date for its token buckets: time is moved on between bursts, not waited).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let seq = 1; seq <= LOG_SLOTS + 5; seq++) {
        if (seq % 50 === 1) vi.setSystemTime(Date.now() + 3_000);
        b.sendMutate(setStep('hat', seq % 16, seq % 2 === 0), seq);
        if (seq % 50 === 0) await b.outcomeOf(seq);
      }
      expect(await b.outcomeOf(LOG_SLOTS + 5)).toMatchObject({ type: 'change', version: LOG_SLOTS + 6 });
    } finally {
      vi.useRealTimers();
    }
    a.sendMutate(setStep('kick', 1, true), 1);
    expect(await a.outcomeOf(1, a.messages.length)).toMatchObject({ type: 'error', code: 'seq_conflict', clientSeq: 1 });
  });
});
