/// <reference types="vite/client" />
/**
 * Storage written by earlier versions (test/fixtures/v<N>/, written by running that
 * version's code) opens in this one with nothing lost: a room's SQLite database is
 * woken in this code's layout (layout 1 is migrated, in one transaction, into layout 2)
 * and model (a model 1 or 2 room is lifted: its steps become pattern A; a model 4 room
 * wakes unchanged, its key, chords and sound shaping kept; a model 5 room its step
 * expression and seed; a model 6 room its own sounds, whose bytes, uploaded again, are
 * stored under the very keys its kit names; a model 7 room the same, its launches
 * counted from the longer lead); a KV
 * session document without room storage is adopted; a published beat is served, played
 * and remixed. Every version's fixtures go through the same tests, which also spell out
 * what each plays (its patterns, its song, its transport; a beat from the top) and edit
 * every pattern in use after the wake.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  type BeatDocument,
  chordMask,
  CONDITIONS,
  conditionLabel,
  cueAt,
  EXPRESSION_MODEL,
  freePatternId,
  KEYS_MODEL,
  LAUNCH_LEAD_MS,
  MODEL_VERSION,
  type Mutation,
  migrateMutation,
  migrateSession,
  patternsInUse,
  type ServerMessage,
  type Session,
  SOUNDS_MODEL,
  STEP_FIELDS,
  soundInstrument,
  soundKeyOf,
  stepDurationMs,
  TRACK_FIELDS,
} from '../../core';
import { beatKey, sessionKey } from '../../worker/room/kvProjection';
import { LOG_SLOTS } from '../../worker/room/RoomStorage';
import { api, env, room, rowIn, serverState, sqlRows, tableNames, TestClient } from './helpers';
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
import beatV3 from '../fixtures/v3/beat.json';
import expectedV3 from '../fixtures/v3/expected.json';
import galleryV3 from '../fixtures/v3/gallery.json';
import roomV3 from '../fixtures/v3/room.json';
import sessionV3 from '../fixtures/v3/session.json';
import beatV4 from '../fixtures/v4/beat.json';
import expectedV4 from '../fixtures/v4/expected.json';
import galleryV4 from '../fixtures/v4/gallery.json';
import roomV4 from '../fixtures/v4/room.json';
import sessionV4 from '../fixtures/v4/session.json';
import beatV5 from '../fixtures/v5/beat.json';
import expectedV5 from '../fixtures/v5/expected.json';
import galleryV5 from '../fixtures/v5/gallery.json';
import roomV5 from '../fixtures/v5/room.json';
import sessionV5 from '../fixtures/v5/session.json';
import beatV6 from '../fixtures/v6/beat.json';
import expectedV6 from '../fixtures/v6/expected.json';
import galleryV6 from '../fixtures/v6/gallery.json';
import roomV6 from '../fixtures/v6/room.json';
import sessionV6 from '../fixtures/v6/session.json';
import beatV7 from '../fixtures/v7/beat.json';
import expectedV7 from '../fixtures/v7/expected.json';
import galleryV7 from '../fixtures/v7/gallery.json';
import roomV7 from '../fixtures/v7/room.json';
import sessionV7 from '../fixtures/v7/session.json';
// The bytes of model 6's sounds (test/fixtures/v6/sounds/<key>.wav), as data: URLs.
import bellV6 from '../fixtures/v6/sounds/443b383812cd564769130f0cba574c20e557938b28d048d5da1eba46d0b0a4b6.wav?inline';
import voiceV6 from '../fixtures/v6/sounds/5a2f3d4a757f907e0231beba7959566c32e8af8d0d533c4fce1ee02a4657bc82.wav?inline';
import clapV6 from '../fixtures/v6/sounds/c85d269dd9272f71ecb5d5018d0b0c0a47d75dde0d2dd16605d52bcb90d8cc1e.wav?inline';

type Row = Record<string, SqlStorageValue>;
type Tables = Record<string, { sql: string; rows: Row[] }>;
type Expected = {
  version: number;
  session: unknown;
  acknowledged: Record<string, number>;
  refused: { clientId: string; clientSeq: number; code: string }[];
};
type Doc = Record<string, unknown>;

/**
 * What each fixture's session plays, spelled out from its README rather than derived
 * through migrate: before model 3 its one loop per track is pattern A, with no song and A
 * playing from step 0; model 3's has A, B ("Chorus") and C, a song of four entries that
 * plays, C queued, and its beat plays the song from the top (B first), C to follow.
 */
