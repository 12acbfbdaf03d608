/**
 * Documents written by every released version open in this one with nothing lost
 * (GUIDE §11). The fixtures under test/fixtures/v<N>/ were written by running version
 * N's code (see their README); these tests lift each kind through core's migrate and
 * compare every value the old version stored, and check the new fields got their
 * declared defaults. Every fixture folder there is tested: a version's folder is picked
 * up as soon as it is added.
 *
 * Model 3 moved each track's steps into patterns: a document from before it opens as
 * pattern A holding every track's row (its length, steps, velocities and pitches), an
 * empty song, and pattern A playing from the top. What the expected values are is
 * written out here, independently of core/migrate.ts. Model 4's key, chords and sound
 * shaping, model 5's step expression and seed and model 6's own sounds (the kit, the
 * tracks playing them, the WAV bytes whose SHA-256 each key is) are spelled out from
 * their fixtures' READMEs below.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClientRecordStore } from '../../app/sync/clientRecord';
import {
  applyMutation,
  chordIntervals,
  chordMask,
  CONDITIONS,
  checkWav,
  conditionLabel,
  EFFECT_FIELDS,
  EXPRESSION_MODEL,
  emptyRow,
  galleryMetadata,
  MIGRATION_STEPS,
  MODEL_VERSION,
  MUTATION_TYPES,
  migrateMutation,
  migrateSession,
  migrateTrack,
  modelOf,
  type Mutation,
  mutationSince,
  PATTERN_FIELDS,
  KEYS_MODEL,
  PATTERNS_MODEL,
  parseMutation,
  ROW_FIELDS,
  readBeatDocument,
  readSessionDocument,
  rowOf,
  SESSION_FIELDS,
  SOUNDS_MODEL,
  soundInstrument,
  soundKeyOf,
  STEP_FIELDS,
  type Session,
  TRACK_FIELDS,
} from '../../core';

type Doc = Record<string, unknown>;

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** The model versions with a fixture folder (test/fixtures/v<N>), oldest first. */
const FIXTURE_VERSIONS = readdirSync(FIXTURES)
  .flatMap((name) => /^v(\d+)$/.exec(name)?.[1] ?? [])
  .map(Number)
  .sort((a, b) => a - b);

const fixture = <T = Doc>(version: number, name: string): T =>
  JSON.parse(readFileSync(new URL(`v${version}/${name}`, FIXTURES), 'utf8')) as T;

/** Keys a stored document carries around its session. */
const ENVELOPE = ['model', 'id', 'version', 'createdAt', 'updatedAt', 'beatId', 'publishedAt'];
/** The keys of a row: before model 3 they sat on the track. */
const ROW_KEYS = [...Object.keys(ROW_FIELDS), ...Object.values(STEP_FIELDS).map((f) => f.array)];

const pick = (doc: Doc, keys: readonly string[]) => Object.fromEntries(Object.entries(doc).filter(([k]) => keys.includes(k)));
const omit = (doc: Doc, keys: readonly string[]) => Object.fromEntries(Object.entries(doc).filter(([k]) => !keys.includes(k)));

function newDefaults(fields: Record<string, { since: number; default: unknown }>, from: number, present: Doc): Doc {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([k, f]) => f.since > from && !(k in present))
      .map(([k, f]) => [k, f.default]),
  );
}

/** A pre-model-3 track split as model 3 keeps it: what every pattern shares, and its row (new fields at their defaults). */
function splitTrack(old: Doc, from: number): { track: Doc; row: Doc } {
  const arrays = Object.fromEntries(
    Object.values(STEP_FIELDS)
      .filter((f) => f.since > from && !(f.array in old))
      .map((f) => [f.array, new Array(128).fill(f.default)]),
  );
  const track = omit(old, ROW_KEYS);
  return { track: { ...track, ...newDefaults(TRACK_FIELDS, from, old) }, row: { ...pick(old, ROW_KEYS), ...arrays } };
}

/** A row written in model `from`, with the step arrays introduced since at their defaults. */
function liftRow(row: Doc, from: number): Doc {
  const arrays = Object.fromEntries(
    Object.values(STEP_FIELDS)
      .filter((f) => f.since > from && !(f.array in row))
      .map((f) => [f.array, new Array(128).fill(f.default)]),
  );
  return { ...row, ...arrays };
}

/** Every row of a model-3+ pattern, lifted (liftRow). */
function liftPatterns(patterns: Doc, from: number): Doc {
  return Object.fromEntries(
    Object.entries(patterns).map(([p, pattern]) => {
      const { rows, ...rest } = pattern as Doc & { rows: Record<string, Doc> };
      const lifted = Object.fromEntries(Object.entries(rows).map(([id, row]) => [id, liftRow(row, from)]));
      return [p, { ...rest, ...newDefaults(PATTERN_FIELDS, from, rest), rows: lifted }];
    }),
  );
}

/** A default row (length 16, every step at its default) is not stored. */
const isDefaultRow = (row: Doc) => JSON.stringify(row) === JSON.stringify(emptyRow());

/**
 * Every value `old` holds is in `lifted`, unchanged; every field `lifted` holds beyond
 * them is a declared field introduced after `from`, at its default. Before model 3 the
 * steps were the tracks': they are pattern A's rows.
 */
