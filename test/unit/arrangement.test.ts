/**
 * Patterns, the song and the transport (core/arrangement.ts), and what sounds when
 * (core/events.ts): which pattern plays at a global step and from where its rows count,
 * where a launch lands, and what an export renders. Expected values are worked out by
 * hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import {
  BAR_STEPS,
  cueAt,
  defaultRender,
  emptyPattern,
  emptySession,
  eventsAtStep,
  forRender,
  freePatternId,
  fromTheTop,
  LIMITS,
  launchStep,
  loopLengthSteps,
  makeTrack,
  openingPattern,
  PATTERN_IDS,
  type Pattern,
  type PatternId,
  patternInUse,
  patternSteps,
  patternsInUse,
  type Row,
  type Session,
  type SongEntry,
  songStartIndex,
  songSteps,
  type Transport,
  transportAt,
} from '../../core';

const T0 = 1_700_000_000_000;

const row = (length: number, on: number[]): Row => makeTrack({ id: 'x', name: 'x', instrument: 'piano', length, on }).row;
const pattern = (rows: Record<string, Row>, name = ''): Pattern => ({ ...emptyPattern(), name, rows });

/**
 * Three tracks and four patterns:
 * - A: kick (16) on 0 4 8 12, snare (16) on 4 12; bass has no row (the default 16)  → a pass of 16
 * - B: kick (3) on 0, bass (16) on 0; snare has none                               → 16
 * - C: every track a row of 12: kick on 0, snare on 6, bass none lit                → 12
 * - D: bass (32) on 0 16; kick and snare none                                        → 32
 */
function band(transport: Partial<Transport> = {}, entries: [PatternId, number][] = []): Session {
  const s = emptySession(T0, 'Band');
  return {
    ...s,
    tracks: ['kick', 'snare', 'bass'].map(
      (id) => makeTrack({ id, name: id, instrument: id === 'bass' ? 'synth-bass' : 'studio-kick' }).track,
    ),
    patterns: {
      A: pattern({ kick: row(16, [0, 4, 8, 12]), snare: row(16, [4, 12]) }),
      B: pattern({ kick: row(3, [0]), bass: row(16, [0]) }),
      C: pattern({ kick: row(12, [0]), snare: row(12, [6]), bass: row(12, []) }, 'Twelve'),
      D: pattern({ bass: row(32, [0, 16]) }),
    },
    song: { entries: entries.map(([p, repeats], i): SongEntry => ({ id: `e${i}`, pattern: p, repeats })), loop: true, start: null },
    transport: { song: false, pattern: 'A', from: 0, next: null, ...transport },
  };
}

/** Which tracks sound at a global step. */
const heard = (s: Session, step: number) => eventsAtStep(s, step, null).map((e) => e.trackId);

describe('patternSteps and songSteps', () => {
  it("a pattern's pass is its longest row; a track without a row counts the default 16", () => {
    const s = band();
    expect(patternSteps(s, 'A')).toBe(16);
    expect(patternSteps(s, 'B')).toBe(16); // the 3-step kick does not shorten it: snare's default row is 16
    expect(patternSteps(s, 'C')).toBe(12); // every track has a row of 12
    expect(patternSteps(s, 'D')).toBe(32);
    expect(patternSteps(s, 'E')).toBe(16); // not in use: every row the default
    expect(patternSteps({ tracks: [], patterns: { A: emptyPattern() } }, 'A')).toBe(BAR_STEPS);
  });

  it("the song's steps are each entry's repeats times its pattern's pass", () => {
    const s = band({}, [
      ['A', 2],
      ['C', 3],
      ['D', 1],
    ]);
    expect(songSteps(s)).toEqual({ entries: [32, 36, 32], total: 100 });
    expect(songSteps(band())).toEqual({ entries: [], total: 0 });
  });
});

