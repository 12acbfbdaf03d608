/** What the key control says and sends (app/ui/KeyControl.tsx): pure, so unit-tested. */
import { type Key, keyChangeNotes, type Mutation, ROOT_NAMES, SCALE_LABELS, type Session } from '../../core';

/** "D dorian", "F♯ natural minor"; "No key" for the chromatic scale. */
export function keyName(key: Key): string {
  return key.scale === 'chromatic' ? 'No key' : `${ROOT_NAMES[key.root]} ${SCALE_LABELS[key.scale].toLowerCase()}`;
}

/** The mutation that sets the key to `next` from the session's, moving the notes or not. */
export function keyChange(session: Session, next: Key, moveNotes: boolean): Mutation {
  const from = session.key;
  const moves = moveNotes && (next.root !== from.root || next.scale !== from.scale);
  if (!moves) return { type: 'set_key', key: next, remap: false, notes: null };
  if (from.scale === 'chromatic') {
    // No tonic to move from: snap to the new scale at the new root, without transposing.
    return { type: 'set_key', key: next, remap: false, notes: keyChangeNotes({ ...session, key: { ...from, root: next.root } }, next) };
  }
  return { type: 'set_key', key: next, remap: true, notes: null };
}
