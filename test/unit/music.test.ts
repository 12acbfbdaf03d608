/**
 * Keys, scales and chords (core/music.ts): the scales the key offers, chord names and
 * masks, and how melodies move when the key changes, through the reducer and undo.
 */
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  CHORD_SHAPES,
  chordIntervals,
  chordMask,
  chordPitches,
  chordShapeOf,
  diatonicChord,
  emptySession,
  inKey,
  inverseOf,
  type Key,
  makeTrack,
  moveNote,
  moveStep,
  rowOf,
  SCALE_NAMES,
  type Session,
  scaleSteps,
  sessionWithTracks,
} from '../../core';

const key = (root: number, scale: Key['scale']): Key => ({ root, scale, lock: false });

describe('scales', () => {
  it('offers at least 14 scales, among them the ones musicians ask for first', () => {
    expect(SCALE_NAMES.length).toBeGreaterThanOrEqual(14);
    for (const s of [
      'major',
      'minor',
      'harmonic minor',
      'melodic minor',
      'dorian',
      'phrygian',
      'lydian',
      'mixolydian',
      'locrian',
      'major pentatonic',
      'minor pentatonic',
      'minor blues',
      'chromatic',
    ])
      expect(SCALE_NAMES).toContain(s);
  });

  it('knows each scale from tonal', () => {
    expect(scaleSteps('major')).toEqual([0, 2, 4, 5, 7, 9, 11]);
    expect(scaleSteps('harmonic minor')).toEqual([0, 2, 3, 5, 7, 8, 11]);
    expect(scaleSteps('minor pentatonic')).toEqual([0, 3, 5, 7, 10]);
    expect(scaleSteps('chromatic')).toHaveLength(12);
    for (const s of SCALE_NAMES) expect(scaleSteps(s)[0]).toBe(0);
  });

  it('says which notes belong to a key', () => {
    const d = key(2, 'major');
    expect([2, 4, 6, 7, 9, 11, 1].every((pc) => inKey(d, pc))).toBe(true);
    expect(inKey(d, 0)).toBe(false);
    expect(inKey(d, 5)).toBe(false);
  });
});

describe('chords', () => {
  it('names triads, sevenths and suspended chords from tonal', () => {
    const by = (symbol: string) => CHORD_SHAPES.find((c) => c.symbol === symbol)!.intervals;
    expect(by('')).toEqual([4, 7]);
    expect(by('m')).toEqual([3, 7]);
    expect(by('maj7')).toEqual([4, 7, 11]);
    expect(by('m7')).toEqual([3, 7, 10]);
    expect(by('sus4')).toEqual([5, 7]);
    expect(by('dim7')).toEqual([3, 6, 9]);
    for (const c of CHORD_SHAPES) expect(c.intervals.length).toBeLessThanOrEqual(3);
  });

  it('turns masks into intervals and pitches, and back', () => {
    const mask = chordMask([7, 4, 11]);
    expect(chordIntervals(mask)).toEqual([4, 7, 11]);
    expect(chordShapeOf(mask)?.symbol).toBe('maj7');
    expect(chordShapeOf(chordMask([2, 9]))).toBeNull();
    expect(chordPitches(-3, mask)).toEqual([-3, 1, 4, 8]);
    expect(chordPitches(5, 0)).toEqual([5]);
  });

  it('builds the diatonic chord of a degree', () => {
    // In C major, on D (pitch 2 of a C-rooted instrument): D minor; on G with four notes: G7.
    expect(chordIntervals(diatonicChord(key(0, 'major'), 'piano', 2, 3))).toEqual([3, 7]);
    expect(chordIntervals(diatonicChord(key(0, 'major'), 'piano', 7, 4))).toEqual([4, 7, 10]);
    // In A minor, on B: B diminished.
    expect(chordIntervals(diatonicChord(key(9, 'minor'), 'piano', 11, 3))).toEqual([3, 6]);
  });
});

describe('moving melodies when the key changes', () => {
  it('a new root transposes by the shortest way', () => {
    expect(moveNote(60, key(0, 'major'), key(2, 'major'))).toBe(62);
    expect(moveNote(60, key(0, 'major'), key(10, 'major'))).toBe(58);
    expect(moveNote(64, key(0, 'minor'), key(7, 'minor'))).toBe(71 - 12);
  });

  it('a new scale maps by degree: the third of major becomes the third of minor', () => {
    const major = key(0, 'major');
    const minor = key(0, 'minor');
    expect([60, 62, 64, 65, 67, 69, 71].map((n) => moveNote(n, major, minor))).toEqual([60, 62, 63, 65, 67, 68, 70]);
    expect([60, 62, 63, 65, 67, 68, 70].map((n) => moveNote(n, minor, major))).toEqual([60, 62, 64, 65, 67, 69, 71]);
    // Into a pentatonic: the nearest note of the new scale (lower on a tie).
    expect(moveNote(65, major, key(0, 'major pentatonic'))).toBe(64);
  });

  it('a chord moves note by note: C major in C major becomes C minor in C minor', () => {
    expect(moveStep('piano', 0, 0, chordMask([4, 7]), key(0, 'major'), key(0, 'minor'))).toEqual([0, chordMask([3, 7])]);
  });

  it('keeps pitches in range by octaves', () => {
    const [pitch] = moveStep('piano', 0, 24, 0, key(0, 'major'), key(5, 'major'));
    expect(pitch).toBe(17);
  });
});