const BEFORE_PATTERNS = {
  patterns: { A: '' },
  song: [],
  transport: { song: false, pattern: 'A', from: 0, next: null },
  beatTransport: { song: false, pattern: 'A', from: 0, next: null },
  opening: 'A',
} as const;
const MODEL_3_FIXTURE = {
  patterns: { A: '', B: 'Chorus', C: 'Pont 🌉 — fin' },
  song: [
    ['B', 2],
    ['A', 2],
    ['C', 3],
    ['B', 4],
  ],
  transport: { song: true, pattern: 'B', from: 0, next: { pattern: 'C', at: 16 } },
  beatTransport: { song: true, pattern: 'C', from: 0, next: null },
  opening: 'B',
} as const;

/**
 * Model 6's own sounds, spelled out from test/fixtures/v6/README.md: the kit (key, name,
 * length), the tracks playing them by name (the voice is played by none), and each sound's
 * bytes as R2 stored them.
 */
const V6_SOUNDS = {
  clap: 'c85d269dd9272f71ecb5d5018d0b0c0a47d75dde0d2dd16605d52bcb90d8cc1e',
  voice: '5a2f3d4a757f907e0231beba7959566c32e8af8d0d533c4fce1ee02a4657bc82',
  bell: '443b383812cd564769130f0cba574c20e557938b28d048d5da1eba46d0b0a4b6',
} as const;
const V6_KIT: Record<string, { name: string; seconds: number }> = {
  [V6_SOUNDS.clap]: { name: 'Clap ✋ du garage', seconds: 0.3 },
  [V6_SOUNDS.voice]: { name: 'Voix — Léa 🎤', seconds: 0.5 },
  [V6_SOUNDS.bell]: { name: 'Cloche 鐘', seconds: 0.75 },
};
const V6_PLAYING = { 'Caisse claire é': V6_SOUNDS.bell, 'Trío △': V6_SOUNDS.clap };
const bytesOf = (dataUrl: string) => Uint8Array.from(atob(dataUrl.slice(dataUrl.indexOf(',') + 1)), (c) => c.charCodeAt(0));
const V6_FILES = { [V6_SOUNDS.clap]: bytesOf(clapV6), [V6_SOUNDS.voice]: bytesOf(voiceV6), [V6_SOUNDS.bell]: bytesOf(bellV6) };

/** Track name → the own sound it plays. */
const playing = (session: Session) =>
  Object.fromEntries(session.tracks.flatMap((t) => (soundKeyOf(t.instrument) ? [[t.name, soundKeyOf(t.instrument)]] : [])));