function expectIntact(old: Doc, lifted: Session, from: number) {
  const { tracks: oldTracks, effects: oldEffects, ...oldRest } = old as Doc & { tracks: Doc[]; effects: Doc };
  for (const [k, v] of Object.entries(oldRest)) {
    if (ENVELOPE.includes(k)) continue;
    // Rows gain the step arrays introduced since (model 4: chords, every step none).
    const expected = k === 'patterns' ? liftPatterns(v as Doc, from) : v;
    expect((lifted as unknown as Doc)[k], k).toEqual(expected);
  }
  // Model 4 gave sessions a key: one written before has none, so every note belongs.
  if (from < KEYS_MODEL) expect(lifted.key).toEqual({ root: 0, scale: 'chromatic', lock: false });
  expect(lifted.effects).toEqual({ ...oldEffects, ...newDefaults(EFFECT_FIELDS, from, oldEffects) });
  expect(lifted.tracks.map((t) => t.id)).toEqual(oldTracks.map((t) => t.id));
  expect(Object.keys(newDefaults(SESSION_FIELDS, from, oldRest)).every((k) => (lifted as unknown as Doc)[k] !== undefined)).toBe(true);
  if (from >= PATTERNS_MODEL) {
    // Already patterns: tracks keep what they had, plus fields introduced since.
    for (const [i, track] of lifted.tracks.entries()) {
      expect(track).toEqual({ ...oldTracks[i], ...newDefaults(TRACK_FIELDS, from, oldTracks[i]!) });
    }
    return;
  }
  // One pattern, A (unnamed), every track's row in it; an empty song; A plays from the top.
  expect(Object.keys(lifted.patterns)).toEqual(['A']);
  expect(omit(lifted.patterns.A!, ['rows'])).toEqual(Object.fromEntries(Object.entries(PATTERN_FIELDS).map(([k, f]) => [k, f.default])));
  expect(lifted.song).toEqual({ entries: [], loop: true, start: null });
  expect(lifted.transport).toEqual({ song: false, pattern: 'A', from: 0, next: null });
  let stored = 0;
  lifted.tracks.forEach((track, i) => {
    const { track: shared, row } = splitTrack(oldTracks[i]!, from);
    expect(track, `track ${track.id}`).toEqual(shared);
    // Every step, velocity, pitch and the length, as they were.
    const inA = rowOf(lifted, 'A', track.id);
    expect(inA.length, `${track.id} length`).toBe(row.length);
    for (const f of Object.values(STEP_FIELDS)) expect(inA[f.array], `${track.id} ${f.array}`).toEqual(row[f.array]);
    expect(inA).toEqual(row);
    // Only rows that differ from the default are stored.
    expect(track.id in lifted.patterns.A!.rows, `${track.id} stored`).toBe(!isDefaultRow(row));
    if (!isDefaultRow(row)) stored++;
  });
  expect(Object.keys(lifted.patterns.A!.rows)).toHaveLength(stored);
}

/** What a mutation of model `from` is, lifted to this model: written out by hand. */
function expectedLift(m: Doc, from: number): Doc {
  if (from >= PATTERNS_MODEL) {
    // Rows carried whole gain the step arrays introduced since.
    switch (m.type) {
      case 'set_steps':
        return { ...m, steps: liftRow(m.steps as Doc, from) };
      case 'set_row':
        return { ...m, row: liftRow(m.row as Doc, from) };
      case 'add_pattern':
      case 'put_pattern':
        return { ...m, value: liftPatterns({ x: m.value }, from).x };
      case 'add_track':
        return {
          ...m,
          track: { ...(m.track as Doc), ...newDefaults(TRACK_FIELDS, from, m.track as Doc) },
          rows: Object.fromEntries(Object.entries(m.rows as Record<string, Doc>).map(([p, row]) => [p, liftRow(row, from)])),
        };
      default:
        return m;
    }
  }
  switch (m.type) {
    case 'set_step':
    case 'set_velocity':
    case 'set_pitch':
    case 'set_length':
      return { ...m, pattern: 'A' };
    case 'set_pattern':
      return { type: 'set_steps', trackId: m.trackId, pattern: 'A', steps: liftRow(m.pattern as Doc, from) };
    case 'add_track': {
      const { track, row } = splitTrack(m.track as Doc, from);
      return { ...m, track, rows: isDefaultRow(row) ? {} : { A: row } };
    }
    default:
      return m;
  }
}

/** The room's state before its log's tail, and the tail: storage layout 1 (meta + tracks) or 2 (a snapshot row). */
function roomBeforeTail(room: { tables: Record<string, { rows: Doc[] }> }) {
  const rows = (name: string) => room.tables[name]?.rows ?? [];
  let base: { session: Doc; version: number; model: number };
  if (room.tables.meta) {
    const meta = Object.fromEntries(rows('meta').map((r) => [r.key, r.value as string]));
    const { trackOrder, ...doc } = JSON.parse(meta.doc!) as Doc & { trackOrder: string[] };
    const tracks = new Map(rows('tracks').map((r) => [r.id, JSON.parse(r.json as string) as Doc]));
    const version = JSON.parse(meta.counters!).compactedVersion as number;
    // Layout 1 was model 1's only.
    base = { session: { ...doc, tracks: trackOrder.map((id) => tracks.get(id)) }, version, model: 1 };
  } else if (room.tables.state) {
    const snapshot = JSON.parse(rows('state').find((r) => r.key === 'snapshot')!.value as string) as {
      session: Doc;
      version: number;
      model: number;
    };
    // The snapshot says which model it (and every log row) is written in.
    base = { session: snapshot.session, version: snapshot.version, model: snapshot.model };
  } else {
    throw new Error(`a room of an unknown storage layout: tables ${Object.keys(room.tables).join(', ')}`);
  }
  const tail = rows('log')
    .filter((r) => (r.version as number) > base.version)
    .sort((a, b) => (a.version as number) - (b.version as number));
  return { ...base, tail };
}

