/**
 * Lifting documents written by earlier versions of Keyboardia to this one.
 *
 * Every stored or served document records the model version that wrote it (`model`;
 * documents from before versions existed have none and are version 1). Each step
 * below lifts a document by one version: first its structural change, if any, then
 * the defaults of the fields that version introduced (core/fields.ts, `since`). The
 * steps rise by one, from 2 to MODEL_VERSION (a unit test checks it), and every load
 * path runs them: the room's storage on wake, a legacy KV document, a published beat
 * (its page, the embed, a remix), the KV projection served over HTTP, and the
 * browser's saved record (its confirmed state and its pending mutations).
 *
 * The result is typed: a document that cannot be read is refused with a reason, never
 * a throw. Nothing here mutates its input.
 */
import * as v from 'valibot';
import { EFFECT_FIELDS, PATTERN_FIELDS, ROW_FIELDS, SESSION_FIELDS, STEP_FIELDS, TRACK_FIELDS } from './fields';
import { LIMITS } from './limits';
import type { PatternId, Row, Session, Track } from './model';
import { NO_KEY } from './key';
import { describeIssues, type Mutation, parseMutation, SessionSchema, TrackSchema } from './schema';
import { LAUNCH_LEAD_BEFORE_MODEL_7_MS, LAUNCH_LEAD_MS } from './arrangement';

export type MigrationFailure = {
  ok: false;
  /** unreadable: not a document at all; too_new: written by a newer model; invalid: fails the schema once lifted. */
  reason: 'unreadable' | 'too_new' | 'invalid';
  message: string;
};
export type Migrated<T> = { ok: true; value: T /** the model version it was written in */; from: number } | MigrationFailure;

type Doc = Record<string, unknown>;

interface MigrationStep {
  /** The version this step lifts to (from `to - 1`). */
  readonly to: number;
  /** `<to>/<what changed>`: names the step in errors and docs. */
  readonly name: string;
  /** The structural change, if any, on a copy of the session document. */
  readonly up?: (session: Doc) => void;
}

/** The model that moved every track's steps into patterns (and added the song and transport). */
export const PATTERNS_MODEL = 3;

/** The model that gave sessions a key, steps chords, and tracks their sound shaping. */
export const KEYS_MODEL = 4;

/** The model that gave steps their expression (probability, condition, ratchet, length, nudge) and the session a seed. */
export const EXPRESSION_MODEL = 5;

/** The model that gave sessions their own sounds (`sounds`, and tracks playing `sound:<key>`). */
export const SOUNDS_MODEL = 6;

/**
 * The model whose launches count from a longer lead (core/arrangement.ts, LAUNCH_LEAD_MS):
 * no document changes shape, but a page of an older model would compute a launch's step
 * from the old lead, so the room serves none (core/fields.ts, OLDEST_CLIENT_MODEL), and a
 * launch an older room logged replays from an earlier clock reading (`liftLoggedAt`), so
 * that it lands where it did.
 */
export const LAUNCH_LEAD_MODEL = 7;

/** The keys of a row: before model 3 they sat on the track. */
const ROW_KEYS = [...Object.keys(ROW_FIELDS), ...Object.values(STEP_FIELDS).map((f) => f.array)];

/** Take a pre-model-3 track's row out of it; null when it is the default row. */
function takeRow(track: Doc): Doc | null {
  const row: Doc = {};
  for (const k of ROW_KEYS) {
    if (k in track) row[k] = track[k];
    delete track[k];
  }
  const isDefault =
    row.length === ROW_FIELDS.length.default &&
    // An array the track did not have yet (a field introduced later) is at its default.
    Object.values(STEP_FIELDS).every(
      (f) => !(f.array in row) || (Array.isArray(row[f.array]) && (row[f.array] as unknown[]).every((x) => x === f.default)),
    );
  return isDefault ? null : row;
}

