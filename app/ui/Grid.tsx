/**
 * The step grid. One row per track: its header (TrackHeader) and its steps.
 *
 * Steps are set-to-value: a press sets the cell to the opposite of what the user
 * sees, and a drag paints that same value over every cell it crosses (a drag that
 * starts on an empty cell paints, one that starts on a lit cell erases). Touch
 * "ghost clicks" cannot flip a cell twice. Arrow keys move focus through the grid
 * (one tab stop), Enter/Space set.
 *
 * ARIA: grid > row > gridcell, each step cell holding a toggle button (aria-pressed) named
 * "<track> step <n>": a gridcell may not carry aria-pressed, so the state lives on the button.
 * A melodic step's chord shows in its cell ("Cm7") and is the button's description.
 *
 * Step expression (issue 14) shows at a glance: a probability under 100 % as a partial fill
 * of the lit cell, a condition and a ratchet as small marks ("1:4", "×3"), a melodic note
 * length as a bar across the following cells; in words, in the button's description.
 * Selecting steps opens their expression panel (StepExpression.tsx): E on a focused step,
 * a right-click, Shift-click or Shift + arrows (add to the selection), a long press on
 * touch (longPress.ts: a touch press lights on release, so that holding can select), or a
 * tap while "Select steps" is on; Escape clears the selection.
 *
 * The grid shows and edits the rows of the pattern this editor views (PatternBar);
 * others' cursors show when they are on the same pattern.
 */
import {
  memo,
  type RefObject,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
} from 'react';
import { cueAt, instrumentInfo, noteName, type PatternId, type Peer, type Row, type Session, type Track, trackStepAt } from '../../core';
import { useStore } from 'zustand';
import { playheadStore } from '../audio/AudioEngine';
import { DEFAULT_ROW, patternLabel, viewedPatternOf } from '../store/patternView';
import { isAudible } from '../store/sessionStore';
import { useChordNames } from './chordName';
import { pressEntered, startPress } from './longPress';
import { beatGroup, FAMILY_COLOURS, gridPaging, useGridFit } from './gridLayout';
import { conditionMark, expressionSummary, extendSelection, selectedStepsOf, selectOnly, toggleSelected } from './stepSelection';
import { useSession, useSessionContext } from './SessionContext';
import { TrackHeader } from './TrackHeader';

interface Paint {
  on: boolean;
  group: string;
}
/** The drag in progress, shared by all cells (only one pointer paints at a time). */
let paint: Paint | null = null;
if (typeof window !== 'undefined') {
  addEventListener('pointerup', () => (paint = null));
  addEventListener('pointercancel', () => (paint = null));
}

