/**
 * The KV projection: written by the room when its last editor leaves, only if
 * something changed since the last write (a persisted publishedVersion), and by the
 * alarm backstop while an editor stays (failure modes 1, 2, 7). Never per mutation.
 */
import { evictDurableObject, runDurableObjectAlarm } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { KV_BACKSTOP_MS } from '../../worker/room/SessionRoom';
import { createSession, env, eventually, kvDoc, room, roomStats, rowIn, serverState, setStep, TestClient } from './helpers';

/** Wait until every socket is gone, then let in-flight close handlers drain (eviction waits for them). */
async function allLeft(id: string) {
  await eventually(
    () => roomStats(id),
    (s) => s.sockets === 0,
  );
  await evictDurableObject(room(id));
}

describe('KV projection', () => {
  it('is written exactly once for a session that was edited and then left', async () => {
    const id = await createSession();
    // Creating writes no KV: GET /api/sessions/<id> asks the room until the first publish.
    expect(await roomStats(id)).toMatchObject({ kvWrites: 0, publishedVersion: 0 });
    expect(await kvDoc(id)).toBeNull();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    for (const step of [0, 1, 2, 3]) a.mutate(setStep('bass', step, true));
    b.mutate({ type: 'set_tempo', tempo: 140 });
    await Promise.all([a.settled(), b.settled()]);
    expect((await roomStats(id)).kvWrites).toBe(0); // not per mutation

    const since = b.messages.length;
    a.close();
    // a's close has been handled once b hears the peer list without a; an editor remains.
    await b.waitFor((m) => m.type === 'peers' && m.peers.length === 1, { since });
    expect((await roomStats(id)).kvWrites).toBe(0);
    expect(await kvDoc(id)).toBeNull();

    b.close();
    await allLeft(id);
    const stats = await roomStats(id);
    expect(stats).toMatchObject({ kvWrites: 1, publishedVersion: 5, version: 5, alarmAt: null });
    const doc = await kvDoc(id);
    const { session } = await serverState(id);
    expect(doc).toMatchObject({ id, version: 5, tempo: 140 });
    expect(doc!.tracks).toEqual(session.tracks);
    // The whole session: the rows live in the patterns, with the song and the transport.
    expect({ patterns: doc!.patterns, song: doc!.song, transport: doc!.transport }).toEqual({
      patterns: session.patterns,
      song: session.song,
      transport: session.transport,
    });
    expect(rowIn(doc!, 'bass').steps.slice(0, 4)).toEqual([true, true, true, true]);
    // Nothing left to do: no backstop alarm pending, and a late one would write nothing.
    expect(await runDurableObjectAlarm(room(id))).toBe(false);
    expect((await roomStats(id)).kvWrites).toBe(1);
  });

  it('is written once when several editors leave at the same moment', async () => {
    const id = await createSession();
    const editors = [await TestClient.join(id), await TestClient.join(id), await TestClient.join(id)];
    editors[1]!.mutate(setStep('kick', 1, true));
    await editors[1]!.settled();
    for (const editor of editors) editor.close();
    await allLeft(id);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, publishedVersion: 1 });
    expect((await kvDoc(id))?.version).toBe(1);
  });

  it('is written once for a session opened and left unchanged, and not again when it is visited again', async () => {
    const id = await createSession();
    const first = await TestClient.join(id);
    first.close();
    await allLeft(id);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, version: 0 });
    const before = await kvDoc(id);
    expect(before).toMatchObject({ id, version: 0 });
    const a = await TestClient.join(id);
    const listener = await TestClient.connect(id);
    await listener.hello({ listenOnly: true });
    a.send({ type: 'presence', cursor: { trackId: 'kick', step: 3 }, playing: true, peer: { name: 'Ann', color: '#ff0000' } });
    await a.roundTrip();
    a.close();
    listener.close();
    await allLeft(id);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, version: 0, alarmAt: null });
    expect(await kvDoc(id)).toEqual(before); // same updatedAt: untouched
  });

  it('is written by the alarm when an editor never leaves, then not again when they do', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const seq = a.mutate(setStep('kick', 15, true));
    await a.outcomeOf(seq);
    const scheduled = (await roomStats(id)).alarmAt;
    expect(scheduled).not.toBeNull();
    expect(scheduled! - Date.now()).toBeLessThanOrEqual(KV_BACKSTOP_MS);

    expect(await runDurableObjectAlarm(room(id))).toBe(true);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, publishedVersion: 1, alarmAt: null });
    const doc = await kvDoc(id);
    expect(doc?.version).toBe(1);
    expect(rowIn(doc!, 'kick').steps[15]).toBe(true);

    // More edits re-arm the backstop, and it publishes the latest version.
    a.mutate(setStep('kick', 14, true));
    a.mutate({ type: 'set_session_name', name: 'Still here' });
    await a.settled();
    expect((await roomStats(id)).alarmAt).not.toBeNull();
    expect(await runDurableObjectAlarm(room(id))).toBe(true);
    expect(await kvDoc(id)).toMatchObject({ version: 3, name: 'Still here' });

    a.close();
    await allLeft(id);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 2, publishedVersion: 3, version: 3 });
  });

  it('the pending-publish state is durable: an editor evicted mid-session is still published on leaving', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.mutate(setStep('snare', 2, true));
    await a.settled();
    await evictDurableObject(room(id), { webSockets: 'hibernate' });
    // The alarm survived the eviction (it lives in storage, not memory).
    expect((await roomStats(id)).alarmAt).not.toBeNull();
    a.close();
    await allLeft(id);
    expect(await roomStats(id)).toMatchObject({ kvWrites: 1, publishedVersion: 1, alarmAt: null });
    expect(rowIn((await kvDoc(id))!, 'snare').steps[2]).toBe(true);
  });

  it('a failed KV write leaves the backstop armed; the alarm retries it, even after an eviction', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.mutate(setStep('hat', 1, true));
    await a.settled();
    // The room shares this isolate, so it sees the same KV binding object.
    const put = vi.spyOn(env.KV, 'put').mockRejectedValue(new Error('KV is down'));
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      a.close();
      await allLeft(id);
      expect(put).toHaveBeenCalledTimes(1);
      expect(log).toHaveBeenCalled();
      const stats = await roomStats(id);
      expect(stats).toMatchObject({ version: 1, publishedVersion: 0, kvWrites: 0 });
      expect(stats.alarmAt).not.toBeNull();
    } finally {
      put.mockRestore();
      log.mockRestore();
    }
    expect(await kvDoc(id)).toBeNull();
    await evictDurableObject(room(id));
    expect(await runDurableObjectAlarm(room(id))).toBe(true);
    expect(await roomStats(id)).toMatchObject({ publishedVersion: 1, kvWrites: 1, alarmAt: null });
    expect(rowIn((await kvDoc(id))!, 'hat').steps[1]).toBe(true);
  });
});
