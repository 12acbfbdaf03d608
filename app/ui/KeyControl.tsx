/**
 * The session's key, in the transport: "Key: D dorian" (or "No key"), which opens the root
 * and scale selects, "Lock to scale" and "Move notes".
 *
 * Changing the root or the scale moves every melody into the new key (core/music.ts: by
 * scale degree, then the shortest move of the root), as one undo step, unless "Move notes"
 * is off. No key (chromatic) has no tonic: while there is none, picking a root moves
 * nothing, and picking a scale snaps each note to the scale's nearest, untransposed.
 */
import { useId, useRef, useState } from 'react';
import { type Key, NO_KEY, ROOT_NAMES, SCALE_LABELS, SCALE_NAMES } from '../../core';
import { keyChange, keyName } from './keyChange';
import { useSession, useSessionContext } from './SessionContext';

export function KeyControl() {
  const { edits, store } = useSessionContext();
  const key = useSession((s) => s.session?.key ?? NO_KEY);
  const [moveNotes, setMoveNotes] = useState(true);
  const id = useId();
  const details = useRef<HTMLDetailsElement>(null);
  const set = (next: Key) => {
    const session = store.getState().session;
    if (session) edits.apply(keyChange(session, next, moveNotes));
  };
  return (
    <details
      className="key-control"
      ref={details}
      // Escape closes the panel, back to its summary.
      onKeyDown={(e) => {
        if (e.key !== 'Escape' || !details.current?.open) return;
        details.current.open = false;
        details.current.querySelector('summary')?.focus();
      }}
    >
      <summary>
        {key.scale === 'chromatic' ? 'No key' : `Key: ${keyName(key)}`}
        {key.lock && key.scale !== 'chromatic' && <span className="key-lock"> (locked)</span>}
      </summary>
      <div className="key-panel" role="group" aria-label="Key">
        <label>
          Root
          <select value={key.root} onChange={(e) => set({ ...key, root: Number(e.currentTarget.value) })}>
            {ROOT_NAMES.map((name, root) => (
              <option key={name} value={root}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Scale
          <select value={key.scale} onChange={(e) => set({ ...key, scale: e.currentTarget.value as Key['scale'] })}>
            {SCALE_NAMES.map((scale) => (
              <option key={scale} value={scale}>
                {scale === 'chromatic' ? 'No key (chromatic)' : SCALE_LABELS[scale]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={key.lock} onChange={(e) => set({ ...key, lock: e.currentTarget.checked })} />
          Lock to scale
        </label>
        <label>
          <input
            type="checkbox"
            checked={moveNotes}
            onChange={(e) => setMoveNotes(e.currentTarget.checked)}
            aria-describedby={`${id}-move`}
          />
          Move notes
        </label>
        <p className="key-hint" id={`${id}-move`}>
          {moveNotes
            ? 'A new root transposes the melodies; a new scale moves each note to the same degree of the new scale.'
            : 'The notes stay where they are.'}
        </p>
      </div>
    </details>
  );
}
