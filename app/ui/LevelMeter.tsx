/**
 * A level meter's element: drawn and updated by runLevelMeters (levelMeters.ts), which
 * writes its level into `--level` and its aria-valuenow; React renders it once.
 */
import { memo } from 'react';
import { METER_FLOOR_DB, METER_TOP_DB } from './levelMeters';

export const LevelMeter = memo(function LevelMeter({ source, label }: { source: string; label: string }) {
  return (
    <div
      className="level-meter"
      role="meter"
      aria-label={label}
      aria-valuemin={METER_FLOOR_DB}
      aria-valuemax={METER_TOP_DB}
      aria-valuenow={METER_FLOOR_DB}
      aria-valuetext="silent"
      data-level-meter={source}
    >
      <span className="level-meter-fill" />
    </div>
  );
});
