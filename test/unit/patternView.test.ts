/**
 * Which pattern an editor views (app/store/patternView.ts): what it opens on, that it
 * survives what others do unless its pattern goes (then the pattern playing), and which
 * pattern an undo shows. Sessions are built with the real reducer; the store is the app's.
 */
import { describe, expect, it } from 'vitest';
import { createStore } from 'zustand/vanilla';
import {
  applyMutation,
  emptyPattern,
  emptySession,
  makeTrack,
  type Mutation,
  type PatternId,
  type Session,
  sessionWithTracks,
  stepDurationMs,
} from '../../core';
import {
  anyonePlaying,
  DEFAULT_ROW,
  followViewedPattern,
  globalStepAt,
  nextViewedPattern,
  patternLabel,
  patternPlaying,
  patternTouched,
  type ViewState,
  viewedPatternOf,
  viewRow,
} from '../../app/store/patternView';

const T0 = 1_700_000_000_000;
const STEP_MS = stepDurationMs(120);

function apply(session: Session, mutation: Mutation, at = T0): Session {
  const result = applyMutation(session, mutation, at);
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`);
  return result.session;
}

/** A session with one track and patterns A, B and C in use, A playing from step 0. */
function abc(): Session {
  let s = sessionWithTracks(emptySession(T0), [makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0] })]);
  for (const p of ['B', 'C'] as const) s = apply(s, { type: 'add_pattern', pattern: p, value: emptyPattern() });
  return s;
}

/** Launch a pattern (null: the song) at the next bar, asked at `at`; returns the session and the step it lands on. */
function launch(session: Session, pattern: PatternId | null, at = T0): { session: Session; step: number } {
  const s = apply(session, { type: 'launch_pattern', pattern, when: 'bar' }, at);
  return { session: s, step: s.transport.next!.at };
}

function song(session: Session, entries: [string, PatternId, number][]): Session {
  let s = session;
  for (const [id, pattern, repeats] of entries)
    s = apply(s, { type: 'add_song_entry', entry: { id, pattern, repeats }, beforeEntryId: null });
  return s;
}

const state = (session: Session | null, over: Partial<ViewState> = {}): ViewState => ({
  session,
  viewedPattern: null,
  playing: false,
  peers: [{ peerId: 'me', playing: false }],
  selfPeerId: 'me',
  status: 'connected',
  ...over,
});

describe('the pattern playing', () => {
  it('when nobody plays: the pattern Play would start, a queued launch included', () => {
    const s = abc();
    expect(patternPlaying(s, null)).toBe('A');
    expect(patternPlaying(launch(s, 'C').session, null)).toBe('C');
  });

  it('when nobody plays in song mode: the entry the song starts from', () => {
    let s = song(abc(), [
      ['e1', 'B', 1],
      ['e2', 'C', 2],
    ]);
    s = launch(s, null).session;
    expect(patternPlaying(s, null)).toBe('B');
    s = apply(s, { type: 'set_song_start', entryId: 'e2' });
    expect(patternPlaying(s, null)).toBe('C');
  });

  it('while someone plays: what sounds at the global step, launches and song entries counted', () => {
    const { session: queued, step } = launch(abc(), 'B');
    expect(patternPlaying(queued, step - 1)).toBe('A');
    expect(patternPlaying(queued, step)).toBe('B');
    // The song B ×1 then C ×2, from the launch's step: B for a bar, then C.
    const { session: songMode, step: from } = launch(
      song(abc(), [
        ['e1', 'B', 1],
        ['e2', 'C', 2],
      ]),
      null,
    );
    expect(patternPlaying(songMode, from)).toBe('B');
    expect(patternPlaying(songMode, from + 15)).toBe('B');
    expect(patternPlaying(songMode, from + 16)).toBe('C');
    expect(patternPlaying(songMode, from + 47)).toBe('C');
    expect(patternPlaying(songMode, from + 48)).toBe('B'); // the song loops
  });

  it('the global step comes from the shared timeline at a server time', () => {
    const s = abc();
    expect(globalStepAt(s, T0)).toBe(0);
    expect(globalStepAt(s, T0 + 5.5 * STEP_MS)).toBe(5);
    expect(globalStepAt(s, T0 - 0.5 * STEP_MS)).toBe(-1);
  });

  it('anyone playing: this page, a peer, or the session playing together', () => {
    const s = abc();
    expect(anyonePlaying(state(s))).toBe(false);
    expect(anyonePlaying(state(s, { playing: true }))).toBe(true);
    expect(anyonePlaying(state(s, { peers: [{ peerId: 'sam', playing: true }] }))).toBe(true);
    const together = apply(apply(s, { type: 'set_play_together', together: true }), { type: 'set_playing', playing: true });
    expect(anyonePlaying(state(together))).toBe(true);
  });
});

describe('the viewed pattern', () => {
  it('is the one chosen while it is in use, else the pattern playing', () => {
    const s = abc();
    expect(viewedPatternOf({ session: s, viewedPattern: 'C' })).toBe('C');
    expect(viewedPatternOf({ session: s, viewedPattern: null })).toBe('A');
    expect(viewedPatternOf({ session: s, viewedPattern: 'K' })).toBe('A');
    expect(viewedPatternOf({ session: launch(s, 'B').session, viewedPattern: null })).toBe('B');
    expect(viewedPatternOf({ session: null, viewedPattern: null })).toBe('A');
  });

  it('is settled on the pattern playing once the page has synced and heard who is here, not before', () => {
    const { session: s, step } = launch(abc(), 'B');
    const now = () => T0 + (step + 2) * STEP_MS;
    expect(nextViewedPattern(state(s, { status: 'connecting' }), now)).toBeUndefined();
    expect(nextViewedPattern(state(s, { peers: [] }), now)).toBeUndefined();
    // Nobody plays: what Play would start (the queued B).
    expect(nextViewedPattern(state(s), now)).toBe('B');
    // Sam plays and the launch has not come yet: A sounds.
    const sam = {
      peers: [
        { peerId: 'me', playing: false },
        { peerId: 'sam', playing: true },
      ],
    };
    expect(nextViewedPattern(state(s, sam), () => T0 + (step - 3) * STEP_MS)).toBe('A');
    expect(nextViewedPattern(state(s, sam), now)).toBe('B');
  });

  it('stays put whatever plays or is queued while its pattern is in use', () => {
    const s = launch(abc(), 'B').session;
    expect(nextViewedPattern(state(s, { viewedPattern: 'C', playing: true }), () => T0)).toBeUndefined();
  });

  it('falls back to the pattern playing when someone deletes it', () => {
    let s = launch(abc(), 'B').session;
    s = apply(s, { type: 'delete_pattern', pattern: 'C' }, T0 + 10_000);
    // B has started (the launch's step has passed): it plays, for whoever listens or not.
    expect(nextViewedPattern(state(s, { viewedPattern: 'C' }), () => T0 + 20_000)).toBe('B');
    expect(nextViewedPattern(state(s, { viewedPattern: 'C', playing: true }), () => T0 + 20_000)).toBe('B');
  });

  it('in a zustand store, as the app keeps it: survives a new snapshot and falls back when its pattern goes', () => {
    const store = createStore<ViewState>()(() => state(null, { status: 'connecting', peers: [], selfPeerId: null }));
    let now = T0;
    const stop = followViewedPattern(store, () => now);
    const s = abc();
    store.setState({ session: s, status: 'connecting' });
    expect(store.getState().viewedPattern).toBeNull();
    store.setState({ status: 'connected', selfPeerId: 'me', peers: [peer('me', 'A'), peer('sam', 'A', true)] });
    expect(store.getState().viewedPattern).toBe('A');

    store.setState({ viewedPattern: 'C' });
    // Sam launches B; a reconnect brings a fresh snapshot: the view stays on C.
    const { session: queued, step } = launch(s, 'B');
    store.setState({ session: structuredClone(queued), status: 'reconnecting' });
    store.setState({ status: 'connected' });
    expect(store.getState().viewedPattern).toBe('C');

    // Sam deletes C after B has started: the view falls back to B, which plays.
    now = T0 + (step + 4) * STEP_MS;
    store.setState({ session: apply(queued, { type: 'delete_pattern', pattern: 'C' }, now) });
    expect(store.getState().viewedPattern).toBe('B');
    stop();
    store.setState({ viewedPattern: 'K' });
    expect(store.getState().viewedPattern).toBe('K'); // unsubscribed
  });

  it('an undo or redo shows the pattern it changed; track, song and transport edits show none', () => {
    const row = makeTrack({ id: 'x', name: 'X', instrument: 'studio-kick' }).row;
    expect(patternTouched([{ type: 'set_step', trackId: 'kick', pattern: 'C', step: 0, on: true }])).toBe('C');
    expect(patternTouched([{ type: 'set_row', trackId: 'kick', pattern: 'B', row }])).toBe('B');
    expect(patternTouched([{ type: 'put_pattern', pattern: 'D', value: emptyPattern() }])).toBe('D');
    // Undoing a deletion brings the pattern back: shown.
    expect(patternTouched([{ type: 'add_pattern', pattern: 'E', value: emptyPattern() }])).toBe('E');
    expect(patternTouched([{ type: 'delete_pattern', pattern: 'E' }])).toBeNull();
    expect(patternTouched([{ type: 'set_volume', trackId: 'kick', volume: 0.5 }])).toBeNull();
    expect(patternTouched([{ type: 'add_song_entry', entry: { id: 'e', pattern: 'B', repeats: 1 }, beforeEntryId: null }])).toBeNull();
    expect(
      patternTouched([
        { type: 'set_song_start', entryId: 'e' },
        { type: 'set_length', trackId: 'kick', pattern: 'F', length: 8 },
      ]),
    ).toBe('F');
  });
});

describe('rows and labels', () => {
  it('a track without a row shows the one shared default row, which cannot be changed in place', () => {
    const s = abc();
    expect(viewRow(s, 'B', 'kick')).toBe(DEFAULT_ROW);
    expect(viewRow(s, 'B', 'kick')).toBe(viewRow(null, 'A', 'nope'));
    expect(viewRow(s, 'A', 'kick').steps[0]).toBe(true);
    expect(Object.isFrozen(DEFAULT_ROW) && Object.isFrozen(DEFAULT_ROW.steps)).toBe(true);
    expect(() => {
      (DEFAULT_ROW.steps as boolean[])[0] = true;
    }).toThrow(TypeError);
  });

  it('a pattern is "Pattern A", its name after a colon when it has one', () => {
    const s = apply(abc(), { type: 'set_pattern_name', pattern: 'B', name: 'Verse' });
    expect(patternLabel(s, 'A')).toBe('Pattern A');
    expect(patternLabel(s, 'B')).toBe('Pattern B: Verse');
  });
});

function peer(peerId: string, pattern: PatternId, playing = false) {
  return { peerId, name: peerId, color: '#123456', playing, cursor: null, pattern, listenOnly: false };
}