export function Grid() {
  const { sync, store } = useSessionContext();
  const tracks = useSession((s) => s.session?.tracks ?? NO_TRACKS);
  const pattern = useSession(viewedPatternOf);
  const rows = useSession((s) => s.session?.patterns[pattern]?.rows);
  const label = useSession((s) => patternLabel(s.session, pattern));
  const startOf = useMemo(() => startOfPattern(() => store.getState().session, pattern), [store, pattern]);
  const lengthOf = (index: number) => (rows?.[tracks[index]?.id ?? ''] ?? DEFAULT_ROW).length;
  const peers = useSession((s) => s.peers);
  const selfPeerId = useSession((s) => s.selfPeerId);
  const [active, setActive] = useState<{ row: number; step: number }>({ row: 0, step: 0 });
  const gridRef = useRef<HTMLDivElement>(null);
  // The longest row sets the cell size and whether rows show a page at a time (gridLayout.ts).
  const longest = tracks.reduce((most, t) => Math.max(most, (rows?.[t.id] ?? DEFAULT_ROW).length), 1);
  const pageSize = useGridFit(gridRef, longest);

  const focusCell = useCallback((row: number, step: number) => {
    const cell = gridRef.current?.querySelector<HTMLButtonElement>(`[data-row="${row}"][data-step="${step}"]`);
    cell?.focus();
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.dataset.step === undefined) return;
    const row = Number(target.dataset.row);
    const step = Number(target.dataset.step);
    const trackId = tracks[row]?.id;
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      const nextRow = Math.min(Math.max(row + move[0], 0), tracks.length - 1);
      const length = lengthOf(nextRow);
      const nextStep = Math.min(Math.max(step + move[1], 0), length - 1);
      setActive({ row: nextRow, step: nextStep });
      focusCell(nextRow, nextStep);
      const nextTrack = tracks[nextRow]?.id;
      if (e.shiftKey && trackId && nextTrack) {
        store.setState((s) => ({
          stepSelection: extendSelection(s.stepSelection, pattern, { trackId, step }, { trackId: nextTrack, step: nextStep }),
        }));
      }
    } else if ((e.key === 'e' || e.key === 'E') && !e.ctrlKey && !e.metaKey && !e.altKey && trackId) {
      e.preventDefault();
      store.setState((s) => ({ stepSelection: selectOnly(s.stepSelection, pattern, trackId, step) }));
      // The panel renders after this: then its first control takes focus.
      requestAnimationFrame(() => document.querySelector<HTMLElement>('#step-expression input, #step-expression select')?.focus());
    } else if (e.key === 'Escape' && store.getState().stepSelection) {
      e.preventDefault();
      store.setState({ stepSelection: null });
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      const nextStep = e.key === 'Home' ? 0 : lengthOf(row) - 1;
      setActive({ row, step: nextStep });
      focusCell(row, nextStep);
    }
  };

  const onCellFocus = useCallback(
    (row: number, step: number, trackId: string) => {
      setActive({ row, step });
      sync.setPresence({ cursor: { trackId, step } });
    },
    [sync],
  );

  const remoteCursors = new Map<string, Peer[]>();
  for (const peer of peers) {
    if (peer.peerId === selfPeerId || !peer.cursor || peer.pattern !== pattern) continue;
    const key = peer.cursor.trackId;
    remoteCursors.set(key, [...(remoteCursors.get(key) ?? []), peer]);
  }

  return (
    <div
      className="grid"
      role="grid"
      aria-label={label}
      // Until it has measured and drawn its steps (gridLayout.ts): the workspace stays unseen.
      aria-busy={pageSize === null || undefined}
      ref={gridRef}
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        if (!gridRef.current?.contains(e.relatedTarget as Node)) sync.setPresence({ cursor: null });
      }}
    >
      {tracks.map((track, index) => (
        <TrackRow
          key={track.id}
          track={track}
          pattern={pattern}
          startOf={startOf}
          row={rows?.[track.id] ?? DEFAULT_ROW}
          index={index}
          trackCount={tracks.length}
          activeStep={active.row === index ? active.step : index === 0 && active.row >= tracks.length ? 0 : null}
          cursors={remoteCursors.get(track.id) ?? NO_PEERS}
          onCellFocus={onCellFocus}
          pageSize={pageSize}
        />
      ))}
    </div>
  );
}

const NO_PEERS: Peer[] = [];
const NO_TRACKS: Track[] = [];

interface TrackRowProps {
  track: Track;
  pattern: PatternId;
  startOf: (globalStep: number) => number | null;
  /** The track's row in `pattern`. */
  row: Row;
  index: number;
  trackCount: number;
  activeStep: number | null;
  cursors: Peer[];
  onCellFocus: (row: number, step: number, trackId: string) => void;
  /** Steps per page of a row longer than fits (NO_PAGING: every row shows whole); null before the grid is measured: no steps yet. */
  pageSize: number | null;
}

