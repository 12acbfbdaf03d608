/**
 * Every synced field of the session model, declared once.
 *
 * A field says what values it takes (its domain), its default, the model version
 * that introduced it, its label and the mutation that sets it. From these
 * declarations follow the document types (core/model.ts), the valibot schemas and the
 * setter mutations (core/schema.ts), the reducer and the undo inverse of every setter
 * (core/reducer.ts, core/undo.ts), the defaults `migrate` fills into older documents
 * (core/migrate.ts) and the sync fuzz's mutation generator (test/unit/sim). Adding a
 * synced per-track field is one entry in TRACK_FIELDS (with `since` one above the newest:
 * that raises MODEL_VERSION, core/migrate.ts), then the places the compiler names: its
 * control (app/ui/trackControls.tsx) and how it sounds (core/events.ts).
 */
import { INSTRUMENT_IDS } from './instruments';
import { LIMITS } from './limits';

// ---- domains: what values a field takes ------------------------------------------------

export type NumberDomain =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'real'; readonly min: number; readonly max: number };

export type Domain =
  | { readonly kind: 'boolean' }
  | NumberDomain
  | { readonly kind: 'choice'; readonly options: readonly string[] }
  /** Text people type and others see: no invisible characters (see core/schema.ts). */
  | { readonly kind: 'name'; readonly max: number; readonly minLength: 0 | 1 }
  /** A number, or null for "not set": then the session field `inherits` names applies. */
  | { readonly kind: 'optional'; readonly of: NumberDomain; readonly inherits: 'swing' | 'tempo' };

export type DomainValue<D extends Domain> = D extends { kind: 'boolean' }
  ? boolean
  : D extends NumberDomain
    ? number
    : D extends { kind: 'choice' | 'name' }
      ? string
      : D extends { kind: 'optional' }
        ? number | null
        : never;

export const int = (min: number, max: number) => ({ kind: 'int', min, max }) as const;
export const real = (min: number, max: number) => ({ kind: 'real', min, max }) as const;
const boolean = { kind: 'boolean' } as const;
const choice = (options: readonly string[]) => ({ kind: 'choice', options }) as const;
const name = (max: number, minLength: 0 | 1) => ({ kind: 'name', max, minLength }) as const;
const optional = <D extends NumberDomain, I extends 'swing' | 'tempo'>(of: D, inherits: I) => ({ kind: 'optional', of, inherits }) as const;

// ---- field declarations -----------------------------------------------------------------------

export interface FieldSpec<D extends Domain = Domain, M extends string = string> {
  readonly domain: D;
  /** The value of a new track or session, and what `migrate` fills into older documents. */
  readonly default: DomainValue<D>;
  /** The model version that introduced the field (1: there from the start). */
  readonly since: number;
  /** What the UI calls it. */
  readonly label: string;
  readonly unit?: string;
  /** Wire type of the set-to-value mutation that sets it. */
  readonly mutation: M;
}

const field = <const D extends Domain, const M extends string>(spec: FieldSpec<D, M>): FieldSpec<D, M> => spec;

/** A per-step field: one value per step of a track, stored as an array of LIMITS.maxSteps. */
export interface StepFieldSpec<D extends Domain = Domain, M extends string = string, A extends string = string> extends FieldSpec<D, M> {
  /** The track's array that holds it. */
  readonly array: A;
}

const stepField = <const D extends Domain, const M extends string, const A extends string>(
  spec: StepFieldSpec<D, M, A>,
): StepFieldSpec<D, M, A> => spec;

/** Per track: shared by everyone, set by `set_<…> { trackId, <field> }`. */
export const TRACK_FIELDS = {
  name: field({ domain: name(LIMITS.maxTrackName, 1), default: 'Track', since: 1, label: 'Name', mutation: 'set_track_name' }),
  instrument: field({ domain: choice(INSTRUMENT_IDS), default: 'studio-kick', since: 1, label: 'Instrument', mutation: 'set_instrument' }),
  volume: field({ domain: real(LIMITS.minVolume, LIMITS.maxVolume), default: 0.8, since: 1, label: 'Volume', mutation: 'set_volume' }),
  /** −1 (left) … +1 (right). */
  pan: field({ domain: real(LIMITS.minPan, LIMITS.maxPan), default: 0, since: 1, label: 'Pan', mutation: 'set_pan' }),
  /** Semitones added to every step's pitch (melodic instruments): two octaves either way, like a pitch. */
  transpose: field({
    domain: int(LIMITS.minPitch, LIMITS.maxPitch),
    default: 0,
    since: 2,
    label: 'Transpose',
    unit: 'st',
    mutation: 'set_transpose',
  }),
  /** This track's own swing, percent; null follows the session's swing. */
  swing: field({
    domain: optional(real(LIMITS.minSwing, LIMITS.maxSwing), 'swing'),
    default: null,
    since: 2,
    label: 'Swing',
    unit: '%',
    mutation: 'set_track_swing',
  }),
} as const;

