/**
 * Where each per-track field is edited. The compiler asks for a line here when a field
 * is added to core/fields.ts: 'header' for the controls TrackHeader draws by hand,
 * 'detail' for a slider drawn from the field's declaration (label, range, unit, default)
 * in the track's detail panel, or 'none'.
 */
import { type NumberDomain, TRACK_FIELDS, type TrackFieldName, type Mutation, type Track } from '../../core';
import { useSession, useSessionContext } from './SessionContext';
import { useThrottledCommit } from './useThrottledCommit';

export const TRACK_CONTROLS = {
  name: 'header',
  instrument: 'header',
  volume: 'header',
  pan: 'header',
  transpose: 'detail',
  swing: 'detail',
} as const satisfies Record<TrackFieldName, 'header' | 'detail' | 'none'>;

const DETAIL_FIELDS = (Object.keys(TRACK_CONTROLS) as TrackFieldName[]).filter((k) => TRACK_CONTROLS[k] === 'detail');

/** The sliders of every 'detail' field of a track. */
export function TrackFieldControls({ track }: { track: Track }) {
  return (
    <div className="track-fields" role="group" aria-label={`${track.name} sound`}>
      {DETAIL_FIELDS.map((field) => (
        <FieldSlider key={field} track={track} field={field} />
      ))}
    </div>
  );
}

type NumberField = {
  [K in TrackFieldName]: (typeof TRACK_FIELDS)[K]['domain'] extends NumberDomain | { kind: 'optional' } ? K : never;
}[TrackFieldName];

/**
 * A slider for one numeric field, its value shown beside it; double-click resets it to
 * its default. A field that may be unset (null: inherit, like a track's swing) gets a
 * checkbox to set or unset it; unset, the slider shows the inherited value, disabled.
 */
function FieldSlider({ track, field }: { track: Track; field: TrackFieldName }) {
  const { edits } = useSessionContext();
  const spec = TRACK_FIELDS[field as NumberField];
  const domain = spec.domain;
  const optional = domain.kind === 'optional';
  const range = domain.kind === 'optional' ? domain.of : (domain as NumberDomain);
  // An unset field shows the session value it inherits.
  const inherited = useSession((s) => (domain.kind === 'optional' ? (s.session?.[domain.inherits] ?? 0) : 0));
  const value = track[field] as number | null;
  const shown = value ?? inherited;
  const label = `${track.name} ${spec.label.toLowerCase()}`;
  const set = (next: number | null) =>
    edits.apply({ type: spec.mutation, trackId: track.id, [field]: next } as unknown as Mutation, { group: `${field}:${track.id}` });
  const commit = useThrottledCommit(set);
  const format = (n: number) => `${range.kind === 'int' && n > 0 ? '+' : ''}${Math.round(n * 10) / 10}${spec.unit ? ` ${spec.unit}` : ''}`;
  return (
    <label className="field-slider">
      <span>{spec.label}</span>
      {optional && (
        <input
          type="checkbox"
          aria-label={`${label}: own setting`}
          checked={value !== null}
          onChange={(e) => set(e.currentTarget.checked ? shown : null)}
        />
      )}
      <input
        type="range"
        aria-label={label}
        min={range.min}
        max={range.max}
        step={range.kind === 'int' ? 1 : (range.max - range.min) / 100}
        value={shown}
        disabled={optional && value === null}
        onChange={(e) => commit(Number(e.currentTarget.value))}
        onDoubleClick={() => set(spec.default as number | null)}
        title="Double-click to reset"
      />
      <output aria-live="off">{value === null && optional ? `session (${format(shown)})` : format(shown)}</output>
    </label>
  );
}
