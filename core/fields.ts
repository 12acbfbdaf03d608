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
import { CONDITIONS } from './conditions';
import { INSTRUMENT_IDS, SOUND_INSTRUMENT_PATTERN } from './instruments';
import { LIMITS } from './limits';

// ---- domains: what values a field takes ------------------------------------------------

export type NumberDomain =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'real'; readonly min: number; readonly max: number };

export type Domain =
  | { readonly kind: 'boolean' }
  | NumberDomain
  /** One of `options`, or (when given) any string `matching` holds: own sounds' instrument ids. */
  | { readonly kind: 'choice'; readonly options: readonly string[]; readonly matching?: RegExp }
  /** Text people type and others see: no invisible characters (see core/schema.ts). */
  | { readonly kind: 'name'; readonly max: number; readonly minLength: 0 | 1 }
  /**
   * A number, or null for "not set": then the session field `inherits` names applies, or
   * ('voice') what the instrument does by itself.
   */
  | { readonly kind: 'optional'; readonly of: NumberDomain; readonly inherits: Inherited }
  /**
   * The notes a step plays above its pitch, as a bit mask: bit i set means i + 1 semitones
   * above it sounds too (at most `maxNotes` bits, within `span` semitones): a chord.
   */
  | { readonly kind: 'chord'; readonly span: number; readonly maxNotes: number };

/** What an unset optional field follows: a session field, or the instrument's own behaviour. */
export type Inherited = 'swing' | 'tempo' | 'voice';

export type DomainValue<D extends Domain> = D extends { kind: 'boolean' }
  ? boolean
  : D extends NumberDomain
    ? number
    : D extends { kind: 'chord' }
      ? number
      : D extends { kind: 'choice' | 'name' }
        ? string
        : D extends { kind: 'optional' }
          ? number | null
          : never;

export const int = (min: number, max: number) => ({ kind: 'int', min, max }) as const;
export const real = (min: number, max: number) => ({ kind: 'real', min, max }) as const;
const boolean = { kind: 'boolean' } as const;
const choice = (options: readonly string[], matching?: RegExp) => ({ kind: 'choice', options, matching }) as const;
/** Whether a choice domain holds a value. */
export const isChoiceOf = (domain: { options: readonly string[]; matching?: RegExp }, value: unknown): value is string =>
  typeof value === 'string' && (domain.options.includes(value) || (domain.matching?.test(value) ?? false));
const name = (max: number, minLength: 0 | 1) => ({ kind: 'name', max, minLength }) as const;
const optional = <D extends NumberDomain, I extends Inherited>(of: D, inherits: I) => ({ kind: 'optional', of, inherits }) as const;
const chord = (span: number, maxNotes: number) => ({ kind: 'chord', span, maxNotes }) as const;

/** The notes of a chord mask (core/fields.ts, domain 'chord'): semitones above the step's pitch, rising. */
export function chordIntervals(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; mask >> i > 0; i++) if ((mask >> i) & 1) out.push(i + 1);
  return out;
}

