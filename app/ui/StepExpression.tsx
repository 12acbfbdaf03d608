/**
 * The expression of the selected steps (issue 14): probability, condition, ratchet and its
 * velocity ramp, note length (melodic tracks) and nudge. Opens when steps are selected on
 * the grid (E on a focused step, a right-click, Shift-click or Shift + arrows, or a tap in
 * Select mode); a change applies to each selected step, as one set_<field> mutation per
 * step sent together: one undo step (a slider drag too, through its group).
 *
 * Controls are named "<track> step <n> probability" (or "<track> steps 1, 3 probability",
 * "3 steps probability" for a selection). When the selected steps differ, a control shows
 * the first one's value and says "mixed".
 */
import {
  CONDITIONS,
  conditionLabel,
  instrumentInfo,
  LIMITS,
  type Mutation,
  type PatternId,
  type Row,
  rowOf,
  STEP_FIELDS,
  type StepFieldName,
  type Track,
} from '../../core';
import { viewedPatternOf } from '../store/patternView';
import { useSession, useSessionContext } from './SessionContext';
import { noteLengthLabel } from './stepSelection';
import { useThrottledValue } from './useThrottledCommit';

interface Target {
  track: Track;
  row: Row;
  step: number;
  melodic: boolean;
}

type NumberField = Exclude<StepFieldName, 'on' | 'chord'>;

/** The name a selection's controls start with. */
function selectionName(targets: readonly Target[]): string {
  if (targets.length === 1) return `${targets[0]!.track.name} step ${targets[0]!.step + 1}`;
  const track = targets[0]!.track;
  if (targets.every((t) => t.track.id === track.id)) {
    const steps = targets.map((t) => t.step + 1).sort((a, b) => a - b);
    return `${track.name} steps ${steps.join(', ')}`;
  }
  return `${targets.length} steps`;
}

export function StepExpression() {
  const { store } = useSessionContext();
  const pattern = useSession(viewedPatternOf);
  const selection = useSession((s) => s.stepSelection);
  const tracks = useSession((s) => s.session?.tracks);
  const patterns = useSession((s) => s.session?.patterns);
  if (!tracks || !patterns || !selection || selection.pattern !== pattern) return null;
  const session = { patterns };
  const targets: Target[] = selection.steps.flatMap(({ trackId, step }) => {
    const track = tracks.find((t) => t.id === trackId);
    if (!track) return [];
    const row = rowOf(session, pattern, trackId);
    if (step >= row.length) return [];
    return [{ track, row, step, melodic: instrumentInfo(track.instrument)?.melodic ?? false }];
  });
  if (targets.length === 0) return null;
  const name = selectionName(targets);
  const close = () => {
    const last = targets.at(-1)!;
    store.setState({ stepSelection: null });
    document.querySelector<HTMLElement>(`.step[data-track="${CSS.escape(last.track.id)}"][data-step="${last.step}"]`)?.focus();
  };
  return (
    <section
      id="step-expression"
      className="step-expression"
      aria-label={`${name} expression`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      }}
    >
      <header>
        <h2>{name}</h2>
        <button type="button" onClick={close}>
          Done
        </button>
      </header>
      <div className="expression-controls">
        <ExpressionSlider field="probability" targets={targets} name={name} pattern={pattern} format={(v) => `${v}%`} />
        <ExpressionSelect
          field="condition"
          targets={targets}
          name={name}
          pattern={pattern}
          options={CONDITIONS.map((c, i) => [i, conditionLabel(c)])}
        />
        <ExpressionSelect
          field="ratchet"
          targets={targets}
          name={name}
          pattern={pattern}
          options={Array.from({ length: 8 }, (_, i) => [i + 1, i === 0 ? '×1 (one hit)' : `×${i + 1}`])}
        />
        <ExpressionSlider
          field="ramp"
          targets={targets}
          name={name}
          pattern={pattern}
          format={(v) => `${v > 0 ? '+' : ''}${v}%`}
          title="How the last ratchet hit's velocity differs from the first"
        />
        {targets.some((t) => t.melodic) && (
          <ExpressionSelect
            field="noteLength"
            targets={targets.filter((t) => t.melodic)}
            name={name}
            pattern={pattern}
            options={Array.from({ length: 2 * LIMITS.maxNoteSteps + 1 }, (_, n) => [n, noteLengthLabel(n)])}
          />
        )}
        <ExpressionSlider field="nudge" targets={targets} name={name} pattern={pattern} format={(v) => `${v > 0 ? '+' : ''}${v}%`} />
      </div>
    </section>
  );
}

