/**
 * The editor's first screen, as both sides draw it: the app (app/pages/EditorShell.tsx)
 * and the Worker, which writes it into the HTML of /s/<id> so that a phone paints it
 * before any JavaScript has arrived (worker/http/editorShellHtml.ts).
 */

/** A first-time visitor's one line of what to touch next. */
export const FIRST_HINT = "Tap a step to light it, then Play. Tap a track's name for its notes and sound.";

/**
 * The cookie that says this browser has edited before (its first edit dismisses the hint
 * for good): the Worker leaves the hint out of the HTML for it. localStorage says the
 * same for the app; the cookie exists only because the Worker cannot read localStorage.
 */
export const EDITED_COOKIE = 'kb_edited';

/** Whether a request's Cookie header carries EDITED_COOKIE. */
export function editedBeforeCookie(cookieHeader: string | null): boolean {
  return (cookieHeader ?? '').split(';').some((part) => part.trim() === `${EDITED_COOKIE}=1`);
}