describe('the migration steps', () => {
  it('rise by one from 2 to MODEL_VERSION, and every field was introduced by one of them', () => {
    expect(MIGRATION_STEPS.map((s) => s.to)).toEqual(Array.from({ length: MODEL_VERSION - 1 }, (_, i) => i + 2));
    for (const step of MIGRATION_STEPS) expect(step.name).toMatch(new RegExp(`^${step.to}/[a-z0-9-]+$`));
    for (const fields of [TRACK_FIELDS, ROW_FIELDS, STEP_FIELDS, PATTERN_FIELDS, SESSION_FIELDS, EFFECT_FIELDS]) {
      for (const [name, f] of Object.entries(fields)) {
        expect(f.since, name).toBeGreaterThanOrEqual(1);
        expect(f.since, name).toBeLessThanOrEqual(MODEL_VERSION);
      }
    }
  });

  it('include the move into patterns, as model 3', () => {
    expect(PATTERNS_MODEL).toBe(3);
    expect(MIGRATION_STEPS.map((s) => s.name)).toContain('3/patterns-song-transport');
    expect(MODEL_VERSION).toBeGreaterThanOrEqual(PATTERNS_MODEL);
  });

  it('refuse what they cannot read with a reason, never a throw', () => {
    expect(migrateSession('nope', 1)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(migrateSession({}, MODEL_VERSION + 1)).toMatchObject({ ok: false, reason: 'too_new' });
    expect(migrateSession({ name: 'x' }, 1)).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/\w+: /) });
    expect(readSessionDocument({ ...fixture<Doc>(1, 'session.json'), model: 'two' })).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(readBeatDocument([])).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(modelOf({})).toBe(1);
    expect(modelOf({ model: MODEL_VERSION })).toBe(MODEL_VERSION);
    expect(migrateTrack('nope', {}, 1)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(migrateTrack({ id: 'a' }, {}, MODEL_VERSION + 1)).toMatchObject({ ok: false, reason: 'too_new' });
    expect(migrateTrack({ id: 'a', name: 'A' }, {}, 1)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(migrateMutation(null, 1)).toMatchObject({ ok: false, reason: 'unreadable' });
    expect(migrateMutation({ type: 'set_tempo', tempo: 90 }, MODEL_VERSION + 1)).toMatchObject({ ok: false, reason: 'too_new' });
  });

  it('lift a document of this version unchanged', () => {
    const v1 = readSessionDocument(fixture(1, 'session.json'));
    if (!v1.ok) throw new Error(v1.message);
    const again = readSessionDocument(JSON.parse(JSON.stringify(v1.value)));
    expect(again).toEqual({ ok: true, value: v1.value, from: MODEL_VERSION });
  });

  it('there is a fixture folder of model 1 at least', () => {
    expect(FIXTURE_VERSIONS).toContain(1);
    expect(FIXTURE_VERSIONS.every((v) => v >= 1 && v <= MODEL_VERSION)).toBe(true);
  });
});

describe.each(FIXTURE_VERSIONS.map((from) => ({ from, folder: `test/fixtures/v${from}` })))(
  'model $from documents ($folder) open with every value intact',
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
      // The fixture is worth testing: most tracks have steps.
      expect(Object.keys(doc.value.patterns.A!.rows).length).toBeGreaterThan(doc.value.tracks.length / 2);
    });

    it('what the room reported (expected.json)', () => {
      const expected = fixture<{ session: Doc }>(from, 'expected.json');
      const lifted = migrateSession(expected.session, from);
      if (!lifted.ok) throw new Error(lifted.message);
      expectIntact(expected.session, lifted.value, from);
    });

    it('a published beat, and its gallery card', () => {
      const old = fixture(from, 'beat.json');
      const beat = readBeatDocument(old);
      if (!beat.ok) throw new Error(beat.message);
      expect(beat.value).toMatchObject({ model: MODEL_VERSION, beatId: old.beatId, publishedAt: old.publishedAt });
      expectIntact(old, beat.value, from);
      // The card written then is what this version would write, but for its model.
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

    it('every mutation the room logged or refused lifts as expected (steps into pattern A, set_pattern to set_steps, add_track with its row)', () => {
      const room = fixture<{ tables: Record<string, { rows: Doc[] }> }>(from, 'room.json');
      const logged = room.tables.log!.rows.map((r) => r.mutation as string);
      // Refusals keep their mutation since storage layout 2.
      const refused = (room.tables.refusals?.rows ?? []).flatMap((r) => (typeof r.mutation === 'string' ? [r.mutation] : []));
      if (from >= 2) expect(refused).toHaveLength(room.tables.refusals!.rows.length);
      const types = new Set<string>();
      for (const json of [...logged, ...refused]) {
        const old = JSON.parse(json) as Doc;
        const m = migrateMutation(old, from);
        if (!m.ok) throw new Error(`${json}: ${m.message}`);
        expect(m, json).toEqual({ ok: true, value: expectedLift(old, from), from });
        types.add(m.value.type);
      }
      // Every mutation type of that model is there, under its name in this one (set_pattern is set_steps).
      const then = MUTATION_TYPES.filter((t) => mutationSince(t)! <= from);
      expect([...types].sort()).toEqual([...then, ...(from < PATTERNS_MODEL ? ['set_steps'] : [])].sort());
    });

    it("the room's log tail, lifted, replays on its lifted state to what the room reported, lifted", () => {
      const { session, tail, model } = roomBeforeTail(fixture(from, 'room.json'));
      expect(model).toBe(from);
      const base = migrateSession(session, from);
      if (!base.ok) throw new Error(base.message);
      let state = base.value;
      expect(tail.length).toBeGreaterThan(0);
      for (const entry of tail) {
        const m = migrateMutation(JSON.parse(entry.mutation as string), from);
        if (!m.ok) throw new Error(m.message);
        const applied = applyMutation(state, m.value, entry.at as number);
        if (!applied.ok) throw new Error(`version ${entry.version}: ${applied.message}`);
        state = applied.session;
      }
      const expected = migrateSession(fixture<{ session: Doc }>(from, 'expected.json').session, from);
      if (!expected.ok) throw new Error(expected.message);
      expect(state).toEqual(expected.value);
    });

    it('a track the room stored lifts with its row in pattern A (migrateTrack)', () => {
      const room = fixture<{ tables: Record<string, { rows: Doc[] }> }>(from, 'room.json');
      const tracks = room.tables.tracks
        ? room.tables.tracks.rows.map((r) => JSON.parse(r.json as string) as Doc)
        : (roomBeforeTail(room).session.tracks as Doc[]);
      expect(tracks.length).toBeGreaterThan(0);
      for (const old of tracks) {
        const lifted = migrateTrack(old, undefined, from);
        if (!lifted.ok) throw new Error(lifted.message);
        if (from >= PATTERNS_MODEL) continue;
        const { track, row } = splitTrack(old, from);
        expect(lifted).toEqual({ ok: true, value: { track, rows: isDefaultRow(row) ? {} : { A: row } }, from });
      }
    });

    it("the browser's saved record: its clientId, next clientSeq, pending edits and confirmed state", async () => {
      const saved = fixture<{ localStorage: Record<string, string>; sessionStorage: Record<string, string> }>(from, 'client-record.json');
      const local = new MemoryStorage(saved.localStorage);
      const tab = new MemoryStorage(saved.sessionStorage);
      const [tabKey, clientId] = Object.entries(saved.sessionStorage).find(([k]) => k.startsWith('kb:tab-client:'))!;
      const sessionId = tabKey.slice('kb:tab-client:'.length);
      const oldRecord = JSON.parse(saved.localStorage[`kb:client:${sessionId}:${clientId}`]!) as Doc & {
        pending: { clientSeq: number; mutation: Doc; at: number }[];
      };
      const oldConfirmed = JSON.parse(saved.localStorage[`kb:confirmed:${sessionId}:${clientId}`]!) as { version: number; session: Doc };

      const store = new ClientRecordStore(sessionId, local, tab, null, (p) => {
        throw new Error(`unexpected problem: ${p.kind} ${p.detail}`);
      });
      const record = await store.open(Date.now());
      expect(record.clientId).toBe(clientId);
      expect(record.nextSeq).toBe(oldRecord.nextSeq);
      expect(record.pending.map((p) => ({ ...p }))).toEqual(
        oldRecord.pending.map((p) => ({ ...p, mutation: expectedLift(p.mutation, from) })),
      );
      expect(record.pending.length).toBeGreaterThanOrEqual(3);
      expect(record.confirmed!.version).toBe(oldConfirmed.version);
      expectIntact(oldConfirmed.session, record.confirmed!.session, from);
      // Saved again, it says which model wrote it.
      expect(JSON.parse(local.getItem(`kb:client:${sessionId}:${clientId}`)!)).toMatchObject({ model: MODEL_VERSION, clientId });
    });
  },
);