const TrackRow = memo(function TrackRow({
  track,
  pattern,
  startOf,
  row,
  index,
  trackCount,
  activeStep,
  cursors,
  onCellFocus,
  pageSize,
}: TrackRowProps) {
  const { edits, store } = useSessionContext();
  const flashes = useSession((s) => flashesFor(s.flashes, track.id));
  const selected = useSession((s) => s.selectedTrackId === track.id);
  const muted = useSession((s) => !isAudible(s, track.id));
  const selectedSteps = useSession((s) => selectedStepsOf(s.stepSelection, pattern, track.id));
  const chordName = useChordNames();
  const chosen = useMemo(() => new Set(selectedSteps ? selectedSteps.split(',').map(Number) : []), [selectedSteps]);

  const setStep = (step: number, on: boolean, group?: string) => {
    if ((row.steps[step] ?? false) === on) return;
    edits.apply({ type: 'set_step', trackId: track.id, pattern, step, on }, { group });
  };

  const onPointerDown = (e: PointerEvent<HTMLButtonElement>, step: number) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // Shift-click, or any press in Select mode: the step joins (or leaves) the selection; it is not lit.
    if ((e.shiftKey && e.pointerType === 'mouse') || store.getState().selectMode) {
      e.preventDefault();
      store.setState((s) => ({ stepSelection: toggleSelected(s.stepSelection, pattern, track.id, step) }));
      return;
    }
    // Let other cells receive pointerenter during a touch drag.
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    const on = !row.steps[step];
    const startPaint = () => {
      paint = { on, group: `paint:${Date.now()}` };
      setStep(step, on, paint.group);
    };
    // A touch waits (longPress.ts): a tap lights, a drag paints, a long press selects without lighting.
    if (e.pointerType === 'touch') {
      startPress(e, { tap: () => setStep(step, on), drag: startPaint, hold: () => selectStep(step) });
      return;
    }
    startPaint();
  };

  /** Select only this step and show its expression panel (a long press on touch). */
  const selectStep = (step: number) => {
    store.setState((s) => ({ stepSelection: selectOnly(s.stepSelection, pattern, track.id, step) }));
    requestAnimationFrame(() => document.getElementById('step-expression')?.scrollIntoView({ block: 'nearest' }));
  };

  const onPointerEnter = (e: PointerEvent<HTMLButtonElement>, step: number) => {
    pressEntered(e);
    if (!paint || (e.pointerType === 'mouse' && (e.buttons & 1) === 0)) return;
    setStep(step, paint.on, paint.group);
  };

  const onContextMenu = (e: React.MouseEvent<HTMLButtonElement>, step: number) => {
    e.preventDefault();
    // A touch's long press selects on its own clock (longPress.ts); the browser's long-press menu is only held back.
    if ((e.nativeEvent as { pointerType?: string }).pointerType === 'touch') return;
    selectStep(step);
  };

  const cursorAt = new Map(cursors.map((p) => [p.cursor!.step, p]));
  const info = instrumentInfo(track.instrument);
  const melodic = info?.melodic ?? false;
  const group = beatGroup(row.length);
  const paged = pageSize !== null && row.length > pageSize;
  const windowRef = useRef<HTMLDivElement>(null);
  const chordId = useId();
  // The grid's one tab stop stays on this row when another pattern shows it shorter.
  const tabStop = activeStep === null ? null : Math.min(activeStep, row.length - 1);

  return (
    <div
      className={`track-row${selected ? ' selected' : ''}${muted ? ' silent' : ''}`}
      role="row"
      data-track-id={track.id}
      data-family={info?.category}
      style={info ? { ['--step-on' as string]: FAMILY_COLOURS[info.category] } : undefined}
    >
      <TrackHeader track={track} length={row.length} index={index} count={trackCount} />
      <div
        className="steps-area"
        role="presentation"
        style={pageSize === null ? undefined : { ['--page-steps' as string]: Math.min(row.length, pageSize) }}
      >
        {paged && <RowOverview row={row} pageSize={pageSize} windowRef={windowRef} />}
        {pageSize !== null && (
          <div
            className={`steps-window${paged ? ' paged' : ''}`}
            role="presentation"
            ref={windowRef}
            onScroll={paged ? (e) => onWindowScroll(e.currentTarget) : undefined}
          >
            <div className="steps" role="presentation" style={{ ['--steps' as string]: row.length }}>
              {Array.from({ length: row.length }, (_, step) => {
                const on = row.steps[step] ?? false;
                const cursor = cursorAt.get(step);
                const flash = flashes[step];
                const chord = melodic
                  ? chordName(track.instrument, (row.pitches[step] ?? 0) + track.transpose, row.chords[step] ?? 0)
                  : null;
                // A lit melodic step without a chord shows its note ("C2"), as it sounds.
                const note = melodic && on && !chord && info ? noteName(info.root + (row.pitches[step] ?? 0) + track.transpose) : null;
                const probability = row.probabilities[step] ?? 100;
                const condition = conditionMark(row.conditions[step] ?? 0);
                const ratchet = row.ratchets[step] ?? 1;
                const summary = expressionSummary(row, step, melodic);
                // A held note's bar: across the following cells, no further than the row's end.
                const held = melodic && on ? Math.min((row.noteLengths[step] ?? 0) / 2, row.length - step) : 0;
                const isChosen = chosen.has(step);
                const describedBy = [chord ? `${chordId}-${step}` : '', summary ? `${chordId}-x${step}` : ''].filter(Boolean).join(' ');
                return (
                  <div
                    key={step}
                    role="gridcell"
                    className={`step-cell${paged && step % pageSize === 0 ? ' page-start' : ''}${step > 0 && step % group === 0 ? ' group-start' : ''}`}
                    aria-selected={isChosen || undefined}
                  >
                    <button
                      type="button"
                      className={`step${step % group === 0 ? ' beat' : ''}${Math.floor(step / group) % 2 === 1 ? ' alt' : ''}${on && probability < 100 ? ' chance' : ''}${isChosen ? ' chosen' : ''}`}
                      aria-label={`${track.name} step ${step + 1}`}
                      aria-pressed={on}
                      tabIndex={tabStop === step ? 0 : -1}
                      data-row={index}
                      data-step={step}
                      data-track={track.id}
                      style={{
                        ['--velocity' as string]: (row.velocities[step] ?? 100) / 127,
                        ['--probability' as string]: probability / 100,
                        ...(cursor ? { outline: `2px solid ${cursor.color}` } : {}),
                        ...(flash ? { boxShadow: `0 0 0 3px ${flash}` } : {}),
                      }}
                      title={cursor ? cursor.name : (chord ?? undefined)}
                      aria-describedby={describedBy || undefined}
                      onPointerDown={(e) => onPointerDown(e, step)}
                      onContextMenu={(e) => onContextMenu(e, step)}
                      onPointerEnter={(e) => onPointerEnter(e, step)}
                      // Pointer presses are handled on pointerdown; click only for the keyboard.
                      onClick={(e) => e.detail === 0 && setStep(step, !on)}
                      onFocus={() => onCellFocus(index, step, track.id)}
                    />
                    {/* Beside the button, not in it: its name stays "<track> step <n>" and the chord is its description. */}
                    {chord && (
                      <span className="chord-name" id={`${chordId}-${step}`} aria-hidden="true">
                        {chord}
                      </span>
                    )}
                    {note && (
                      <span className="chord-name note-label" aria-hidden="true">
                        {note}
                      </span>
                    )}
                    {(condition || ratchet > 1) && (
                      <span className="step-marks" aria-hidden="true">
                        <span className="condition-mark">{condition}</span>
                        {ratchet > 1 && <span className="ratchet-mark">×{ratchet}</span>}
                      </span>
                    )}
                    {held > 0 && <span className="note-bar" aria-hidden="true" style={{ ['--held' as string]: held }} />}
                    {summary && (
                      <span id={`${chordId}-x${step}`} hidden>
                        {summary}
                      </span>
                    )}
                  </div>
                );
              })}
              <Playhead length={row.length} startOf={startOf} follow={paged ? { windowRef, pageSize } : undefined} />
            </div>
          </div>
        )}
      </div>
    </div>
  );
});

