/**
 * Validation of everything that crosses a trust boundary, written once with valibot
 * and run by both sides: the client checks before sending, the server refuses.
 * Numbers are checked for type first (NaN, Infinity, strings, floats where an
 * integer is due) and then for range.
 */
import * as v from 'valibot';
import { INSTRUMENT_IDS } from './instruments';
import { LIMITS } from './limits';
import { EFFECT_LIMITS } from './model';

const hasControlChars = (s: string) => /[\u0000-\u001f\u007f]/.test(s);
const codePoints = (s: string) => [...s].length;

export const IdSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.maxIdLength),
  v.regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -'),
);

const name = (max: number) =>
  v.pipe(
    v.string(),
    v.check((s) => codePoints(s) <= max, `at most ${max} characters`),
    v.check((s) => !hasControlChars(s), 'no control characters'),
  );
export const SessionNameSchema = name(LIMITS.maxSessionName);
export const TrackNameSchema = v.pipe(name(LIMITS.maxTrackName), v.minLength(1, 'a track needs a name'));

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const real = (min: number, max: number) => v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max));

export const StepIndexSchema = int(0, LIMITS.maxSteps - 1);
export const LengthSchema = int(LIMITS.minSteps, LIMITS.maxSteps);
export const VelocitySchema = int(LIMITS.minVelocity, LIMITS.maxVelocity);
export const PitchSchema = int(LIMITS.minPitch, LIMITS.maxPitch);
export const TempoSchema = real(LIMITS.minTempo, LIMITS.maxTempo);
export const SwingSchema = real(LIMITS.minSwing, LIMITS.maxSwing);
export const VolumeSchema = real(LIMITS.minVolume, LIMITS.maxVolume);
export const PanSchema = real(LIMITS.minPan, LIMITS.maxPan);
export const InstrumentSchema = v.picklist(INSTRUMENT_IDS as string[], 'unknown instrument');

const fixedArray = <T extends v.GenericSchema>(item: T) =>
  v.pipe(v.array(item), v.length(LIMITS.maxSteps, `exactly ${LIMITS.maxSteps} entries`));

export const TrackSchema = v.strictObject({
  id: IdSchema,
  name: TrackNameSchema,
  instrument: InstrumentSchema,
  length: LengthSchema,
  steps: fixedArray(v.boolean()),
  velocities: fixedArray(VelocitySchema),
  pitches: fixedArray(PitchSchema),
  volume: VolumeSchema,
  pan: PanSchema,
});

export const PatternSchema = v.strictObject({
  steps: fixedArray(v.boolean()),
  velocities: fixedArray(VelocitySchema),
  pitches: fixedArray(PitchSchema),
});

const track = { trackId: IdSchema };
const effectParam = v.picklist(Object.keys(EFFECT_LIMITS) as (keyof typeof EFFECT_LIMITS)[]);

/** Every change a user can make. All are set-to-value and idempotent: no toggles. */
export const MutationSchema = v.variant('type', [
  v.strictObject({ type: v.literal('set_step'), ...track, step: StepIndexSchema, on: v.boolean() }),
  v.strictObject({ type: v.literal('set_velocity'), ...track, step: StepIndexSchema, velocity: VelocitySchema }),
  v.strictObject({ type: v.literal('set_pitch'), ...track, step: StepIndexSchema, pitch: PitchSchema }),
  v.strictObject({ type: v.literal('set_pattern'), ...track, pattern: PatternSchema }),
  v.strictObject({ type: v.literal('set_length'), ...track, length: LengthSchema }),
  v.strictObject({ type: v.literal('set_track_name'), ...track, name: TrackNameSchema }),
  v.strictObject({ type: v.literal('set_instrument'), ...track, instrument: InstrumentSchema }),
  v.strictObject({ type: v.literal('set_volume'), ...track, volume: VolumeSchema }),
  v.strictObject({ type: v.literal('set_pan'), ...track, pan: PanSchema }),
  v.strictObject({
    type: v.literal('add_track'),
    track: TrackSchema,
    /** Insert before this track; null appends. */
    beforeTrackId: v.nullable(IdSchema),
  }),
  v.strictObject({ type: v.literal('delete_track'), ...track }),
  v.strictObject({ type: v.literal('move_track'), ...track, beforeTrackId: v.nullable(IdSchema) }),
  v.strictObject({ type: v.literal('set_tempo'), tempo: TempoSchema }),
  v.strictObject({ type: v.literal('set_swing'), swing: SwingSchema }),
  v.strictObject({ type: v.literal('set_session_name'), name: SessionNameSchema }),
  v.strictObject({
    type: v.literal('set_effect'),
    param: effectParam,
    value: v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1)),
  }),
  v.strictObject({ type: v.literal('set_play_together'), together: v.boolean() }),
  v.strictObject({ type: v.literal('set_playing'), playing: v.boolean() }),
]);

export type Mutation = v.InferOutput<typeof MutationSchema>;
export type MutationType = Mutation['type'];

export const SessionSchema = v.strictObject({
  name: SessionNameSchema,
  tempo: TempoSchema,
  swing: SwingSchema,
  tracks: v.pipe(
    v.array(TrackSchema),
    v.maxLength(LIMITS.maxTracks),
    // Mutations address tracks by id: two with one id could not be told apart, and a
    // delete would remove both (failure mode 8). The reducer never makes such a
    // session; this guards documents from elsewhere (a legacy KV copy).
    v.check((tracks) => new Set(tracks.map((t) => t.id)).size === tracks.length, 'track ids must be unique'),
  ),
  effects: v.strictObject({
    reverb: real(EFFECT_LIMITS.reverb.min, EFFECT_LIMITS.reverb.max),
    delay: real(EFFECT_LIMITS.delay.min, EFFECT_LIMITS.delay.max),
    delayFeedback: real(EFFECT_LIMITS.delayFeedback.min, EFFECT_LIMITS.delayFeedback.max),
  }),
  timeline: v.strictObject({
    anchorMs: v.pipe(v.number(), v.finite()),
    together: v.boolean(),
    playing: v.boolean(),
  }),
  lineage: v.strictObject({
    remixedFrom: v.nullable(
      v.strictObject({ kind: v.picklist(['beat', 'session']), id: IdSchema, name: SessionNameSchema }),
    ),
  }),
});

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
