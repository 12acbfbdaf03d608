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
import type { LaunchWhen } from './arrangement';
import {
  type Domain,
  EFFECT_FIELDS,
  type EffectName,
  isChoiceOf,
  isChordMask,
  PATTERN_FIELDS,
  type PatternFieldName,
  type PatternFieldValue,
  ROW_FIELDS,
  type RowFieldName,
  type RowFieldValue,
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
import { SCALE_NAMES } from './key';
import { SOUND_KEY_PATTERN, soundKeyOf } from './instruments';
import type { KeyNotes } from './music';
import {
  PATTERN_IDS,
  type Pattern,
  type PatternId,
  type Row,
  type Session,
  type SongEntry,
  type SoundInfo,
  type StepArrays,
  type Track,
} from './model';

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
      return domain.matching
        ? v.pipe(
            v.string(),
            v.check((x) => isChoiceOf(domain, x), `unknown ${label.toLowerCase()}`),
          )
        : v.picklist(domain.options as string[], `unknown ${label.toLowerCase()}`);
    case 'name':
      return domain.minLength === 0
        ? nameSchema(domain.max)
        : v.pipe(nameSchema(domain.max), v.minLength(domain.minLength, `a ${label.toLowerCase()} cannot be empty`));
    case 'optional':
      return v.nullable(domainSchema(domain.of, label));
    case 'chord':
      return v.pipe(
        v.number(),
        v.check(
          (x) => isChordMask(domain, x),
          `a chord holds at most ${domain.maxNotes} notes within ${domain.span} semitones above its pitch`,
        ),
      );
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

export const PatternIdSchema = v.picklist(PATTERN_IDS, 'patterns are A to P') as v.GenericSchema<string, PatternId>;

/** A row's step arrays (one per step field), each LIMITS.maxSteps long. */
export const StepArraysSchema = v.strictObject(
  Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, fixedArray(domainSchema(f.domain, f.label))])),
) as unknown as v.GenericSchema<unknown, StepArrays>;

/** One track's row in a pattern: its length and its step arrays, each LIMITS.maxSteps long. */
export const RowSchema = v.strictObject({
  ...entriesOf(ROW_FIELDS),
  ...Object.fromEntries(Object.values(STEP_FIELDS).map((f) => [f.array, fixedArray(domainSchema(f.domain, f.label))])),
}) as unknown as v.GenericSchema<unknown, Row>;

export const TrackSchema = v.strictObject({
  id: IdSchema,
  ...entriesOf(TRACK_FIELDS),
}) as unknown as v.GenericSchema<unknown, Track>;

const RowsSchema = v.pipe(
  v.record(IdSchema, RowSchema),
  v.check((rows) => Object.keys(rows).length <= LIMITS.maxTracks, `at most ${LIMITS.maxTracks} rows`),
);

export const PatternSchema = v.strictObject({ ...entriesOf(PATTERN_FIELDS), rows: RowsSchema }) as unknown as v.GenericSchema<
  unknown,
  Pattern
>;

export const SongEntrySchema = v.strictObject({
  id: IdSchema,
  pattern: PatternIdSchema,
  repeats: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.maxRepeats)),
}) as unknown as v.GenericSchema<unknown, SongEntry>;

export const KeySchema = v.strictObject({
  root: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(11)),
  scale: v.picklist(SCALE_NAMES, 'unknown scale'),
  lock: v.boolean(),
});

/** Steps a key change sets: `[step, pitch, chord]` by pattern and track (core/music.ts). */
const KeyNotesSchema = v.record(
  PatternIdSchema,
  v.record(
    IdSchema,
    v.pipe(
      v.array(
        v.strictTuple([StepIndexSchema, domainSchema(STEP_FIELDS.pitch.domain, 'pitch'), domainSchema(STEP_FIELDS.chord.domain, 'chord')]),
      ),
      v.maxLength(LIMITS.maxSteps),
    ),
  ),
) as unknown as v.GenericSchema<unknown, KeyNotes>;