/**
 * Model 4's fixture spelled out from its README (test/fixtures/v4/README.md): its key,
 * chords and sound shaping as stored, and as this version reads them. The comparisons
 * above cover every value already (a model-4 document lifts unchanged, so `expectIntact`
 * compares the key, every row's chords and every track field); these say what the
 * fixture holds, so that a fixture without them, or a lift that drops them, fails here.
 */
describe.runIf(FIXTURE_VERSIONS.includes(KEYS_MODEL))('model 4 documents (test/fixtures/v4) keep the key, chords and sound shaping', () => {
  const v4 = () => fixture(KEYS_MODEL, 'session.json');
  const read = () => {
    const doc = readSessionDocument(v4());
    if (!doc.ok) throw new Error(doc.message);
    return doc;
  };
  const trackId = (session: Session, name: string) => session.tracks.find((t) => t.name === name)!.id;

  it('a model 4 document lifts with nothing changed but the fields introduced since, at their defaults', () => {
    const doc = read();
    expect(KEYS_MODEL).toBe(4);
    expect(doc.from).toBe(4);
    const stored = v4() as unknown as Doc;
    // Model 5 added step expression and the session's seed and fill: every stored value stays.
    expect({ ...doc.value, patterns: liftPatterns(stored.patterns as Doc, 4) }).toEqual({
      ...stored,
      ...newDefaults(SESSION_FIELDS, 4, stored),
      // Model 6 gave the session its own sounds (a structural step, like model 4's key): none yet.
      sounds: {},
      model: MODEL_VERSION,
      patterns: liftPatterns(stored.patterns as Doc, 4),
    });
    expect(doc.value.patterns).toEqual(liftPatterns(stored.patterns as Doc, 4));
  });

  it('the key, as stored', () => {
    expect(v4().key).toEqual({ root: 4, scale: 'phrygian', lock: true });
    expect(read().value.key).toEqual({ root: 4, scale: 'phrygian', lock: true });
  });

  it('chords by name and one two octaves wide, where they were set', () => {
    const session = read().value;
    const bass = trackId(session, 'Bässline 🎸');
    const pad = trackId(session, 'Pad ✨ long');
    expect(rowOf(session, 'A', 'keys').chords[0]).toBe(chordMask([4, 7]));
    expect(rowOf(session, 'B', bass).chords[3]).toBe(chordMask([3, 7, 10]));
    expect(chordIntervals(rowOf(session, 'A', pad).chords[100]!)).toEqual([7, 16, 24]);
    expect(chordIntervals(rowOf(session, 'C', bass).chords[10]!)).toEqual([7, 16, 24]);
    expect(rowOf(session, 'C', pad).chords[7]).toBe(chordMask([4, 7, 11]));
    // Steps without a chord are 0, every row's array full length.
    expect(rowOf(session, 'A', 'keys').chords[1]).toBe(0);
    for (const pattern of Object.values(session.patterns)) {
      for (const row of Object.values(pattern!.rows)) expect(row.chords).toHaveLength(128);
    }
  });

  it("the tracks' sound shaping, set and unset", () => {
    const session = read().value;
    const shaping = (name: string) => {
      const t = session.tracks.find((x) => x.name === name)!;
      const { filter, cutoff, resonance, attack, decay, tune, drive, reverbSend, delaySend } = t;
      return { filter, cutoff, resonance, attack, decay, tune, drive, reverbSend, delaySend };
    };
    const defaults = {
      filter: 'off',
      cutoff: 2000,
      resonance: 0.7,
      attack: 0,
      decay: null,
      tune: 0,
      drive: 0,
      reverbSend: null,
      delaySend: null,
    };
    expect(shaping('Bässline 🎸')).toEqual({ ...defaults, filter: 'lowpass', cutoff: 640, resonance: 4.5, drive: 0.35, delaySend: 0.45 });
    expect(shaping('Hat ½ · ü')).toEqual({ ...defaults, filter: 'highpass', cutoff: 5200, resonance: 8, decay: 0.12 });
    expect(shaping('Zap ⚡')).toEqual({ ...defaults, filter: 'bandpass', cutoff: 900, tune: 7, drive: 0.8, delaySend: 0.6 });
    // Set, then unset in the log's tail: null again (the instrument's own).
    expect(shaping('Pad ✨ long')).toEqual({ ...defaults, attack: 0.25, reverbSend: 0.8 });
    expect(shaping('Kick 🥁')).toEqual({ ...defaults, tune: 25 });
    expect(shaping('Caisse claire é')).toEqual({ ...defaults, decay: 0.3 });
    expect(shaping('Clés ñ 鍵盤')).toEqual({ ...defaults, attack: 0.01, tune: -15 });
    expect(shaping('Trío △')).toEqual(defaults);
  });

  it("the room's undo of a key change carries its notes, and the browser's offline model 4 edits are pending", () => {
    const room = fixture<{ tables: Record<string, { rows: Doc[] }> }>(KEYS_MODEL, 'room.json');
    // The tail after the room's last fold (the log ring holds the fold's own key changes too).
    const keys = roomBeforeTail(room)
      .tail.map((r) => JSON.parse(r.mutation as string) as Doc)
      .filter((m) => m.type === 'set_key');
    expect(keys.map((m) => [m.key, m.remap, m.notes === null])).toEqual([
      [{ root: 2, scale: 'dorian', lock: true }, true, true],
      [{ root: 9, scale: 'minor', lock: true }, false, false],
      [{ root: 4, scale: 'phrygian', lock: true }, false, true],
    ]);
    const undo = migrateMutation(keys[1], KEYS_MODEL);
    expect(undo).toEqual({ ok: true, value: keys[1], from: KEYS_MODEL });
    expect(Object.keys(keys[1]!.notes as Doc).sort()).toEqual(['A', 'B', 'C']);
    const saved = fixture<{ localStorage: Record<string, string> }>(KEYS_MODEL, 'client-record.json');
    const record = JSON.parse(Object.entries(saved.localStorage).find(([k]) => k.startsWith('kb:client:'))![1]) as {
      pending: { mutation: Doc }[];
    };
    expect(record.pending.map((p) => p.mutation)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'set_cutoff', cutoff: 632 }),
        expect.objectContaining({ type: 'set_chord', pattern: 'B', step: 0, chord: chordMask([3, 7]) }),
      ]),
    );
  });
});