/**
 * Changes of shape (a field renamed, moved or split), by the version that makes them. A
 * version that only adds fields needs none: declaring them with their `since` is enough.
 */
const STRUCTURAL_STEPS: readonly MigrationStep[] = [
  {
    to: PATTERNS_MODEL,
    name: '3/patterns-song-transport',
    // One loop becomes pattern A; the song is empty and pattern A plays from step 0.
    up: (session) => {
      const rows: Doc = {};
      if (Array.isArray(session.tracks)) {
        for (const t of session.tracks) {
          if (!isObject(t)) continue;
          const row = takeRow(t);
          if (row && typeof t.id === 'string') rows[t.id] = row;
        }
      }
      session.patterns = { A: { rows } };
      session.song = { entries: [], loop: true, start: null };
      session.transport = { song: false, pattern: 'A', from: 0, next: null };
    },
  },
  {
    to: KEYS_MODEL,
    // The session gets a key: chromatic, so nothing an older session holds is out of it.
    // (Model 4's per-track sound fields and the step chords are declared in core/fields.ts.)
    name: '4/key-chords-sound-shaping',
    up: (session) => {
      session.key = { ...NO_KEY };
    },
  },
  {
    to: SOUNDS_MODEL,
    // The session gets a kit of its own sounds: empty, as no older track could play one.
    name: '6/sounds',
    up: (session) => {
      session.sounds = {};
    },
  },
  // No change of shape: launches count from a longer lead (LAUNCH_LEAD_MODEL); logged ones are lifted by liftLoggedAt.
  { to: LAUNCH_LEAD_MODEL, name: '7/launch-lead' },
];

const FIELD_SETS = {
  track: TRACK_FIELDS,
  row: ROW_FIELDS,
  step: STEP_FIELDS,
  pattern: PATTERN_FIELDS,
  session: SESSION_FIELDS,
  effect: EFFECT_FIELDS,
} as const;
const fieldsSince = (to: number) =>
  Object.entries(FIELD_SETS).flatMap(([scope, fields]) =>
    Object.entries(fields as Record<string, { since: number }>)
      .filter(([, f]) => f.since === to)
      .map(([k]) => `${scope}-${k}`),
  );

/**
 * The model version of this code: documents it writes say so, `migrate` lifts older ones
 * to it. The newest `since` among the declared fields, or of a structural step.
 */
export const MODEL_VERSION = Math.max(
  1,
  ...Object.values(FIELD_SETS).flatMap((fields) => Object.values(fields as Record<string, { since: number }>).map((f) => f.since)),
  ...STRUCTURAL_STEPS.map((s) => s.to),
);

/**
 * Every step from model 2 to MODEL_VERSION, in order: its structural change, if any,
 * then the defaults of the fields it introduced. (Model 2 also gave documents their
 * `model`; one without it is model 1.)
 */
export const MIGRATION_STEPS: readonly MigrationStep[] = Array.from({ length: MODEL_VERSION - 1 }, (_, i) => {
  const to = i + 2;
  const structural = STRUCTURAL_STEPS.find((s) => s.to === to);
  return structural ?? { to, name: `${to}/fields-${fieldsSince(to).join('-').toLowerCase()}` };
});

const isObject = (x: unknown): x is Doc => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The model version a document says it was written in (none: 1, from before versions). */
export function modelOf(doc: unknown): number | null {
  if (!isObject(doc)) return null;
  const model = doc.model;
  if (model === undefined) return 1;
  return Number.isSafeInteger(model) && (model as number) >= 1 ? (model as number) : null;
}

/** Fill the defaults of the fields that version `to` introduced into a row (before model 3: a track). */
function fillRow(row: Doc, to: number): void {
  for (const [k, f] of Object.entries(ROW_FIELDS)) if (f.since === to && !(k in row)) row[k] = f.default;
  for (const f of Object.values(STEP_FIELDS)) {
    if (f.since === to && !(f.array in row)) row[f.array] = new Array(LIMITS.maxSteps).fill(f.default);
  }
}