/** The documents each released model version stored (test/fixtures/v<N>/, written by running it). */
const FIXTURES = [
  { from: 1, layout: 1, room: roomV1, expected: expectedV1, session: sessionV1, beat: beatV1, gallery: galleryV1, plays: BEFORE_PATTERNS },
  { from: 2, layout: 2, room: roomV2, expected: expectedV2, session: sessionV2, beat: beatV2, gallery: galleryV2, plays: BEFORE_PATTERNS },
  { from: 3, layout: 2, room: roomV3, expected: expectedV3, session: sessionV3, beat: beatV3, gallery: galleryV3, plays: MODEL_3_FIXTURE },
  // Model 4's session is arranged as model 3's (the same script, the same patterns and song).
  { from: 4, layout: 2, room: roomV4, expected: expectedV4, session: sessionV4, beat: beatV4, gallery: galleryV4, plays: MODEL_3_FIXTURE },
  // And model 5's (the same again, with step expression and a seed).
  { from: 5, layout: 2, room: roomV5, expected: expectedV5, session: sessionV5, beat: beatV5, gallery: galleryV5, plays: MODEL_3_FIXTURE },
  // And model 6's (the same again, with own sounds).
  { from: 6, layout: 2, room: roomV6, expected: expectedV6, session: sessionV6, beat: beatV6, gallery: galleryV6, plays: MODEL_3_FIXTURE },
  // And model 7's (the same again; only a launch's lead changed, and its sounds are model 6's, byte for byte).
  { from: 7, layout: 2, room: roomV7, expected: expectedV7, session: sessionV7, beat: beatV7, gallery: galleryV7, plays: MODEL_3_FIXTURE },
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

/** A mutation (JSON) logged by model `from`, lifted to this model. */
function liftedMutation(json: string, from: number): Mutation {
  const m = migrateMutation(JSON.parse(json), from);
  if (!m.ok) throw new Error(m.message);
  return m.value;
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

describe.each(FIXTURES)('a room written by model $from (storage layout $layout)', ({ from, tables, expected, plays }) => {
  const SESSION_ID = sessionIdOf(tables);

  it('wakes in layout 2 with every value, every writer and the log intact; editing goes on', async () => {
    await restoreDatabase(SESSION_ID, tables);
    // The room loaded (nothing) before the rows were there: wake it afresh on them.
    await evictDurableObject(room(SESSION_ID));
    const state = await serverState(SESSION_ID);
    expect(state.version).toBe(expected.version);
    expect(state.session).toEqual(lifted(expected.session, from));
    expect(await tableNames(SESSION_ID)).toEqual(['log', 'refusals', 'state']);
    // What it plays, spelled out: the patterns in use with their names, the song, the transport.
    const { session } = state;
    expect(Object.fromEntries(patternsInUse(session).map((p) => [p, session.patterns[p]!.name]))).toEqual(plays.patterns);
    expect(session.song.entries.map((e) => [e.pattern, e.repeats])).toEqual(plays.song);
    expect(session.transport).toEqual(plays.transport);
    if (from >= KEYS_MODEL) {
      // Model 4's key, chords and sound shaping, as the room stored them (spelled out in
      // test/fixtures/v4/README.md; the comparison above covers every value).
      const stored = expected.session as Session;
      expect(session.key).toEqual({ root: 4, scale: 'phrygian', lock: true });
      expect(rowIn(session, 'keys', 'A').chords[0]).toBe(chordMask([4, 7]));
      expect(session.tracks.find((t) => t.id === 'hat')).toMatchObject({ filter: 'highpass', cutoff: 5200, resonance: 8, decay: 0.12 });
      for (const field of Object.keys(TRACK_FIELDS) as (keyof typeof TRACK_FIELDS)[]) {
        expect(
          session.tracks.map((t) => t[field]),
          field,
        ).toEqual(stored.tracks.map((t) => t[field]));
      }
    }
    if (from >= EXPRESSION_MODEL) {
      // Model 5's step expression and seed, as the room stored them (spelled out in
      // test/fixtures/v5/README.md; the comparison above covers every value).
      const stored = expected.session as Session;
      expect(session.seed).toBe(1_414_213_562);
      const hat = rowIn(session, 'hat', 'A');
      expect([hat.probabilities[6], hat.ratchets[14], hat.ramps[14]]).toEqual([35, 4, -60]);
      expect(conditionLabel(CONDITIONS[rowIn(session, 'kick', 'B').conditions[4]!]!)).toBe('3:4');
      expect(conditionLabel(CONDITIONS[rowIn(session, 'snare', 'A').conditions[4]!]!)).toBe('Fill');
      expect(rowIn(session, 'keys', 'A').noteLengths[6]).toBe(6);
      expect([rowIn(session, 'kick', 'A').nudges[0], rowIn(session, 'snare', 'A').nudges[12]]).toEqual([-15, 20]);
      for (const pattern of patternsInUse(session)) {
        for (const t of session.tracks) {
          for (const f of Object.values(STEP_FIELDS).filter((x) => x.since === EXPRESSION_MODEL)) {
            expect(rowIn(session, t.id, pattern)[f.array], `${pattern} ${t.name} ${f.array}`).toEqual(
              rowIn(stored, t.id, pattern)[f.array],
            );
          }
        }
      }
    }
    if (from >= SOUNDS_MODEL) {
      // Model 6's own sounds, as the room stored them (spelled out in test/fixtures/v6/README.md).
      expect(session.sounds).toEqual(V6_KIT);
      expect(playing(session)).toEqual(V6_PLAYING);
    }

    // The newest log entries came along (lifted to this model): a client a few versions
    // behind still catches up from the log.
    const behind = await TestClient.connect(SESSION_ID);
    const reply = await behind.hello({ version: expected.version - 20, resendPending: false });
    expect(reply).toMatchObject({ type: 'catchup', fromVersion: expected.version - 20 });
    const logged = tables
      .log!.rows.filter((r) => (r.version as number) > expected.version - 20)
      .sort((a, b) => (a.version as number) - (b.version as number));
    expect((reply as Extract<ServerMessage, { type: 'catchup' }>).changes.map((c) => c.mutation)).toEqual(
      logged.map((r) => liftedMutation(r.mutation as string, from)),
    );
    behind.close();

    // Each writer's record survived: what it was told was applied is acked again, what
    // was refused is refused again, and its next edit follows its last clientSeq.
    const [writer, lastAcked] = Object.entries(expected.acknowledged).sort(([, a], [, b]) => b - a)[0]!;
    const ackedRow = tables.log!.rows.find((r) => r.client_id === writer && r.client_seq === lastAcked)!;
    const a = await TestClient.join(SESSION_ID, { clientId: writer });
    // Resent as the reloaded page sends what it had saved: lifted to this model.
    a.sendMutate(liftedMutation(ackedRow.mutation as string, from), lastAcked);
    expect(await a.outcomeOf(lastAcked)).toEqual({ type: 'ack', clientSeq: lastAcked, version: expected.version });
    const refused = expected.refused.find((r) => r.clientId === writer)!;
    // Layout 2 keeps the refused mutation (its resend must be that one); layout 1 did not.
    const refusedRow = tables.refusals!.rows.find((r) => r.client_id === writer && r.client_seq === refused.clientSeq)!;
    const resent =
      typeof refusedRow.mutation === 'string'
        ? liftedMutation(refusedRow.mutation, from)
        : ({ type: 'set_step', trackId: 'gone', pattern: 'A', step: 0, on: true } as const);
    a.sendMutate(resent, refused.clientSeq);
    expect(await a.outcomeOf(refused.clientSeq, a.messages.length)).toMatchObject({ type: 'error', code: refused.code });
    const next = Math.max(lastAcked, ...expected.refused.filter((r) => r.clientId === writer).map((r) => r.clientSeq)) + 1;
    const track = state.session.tracks[0]!;
    a.sendMutate({ type: 'set_transpose', trackId: track.id, transpose: 5 }, next);
    expect(await a.outcomeOf(next)).toMatchObject({ type: 'change', version: expected.version + 1 });
    // Editing goes on in every pattern in use; the pattern that plays cannot be deleted (the
    // last one, before model 3; in model 3's, one the song plays); a pattern not in use
    // cannot be edited.
    const inUse = patternsInUse(session);
    let seq = next;
    for (const [i, pattern] of inUse.entries()) {
      a.sendMutate({ type: 'set_step', trackId: track.id, pattern, step: 2, on: !rowIn(session, track.id, pattern).steps[2] }, ++seq);
      expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', version: expected.version + 2 + i });
    }
    a.sendMutate({ type: 'delete_pattern', pattern: session.transport.pattern }, ++seq);
    expect(await a.outcomeOf(seq)).toMatchObject({ type: 'error', code: 'pattern_in_use' });
    a.sendMutate({ type: 'set_step', trackId: track.id, pattern: freePatternId(session)!, step: 0, on: true }, ++seq);
    expect(await a.outcomeOf(seq)).toMatchObject({ type: 'error', code: 'unknown_pattern' });

    // And the layout 2 storage is what the next wake reads.
    a.close();
    await evictDurableObject(room(SESSION_ID), { webSockets: 'close' });
    const after = await serverState(SESSION_ID);
    expect(after.version).toBe(expected.version + 1 + inUse.length);
    expect(after.session.tracks[0]).toEqual({ ...lifted(expected.session, from).tracks[0], transpose: 5 });
    expect(after.session.tracks.slice(1)).toEqual(lifted(expected.session, from).tracks.slice(1));
    expect(patternsInUse(after.session)).toEqual(inUse);
    for (const pattern of inUse) {
      const before = rowIn(session, track.id, pattern);
      expect(rowIn(after.session, track.id, pattern)).toEqual({ ...before, steps: before.steps.map((on, i) => (i === 2 ? !on : on)) });
    }
    expect({ song: after.session.song, transport: after.session.transport }).toEqual({ song: session.song, transport: session.transport });
    expect(after.session.sounds).toEqual(session.sounds);

    if (from >= SOUNDS_MODEL) {
      // The kit plays on after the wake: a track set to play the voice (in the kit: no
      // upload needed), the voice added again (already there: applied, nothing changes),
      // the bell renamed; a sound outside the kit refused, the kit unchanged.
      const b = await TestClient.join(SESSION_ID);
      const edits: Mutation[] = [
        { type: 'set_instrument', trackId: track.id, instrument: soundInstrument(V6_SOUNDS.voice) },
        { type: 'add_sound', key: V6_SOUNDS.voice, name: 'Encore', seconds: 0.5 },
        { type: 'rename_sound', key: V6_SOUNDS.bell, name: 'Cloche 🔔' },
      ];
      for (const [i, m] of edits.entries()) {
        b.sendMutate(m, i + 1);
        expect(await b.outcomeOf(i + 1)).toMatchObject({ type: 'change', version: after.version + 1 + i });
      }
      b.sendMutate({ type: 'set_instrument', trackId: track.id, instrument: soundInstrument('0'.repeat(64)) }, 4);
      expect(await b.outcomeOf(4)).toMatchObject({ type: 'error', code: 'unknown_sound' });
      b.close();
      const played = await serverState(SESSION_ID);
      expect(played.version).toBe(after.version + edits.length);
      expect(played.session.sounds).toEqual({ ...V6_KIT, [V6_SOUNDS.bell]: { name: 'Cloche 🔔', seconds: 0.75 } });
      expect(playing(played.session)).toEqual({ ...V6_PLAYING, [track.name]: V6_SOUNDS.voice });
    }
  });
});

describe.each(FIXTURES)('KV documents written by model $from', ({ from, session: stored, beat: storedBeat, gallery, plays }) => {
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
    // It plays from the top: the song from its first entry when it has one (model 3's).
    expect(served.transport).toEqual(plays.beatTransport);
    expect(served.song.start).toBeNull();
    expect(cueAt(served, 0)).toMatchObject({ pattern: plays.opening, start: 0 });

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

    if (from >= SOUNDS_MODEL) {
      // The beat and its remix play model 6's sounds: the kit, and the tracks playing them.
      expect(served.sounds).toEqual(V6_KIT);
      expect(playing(served)).toEqual(V6_PLAYING);
      // Each sound's bytes (test/fixtures/v6/sounds), uploaded to the remix, are stored
      // under the key the kit names (their SHA-256, as this Worker computes it) and served
      // as they are: the beat's keys point at those bytes.
      for (const [key, bytes] of Object.entries(V6_FILES)) {
        const upload = await api(`/api/sessions/${id}/sounds`, { method: 'POST', body: bytes, headers: { 'Content-Type': 'audio/wav' } });
        // 201 stored now; 200 already stored (model 7's sounds are model 6's bytes, uploaded by its test).
        expect([201, 200], key).toContain(upload.status);
        expect(await upload.json()).toEqual({ key, bytes: bytes.length, durationMs: V6_KIT[key]!.seconds * 1000 });
        const download = await api(`/api/sounds/${key}`);
        expect(download.status).toBe(200);
        expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);
      }
    }
  });
});