/**
 * Model 5's fixture spelled out from its README (test/fixtures/v5/README.md): the steps
 * with expression (each field away from its default, a condition by its label: the index
 * stored is into core CONDITIONS, whose order is part of the stored format) and the seed,
 * in every document written from the session. `expectIntact` above already compares every
 * value; these say what the fixture holds, so that a fixture without them, a lift that
 * drops or resets them, or a reordering of CONDITIONS fails here.
 */
describe.runIf(FIXTURE_VERSIONS.includes(EXPRESSION_MODEL))(
  'model 5 documents (test/fixtures/v5) keep every step expression field and the seed',
  () => {
    /** Pattern, track name, step number from 1: the fields away from their defaults. */
    const EXPRESSION: Record<string, Record<string, number | string>> = {
      'A Kick 🥁 1': { nudge: -15 },
      'A Kick 🥁 11': { condition: 'Prev fired' },
      'A Caisse claire é 5': { condition: 'Fill' },
      // Past the row's length (12) since the tail shortened it: kept.
      'A Caisse claire é 13': { nudge: 20 },
      'A Hat ½ · ü 7': { probability: 35 },
      'A Hat ½ · ü 15': { ratchet: 4, ramp: -60 },
      'A Zap ⚡ 5': { ratchet: 4, ramp: 50 },
      'A Pad ✨ long 101': { noteLength: 32 },
      'A Clés ñ 鍵盤 7': { noteLength: 6 },
      'B Bässline 🎸 21': { nudge: -50 },
      'B Bässline 🎸 31': { nudge: 50 },
      'B Kick 🥁 5': { condition: '3:4' },
      'B Hat ½ · ü 15': { condition: 'Fill' },
      'B Trío △ 1': { probability: 80 },
      'B Trío △ 3': { condition: 'Not fill' },
      'B Trío △ 5': { nudge: -25 },
      'C Bässline 🎸 1': { condition: '1:2', ratchet: 3, ramp: 40 },
      'C Bässline 🎸 6': { probability: 35, nudge: -10 },
      'C Bässline 🎸 11': { noteLength: 4 },
      'C Zap ⚡ 2': { probability: 35, noteLength: 1, nudge: 5 },
      'C Zap ⚡ 4': { condition: '1st', ratchet: 2 },
      'C Clés ñ 鍵盤 5': { probability: 35 },
    };
    const SEED = 1_414_213_562;
    const EXPRESSION_FIELDS = Object.entries(STEP_FIELDS).filter(([, f]) => f.since === EXPRESSION_MODEL);

    /** Every step of a session with a model 5 field away from its default, as EXPRESSION spells it. */
    function expressionOf(session: Session) {
      const out: Record<string, Record<string, number | string>> = {};
      for (const [pattern, p] of Object.entries(session.patterns)) {
        for (const track of session.tracks) {
          const row = p?.rows[track.id];
          if (!row) continue;
          for (let step = 0; step < 128; step++) {
            const fields: Record<string, number | string> = {};
            for (const [k, f] of EXPRESSION_FIELDS) {
              const value = (row[f.array] as number[])[step]!;
              if (value !== f.default) fields[k] = k === 'condition' ? conditionLabel(CONDITIONS[value]!) : value;
            }
            if (Object.keys(fields).length) out[`${pattern} ${track.name} ${step + 1}`] = fields;
          }
        }
      }
      return out;
    }

    const read = (name: string): Session => {
      const stored = fixture(EXPRESSION_MODEL, name);
      const doc = name === 'beat.json' ? readBeatDocument(stored) : readSessionDocument(stored);
      if (!doc.ok) throw new Error(doc.message);
      expect(doc.from).toBe(EXPRESSION_MODEL);
      return doc.value;
    };

    it('the model version is 5, and its conditions are where the fixture stored them', () => {
      expect(EXPRESSION_MODEL).toBe(5);
      // Stored indexes: append to CONDITIONS, never reorder.
      expect([1, 3, 5, 6, 7, 14].map((i) => conditionLabel(CONDITIONS[i]!))).toEqual([
        '1st',
        'Prev fired',
        'Fill',
        'Not fill',
        '1:2',
        '3:4',
      ]);
    });

    it.each(['session.json', 'beat.json', 'remix-of-beat.json', 'remix-of-session.json'])(
      '%s: every expression field where it was set, every other step at its defaults, and the seed',
      (name) => {
        const session = read(name);
        expect(expressionOf(session)).toEqual(EXPRESSION);
        expect(session.seed).toBe(SEED);
        // As stored, array for array (full length).
        const stored = fixture<{ patterns: Record<string, { rows: Record<string, Doc> }> }>(EXPRESSION_MODEL, name);
        for (const [pattern, p] of Object.entries(stored.patterns)) {
          for (const [trackId, row] of Object.entries(p.rows)) {
            for (const [, f] of EXPRESSION_FIELDS) {
              expect(row[f.array], `${pattern} ${trackId} ${f.array}`).toHaveLength(128);
              expect(rowOf(session, pattern as 'A', trackId)[f.array], `${pattern} ${trackId} ${f.array}`).toEqual(row[f.array]);
            }
          }
        }
      },
    );

    it('what the room reported (expected.json) and what the browser had confirmed hold the same', () => {
      const expected = migrateSession(fixture<{ session: Doc }>(EXPRESSION_MODEL, 'expected.json').session, EXPRESSION_MODEL);
      if (!expected.ok) throw new Error(expected.message);
      expect(expressionOf(expected.value)).toEqual(EXPRESSION);
      expect(expected.value.seed).toBe(SEED);
      const saved = fixture<{ localStorage: Record<string, string> }>(EXPRESSION_MODEL, 'client-record.json');
      const confirmed = JSON.parse(Object.entries(saved.localStorage).find(([k]) => k.startsWith('kb:confirmed:'))![1]) as {
        session: Doc;
      };
      const lifted = migrateSession(confirmed.session, EXPRESSION_MODEL);
      if (!lifted.ok) throw new Error(lifted.message);
      expect(expressionOf(lifted.value)).toEqual(EXPRESSION);
      expect(lifted.value.seed).toBe(SEED);
    });

    it("the room's fold holds expression and the Re-roll's seed; its tail re-rolls, undoes and re-rolls, and carries rows with expression", () => {
      const room = fixture<{ tables: Record<string, { rows: Doc[] }> }>(EXPRESSION_MODEL, 'room.json');
      const { session, tail } = roomBeforeTail(room);
      const folded = migrateSession(session, EXPRESSION_MODEL);
      if (!folded.ok) throw new Error(folded.message);
      expect(folded.value.seed).toBe(90_210_777);
      const foldedFields = new Set(Object.values(expressionOf(folded.value)).flatMap((f) => Object.keys(f)));
      expect([...foldedFields].sort()).toEqual(EXPRESSION_FIELDS.map(([k]) => k).sort());
      const mutations = tail.map((r) => JSON.parse(r.mutation as string) as Doc);
      // The seed: a Re-roll, its undo (the folded seed back), another Re-roll.
      expect(mutations.filter((m) => m.type === 'set_seed').map((m) => m.seed)).toEqual([1_618_033_988, 90_210_777, SEED]);
      // Every expression setter, one of them back to its default (a ratchet reset to 1).
      const types = new Set(mutations.map((m) => m.type));
      for (const [, f] of EXPRESSION_FIELDS) expect(types.has(f.mutation), f.mutation).toBe(true);
      expect(mutations).toContainEqual(expect.objectContaining({ type: 'set_ratchet', ratchet: 1, pattern: 'B', step: 5 }));
      // Rows carried whole with expression lift as they are.
      const carried = mutations.filter((m) => m.type === 'set_row' || m.type === 'add_track');
      const withExpression = carried.filter((m) => {
        const rows = m.type === 'set_row' ? [m.row as Doc] : Object.values(m.rows as Record<string, Doc>);
        return rows.some((row) => EXPRESSION_FIELDS.some(([, f]) => (row[f.array] as unknown[]).some((x) => x !== f.default)));
      });
      expect(withExpression.map((m) => m.type).sort()).toEqual(['add_track', 'set_row']);
      for (const m of withExpression) expect(migrateMutation(m, EXPRESSION_MODEL)).toEqual({ ok: true, value: m, from: EXPRESSION_MODEL });
    });

    it("the browser's offline expression edits and its Re-roll are pending, lifted as they are", async () => {
      const saved = fixture<{ localStorage: Record<string, string> }>(EXPRESSION_MODEL, 'client-record.json');
      const record = JSON.parse(Object.entries(saved.localStorage).find(([k]) => k.startsWith('kb:client:'))![1]) as {
        pending: { mutation: Doc }[];
      };
      const pending = record.pending.map((p) => p.mutation);
      expect(pending.slice(-3)).toEqual([
        expect.objectContaining({ type: 'set_probability', pattern: 'B', step: 0, probability: 35 }),
        expect.objectContaining({ type: 'set_note_length', pattern: 'B', step: 0, noteLength: 4 }),
        { type: 'set_seed', seed: expect.any(Number) },
      ]);
      expect(pending.at(-1)!.seed).not.toBe(SEED);
      for (const m of pending.slice(-3))
        expect(migrateMutation(m, EXPRESSION_MODEL)).toEqual({ ok: true, value: m, from: EXPRESSION_MODEL });
    });
  },
);

