/**
 * Validation of everything that crosses a trust boundary, written once with valibot
 * and run by both sides: the client checks before sending, the server refuses.
 * Numbers are checked for type first (NaN, Infinity, strings, floats where an
 * integer is due) and then for range.
 *
 * The schemas of tracks, steps and the session and the mutations that set each of
 * their fields are generated from the declarations in core/fields.ts.
 */
import * as v from 'valibot';
import {
  type Domain,
  EFFECT_FIELDS,
  type EffectName,
  SESSION_FIELDS,
  type SessionFieldName,
  type SessionFieldValue,
  STEP_FIELDS,
  type StepFieldName,
  type StepFieldValue,
  TRACK_FIELDS,
  type TrackFieldName,
  type TrackFieldValue,
} from './fields';
import { LIMITS } from './limits';
import type { Session, StepArrays, Track } from './model';

/**
 * Characters a name may not hold: controls (C0, DEL, C1), format characters (bidi
 * embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, soft
 * hyphen…), line and paragraph separators, and lone surrogates. They are invisible or
 * reorder what is shown around them, so a name could look like another or break the
 * page it is shown in. The one format character kept is the zero-width joiner between
 * two pictographs, which joins emoji sequences (👩‍🎤).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// The joiner is looked at alone, between two pictographs: the class holds marks and skin
// tones that may sit between them, not a character built from them.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: see above
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}[\p{M}\u{1F3FB}-\u{1F3FF}]*)\u200d(?=\p{Extended_Pictographic})/gu;
export const hasInvisibleChars = (s: string) => INVISIBLE.test(s.replace(EMOJI_JOINER, ''));
const codePoints = (s: string) => [...s].length;

export const IdSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.maxIdLength),
  v.regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -'),
);

/** A name people type and others see: at most `max` characters, none of them invisible. */
export const nameSchema = (max: number) =>
  v.pipe(
    v.string(),
    v.check((s) => codePoints(s) <= max, `at most ${max} characters`),
    v.check((s) => !hasInvisibleChars(s), 'no control, format or bidi characters'),
  );

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const real = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));

/** The schema of a field's domain (core/fields.ts). */
export function domainSchema<D extends Domain>(domain: D, label: string): v.GenericSchema<unknown> {
  switch (domain.kind) {
    case 'boolean':
      return v.boolean();
    case 'int':
      return int(domain.min, domain.max);
    case 'real':
      return real(domain.min, domain.max);
    case 'choice':
      return v.picklist(domain.options as string[], `unknown ${label.toLowerCase()}`);
    case 'name':
      return domain.minLength === 0
        ? nameSchema(domain.max)
        : v.pipe(nameSchema(domain.max), v.minLength(domain.minLength, `a ${label.toLowerCase()} cannot be empty`));
    case 'optional':
      return v.nullable(domainSchema(domain.of, label));
  }
}

export const SessionNameSchema = domainSchema(SESSION_FIELDS.name.domain, 'session name') as v.GenericSchema<string>;
export const TrackNameSchema = domainSchema(TRACK_FIELDS.name.domain, 'track name') as v.GenericSchema<string>;
/** The name others see for you in a session (presence); kept per browser. */
export const PeerNameSchema = v.pipe(nameSchema(LIMITS.maxPeerName), v.minLength(1, 'a name cannot be empty'));
export const StepIndexSchema = int(0, LIMITS.maxSteps - 1);
export const TempoSchema = domainSchema(SESSION_FIELDS.tempo.domain, 'tempo') as v.GenericSchema<number>;
export const InstrumentSchema = domainSchema(TRACK_FIELDS.instrument.domain, 'instrument') as v.GenericSchema<string>;

const fixedArray = (item: v.GenericSchema<unknown>) =>
  v.pipe(v.array(item), v.length(LIMITS.maxSteps, `exactly ${LIMITS.maxSteps} entries`));

const entriesOf = <T extends Record<string, { domain: Domain; label: string }>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, domainSchema(f.domain, f.label)]));

/** A track's step arrays (one per step field), each LIMITS.maxSteps long. */
export const PatternSchema = v.strictObject(
  Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, fixedArray(domainSchema(f.domain, f.label))])),
) as unknown as v.GenericSchema<unknown, StepArrays>;

export const TrackSchema = v.strictObject({
  id: IdSchema,
  ...entriesOf(TRACK_FIELDS),
  ...(PatternSchema as unknown as v.StrictObjectSchema<v.ObjectEntries, undefined>).entries,
}) as unknown as v.GenericSchema<unknown, Track>;

// ---- mutations ---------------------------------------------------------------------------

/** `set_<field> { trackId, <field> }` for every per-track field. */
export type TrackSetter = {
  [K in TrackFieldName]: { type: (typeof TRACK_FIELDS)[K]['mutation']; trackId: string } & Record<K, TrackFieldValue<K>>;
}[TrackFieldName];

/** `set_<field> { trackId, step, <field> }` for every per-step field. */
export type StepSetter = {
  [K in StepFieldName]: { type: (typeof STEP_FIELDS)[K]['mutation']; trackId: string; step: number } & Record<K, StepFieldValue<K>>;
}[StepFieldName];

/** `set_<field> { <field> }` for every session field. */
export type SessionSetter = {
  [K in SessionFieldName]: { type: (typeof SESSION_FIELDS)[K]['mutation'] } & Record<K, SessionFieldValue<K>>;
}[SessionFieldName];

