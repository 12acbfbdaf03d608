/**
 * The editor's session menu: share the editable link, publish an immutable beat,
 * remix into a new session, export.
 */
import { useState } from 'react';
import { publishSession, remixSession, type Published } from '../api';
import { navigate } from '../navigate';
import { audibleTracks, pushNotice, whenAcknowledged } from '../store/sessionStore';
import { ExportMenu } from './ExportMenu';
import { useSession, useSessionContext } from './SessionContext';
import { embedSnippet } from '../../core';
import { ShareDialog } from './ShareDialog';

/** How long Publish and Remix wait for the room to acknowledge edits still on their way. */
const ACK_WAIT_MS = 5000;

export function SessionActions({ sessionId }: { sessionId: string }) {
  const { store } = useSessionContext();
  const name = useSession((s) => s.session?.name ?? '');
  const [sharing, setSharing] = useState(false);
  const [published, setPublished] = useState<Published | null>(null);
  const [busy, setBusy] = useState(false);

  /** Publish and remix copy the room's state: first let the room have every edit made here. */
  const acknowledged = async (what: string) => {
    if (await whenAcknowledged(store, ACK_WAIT_MS)) return true;
    pushNotice(store, 'error', `Could not ${what} yet: your last edits have not reached the server. Try again once they are saved.`);
    return false;
  };

  const publish = async () => {
    setBusy(true);
    try {
      if (!(await acknowledged('publish'))) return;
      setPublished(await publishSession(sessionId));
    } catch (e) {
      pushNotice(store, 'error', `Could not publish: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  const remix = async () => {
    setBusy(true);
    try {
      if (!(await acknowledged('remix'))) {
        setBusy(false);
        return;
      }
      const { url } = await remixSession(sessionId);
      navigate(url);
    } catch (e) {
      pushNotice(store, 'error', `Could not remix: ${(e as Error).message}`);
      setBusy(false);
    }
  };

  return (
    <div className="session-actions" role="group" aria-label="Session">
      <button type="button" onClick={() => setSharing(true)}>
        Share
      </button>
      <button type="button" onClick={publish} disabled={busy}>
        Publish
      </button>
      <button type="button" onClick={remix} disabled={busy}>
        Remix
      </button>
      <ExportMenu getSession={() => store.getState().session} getAudible={() => audibleTracks(store.getState())} />
      {sharing && (
        <ShareDialog
          title="Share this session"
          link={`${location.origin}/s/${sessionId}`}
          note="Anyone with this link can edit the session with you."
          listenFor={sessionId}
          onClose={() => setSharing(false)}
        />
      )}
      {published && (
        <ShareDialog
          title="Published"
          link={`${location.origin}${published.url}`}
          note="This beat is an immutable copy: listeners can play and remix it, never change it."
          embed={embedSnippet(location.origin, published.beatId, name)}
          onClose={() => setPublished(null)}
        />
      )}
    </div>
  );
}
