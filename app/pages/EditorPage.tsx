import { useEffect, useState } from 'react';
import { AudioEngine } from '../audio/AudioEngine';
import { EditController } from '../store/EditController';
import { createSessionStore } from '../store/sessionStore';
import { loadIdentity } from '../sync/identity';
import { SyncClient } from '../sync/SyncClient';
import { consumeAutoplay } from '../ui/autoplay';
import { ConnectionStatus } from '../ui/ConnectionStatus';
import { AddTrack } from '../ui/AddTrack';
import { Grid } from '../ui/Grid';
import { Notices } from '../ui/Notices';
import { Presence } from '../ui/Presence';
import { ShortcutsButton } from '../ui/Shortcuts';
import { StepDetail } from '../ui/StepDetail';
import { useFollowTogether } from '../ui/useFollowTogether';
import { SessionContext, useSession, useSessionContext, type SessionContextValue } from '../ui/SessionContext';
import { Transport } from '../ui/Transport';

/** Create the store, sync client and audio engine once per session id (never per render). */
function useSessionRuntime(sessionId: string): SessionContextValue | null {
  const [runtime, setRuntime] = useState<SessionContextValue | null>(null);
  useEffect(() => {
    const store = createSessionStore();
    const sync = new SyncClient({ sessionId, store, identity: loadIdentity() });
    const engine = new AudioEngine(store, () => sync.serverNow());
    engine.attach();
    sync.start();
    const edits = new EditController(sync, store);
    const value = { store, sync, engine, edits };
    setRuntime(value);
    // A handle for end-to-end tests and debugging in the console.
    (window as unknown as { __keyboardia?: SessionContextValue }).__keyboardia = value;
    return () => {
      engine.detach();
      sync.stop();
    };
  }, [sessionId]);
  return runtime;
}

export function EditorPage({ sessionId }: { sessionId: string }) {
  const runtime = useSessionRuntime(sessionId);
  if (!runtime) return null;
  return (
    <SessionContext.Provider value={runtime}>
      <Editor />
    </SessionContext.Provider>
  );
}

function Editor() {
  const { engine, sync } = useSessionContext();
  const loaded = useSession((s) => s.session !== null);
  const problem = useSession((s) => s.problem);

  useEffect(() => {
    if (loaded && consumeAutoplay()) void engine.play().then(() => sync.setPresence({ playing: true }));
  }, [loaded, engine, sync]);
  useFollowTogether();

  if (problem === 'not_found') {
    return (
      <main className="page-message">
        <h1>Session not found</h1>
        <p>
          This link does not lead to a session. <a href="/">Start a new beat</a>
        </p>
      </main>
    );
  }
  return (
    <div className="editor">
      <header className="editor-header">
        <a className="logo small" href="/">
          Keyboardia
        </a>
        <SessionName />
        <Presence />
        <ConnectionStatus />
        <ShortcutsButton />
      </header>
      <Transport />
      {loaded ? (
        <main className="workspace">
          <Grid />
          <AddTrack />
          <StepDetail />
        </main>
      ) : (
        <p className="loading">Loading session…</p>
      )}
      <Notices />
    </div>
  );
}

function SessionName() {
  const name = useSession((s) => s.session?.name ?? '');
  useEffect(() => {
    document.title = name ? `${name} · Keyboardia` : 'Keyboardia';
  }, [name]);
  return <h1 className="session-name">{name}</h1>;
}
