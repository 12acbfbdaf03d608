/**
 * The editor's first screen before its code and its session have arrived: the header
 * and the first-time hint where the editor will draw them (issue 17, fast on a phone).
 * It lives in the entry chunk, so a phone paints it as soon as React runs, without
 * waiting for the editor's chunk (and Tone.js behind it) or the session's snapshot;
 * the editor then renders over it with nothing above the grid moving.
 */
import { useEffect, useState } from 'react';

const EDITED_KEY = 'kb:edited';

function editedBefore(): boolean {
  try {
    return localStorage.getItem(EDITED_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * A first-time visitor's one line of what to touch next. It goes away for good (this browser)
 * at their first edit: hidden at once but keeping its place until the page is left, since the
 * first edit is often the press that starts a drag, and a grid moving up under the pointer
 * would paint the cells it slides past instead of those the finger crosses.
 */
export function FirstHint({ edited }: { edited: boolean }) {
  const [seenBefore] = useState(editedBefore);
  // Latched: undoing every edit does not bring the hint back.
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!edited) return;
    setDone(true);
    try {
      localStorage.setItem(EDITED_KEY, '1');
    } catch {
      // Storage blocked: the hint shows again next time, no harm.
    }
  }, [edited]);
  if (seenBefore) return null;
  if (edited || done) return <p className="first-hint done" aria-hidden="true" />;
  return <p className="first-hint">Tap a step to light it, then Play. Tap a track's name for its notes and sound.</p>;
}

/** What the editor shows until it can draw the session (listenLink: a listen link's page, no hint). */
export function EditorShell({ listenLink = false }: { listenLink?: boolean }) {
  return (
    <div className="editor">
      <header className="editor-header">
        <a className="logo small" href="/">
          Keyboardia
        </a>
        {/* Unseen, it gives the header the height the editor's buttons will: nothing below moves when they come. */}
        <div className="session-actions shell-placeholder" aria-hidden="true">
          <button type="button" tabIndex={-1}>
            Share
          </button>
        </div>
      </header>
      <main>
        {!listenLink && <FirstHint edited={false} />}
        <p className="loading">Loading session…</p>
      </main>
    </div>
  );
}