describe('transportAt', () => {
  it('applies a launch whose step has come, and not before', () => {
    const t: Transport = { song: false, pattern: 'A', from: 5, next: { pattern: 'C', at: 40 } };
    expect(transportAt(t, 39)).toBe(t);
    expect(transportAt(t, 40)).toEqual({ song: false, pattern: 'C', from: 40, next: null });
    expect(transportAt(t, 1e9)).toEqual({ song: false, pattern: 'C', from: 40, next: null });
    // Launching the song keeps the pattern (what plays when the song is left).
    expect(transportAt({ ...t, next: { pattern: null, at: 48 } }, 48)).toEqual({ song: true, pattern: 'A', from: 48, next: null });
    // Out of song mode, to a pattern.
    expect(transportAt({ song: true, pattern: 'A', from: 0, next: { pattern: 'D', at: 64 } }, 70)).toEqual({
      song: false,
      pattern: 'D',
      from: 64,
      next: null,
    });
  });
});

describe('cueAt', () => {
  it('in pattern mode: the pattern playing, counted from where it started', () => {
    const s = band({ pattern: 'C', from: 5 });
    expect(cueAt(s, 5)).toEqual({ pattern: 'C', start: 5, entry: null, ended: false });
    expect(cueAt(s, 1000)).toEqual({ pattern: 'C', start: 5, entry: null, ended: false });
  });

  it('with a queued launch: the old pattern until its step, the new one from it', () => {
    const s = band({ pattern: 'A', from: 5, next: { pattern: 'C', at: 40 } });
    expect(cueAt(s, 39)).toEqual({ pattern: 'A', start: 5, entry: null, ended: false });
    expect(cueAt(s, 40)).toEqual({ pattern: 'C', start: 40, entry: null, ended: false });
    // A queued launch of the song: the song from its first entry at that step.
    const song = band({ pattern: 'A', from: 0, next: { pattern: null, at: 64 } }, [
      ['D', 1],
      ['B', 1],
    ]);
    expect(cueAt(song, 63)).toEqual({ pattern: 'A', start: 0, entry: null, ended: false });
    expect(cueAt(song, 64)).toEqual({ pattern: 'D', start: 64, entry: 0, ended: false });
    expect(cueAt(song, 96)).toEqual({ pattern: 'B', start: 96, entry: 1, ended: false });
  });

  describe('in song mode, with repeats', () => {
    // A×2 (steps 10–41), C×3 (42–77), D×1 (78–109), from step 10: 100 steps.
    const entries: [PatternId, number][] = [
      ['A', 2],
      ['C', 3],
      ['D', 1],
    ];
    const s = band({ song: true, pattern: 'B', from: 10 }, entries);

    it('each entry in turn, for all its repeats; its rows count from where the entry started', () => {
      expect(cueAt(s, 10)).toEqual({ pattern: 'A', start: 10, entry: 0, ended: false });
      expect(cueAt(s, 41)).toEqual({ pattern: 'A', start: 10, entry: 0, ended: false }); // the second repeat
      expect(cueAt(s, 42)).toEqual({ pattern: 'C', start: 42, entry: 1, ended: false });
      expect(cueAt(s, 77)).toEqual({ pattern: 'C', start: 42, entry: 1, ended: false });
      expect(cueAt(s, 78)).toEqual({ pattern: 'D', start: 78, entry: 2, ended: false });
      expect(cueAt(s, 109)).toEqual({ pattern: 'D', start: 78, entry: 2, ended: false });
    });

    it('loops to its first entry at the end', () => {
      expect(cueAt(s, 110)).toEqual({ pattern: 'A', start: 110, entry: 0, ended: false });
      expect(cueAt(s, 10 + 7 * 100 + 50)).toEqual({ pattern: 'C', start: 10 + 7 * 100 + 42 - 10, entry: 1, ended: false });
    });

    it('or stops: past its end it has ended, on its last entry', () => {
      const once = { ...s, song: { ...s.song, loop: false } };
      expect(cueAt(once, 109)).toEqual({ pattern: 'D', start: 78, entry: 2, ended: false });
      expect(cueAt(once, 110)).toEqual({ pattern: 'D', start: 78, entry: 2, ended: true });
      expect(cueAt(once, 100_000).ended).toBe(true);
      expect(eventsAtStep(once, 110, null)).toEqual([]);
      expect(heard(s, 110)).toEqual(heard(s, 10)); // while looping, the top again
    });

    it('from a chosen start entry: that entry first; a loop goes back to the first entry', () => {
      const fromC = { ...s, song: { ...s.song, start: 'e1' } };
      expect(songStartIndex(fromC)).toBe(1);
      expect(cueAt(fromC, 10)).toEqual({ pattern: 'C', start: 10, entry: 1, ended: false });
      expect(cueAt(fromC, 46)).toEqual({ pattern: 'D', start: 46, entry: 2, ended: false });
      expect(cueAt(fromC, 78)).toEqual({ pattern: 'A', start: 78, entry: 0, ended: false });
      // Not looping: it ends after the last entry (68 steps after `from`).
      const once = { ...fromC, song: { ...fromC.song, loop: false } };
      expect(cueAt(once, 77)).toEqual({ pattern: 'D', start: 46, entry: 2, ended: false });
      expect(cueAt(once, 78)).toEqual({ pattern: 'D', start: 46, entry: 2, ended: true });
    });

    it('from a start entry since deleted: the first entry', () => {
      const gone = { ...s, song: { ...s.song, start: 'deleted' } };
      expect(songStartIndex(gone)).toBe(0);
      expect(cueAt(gone, 10)).toEqual(cueAt(s, 10));
      expect(cueAt(gone, 42)).toEqual(cueAt(s, 42));
    });

    it('with no entries: the pattern, as in pattern mode', () => {
      const empty = band({ song: true, pattern: 'C', from: 3 });
      expect(cueAt(empty, 20)).toEqual({ pattern: 'C', start: 3, entry: null, ended: false });
    });
  });
});

