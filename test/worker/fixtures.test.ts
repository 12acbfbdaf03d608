/**
 * Storage written by earlier versions (test/fixtures/v<N>/, written by running that
 * version's code) opens in this one with nothing lost: a room's SQLite database is
 * woken in this code's layout (layout 1 is migrated, in one transaction, into layout 2)
 * and model; a KV session document without room storage is adopted; a published beat is
 * served, played and remixed. Every version's fixtures go through the same tests.
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
import beatV2 from '../fixtures/v2/beat.json';
import expectedV2 from '../fixtures/v2/expected.json';
import galleryV2 from '../fixtures/v2/gallery.json';
import roomV2 from '../fixtures/v2/room.json';
import sessionV2 from '../fixtures/v2/session.json';

type Row = Record<string, SqlStorageValue>;
type Tables = Record<string, { sql: string; rows: Row[] }>;
type Expected = {
  version: number;
  session: unknown;
  acknowledged: Record<string, number>;
  refused: { clientId: string; clientSeq: number; code: string }[];
};
type Doc = Record<string, unknown>;

/** The documents each released model version stored (test/fixtures/v<N>/, written by running it). */
const FIXTURES = [
  { from: 1, layout: 1, room: roomV1, expected: expectedV1, session: sessionV1, beat: beatV1, gallery: galleryV1 },
  { from: 2, layout: 2, room: roomV2, expected: expectedV2, session: sessionV2, beat: beatV2, gallery: galleryV2 },
].map((f) => ({
  ...f,
  tables: (f.room as unknown as { tables: Tables }).tables,
  expected: f.expected as Expected,
  session: f.session as Doc,
  beat: f.beat as unknown as BeatDocument & Doc,
  gallery: f.gallery as { key: string; value: string; metadata: Doc },
}));

/** The session id a room's database holds: layout 2's snapshot row, or layout 1's meta 'id' row. */
function sessionIdOf(tables: Tables): string {
  const snapshot = tables.state?.rows.find((r) => r.key === 'snapshot');
  if (snapshot) return (JSON.parse(snapshot.value as string) as { id: string }).id;
  return tables.meta!.rows.find((r) => r.key === 'id')!.value as string;
}

