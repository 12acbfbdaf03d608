/**
 * The song: a chain of patterns, each repeated 1–16 times, edited together like
 * everything else. "Song mode" launches the song for everyone at the next bar (and
 * leaving it launches the pattern in view); "Loop song" says what happens at its end;
 * each entry can be the one the song starts from ("Start here", which also launches the
 * song from it at the next bar). The entry playing now is marked (aria-current).
 *
 * Names: checkboxes "Song mode" and "Loop song", the list "Song", per entry (n from 1)
 * "Entry n pattern" (select), "Entry n repeats" (number), "Start here (entry n)"
 * (aria-pressed on the entry the song starts from), "Move entry n up", "Move entry n
 * down", "Remove entry n"; the button "Add to song". No name here holds "Play" or "Stop",
 * which the transport's buttons are known by.
 */
import { useEffect, useState } from 'react';
import { BAR_STEPS, LIMITS, type PatternId, patternSteps, patternsInUse, type SongEntry } from '../../../core';
import { viewedPatternOf } from '../../store/patternView';
import { newTrackId } from '../../store/trackIds';
import { useSession, useSessionContext } from '../SessionContext';
import { usePlayStatus } from './usePlayStatus';

/** A fresh song entry id (client-generated, like a track's). */
const newEntryId = () => `e${newTrackId().slice(1)}`;

export function SongEditor({ readOnly = false }: { readOnly?: boolean }) {
  const { edits } = useSessionContext();
  const song = useSession((s) => s.session?.song);
  const transport = useSession((s) => s.session?.transport);
  const viewed = useSession(viewedPatternOf);
  const status = usePlayStatus();
  if (!song || !transport) return null;

  // Song mode as asked for last: a queued launch says where the session is going.
  const songMode = transport.next ? transport.next.pattern === null : transport.song;
  const entries = song.entries;
  const startIndex = Math.max(
    0,
    entries.findIndex((e) => e.id === song.start),
  );
  const playingEntry = status?.sounding ? status.entry : null;
  const full = entries.length >= LIMITS.maxSongEntries;

  const setSongMode = (on: boolean) => edits.apply({ type: 'launch_pattern', pattern: on ? null : viewed, when: 'bar' });
  const add = () => edits.apply({ type: 'add_song_entry', entry: { id: newEntryId(), pattern: viewed, repeats: 1 }, beforeEntryId: null });
  const startHere = (entry: SongEntry) =>
    // The start is part of the song (undoable); the launch moves everyone there at the next bar.
    edits.apply([
      { type: 'set_song_start', entryId: entry.id },
      { type: 'launch_pattern', pattern: null, when: 'bar' },
    ]);

  return (
    <section className="song-editor" aria-labelledby="song-heading">
      <header>
        <h2 id="song-heading">Song</h2>
        <label className="check">
          <input
            type="checkbox"
            checked={songMode}
            disabled={readOnly || (entries.length === 0 && !songMode)}
            onChange={(e) => setSongMode(e.currentTarget.checked)}
          />
          Song mode
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={song.loop}
            disabled={readOnly}
            onChange={(e) => edits.apply({ type: 'set_song_loop', loop: e.currentTarget.checked })}
          />
          Loop song
        </label>
        <SongLength />
      </header>
      {entries.length === 0 ? (
        <p className="song-empty">The song is empty: add the pattern in view to start a chain.</p>
      ) : (
        <ol className="song-entries" aria-label="Song">
          {entries.map((entry, i) => (
            <SongEntryRow
              key={entry.id}
              entry={entry}
              index={i}
              count={entries.length}
              nextId={entries[i + 2]?.id ?? null}
              previousId={entries[i - 1]?.id ?? null}
              isStart={i === startIndex}
              playing={i === playingEntry}
              readOnly={readOnly}
              onStart={() => startHere(entry)}
            />
          ))}
        </ol>
      )}
      {!readOnly && (
        <button
          type="button"
          className="add-to-song"
          onClick={add}
          disabled={full}
          title={full ? `At most ${LIMITS.maxSongEntries} entries` : `Add pattern ${viewed} once`}
        >
          Add to song
        </button>
      )}
    </section>
  );
}