describe('launchStep', () => {
  const pattern = band({ pattern: 'A', from: 5 });

  it("'now': the next step (the one it is on, when exactly on it)", () => {
    expect(launchStep(pattern, 37.2, 'now')).toBe(38);
    expect(launchStep(pattern, 38, 'now')).toBe(38);
  });

  it("'bar': the next multiple of 16 from the anchor, whatever the pattern", () => {
    expect(launchStep(pattern, 37.2, 'bar')).toBe(48);
    expect(launchStep(pattern, 48, 'bar')).toBe(48);
    expect(launchStep(pattern, 48.01, 'bar')).toBe(64);
    expect(launchStep(band({ pattern: 'C', from: 7 }), 20, 'bar')).toBe(32);
  });

  it("'end': the end of the pass of the pattern playing, counted from where it started", () => {
    expect(launchStep(pattern, 37.2, 'end')).toBe(53); // A from 5, 16 a pass: 5, 21, 37, 53
    expect(launchStep(pattern, 37, 'end')).toBe(37);
    expect(launchStep(band({ pattern: 'C', from: 40 }), 41, 'end')).toBe(52); // C: 12 a pass
    expect(launchStep(band({ pattern: 'D', from: 0 }), 17, 'end')).toBe(32);
    // A queued launch that has happened by then counts: C from 40.
    expect(launchStep(band({ pattern: 'A', from: 0, next: { pattern: 'C', at: 40 } }), 45, 'end')).toBe(52);
  });

  it("'end' in song mode: the end of the pass of the entry's pattern; once ended, the next bar", () => {
    const s = band({ song: true, pattern: 'B', from: 10 }, [
      ['A', 2],
      ['C', 3],
      ['D', 1],
    ]);
    expect(launchStep(s, 20, 'end')).toBe(26); // A's first pass: 10–25
    expect(launchStep(s, 30, 'end')).toBe(42); // its second: 26–41
    expect(launchStep(s, 50, 'end')).toBe(54); // C from 42: 42, 54, 66
    expect(launchStep(s, 80.5, 'end')).toBe(110); // D from 78, one pass of 32
    const once = { ...s, song: { ...s.song, loop: false } };
    expect(launchStep(once, 113.5, 'end')).toBe(128);
    expect(launchStep(once, 113.5, 'now')).toBe(114);
  });

  it('is never -0 (it is stored and compared as JSON)', () => {
    const fromZero = band({ pattern: 'A', from: 0 });
    for (const when of ['now', 'bar', 'end'] as const) {
      for (const position of [-0.5, -1e-12, 0, -0]) {
        const step = launchStep(fromZero, position, when);
        expect(Object.is(step, 0), `${when} at ${position}: ${Object.is(step, -0) ? '-0' : step}`).toBe(true);
      }
    }
    const song = band({ song: true, pattern: 'A', from: 0 }, [['C', 1]]);
    expect(Object.is(launchStep(song, -0.25, 'end'), 0)).toBe(true);
    expect(Object.is(launchStep(song, -0.25, 'bar'), 0)).toBe(true);
  });
});

