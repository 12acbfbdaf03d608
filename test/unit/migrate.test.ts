/**
 * Documents written by every released version open in this one with nothing lost
 * (GUIDE §11). The fixtures under test/fixtures/v<N>/ were written by running version
 * N's code (see their README); these tests lift each kind through core's migrate and
 * compare every value the old version stored, and check the new fields got their
 * declared defaults.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClientRecordStore } from '../../app/sync/clientRecord';
import {
  EFFECT_FIELDS,
  galleryMetadata,
  MIGRATION_STEPS,
  MODEL_VERSION,
  MUTATION_TYPES,
  migrateMutation,
  mutationSince,
  migrateSession,
  modelOf,
  readBeatDocument,
  readSessionDocument,
  SESSION_FIELDS,
  STEP_FIELDS,
  TRACK_FIELDS,
  type Session,
} from '../../core';

const fixture = <T = Record<string, unknown>>(version: number, name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/v${version}/${name}`, import.meta.url), 'utf8')) as T;

/** Every model version whose documents are kept under test/fixtures/v<N>/ (each must open in this one). */
const FIXTURE_VERSIONS = [1, 2];

type Doc = Record<string, unknown>;

/**
 * Every value `old` holds is in `lifted`, unchanged; every field `lifted` holds beyond
 * them is a declared field introduced after `from`, at its default.
 */
function expectIntact(old: Doc, lifted: Session, from: number) {
  const { tracks: oldTracks, effects: oldEffects, ...oldRest } = old as Doc & { tracks: Doc[]; effects: Doc };
  for (const [k, v] of Object.entries(oldRest)) {
    if (['model', 'id', 'version', 'createdAt', 'updatedAt', 'beatId', 'publishedAt'].includes(k)) continue;
    expect((lifted as unknown as Doc)[k], k).toEqual(v);
  }
  expect(lifted.effects).toEqual({ ...oldEffects, ...newDefaults(EFFECT_FIELDS, from, oldEffects) });
  expect(lifted.tracks.map((t) => t.id)).toEqual(oldTracks.map((t) => t.id));
  lifted.tracks.forEach((track, i) => {
    const before = oldTracks[i]!;
    const arrays = Object.fromEntries(
      Object.values(STEP_FIELDS)
        .filter((f) => f.since > from && !(f.array in before))
        .map((f) => [f.array, new Array(128).fill(f.default)]),
    );
    expect(track).toEqual({ ...before, ...newDefaults(TRACK_FIELDS, from, before), ...arrays });
  });
  expect(Object.keys(newDefaults(SESSION_FIELDS, from, oldRest)).every((k) => (lifted as unknown as Doc)[k] !== undefined)).toBe(true);
}

function newDefaults(fields: Record<string, { since: number; default: unknown }>, from: number, present: Doc): Doc {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([k, f]) => f.since > from && !(k in present))
      .map(([k, f]) => [k, f.default]),
  );
}

describe('the migration steps', () => {
  it('rise by one from 2 to MODEL_VERSION, and every field was introduced by one of them', () => {
    expect(MIGRATION_STEPS.map((s) => s.to)).toEqual(Array.from({ length: MODEL_VERSION - 1 }, (_, i) => i + 2));
    for (const step of MIGRATION_STEPS) expect(step.name).toMatch(new RegExp(`^${step.to}/[a-z0-9-]+$`));
    for (const fields of [TRACK_FIELDS, STEP_FIELDS, SESSION_FIELDS, EFFECT_FIELDS]) {
      for (const [name, f] of Object.entries(fields)) {
        expect(f.since, name).toBeGreaterThanOrEqual(1);
        expect(f.since, name).toBeLessThanOrEqual(MODEL_VERSION);
      }
    }
  });

  it('refuse what they cannot read with a reason, never a throw', () => {
    expect(migrateSession('nope', 1)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(migrateSession({}, MODEL_VERSION + 1)).toMatchObject({ ok: false, reason: 'too_new' });
    expect(migrateSession({ name: 'x' }, 1)).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/\w+: /) });
    expect(readSessionDocument({ ...fixture<Doc>(1, 'session.json'), model: 'two' })).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(readBeatDocument([])).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(modelOf({})).toBe(1);
    expect(modelOf({ model: MODEL_VERSION })).toBe(MODEL_VERSION);
  });

  it('lift a document of this version unchanged', () => {
    const v1 = readSessionDocument(fixture(1, 'session.json'));
    if (!v1.ok) throw new Error(v1.message);
    const again = readSessionDocument(JSON.parse(JSON.stringify(v1.value)));
    expect(again).toEqual({ ok: true, value: v1.value, from: MODEL_VERSION });
  });
});