/**
 * Model 6's fixture spelled out from its README (test/fixtures/v6/README.md): the kit of
 * own sounds (key, name, length), the tracks playing them (`sound:<key>`), and the bytes
 * of each sound (sounds/<key>.wav, as R2 stored them), whose SHA-256 is its key. The
 * comparisons above cover every stored value; these say what the fixture holds, so that a
 * fixture without them, a lift that drops a sound or a name, or a reader that lets a track
 * play a sound outside its kit fails here.
 */
describe.runIf(FIXTURE_VERSIONS.includes(SOUNDS_MODEL))(
  'model 6 documents (test/fixtures/v6) keep every sound, its name and the tracks playing it',
  () => {
    const CLAP = 'c85d269dd9272f71ecb5d5018d0b0c0a47d75dde0d2dd16605d52bcb90d8cc1e';
    const VOICE = '5a2f3d4a757f907e0231beba7959566c32e8af8d0d533c4fce1ee02a4657bc82';
    const BELL = '443b383812cd564769130f0cba574c20e557938b28d048d5da1eba46d0b0a4b6';
    /** The key of the add_sound, set_instrument and rename_sound the room refused: no upload stored it. */
    const NEVER_UPLOADED = '2d69552143e1f416d9780492c167d2dc09f7a0993600968d8ce5c6562e54f023';
    const KIT: Record<string, { name: string; seconds: number }> = {
      [CLAP]: { name: 'Clap ✋ du garage', seconds: 0.3 },
      [VOICE]: { name: 'Voix — Léa 🎤', seconds: 0.5 },
      [BELL]: { name: 'Cloche 鐘', seconds: 0.75 },
    };
    /** Track name → the sound it plays (the voice is in the kit, played by no track). */
    const PLAYING = { 'Caisse claire é': BELL, 'Trío △': CLAP };
    /** Each sound's WAV: its sample rate and size. */
    const FILES: Record<string, [rate: number, bytes: number]> = {
      [CLAP]: [24_000, 14_444],
      [VOICE]: [16_000, 16_044],
      [BELL]: [8_000, 12_044],
    };

    const playing = (session: Session) =>
      Object.fromEntries(session.tracks.flatMap((t) => (soundKeyOf(t.instrument) ? [[t.name, soundKeyOf(t.instrument)]] : [])));
    const read = (name: string): Session => {
      const stored = fixture(SOUNDS_MODEL, name);
      const doc = name === 'beat.json' ? readBeatDocument(stored) : readSessionDocument(stored);
      if (!doc.ok) throw new Error(doc.message);
      expect(doc.from).toBe(SOUNDS_MODEL);
      return doc.value;
    };
    const savedRecord = () => {
      const saved = fixture<{ localStorage: Record<string, string> }>(SOUNDS_MODEL, 'client-record.json');
      const entry = (prefix: string) => JSON.parse(Object.entries(saved.localStorage).find(([k]) => k.startsWith(prefix))![1]);
      return {
        pending: (entry('kb:client:') as { pending: { mutation: Doc }[] }).pending.map((p) => p.mutation),
        confirmed: (entry('kb:confirmed:') as { session: Doc }).session,
      };
    };

    it('the model version is 6; each sound file is a WAV of the one format, its SHA-256 its key, as long as the kit says', () => {
      expect(SOUNDS_MODEL).toBe(6);
      const files = readdirSync(new URL(`v${SOUNDS_MODEL}/sounds/`, FIXTURES)).sort();
      expect(files).toEqual(
        Object.keys(KIT)
          .map((key) => `${key}.wav`)
          .sort(),
      );
      for (const [key, { seconds }] of Object.entries(KIT)) {
        const bytes = new Uint8Array(readFileSync(new URL(`v${SOUNDS_MODEL}/sounds/${key}.wav`, FIXTURES)));
        expect(createHash('sha256').update(bytes).digest('hex'), key).toBe(key);
        const [rate, size] = FILES[key]!;
        expect(bytes.length, key).toBe(size);
        expect(checkWav(bytes), key).toMatchObject({ ok: true, sampleRate: rate, durationMs: seconds * 1000 });
      }
    });

    it.each(['session.json', 'beat.json', 'remix-of-beat.json', 'remix-of-session.json'])(
      '%s: the kit of three sounds with their names and lengths, and the tracks playing them',
      (name) => {
        expect(fixture(SOUNDS_MODEL, name).sounds).toEqual(KIT);
        const session = read(name);
        expect(session.sounds).toEqual(KIT);
        expect(playing(session)).toEqual(PLAYING);
      },
    );

    it('what the room reported (expected.json) and what the browser had confirmed hold the same', () => {
      for (const stored of [fixture<{ session: Doc }>(SOUNDS_MODEL, 'expected.json').session, savedRecord().confirmed]) {
        const lifted = migrateSession(stored, SOUNDS_MODEL);
        if (!lifted.ok) throw new Error(lifted.message);
        expect(lifted.value.sounds).toEqual(KIT);
        expect(playing(lifted.value)).toEqual(PLAYING);
      }
    });

    it('a document whose track plays a sound outside its kit is refused with a reason, never read', () => {
      const stored = fixture(SOUNDS_MODEL, 'session.json') as Doc & { sounds: Record<string, unknown> };
      const { [BELL]: _bell, ...withoutBell } = stored.sounds;
      expect(readSessionDocument({ ...stored, sounds: withoutBell })).toMatchObject({ ok: false, reason: 'invalid' });
      // The voice, played by no track, can go without the document becoming unreadable.
      const { [VOICE]: _voice, ...withoutVoice } = stored.sounds;
      expect(readSessionDocument({ ...stored, sounds: withoutVoice })).toMatchObject({ ok: true });
    });

    it("the room's fold holds the clap and the renamed voice; its tail adds and plays the bell, renames the clap, adds the voice again; unknown_sound refusals keep their mutation", () => {
      const room = fixture<{ tables: Record<string, { rows: Doc[] }> }>(SOUNDS_MODEL, 'room.json');
      const { session, tail } = roomBeforeTail(room);
      const folded = migrateSession(session, SOUNDS_MODEL);
      if (!folded.ok) throw new Error(folded.message);
      expect(folded.value.sounds).toEqual({
        [CLAP]: { name: 'Clap 👏 maison', seconds: 0.3 },
        [VOICE]: { name: 'Voix — Léa 🎤', seconds: 0.5 },
      });
      expect(playing(folded.value)).toEqual({ 'Trío △': CLAP });
      const mutations = tail.map((r) => JSON.parse(r.mutation as string) as Doc);
      const soundEdits = mutations.filter(
        (m) => m.type === 'add_sound' || m.type === 'rename_sound' || (m.type === 'set_instrument' && soundKeyOf(m.instrument as string)),
      );
      expect(soundEdits).toEqual([
        { type: 'add_sound', key: BELL, name: 'Cloche 鐘', seconds: 0.75 },
        { type: 'set_instrument', trackId: 'snare', instrument: soundInstrument(BELL) },
        { type: 'rename_sound', key: CLAP, name: 'Clap ✋ du garage' },
        // Already in the kit: applied, and nothing changes (the kit keeps "Voix — Léa 🎤").
        { type: 'add_sound', key: VOICE, name: 'Voix encore', seconds: 0.5 },
      ]);
      for (const m of soundEdits) expect(migrateMutation(m, SOUNDS_MODEL)).toEqual({ ok: true, value: m, from: SOUNDS_MODEL });
      const again = applyMutation(folded.value, soundEdits[3] as Mutation, 0);
      expect(again).toMatchObject({ ok: true, session: folded.value });
      const refused = room.tables.refusals!.rows.filter((r) => r.code === 'unknown_sound');
      expect(refused.map((r) => JSON.parse(r.mutation as string)).sort((x, y) => String(x.type).localeCompare(String(y.type)))).toEqual([
        { type: 'add_sound', key: NEVER_UPLOADED, name: 'Fantôme 👻', seconds: 1 },
        { type: 'rename_sound', key: NEVER_UPLOADED, name: 'Fantôme 👻' },
        { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(NEVER_UPLOADED) },
      ]);
    });

    it("the browser's offline rename and sound instrument are pending, lifted as they are", () => {
      const { pending, confirmed } = savedRecord();
      const bass = (confirmed.tracks as { id: string; name: string }[]).find((t) => t.name === 'Bässline 🎸')!.id;
      expect(pending.slice(-2)).toEqual([
        { type: 'rename_sound', key: BELL, name: 'Cloche 鐘 — grave' },
        { type: 'set_instrument', trackId: bass, instrument: soundInstrument(VOICE) },
      ]);
      for (const m of pending.slice(-2)) expect(migrateMutation(m, SOUNDS_MODEL)).toEqual({ ok: true, value: m, from: SOUNDS_MODEL });
    });
  },
);

