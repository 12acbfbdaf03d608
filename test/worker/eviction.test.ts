/**
 * A mutation acknowledged before an eviction is present after it, whichever way
 * the room wakes (failure modes 3 and 4), and the version never goes backwards
 * (failure mode 5).
 */
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createSession, eventually, kvDoc, room, roomStats, rowIn, serverState, setStep, TestClient } from './helpers';

/** A session with one editor whose edit (kick step 5 on, version 1) has been acknowledged. */
async function acknowledgedEdit() {
  const id = await createSession();
  const a = await TestClient.join(id);
  const seq = a.mutate(setStep('kick', 5, true));
  expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', version: 1, clientSeq: seq });
  return { id, a, stub: room(id) };
}

describe('an acknowledged mutation survives eviction', () => {
  it('woken by fetch: a new connection gets it in its snapshot', async () => {
    const { id, a, stub } = await acknowledgedEdit();
    await evictDurableObject(stub, { webSockets: 'close' });
    expect((await a.closed()).code).not.toBe(1000);

    const b = await TestClient.join(id);
    expect(b.messages[0]).toMatchObject({ type: 'snapshot', version: 1 });
    expect(rowIn(b.replica!.confirmed, 'kick').steps[5]).toBe(true);
    // The next change continues the sequence instead of reusing a version.
    const seq = b.mutate(setStep('kick', 6, true));
    expect(await b.outcomeOf(seq)).toMatchObject({ type: 'change', version: 2 });
  });

  it('woken by a message on a hibernated socket: state reloaded, the edit applies on top', async () => {
    const { id, a, stub } = await acknowledgedEdit();
    await evictDurableObject(stub, { webSockets: 'hibernate' });
    expect(a.isOpen).toBe(true);

    const seq = a.mutate(setStep('kick', 7, true)); // wakes the room through webSocketMessage
    expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', version: 2, clientSeq: seq });
    const state = await serverState(id);
    expect(state.version).toBe(2);
    expect(rowIn(state.session, 'kick').steps[5]).toBe(true);
    expect(rowIn(state.session, 'kick').steps[7]).toBe(true);
    expect(a.replica!.confirmed).toEqual(state.session);
    // A fresh instance answered (its counters start at its load): the eviction was real.
    expect((await roomStats(id)).mutationsApplied).toBe(1);
  });

  it('woken by a close on a hibernated socket: the last editor leaving still writes KV', async () => {
    const { id, a, stub } = await acknowledgedEdit();
    const before = await roomStats(id);
    expect(before.kvWrites).toBe(0); // creating writes no KV
    await evictDurableObject(stub, { webSockets: 'hibernate' });

    a.close(); // wakes the room through webSocketClose
    const doc = await eventually(
      () => kvDoc(id),
      (d) => d?.version === 1,
    );
    expect(rowIn(doc!, 'kick').steps[5]).toBe(true);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, publishedVersion: 1, mutationsApplied: 0 });
  });

  it('woken by the alarm: the backstop writes KV from storage', async () => {
    const { id, stub } = await acknowledgedEdit();
    expect((await roomStats(id)).alarmAt).not.toBeNull();
    await evictDurableObject(stub, { webSockets: 'hibernate' });

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const doc = await kvDoc(id);
    expect(doc?.version).toBe(1);
    expect(rowIn(doc!, 'kick').steps[5]).toBe(true);
    expect(await roomStats(id)).toMatchObject({ version: 1, publishedVersion: 1, kvWrites: 1, alarmAt: null, mutationsApplied: 0 });
  });
});

describe('the version never goes backwards across evictions', () => {
  it('keeps counting through repeated evictions of both kinds', async () => {
    const id = await createSession();
    const stub = room(id);
    let client = await TestClient.join(id);
    const versions: number[] = [];
    for (let round = 0; round < 6; round++) {
      const seq = client.mutate(setStep('hat', round, round % 2 === 0));
      const echo = await client.outcomeOf(seq);
      versions.push(echo.type === 'change' ? echo.version : -1);
      const hibernate = round % 2 === 0;
      await evictDurableObject(stub, { webSockets: hibernate ? 'hibernate' : 'close' });
      expect((await roomStats(id)).version).toBe(round + 1);
      if (!hibernate) client = await TestClient.join(id, { clientId: client.clientId, replica: client.replica });
    }
    expect(versions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(client.replica!.confirmed).toEqual((await serverState(id)).session);
  });
});
