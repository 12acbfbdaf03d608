import { useState } from 'react';
import { instrumentInfo, isEmptyRow, LIMITS, makeTrack } from '../../core';
import { viewedPatternOf } from '../store/patternView';
import { newTrackId, uniqueTrackName } from '../store/trackIds';
import { InstrumentPicker } from './InstrumentPicker';
import { useSession, useSessionContext } from './SessionContext';

/** "Add track": pick an instrument (hover or focus previews it); the new track starts empty. */
export function AddTrack() {
  const { edits, store } = useSessionContext();
  const count = useSession((s) => s.session?.tracks.length ?? 0);
  const [open, setOpen] = useState(false);
  const full = count >= LIMITS.maxTracks;
  return (
    <div className="add-track">
      <button
        type="button"
        style={{ ['anchorName' as string]: '--add-track' }}
        onClick={() => setOpen(true)}
        disabled={full}
        title={full ? `At most ${LIMITS.maxTracks} tracks` : undefined}
      >
        + Add track
      </button>
      {open && (
        <InstrumentPicker
          label="Choose an instrument for the new track"
          anchor="--add-track"
          onClose={() => setOpen(false)}
          onChoose={(instrument) => {
            const session = store.getState().session;
            if (session) {
              const name = uniqueTrackName(session, instrumentInfo(instrument)?.name ?? 'Track');
              const { track, row } = makeTrack({ id: newTrackId(), name, instrument });
              // Empty in every pattern; a starting row (none today) would go to the pattern in view.
              const rows = isEmptyRow(row) ? {} : { [viewedPatternOf(store.getState())]: row };
              edits.apply({ type: 'add_track', track, rows, beforeTrackId: null });
            }
            setOpen(false);
          }}
        />
      )}
    </div>
  );
}