describe('mutations of models 1 and 2 lift into pattern A', () => {
  const steps = Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, new Array(128).fill(f.default)]));
  const oldTrack = {
    id: 'lead',
    name: 'Lead',
    instrument: 'saw-lead',
    volume: 0.5,
    pan: 0.25,
    length: 12,
    ...steps,
    steps: [true, ...new Array(127).fill(false)],
  };

  it.each([1, 2])('from model %i', (from) => {
    const lift = (m: Doc) => {
      const lifted = migrateMutation(m, from);
      if (!lifted.ok) throw new Error(lifted.message);
      return lifted.value;
    };
    expect(lift({ type: 'set_step', trackId: 'k', step: 3, on: true })).toEqual({
      type: 'set_step',
      trackId: 'k',
      pattern: 'A',
      step: 3,
      on: true,
    });
    expect(lift({ type: 'set_velocity', trackId: 'k', step: 3, velocity: 9 })).toMatchObject({ pattern: 'A', velocity: 9 });
    expect(lift({ type: 'set_pitch', trackId: 'k', step: 3, pitch: -2 })).toMatchObject({ pattern: 'A', pitch: -2 });
    expect(lift({ type: 'set_length', trackId: 'k', length: 7 })).toEqual({ type: 'set_length', trackId: 'k', pattern: 'A', length: 7 });
    expect(lift({ type: 'set_pattern', trackId: 'k', pattern: steps })).toEqual({ type: 'set_steps', trackId: 'k', pattern: 'A', steps });
    // Track and session setters are as they were.
    expect(lift({ type: 'set_volume', trackId: 'k', volume: 0.5 })).toEqual({ type: 'set_volume', trackId: 'k', volume: 0.5 });
    expect(lift({ type: 'set_tempo', tempo: 99 })).toEqual({ type: 'set_tempo', tempo: 99 });
    // add_track: the row goes to A, the track keeps the rest (model 2's fields at their defaults from model 1).
    const track2 = from < 2 ? oldTrack : { ...oldTrack, transpose: 3, swing: 12 };
    const added = lift({ type: 'add_track', track: track2, beforeTrackId: null });
    expect(added).toEqual({
      type: 'add_track',
      track: {
        id: 'lead',
        name: 'Lead',
        instrument: 'saw-lead',
        volume: 0.5,
        pan: 0.25,
        transpose: from < 2 ? 0 : 3,
        swing: from < 2 ? null : 12,
        ...newDefaults(TRACK_FIELDS, 2, {}),
      },
      rows: { A: { length: 12, ...steps, steps: oldTrack.steps } },
      beforeTrackId: null,
    });
    // A default row is not carried.
    const plain = lift({ type: 'add_track', track: { ...track2, length: 16, steps: new Array(128).fill(false) }, beforeTrackId: 'x' });
    expect(plain).toMatchObject({ type: 'add_track', rows: {}, beforeTrackId: 'x' });
    // Invalid stays invalid, with the reason.
    expect(migrateMutation({ type: 'set_step', trackId: 'k', step: 300, on: true }, from)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(migrateMutation({ type: 'add_track', track: { id: 'x' }, beforeTrackId: null }, from)).toMatchObject({
      ok: false,
      message: expect.stringContaining('track'),
    });
  });

  it('a model-3 mutation is taken as it is; set_pattern is no longer one', () => {
    const m: Mutation = { type: 'set_step', trackId: 'k', pattern: 'C', step: 3, on: true };
    expect(migrateMutation(m, 3)).toEqual({ ok: true, value: m, from: 3 });
    expect(migrateMutation({ type: 'set_pattern', trackId: 'k', pattern: steps }, 3)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(parseMutation({ type: 'set_pattern', trackId: 'k', pattern: steps }).ok).toBe(false);
    // A model-3 add_track keeps its rows in whichever patterns it names.
    const rows = { B: { ...emptyRow(5) }, C: { ...emptyRow(), steps: [true, ...new Array(127).fill(false)] } };
    const added = migrateMutation({ type: 'add_track', track: splitTrack(oldTrack, 1).track, rows, beforeTrackId: null }, 3);
    expect(added).toMatchObject({ ok: true, value: { rows } });
  });

  it('migrateTrack lifts a model-1 track into a track and its row in A; a model-3 one keeps its rows', () => {
    expect(migrateTrack(oldTrack, undefined, 1)).toEqual({
      ok: true,
      value: {
        track: { ...omit(oldTrack, ROW_KEYS), transpose: 0, swing: null, ...newDefaults(TRACK_FIELDS, 2, {}) },
        rows: { A: pick(oldTrack, ROW_KEYS) },
      },
      from: 1,
    });
    const { track } = splitTrack(oldTrack, 1);
    const rows = { D: { ...emptyRow(24) } };
    expect(migrateTrack(track, rows, 3)).toEqual({ ok: true, value: { track, rows }, from: 3 });
  });
});

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
