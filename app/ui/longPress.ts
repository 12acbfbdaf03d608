/**
 * Long-press on touch (issue 14, "Editing it"): a finger held still on a step for
 * LONG_PRESS_MS selects it (its expression panel opens) without lighting it; released
 * sooner it is a tap; moved further than LONG_PRESS_SLOP_PX first, it is a drag (the grid
 * paints). So a touch press decides only on release, on movement or when the hold is
 * long enough, where a mouse press acts at once.
 *
 * One press at a time (one finger paints or selects), followed through window listeners:
 * the grid releases the pointer's capture so that a drag reaches the other cells. The
 * keyboard equivalent is E on a focused step; a mouse has right-click and Shift-click.
 */

/** How long a finger holds still on a step to select it. */
export const LONG_PRESS_MS = 500;
/** How far (CSS pixels) a finger may drift and still be holding still. */
export const LONG_PRESS_SLOP_PX = 10;

export interface PressOutcome {
  /** Released before LONG_PRESS_MS without moving. */
  tap(): void;
  /** Moved beyond the slop before LONG_PRESS_MS: the press is a drag from here on. */
  drag(): void;
  /** Held still for LONG_PRESS_MS. */
  hold(): void;
}

interface Pending {
  pointerId: number;
  /** What was pressed (the grid's step element). */
  target: EventTarget | null;
  x: number;
  y: number;
  outcome: PressOutcome;
  timer: ReturnType<typeof setTimeout>;
}

let pending: Pending | null = null;

/** Stop following the press in progress; returns what it was to become, or null when there was none. */
function finish(pointerId?: number): PressOutcome | null {
  if (!pending || (pointerId !== undefined && pending.pointerId !== pointerId)) return null;
  const { outcome, timer } = pending;
  clearTimeout(timer);
  pending = null;
  removeEventListener('pointermove', onMove);
  removeEventListener('pointerup', onUp);
  removeEventListener('pointercancel', onCancel);
  return outcome;
}

function onMove(e: PointerEvent): void {
  if (!pending || e.pointerId !== pending.pointerId) return;
  if (Math.hypot(e.clientX - pending.x, e.clientY - pending.y) > LONG_PRESS_SLOP_PX) finish()?.drag();
}
const onUp = (e: PointerEvent) => finish(e.pointerId)?.tap();
/** The browser took the pointer (a scroll, a system gesture): neither a tap nor a hold. */
const onCancel = (e: PointerEvent) => void finish(e.pointerId);

/** Follow a touch press from its pointerdown until it is a tap, a drag or a hold. */
export function startPress(e: Pick<PointerEvent, 'pointerId' | 'clientX' | 'clientY' | 'currentTarget'>, outcome: PressOutcome): void {
  // A press still pending (a second finger): the first is left undecided, as a cancel.
  finish();
  pending = {
    pointerId: e.pointerId,
    target: e.currentTarget,
    x: e.clientX,
    y: e.clientY,
    outcome,
    timer: setTimeout(() => finish()?.hold(), LONG_PRESS_MS),
  };
  addEventListener('pointermove', onMove);
  addEventListener('pointerup', onUp);
  addEventListener('pointercancel', onCancel);
}

/**
 * The pointer entered another element (another step) while its press was pending: it has
 * moved, so the press becomes a drag now, before that element handles the entry. (The
 * browser sends pointerenter before the pointermove that crossed, so the window's move
 * listener would hear of it too late.)
 */
export function pressEntered(e: Pick<PointerEvent, 'pointerId' | 'currentTarget'>): void {
  if (pending && pending.target !== e.currentTarget) finish(e.pointerId)?.drag();
}
