/**
 * A track's controls: name (rename), instrument, step count in the viewed pattern,
 * volume and pan (synced), mute and solo (local to this listener), and a menu to
 * duplicate, copy and paste its row, clear, delete and reorder, and the pattern tools
 * (issue 14: Euclidean fill, rotate, reverse, invert, random fill, double the length), each
 * one set_row on the viewed pattern's row. The name is also a drag handle for reordering.
 */
import { memo, useState, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { instrumentStatusStore } from '../audio/samples';
import { instrumentName } from '../sounds/names';
import {
  COMMON_STEP_COUNTS,
  canDouble,
  copyRow,
  doubleRow,
  emptySteps,
  invertRow,
  LIMITS,
  type PatternId,
  type Row,
  reverseRow,
  rotateRow,
  rowOf,
  type Track,
} from '../../core';
import { viewedPatternOf } from '../store/patternView';
import { newTrackId, uniqueTrackName } from '../store/trackIds';
import { InstrumentPicker } from './InstrumentPicker';
import { LevelMeter } from './LevelMeter';
import { OwnSoundDialog } from './OwnSoundDialog';
import { type RowTool, RowToolDialog } from './PatternTools';
import { useSession, useSessionContext } from './SessionContext';
import { useThrottledValue } from './useThrottledCommit';

const DRAG_TYPE = 'application/x-keyboardia-track';

export const TrackHeader = memo(function TrackHeader({
  track,
  length,
  index,
  count,
}: {
  track: Track;
  /** The track's length in the viewed pattern. */
  length: number;
  index: number;
  count: number;
}) {
  const { edits, store } = useSessionContext();
  const pattern = useSession(viewedPatternOf);
  const clipboard = useSession((s) => s.rowClipboard);
  const muted = useSession((s) => !!s.muted[track.id]);
  const soloed = useSession((s) => !!s.soloed[track.id]);
  const selected = useSession((s) => s.selectedTrackId === track.id);
  const tracks = useSession((s) => s.session?.tracks ?? []);
  const [renaming, setRenaming] = useState(false);
  const [picking, setPicking] = useState(false);
  const [menu, setMenu] = useState(false);
  const [tool, setTool] = useState<RowTool | null>(null);
  const [ownSound, setOwnSound] = useState(false);
  const doubles = useSession((s) => (s.session ? canDouble(rowOf(s.session, pattern, track.id)) : false));

  const group = (what: string) => `${what}:${track.id}`;
  const [volume, setVolume] = useThrottledValue(track.volume, (volume: number) =>
    edits.apply({ type: 'set_volume', trackId: track.id, volume }, { group: group('volume') }),
  );
  const [pan, setPan] = useThrottledValue(track.pan, (pan: number) =>
    edits.apply({ type: 'set_pan', trackId: track.id, pan }, { group: group('pan') }),
  );

  const move = (delta: number) => {
    const target = index + delta;
    if (target < 0 || target >= count) return;
    // Addressed by id: "put me before that track" (or at the end).
    const before = delta < 0 ? tracks[target]!.id : (tracks[target + 1]?.id ?? null);
    edits.apply({ type: 'move_track', trackId: track.id, beforeTrackId: before });
  };

  const duplicate = () => {
    const session = store.getState().session;
    if (!session || session.tracks.length >= LIMITS.maxTracks) return;
    const copy: Track = { ...structuredClone(track), id: newTrackId(), name: uniqueTrackName(session, track.name) };
    // The copy has the track's row in every pattern.
    const rows: Partial<Record<PatternId, Row>> = {};
    for (const [p, value] of Object.entries(session.patterns)) {
      const row = value?.rows[track.id];
      if (row) rows[p as PatternId] = copyRow(row);
    }
    edits.apply({ type: 'add_track', track: copy, rows, beforeTrackId: tracks[index + 1]?.id ?? null });
  };

  // Clear and paste change the row in the viewed pattern only; clear keeps its length.
  const clear = () => edits.apply({ type: 'set_steps', trackId: track.id, pattern, steps: emptySteps() });
  const copyToClipboard = () => {
    const session = store.getState().session;
    if (session) store.setState({ rowClipboard: { row: copyRow(rowOf(session, pattern, track.id)), trackName: track.name, pattern } });
  };
  const paste = () => {
    if (clipboard) edits.apply({ type: 'set_row', trackId: track.id, pattern, row: copyRow(clipboard.row) });
  };

  /** A pattern tool: the viewed pattern's row, transformed, as one set_row (one undo step). */
  const transform = (change: (row: Row) => Row) => {
    const session = store.getState().session;
    if (!session) return;
    edits.apply({ type: 'set_row', trackId: track.id, pattern, row: change(rowOf(session, pattern, track.id)) });
  };

  const onDrop = (e: DragEvent) => {
    const dragged = e.dataTransfer.getData(DRAG_TYPE);
    if (!dragged || dragged === track.id) return;
    e.preventDefault();
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const below = e.clientY > rect.top + rect.height / 2;
    const before = below ? (tracks[index + 1]?.id ?? null) : track.id;
    if (before !== dragged) edits.apply({ type: 'move_track', trackId: dragged, beforeTrackId: before });
  };

  const lengths = COMMON_STEP_COUNTS.includes(length as never) ? COMMON_STEP_COUNTS : [...COMMON_STEP_COUNTS, length].sort((a, b) => a - b);
  // The catalogue's name, or an own sound's (session.sounds).
  const instrument = useSession((s) => instrumentName(s.session, track.instrument));
  // Sampled instruments load lazily: show it while they do (playback goes on meanwhile).
  const loadState = useStore(instrumentStatusStore, (s) => s[track.instrument] ?? 'idle');

  return (
    <div
      className="track-header"
      role="rowheader"
      onDragOver={(e) => e.dataTransfer.types.includes(DRAG_TYPE) && e.preventDefault()}
      onDrop={onDrop}
      onKeyDown={(e) => {
        if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
          e.preventDefault();
          move(e.key === 'ArrowUp' ? -1 : 1);
        }
      }}
    >
      {renaming ? (
        <input
          className="track-rename"
          aria-label={`${track.name} name`}
          defaultValue={track.name}
          maxLength={LIMITS.maxTrackName}
          autoFocus
          onBlur={(e) => {
            const name = e.currentTarget.value.trim();
            if (name && name !== track.name) edits.apply({ type: 'set_track_name', trackId: track.id, name });
            setRenaming(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
            if (e.key === 'Escape') setRenaming(false);
          }}
        />
      ) : (
        <button
          type="button"
          className="track-title"
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, track.id);
            e.dataTransfer.effectAllowed = 'move';
          }}
          onClick={() => store.setState({ selectedTrackId: selected ? null : track.id })}
          onDoubleClick={() => setRenaming(true)}
          aria-label={`${track.name}: ${selected ? 'hide' : 'show'} velocity and pitch`}
          aria-expanded={selected}
          title="Click: velocity and pitch · double-click: rename · drag: reorder"
        >
          {track.name}
        </button>
      )}
      <LevelMeter source={track.id} label={`${track.name} level`} />
      <div className="track-controls">
        <button
          type="button"
          className={`instrument ${loadState}`}
          aria-busy={loadState === 'loading'}
          style={{ ['anchorName' as string]: `--instrument-${track.id}` }}
          aria-label={`${track.name} instrument: ${instrument}`}
          onClick={() => setPicking(true)}
        >
          {instrument}
          {loadState === 'loading' && <span className="loading-dot" aria-hidden="true" />}
          {loadState === 'error' && <span className="load-error"> (sound failed to load)</span>}
        </button>
        {ownSound && <OwnSoundDialog track={track} onClose={() => setOwnSound(false)} />}
        {tool && <RowToolDialog tool={tool} track={track} pattern={pattern} onClose={() => setTool(null)} />}
        {picking && (
          <InstrumentPicker
            label={`Instrument for ${track.name}`}
            anchor={`--instrument-${track.id}`}
            current={track.instrument}
            onClose={() => setPicking(false)}
            onChoose={(id) => {
              edits.apply({ type: 'set_instrument', trackId: track.id, instrument: id });
              setPicking(false);
            }}
          />
        )}
        <select
          aria-label={`${track.name} steps`}
          value={length}
          onChange={(e) => edits.apply({ type: 'set_length', trackId: track.id, pattern, length: Number(e.currentTarget.value) })}
        >
          {lengths.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="toggle mute"
          aria-label={`Mute ${track.name}`}
          aria-pressed={muted}
          onClick={() => store.setState((s) => ({ muted: { ...s.muted, [track.id]: !muted } }))}
        >
          M
        </button>
        <button
          type="button"
          className="toggle solo"
          aria-label={`Solo ${track.name}`}
          aria-pressed={soloed}
          onClick={() => store.setState((s) => ({ soloed: { ...s.soloed, [track.id]: !soloed } }))}
        >
          S
        </button>
        <input
          type="range"
          className="volume"
          aria-label={`${track.name} volume`}
          min={0}
          max={1}
          step={0.01}
          value={volume}
          onChange={(e) => setVolume(Number(e.currentTarget.value))}
        />
        <input
          type="range"
          className="pan"
          aria-label={`${track.name} pan`}
          min={-1}
          max={1}
          step={0.05}
          value={pan}
          onChange={(e) => setPan(Number(e.currentTarget.value))}
          onDoubleClick={() => setPan(0)}
        />
        <div className="track-menu">
          <button
            type="button"
            aria-label={`More for ${track.name}`}
            aria-expanded={menu}
            popoverTarget={`menu-${track.id}`}
            style={{ ['anchorName' as string]: `--menu-${track.id}` }}
          >
            ⋯
          </button>
          {/* A popover in the top layer: light dismiss and Escape for free, never clipped. */}
          {/* biome-ignore lint/a11y/useKeyWithClickEvents: a menu item's click (mouse, Enter or Space) bubbles here to close the menu */}
          <div
            className="menu"
            role="menu"
            id={`menu-${track.id}`}
            popover="auto"
            style={{ ['positionAnchor' as string]: `--menu-${track.id}` }}
            onToggle={(e) => setMenu((e.nativeEvent as ToggleEvent).newState === 'open')}
            onClick={(e) => (e.currentTarget as HTMLElement).hidePopover()}
          >
            <button type="button" role="menuitem" onClick={() => setRenaming(true)}>
              Rename {track.name}
            </button>
            <button type="button" role="menuitem" onClick={() => setOwnSound(true)}>
              Use your own sound for {track.name}…
            </button>
            <button type="button" role="menuitem" onClick={duplicate} disabled={count >= LIMITS.maxTracks}>
              Duplicate {track.name}
            </button>
            <button type="button" role="menuitem" onClick={copyToClipboard}>
              Copy row of {track.name}
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={paste}
              disabled={!clipboard}
              title={clipboard ? `${clipboard.trackName}'s row from pattern ${clipboard.pattern}` : 'Copy a row first'}
            >
              Paste row into {track.name}
            </button>
            <button type="button" role="menuitem" onClick={clear}>
              Clear {track.name}
            </button>
            <button type="button" role="menuitem" onClick={() => setTool('euclid')}>
              Euclidean fill {track.name}…
            </button>
            <button type="button" role="menuitem" onClick={() => setTool('random')}>
              Random fill {track.name}…
            </button>
            <button type="button" role="menuitem" onClick={() => transform((row) => rotateRow(row, -1))}>
              Rotate {track.name} left
            </button>
            <button type="button" role="menuitem" onClick={() => transform((row) => rotateRow(row, 1))}>
              Rotate {track.name} right
            </button>
            <button type="button" role="menuitem" onClick={() => transform(reverseRow)}>
              Reverse {track.name}
            </button>
            <button type="button" role="menuitem" onClick={() => transform(invertRow)}>
              Invert {track.name}
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={() => transform(doubleRow)}
              disabled={!doubles}
              title={doubles ? 'Repeat the row: twice as many steps' : `At most ${LIMITS.maxSteps} steps`}
            >
              Double {track.name}'s length
            </button>
            <button type="button" role="menuitem" onClick={() => move(-1)} disabled={index === 0}>
              Move {track.name} up
            </button>
            <button type="button" role="menuitem" onClick={() => move(1)} disabled={index === count - 1}>
              Move {track.name} down
            </button>
            <button
              type="button"
              role="menuitem"
              className="danger"
              onClick={() => edits.apply({ type: 'delete_track', trackId: track.id })}
            >
              Delete {track.name}
            </button>
          </div>
        </div>
      </div>
    </div>
  );
});
