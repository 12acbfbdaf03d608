/**
 * The one place that turns Tone's transport into global steps, shared by live
 * playback and the offline render: a callback on every sixteenth, with the exact
 * audio time Tone computed for it (never Tone.now()).
 */
import type * as Tone from 'tone';

export type Transport = ReturnType<typeof Tone.getTransport>;

/**
 * Call `onStep(globalStep, time)` for every sixteenth of `transport`, where the
 * transport's position 0 is `firstGlobalStep`. Returns the event id for `transport.clear`.
 */
export function repeatSteps(transport: Transport, firstGlobalStep: number, onStep: (globalStep: number, time: number) => void): number {
  const ticksPerStep = transport.PPQ / 4;
  return transport.scheduleRepeat(
    (time) => {
      const stepIndex = Math.round(transport.getTicksAtTime(time) / ticksPerStep);
      onStep(firstGlobalStep + stepIndex, time);
    },
    '16n',
    0,
  );
}

/**
 * Set the transport's tempo from the current audio time. (`bpm.value = x` would
 * apply it only after Tone's look-ahead, so a transport started sooner than that
 * would run its first steps at the old tempo.)
 */
export function setTempoNow(transport: Transport, tempo: number): void {
  const now = transport.context.currentTime;
  transport.bpm.cancelScheduledValues(now);
  transport.bpm.setValueAtTime(tempo, now);
}