/** Where the last scroll that the playhead made left each window: any other scroll is the user's. */
const followedTo = new WeakMap<HTMLElement, number>();

/** A window scrolled by the user (a swipe, the keyboard, a jump) pins the grid where it is. */
function onWindowScroll(win: HTMLElement) {
  if (Math.abs(win.scrollLeft - (followedTo.get(win) ?? 0)) > 1 && gridPaging.getState().follow) gridPaging.setState({ follow: false });
  markShownPage(win);
}

/** The overview's page that the window shows: marked in the DOM, outside React. */
function markShownPage(win: HTMLElement) {
  showPage(win, shownPageOf(win));
}

const shownPageOf = (win: HTMLElement) => (win.clientWidth ? Math.round(win.scrollLeft / win.clientWidth) : 0);

function showPage(win: HTMLElement, page: number) {
  const pages = win.parentElement?.querySelectorAll<HTMLElement>('.overview-page') ?? [];
  pages.forEach((el, i) => {
    el.toggleAttribute('data-shown', i === page);
  });
}

/** The paged windows' observer: one for all rows, so that all are read before any is marked (a mark between two reads would restyle the page for the second). */
let shownPageObserver: ResizeObserver | null = null;
function markShownPages(entries: ResizeObserverEntry[]) {
  const shown = entries.map((entry) => [entry.target as HTMLElement, shownPageOf(entry.target as HTMLElement)] as const);
  for (const [win, page] of shown) showPage(win, page);
}