function lifted(session: unknown, from: number): Session {
  const result = migrateSession(session, from);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

/** Write every table and row of a fixture database into the (unseeded) room of `id`. */
async function restoreDatabase(id: string, tables: Tables) {
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

describe.each(FIXTURES)('a room written by model $from (storage layout $layout)', ({ from, tables, expected }) => {
  const SESSION_ID = sessionIdOf(tables);

  it('wakes in layout 2 with every value, every writer and the log intact; editing goes on', async () => {
    await restoreDatabase(SESSION_ID, tables);
    // The room loaded (nothing) before the rows were there: wake it afresh on them.
    await evictDurableObject(room(SESSION_ID));
    const state = await serverState(SESSION_ID);
    expect(state.version).toBe(expected.version);
    expect(state.session).toEqual(lifted(expected.session, from));
    expect(await tableNames(SESSION_ID)).toEqual(['log', 'refusals', 'state']);

    // The newest log entries came along (lifted to this model): a client a few versions
    // behind still catches up from the log.
    const behind = await TestClient.connect(SESSION_ID);
    const reply = await behind.hello({ version: expected.version - 20, resendPending: false });
    expect(reply).toMatchObject({ type: 'catchup', fromVersion: expected.version - 20 });
    const logged = tables
      .log!.rows.filter((r) => (r.version as number) > expected.version - 20)
      .sort((a, b) => (a.version as number) - (b.version as number));
    expect((reply as Extract<ServerMessage, { type: 'catchup' }>).changes.map((c) => c.mutation)).toEqual(
      logged.map((r) => {
        const m = migrateMutation(JSON.parse(r.mutation as string), from);
        if (!m.ok) throw new Error(m.message);
        return m.value;
      }),
    );
    behind.close();

    // Each writer's record survived: what it was told was applied is acked again, what
    // was refused is refused again, and its next edit follows its last clientSeq.
    const [writer, lastAcked] = Object.entries(expected.acknowledged).sort(([, a], [, b]) => b - a)[0]!;
    const ackedRow = tables.log!.rows.find((r) => r.client_id === writer && r.client_seq === lastAcked)!;
    const a = await TestClient.join(SESSION_ID, { clientId: writer });
    a.sendMutate(JSON.parse(ackedRow.mutation as string), lastAcked);
    expect(await a.outcomeOf(lastAcked)).toEqual({ type: 'ack', clientSeq: lastAcked, version: expected.version });
    const refused = expected.refused.find((r) => r.clientId === writer)!;
    // Layout 2 keeps the refused mutation (its resend must be that one); layout 1 did not.
    const refusedRow = tables.refusals!.rows.find((r) => r.client_id === writer && r.client_seq === refused.clientSeq)!;
    const resent =
      typeof refusedRow.mutation === 'string' ? JSON.parse(refusedRow.mutation) : { type: 'set_step', trackId: 'gone', step: 0, on: true };
    a.sendMutate(resent, refused.clientSeq);
    expect(await a.outcomeOf(refused.clientSeq, a.messages.length)).toMatchObject({ type: 'error', code: refused.code });
    const next = Math.max(lastAcked, ...expected.refused.filter((r) => r.clientId === writer).map((r) => r.clientSeq)) + 1;
    const track = state.session.tracks[0]!;
    a.sendMutate({ type: 'set_transpose', trackId: track.id, transpose: 5 }, next);
    expect(await a.outcomeOf(next)).toMatchObject({ type: 'change', version: expected.version + 1 });

    // And the layout 2 storage is what the next wake reads.
    a.close();
    await evictDurableObject(room(SESSION_ID), { webSockets: 'close' });
    const after = await serverState(SESSION_ID);
    expect(after.version).toBe(expected.version + 1);
    expect(after.session.tracks[0]).toEqual({ ...lifted(expected.session, from).tracks[0], transpose: 5 });
    expect(after.session.tracks.slice(1)).toEqual(lifted(expected.session, from).tracks.slice(1));
  });
});

describe.each(FIXTURES)('KV documents written by model $from', ({ from, session: stored, beat: storedBeat, gallery }) => {
  it('a session document with no room storage (a legacy one) is adopted, lifted, at its own version', async () => {
    const id = crypto.randomUUID();
    await env.KV.put(sessionKey(id), JSON.stringify({ ...stored, id }));
    const { model: _m, id: _i, version, createdAt: _c, updatedAt: _u, ...session } = stored;
    const client = await TestClient.join(id);
    expect(client.messages[0]).toMatchObject({ type: 'snapshot', version, model: MODEL_VERSION });
    expect(client.replica!.confirmed).toEqual(lifted(session, from));
    // Served over HTTP in this version's shape too.
    const served = (await (await api(`/api/sessions/${id}`)).json()) as Record<string, unknown>;
    expect(served).toMatchObject({ model: MODEL_VERSION, version });
  });

  it('a published beat is served, pictured, listed and remixed with every value intact', async () => {
    await env.KV.put(beatKey(storedBeat.beatId), JSON.stringify(storedBeat));
    await env.KV.put(gallery.key, gallery.value, { metadata: gallery.metadata });
    const { model: _m, beatId: _b, publishedAt: _p, ...music } = storedBeat;
    const expected = lifted(music, from);

    const served = (await (await api(`/api/beats/${storedBeat.beatId}`)).json()) as BeatDocument;
    const { model, beatId, publishedAt, ...session } = served;
    expect({ model, beatId, publishedAt }).toEqual({
      model: MODEL_VERSION,
      beatId: storedBeat.beatId,
      publishedAt: storedBeat.publishedAt,
    });
    expect(session).toEqual(expected);

    // The beat page, the embed, the preview picture and oEmbed read it through the same
    // readBeat (worker/http/beats.ts); their HTML needs the built assets (e2e covers it).
    const preview = await api(`/b/${storedBeat.beatId}/preview.png`);
    expect(preview.status).toBe(200);

    const listed = (await (await api('/api/beats')).json()) as { beats: { beatId: string }[] };
    expect(listed.beats.map((b) => b.beatId)).toContain(storedBeat.beatId);

    const remix = await api(`/api/beats/${storedBeat.beatId}/remix`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(remix.status).toBe(201);
    const { id } = (await remix.json()) as { id: string };
    const remixed = await serverState(id);
    const { name: _n, timeline: _t, lineage, ...remixMusic } = remixed.session;
    const { name: _n2, timeline: _t2, lineage: _l2, ...beatMusic } = expected;
    expect(remixMusic).toEqual(beatMusic);
    expect(lineage.remixedFrom).toEqual({ kind: 'beat', id: storedBeat.beatId, name: storedBeat.name });
  });
});