/** A sound's key: the SHA-256 of its WAV bytes, in lowercase hex (core/instruments.ts). */
export const SoundKeySchema = v.pipe(v.string(), v.regex(SOUND_KEY_PATTERN, 'a sound key is 64 lowercase hex digits (SHA-256)'));
/** A sound's name: like a track's, 1…LIMITS.maxSoundName visible characters. */
export const SoundNameSchema = v.pipe(nameSchema(LIMITS.maxSoundName), v.minLength(1, 'a sound name cannot be empty'));
/** A sound's length in seconds: more than 0, at most LIMITS.maxSoundSeconds. */
export const SoundSecondsSchema = v.pipe(
  v.number(),
  v.finite(),
  v.check((x) => x > 0, 'a sound is longer than 0 s'),
  v.maxValue(LIMITS.maxSoundSeconds, `a sound is at most ${LIMITS.maxSoundSeconds} s`),
);
export const SoundInfoSchema = v.strictObject({ name: SoundNameSchema, seconds: SoundSecondsSchema }) as unknown as v.GenericSchema<
  unknown,
  SoundInfo
>;
const SoundsSchema = v.pipe(
  // valibot's record takes an array too (it has no own keys that fail): the kit is an object.
  v.unknown(),
  v.check((x) => typeof x === 'object' && x !== null && !Array.isArray(x), 'sounds: an object of sounds by key'),
  v.record(SoundKeySchema, SoundInfoSchema),
  v.check((sounds) => Object.keys(sounds).length <= LIMITS.maxSounds, `at most ${LIMITS.maxSounds} sounds`),
);

const WhenSchema = v.picklist(['now', 'bar', 'end'], "when is 'now', 'bar' or 'end'") as v.GenericSchema<unknown, LaunchWhen>;

// ---- mutations ---------------------------------------------------------------------------

/** `set_<field> { trackId, <field> }` for every per-track field. */
export type TrackSetter = {
  [K in TrackFieldName]: { type: (typeof TRACK_FIELDS)[K]['mutation']; trackId: string } & Record<K, TrackFieldValue<K>>;
}[TrackFieldName];

/** `set_<field> { trackId, pattern, <field> }` for every per-row field. */
export type RowSetter = {
  [K in RowFieldName]: { type: (typeof ROW_FIELDS)[K]['mutation']; trackId: string; pattern: PatternId } & Record<K, RowFieldValue<K>>;
}[RowFieldName];

/** `set_<field> { trackId, pattern, step, <field> }` for every per-step field. */
export type StepSetter = {
  [K in StepFieldName]: { type: (typeof STEP_FIELDS)[K]['mutation']; trackId: string; pattern: PatternId; step: number } & Record<
    K,
    StepFieldValue<K>
  >;
}[StepFieldName];

/** `set_<field> { pattern, <field> }` for every per-pattern field. */
export type PatternSetter = {
  [K in PatternFieldName]: { type: (typeof PATTERN_FIELDS)[K]['mutation']; pattern: PatternId } & Record<K, PatternFieldValue<K>>;
}[PatternFieldName];

/** `set_<field> { <field> }` for every session field. */
export type SessionSetter = {
  [K in SessionFieldName]: { type: (typeof SESSION_FIELDS)[K]['mutation'] } & Record<K, SessionFieldValue<K>>;
}[SessionFieldName];

export type EffectSetter = { [K in EffectName]: { type: 'set_effect'; param: K; value: number } }[EffectName];