/** Fill the defaults of the fields that version `to` introduced into a track. */
function fillTrack(track: Doc, to: number): void {
  for (const [k, f] of Object.entries(TRACK_FIELDS)) if (f.since === to && !(k in track)) track[k] = f.default;
  if (to < PATTERNS_MODEL) fillRow(track, to);
}

function fillSession(session: Doc, to: number): void {
  for (const [k, f] of Object.entries(SESSION_FIELDS)) if (f.since === to && !(k in session)) session[k] = f.default;
  if (isObject(session.effects)) {
    for (const [k, f] of Object.entries(EFFECT_FIELDS)) if (f.since === to && !(k in session.effects)) session.effects[k] = f.default;
  }
  if (Array.isArray(session.tracks)) for (const t of session.tracks) if (isObject(t)) fillTrack(t, to);
  if (to >= PATTERNS_MODEL && isObject(session.patterns)) {
    for (const pattern of Object.values(session.patterns)) {
      if (!isObject(pattern)) continue;
      for (const [k, f] of Object.entries(PATTERN_FIELDS)) if (f.since === to && !(k in pattern)) pattern[k] = f.default;
      if (isObject(pattern.rows)) for (const row of Object.values(pattern.rows)) if (isObject(row)) fillRow(row, to);
    }
  }
}

/** Lift a bare session (no envelope) written in model `from` to MODEL_VERSION, and check it. */
export function migrateSession(input: unknown, from: number): Migrated<Session> {
  if (!isObject(input)) return { ok: false, reason: 'unreadable', message: 'a session is a JSON object' };
  if (from > MODEL_VERSION) {
    return { ok: false, reason: 'too_new', message: `written by model ${from}; this is model ${MODEL_VERSION}` };
  }
  const session = structuredClone(input);
  for (const step of MIGRATION_STEPS) {
    if (step.to <= from) continue;
    step.up?.(session);
    fillSession(session, step.to);
  }
  const parsed = v.safeParse(SessionSchema, session);
  if (!parsed.success) return { ok: false, reason: 'invalid', message: describeIssues(parsed.issues) };
  return { ok: true, value: parsed.output, from };
}

/**
 * Lift one track and its rows, as an `add_track` written by an older client or stored in
 * an older log carries them (before model 3 the row sat on the track: it goes to A).
 */
export function migrateTrack(
  input: unknown,
  rows: unknown,
  from: number,
): Migrated<{ track: Track; rows: Partial<Record<PatternId, Row>> }> {
  if (!isObject(input)) return { ok: false, reason: 'unreadable', message: 'a track is a JSON object' };
  if (from > MODEL_VERSION) return { ok: false, reason: 'too_new', message: `written by model ${from}` };
  const track = structuredClone(input);
  let lifted: Doc = from < PATTERNS_MODEL ? {} : isObject(rows) ? structuredClone(rows) : {};
  for (const step of MIGRATION_STEPS) {
    if (step.to <= from) continue;
    fillTrack(track, step.to);
    if (step.to === PATTERNS_MODEL) {
      const row = takeRow(track);
      lifted = row ? { A: row } : {};
    } else if (step.to > PATTERNS_MODEL) {
      for (const row of Object.values(lifted)) if (isObject(row)) fillRow(row, step.to);
    }
  }
  const parsed = v.safeParse(TrackSchema, track);
  if (!parsed.success) return { ok: false, reason: 'invalid', message: describeIssues(parsed.issues) };
  return { ok: true, value: { track: parsed.output, rows: lifted as Partial<Record<PatternId, Row>> }, from };
}

/** Pre-model-3 mutations that named a track's (only) row: they now name pattern A. */
const ROW_MUTATIONS_BEFORE_PATTERNS = new Set<string>([
  ...Object.values(ROW_FIELDS).map((f) => f.mutation),
  ...Object.values(STEP_FIELDS).map((f) => f.mutation),
]);

