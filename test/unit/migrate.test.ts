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
  migrateMutation,
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

describe('model 1 documents (test/fixtures/v1) open with every value intact', () => {
  it('the KV projection of a session (also the shape of a legacy KV document)', () => {
    const old = fixture(1, 'session.json');
    const doc = readSessionDocument(old);
    if (!doc.ok) throw new Error(doc.message);
    expect(doc.from).toBe(1);
    expect(doc.value).toMatchObject({
      model: MODEL_VERSION,
      id: old.id,
      version: old.version,
      createdAt: old.createdAt,
      updatedAt: old.updatedAt,
    });
    expectIntact(old, doc.value, 1);
    // The two fields of model 2 are there, at their defaults.
    for (const track of doc.value.tracks) expect(track).toMatchObject({ transpose: 0, swing: null });
  });

  it('a published beat, and its gallery card', () => {
    const old = fixture(1, 'beat.json');
    const beat = readBeatDocument(old);
    if (!beat.ok) throw new Error(beat.message);
    expect(beat.value).toMatchObject({ model: MODEL_VERSION, beatId: old.beatId, publishedAt: old.publishedAt });
    expectIntact(old, beat.value, 1);
    // The card written by version 1 is what this version would write, but for its model.
    const card = fixture<{ metadata: Doc }>(1, 'gallery.json').metadata;
    expect(galleryMetadata(beat.value)).toEqual({ ...card, model: MODEL_VERSION });
  });

  it.each(['remix-of-beat.json', 'remix-of-session.json'])('a remix: %s', (name) => {
    const old = fixture(1, name);
    const doc = readSessionDocument(old);
    if (!doc.ok) throw new Error(doc.message);
    expectIntact(old, doc.value, 1);
    expect(doc.value.lineage.remixedFrom).toEqual((old.lineage as { remixedFrom: unknown }).remixedFrom);
  });

  it('every mutation a model 1 room logged', () => {
    const room = fixture<{ tables: { log: { rows: { mutation: string }[] } } }>(1, 'room.json');
    const types = new Set<string>();
    for (const row of room.tables.log.rows) {
      const m = migrateMutation(JSON.parse(row.mutation), 1);
      if (!m.ok) throw new Error(`${row.mutation}: ${m.message}`);
      types.add(m.value.type);
      if (m.value.type === 'add_track') expect(m.value.track).toMatchObject({ transpose: 0, swing: null });
    }
    expect(types.size).toBeGreaterThanOrEqual(18);
  });

  it("the browser's saved record: its clientId, next clientSeq, pending edits and confirmed state", async () => {
    const saved = fixture<{ localStorage: Record<string, string>; sessionStorage: Record<string, string> }>(1, 'client-record.json');
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
      oldRecord.pending.map((p) => ({ ...p, mutation: migrateMutationOk(p.mutation) })),
    );
    expect(record.pending).toHaveLength(3);
    expect(record.confirmed!.version).toBe(oldConfirmed.version);
    expectIntact(oldConfirmed.session, record.confirmed!.session, 1);
    // Saved again, it says which model wrote it.
    expect(JSON.parse(local.getItem(`kb:client:${sessionId}:${clientId}`)!)).toMatchObject({ model: MODEL_VERSION, clientId });
  });
});

function migrateMutationOk(m: unknown) {
  const lifted = migrateMutation(m, 1);
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
