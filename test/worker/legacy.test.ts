/**
 * Load order on wake: DO storage, then (sessions from before DO storage) the KV
 * document, copied into DO storage at once, then nothing (invariant 4).
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { makeTrack, migrateSession, rowOf, type Session, sessionFromTemplate } from '../../core';
import { sessionKey } from '../../worker/room/kvProjection';
import { api, env, eventually, kvDoc, room, roomStats, rowIn, serverState, setStep, tableNames, TestClient } from './helpers';

/**
 * A KV document as the first release wrote it: no model version, each track holding its
 * one loop (length and step arrays), no transpose or swing, no patterns, song or transport.
 */
function legacyDocument(id: string, version: number) {
  const template = sessionFromTemplate('lofi', 1_700_000_000_000)!;
  const { patterns: _p, song: _s, transport: _t, ...session } = template;
  const tracks = [
    ...template.tracks.map((track) => ({ track, row: rowOf(template, 'A', track.id) })),
    makeTrack({ id: 'old-1', name: 'Old', instrument: 'piano', on: [1, 5] }),
  ].map(({ track: { transpose: _tr, swing: _sw, ...track }, row }) => ({ ...track, ...row }));
  return { ...session, name: 'From the old days', tracks, id, version, createdAt: 1_700_000_000_000, updatedAt: 1_700_000_100_000 };
}

/** The session a first-release document holds, lifted to this model. */
function liftedSession(doc: ReturnType<typeof legacyDocument>): Session {
  const { id: _i, version: _v, createdAt: _c, updatedAt: _u, ...session } = doc;
  const lifted = migrateSession(session, 1);
  if (!lifted.ok) throw new Error(lifted.message);
  return lifted.value;
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
    expect(a.messages[0]).toMatchObject({ type: 'snapshot' });
    // Lifted on adoption: each track's loop is its row in pattern A.
    const session = liftedSession(legacy);
    expect(a.replica!.confirmed).toEqual(session);
    expect(rowIn(session, 'old-1').steps.slice(0, 6)).toEqual([false, true, false, false, false, true]);
    expect(session.transport).toEqual({ song: false, pattern: 'A', from: 0, next: null });
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
    expect(rowIn(doc!, 'old-1').steps.slice(0, 6)).toEqual([false, true, true, false, false, true]);
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
