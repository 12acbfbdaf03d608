/** Routes by path: / (landing), /s/<id> (editor), /listen/<id> (a listen link), /b/<id> (published beat). */
import { type ComponentType, lazy, Suspense, useEffect, useState } from 'react';
import { isBeatId, isSessionId } from '../core';
import { yieldToPage } from './audio/yieldToPage';
import { EditorShell } from './pages/EditorShell';
import { LandingPage } from './pages/LandingPage';

/**
 * A page loaded on demand (React.lazy) that can also be loaded ahead (`preload`): once
 * loaded, it renders at once, without a Suspense fallback in between.
 */
function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  const preload = () =>
    (pending ??= load().then((component) => {
      loaded = component;
      return component;
    }));
  // Once loaded, the module is handed over synchronously (a thenable that resolves at
  // once), so React renders the page in the same pass rather than suspending for a tick.
  const Component = lazy(() => {
    const component = loaded;
    if (!component) return preload().then((c) => ({ default: c }));
    // biome-ignore lint/suspicious/noThenProperty: React.lazy takes any thenable; this one is already settled.
    return { then: (resolve: (m: { default: ComponentType<P> }) => void) => resolve({ default: component }) } as Promise<{
      default: ComponentType<P>;
    }>;
  });
  return { Component, preload };
}

/**
 * Tone.js and the audio engine, then the page: each module graph is evaluated in a task of
 * its own, with the page's turn in between. Evaluated together they were one long task of
 * the editor and the beat page on a phone (issue 17); the files still download at once.
 */
async function withAudioFirst<T>(page: () => Promise<T>): Promise<T> {
  await import('./audio/tone');
  await yieldToPage();
  await import('./audio/AudioEngine');
  await yieldToPage();
  return page();
}

// The editor and the beat page carry Tone.js and the audio engine: the landing page
// does not wait for them.
const editorPage = lazyPage(() => withAudioFirst(() => import('./pages/EditorPage')).then((m) => m.EditorPage));
const beatPage = lazyPage(() => withAudioFirst(() => import('./pages/BeatPage')).then((m) => m.BeatPage));
const EditorPage = editorPage.Component;
const BeatPage = beatPage.Component;

/** Load the page a path shows, before the first render (main.tsx: when the server drew it already). */
export function preloadPage(path: string): Promise<unknown> {
  const page = route(path);
  if (page.beat) return beatPage.preload();
  if (page.session || page.listenId) return editorPage.preload();
  return Promise.resolve();
}

function route(path: string): { session: string | null; beat: string | null; listenId: string | null } {
  const page = path.match(/^\/([sb])\/([^/]+)\/?$/);
  // A listen id has a session id's format (worker/http/listen.ts).
  const listen = path.match(/^\/listen\/([^/]+)\/?$/)?.[1];
  return {
    session: page?.[1] === 's' && isSessionId(page[2]!) ? page[2]! : null,
    beat: page?.[1] === 'b' && isBeatId(page[2]!) ? page[2]! : null,
    listenId: listen && isSessionId(listen) ? listen : null,
  };
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
  const { session, beat, listenId } = route(path);
  const loading = <p className="loading">Loading…</p>;
  if (session) {
    return (
      <Suspense fallback={<EditorShell />}>
        <EditorPage key={session} sessionId={session} />
      </Suspense>
    );
  }
  if (listenId) {
    return (
      <Suspense fallback={<EditorShell listenLink />}>
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
