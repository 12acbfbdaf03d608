/**
 * The launcher's status (playStatus) kept current: re-computed on animation frames only
 * while it changes with time (something queued, the song playing, and someone
 * listening), and re-rendering only when its text changes — a beat or an entry at a
 * time, not sixty times a second.
 */
import { useEffect, useState } from 'react';
import { type Session, stepsSinceAnchor } from '../../../core';
import { anyonePlaying } from '../../store/patternView';
import { useSession, useSessionContext } from '../SessionContext';
import { type PlayStatus, playStatus } from './playStatus';

const same = (a: PlayStatus, b: PlayStatus) =>
  a.now === b.now &&
  a.next === b.next &&
  a.entry === b.entry &&
  a.pattern === b.pattern &&
  a.sounding === b.sounding &&
  a.queued === b.queued &&
  a.live === b.live;

export function usePlayStatus(): PlayStatus | null {
  const { store, sync } = useSessionContext();
  const session = useSession((s) => s.session);
  const listening = useSession(anyonePlaying);
  const [status, setStatus] = useState<PlayStatus | null>(null);

  useEffect(() => {
    if (!session) return;
    let frame = 0;
    // What it says changes on step boundaries only (beats and bars are whole steps): a frame
    // within the step of the last one costs a clock read.
    let last: { session: Session; step: number; live: boolean } | null = null;
    const tick = () => {
      const s = store.getState().session;
      if (!s) return;
      const position = listening ? stepsSinceAnchor(s.timeline.anchorMs, s.tempo, sync.serverNow()) : null;
      const step = position === null ? Number.NaN : Math.floor(position);
      if (!last || last.session !== s || !Object.is(last.step, step)) {
        const next = playStatus(s, position);
        last = { session: s, step, live: next.live };
        setStatus((prev) => (prev && same(prev, next) ? prev : next));
      }
      if (last.live) frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [session, listening, store, sync]);

  return status;
}
