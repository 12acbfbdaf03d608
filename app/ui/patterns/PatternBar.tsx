/**
 * The patterns: one button per pattern in use ("Pattern A", "Pattern B: Verse") to view
 * and edit it (local, like mute: presence tells the others), one to add a pattern; for the
 * pattern in view, Launch (for everyone, at the next bar, the end of the pattern playing,
 * or now) and a menu to rename, duplicate, clear and delete it; and what plays now and
 * what is queued, counting down, as everyone sees it.
 *
 * Accessibility contract (issue 12, e2e relies on it): the group labelled "Patterns"
 * holds only the pattern buttons and "Add pattern"; the viewed one has aria-pressed="true";
 * "Launch pattern <letter>" is a button outside that group.
 */
import { useId, useState } from 'react';
import { LIMITS, type LaunchWhen, type Pattern, type PatternId, patternsInUse, freePatternId, emptyPattern } from '../../../core';
import { patternLabel, viewedPatternOf } from '../../store/patternView';
import { useSession, useSessionContext } from '../SessionContext';
import { usePlayStatus } from './usePlayStatus';

const WHEN: { value: LaunchWhen; label: string }[] = [
  { value: 'bar', label: 'at the next bar' },
  { value: 'end', label: 'at the end of the pattern' },
  { value: 'now', label: 'now' },
];

export function PatternBar({ readOnly = false }: { readOnly?: boolean }) {
  const { store } = useSessionContext();
  const patterns = useSession((s) => s.session?.patterns);
  const viewed = useSession(viewedPatternOf);
  const status = usePlayStatus();
  const ids = patterns ? patternsInUse({ patterns }) : [];
  const statusId = useId();
  const view = (pattern: PatternId) => store.setState({ viewedPattern: pattern });

  return (
    <div className="pattern-bar">
      <div className="pattern-buttons" role="group" aria-label="Patterns">
        {ids.map((id) => {
          const name = patterns?.[id]?.name ?? '';
          const playing = status?.sounding === true && status.pattern === id;
          const queued = status?.queued === id;
          return (
            <button
              key={id}
              type="button"
              className={`pattern-button${playing ? ' playing' : ''}${queued ? ' queued' : ''}`}
              aria-pressed={id === viewed}
              aria-describedby={playing || queued ? statusId : undefined}
              title={name ? `${id}: ${name}` : undefined}
              onClick={() => view(id)}
            >
              {/* The name is the hidden text ("Pattern B: Chorus"); what shows is its letter and name. */}
              <span className="visually-hidden">{patternLabel({ patterns: patterns! }, id)}</span>
              <span className="letter" aria-hidden="true">
                {id}
              </span>
              {name && (
                <span className="name" aria-hidden="true">
                  {name}
                </span>
              )}
              {(playing || queued) && (
                <span className="mark" aria-hidden="true">
                  {playing ? '▶' : '…'}
                </span>
              )}
            </button>
          );
        })}
        {!readOnly && <AddPattern />}
      </div>
      {!readOnly && <PatternActions pattern={viewed} />}
      <p className="launch-status" id={statusId}>
        {status && <span className="now">{status.now}</span>}
        {status?.next && (
          <>
            <span className="visually-hidden">. </span>
            <span className="next">{status.next}</span>
          </>
        )}
      </p>
    </div>
  );
}

/** "Add pattern": the first free letter, empty, and in view at once. */
function AddPattern() {
  const { edits, store } = useSessionContext();
  const free = useSession((s) => (s.session ? freePatternId(s.session) : null));
  return (
    <button
      type="button"
      className="add-pattern"
      aria-label="Add pattern"
      disabled={!free}
      title={free ? `Add pattern ${free}` : `At most ${LIMITS.maxPatterns} patterns`}
      onClick={() => {
        if (free && edits.apply({ type: 'add_pattern', pattern: free, value: emptyPattern() })) store.setState({ viewedPattern: free });
      }}
    >
      +
    </button>
  );
}