interface ControlProps {
  field: NumberField;
  targets: Target[];
  name: string;
  pattern: PatternId;
}

/** Each target's current value of the field, and whether they differ. */
function valuesOf(field: NumberField, targets: readonly Target[]): { value: number; mixed: boolean } {
  const spec = STEP_FIELDS[field];
  const values = targets.map((t) => (t.row[spec.array] as number[])[t.step] ?? (spec.default as number));
  return { value: values[0]!, mixed: values.some((v) => v !== values[0]) };
}

/** One set_<field> per target whose value differs: sent together, one undo step. */
function useSetField(field: NumberField, targets: readonly Target[], pattern: PatternId) {
  const { edits } = useSessionContext();
  const spec = STEP_FIELDS[field];
  const key = targets.map((t) => `${t.track.id}:${t.step}`).join(',');
  return (value: number) => {
    const mutations = targets
      .filter((t) => (t.row[spec.array] as number[])[t.step] !== value)
      .map((t) => ({ type: spec.mutation, trackId: t.track.id, pattern, step: t.step, [field]: value }) as unknown as Mutation);
    if (mutations.length) edits.apply(mutations, { group: `expression:${field}:${pattern}:${key}` });
  };
}

function ExpressionSlider({
  field,
  targets,
  name,
  pattern,
  format,
  title,
}: ControlProps & { format: (v: number) => string; title?: string }) {
  const spec = STEP_FIELDS[field];
  const domain = spec.domain as { min: number; max: number };
  const { value: stored, mixed } = valuesOf(field, targets);
  const set = useSetField(field, targets, pattern);
  // One change sends a mutation per step: a drag over many steps stays within the rate limit.
  const [value, setValue] = useThrottledValue(stored, set, Math.max(80, targets.length * 50));
  const label = spec.label.toLowerCase();
  return (
    <label className="slider" title={title}>
      {spec.label}
      <input
        type="range"
        aria-label={`${name} ${label}`}
        min={domain.min}
        max={domain.max}
        value={value}
        onChange={(e) => setValue(Number(e.currentTarget.value))}
        onDoubleClick={() => setValue(spec.default as number)}
      />
      <output>{mixed ? `${format(value)} (mixed)` : format(value)}</output>
    </label>
  );
}

function ExpressionSelect({ field, targets, name, pattern, options }: ControlProps & { options: [number, string][] }) {
  const spec = STEP_FIELDS[field];
  const { value, mixed } = valuesOf(field, targets);
  const set = useSetField(field, targets, pattern);
  const label = field === 'noteLength' ? 'note length' : spec.label.toLowerCase();
  return (
    <label>
      {field === 'noteLength' ? 'Note length' : spec.label}
      <select aria-label={`${name} ${label}`} value={mixed ? '' : value} onChange={(e) => set(Number(e.currentTarget.value))}>
        {mixed && (
          <option value="" disabled>
            Mixed
          </option>
        )}
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "Select steps" (for touch, where there is no Shift or right-click): while on, a tap selects a step instead of lighting it. */
export function SelectModeButton() {
  const { store } = useSessionContext();
  const on = useSession((s) => s.selectMode);
  return (
    <button
      type="button"
      className="select-mode"
      aria-pressed={on}
      title="While on, tapping a step selects it for the expression panel instead of lighting it"
      onClick={() => store.setState({ selectMode: !on })}
    >
      Select steps
    </button>
  );
}
