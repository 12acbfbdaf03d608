/**
 * The editor's first screen as HTML, for the Worker to put in the page it sends for
 * /s/<id> and /listen/<id> (issue 17, "fast on a phone"): the header and the first-time
 * hint paint as soon as the HTML and the stylesheet arrive, before the app's JavaScript.
 * It is the same markup, with the same classes, as app/pages/EditorShell.tsx, which the
 * app renders over it in place (e2e/fast.spec.ts checks the two agree and that the hint
 * does not move). It needs no session data: the hint is left out for a browser that
 * has edited before (its cookie) and on a listen link.
 */
import { FIRST_HINT } from '../../core';
import { escapeHtml } from './beatHtml';

/** The markup inside the page's #root. */
export function editorShellHtml({ hint }: { hint: boolean }): string {
  return (
    '<div class="editor"><header class="editor-header"><a class="logo small" href="/">Keyboardia</a>' +
    '<div class="header-tools"><div class="session-actions shell-placeholder" aria-hidden="true"><button type="button" tabindex="-1">Share</button></div></div>' +
    '</header><main>' +
    (hint ? `<p class="first-hint">${escapeHtml(FIRST_HINT)}</p>` : '') +
    '<p class="loading">Loading session…</p></main></div>'
  );
}
