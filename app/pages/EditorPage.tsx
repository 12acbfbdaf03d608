import { startTransition, useDeferredValue, useEffect, useState } from 'react';
import { LIMITS } from '../../core';
import { remixSession } from '../api';
import { navigate } from '../navigate';
import { AudioEngine } from '../audio/AudioEngine';
import { EditController } from '../store/EditController';
import { followViewedPattern } from '../store/patternView';
import { rememberSession } from '../store/recentSessions';
import { createSessionStore } from '../store/sessionStore';
import { EditorShell, FirstHint } from './EditorShell';
import { loadIdentity } from '../sync/identity';
import { SyncClient } from '../sync/SyncClient';
import { AddTrack } from '../ui/AddTrack';
import { consumeAutoplay } from '../ui/autoplay';
import { ConnectionStatus } from '../ui/ConnectionStatus';
import { FollowButton, Grid } from '../ui/Grid';
import { Notices } from '../ui/Notices';
import { PatternBar } from '../ui/patterns/PatternBar';
import { SongEditor } from '../ui/patterns/SongEditor';
import { Presence } from '../ui/Presence';
import { SessionActions } from '../ui/SessionActions';
import { SessionContext, useSession, useSessionContext, type SessionContextValue } from '../ui/SessionContext';
import { ShortcutsButton } from '../ui/Shortcuts';
import { StepDetail } from '../ui/StepDetail';
import { runLevelMeters } from '../ui/levelMeters';
import { SelectModeButton, StepExpression } from '../ui/StepExpression';
import { Transport } from '../ui/Transport';
import { useFollowTogether } from '../ui/useFollowTogether';

/** Create the store, sync client and audio engine once per session id (never per render). */
function useSessionRuntime(sessionId: string, listenOnly: boolean, listenLink: boolean): SessionContextValue | null {
  const [runtime, setRuntime] = useState<SessionContextValue | null>(null);
  useEffect(() => {
    const store = createSessionStore();
    const sync = new SyncClient({ sessionId, store, identity: loadIdentity(), listenOnly, listenLink });
    const engine = new AudioEngine(store, () => sync.serverNow());
    const edits = new EditController(sync, store);
    // Which pattern this editor views: settled on the one playing once synced, kept in use.
    const unfollow = followViewedPattern(store, () => sync.serverNow());
    engine.attach();
    sync.start();
    const value = { store, sync, engine, edits };
    // The editor's first drawing (header, transport) in slices, as a transition: at once,
    // it was one long task of the page's load on a phone (issue 17). The shell stays meanwhile.
    startTransition(() => setRuntime(value));
    // A handle for end-to-end tests and debugging in the console.
    (window as unknown as { __keyboardia?: SessionContextValue }).__keyboardia = value;
    return () => {
      unfollow();
      engine.detach();
      sync.stop();
    };
  }, [sessionId, listenOnly, listenLink]);
  return runtime;
}

/**
 * The editor; with `listenLink`, the page of a listen link (/listen/<listenId>, issue 17):
 * `sessionId` is then the listen id, and the page plays the session live, read-only.
 */
export function EditorPage({ sessionId, listenLink = false }: { sessionId: string; listenLink?: boolean }) {
  const [listenOnly, setListenOnly] = useState(listenLink);
  const runtime = useSessionRuntime(sessionId, listenOnly, listenLink);
  if (!runtime) return <EditorShell listenLink={listenLink} />;
  return (
    <SessionContext.Provider value={runtime}>
      <Editor sessionId={sessionId} listenOnly={listenOnly} listenLink={listenLink} onListen={() => setListenOnly(true)} />
    </SessionContext.Provider>
  );
}

function Editor({
  sessionId,
  listenOnly,
  listenLink,
  onListen,
}: {
  sessionId: string;
  listenOnly: boolean;
  listenLink: boolean;
  onListen: () => void;
}) {
  const { engine, store } = useSessionContext();
  const problem = useSession((s) => s.problem);

  useFollowTogether();
  // The track and master level meters, while this listener plays (outside React's renders).
  useEffect(() => runLevelMeters(document.body, engine, store), [engine, store]);

  if (problem === 'not_found') {
    return (
      <main className="page-message">
        <h1>Session not found</h1>
        <p>
          This {listenLink ? 'listen link' : 'link'} does not lead to a session. <a href="/">Start a new beat</a>
        </p>
      </main>
    );
  }
  if (problem === 'outdated') {
    return (
      <main className="page-message" role="alert">
        <h1>A new version of Keyboardia is available</h1>
        <p>This page is older than the session now needs. Reload to go on: your unsynced edits are kept and sent after the reload.</p>
        <p>
          <button type="button" className="primary" onClick={() => location.reload()}>
            Reload
          </button>
        </p>
      </main>
    );
  }
  if (problem === 'unreadable') {
    return (
      <main className="page-message" role="alert">
        <h1>This session cannot be opened</h1>
        <p>
          Its saved state could not be read by this version of Keyboardia. Nothing was changed; we have been told.{' '}
          <a href="/">Start a new beat</a>
        </p>
      </main>
    );
  }
  if (problem === 'session_full' && !listenOnly) return <SessionFull sessionId={sessionId} onListen={onListen} />;
  return (
    <div className={`editor${listenOnly ? ' listen-only' : ''}`}>
      <header className="editor-header">
        <a className="logo small" href="/">
          Keyboardia
        </a>
        <SessionTitle sessionId={sessionId} readOnly={listenOnly} remember={!listenLink} />
        {listenOnly && <span className="listening-badge">Listening</span>}
        <ConnectionStatus />
        {/* On a phone, one row that scrolls sideways; wider, its parts sit in the header's row (styles.css). */}
        <div className="header-tools">
          <Presence />
          {!listenOnly && <SessionActions sessionId={sessionId} />}
          <ShortcutsButton />
        </div>
      </header>
      {/* One main landmark for all of the session's content, the transport included. */}
      <main>
        {listenOnly && (
          <p className="banner">
            {listenLink
              ? 'You are listening live: you hear and see every change as it is made, and cannot edit.'
              : 'You are listening: this session is full, so your changes are not sent.'}
          </p>
        )}
        <UpdateBanner />
        {!listenOnly && <SessionFirstHint />}
        <Transport />
        <Workspace listenOnly={listenOnly} />
      </main>
      <Notices />
    </div>
  );
}

