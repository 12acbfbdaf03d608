/** Routes by path: / (landing), /s/<id> (editor), /listen/<id> (a listen link), /b/<id> (published beat). */
import { lazy, Suspense, useEffect, useState } from 'react';
import { isBeatId, isSessionId } from '../core';
import { LandingPage } from './pages/LandingPage';

// The editor and the beat page carry Tone.js and the audio engine: the landing page
// does not wait for them.
const EditorPage = lazy(() => import('./pages/EditorPage').then((m) => ({ default: m.EditorPage })));
const BeatPage = lazy(() => import('./pages/BeatPage').then((m) => ({ default: m.BeatPage })));

function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return path;
}

export function App() {
  const path = usePath();
  const page = path.match(/^\/([sb])\/([^/]+)\/?$/);
  const session = page?.[1] === 's' && isSessionId(page[2]!) ? page[2]! : null;
  const beat = page?.[1] === 'b' && isBeatId(page[2]!) ? page[2]! : null;
  // A listen id has a session id's format (worker/http/listen.ts).
  const listen = path.match(/^\/listen\/([^/]+)\/?$/)?.[1];
  const listenId = listen && isSessionId(listen) ? listen : null;
  const loading = <p className="loading">Loading…</p>;
  if (session) {
    return (
      <Suspense fallback={loading}>
        <EditorPage key={session} sessionId={session} />
      </Suspense>
    );
  }
  if (listenId) {
    return (
      <Suspense fallback={loading}>
        <EditorPage key={listenId} sessionId={listenId} listenLink />
      </Suspense>
    );
  }
  if (beat) {
    return (
      <Suspense fallback={loading}>
        <BeatPage key={beat} beatId={beat} />
      </Suspense>
    );
  }
  if (path === '/' || path === '') return <LandingPage />;
  return (
    <main className="page-message">
      <h1>Nothing here</h1>
      <p>
        <a href="/">Start a new beat</a>
      </p>
    </main>
  );
}
