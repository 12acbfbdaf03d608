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
 */
import { memo, useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { trackStepAt, type Peer, type Track } from '../../core';
import { playheadStore } from '../audio/AudioEngine';
import { isAudible } from '../store/sessionStore';
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
  const tracks = useSession((s) => s.session?.tracks ?? []);
  const peers = useSession((s) => s.peers);
  const selfPeerId = useSession((s) => s.selfPeerId);
  const { sync } = useSessionContext();
  const [active, setActive] = useState<{ row: number; step: number }>({ row: 0, step: 0 });
  const gridRef = useRef<HTMLDivElement>(null);

  const focusCell = useCallback((row: number, step: number) => {
    const cell = gridRef.current?.querySelector<HTMLButtonElement>(`[data-row="${row}"][data-step="${step}"]`);
    cell?.focus();
  }, []);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.dataset.step === undefined) return;
    const row = Number(target.dataset.row);
    const step = Number(target.dataset.step);
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      const nextRow = Math.min(Math.max(row + move[0], 0), tracks.length - 1);
      const length = tracks[nextRow]?.length ?? 16;
      const nextStep = Math.min(Math.max(step + move[1], 0), length - 1);
      setActive({ row: nextRow, step: nextStep });
      focusCell(nextRow, nextStep);
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      const nextStep = e.key === 'Home' ? 0 : (tracks[row]?.length ?? 16) - 1;
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
    if (peer.peerId === selfPeerId || !peer.cursor) continue;
    const key = peer.cursor.trackId;
    remoteCursors.set(key, [...(remoteCursors.get(key) ?? []), peer]);
  }

  return (
    <div
      className="grid"
      role="grid"
      aria-label="Pattern"
      ref={gridRef}
      onKeyDown={onKeyDown}
      onBlur={(e) => {
        if (!gridRef.current?.contains(e.relatedTarget as Node)) sync.setPresence({ cursor: null });
      }}
    >
      {tracks.map((track, row) => (
        <TrackRow
          key={track.id}
          track={track}
          row={row}
          trackCount={tracks.length}
          activeStep={active.row === row ? active.step : row === 0 && active.row >= tracks.length ? 0 : null}
          cursors={remoteCursors.get(track.id) ?? NO_PEERS}
          onCellFocus={onCellFocus}
        />
      ))}
    </div>
  );
}

const NO_PEERS: Peer[] = [];

interface TrackRowProps {
  track: Track;
  row: number;
  trackCount: number;
  activeStep: number | null;
  cursors: Peer[];
  onCellFocus: (row: number, step: number, trackId: string) => void;
}

const TrackRow = memo(function TrackRow({ track, row, trackCount, activeStep, cursors, onCellFocus }: TrackRowProps) {
  const { edits } = useSessionContext();
  const flashes = useSession((s) => flashesFor(s.flashes, track.id));
  const selected = useSession((s) => s.selectedTrackId === track.id);
  const muted = useSession((s) => !isAudible(s, track.id));

  const setStep = (step: number, on: boolean, group?: string) => {
    if ((track.steps[step] ?? false) === on) return;
    edits.apply({ type: 'set_step', trackId: track.id, step, on }, { group });
  };

  const onPointerDown = (e: PointerEvent<HTMLButtonElement>, step: number) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    // Let other cells receive pointerenter during a touch drag.
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
    paint = { on: !track.steps[step], group: `paint:${Date.now()}` };
    setStep(step, paint.on, paint.group);
  };

  const onPointerEnter = (e: PointerEvent<HTMLButtonElement>, step: number) => {
    if (!paint || (e.pointerType === 'mouse' && (e.buttons & 1) === 0)) return;
    setStep(step, paint.on, paint.group);
  };

  const cursorAt = new Map(cursors.map((p) => [p.cursor!.step, p]));

  return (
    <div className={`track-row${selected ? ' selected' : ''}${muted ? ' silent' : ''}`} role="row" data-track-id={track.id}>
      <TrackHeader track={track} index={row} count={trackCount} />
      <div className="steps" role="presentation" style={{ ['--steps' as string]: track.length }}>
        {Array.from({ length: track.length }, (_, step) => {
          const on = track.steps[step] ?? false;
          const cursor = cursorAt.get(step);
          const flash = flashes[step];
          return (
            <div key={step} role="gridcell" className="step-cell">
              <button
                type="button"
                className={`step${step % 4 === 0 ? ' beat' : ''}`}
                aria-label={`${track.name} step ${step + 1}`}
                aria-pressed={on}
                tabIndex={activeStep === step ? 0 : -1}
                data-row={row}
                data-step={step}
                style={{
                  ['--velocity' as string]: (track.velocities[step] ?? 100) / 127,
                  ...(cursor ? { outline: `2px solid ${cursor.color}` } : {}),
                  ...(flash ? { boxShadow: `0 0 0 3px ${flash}` } : {}),
                }}
                title={cursor ? cursor.name : undefined}
                onPointerDown={(e) => onPointerDown(e, step)}
                onPointerEnter={(e) => onPointerEnter(e, step)}
                // Pointer presses are handled on pointerdown; click only for the keyboard.
                onClick={(e) => e.detail === 0 && setStep(step, !on)}
                onFocus={() => onCellFocus(row, step, track.id)}
              />
            </div>
          );
        })}
        <Playhead length={track.length} />
      </div>
    </div>
  );
});

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

/** Moves with the transport by writing a CSS variable: no React re-render. */
export function Playhead({ length }: { length: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const update = (globalStep: number | null) => {
      const el = ref.current;
      if (!el) return;
      el.style.display = globalStep === null ? 'none' : 'block';
      if (globalStep !== null) el.style.setProperty('--playhead', String(trackStepAt(globalStep, length)));
    };
    update(playheadStore.getState().globalStep);
    return playheadStore.subscribe((s) => update(s.globalStep));
  }, [length]);
  return <div ref={ref} className="playhead" aria-hidden="true" />;
}
