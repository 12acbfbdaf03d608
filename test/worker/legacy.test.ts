/**
 * Load order on wake: DO storage, then (sessions from before DO storage) the KV
 * document, copied into DO storage at once, then nothing (invariant 4).
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { makeTrack, sessionFromTemplate } from '../../core';
import { sessionKey, type SessionDocument } from '../../worker/room/kvProjection';
import { api, env, eventually, kvDoc, room, roomStats, serverState, setStep, tableNames, TestClient } from './helpers';

/** A KV document as the first release wrote it: no model version. */
function legacyDocument(id: string, version: number): Omit<SessionDocument, 'model'> {
  const session = sessionFromTemplate('lofi', 1_700_000_000_000)!;
  return {
    ...session,
    name: 'From the old days',
    tracks: [...session.tracks, makeTrack({ id: 'old-1', name: 'Old', instrument: 'piano', on: [1, 5] })],
    id,
    version,
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_100_000,
  };
}

describe('a legacy KV document with no DO storage', () => {
  it('is adopted into DO storage on first connect, then editing works and versions keep counting up', async () => {
    const id = crypto.randomUUID();
    const legacy = legacyDocument(id, 42);
    await env.KV.put(sessionKey(id), JSON.stringify(legacy));
    expect(await tableNames(id)).toEqual([]);
    expect((await api(`/api/sessions/${id}`)).status).toBe(200); // served from KV, no room touched
    expect(await tableNames(id)).toEqual([]);

    const a = await TestClient.join(id);
    const { id: _i, version: _v, createdAt: _c, updatedAt: _u, ...session } = legacy;
    expect(a.messages[0]).toMatchObject({ type: 'snapshot' });
    expect(a.replica!.confirmed).toEqual(session);
    expect(await tableNames(id)).toEqual(['log', 'state']);
    const adoptedAt = a.replica!.version;
    // The adopted session keeps the legacy version: nobody sees it go backwards.
    expect(adoptedAt).toBe(42);

    const seq = a.mutate(setStep('old-1', 2, true));
    expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', version: 43 });
    a.close();
    const doc = await eventually(
      () => kvDoc(id),
      (d) => d?.version === 43,
    );
    expect(doc!.tracks.find((t) => t.id === 'old-1')!.steps.slice(0, 6)).toEqual([false, true, true, false, false, true]);
    expect(doc!.createdAt).toBeGreaterThan(0);

    // Storage, not KV, is now the source: a stale KV document does not come back.
    await env.KV.put(sessionKey(id), JSON.stringify(legacy));
    await evictDurableObject(room(id), { webSockets: 'close' });
    const b = await TestClient.join(id);
    expect(b.messages[0]).toMatchObject({ type: 'snapshot', version: 43 });
    expect(b.replica!.confirmed).toEqual((await serverState(id)).session);
  });

  it('that cannot be read is refused with a clear reason (close 4009, never a silent 404) and leaves no storage behind', async () => {
    const id = crypto.randomUUID();
    await env.KV.put(sessionKey(id), JSON.stringify({ ...legacyDocument(id, 3), tempo: 'fast' }));
    const client = await TestClient.connect(id);
    expect(await client.closed()).toEqual({ code: 4009, reason: expect.stringContaining('tempo') });
    expect(await tableNames(id)).toEqual([]);
    expect(await roomStats(id)).toMatchObject({ version: null, kvWrites: null });
  });
});
