/**
 * The selected steps (issue 14, "Editing it"): local UI state in the session store
 * (`stepSelection`). A change in the expression panel (StepExpression.tsx) applies to
 * each selected step, so the selection is kept small enough that one change stays within
 * the room's rate-limit burst (LIMITS.rateLimitBurst).
 */
import { CONDITIONS, type PatternId, type Row } from '../../core';
import type { StepSelection } from '../store/sessionStore';

/** At most this many steps at once: one change sends one mutation per step. */
export const MAX_SELECTED = 32;

const same = (a: { trackId: string; step: number }, trackId: string, step: number) => a.trackId === trackId && a.step === step;

export function isSelected(selection: StepSelection | null, pattern: PatternId, trackId: string, step: number): boolean {
  return !!selection && selection.pattern === pattern && selection.steps.some((s) => same(s, trackId, step));
}

/** Only this step (a right-click, E): kept as it is when the step is already in the selection. */
export function selectOnly(selection: StepSelection | null, pattern: PatternId, trackId: string, step: number): StepSelection {
  if (selection && isSelected(selection, pattern, trackId, step)) return selection;
  return { pattern, steps: [{ trackId, step }] };
}

/** Shift-click, a tap in Select mode: the step joins the selection, or leaves it. Null when none is left. */
export function toggleSelected(selection: StepSelection | null, pattern: PatternId, trackId: string, step: number): StepSelection | null {
  const current = selection?.pattern === pattern ? selection.steps : [];
  if (current.some((s) => same(s, trackId, step))) {
    const steps = current.filter((s) => !same(s, trackId, step));
    return steps.length ? { pattern, steps } : null;
  }
  return { pattern, steps: [...current, { trackId, step }].slice(-MAX_SELECTED) };
}

/** Shift + arrow: both the step left and the step reached join the selection. */
export function extendSelection(
  selection: StepSelection | null,
  pattern: PatternId,
  from: { trackId: string; step: number },
  to: { trackId: string; step: number },
): StepSelection {
  const steps = selection?.pattern === pattern ? selection.steps.slice() : [];
  for (const s of [from, to]) if (!steps.some((t) => same(t, s.trackId, s.step))) steps.push(s);
  return { pattern, steps: steps.slice(-MAX_SELECTED) };
}

/** The selected steps of one track, as a string ("1,4,7"): a stable value for a memoised row. */
export function selectedStepsOf(selection: StepSelection | null, pattern: PatternId, trackId: string): string {
  if (!selection || selection.pattern !== pattern) return '';
  return selection.steps
    .filter((s) => s.trackId === trackId)
    .map((s) => s.step)
    .join(',');
}

/** How the grid marks a step's condition, in a few characters: "1:4", "1st", "!1st", "PRE", "!PRE", "FILL", "!FILL"; '' for always. */
export function conditionMark(index: number): string {
  const c = CONDITIONS[index];
  switch (c?.kind) {
    case 'ratio':
      return `${c.a}:${c.b}`;
    case 'first':
      return '1st';
    case 'not_first':
      return '!1st';
    case 'prev':
      return 'PRE';
    case 'not_prev':
      return '!PRE';
    case 'fill':
      return 'FILL';
    case 'not_fill':
      return '!FILL';
    default:
      return '';
  }
}

/** A note length (half steps) in words: "until the next note", "½ step", "1 step", "2½ steps". */
export function noteLengthLabel(halfSteps: number): string {
  if (halfSteps <= 0) return 'Until the next note';
  const whole = Math.floor(halfSteps / 2);
  const half = halfSteps % 2 === 1;
  const text = `${whole > 0 ? whole : ''}${half ? '½' : ''}`;
  return `${text} ${halfSteps === 2 ? 'step' : 'steps'}`.replace(/^½ steps$/, '½ step');
}

/**
 * What a step's expression is, in words, for its button's description (only what differs
 * from the default): "60% chance, condition 1:4, ratchet ×3, length 2 steps, nudge +10%".
 */
export function expressionSummary(row: Row, step: number, melodic: boolean): string {
  const parts: string[] = [];
  const probability = row.probabilities[step] ?? 100;
  if (probability < 100) parts.push(`${probability}% chance`);
  const condition = row.conditions[step] ?? 0;
  if (condition !== 0) parts.push(`condition ${conditionMark(condition)}`);
  const ratchet = row.ratchets[step] ?? 1;
  if (ratchet > 1) parts.push(`ratchet ×${ratchet}`);
  const length = row.noteLengths[step] ?? 0;
  if (melodic && length > 0) parts.push(`length ${noteLengthLabel(length)}`);
  const nudge = row.nudges[step] ?? 0;
  if (nudge !== 0) parts.push(`nudge ${nudge > 0 ? '+' : ''}${nudge}%`);
  return parts.join(', ');
}
