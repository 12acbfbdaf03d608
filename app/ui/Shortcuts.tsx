/**
 * Keyboard shortcuts for the whole editor, and the `?` panel that lists them.
 * Shortcuts never fire while typing in a field, and Space on a focused button
 * presses that button rather than starting playback.
 */
import { useEffect, useRef, useState } from 'react';
import { useSessionContext } from './SessionContext';
import { useFillHold, usePlayback } from './Transport';

export const SHORTCUTS: [keys: string, what: string][] = [
  ['Space', 'Play / Stop (when no button has focus)'],
  ['Ctrl/⌘ + Z', 'Undo your last edit'],
  ['Shift + Ctrl/⌘ + Z', 'Redo'],
  ['Arrow keys', 'Move through the grid'],
  ['Enter / Space', 'Set or clear the focused step'],
  ['Home / End', 'First / last step of the track'],
  ['E', "Open the focused step's expression (probability, condition, ratchet, length, nudge)"],
  ['Shift + click / Shift + arrows', 'Add steps to the selection: one change sets them all'],
  ['Right-click a step', "Select it and open its expression (on touch: the grid's Select steps mode)"],
  ['Alt + ↑ / ↓', 'Move the focused track up or down'],
  ['F (hold)', 'Fill: steps with the Fill condition play while anyone holds it'],
  ['?', 'Show this panel'],
  ['Esc', 'Close a panel or menu'],
];

/** Inputs that take no text (a slider, a checkbox): shortcuts still work while they have focus. */
const NOT_TEXT = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color']);

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el instanceof HTMLInputElement) return !NOT_TEXT.has(el.type);
  return el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

export function useShortcuts(openHelp: () => void) {
  const { edits, store } = useSessionContext();
  const { play, stop } = usePlayback();
  const fill = useFillHold();
  useEffect(() => {
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() === 'f') fill.release();
    };
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target)) return;
      if (e.key.toLowerCase() === 'f' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        if (!e.repeat) fill.hold();
        return;
      }
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === 'z') {
        e.preventDefault();
        if (e.shiftKey) edits.redo();
        else edits.undo();
      } else if (mod && e.key.toLowerCase() === 'y') {
        e.preventDefault();
        edits.redo();
      } else if (e.key === ' ' && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        if (store.getState().playing) stop();
        else void play();
      } else if (e.key === '?') {
        e.preventDefault();
        openHelp();
      }
    };
    addEventListener('keydown', onKey);
    addEventListener('keyup', onKeyUp);
    return () => {
      removeEventListener('keydown', onKey);
      removeEventListener('keyup', onKeyUp);
    };
  });
}

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} className="shortcuts" aria-label="Keyboard shortcuts" onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table>
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        <button type="submit" autoFocus>
          Close
        </button>
      </form>
    </dialog>
  );
}

export function ShortcutsButton() {
  const [open, setOpen] = useState(false);
  useShortcuts(() => setOpen(true));
  return (
    <>
      <button type="button" className="help" aria-label="Keyboard shortcuts" aria-keyshortcuts="?" onClick={() => setOpen(true)}>
        ?
      </button>
      {open && <ShortcutsDialog onClose={() => setOpen(false)} />}
    </>
  );
}