/** The song's length in bars (each entry: its pattern's longest row, times its repeats). */
function SongLength() {
  const bars = useSession((s) => {
    const session = s.session;
    if (!session) return 0;
    let steps = 0;
    for (const e of session.song.entries) steps += e.repeats * patternSteps(session, e.pattern);
    return steps / BAR_STEPS;
  });
  if (bars === 0) return null;
  const shown = Number.isInteger(bars) ? bars : bars.toFixed(1);
  return (
    <span className="song-length">
      {shown} {bars === 1 ? 'bar' : 'bars'}
    </span>
  );
}

interface EntryProps {
  entry: SongEntry;
  index: number;
  count: number;
  previousId: string | null;
  /** The id of the entry after the next one: moving down puts this one before it. */
  nextId: string | null;
  isStart: boolean;
  playing: boolean;
  readOnly: boolean;
  onStart: () => void;
}

function SongEntryRow({ entry, index, count, previousId, nextId, isStart, playing, readOnly, onStart }: EntryProps) {
  const { edits } = useSessionContext();
  const patterns = useSession((s) => s.session?.patterns);
  const ids = patterns ? patternsInUse({ patterns }) : [entry.pattern];
  const n = index + 1;
  const set = (change: Partial<SongEntry>, group?: string) =>
    edits.apply({ type: 'set_song_entry', entry: { ...entry, ...change } }, { group });
  const move = (beforeEntryId: string | null) => edits.apply({ type: 'move_song_entry', entryId: entry.id, beforeEntryId });

  return (
    <li className={`song-entry${playing ? ' playing' : ''}${isStart ? ' start' : ''}`} aria-current={playing ? 'true' : undefined}>
      <span className="entry-number" aria-hidden="true">
        {n}
      </span>
      <select
        aria-label={`Entry ${n} pattern`}
        value={entry.pattern}
        disabled={readOnly}
        onChange={(e) => set({ pattern: e.currentTarget.value as PatternId })}
      >
        {ids.map((id) => (
          <option key={id} value={id}>
            {patterns?.[id]?.name ? `${id}: ${patterns[id]!.name}` : id}
          </option>
        ))}
      </select>
      <span className="times" aria-hidden="true">
        ×
      </span>
      <RepeatsInput n={n} repeats={entry.repeats} readOnly={readOnly} onCommit={(repeats) => set({ repeats }, `repeats:${entry.id}`)} />
      {!readOnly && (
        <span className="entry-actions">
          <button type="button" aria-pressed={isStart} aria-label={`Start here (entry ${n})`} onClick={onStart}>
            Start here
          </button>
          <button type="button" aria-label={`Move entry ${n} up`} disabled={index === 0} onClick={() => move(previousId)}>
            ↑
          </button>
          <button type="button" aria-label={`Move entry ${n} down`} disabled={index === count - 1} onClick={() => move(nextId)}>
            ↓
          </button>
          <button
            type="button"
            className="danger"
            aria-label={`Remove entry ${n}`}
            onClick={() => edits.apply({ type: 'delete_song_entry', entryId: entry.id })}
          >
            ✕
          </button>
        </span>
      )}
    </li>
  );
}

/**
 * Repeats, 1–16: a value in range is sent as typed (one undo step for the typing); an
 * empty or out-of-range one is marked invalid and put back on blur, never sent.
 */
function RepeatsInput({
  n,
  repeats,
  readOnly,
  onCommit,
}: {
  n: number;
  repeats: number;
  readOnly: boolean;
  onCommit: (repeats: number) => void;
}) {
  const [draft, setDraft] = useState(String(repeats));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setDraft(String(repeats));
  }, [repeats, focused]);
  const valid = (text: string) => /^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= LIMITS.maxRepeats;
  return (
    <input
      type="number"
      className="repeats"
      aria-label={`Entry ${n} repeats`}
      aria-invalid={!valid(draft)}
      min={1}
      max={LIMITS.maxRepeats}
      step={1}
      value={draft}
      disabled={readOnly}
      onFocus={() => setFocused(true)}
      onBlur={() => {
        setFocused(false);
        setDraft(String(repeats));
      }}
      onChange={(e) => {
        const text = e.currentTarget.value;
        setDraft(text);
        if (valid(text) && Number(text) !== repeats) onCommit(Number(text));
      }}
    />
  );
}
