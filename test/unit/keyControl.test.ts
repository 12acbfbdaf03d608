/**
 * What the key control sends (app/ui/keyChange.ts) and how the grid names chords
 * (app/ui/chordName.ts): a key change moves melodies unless told not to; from no key
 * (chromatic, no tonic) notes snap into the scale without being transposed; every change
 * is undone exactly.
 */
import { describe, expect, it } from 'vitest';
import { chordDetection, chordName, loadChordDetection } from '../../app/ui/chordName';
import { keyChange, keyName } from '../../app/ui/keyChange';
import {
  applyMutation,
  CHORD_SHAPES,
  chordMask,
  inverseOf,
  type Key,
  makeTrack,
  type Mutation,
  rowOf,
  type Session,
  sessionWithTracks,
  emptySession,
} from '../../core';

const key = (root: number, scale: Key['scale'], lock = false): Key => ({ root, scale, lock });

/** A bass (root C2) playing C, D♯, F♯ and A♯ in a session of key `k`. */
function session(k: Key): Session {
  const bass = makeTrack({ id: 'b', name: 'Bass', instrument: 'synth-bass', on: [0, 1, 2, 3] });
  [0, 3, 6, -2].forEach((p, i) => {
    bass.row.pitches[i] = p;
  });
  return { ...sessionWithTracks(emptySession(0), [bass]), key: k };
}

function apply(s: Session, m: Mutation): Session {
  const result = applyMutation(s, m, 0);
  if (!result.ok) throw new Error(result.message);
  return result.session;
}
const pitches = (s: Session) => rowOf(s, 'A', 'b').pitches.slice(0, 4);

describe('the key control', () => {
  it('names the key', () => {
    expect(keyName(key(2, 'dorian'))).toBe('D dorian');
    expect(keyName(key(6, 'minor'))).toBe('F♯ natural minor');
    expect(keyName(key(9, 'minor pentatonic'))).toBe('A minor pentatonic');
    expect(keyName(key(4, 'chromatic'))).toBe('No key');
  });

  it('moves the melodies by degree and root, or not at all when asked', () => {
    const before = session(key(0, 'minor'));
    const toMajor = keyChange(before, key(0, 'major'), true);
    expect(toMajor).toEqual({ type: 'set_key', key: key(0, 'major'), remap: true, notes: null });
    // D♯ (E♭, the minor third) → E; A♯ (B♭, the minor seventh) → B; F♯ is out of C minor: nearest of C major, lower on a tie → F.
    expect(pitches(apply(before, toMajor))).toEqual([0, 4, 5, -1]);
    const still = keyChange(before, key(2, 'dorian'), false);
    expect(still).toEqual({ type: 'set_key', key: key(2, 'dorian'), remap: false, notes: null });
    expect(pitches(apply(before, still))).toEqual([0, 3, 6, -2]);
    // Locking moves nothing either.
    expect(keyChange(before, key(0, 'minor', true), true)).toMatchObject({ remap: false, notes: null });
  });

  it('from no key, picks a root without moving anything, and a scale by snapping, untransposed', () => {
    const none = session(key(0, 'chromatic'));
    const root = apply(none, keyChange(none, key(2, 'chromatic'), true));
    expect(pitches(root)).toEqual([0, 3, 6, -2]);
    const change = keyChange(root, key(2, 'dorian'), true);
    const after = apply(root, change);
    expect(after.key).toEqual(key(2, 'dorian'));
    // D dorian is D E F G A B C: C stays (no transposition up to D); D♯ → D and F♯ → F (ties go down); A♯ → A.
    expect(pitches(after)).toEqual([0, 2, 5, -3]);
    // One undo puts the notes and the key back.
    const undone = apply(after, inverseOf(root, change)!);
    expect(pitches(undone)).toEqual([0, 3, 6, -2]);
    expect(undone.key).toEqual(key(2, 'chromatic'));
  });
});

describe('chord names', () => {
  it('names every chord of the list from its root, as it sounds', () => {
    for (const shape of CHORD_SHAPES) expect(chordName('piano', 2, chordMask(shape.intervals))).toBe(`D${shape.symbol}`);
    // The bass's root is C2: pitch 10 is A♯.
    expect(chordName('synth-bass', 10, chordMask([3, 7, 10]))).toBe('A♯m7');
    expect(chordName('piano', 0, 0)).toBeNull();
  });

  it('names notes picked by hand by what they make, else by their intervals', async () => {
    // Tonal's detection loads at the first picked chord: until then, root and intervals.
    expect(chordDetection.getState().ready).toBe(false);
    expect(chordName('piano', 0, chordMask([4, 9]))).toBe('C+4,9');
    await loadChordDetection();
    expect(chordDetection.getState().ready).toBe(true);
    expect(chordName('piano', 0, chordMask([4, 9]))).toBe('Am/C'); // C E A
    expect(chordName('piano', 0, chordMask([5, 9]))).toBe('F/C'); // C F A
    expect(chordName('piano', 0, chordMask([12]))).toBe('C+12');
  });
});