/**
 * The room's clock reading to replay a logged change with, for a change an older model
 * applied: a launch counts from `at` plus the lead (core/reducer.ts), so one applied
 * before the lead grew replays from `at` less the difference and lands on the step its
 * listeners heard. Every other change keeps its `at`.
 */
export function liftLoggedAt(mutation: { type: string }, at: number, from: number): number {
  if (from >= LAUNCH_LEAD_MODEL || mutation.type !== 'launch_pattern') return at;
  return at - (LAUNCH_LEAD_MS - LAUNCH_LEAD_BEFORE_MODEL_7_MS);
}

/**
 * Lift a mutation written in model `from` (a pending edit saved by an older page, a
 * log row of an older room, a frame from an older client the room still serves).
 */
export function migrateMutation(input: unknown, from: number): Migrated<Mutation> {
  if (!isObject(input)) return { ok: false, reason: 'unreadable', message: 'a mutation is a JSON object' };
  if (from > MODEL_VERSION) return { ok: false, reason: 'too_new', message: `written by model ${from}` };
  let lifted: Doc = input;
  if (from < MODEL_VERSION && input.type === 'add_track') {
    const track = migrateTrack(input.track, input.rows, from);
    if (!track.ok) return { ...track, message: `track: ${track.message}` };
    lifted = { ...input, ...track.value };
  }
  if (from < PATTERNS_MODEL) {
    if (ROW_MUTATIONS_BEFORE_PATTERNS.has(String(input.type))) lifted = { ...lifted, pattern: 'A' };
    // `set_pattern` set a track's step arrays (its one pattern): now `set_steps` in A.
    if (input.type === 'set_pattern') lifted = { type: 'set_steps', trackId: input.trackId, pattern: 'A', steps: input.pattern };
  }
  lifted = withNewStepArrays(lifted, from);
  const parsed = parseMutation(lifted);
  return parsed.ok ? { ok: true, value: parsed.mutation, from } : { ok: false, reason: 'invalid', message: parsed.message };
}

/**
 * A mutation that carries whole rows or step arrays (written before some step field
 * existed) with those fields' arrays at their defaults. add_track's rows are lifted by
 * migrateTrack.
 */
function withNewStepArrays(m: Doc, from: number): Doc {
  const fill = (row: unknown): unknown => {
    if (!isObject(row)) return row;
    const copy = { ...row };
    for (let to = from + 1; to <= MODEL_VERSION; to++) fillRow(copy, to);
    return copy;
  };
  switch (m.type) {
    case 'set_steps':
      return { ...m, steps: fill(m.steps) };
    case 'set_row':
      return { ...m, row: fill(m.row) };
    case 'add_pattern':
    case 'put_pattern': {
      if (!isObject(m.value) || !isObject(m.value.rows)) return m;
      const rows = Object.fromEntries(Object.entries(m.value.rows).map(([id, row]) => [id, fill(row)]));
      return { ...m, value: { ...m.value, rows } };
    }
    default:
      return m;
  }
}

/**
 * Split a stored document into its envelope (the keys in `envelope`, plus `model`) and
 * the session, and lift the session. The envelope is returned as stored.
 */
export function migrateEnvelope<K extends string>(
  input: unknown,
  envelope: readonly K[],
): Migrated<{ envelope: Record<K, unknown>; session: Session }> {
  const model = modelOf(input);
  if (model === null || !isObject(input)) return { ok: false, reason: 'unreadable', message: 'not a Keyboardia document' };
  const { model: _model, ...rest } = input;
  const kept = {} as Record<K, unknown>;
  for (const key of envelope) {
    kept[key] = rest[key];
    delete rest[key];
  }
  const session = migrateSession(rest, model);
  return session.ok ? { ok: true, value: { envelope: kept, session: session.value }, from: model } : session;
}