/** Launch, rename, duplicate, clear and delete the pattern in view. */
function PatternActions({ pattern }: { pattern: PatternId }) {
  const { edits, store } = useSessionContext();
  const name = useSession((s) => s.session?.patterns[pattern]?.name ?? '');
  const free = useSession((s) => (s.session ? freePatternId(s.session) : null));
  const [when, setWhen] = useState<LaunchWhen>('bar');
  const [renaming, setRenaming] = useState(false);
  const [menu, setMenu] = useState(false);
  const menuId = `pattern-menu-${useId().replace(/:/g, '')}`;

  const current = (): Pattern | undefined => store.getState().session?.patterns[pattern];
  const launch = () => edits.apply({ type: 'launch_pattern', pattern, when });
  const duplicate = () => {
    const value = current();
    if (!free || !value) return;
    const copy = structuredClone(value);
    copy.name = value.name ? [...`${value.name} copy`].slice(0, LIMITS.maxPatternName).join('') : '';
    if (edits.apply({ type: 'add_pattern', pattern: free, value: copy })) store.setState({ viewedPattern: free });
  };
  // A clear pattern keeps its name: it is the same slot, emptied.
  const clear = () => edits.apply({ type: 'put_pattern', pattern, value: { ...emptyPattern(), name: current()?.name ?? '' } });
  // Refused while it plays, is queued or is in the song (the notice says which): nothing changes.
  const remove = () => edits.apply({ type: 'delete_pattern', pattern });

  return (
    <div className="pattern-actions">
      <button type="button" className="launch" onClick={launch}>
        {/* On a phone only "Launch" shows (the bar then fits one row); the name stays whole. */}
        Launch<span className="launch-target"> pattern {pattern}</span>
      </button>
      <select className="launch-when" aria-label="Launch when" value={when} onChange={(e) => setWhen(e.currentTarget.value as LaunchWhen)}>
        {WHEN.map((w) => (
          <option key={w.value} value={w.value}>
            {w.label}
          </option>
        ))}
      </select>
      {renaming ? (
        <input
          className="pattern-rename"
          aria-label={`Pattern ${pattern} name`}
          defaultValue={name}
          maxLength={LIMITS.maxPatternName}
          placeholder="Name"
          autoFocus
          onBlur={(e) => {
            const next = e.currentTarget.value.trim();
            if (next !== name) edits.apply({ type: 'set_pattern_name', pattern, name: next });
            setRenaming(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
            if (e.key === 'Escape') setRenaming(false);
          }}
        />
      ) : null}
      <div className="track-menu">
        <button
          type="button"
          aria-label={`More for pattern ${pattern}`}
          aria-expanded={menu}
          popoverTarget={menuId}
          style={{ ['anchorName' as string]: `--${menuId}` }}
        >
          ⋯
        </button>
        {/* biome-ignore lint/a11y/useKeyWithClickEvents: a menu item's click (mouse, Enter or Space) bubbles here to close the menu */}
        <div
          className="menu"
          role="menu"
          id={menuId}
          popover="auto"
          style={{ ['positionAnchor' as string]: `--${menuId}` }}
          onToggle={(e) => setMenu((e.nativeEvent as ToggleEvent).newState === 'open')}
          onClick={(e) => (e.currentTarget as HTMLElement).hidePopover()}
        >
          <button type="button" role="menuitem" onClick={() => setRenaming(true)}>
            Rename pattern {pattern}
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={duplicate}
            disabled={!free}
            title={free ? `Into pattern ${free}` : `At most ${LIMITS.maxPatterns} patterns`}
          >
            Duplicate pattern {pattern}
          </button>
          <button type="button" role="menuitem" onClick={clear}>
            Clear pattern {pattern}
          </button>
          <button type="button" role="menuitem" className="danger" onClick={remove}>
            Delete pattern {pattern}
          </button>
        </div>
      </div>
    </div>
  );
}