describe('a room written by model 2 (storage layout 2)', () => {
  /** 128 entries: `fill` everywhere, `at` where given. */
  const array = <T>(fill: T, at: Record<number, T> = {}) => Array.from({ length: 128 }, (_, i) => (i in at ? at[i]! : fill));
  const onAt = (...steps: number[]) => array(false, Object.fromEntries(steps.map((s) => [s, true])));

  /** A model 2 track: the shared fields, then its one loop. */
  function v2Track(id: string, name: string, instrument: string, length: number, on: number[], extra: object = {}) {
    return {
      id,
      name,
      instrument,
      length,
      volume: 0.6,
      pan: -0.25,
      transpose: 3,
      swing: 40,
      steps: onAt(...on),
      velocities: array(100, { [on[0] ?? 0]: 55 }),
      pitches: array(0),
      ...extra,
    };
  }

  /** The session as of the snapshot (version 3), in model 2. */
  function snapshotSession() {
    return {
      name: 'Model two',
      tempo: 96,
      swing: 12,
      tracks: [
        v2Track('kick', 'Kick', 'studio-kick', 12, [0, 3, 9]),
        v2Track('bass', 'Bass', 'synth-bass', 16, [0, 7], { pitches: array(0, { 0: -5, 7: 12 }), swing: null }),
        v2Track('hat', 'Hat', 'studio-hat', 16, []),
      ],
      effects: { reverb: 0.3, delay: 0.1, delayFeedback: 0.5 },
      timeline: { anchorMs: 1_700_000_000_000, together: true, playing: false },
      lineage: { remixedFrom: null },
    };
  }

  const WRITER = 'writer-2';
  /** Log rows as model 2 wrote them: versions 1–3 folded into the snapshot, 4–9 after it. */
  const LOGGED: [version: number, clientSeq: number, mutation: object][] = [
    [1, 1, { type: 'set_tempo', tempo: 96 }],
    [2, 2, { type: 'set_step', trackId: 'kick', step: 9, on: true }],
    [3, 3, { type: 'set_length', trackId: 'kick', length: 12 }],
    // clientSeq 4 was refused (the refusals table).
    [4, 5, { type: 'set_step', trackId: 'kick', step: 5, on: true }],
    [5, 6, { type: 'set_length', trackId: 'kick', length: 7 }],
    [6, 7, { type: 'set_pattern', trackId: 'hat', pattern: { steps: onAt(1, 3), velocities: array(90), pitches: array(0) } }],
    [7, 8, { type: 'add_track', track: v2Track('lead', 'Lead', 'piano', 24, [2, 20]), beforeTrackId: 'hat' }],
    [8, 9, { type: 'set_velocity', trackId: 'lead', step: 20, velocity: 33 }],
    [9, 10, { type: 'set_pitch', trackId: 'bass', step: 7, pitch: -12 }],
  ];
  const REFUSED = { type: 'set_step', trackId: 'gone', step: 0, on: true };

  /** The session after the log, in model 2, edited by hand: what the room must hold, lifted. */
  function expectedSession(): Session {
    const s = snapshotSession();
    const [kick, bass, hat] = s.tracks as [ReturnType<typeof v2Track>, ReturnType<typeof v2Track>, ReturnType<typeof v2Track>];
    kick.steps[5] = true;
    kick.length = 7;
    hat.steps = onAt(1, 3);
    hat.velocities = array(90);
    const lead = v2Track('lead', 'Lead', 'piano', 24, [2, 20]);
    lead.velocities[20] = 33;
    bass.pitches[7] = -12;
    s.tracks = [kick, bass, lead, hat];
    const lifted = migrateSession(s, 2);
    if (!lifted.ok) throw new Error(lifted.message);
    return lifted.value;
  }

  function tables(id: string): Record<string, { sql: string; rows: Row[] }> {
    const snapshot = {
      layout: 2,
      model: 2,
      id,
      version: 3,
      session: snapshotSession(),
      writers: { [WRITER]: 3 },
      createdAt: 1_700_000_000_000,
      publishedVersion: 3,
      kvWrites: 1,
    };
    return {
      state: {
        sql: 'CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
        rows: [{ key: 'snapshot', value: JSON.stringify(snapshot) }],
      },
      log: {
        sql: `CREATE TABLE IF NOT EXISTS log (slot INTEGER PRIMARY KEY, version INTEGER NOT NULL, at REAL NOT NULL,
          client_id TEXT NOT NULL, client_seq INTEGER NOT NULL, author TEXT, mutation TEXT NOT NULL)`,
        rows: LOGGED.map(([version, clientSeq, mutation]) => ({
          slot: version % LOG_SLOTS,
          version,
          at: 1_700_000_000_000 + version * 1000,
          client_id: WRITER,
          client_seq: clientSeq,
          author: 'peer-two',
          mutation: JSON.stringify(mutation),
        })),
      },
      refusals: {
        sql: `CREATE TABLE IF NOT EXISTS refusals (client_id TEXT NOT NULL, client_seq INTEGER NOT NULL,
          mutation TEXT, code TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY (client_id, client_seq))`,
        rows: [
          { client_id: WRITER, client_seq: 4, mutation: JSON.stringify(REFUSED), code: 'unknown_track', message: 'no track with id gone' },
        ],
      },
    };
  }

  /** The step arrays introduced after model 3 (model 4's chords, model 5's expression), at their defaults. */
  const laterStepArrays = () =>
    Object.fromEntries(Object.values(STEP_FIELDS).flatMap((f) => (f.since > 3 ? [[f.array, array(f.default as unknown)]] : [])));
  /** The defaults of the fields introduced after model 3 (model 4's sound shaping). */
  const sinceModelThree = (fields: Record<string, { since: number; default: unknown }>) =>
    Object.fromEntries(Object.entries(fields).flatMap(([k, f]) => (f.since > 3 ? [[k, f.default]] : [])));
  const lift2 = (m: object): Mutation => {
    const result = migrateMutation(m, 2);
    if (!result.ok) throw new Error(result.message);
    return result.value;
  };

  it('wakes lifted to this model: every value in pattern A, the log and the refusals lifted; editing goes on', async () => {
    const id = crypto.randomUUID();
    await restoreDatabase(id, tables(id));
    await evictDurableObject(room(id));

    const state = await serverState(id);
    expect(state.version).toBe(9);
    const expected = expectedSession();
    expect(state.session).toEqual(expected);
    // Spelled out: the shared fields stay on the tracks, each loop is its row in A.
    const { session } = state;
    expect(session.tracks.map((t) => t.id)).toEqual(['kick', 'bass', 'lead', 'hat']);
    expect(session.tracks[0]).toEqual({
      id: 'kick',
      name: 'Kick',
      instrument: 'studio-kick',
      volume: 0.6,
      pan: -0.25,
      transpose: 3,
      swing: 40,
      ...sinceModelThree(TRACK_FIELDS),
    });
    expect(Object.keys(session.patterns)).toEqual(['A']);
    expect(session.song).toEqual({ entries: [], loop: true, start: null });
    expect(session.transport).toEqual({ song: false, pattern: 'A', from: 0, next: null });
    expect(session).toMatchObject({ name: 'Model two', tempo: 96, swing: 12, effects: { reverb: 0.3, delay: 0.1, delayFeedback: 0.5 } });
    expect(rowIn(session, 'kick')).toEqual({
      length: 7,
      steps: onAt(0, 3, 5, 9),
      velocities: array(100, { 0: 55 }),
      pitches: array(0),
      ...laterStepArrays(),
    });
    expect(rowIn(session, 'bass')).toEqual({
      length: 16,
      steps: onAt(0, 7),
      velocities: array(100, { 0: 55 }),
      pitches: array(0, { 0: -5, 7: -12 }),
      ...laterStepArrays(),
    });
    expect(session.tracks[1]!.swing).toBeNull();
    expect(rowIn(session, 'lead')).toEqual({
      length: 24,
      steps: onAt(2, 20),
      velocities: array(100, { 2: 55, 20: 33 }),
      pitches: array(0),
      ...laterStepArrays(),
    });
    // The old set_pattern set the hat's steps in A and kept its length.
    expect(rowIn(session, 'hat')).toEqual({
      length: 16,
      steps: onAt(1, 3),
      velocities: array(90),
      pitches: array(0),
      ...laterStepArrays(),
    });

    // Written back in this model: the snapshot, every log row and the refused mutation.
    const [snapshotRow] = await sqlRows<{ value: string }>(id, `SELECT value FROM state WHERE key = 'snapshot'`);
    const snapshot = JSON.parse(snapshotRow!.value) as { model: number; layout: number; session: Record<string, unknown> };
    expect({ model: snapshot.model, layout: snapshot.layout }).toEqual({ model: MODEL_VERSION, layout: 2 });
    expect(snapshot.session).toHaveProperty('patterns');
    const logRows = await sqlRows<{ version: number; mutation: string }>(id, 'SELECT version, mutation FROM log ORDER BY version');
    expect(logRows.map((r) => [r.version, JSON.parse(r.mutation)])).toEqual(LOGGED.map(([v, , m]) => [v, lift2(m)]));
    expect(logRows.map((r) => (JSON.parse(r.mutation) as Mutation).type)).toEqual([
      'set_tempo',
      'set_step',
      'set_length',
      'set_step',
      'set_length',
      'set_steps',
      'add_track',
      'set_velocity',
      'set_pitch',
    ]);
    const [refusal] = await sqlRows<{ mutation: string }>(id, 'SELECT mutation FROM refusals');
    expect(JSON.parse(refusal!.mutation)).toEqual({ ...REFUSED, pattern: 'A' });

    // A client a few versions behind catches up from the lifted log.
    const behind = await TestClient.connect(id);
    const reply = await behind.hello({ version: 2, resendPending: false });
    expect(reply).toMatchObject({ type: 'catchup', fromVersion: 2 });
    expect((reply as Extract<ServerMessage, { type: 'catchup' }>).changes.map((c) => c.mutation)).toEqual(
      LOGGED.slice(2).map(([, , m]) => lift2(m)),
    );
    behind.close();

    // The writer, reloaded into model 3, resends what it had saved, lifted: what was
    // applied is acked, what was refused is refused again, and its next edit applies.
    const a = await TestClient.join(id, { clientId: WRITER });
    a.sendMutate(lift2(REFUSED), 4);
    expect(await a.outcomeOf(4)).toMatchObject({ type: 'error', code: 'unknown_track', clientSeq: 4 });
    a.sendMutate(lift2(LOGGED[8]![2]), 10);
    expect(await a.outcomeOf(10)).toEqual({ type: 'ack', clientSeq: 10, version: 9 });
    a.sendMutate({ type: 'set_length', trackId: 'lead', pattern: 'A', length: 32 }, 11);
    expect(await a.outcomeOf(11)).toMatchObject({ type: 'change', version: 10 });

    // What the next wake reads is model 3 already: the same session.
    a.close();
    await evictDurableObject(room(id), { webSockets: 'close' });
    const after = await serverState(id);
    expect(after.version).toBe(10);
    expect(after.session).toEqual({
      ...expected,
      patterns: {
        A: { ...expected.patterns.A!, rows: { ...expected.patterns.A!.rows, lead: { ...rowIn(expected, 'lead'), length: 32 } } },
      },
    });
  });
});