/**
 * The whole of a row longer than a page, small, a segment per page (its lit steps as dots):
 * a tap shows that page and pins the grid. For pointers only: the keyboard moves through
 * every step with the arrow keys (the window follows focus), and a screen reader reads them all.
 */
function RowOverview({ row, pageSize, windowRef }: { row: Row; pageSize: number; windowRef: RefObject<HTMLDivElement | null> }) {
  const pages = Math.ceil(row.length / pageSize);
  const ref = useRef<HTMLDivElement>(null);
  // Read where the window is from a resize observer, which reports the window once it is
  // laid out (and again when its width changes): the browser's own layout of the frame,
  // not one forced on the spot (an effect runs before it and made the whole grid lay out
  // in its task: a long task of the editor's load on a phone, issue 17).
  // Again when the pages change (they are new elements then).
  // biome-ignore lint/correctness/useExhaustiveDependencies: pages and pageSize re-make the marked elements
  useEffect(() => {
    const win = windowRef.current;
    if (!win) return;
    shownPageObserver ??= new ResizeObserver(markShownPages);
    // Observing again (the pages changed) reports the window again.
    shownPageObserver.unobserve(win);
    shownPageObserver.observe(win);
    return () => shownPageObserver?.unobserve(win);
  }, [windowRef, pages, pageSize]);
  const jump = (page: number) => {
    const win = windowRef.current;
    if (!win) return;
    gridPaging.setState({ follow: false });
    win.scrollLeft = page * win.clientWidth;
  };
  return (
    <div className="overview" aria-hidden="true" ref={ref}>
      {Array.from({ length: pages }, (_, page) => (
        // biome-ignore lint/a11y/noStaticElementInteractions: a pointer shortcut; the keyboard reaches every step by arrows
        // biome-ignore lint/a11y/useKeyWithClickEvents: as above
        <div key={page} className="overview-page" data-page={page} onClick={() => jump(page)}>
          {Array.from({ length: Math.min(pageSize, row.length - page * pageSize) }, (_, i) => (
            <span key={i} className={row.steps[page * pageSize + i] ? 'on' : undefined} />
          ))}
        </div>
      ))}
    </div>
  );
}

/** The steps of one track that flash (a remote edit), as a stable object for memoised rows. */
const flashCache = new Map<string, { key: string; value: Record<number, string> }>();
function flashesFor(all: Record<string, { color: string }>, trackId: string): Record<number, string> {
  const entries = Object.entries(all).filter(([k]) => k.startsWith(`${trackId}:`));
  const key = entries.map(([k, v]) => `${k}=${v.color}`).join(',');
  const cached = flashCache.get(trackId);
  if (cached && cached.key === key) return cached.value;
  const value: Record<number, string> = {};
  for (const [k, v] of entries) value[Number(k.slice(trackId.length + 1))] = v.color;
  flashCache.set(trackId, { key, value });
  return value;
}