/** Mutations that change the shape of a session rather than one field. */
export type StructuralMutation =
  /** A whole row at once: paste. */
  | { type: 'set_row'; trackId: string; pattern: PatternId; row: Row }
  /** A row's steps at once, keeping its length: clear. */
  | { type: 'set_steps'; trackId: string; pattern: PatternId; steps: StepArrays }
  /** A track with its rows (patterns not in use are dropped). Insert before `beforeTrackId`; null appends. */
  | { type: 'add_track'; track: Track; rows: Partial<Record<PatternId, Row>>; beforeTrackId: string | null }
  /** Deletes the track and its rows in every pattern. */
  | { type: 'delete_track'; trackId: string }
  | { type: 'move_track'; trackId: string; beforeTrackId: string | null }
  /** Brings a pattern into use (refused if it is: two people adding one letter at once). */
  | { type: 'add_pattern'; pattern: PatternId; value: Pattern }
  /** Replaces a pattern in use: duplicate into, clear. */
  | { type: 'put_pattern'; pattern: PatternId; value: Pattern }
  | { type: 'delete_pattern'; pattern: PatternId }
  | { type: 'add_song_entry'; entry: SongEntry; beforeEntryId: string | null }
  | { type: 'set_song_entry'; entry: SongEntry }
  | { type: 'delete_song_entry'; entryId: string }
  | { type: 'move_song_entry'; entryId: string; beforeEntryId: string | null }
  | { type: 'set_song_loop'; loop: boolean }
  | { type: 'set_song_start'; entryId: string | null }
  /** Queue a pattern (null: the song) to start at the next step, bar or end of the pattern playing. */
  | { type: 'launch_pattern'; pattern: PatternId | null; when: LaunchWhen }
  /** Play at once: the timeline's step 0 moves to `anchorMs` and the pattern or song starts there. */
  | { type: 'start_transport'; anchorMs: number }
  /**
   * The session's key. `remap`: melodies follow (core/music.ts, moveNote); `notes`, when
   * not null, sets these steps instead (what undo of a key change sends).
   */
  | { type: 'set_key'; key: import('./key').Key; remap: boolean; notes: KeyNotes | null }
  | { type: 'set_play_together'; together: boolean }
  | { type: 'set_playing'; playing: boolean }
  /**
   * One of the session's own sounds joins its kit (model 6). The room applies it only once
   * the bytes are stored (R2 `sounds/<key>`); a key already there is a no-op (no rename).
   */
  | { type: 'add_sound'; key: string; name: string; seconds: number }
  | { type: 'rename_sound'; key: string; name: string };

/** Every change a user can make. All are set-to-value and idempotent: no toggles. */
export type Mutation = TrackSetter | RowSetter | StepSetter | PatternSetter | SessionSetter | EffectSetter | StructuralMutation;
export type MutationType = Mutation['type'];

/** Which field a setter mutation sets, by its type. */
export type Setter =
  | { scope: 'track'; field: TrackFieldName }
  | { scope: 'row'; field: RowFieldName }
  | { scope: 'step'; field: StepFieldName }
  | { scope: 'pattern'; field: PatternFieldName }
  | { scope: 'session'; field: SessionFieldName };

/** The fields each setter scope sets (core/fields.ts). */
export const SETTER_FIELDS = {
  track: TRACK_FIELDS,
  row: ROW_FIELDS,
  step: STEP_FIELDS,
  pattern: PATTERN_FIELDS,
  session: SESSION_FIELDS,
} as const satisfies Record<Setter['scope'], unknown>;

export const SETTERS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  ...Object.entries(TRACK_FIELDS).map(([k, f]) => [f.mutation, { scope: 'track', field: k as TrackFieldName }] as const),
  ...Object.entries(ROW_FIELDS).map(([k, f]) => [f.mutation, { scope: 'row', field: k as RowFieldName }] as const),
  ...Object.entries(PATTERN_FIELDS).map(([k, f]) => [f.mutation, { scope: 'pattern', field: k as PatternFieldName }] as const),
  ...Object.entries(STEP_FIELDS).map(([k, f]) => [f.mutation, { scope: 'step', field: k as StepFieldName }] as const),
  ...Object.entries(SESSION_FIELDS).map(([k, f]) => [f.mutation, { scope: 'session', field: k as SessionFieldName }] as const),
]);

