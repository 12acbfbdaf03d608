import { useEffect } from 'react';
import { pushNotice } from '../store/sessionStore';
import { useSessionContext } from './SessionContext';

/**
 * "Play together": when the switch is on, Play and Stop apply to everyone. A browser
 * that has not had a user gesture yet cannot start audio; it asks for one click.
 */
export function useFollowTogether(): void {
  const { store, engine, sync } = useSessionContext();
  useEffect(
    () =>
      store.subscribe((state, prev) => {
        const now = state.session?.timeline;
        const before = prev.session?.timeline;
        if (!now?.together || (before && before.playing === now.playing && before.together === now.together)) return;
        if (now.playing && !state.playing) {
          // Join when audio runs (at once, or when a context the browser lets start does),
          // if the session still plays together by then.
          const join = () => {
            const latest = store.getState();
            const timeline = latest.session?.timeline;
            if (!timeline?.together || !timeline.playing || latest.playing) return;
            void engine.play().then(() => sync.setPresence({ playing: true }));
          };
          if (!engine.whenAudioRuns(join)) pushNotice(store, 'info', 'The session is playing together: press Play to join.');
        } else if (!now.playing && state.playing) {
          engine.stop();
          sync.setPresence({ playing: false });
        }
      }),
    [store, engine, sync],
  );
}
