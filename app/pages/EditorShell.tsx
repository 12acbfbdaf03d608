/**
 * The editor's first screen before its code and its session have arrived: the header
 * and the first-time hint where the editor will draw them (issue 17, fast on a phone).
 * The Worker writes the same markup into the page's HTML (worker/http/editorShellHtml.ts),
 * so it paints before any JavaScript; this entry-chunk copy renders over it in place and
 * stays until the editor's chunk (and Tone.js behind it) and the session's snapshot have
 * arrived; the editor then renders over it with nothing above the grid moving.
 */
import { useEffect, useState } from 'react';
import { EDITED_COOKIE, editedBeforeCookie, FIRST_HINT } from '../../core';

const EDITED_KEY = 'kb:edited';

/** Tell the Worker too, which leaves the hint out of the editor's HTML for this browser (a year; renewed on each visit). */
function rememberEditedForWorker(): void {
  // biome-ignore lint/suspicious/noDocumentCookie: one synchronous write; the Cookie Store API is missing from older Safari and Firefox.
  document.cookie = `${EDITED_COOKIE}=1; Path=/; Max-Age=31536000; SameSite=Lax${location.protocol === 'https:' ? '; Secure' : ''}`;
}

function editedBefore(): boolean {
  try {
    const edited = localStorage.getItem(EDITED_KEY) === '1';
    // A browser that edited before the cookie existed: the next page comes without the hint.
    if (edited && !editedBeforeCookie(document.cookie)) rememberEditedForWorker();
    return edited;
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
      rememberEditedForWorker();
    } catch {
      // Storage blocked: the hint shows again next time, no harm.
    }
  }, [edited]);
  if (seenBefore) return null;
  if (edited || done) return <p className="first-hint done" aria-hidden="true" />;
  return <p className="first-hint">{FIRST_HINT}</p>;
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
        <div className="header-tools">
          <div className="session-actions shell-placeholder" aria-hidden="true">
            <button type="button" tabIndex={-1}>
              Share
            </button>
          </div>
        </div>
      </header>
      <main>
        {!listenLink && <FirstHint edited={false} />}
        <p className="loading">Loading session…</p>
      </main>
    </div>
  );
}