/**
 * Per track in each pattern (a row: the track's steps in that pattern): set by
 * `set_<…> { trackId, pattern, <field> }`. Model 3 moved `length` here from the track.
 */
export const ROW_FIELDS = {
  /** Visible loop length; steps beyond it are kept, just not played (failure mode 12). */
  length: field({ domain: int(LIMITS.minSteps, LIMITS.maxSteps), default: 16, since: 1, label: 'Steps', mutation: 'set_length' }),
} as const;

/** Per pattern: set by `set_<…> { pattern, <field> }`. */
export const PATTERN_FIELDS = {
  /** Shown after the pattern's letter ("Pattern B: Chorus"); empty for none. */
  name: field({ domain: name(LIMITS.maxPatternName, 0), default: '', since: 3, label: 'Pattern name', mutation: 'set_pattern_name' }),
} as const;

/** Per step of a track in a pattern: set by `set_<…> { trackId, pattern, step, <field> }`. */
export const STEP_FIELDS = {
  on: stepField({ domain: boolean, default: false, since: 1, label: 'On', mutation: 'set_step', array: 'steps' }),
  velocity: stepField({
    domain: int(LIMITS.minVelocity, LIMITS.maxVelocity),
    default: 100,
    since: 1,
    label: 'Velocity',
    mutation: 'set_velocity',
    array: 'velocities',
  }),
  /** Semitones from the instrument's root. */
  pitch: stepField({
    domain: int(LIMITS.minPitch, LIMITS.maxPitch),
    default: 0,
    since: 1,
    label: 'Pitch',
    unit: 'st',
    mutation: 'set_pitch',
    array: 'pitches',
  }),
} as const;

/** Per session, outside the effects: set by `set_<…> { <field> }`. */
export const SESSION_FIELDS = {
  name: field({ domain: name(LIMITS.maxSessionName, 0), default: 'Untitled beat', since: 1, label: 'Name', mutation: 'set_session_name' }),
  /** BPM; a change retimes the shared timeline (core/reducer.ts). */
  tempo: field({
    domain: real(LIMITS.minTempo, LIMITS.maxTempo),
    default: 120,
    since: 1,
    label: 'Tempo',
    unit: 'BPM',
    mutation: 'set_tempo',
  }),
  /** Percent: 0 straight, 100 a hard shuffle. */
  swing: field({ domain: real(LIMITS.minSwing, LIMITS.maxSwing), default: 0, since: 1, label: 'Swing', unit: '%', mutation: 'set_swing' }),
} as const;

/** The session's send effects: all set by one mutation, `set_effect { param, value }`. */
export const EFFECT_FIELDS = {
  reverb: field({ domain: real(0, 1), default: 0.15, since: 1, label: 'Reverb', mutation: 'set_effect' }),
  delay: field({ domain: real(0, 1), default: 0, since: 1, label: 'Delay', mutation: 'set_effect' }),
  delayFeedback: field({ domain: real(0, 0.9), default: 0.35, since: 1, label: 'Feedback', mutation: 'set_effect' }),
} as const;

export type TrackFieldName = keyof typeof TRACK_FIELDS;
export type RowFieldName = keyof typeof ROW_FIELDS;
export type PatternFieldName = keyof typeof PATTERN_FIELDS;
export type StepFieldName = keyof typeof STEP_FIELDS;
export type SessionFieldName = keyof typeof SESSION_FIELDS;
export type EffectName = keyof typeof EFFECT_FIELDS;