/**
 * Moves with the transport by writing a CSS variable: no React re-render. `startOf`
 * gives the global step the rows shown count from at a global step (where their pattern
 * started), or null when they do not sound then (another pattern plays): the playhead
 * hides. Without it, rows count from the timeline's step 0.
 */
export function Playhead({
  length,
  startOf,
  follow,
}: {
  length: number;
  startOf?: (globalStep: number) => number | null;
  /** A paged row: scroll its window to the playing page while the grid follows (gridLayout.ts). */
  follow?: { windowRef: RefObject<HTMLDivElement | null>; pageSize: number };
}) {
  const ref = useRef<HTMLDivElement>(null);
  const windowRef = follow?.windowRef;
  const pageSize = follow?.pageSize;
  useEffect(() => {
    const update = (globalStep: number | null) => {
      const el = ref.current;
      if (!el) return;
      const start = globalStep === null ? null : startOf ? startOf(globalStep) : 0;
      const display = globalStep === null || start === null ? 'none' : 'block';
      if (el.style.display !== display) el.style.display = display;
      if (globalStep === null || start === null) return;
      const step = trackStepAt(globalStep - start, length);
      el.style.setProperty('--playhead', String(step));
      const win = windowRef?.current;
      // Only when the page changes: reading the window's width forces a layout, and sixteen
      // rows doing that at every step (after each wrote its --playhead) starved the frames.
      const page = pageSize ? Math.floor(step / pageSize) : 0;
      if (win && pageSize && page !== shownPage && gridPaging.getState().follow) {
        shownPage = page;
        const target = page * win.clientWidth;
        if (Math.abs(win.scrollLeft - target) > 1) {
          followedTo.set(win, target);
          win.scrollLeft = target;
        }
      }
    };
    /** The page this row's window was last scrolled to by following (-1: none yet, or the user moved it since). */
    let shownPage = -1;
    update(playheadStore.getState().globalStep);
    const unsubscribe = playheadStore.subscribe((s) => update(s.globalStep));
    // Following again: every paged row goes to its playing page at once.
    const unfollow = gridPaging.subscribe((s, old) => {
      if (s.follow === old.follow) return;
      shownPage = -1;
      if (s.follow) update(playheadStore.getState().globalStep);
    });
    return () => {
      unsubscribe();
      unfollow();
    };
  }, [length, startOf, windowRef, pageSize]);
  return <div ref={ref} className="playhead" aria-hidden="true" />;
}

/**
 * The `startOf` of the editor's playheads: where `pattern` started if it is what sounds
 * at a global step, else null. Every row's playhead asks at each step: the cue is worked
 * out once per step and session (cueAt walks the song).
 */
export function startOfPattern(session: () => Session | null, pattern: PatternId): (globalStep: number) => number | null {
  let last: { session: Session; step: number; start: number | null } | null = null;
  return (globalStep) => {
    const now = session();
    if (!now) return null;
    if (!last || last.session !== now || last.step !== globalStep) {
      const cue = cueAt(now, globalStep);
      last = { session: now, step: globalStep, start: cue.ended || cue.pattern !== pattern ? null : cue.start };
    }
    return last.start;
  };
}

/** Shown while some row is paged: whether the windows follow the playing page; a swipe or a jump turns it off. */
export function FollowButton() {
  const { follow, paged } = useStore(gridPaging);
  if (!paged) return null;
  return (
    <button
      type="button"
      className="follow"
      aria-pressed={follow}
      title="Rows longer than the screen show a page at a time: follow the playing page, or stay where you moved"
      onClick={() => gridPaging.setState({ follow: !follow })}
    >
      Follow playhead
    </button>
  );
}
