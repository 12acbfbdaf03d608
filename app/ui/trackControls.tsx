/**
 * Where each per-track field is edited. The compiler asks for a line here when a field
 * is added to core/fields.ts: 'header' for the controls TrackHeader draws by hand,
 * 'detail' for a slider drawn from the field's declaration (label, range, unit, default)
 * in the track's detail panel, or 'none'.
 */
import { type NumberDomain, TRACK_FIELDS, type TrackFieldName, type Mutation, type Track } from '../../core';
import { sendWeight } from '../audio/voices';
import { useSession, useSessionContext } from './SessionContext';
import { useThrottledValue } from './useThrottledCommit';

export const TRACK_CONTROLS = {
  name: 'header',
  instrument: 'header',
  volume: 'header',
  pan: 'header',
  transpose: 'detail',
  swing: 'detail',
  filter: 'detail',
  cutoff: 'detail',
  resonance: 'detail',
  attack: 'detail',
  decay: 'detail',
  tune: 'detail',
  drive: 'detail',
  reverbSend: 'detail',
  delaySend: 'detail',
} as const satisfies Record<TrackFieldName, 'header' | 'detail' | 'none'>;

const DETAIL_FIELDS = (Object.keys(TRACK_CONTROLS) as TrackFieldName[]).filter((k) => TRACK_CONTROLS[k] === 'detail');

/** The controls of every 'detail' field of a track. */
export function TrackFieldControls({ track }: { track: Track }) {
  return (
    <div className="track-fields" role="group" aria-label={`${track.name} sound`}>
      {DETAIL_FIELDS.map((field) =>
        TRACK_FIELDS[field].domain.kind === 'choice' ? (
          <FieldChoice key={field} track={track} field={field} />
        ) : (
          <FieldSlider key={field} track={track} field={field} />
        ),
      )}
    </div>
  );
}

type NumberField = {
  [K in TrackFieldName]: (typeof TRACK_FIELDS)[K]['domain'] extends NumberDomain | { kind: 'optional' } ? K : never;
}[TrackFieldName];

/** Slider positions of a logarithmic field (cutoff): fine at the low end, as the ear hears it. */
const LOG_POSITIONS = 1000;
const toPosition = (range: NumberDomain, log: boolean, value: number) =>
  log ? Math.round((Math.log(value / range.min) / Math.log(range.max / range.min)) * LOG_POSITIONS) : value;
/**
 * A position's value, rounded finer than one position's step (0.69 % of the value) so that
 * every position is a value of its own: tenths of a hertz below 200 Hz, whole hertz above.
 * (Whole hertz everywhere made the bottom of the cutoff a dead zone: from 20 Hz an arrow key
 * moved to 20.14 Hz, rounded back to 20, and the slider never moved up to about 70 Hz.)
 */
const fromPosition = (range: NumberDomain, log: boolean, position: number) => {
  if (!log) return position;
  const value = range.min * (range.max / range.min) ** (position / LOG_POSITIONS);
  return value < 200 ? Math.round(value * 10) / 10 : Math.round(value);
};

/** A round step of about a hundredth of the range (0.01 s for attack and decay, 0.1 for Q, 1 % for swing). */
const sliderStep = (range: NumberDomain) => 10 ** Math.floor(Math.log10((range.max - range.min) / 100));

/** A value as shown: "+3 st", "1.2 kHz", "0.25 s". */
function formatValue(spec: { unit?: string }, range: NumberDomain, n: number): string {
  if (spec.unit === 'Hz')
    return n >= 1000 ? `${(n / 1000).toFixed(n >= 10_000 ? 1 : 2)} kHz` : `${n < 100 ? Math.round(n * 10) / 10 : Math.round(n)} Hz`;
  const digits = range.max - range.min <= 4 ? 100 : 10;
  return `${range.kind === 'int' && n > 0 ? '+' : ''}${Math.round(n * digits) / digits}${spec.unit ? ` ${spec.unit}` : ''}`;
}