export type TrackFieldValue<K extends TrackFieldName> = DomainValue<(typeof TRACK_FIELDS)[K]['domain']>;
export type RowFieldValue<K extends RowFieldName> = DomainValue<(typeof ROW_FIELDS)[K]['domain']>;
export type PatternFieldValue<K extends PatternFieldName> = DomainValue<(typeof PATTERN_FIELDS)[K]['domain']>;
export type StepFieldValue<K extends StepFieldName> = DomainValue<(typeof STEP_FIELDS)[K]['domain']>;
export type SessionFieldValue<K extends SessionFieldName> = DomainValue<(typeof SESSION_FIELDS)[K]['domain']>;

export type StepArrayName = (typeof STEP_FIELDS)[StepFieldName]['array'];

export const TRACK_FIELD_NAMES = Object.keys(TRACK_FIELDS) as TrackFieldName[];
export const ROW_FIELD_NAMES = Object.keys(ROW_FIELDS) as RowFieldName[];
export const PATTERN_FIELD_NAMES = Object.keys(PATTERN_FIELDS) as PatternFieldName[];
export const STEP_FIELD_NAMES = Object.keys(STEP_FIELDS) as StepFieldName[];
export const SESSION_FIELD_NAMES = Object.keys(SESSION_FIELDS) as SessionFieldName[];
export const EFFECT_NAMES = Object.keys(EFFECT_FIELDS) as EffectName[];

/**
 * The oldest client model the room still serves: such a client's mutations are lifted
 * to MODEL_VERSION by `migrateMutation`, and a change it could not apply is sent to it
 * as a snapshot instead (docs/PROTOCOL.md, "Old and new clients"). Model 3 moved every
 * step into patterns: a model-2 page could not show a snapshot of model 3, so it is told
 * to reload (4005) and its saved edits are lifted after the reload.
 */
export const OLDEST_CLIENT_MODEL = 3;

/**
 * Deterministic valid values of a domain, for generators (the sync fuzz, the fixtures):
 * `n` picks one; different `n` cover the range, ends included.
 */
export function sampleOf<D extends Domain>(domain: D, n: number): DomainValue<D> {
  const k = Math.abs(Math.trunc(n));
  const pick = (d: NumberDomain): number => {
    if (d.kind === 'int') return d.min + (k % (d.max - d.min + 1));
    const steps = [0, 1, 0.5, 0.25, 0.75, 0.1, 0.9];
    return d.min + (d.max - d.min) * steps[k % steps.length]!;
  };
  switch (domain.kind) {
    case 'boolean':
      return (k % 2 === 0) as DomainValue<D>;
    case 'int':
    case 'real':
      return pick(domain) as DomainValue<D>;
    case 'choice':
      return domain.options[k % domain.options.length] as DomainValue<D>;
    case 'name':
      return (k % 5 === 0 && domain.minLength === 0 ? '' : `Name ${k % 1000}`) as DomainValue<D>;
    case 'optional':
      return (k % 3 === 0 ? null : pick(domain.of)) as DomainValue<D>;
  }
}

/**
 * A value read leniently: `value` if the domain holds it (numbers clamped into range,
 * integers rounded), `fallback` otherwise. For readers that must play whatever they
 * are given without a schema library (the embed player; its document was already
 * lifted by `migrate` in the Worker).
 */
export function coerceTo<D extends Domain>(domain: D, value: unknown, fallback: DomainValue<D>): DomainValue<D> {
  const number = (d: NumberDomain, x: unknown): number | undefined => {
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    const clamped = Math.min(d.max, Math.max(d.min, x));
    return d.kind === 'int' ? Math.round(clamped) : clamped;
  };
  switch (domain.kind) {
    case 'boolean':
      return (typeof value === 'boolean' ? value : fallback) as DomainValue<D>;
    case 'int':
    case 'real':
      return (number(domain, value) ?? fallback) as DomainValue<D>;
    case 'choice':
      return (typeof value === 'string' && domain.options.includes(value) ? value : fallback) as DomainValue<D>;
    case 'name':
      return (typeof value === 'string' ? [...value].slice(0, domain.max).join('') : fallback) as DomainValue<D>;
    case 'optional':
      return (value === null ? null : (number(domain.of, value) ?? fallback)) as DomainValue<D>;
  }
}