describe('eventsAtStep', () => {
  it('plays the rows of the pattern the transport plays there, counted from where that pattern started', () => {
    // A from 0, then C launched at 21 (not on a bar).
    const s = band({ pattern: 'A', from: 0, next: { pattern: 'C', at: 21 } });
    expect(heard(s, 4)).toEqual(['kick', 'snare']);
    expect(heard(s, 20)).toEqual(['kick', 'snare']); // A's step 4 (20 mod 16)
    expect(heard(s, 21)).toEqual(['kick']); // C's step 0
    expect(heard(s, 27)).toEqual(['snare']); // C's step 6
    expect(heard(s, 33)).toEqual(['kick']); // C's step 0 again (12 steps a pass)
    expect(heard(s, 24)).toEqual([]); // A's kick would have been at 24 (its step 8): A no longer plays
  });

  it("another pattern's rows are not heard", () => {
    // The bass has a row only in B and D: never heard while A or C plays.
    for (const p of ['A', 'C'] as const) {
      const s = band({ pattern: p, from: 0 });
      for (let g = 0; g < 96; g++) expect(heard(s, g), `${p} at ${g}`).not.toContain('bass');
    }
    expect(heard(band({ pattern: 'B', from: 0 }), 0)).toContain('bass');
  });

  it('a 3-step row across a 16-step pattern loops on its own length, from where the pattern started', () => {
    const s = band({ pattern: 'B', from: 7 });
    const kicks = Array.from({ length: 48 }, (_, i) => 7 + i).filter((g) => heard(s, g).includes('kick'));
    expect(kicks).toEqual(Array.from({ length: 16 }, (_, i) => 7 + 3 * i));
    // The bass (16 steps) on its step 0, once a pass.
    expect(Array.from({ length: 48 }, (_, i) => 7 + i).filter((g) => heard(s, g).includes('bass'))).toEqual([7, 23, 39]);
  });

  it('in song mode each entry starts its rows again', () => {
    // B then B again: the kick restarts on the second entry's first step (16), where a pattern looped goes on (18).
    const song = band({ song: true, pattern: 'A', from: 0 }, [
      ['B', 1],
      ['B', 1],
    ]);
    expect([15, 16, 17, 18].filter((g) => heard(song, g).includes('kick'))).toEqual([15, 16]);
    const looped = band({ pattern: 'B', from: 0 });
    expect([15, 16, 17, 18].filter((g) => heard(looped, g).includes('kick'))).toEqual([15, 18]);
  });

  it('only the audible tracks', () => {
    const s = band({ pattern: 'A', from: 0 });
    expect(eventsAtStep(s, 4, new Set(['snare'])).map((e) => e.trackId)).toEqual(['snare']);
    expect(eventsAtStep(s, 4, new Set())).toEqual([]);
  });
});

