/** Routes by path: / (landing), /s/<id> (editor), /b/<id> (published beat). */
import { useEffect, useState } from 'react';
import { BeatPage } from './pages/BeatPage';
import { EditorPage } from './pages/EditorPage';
import { LandingPage } from './pages/LandingPage';

export function navigate(url: string): void {
  history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

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
  const session = path.match(/^\/s\/([0-9a-f-]{36})\/?$/);
  if (session) return <EditorPage key={session[1]} sessionId={session[1]!} />;
  const beat = path.match(/^\/b\/([0-9A-Za-z]{16})\/?$/);
  if (beat) return <BeatPage key={beat[1]} beatId={beat[1]!} />;
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
