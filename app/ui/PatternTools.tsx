/**
 * The dialogs of the pattern tools that take a setting (issue 14): Euclidean fill (hits and
 * rotation over the track's length) and random fill (a density, drawn from the session's
 * seed). Each applies ONE set_row (core/patternTools.ts computes it): one undo step, the
 * same row for everyone.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { euclid, euclidRow, type PatternId, randomFillRow, type Row, rowOf, type Track } from '../../core';
import { useSessionContext } from './SessionContext';

export type RowTool = 'euclid' | 'random';

export function RowToolDialog({ tool, track, pattern, onClose }: { tool: RowTool; track: Track; pattern: PatternId; onClose: () => void }) {
  const { edits, store } = useSessionContext();
  const ref = useRef<HTMLDialogElement>(null);
  const session = store.getState().session;
  const row = session ? rowOf(session, pattern, track.id) : null;
  const length = row?.length ?? 16;
  const [hits, setHits] = useState(Math.min(4, length));
  const [rotation, setRotation] = useState(0);
  const [density, setDensity] = useState(50);
  const id = useId();
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const valid = Number.isInteger(hits) && hits >= 0 && hits <= length && Number.isInteger(rotation);
  const preview = tool === 'euclid' && valid ? euclid(hits, length, rotation) : null;
  const apply = () => {
    const now = store.getState().session;
    if (!now) return;
    const current: Row = rowOf(now, pattern, track.id);
    const next =
      tool === 'euclid' ? euclidRow(current, hits, rotation) : randomFillRow(current, density / 100, now.seed, pattern, track.id);
    edits.apply({ type: 'set_row', trackId: track.id, pattern, row: next });
    onClose();
  };
  const title = tool === 'euclid' ? `Euclidean fill for ${track.name}` : `Random fill for ${track.name}`;
  return (
    <dialog ref={ref} className="row-tool" aria-labelledby={`${id}-title`} onClose={onClose}>
      <h2 id={`${id}-title`}>{title}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (tool === 'random' || valid) apply();
        }}
      >
        {tool === 'euclid' ? (
          <>
            <label>
              Hits (of {length} steps)
              <input type="number" min={0} max={length} value={hits} onChange={(e) => setHits(Number(e.currentTarget.value))} />
            </label>
            <label>
              Rotation
              <input
                type="number"
                min={-length}
                max={length}
                value={rotation}
                onChange={(e) => setRotation(Number(e.currentTarget.value))}
              />
            </label>
            <p className="row-preview" aria-live="polite">
              {preview ? preview.map((on) => (on ? 'x' : '·')).join('') : `Hits must be a whole number from 0 to ${length}`}
            </p>
          </>
        ) : (
          <label className="slider">
            Density
            <input type="range" min={0} max={100} value={density} onChange={(e) => setDensity(Number(e.currentTarget.value))} />
            <output>{density}%</output>
          </label>
        )}
        <p className="hint">
          Replaces the lit steps of {track.name} in pattern {pattern}; velocities, pitches and expression stay. Undo brings the row back.
        </p>
        <div className="dialog-actions">
          <button type="submit" disabled={tool === 'euclid' && !valid}>
            Apply
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