describe('what an export renders: forRender, defaultRender, loopLengthSteps', () => {
  const s = band({ song: false, pattern: 'C', from: 77, next: { pattern: 'D', at: 80 } }, [
    ['A', 1],
    ['D', 2],
  ]);

  it('forRender sets the session to play one pattern, or the song from its first entry, from step 0', () => {
    const d = forRender({ ...s, song: { ...s.song, start: 'e1' } }, { song: false, pattern: 'D' });
    expect(d.transport).toEqual({ song: false, pattern: 'D', from: 0, next: null });
    expect(d.patterns).toBe(s.patterns);
    expect(d.tracks).toBe(s.tracks);
    const song = forRender({ ...s, song: { ...s.song, start: 'e1' } }, { song: true });
    expect(song.transport).toEqual({ song: true, pattern: 'C', from: 0, next: null });
    expect(song.song.start).toBeNull();
    expect(cueAt(song, 0)).toEqual({ pattern: 'A', start: 0, entry: 0, ended: false });
  });

  it('defaultRender is the song when there is one, else the pattern playing', () => {
    expect(defaultRender(s)).toEqual({ song: true });
    expect(defaultRender(band({ pattern: 'D' }))).toEqual({ song: false, pattern: 'D' });
  });

  it("loopLengthSteps: the song's length, or the cycle after which a pattern's rows line up again", () => {
    expect(loopLengthSteps(forRender(s, { song: true }))).toBe(16 + 64);
    expect(loopLengthSteps(forRender(s, { song: true }), 50)).toBe(50);
    expect(loopLengthSteps(forRender(s, { song: false, pattern: 'A' }))).toBe(16);
    expect(loopLengthSteps(forRender(s, { song: false, pattern: 'B' }))).toBe(48); // lcm(16, 3)
    expect(loopLengthSteps(forRender(s, { song: false, pattern: 'C' }))).toBe(48); // lcm(16, 12): four passes of C
    expect(loopLengthSteps(forRender(s, { song: false, pattern: 'D' }))).toBe(32);
    // The song mode of a session without a song renders its pattern.
    expect(loopLengthSteps(forRender(band({ pattern: 'B' }), { song: true }))).toBe(48);
  });

  it('a render of the song hears each entry at its place', () => {
    const song = forRender(s, { song: true });
    const onsets = (track: string) => Array.from({ length: 80 }, (_, g) => g).filter((g) => heard(song, g).includes(track));
    expect(onsets('kick')).toEqual([0, 4, 8, 12]); // A, once
    expect(onsets('bass')).toEqual([16, 32, 48, 64]); // D twice: its steps 0 and 16
  });
});

describe('fromTheTop and openingPattern', () => {
  it('the song from its first entry when there is one, else the pattern playing (a queued launch counted)', () => {
    const s = band({ pattern: 'C', from: 50, next: { pattern: 'D', at: 64 } }, [['B', 1]]);
    const top = fromTheTop({ ...s, song: { ...s.song, start: 'e0' } });
    // The pattern kept under the song (the one to leave it for) is the one last asked for: D, queued.
    expect(top.transport).toEqual({ song: true, pattern: 'D', from: 0, next: null });
    expect(top.song.start).toBeNull();
    expect(openingPattern(s)).toBe('B');
    const noSong = band({ pattern: 'C', from: 50, next: { pattern: 'D', at: 64 } });
    expect(openingPattern(noSong)).toBe('D');
    expect(fromTheTop(noSong).transport).toEqual({ song: false, pattern: 'D', from: 0, next: null });
  });
});

describe('patterns in use', () => {
  it('patternsInUse in letter order; freePatternId the first letter free, or null when all are used', () => {
    const s = band();
    expect(patternsInUse({ patterns: { D: emptyPattern(), A: emptyPattern(), B: emptyPattern() } })).toEqual(['A', 'B', 'D']);
    expect(freePatternId(s)).toBe('E');
    expect(freePatternId({ patterns: { A: emptyPattern(), C: emptyPattern() } })).toBe('B');
    const all = Object.fromEntries(PATTERN_IDS.map((p) => [p, emptyPattern()]));
    expect(PATTERN_IDS).toHaveLength(LIMITS.maxPatterns);
    expect(freePatternId({ patterns: all })).toBeNull();
  });

  it('patternInUse says why a pattern may not be deleted: playing, queued, in the song (also the pattern kept under the song)', () => {
    const s = band({ pattern: 'A', next: { pattern: 'B', at: 16 } }, [['C', 1]]);
    expect(patternInUse(s, 'A')).toBe('it is playing');
    expect(patternInUse(s, 'B')).toBe('it is queued to play');
    expect(patternInUse(s, 'C')).toBe('the song plays it');
    expect(patternInUse(s, 'D')).toBeNull();
    expect(patternInUse({ ...s, transport: { song: true, pattern: 'D', from: 0, next: null } }, 'D')).toBe(
      'it plays when the song is left',
    );
  });
});