describe('set_key through the reducer and undo', () => {
  function session(): Session {
    const bass = makeTrack({ id: 'bass', name: 'Bass', instrument: 'synth-bass', on: [0, 4, 8] });
    bass.row.pitches.splice(0, 9, 0, 0, 0, 0, 4, 0, 0, 0, 7);
    bass.row.chords[8] = chordMask([4, 7]);
    const kick = makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0, 8] });
    return { ...sessionWithTracks(emptySession(0), [bass, kick]), key: key(0, 'major') };
  }

  it('moves melodic rows only, and undo restores them exactly', () => {
    const s = session();
    const m = { type: 'set_key', key: key(0, 'minor'), remap: true, notes: null } as const;
    const r = applyMutation(s, m, 0);
    if (!r.ok) throw new Error(r.message);
    expect(r.session.key).toEqual(key(0, 'minor'));
    const bass = rowOf(r.session, 'A', 'bass');
    expect([bass.pitches[0], bass.pitches[4], bass.pitches[8]]).toEqual([0, 3, 7]);
    expect(chordIntervals(bass.chords[8]!)).toEqual([3, 7]);
    expect(rowOf(r.session, 'A', 'kick')).toEqual(rowOf(s, 'A', 'kick'));
    const inverse = inverseOf(s, m);
    if (!inverse) throw new Error('no inverse');
    const back = applyMutation(r.session, inverse, 0);
    if (!back.ok) throw new Error(back.message);
    expect(back.session).toEqual(s);
  });

  it('without remap only the key changes', () => {
    const s = session();
    const r = applyMutation(s, { type: 'set_key', key: key(5, 'dorian'), remap: false, notes: null }, 0);
    if (!r.ok) throw new Error(r.message);
    expect(r.session.patterns).toEqual(s.patterns);
    expect(r.session.key).toEqual(key(5, 'dorian'));
  });

  it('notes for a track or pattern that is gone are skipped, not refused', () => {
    const s = session();
    const r = applyMutation(
      s,
      { type: 'set_key', key: key(0, 'major'), remap: false, notes: { B: { bass: [[0, 3, 0]] }, A: { gone: [[0, 3, 0]] } } },
      0,
    );
    expect(r.ok && r.session.patterns).toEqual(s.patterns);
  });
});

describe('the undo of a key change stays small', () => {
  it('a new root or a mode of as many notes is undone by moving back (a few bytes), exactly', () => {
    const bass = makeTrack({ id: 'bass', name: 'Bass', instrument: 'synth-bass', on: [0, 4, 8, 12] });
    bass.row.pitches.splice(0, 13, 0, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 11);
    const s: Session = { ...sessionWithTracks(emptySession(0), [bass]), key: key(0, 'major') };
    for (const to of [key(7, 'major'), key(0, 'dorian'), key(9, 'minor')]) {
      const m = { type: 'set_key', key: to, remap: true, notes: null } as const;
      const inverse = inverseOf(s, m);
      expect(inverse).toEqual({ type: 'set_key', key: key(0, 'major'), remap: true, notes: null });
      const r = applyMutation(s, m, 0);
      if (!r.ok || !inverse) throw new Error('refused');
      const back = applyMutation(r.session, inverse, 0);
      expect(back.ok && back.session).toEqual(s);
    }
  });

  it('a change that loses notes (into a pentatonic scale) lists the old values, and restores them exactly', () => {
    const keys = makeTrack({ id: 'keys', name: 'Keys', instrument: 'piano', on: [0, 1, 2, 3] });
    keys.row.pitches.splice(0, 4, 0, 2, 4, 5);
    const s: Session = { ...sessionWithTracks(emptySession(0), [keys]), key: key(0, 'major') };
    const m = { type: 'set_key', key: key(0, 'major pentatonic'), remap: true, notes: null } as const;
    const inverse = inverseOf(s, m);
    expect(inverse).toMatchObject({ remap: false, notes: { A: { keys: expect.any(Array) } } });
    const r = applyMutation(s, m, 0);
    if (!r.ok || !inverse) throw new Error('refused');
    const back = applyMutation(r.session, inverse, 0);
    expect(back.ok && back.session).toEqual(s);
  });
});