const track = { trackId: IdSchema };
const pattern = { pattern: PatternIdSchema };
const literal = (type: string) => ({ type: v.literal(type) });

const SETTER_SCHEMAS = [
  ...Object.entries(TRACK_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...track, [k]: domainSchema(f.domain, f.label) }),
  ),
  ...Object.entries(ROW_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...track, ...pattern, [k]: domainSchema(f.domain, f.label) }),
  ),
  ...Object.entries(STEP_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...track, ...pattern, step: StepIndexSchema, [k]: domainSchema(f.domain, f.label) }),
  ),
  ...Object.entries(PATTERN_FIELDS).map(([k, f]) =>
    v.strictObject({ ...literal(f.mutation), ...pattern, [k]: domainSchema(f.domain, f.label) }),
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

const RowsByPatternSchema = v.pipe(
  v.record(PatternIdSchema, RowSchema),
  v.check((rows) => Object.keys(rows).length <= LIMITS.maxPatterns, `at most ${LIMITS.maxPatterns} rows`),
) as v.GenericSchema<unknown, Partial<Record<PatternId, Row>>>;
const entryId = { entryId: IdSchema };

export const MutationSchema = v.variant('type', [
  ...SETTER_SCHEMAS,
  v.strictObject({ ...literal('set_row'), ...track, ...pattern, row: RowSchema }),
  v.strictObject({ ...literal('set_steps'), ...track, ...pattern, steps: StepArraysSchema }),
  v.strictObject({ ...literal('add_track'), track: TrackSchema, rows: RowsByPatternSchema, beforeTrackId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('delete_track'), ...track }),
  v.strictObject({ ...literal('move_track'), ...track, beforeTrackId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('add_pattern'), ...pattern, value: PatternSchema }),
  v.strictObject({ ...literal('put_pattern'), ...pattern, value: PatternSchema }),
  v.strictObject({ ...literal('delete_pattern'), ...pattern }),
  v.strictObject({ ...literal('add_song_entry'), entry: SongEntrySchema, beforeEntryId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('set_song_entry'), entry: SongEntrySchema }),
  v.strictObject({ ...literal('delete_song_entry'), ...entryId }),
  v.strictObject({ ...literal('move_song_entry'), ...entryId, beforeEntryId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('set_song_loop'), loop: v.boolean() }),
  v.strictObject({ ...literal('set_song_start'), entryId: v.nullable(IdSchema) }),
  v.strictObject({ ...literal('launch_pattern'), pattern: v.nullable(PatternIdSchema), when: WhenSchema }),
  v.strictObject({ ...literal('start_transport'), anchorMs: v.pipe(v.number(), v.finite()) }),
  v.strictObject({ ...literal('set_key'), key: KeySchema, remap: v.boolean(), notes: v.nullable(KeyNotesSchema) }),
  v.strictObject({ ...literal('set_play_together'), together: v.boolean() }),
  v.strictObject({ ...literal('set_playing'), playing: v.boolean() }),
  v.strictObject({ ...literal('add_sound'), key: SoundKeySchema, name: SoundNameSchema, seconds: SoundSecondsSchema }),
  v.strictObject({ ...literal('rename_sound'), key: SoundKeySchema, name: SoundNameSchema }),
] as v.VariantOptions<'type'>) as unknown as v.GenericSchema<unknown, Mutation>;

/** The structural mutation types, by the model version that introduced each. */
const STRUCTURAL_SINCE = {
  set_row: 3,
  set_steps: 3,
  add_track: 1,
  delete_track: 1,
  move_track: 1,
  add_pattern: 3,
  put_pattern: 3,
  delete_pattern: 3,
  add_song_entry: 3,
  set_song_entry: 3,
  delete_song_entry: 3,
  move_song_entry: 3,
  set_song_loop: 3,
  set_song_start: 3,
  launch_pattern: 3,
  start_transport: 3,
  set_key: 4,
  set_play_together: 1,
  set_playing: 1,
  add_sound: 6,
  rename_sound: 6,
} as const satisfies Record<StructuralMutation['type'], number>;

/** Every mutation type this model knows (older clients know a subset: see `mutationSince`). */
export const MUTATION_TYPES: readonly MutationType[] = [
  ...SETTERS.keys(),
  'set_effect',
  ...Object.keys(STRUCTURAL_SINCE),
] as MutationType[];

/** The model version that introduced a mutation type (setters: their field's `since`). */
export function mutationSince(type: string): number | undefined {
  const setter = SETTERS.get(type);
  if (setter) return (SETTER_FIELDS[setter.scope] as Record<string, { since: number }>)[setter.field]!.since;
  if (type === 'set_effect') return 1;
  return (STRUCTURAL_SINCE as Record<string, number>)[type];
}

/** Why a session's parts do not fit together, or null: what the reducer never makes, checked on documents from elsewhere. */
function inconsistency(s: Session): string | null {
  const tracks = new Set(s.tracks.map((t) => t.id));
  // Mutations address tracks by id: two with one id could not be told apart, and a delete
  // would remove both (failure mode 8).
  if (tracks.size !== s.tracks.length) return 'tracks: track ids must be unique';
  // A track plays an own sound only from the session's kit (which is never emptied).
  for (const t of s.tracks) {
    const sound = soundKeyOf(t.instrument);
    if (sound !== null && !Object.hasOwn(s.sounds, sound)) return `tracks: ${t.id} plays sound ${sound}, which is not in sounds`;
  }
  const patterns = Object.keys(s.patterns) as PatternId[];
  if (patterns.length === 0) return 'patterns: at least one pattern';
  for (const p of patterns) {
    for (const id of Object.keys(s.patterns[p]!.rows)) if (!tracks.has(id)) return `patterns.${p}.rows: no track with id ${id}`;
  }
  const entries = new Set(s.song.entries.map((e) => e.id));
  if (entries.size !== s.song.entries.length) return 'song.entries: entry ids must be unique';
  for (const e of s.song.entries) if (!s.patterns[e.pattern]) return `song.entries: pattern ${e.pattern} is not in use`;
  if (!s.patterns[s.transport.pattern]) return `transport.pattern: pattern ${s.transport.pattern} is not in use`;
  const next = s.transport.next?.pattern;
  if (next && !s.patterns[next]) return `transport.next: pattern ${next} is not in use`;
  return null;
}

const StepPositionSchema = v.pipe(v.number(), v.safeInteger());

export const SessionSchema = v.pipe(
  v.strictObject({
    ...entriesOf(SESSION_FIELDS),
    tracks: v.pipe(v.array(TrackSchema), v.maxLength(LIMITS.maxTracks)),
    patterns: v.record(PatternIdSchema, PatternSchema),
    song: v.strictObject({
      entries: v.pipe(v.array(SongEntrySchema), v.maxLength(LIMITS.maxSongEntries)),
      loop: v.boolean(),
      start: v.nullable(IdSchema),
    }),
    transport: v.strictObject({
      song: v.boolean(),
      pattern: PatternIdSchema,
      from: StepPositionSchema,
      next: v.nullable(v.strictObject({ pattern: v.nullable(PatternIdSchema), at: StepPositionSchema })),
    }),
    key: KeySchema,
    sounds: SoundsSchema,
    effects: v.strictObject(entriesOf(EFFECT_FIELDS)),
    timeline: v.strictObject({
      anchorMs: v.pipe(v.number(), v.finite()),
      together: v.boolean(),
      playing: v.boolean(),
    }),
    lineage: v.strictObject({
      remixedFrom: v.nullable(v.strictObject({ kind: v.picklist(['beat', 'session']), id: IdSchema, name: SessionNameSchema })),
    }),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = inconsistency(dataset.value as unknown as Session);
    if (problem) addIssue({ message: problem });
  }),
) as unknown as v.GenericSchema<unknown, Session>;

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