/** The mask of intervals (semitones above the root, 1…span); 0 and out-of-span intervals are dropped. */
export function chordMask(intervals: readonly number[], span: number = LIMITS.chordSpan): number {
  let mask = 0;
  for (const i of intervals) if (Number.isInteger(i) && i >= 1 && i <= span) mask |= 1 << (i - 1);
  return mask;
}

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
  /** How a control spreads the range: 'log' for frequencies, as the ear hears them. Default linear. */
  readonly curve?: 'log';
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
  /**
   * The catalogue's instruments (core/instruments.ts), or `sound:<key>` for one of the
   * session's own sounds (model 6): the reducer accepts that only for a key in session.sounds.
   */
  instrument: field({
    domain: choice(INSTRUMENT_IDS, SOUND_INSTRUMENT_PATTERN),
    default: 'studio-kick',
    since: 1,
    label: 'Instrument',
    mutation: 'set_instrument',
  }),
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
  // ---- sound shaping (model 4): every default leaves the sound as it was --------------
  /** A filter on the track: off, or its type (cutoff and resonance below). */
  filter: field({
    domain: choice(['off', 'lowpass', 'highpass', 'bandpass']),
    default: 'off',
    since: 4,
    label: 'Filter',
    mutation: 'set_filter',
  }),
  cutoff: field({
    domain: real(20, 20_000),
    default: 2000,
    since: 4,
    label: 'Cutoff',
    unit: 'Hz',
    curve: 'log',
    mutation: 'set_cutoff',
  }),
  /** The filter's Q. */
  resonance: field({ domain: real(0.1, 20), default: 0.7, since: 4, label: 'Resonance', unit: 'Q', mutation: 'set_resonance' }),
  /** Seconds to fade each note in; 0 as the instrument plays it. */
  attack: field({ domain: real(0, 2), default: 0, since: 4, label: 'Attack', unit: 's', mutation: 'set_attack' }),
  /**
   * Seconds a note fades out over: a drum's hit from its start, a melodic note from the
   * end of its gate (decay or release, as fits the voice); null lets it ring as it does.
   */
  decay: field({ domain: optional(real(0.02, 4), 'voice'), default: null, since: 4, label: 'Decay', unit: 's', mutation: 'set_decay' }),
  /** Fine tuning beside the semitone transpose; drums too. */
  tune: field({ domain: int(-100, 100), default: 0, since: 4, label: 'Tune', unit: 'ct', mutation: 'set_tune' }),
  /** Saturation before the filter: 0 clean … 1 hot. */
  drive: field({ domain: real(0, 1), default: 0, since: 4, label: 'Drive', mutation: 'set_drive' }),
  /** How much goes to the session's reverb; null: the instrument's own amount (kicks and basses stay mostly dry). */
  reverbSend: field({
    domain: optional(real(0, 1), 'voice'),
    default: null,
    since: 4,
    label: 'Reverb send',
    mutation: 'set_reverb_send',
  }),
  delaySend: field({
    domain: optional(real(0, 1), 'voice'),
    default: null,
    since: 4,
    label: 'Delay send',
    mutation: 'set_delay_send',
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
  /** Notes above the pitch that sound with it (a chord: core/music.ts names them); 0 for one note. */
  chord: stepField({
    domain: chord(LIMITS.chordSpan, LIMITS.maxChordNotes - 1),
    default: 0,
    since: 4,
    label: 'Chord',
    mutation: 'set_chord',
    array: 'chords',
  }),
  // ---- step expression (model 5, core/expression.ts): every default plays the step as before ----
  /** Percent chance the step plays, drawn from the session's seed (the same for every listener). */
  probability: stepField({
    domain: int(0, 100),
    default: 100,
    since: 5,
    label: 'Probability',
    unit: '%',
    mutation: 'set_probability',
    array: 'probabilities',
  }),
  /** An index into CONDITIONS (core/conditions.ts): always, A:B, first, prev, fill… */
  condition: stepField({
    domain: int(0, CONDITIONS.length - 1),
    default: 0,
    since: 5,
    label: 'Condition',
    mutation: 'set_condition',
    array: 'conditions',
  }),
  /** Hits within the step, evenly spaced. */
  ratchet: stepField({ domain: int(1, 8), default: 1, since: 5, label: 'Ratchet', unit: '×', mutation: 'set_ratchet', array: 'ratchets' }),
  /** Velocity of a ratchet's last hit against its first, percent (−100 fades out, +100 doubles, capped at full). */
  ramp: stepField({ domain: int(-100, 100), default: 0, since: 5, label: 'Ratchet ramp', unit: '%', mutation: 'set_ramp', array: 'ramps' }),
  /** Melodic note length in half steps (1 = ½ step … 32 = 16 steps); 0 holds until the next note, as before. */
  noteLength: stepField({
    domain: int(0, 2 * LIMITS.maxNoteSteps),
    default: 0,
    since: 5,
    label: 'Length',
    mutation: 'set_note_length',
    array: 'noteLengths',
  }),
  /** Micro-timing, percent of a step, on top of swing. */
  nudge: stepField({ domain: int(-50, 50), default: 0, since: 5, label: 'Nudge', unit: '%', mutation: 'set_nudge', array: 'nudges' }),
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
  /** Where every random choice comes from (core/expression.ts): "Re-roll" sets a new one, for everyone. */
  seed: field({ domain: int(0, LIMITS.maxSeed), default: 0, since: 5, label: 'Seed', mutation: 'set_seed' }),
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
 * step into patterns; model 4 gave the session a key, steps chords and tracks their sound
 * shaping; model 5 gave steps their expression (probability, condition, ratchet, length,
 * nudge) and the session a seed; model 6 gave the session its own sounds (`sounds`,
 * and tracks playing `sound:<key>`); model 7 lengthened a launch's lead (core/arrangement.ts).
 * An older page's schema would refuse such a snapshot (its session schema is strict:
 * `sounds` is a key it does not know, and a `sound:` instrument one it would refuse), and a
 * model 6 page would switch to a launched pattern on another step than everyone else, so
 * it is told to reload (4005) and its saved edits are lifted after the reload (a model 5
 * or 6 edit is a model 7 edit unchanged).
 */
export const OLDEST_CLIENT_MODEL = 7;

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
    case 'chord': {
      // None, a triad, a seventh, a wide voicing: k picks among masks within the domain.
      const shapes = [[], [4, 7], [3, 7], [4, 7, 11], [3, 7, 10], [5, 7], [7, 12, 16], [domain.span]];
      return chordMask(shapes[k % shapes.length]!.slice(0, domain.maxNotes), domain.span) as DomainValue<D>;
    }
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
      return (isChoiceOf(domain, value) ? value : fallback) as DomainValue<D>;
    case 'name':
      return (typeof value === 'string' ? [...value].slice(0, domain.max).join('') : fallback) as DomainValue<D>;
    case 'optional':
      return (value === null ? null : (number(domain.of, value) ?? fallback)) as DomainValue<D>;
    case 'chord':
      return (isChordMask(domain, value) ? value : fallback) as DomainValue<D>;
  }
}

/** Whether a value is a chord mask of the domain: an integer whose bits lie within the span, no more than maxNotes of them. */
export function isChordMask(domain: { span: number; maxNotes: number }, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** domain.span) return false;
  return chordIntervals(value).length <= domain.maxNotes;
}