describe('a launch a model 6 room logged', () => {
  it('replays, after the lift to the longer lead, onto the bar its listeners heard', async () => {
    // Model 7 lengthened a launch's lead (LAUNCH_LEAD_MODEL): a launch applied by a
    // model 6 room 300 ms before a bar line landed on it (150 ms lead); replayed as if
    // applied now, it would wait for the next bar (400 ms lead).
    const v6 = FIXTURES.find((f) => f.from === 6)!;
    // A room of its own (the fixture's id is woken by the tests above).
    const SESSION_ID = crypto.randomUUID();
    const state = v6.tables.state!;
    const snapshot = (r: Row): Row => ({ ...r, value: JSON.stringify({ ...JSON.parse(r.value as string), id: SESSION_ID }) });
    const stored = v6.expected.session as Session;
    const bar = 16 * 1000;
    const at = stored.timeline.anchorMs + bar * stepDurationMs(stored.tempo) - 300;
    expect(LAUNCH_LEAD_MS).toBeGreaterThan(300);
    const version = v6.expected.version + 1;
    const launch: Mutation = { type: 'launch_pattern', pattern: 'A', when: 'bar' };
    const log = v6.tables.log!;
    const row = {
      slot: version % LOG_SLOTS,
      version,
      at,
      client_id: 'launcher',
      client_seq: 1,
      author: null,
      mutation: JSON.stringify(launch),
    };
    const tables = {
      ...v6.tables,
      state: { ...state, rows: state.rows.map((r) => (r.key === 'snapshot' ? snapshot(r) : r)) },
      log: { ...log, rows: [...log.rows.filter((r) => r.slot !== row.slot), row] },
    };
    await restoreDatabase(SESSION_ID, tables);
    await evictDurableObject(room(SESSION_ID));
    const { session, version: woke } = await serverState(SESSION_ID);
    expect(woke).toBe(version);
    expect(session.transport.next).toEqual({ pattern: 'A', at: bar });
    // The log now holds it as this model replays it: waking again changes nothing.
    await evictDurableObject(room(SESSION_ID));
    expect((await serverState(SESSION_ID)).session.transport.next).toEqual({ pattern: 'A', at: bar });
  });
});