/**
 * The session's patterns, grid and panels. The first drawing of the whole session
 * (hundreds of components) is rendered in the background, in slices that leave the main
 * thread free (a phone's tap, the audio scheduler): until it is ready, "Loading session…"
 * stays. Only this part waits for the session: the header and transport above do not
 * re-render when it comes (issue 17).
 */
function Workspace({ listenOnly }: { listenOnly: boolean }) {
  const { engine, sync } = useSessionContext();
  const loaded = useDeferredValue(useSession((s) => s.session !== null));
  useEffect(() => {
    if (loaded && consumeAutoplay()) void engine.play().then(() => sync.setPresence({ playing: true }));
  }, [loaded, engine, sync]);
  if (!loaded) return <p className="loading">Loading session…</p>;
  return (
    <>
      {/* Viewing another pattern is local: listeners may too; editing it is not offered to them. */}
      <PatternBar readOnly={listenOnly} />
      <div className="workspace" inert={listenOnly ? true : undefined}>
        {!listenOnly && (
          <div className="grid-tools">
            <SelectModeButton />
            <FollowButton />
          </div>
        )}
        <Grid />
        {!listenOnly && <StepExpression />}
        {!listenOnly && <AddTrack />}
        <StepDetail />
        <SongEditor readOnly={listenOnly} />
      </div>
    </>
  );
}

/** The first-time hint (EditorShell), gone at this visitor's first edit. */
function SessionFirstHint() {
  return <FirstHint edited={useSession((s) => s.undoDepth > 0)} />;
}

/** The room runs a newer Keyboardia that still serves this page: offer the reload, never force it. */
function UpdateBanner() {
  const available = useSession((s) => s.updateAvailable);
  if (!available) return null;
  return (
    <p className="banner" role="status">
      A new version of Keyboardia is available.{' '}
      <button type="button" className="link" onClick={() => location.reload()}>
        Reload
      </button>{' '}
      to get it (your edits are kept).
    </p>
  );
}

/** The session already has its maximum of editors: listen read-only, or remix a copy. */
function SessionFull({ sessionId, onListen }: { sessionId: string; onListen: () => void }) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <main className="page-message" role="alert">
      <h1>This session is full</h1>
      <p>{LIMITS.maxEditorsPerSession} people are already editing it. You can listen along, or make your own copy to edit.</p>
      <p className="row">
        <button type="button" onClick={onListen}>
          Listen read-only
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setFailure(null);
            try {
              navigate((await remixSession(sessionId)).url);
            } catch (error) {
              setFailure(error instanceof Error ? error.message : String(error));
              setBusy(false);
            }
          }}
        >
          Remix into my own copy
        </button>
      </p>
      {failure && <p className="notice notice-error">The copy could not be made: {failure}. Try again in a moment.</p>}
    </main>
  );
}

/** The session name: synced, editable, shown in the tab title; plus where it was remixed from. */
function SessionTitle({ sessionId, readOnly, remember }: { sessionId: string; readOnly: boolean; remember: boolean }) {
  const { edits } = useSessionContext();
  const name = useSession((s) => s.session?.name ?? '');
  const lineage = useSession((s) => s.session?.lineage.remixedFrom ?? null);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    document.title = name ? `${name} · Keyboardia` : 'Keyboardia';
    // A listen link is not one of your sessions (its id is not a session's).
    if (name && remember) rememberSession(sessionId, name);
  }, [name, sessionId, remember]);

  return (
    <div className="session-title">
      {editing ? (
        <input
          aria-label="Session name"
          defaultValue={name}
          maxLength={LIMITS.maxSessionName}
          autoFocus
          onBlur={(e) => {
            const next = e.currentTarget.value.trim();
            if (next && next !== name) edits.apply({ type: 'set_session_name', name: next });
            setEditing(false);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') e.currentTarget.blur();
            if (e.key === 'Escape') setEditing(false);
          }}
        />
      ) : (
        <h1 className="session-name">
          {readOnly ? (
            name
          ) : (
            <button type="button" onClick={() => setEditing(true)} aria-label={`Session name: ${name} (rename)`}>
              {name}
            </button>
          )}
        </h1>
      )}
      {lineage && (
        <p className="lineage">
          remixed from <a href={lineage.kind === 'beat' ? `/b/${lineage.id}` : `/s/${lineage.id}`}>{lineage.name}</a>
        </p>
      )}
    </div>
  );
}
