/**
 * The selected track's detail: its sound (the per-track fields drawn from their
 * declarations: transpose, its own swing), a velocity lane for every instrument and,
 * for melodic ones, a pitch roll with note names (−24…+24 semitones). Setting a
 * pitch on a silent step also turns it on, as a piano roll would.
 */
import { instrumentInfo, LIMITS, noteName, type PatternId, type Row, type Track } from '../../core';
import { DEFAULT_ROW, viewedPatternOf } from '../store/patternView';
import { useSession, useSessionContext } from './SessionContext';
import { TrackFieldControls } from './trackControls';

const PITCH_ROWS = Array.from({ length: LIMITS.maxPitch - LIMITS.minPitch + 1 }, (_, i) => LIMITS.maxPitch - i);

export function StepDetail() {
  const track = useSession((s) => s.session?.tracks.find((t) => t.id === s.selectedTrackId) ?? null);
  const pattern = useSession(viewedPatternOf);
  const row = useSession((s) => (track && s.session?.patterns[pattern]?.rows[track.id]) || DEFAULT_ROW);
  const { store } = useSessionContext();
  if (!track) return null;
  const info = instrumentInfo(track.instrument);
  return (
    <section className="step-detail" aria-label={`${track.name} detail`}>
      <header>
        <h2>
          {track.name} <span className="detail-pattern">in pattern {pattern}</span>
        </h2>
        <button type="button" onClick={() => store.setState({ selectedTrackId: null })} aria-label="Close detail">
          ✕
        </button>
      </header>
      <TrackFieldControls track={track} />
      <VelocityLane track={track} pattern={pattern} row={row} />
      {info?.melodic && <PitchRoll track={track} pattern={pattern} row={row} root={info.root} />}
    </section>
  );
}

interface LaneProps {
  track: Track;
  pattern: PatternId;
  /** The track's row in `pattern`. */
  row: Row;
}

function VelocityLane({ track, pattern, row }: LaneProps) {
  const { edits } = useSessionContext();
  return (
    <div className="velocity-lane" role="group" aria-label={`${track.name} velocity`} style={{ ['--steps' as string]: row.length }}>
      {Array.from({ length: row.length }, (_, step) => (
        <input
          key={step}
          type="range"
          className={row.steps[step] ? 'on' : ''}
          aria-label={`${track.name} step ${step + 1} velocity`}
          min={LIMITS.minVelocity}
          max={LIMITS.maxVelocity}
          value={row.velocities[step] ?? 100}
          onChange={(e) =>
            edits.apply(
              { type: 'set_velocity', trackId: track.id, pattern, step, velocity: Number(e.currentTarget.value) },
              { group: `velocity:${pattern}:${track.id}:${step}` },
            )
          }
        />
      ))}
    </div>
  );
}

function PitchRoll({ track, pattern, row, root }: LaneProps & { root: number }) {
  const { edits } = useSessionContext();
  const setPitch = (step: number, pitch: number) => {
    const mutations = [{ type: 'set_pitch' as const, trackId: track.id, pattern, step, pitch }];
    edits.apply(row.steps[step] ? mutations : [...mutations, { type: 'set_step' as const, trackId: track.id, pattern, step, on: true }]);
  };
  return (
    <div className="pitch-roll" role="grid" aria-label={`${track.name} pitch`} style={{ ['--steps' as string]: row.length }}>
      {PITCH_ROWS.map((pitch) => {
        const note = noteName(root + pitch);
        return (
          <div role="row" key={pitch} className={`pitch-row${note.includes('♯') ? ' sharp' : ''}${pitch === 0 ? ' root' : ''}`}>
            <span role="rowheader" className="note-name">
              {note}
            </span>
            {Array.from({ length: row.length }, (_, step) => {
              const active = row.steps[step] && row.pitches[step] === pitch;
              return (
                // The pressed state belongs to the button: a gridcell may not carry aria-pressed.
                <div role="gridcell" key={step} className="pitch-cell">
                  <button
                    type="button"
                    aria-label={`${track.name} step ${step + 1} ${note}`}
                    aria-pressed={!!active}
                    // One tab stop per step: its current note, or the root when the step is off.
                    tabIndex={active || (!row.steps[step] && pitch === 0) ? 0 : -1}
                    onClick={() => setPitch(step, pitch)}
                  />
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}