/** What an unset "voice" field does, as shown beside it. */
function voiceValue(field: TrackFieldName, track: Track): { value: number; text: string } {
  if (field === 'reverbSend' || field === 'delaySend') {
    const weight = sendWeight(track.instrument);
    return { value: weight, text: `auto (${Math.round(weight * 100) / 100})` };
  }
  return { value: (TRACK_FIELDS[field as NumberField].domain as { of?: NumberDomain }).of?.max ?? 0, text: 'natural' };
}

/**
 * A slider for one numeric field, its value shown beside it; double-click resets it to
 * its default. A field that may be unset (null: inherit, like a track's swing, or the
 * instrument's own decay and sends) gets a checkbox to set or unset it; unset, the slider
 * shows what applies, disabled.
 */
function FieldSlider({ track, field }: { track: Track; field: TrackFieldName }) {
  const { edits } = useSessionContext();
  const spec = TRACK_FIELDS[field as NumberField];
  const domain = spec.domain;
  const optional = domain.kind === 'optional';
  const range = domain.kind === 'optional' ? domain.of : (domain as NumberDomain);
  const log = 'curve' in spec && spec.curve === 'log';
  // An unset field shows the session value it inherits, or what the instrument does.
  const inherited = useSession((s) =>
    domain.kind === 'optional' && domain.inherits !== 'voice' ? (s.session?.[domain.inherits] ?? 0) : null,
  );
  const fromVoice = domain.kind === 'optional' && domain.inherits === 'voice' ? voiceValue(field, track) : null;
  const label = `${track.name} ${spec.label.toLowerCase()}`;
  const set = (next: number | null) =>
    edits.apply({ type: spec.mutation, trackId: track.id, [field]: next } as unknown as Mutation, { group: `${field}:${track.id}` });
  // What was last set shows until it is committed (so arrow keys step from it).
  const [value, commit] = useThrottledValue(track[field] as number | null, set);
  const shown = value ?? fromVoice?.value ?? inherited ?? 0;
  const format = (n: number) => formatValue(spec, range, n);
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
        aria-valuetext={format(shown)}
        min={log ? 0 : range.min}
        max={log ? LOG_POSITIONS : range.max}
        step={log || range.kind === 'int' ? 1 : sliderStep(range)}
        value={toPosition(range, log, shown)}
        disabled={optional && value === null}
        onChange={(e) => commit(fromPosition(range, log, Number(e.currentTarget.value)))}
        onDoubleClick={() => set(spec.default as number | null)}
        title="Double-click to reset"
      />
      <output aria-live="off">
        {value === null && optional ? (fromVoice ? fromVoice.text : `session (${format(shown)})`) : format(shown)}
      </output>
    </label>
  );
}

/** A choice field (the filter type) as a select; double-click resets it too. */
function FieldChoice({ track, field }: { track: Track; field: TrackFieldName }) {
  const { edits } = useSessionContext();
  const spec = TRACK_FIELDS[field];
  const options = spec.domain.kind === 'choice' ? spec.domain.options : [];
  const label = `${track.name} ${spec.label.toLowerCase()}`;
  const set = (next: string) =>
    edits.apply({ type: spec.mutation, trackId: track.id, [field]: next } as unknown as Mutation, { group: `${field}:${track.id}` });
  return (
    <label className="field-slider">
      <span>{spec.label}</span>
      <select
        aria-label={label}
        value={String(track[field])}
        onChange={(e) => set(e.currentTarget.value)}
        onDoubleClick={() => set(String(spec.default))}
        title="Double-click to reset"
      >
        {options.map((o) => (
          <option key={o} value={o}>
            {CHOICE_LABELS[o] ?? o}
          </option>
        ))}
      </select>
    </label>
  );
}

const CHOICE_LABELS: Readonly<Record<string, string>> = { off: 'Off', lowpass: 'Low-pass', highpass: 'High-pass', bandpass: 'Band-pass' };