export type EffectSetter = { [K in EffectName]: { type: 'set_effect'; param: K; value: number } }[EffectName];

/** Mutations that change the shape of a session rather than one field. */
export type StructuralMutation =
  | { type: 'set_pattern'; trackId: string; pattern: StepArrays }
  | { type: 'add_track'; track: Track /** Insert before this track; null appends. */; beforeTrackId: string | null }
  | { type: 'delete_track'; trackId: string }
  | { type: 'move_track'; trackId: string; beforeTrackId: string | null }
  | { type: 'set_play_together'; together: boolean }
  | { type: 'set_playing'; playing: boolean };

/** Every change a user can make. All are set-to-value and idempotent: no toggles. */
export type Mutation = TrackSetter | StepSetter | SessionSetter | EffectSetter | StructuralMutation;
export type MutationType = Mutation['type'];

/** Which field a setter mutation sets, by its type. */
export type Setter =
  | { scope: 'track'; field: TrackFieldName }
  | { scope: 'step'; field: StepFieldName }
  | { scope: 'session'; field: SessionFieldName };

export const SETTERS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  ...Object.entries(TRACK_FIELDS).map(([k, f]) => [f.mutation, { scope: 'track', field: k as TrackFieldName }] as const),
  ...Object.entries(STEP_FIELDS).map(([k, f]) => [f.mutation, { scope: 'step', field: k as StepFieldName }] as const),
  ...Object.entries(SESSION_FIELDS).map(([k, f]) => [f.mutation, { scope: 'session', field: k as SessionFieldName }] as const),
]);

const track = { trackId: IdSchema };
const literal = (type: string) => ({ type: v.literal(type) });

const SETTER_SCHEMAS = [
  ...Object.entries(TRACK_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...track, [k]: domainSchema(f.domain, f.label) }),
  ),
  ...Object.entries(STEP_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...track, step: StepIndexSchema, [k]: domainSchema(f.domain, f.label) }),
  ),
  ...Object.entries(SESSION_FIELDS).map(([k, f]) => v.strictObject({ ...literal(f.mutation), [k]: domainSchema(f.domain, f.label) })),
  v.variant(
    'param',
    Object.entries(EFFECT_FIELDS).map(([k, f]) =>
      v.strictObject({ ...literal('set_effect'), param: v.literal(k), value: domainSchema(f.domain, f.label) }),
    ),
    'unknown effect param',
  ),
];

export const MutationSchema = v.variant('type', [
  ...SETTER_SCHEMAS,
  v.strictObject({ ...literal('set_pattern'), ...track, pattern: PatternSchema }),
  v.strictObject({ ...literal('add_track'), track: TrackSchema, beforeTrackId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('delete_track'), ...track }),
  v.strictObject({ ...literal('move_track'), ...track, beforeTrackId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('set_play_together'), together: v.boolean() }),
  v.strictObject({ ...literal('set_playing'), playing: v.boolean() }),
] as v.VariantOptions<'type'>) as unknown as v.GenericSchema<unknown, Mutation>;

/** Every mutation type this model knows (older clients know a subset: see `mutationSince`). */
export const MUTATION_TYPES: readonly MutationType[] = [
  ...SETTERS.keys(),
  'set_effect',
  'set_pattern',
  'add_track',
  'delete_track',
  'move_track',
  'set_play_together',
  'set_playing',
] as MutationType[];

/** The model version that introduced a mutation type (setters: their field's `since`). */
export function mutationSince(type: string): number | undefined {
  const setter = SETTERS.get(type);
  if (setter) {
    const fields = { track: TRACK_FIELDS, step: STEP_FIELDS, session: SESSION_FIELDS }[setter.scope];
    return (fields as Record<string, { since: number }>)[setter.field]!.since;
  }
  return MUTATION_TYPES.includes(type as MutationType) ? 1 : undefined;
}

export const SessionSchema = v.strictObject({
  ...entriesOf(SESSION_FIELDS),
  tracks: v.pipe(
    v.array(TrackSchema),
    v.maxLength(LIMITS.maxTracks),
    // Mutations address tracks by id: two with one id could not be told apart, and a
    // delete would remove both (failure mode 8). The reducer never makes such a
    // session; this guards documents from elsewhere (a legacy KV copy).
    v.check((tracks) => new Set(tracks.map((t) => t.id)).size === tracks.length, 'track ids must be unique'),
  ),
  effects: v.strictObject(entriesOf(EFFECT_FIELDS)),
  timeline: v.strictObject({
    anchorMs: v.pipe(v.number(), v.finite()),
    together: v.boolean(),
    playing: v.boolean(),
  }),
  lineage: v.strictObject({
    remixedFrom: v.nullable(v.strictObject({ kind: v.picklist(['beat', 'session']), id: IdSchema, name: SessionNameSchema })),
  }),
}) as unknown as v.GenericSchema<unknown, Session>;

/** One human-readable line from valibot issues, naming the field that failed. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const path = v.getDotPath(first);
  return path ? `${path}: ${first.message}` : first.message;
}

export function parseMutation(input: unknown): { ok: true; mutation: Mutation } | { ok: false; message: string } {
  const result = v.safeParse(MutationSchema, input);
  return result.success ? { ok: true, mutation: result.output } : { ok: false, message: describeIssues(result.issues) };
}
