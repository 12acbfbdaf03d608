/**
 * Storage written by earlier versions (test/fixtures/v<N>/, written by running that
 * version's code) opens in this one with nothing lost: a room's SQLite database of
 * layout 1 is migrated on wake, in one transaction, into layout 2; a legacy KV
 * document is adopted; a published beat is served, played and remixed.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { type BeatDocument, MODEL_VERSION, migrateMutation, migrateSession, type ServerMessage, type Session } from '../../core';
import { beatKey, sessionKey } from '../../worker/room/kvProjection';
import { api, env, room, serverState, tableNames, TestClient } from './helpers';
import beatV1 from '../fixtures/v1/beat.json';
import expectedV1 from '../fixtures/v1/expected.json';
import galleryV1 from '../fixtures/v1/gallery.json';
import roomV1 from '../fixtures/v1/room.json';
import sessionV1 from '../fixtures/v1/session.json';

type Row = Record<string, SqlStorageValue>;
const roomTables = (roomV1 as unknown as { tables: Record<string, { sql: string; rows: Row[] }> }).tables;
const SESSION_ID = (roomTables.meta!.rows.find((r) => r.key === 'id')!.value as string) ?? '';

function lifted(session: unknown): Session {
  const result = migrateSession(session, 1);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** Write every table and row of a fixture database into the (unseeded) room of `id`. */
