/**
 * Trig conditions (issue 14): when a lit step plays, besides its probability. Stored as an
 * index into CONDITIONS (the step field `condition`, core/fields.ts): compact in every
 * row, and the order here is part of the stored format — append, never reorder.
 */
export type Condition =
  | { kind: 'always' }
  /** Plays on loop `a` of every `b` (1-based: 1:2 plays the 1st, 3rd, 5th… pass of the row). */
  | { kind: 'ratio'; a: number; b: number }
  | { kind: 'first' }
  | { kind: 'not_first' }
  /** The previous conditional step of this track fired (or did not). */
  | { kind: 'prev' }
  | { kind: 'not_prev' }
  /** Someone holds Fill (shared, momentary). */
  | { kind: 'fill' }
  | { kind: 'not_fill' };

const ratios: Condition[] = [];
for (let b = 2; b <= 8; b++) for (let a = 1; a <= b; a++) ratios.push({ kind: 'ratio', a, b });

/** Every condition a step can have; index 0 (always) is the default. */
export const CONDITIONS: readonly Condition[] = [
  { kind: 'always' },
  { kind: 'first' },
  { kind: 'not_first' },
  { kind: 'prev' },
  { kind: 'not_prev' },
  { kind: 'fill' },
  { kind: 'not_fill' },
  ...ratios,
];

/** How the step panel names a condition: "Always", "1:4", "1st", "Not 1st", "Prev fired", "Fill"… (the grid has its own short marks). */
export function conditionLabel(c: Condition): string {
  switch (c.kind) {
    case 'always':
      return 'Always';
    case 'ratio':
      return `${c.a}:${c.b}`;
    case 'first':
      return '1st';
    case 'not_first':
      return 'Not 1st';
    case 'prev':
      return 'Prev fired';
    case 'not_prev':
      return 'Prev not fired';
    case 'fill':
      return 'Fill';
    case 'not_fill':
      return 'Not fill';
  }
}
