import { useEffect } from 'react';
import { pushNotice } from '../store/sessionStore';
import { useSession, useSessionContext } from './SessionContext';

/** Transient messages: refusals, joins and leaves, and sounds others add ("Sam added a sound"). */
export function Notices() {
  const notices = useSession((s) => s.notices);
  useSoundNotices();
  return (
    <div className="notices" aria-live="assertive">
      {notices.map((n) => (
        <p key={n.id} className={`notice notice-${n.kind}`} role={n.kind === 'error' ? 'alert' : undefined}>
          {n.text}
        </p>
      ))}
    </div>
  );
}

/**
 * An add_sound broadcast by someone else (live, not a catch-up after a reconnect) is a
 * notice naming them and the sound: the band sees a new sound arrive in the kit.
 */
function useSoundNotices(): void {
  const { sync, store } = useSessionContext();
  useEffect(
    () =>
      sync.onMessage((message) => {
        if (message.type !== 'change') return;
        const mutation = message.mutation as { type: string; name?: unknown };
        if (mutation.type !== 'add_sound') return;
        const { peers, selfPeerId } = store.getState();
        if (!message.by || message.by === selfPeerId) return;
        const who = peers.find((p) => p.peerId === message.by)?.name ?? 'Someone';
        const what = typeof mutation.name === 'string' ? ` “${mutation.name}”` : '';
        pushNotice(store, 'info', `${who} added a sound${what}`);
      }),
    [sync, store],
  );
}