async function restoreDatabase(id: string, tables: Record<string, { sql: string; rows: Row[] }>) {
  await runInDurableObject(room(id), (_instance, state) => {
    for (const { sql, rows } of Object.values(tables)) {
      state.storage.sql.exec(sql);
      for (const row of rows) {
        const columns = Object.keys(row);
        state.storage.sql.exec(
          `INSERT INTO ${/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/.exec(sql)![1]} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
          ...columns.map((c) => row[c]!),
        );
      }
    }
  });
}

describe('a room written by model 1 (storage layout 1)', () => {
  it('wakes migrated to layout 2 with every value, every writer and the log intact; editing goes on', async () => {
    await restoreDatabase(SESSION_ID, roomTables);
    // The room loaded (nothing) before the rows were there: wake it afresh on them.
    await evictDurableObject(room(SESSION_ID));
    const state = await serverState(SESSION_ID);
    expect(state.version).toBe(expectedV1.version);
    expect(state.session).toEqual(lifted(expectedV1.session));
    expect(await tableNames(SESSION_ID)).toEqual(['log', 'refusals', 'state']);

    // The newest log entries came along (lifted to this model): a client a few versions
    // behind still catches up from the log.
    const behind = await TestClient.connect(SESSION_ID);
    const reply = await behind.hello({ version: expectedV1.version - 20, resendPending: false });
    expect(reply).toMatchObject({ type: 'catchup', fromVersion: expectedV1.version - 20 });
    const logged = roomTables
      .log!.rows.filter((r) => (r.version as number) > expectedV1.version - 20)
      .sort((a, b) => (a.version as number) - (b.version as number));
    expect((reply as Extract<ServerMessage, { type: 'catchup' }>).changes.map((c) => c.mutation)).toEqual(
      logged.map((r) => {
        const m = migrateMutation(JSON.parse(r.mutation as string), 1);
        if (!m.ok) throw new Error(m.message);
        return m.value;
      }),
    );
    behind.close();

    // Each writer's record survived: what it was told was applied is acked again, what
    // was refused is refused again, and its next edit follows its last clientSeq.
    const [writer, lastAcked] = Object.entries(expectedV1.acknowledged).sort(([, a], [, b]) => b - a)[0]!;
    const ackedRow = roomTables.log!.rows.find((r) => r.client_id === writer && r.client_seq === lastAcked)!;
    const a = await TestClient.join(SESSION_ID, { clientId: writer });
    a.sendMutate(JSON.parse(ackedRow.mutation as string), lastAcked);
    expect(await a.outcomeOf(lastAcked)).toEqual({ type: 'ack', clientSeq: lastAcked, version: expectedV1.version });
    const refused = expectedV1.refused.find((r) => r.clientId === writer)!;
    a.sendMutate({ type: 'set_step', trackId: 'gone', step: 0, on: true }, refused.clientSeq);
    expect(await a.outcomeOf(refused.clientSeq, a.messages.length)).toMatchObject({ type: 'error', code: refused.code });
    const next = Math.max(lastAcked, ...expectedV1.refused.filter((r) => r.clientId === writer).map((r) => r.clientSeq)) + 1;
    const track = state.session.tracks[0]!;
    a.sendMutate({ type: 'set_transpose', trackId: track.id, transpose: 5 }, next);
    expect(await a.outcomeOf(next)).toMatchObject({ type: 'change', version: expectedV1.version + 1 });

    // And the migrated layout is what the next wake reads.
    a.close();
    await evictDurableObject(room(SESSION_ID), { webSockets: 'close' });
    const after = await serverState(SESSION_ID);
    expect(after.version).toBe(expectedV1.version + 1);
    expect(after.session.tracks[0]).toEqual({ ...lifted(expectedV1.session).tracks[0], transpose: 5 });
  });
});

describe('KV documents written by model 1', () => {
  it('a legacy session document (no room storage) is adopted, lifted, at its own version', async () => {
    const id = crypto.randomUUID();
    await env.KV.put(sessionKey(id), JSON.stringify({ ...sessionV1, id }));
    const { id: _i, version, createdAt: _c, updatedAt: _u, ...session } = sessionV1;
    const client = await TestClient.join(id);
    expect(client.messages[0]).toMatchObject({ type: 'snapshot', version, model: MODEL_VERSION });
    expect(client.replica!.confirmed).toEqual(lifted(session));
    // Served over HTTP in this version's shape too.
    const served = (await (await api(`/api/sessions/${id}`)).json()) as Record<string, unknown>;
    expect(served).toMatchObject({ model: MODEL_VERSION, version });
  });

  it('a published beat is served, pictured, listed and remixed with every value intact', async () => {
    const beat = beatV1 as unknown as BeatDocument;
    await env.KV.put(beatKey(beat.beatId), JSON.stringify(beatV1));
    await env.KV.put(galleryV1.key, galleryV1.value, { metadata: galleryV1.metadata });
    const { beatId: _b, publishedAt: _p, ...music } = beatV1;
    const expected = lifted(music);

    const served = (await (await api(`/api/beats/${beat.beatId}`)).json()) as BeatDocument;
    const { model, beatId, publishedAt, ...session } = served;
    expect({ model, beatId, publishedAt }).toEqual({ model: MODEL_VERSION, beatId: beat.beatId, publishedAt: beat.publishedAt });
    expect(session).toEqual(expected);

    // The beat page, the embed, the preview picture and oEmbed read it through the same
    // readBeat (worker/http/beats.ts); their HTML needs the built assets (e2e covers it).
    const preview = await api(`/b/${beat.beatId}/preview.png`);
    expect(preview.status).toBe(200);

    const gallery = (await (await api('/api/beats')).json()) as { beats: { beatId: string }[] };
    expect(gallery.beats.map((b) => b.beatId)).toContain(beat.beatId);

    const remix = await api(`/api/beats/${beat.beatId}/remix`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(remix.status).toBe(201);
    const { id } = (await remix.json()) as { id: string };
    const remixed = await serverState(id);
    const { name: _n, timeline: _t, lineage, ...remixMusic } = remixed.session;
    const { name: _n2, timeline: _t2, lineage: _l2, ...beatMusic } = expected;
    expect(remixMusic).toEqual(beatMusic);
    expect(lineage.remixedFrom).toEqual({ kind: 'beat', id: beat.beatId, name: beat.name });
  });
});
