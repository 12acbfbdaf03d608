import { memo, useEffect, useRef } from 'react';
import { trackStepAt, type Track } from '../../core';
import { playheadStore } from '../audio/AudioEngine';
import { useSession, useSessionContext } from './SessionContext';

/** The step grid: one row per track. */
export function Grid() {
  const tracks = useSession((s) => s.session?.tracks ?? []);
  return (
    <div className="grid" role="grid" aria-label="Pattern">
      {tracks.map((track) => (
        <TrackRow key={track.id} track={track} />
      ))}
    </div>
  );
}

const TrackRow = memo(function TrackRow({ track }: { track: Track }) {
  const { sync } = useSessionContext();
  const setStep = (step: number, on: boolean) => sync.mutate({ type: 'set_step', trackId: track.id, step, on });
  return (
    <div className="track-row" role="row">
      <div className="track-name" role="rowheader">
        {track.name}
      </div>
      <div className="steps" role="presentation" style={{ ['--steps' as string]: track.length }}>
        {Array.from({ length: track.length }, (_, step) => (
          <button
            key={step}
            role="gridcell"
            className={`step${step % 4 === 0 ? ' beat' : ''}`}
            aria-label={`${track.name} step ${step + 1}`}
            aria-pressed={track.steps[step] ?? false}
            onClick={() => setStep(step, !track.steps[step])}
          />
        ))}
        <Playhead length={track.length} />
      </div>
    </div>
  );
});

/** Moves with the transport by writing a CSS variable: no React re-render. */
function Playhead({ length }: { length: number }) {
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