type RoomDump = { tables: Record<string, { sql: string; rows: Record<string, string | number | null>[] } | undefined> };

/**
 * The session a room had folded into its storage, as it stored it, and the model it was
 * written in: layout 1's meta doc and track rows, or layout 2's snapshot row.
 */
function foldedSession(room: RoomDump): { session: Doc; model: number } {
  const rows = (name: string) => room.tables[name]?.rows ?? [];
  const snapshot = rows('state').find((r) => r.key === 'snapshot');
  if (snapshot) {
    const { session, model } = JSON.parse(snapshot.value as string) as { session: Doc; model: number };
    return { session, model };
  }
  const meta = Object.fromEntries(rows('meta').map((r) => [r.key, r.value as string]));
  const { trackOrder, ...doc } = JSON.parse(meta.doc!) as Doc & { trackOrder: string[] };
  const tracks = new Map(rows('tracks').map((r) => [r.id, JSON.parse(r.json as string) as Doc]));
  return { session: { ...doc, tracks: trackOrder.map((id) => tracks.get(id)) }, model: 1 };
}

describe.each(FIXTURE_VERSIONS.map((from) => ({ from })))(
  'model $from documents (test/fixtures/v$from) open with every value intact',
  ({ from }) => {
    it('the KV projection of a session (also the shape of a legacy KV document)', () => {
      const old = fixture(from, 'session.json');
      const doc = readSessionDocument(old);
      if (!doc.ok) throw new Error(doc.message);
      expect(doc.from).toBe(from);
      expect(doc.value).toMatchObject({
        model: MODEL_VERSION,
        id: old.id,
        version: old.version,
        createdAt: old.createdAt,
        updatedAt: old.updatedAt,
      });
      expectIntact(old, doc.value, from);
      // Model 2's per-track fields: as stored, or at their defaults when written before them.
      const oldTracks = old.tracks as Doc[];
      expect(doc.value.tracks.map((t) => [t.transpose, t.swing])).toEqual(oldTracks.map((t) => [t.transpose ?? 0, t.swing ?? null]));
      if (from >= 2) {
        // (The fixture sets them, so this is not a comparison of defaults.)
        expect(doc.value.tracks.some((t) => t.transpose < 0) && doc.value.tracks.some((t) => t.transpose > 0)).toBe(true);
        expect(doc.value.tracks.filter((t) => t.swing !== null).length).toBeGreaterThanOrEqual(2);
      }
    });

    it('a published beat, and its gallery card', () => {
      const old = fixture(from, 'beat.json');
      const beat = readBeatDocument(old);
      if (!beat.ok) throw new Error(beat.message);
      expect(beat.value).toMatchObject({ model: MODEL_VERSION, beatId: old.beatId, publishedAt: old.publishedAt });
      expectIntact(old, beat.value, from);
      expect(beat.value.lineage.remixedFrom).toEqual((old.lineage as { remixedFrom: unknown }).remixedFrom);
      // The card that version wrote is what this version would write, but for its model.
      const card = fixture<{ metadata: Doc }>(from, 'gallery.json').metadata;
      expect(galleryMetadata(beat.value)).toEqual({ ...card, model: MODEL_VERSION });
    });

    it.each(['remix-of-beat.json', 'remix-of-session.json'])('a remix: %s', (name) => {
      const old = fixture(from, name);
      const doc = readSessionDocument(old);
      if (!doc.ok) throw new Error(doc.message);
      expectIntact(old, doc.value, from);
      expect(doc.value.lineage.remixedFrom).toEqual((old.lineage as { remixedFrom: unknown }).remixedFrom);
    });

    it('the session a room had folded into its storage', () => {
      const { session, model } = foldedSession(fixture<RoomDump>(from, 'room.json'));
      expect(model).toBe(from);
      const lifted = migrateSession(session, model);
      if (!lifted.ok) throw new Error(lifted.message);
      expectIntact(session, lifted.value, from);
    });

    it('every mutation a room logged or refused', () => {
      const room = fixture<RoomDump>(from, 'room.json');
      const types = new Set<string>();
      const refused = (room.tables.refusals?.rows ?? []).flatMap((r) => (typeof r.mutation === 'string' ? [r.mutation] : []));
      if (from >= 2) expect(refused.length).toBe(room.tables.refusals!.rows.length);
      for (const json of [...room.tables.log!.rows.map((r) => r.mutation as string), ...refused]) {
        const original = JSON.parse(json) as Doc;
        const m = migrateMutation(original, from);
        if (!m.ok) throw new Error(`${json}: ${m.message}`);
        // Every field it had is kept; an added track gets the fields introduced since, at their defaults.
        expect(m.value).toMatchObject(original);
        types.add(m.value.type);
        if (m.value.type === 'add_track')
          expect(m.value.track).toEqual({ ...(original.track as Doc), ...newDefaults(TRACK_FIELDS, from, original.track as Doc) });
      }
      // That version's every mutation type is there.
      expect([...types].sort()).toEqual(MUTATION_TYPES.filter((t) => mutationSince(t)! <= from).sort());
    });

    it("the browser's saved record: its clientId, next clientSeq, pending edits and confirmed state", async () => {
      const saved = fixture<{ localStorage: Record<string, string>; sessionStorage: Record<string, string> }>(from, 'client-record.json');
      const local = new MemoryStorage(saved.localStorage);
      const tab = new MemoryStorage(saved.sessionStorage);
      const [tabKey, clientId] = Object.entries(saved.sessionStorage).find(([k]) => k.startsWith('kb:tab-client:'))!;
      const sessionId = tabKey.slice('kb:tab-client:'.length);
      const oldRecord = JSON.parse(saved.localStorage[`kb:client:${sessionId}:${clientId}`]!) as Doc & {
        pending: { clientSeq: number; mutation: unknown; at: number }[];
      };
      const oldConfirmed = JSON.parse(saved.localStorage[`kb:confirmed:${sessionId}:${clientId}`]!) as { version: number; session: Doc };

      const store = new ClientRecordStore(sessionId, local, tab, null, (p) => {
        throw new Error(`unexpected problem: ${p.kind} ${p.detail}`);
      });
      const record = await store.open(Date.now());
      expect(record.clientId).toBe(clientId);
      expect(record.nextSeq).toBe(oldRecord.nextSeq);
      expect(record.pending.map((p) => ({ ...p }))).toEqual(
        oldRecord.pending.map((p) => ({ ...p, mutation: migrateMutationOk(p.mutation, from) })),
      );
      expect(record.pending.length).toBeGreaterThanOrEqual(3);
      expect(record.confirmed!.version).toBe(oldConfirmed.version);
      expectIntact(oldConfirmed.session, record.confirmed!.session, from);
      // Saved again, it says which model wrote it.
      expect(JSON.parse(local.getItem(`kb:client:${sessionId}:${clientId}`)!)).toMatchObject({ model: MODEL_VERSION, clientId });
    });
  },
);

function migrateMutationOk(m: unknown, from: number) {
  const lifted = migrateMutation(m, from);
  if (!lifted.ok) throw new Error(lifted.message);
  return lifted.value;
}

/** The Web Storage API over a Map, preloaded with what a browser had saved. */
class MemoryStorage implements Storage {
  private readonly map: Map<string, string>;
  constructor(init: Record<string, string> = {}) {
    this.map = new Map(Object.entries(init));
  }
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, String(v));
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
  clear() {
    this.map.clear();
  }
}
