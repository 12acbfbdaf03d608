/**
 * What the pattern launcher says plays and what is queued, counting down in bars and
 * then beats (app/ui/patterns/playStatus.ts), from sessions built by the real reducer.
 */
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  emptyPattern,
  emptySession,
  makeTrack,
  type Mutation,
  type Session,
  sessionWithTracks,
  stepDurationMs,
} from '../../core';
import { countdown, playStatus } from '../../app/ui/patterns/playStatus';

const T0 = 1_700_000_000_000;
const STEP_MS = stepDurationMs(120);

function apply(session: Session, mutation: Mutation, at = T0): Session {
  const result = applyMutation(session, mutation, at);
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`);
  return result.session;
}

/** Pattern A (16 steps) and B (a 64-step row), A playing from step 0. */
function ab(): Session {
  let s = sessionWithTracks(emptySession(T0), [makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0] })]);
  s = apply(s, { type: 'add_pattern', pattern: 'B', value: emptyPattern() });
  return apply(s, { type: 'set_length', trackId: 'kick', pattern: 'B', length: 64 });
}

describe('the countdown', () => {
  it('counts whole bars beyond one bar, then beats, rounding up', () => {
    expect(countdown(48)).toBe('in 3 bars');
    expect(countdown(17)).toBe('in 2 bars');
    expect(countdown(16)).toBe('in 4 beats');
    expect(countdown(13)).toBe('in 4 beats');
    expect(countdown(12)).toBe('in 3 beats');
    expect(countdown(4)).toBe('in 1 beat');
    expect(countdown(0.25)).toBe('in 1 beat');
  });
});

describe('what plays and what is queued', () => {
  it('nobody playing: what Play would start, a queued launch included, without a countdown', () => {
    const s = ab();
    expect(playStatus(s, null)).toMatchObject({ now: 'Ready: pattern A', next: null, pattern: 'A', sounding: false, live: false });
    const queued = apply(s, { type: 'launch_pattern', pattern: 'B', when: 'bar' });
    expect(playStatus(queued, null)).toMatchObject({ now: 'Ready: pattern B', next: null, pattern: 'B' });
  });

  it('playing: the launch counts down to its bar, then has happened', () => {
    // Asked at step 2: lands on the bar line at step 16.
    const s = apply(ab(), { type: 'launch_pattern', pattern: 'B', when: 'bar' }, T0 + 2 * STEP_MS);
    expect(s.transport.next).toEqual({ pattern: 'B', at: 16 });
    expect(playStatus(s, 2.5)).toMatchObject({
      now: 'Playing pattern A',
      next: 'Next: pattern B in 4 beats',
      pattern: 'A',
      sounding: true,
      queued: 'B',
      live: true,
    });
    expect(playStatus(s, 15.9).next).toBe('Next: pattern B in 1 beat');
    expect(playStatus(s, 16)).toMatchObject({ now: 'Playing pattern B', next: null, pattern: 'B', queued: null, live: false });
  });

  it('a launch at the end of a long pattern counts bars', () => {
    let s = apply(ab(), { type: 'launch_pattern', pattern: 'B', when: 'now' }, T0);
    const from = s.transport.next!.at;
    s = apply(s, { type: 'launch_pattern', pattern: 'A', when: 'end' }, T0 + (from + 3) * STEP_MS);
    expect(s.transport.next).toEqual({ pattern: 'A', at: from + 64 });
    expect(playStatus(s, from + 4).next).toBe('Next: pattern A in 4 bars');
  });

  it('song mode: the entry playing, its place in the song, and the end of a song that does not loop', () => {
    let s = ab();
    s = apply(s, { type: 'add_song_entry', entry: { id: 'e1', pattern: 'A', repeats: 2 }, beforeEntryId: null });
    s = apply(s, { type: 'add_song_entry', entry: { id: 'e2', pattern: 'B', repeats: 1 }, beforeEntryId: null });
    s = apply(s, { type: 'set_song_loop', loop: false });
    s = apply(s, { type: 'launch_pattern', pattern: null, when: 'bar' });
    const from = s.transport.next!.at;
    expect(playStatus(s, from - 1)).toMatchObject({ now: 'Playing pattern A', next: 'Next: the song in 1 beat', queued: 'song' });
    expect(playStatus(s, from + 31)).toMatchObject({ now: 'Playing the song: entry 1 of 2, pattern A', entry: 0, live: true });
    expect(playStatus(s, from + 32)).toMatchObject({ now: 'Playing the song: entry 2 of 2, pattern B', entry: 1, pattern: 'B' });
    expect(playStatus(s, from + 96)).toMatchObject({ now: 'The song has ended', entry: null, sounding: false, live: false });
    // Nobody playing: ready to play the song from its start entry.
    expect(playStatus(s, null)).toMatchObject({ now: 'Ready: the song', entry: 0, pattern: 'A' });
    s = apply(s, { type: 'set_song_start', entryId: 'e2' });
    expect(playStatus(s, null)).toMatchObject({ now: 'Ready: the song from entry 2', entry: 1, pattern: 'B' });
  });
});
