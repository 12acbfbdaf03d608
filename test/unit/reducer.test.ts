/**
 * applyMutation is the one rule both sides run. Every mutation type applies as a
 * set-to-value (idempotent), refusals change nothing, and tracks are addressed by
 * id, never by index (failure modes 8, 11, 12).
 */
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  emptyRow,
  emptySession,
  emptySteps,
  LIMITS,
  type Mutation,
  makeTrack,
  parseMutation,
  rowOf,
  type Session,
  sessionFromTemplate,
  stepsSinceAnchor,
} from '../../core';

const T0 = 1_700_000_000_000;

function starter(): Session {
  return sessionFromTemplate('starter', T0)!;
}

function apply(session: Session, mutation: Mutation, at = T0 + 1000): Session {
  const before = JSON.stringify(session);
  const result = applyMutation(session, mutation, at);
  // Pure: the input is never modified, whatever the outcome.
  expect(JSON.stringify(session)).toBe(before);
  if (!result.ok) throw new Error(`refused: ${result.code} ${result.message}`);
  return result.session;
}

const ids = (s: Session) => s.tracks.map((t) => t.id);
const trackOf = (s: Session, id: string) => s.tracks.find((t) => t.id === id)!;
/** A track's row in pattern A (where every template's steps are). */
const rowA = (s: Session, id: string) => rowOf(s, 'A', id);

describe('every mutation type applies as set-to-value', () => {
  it('set_step sets one cell, and setting it again changes nothing', () => {
    const s = starter();
    expect(rowA(s, 'kick').steps[1]).toBe(false);
    const once = apply(s, { type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true });
    expect(rowA(once, 'kick').steps[1]).toBe(true);
    const twice = apply(once, { type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true });
    expect(twice).toEqual(once);
    const off = apply(twice, { type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: false });
    expect(off).toEqual(s);
    // Only that row and that cell changed: the tracks and the other rows are the same objects.
    expect(once.tracks).toBe(s.tracks);
    expect(once.patterns.A!.rows.snare).toBe(s.patterns.A!.rows.snare);
    expect(rowA(once, 'kick').steps.filter((on, i) => on !== rowA(s, 'kick').steps[i])).toHaveLength(1);
  });

  it('set_step beyond the visible length is stored', () => {
    const s = apply(starter(), { type: 'set_step', trackId: 'kick', pattern: 'A', step: 127, on: true });
    expect(rowA(s, 'kick').steps[127]).toBe(true);
  });

  it('set_velocity and set_pitch set one entry', () => {
    let s = apply(starter(), { type: 'set_velocity', trackId: 'bass', pattern: 'A', step: 3, velocity: 7 });
    s = apply(s, { type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 3, pitch: -12 });
    expect(rowA(s, 'bass').velocities[3]).toBe(7);
    expect(rowA(s, 'bass').pitches[3]).toBe(-12);
    expect(rowA(s, 'bass').velocities[2]).toBe(rowA(starter(), 'bass').velocities[2]);
  });

  it("set_steps replaces a row's steps with copies and keeps its length", () => {
    const steps = emptySteps();
    steps.steps[9] = true;
    steps.velocities[9] = 55;
    steps.pitches[9] = 4;
    const before = apply(starter(), { type: 'set_length', trackId: 'kick', pattern: 'A', length: 12 });
    const s = apply(before, { type: 'set_steps', trackId: 'kick', pattern: 'A', steps });
    const kick = rowA(s, 'kick');
    expect(kick).toEqual({ ...steps, length: 12 });
    steps.steps[0] = true; // the mutation object is not aliased into the state
    expect(kick.steps[0]).toBe(false);
  });

  it('track settings: name, instrument, volume, pan', () => {
    let s = apply(starter(), { type: 'set_track_name', trackId: 'hat', name: 'Shaker' });
    s = apply(s, { type: 'set_instrument', trackId: 'hat', instrument: '808-hat' });
    s = apply(s, { type: 'set_volume', trackId: 'hat', volume: 0.25 });
    s = apply(s, { type: 'set_pan', trackId: 'hat', pan: 0.5 });
    expect(trackOf(s, 'hat')).toMatchObject({ name: 'Shaker', instrument: '808-hat', volume: 0.25, pan: 0.5 });
  });

  it('session settings: tempo, swing, name, effects, play together, playing', () => {
    let s = apply(starter(), { type: 'set_swing', swing: 55 });
    s = apply(s, { type: 'set_session_name', name: 'Night' });
    s = apply(s, { type: 'set_effect', param: 'reverb', value: 0.6 });
    s = apply(s, { type: 'set_effect', param: 'delayFeedback', value: 0.9 });
    s = apply(s, { type: 'set_play_together', together: true });
    s = apply(s, { type: 'set_playing', playing: true });
    s = apply(s, { type: 'set_tempo', tempo: 140 });
    expect(s).toMatchObject({
      swing: 55,
      name: 'Night',
      tempo: 140,
      effects: { reverb: 0.6, delay: 0, delayFeedback: 0.9 },
      timeline: { together: true, playing: true },
    });
  });

  it('each effect has its own range, checked by the schema before any reducer runs (delay feedback ≤ 0.9)', () => {
    expect(parseMutation({ type: 'set_effect', param: 'delayFeedback', value: 0.95 })).toMatchObject({
      ok: false,
      message: expect.stringContaining('value'),
    });
    expect(parseMutation({ type: 'set_effect', param: 'reverb', value: 0.95 }).ok).toBe(true);
  });

  it('refuses a mutation type it does not know with a result, never a crash (a newer client wrote it)', () => {
    const result = applyMutation(starter(), { type: 'set_everything', value: 1 } as unknown as Mutation, T0);
    expect(result).toMatchObject({ ok: false, code: 'unknown_mutation', message: expect.stringContaining('set_everything') });
  });
});

describe('tracks are addressed by id', () => {
  const newTrack = (id: string) => makeTrack({ id, name: id, instrument: 'piano' }).track;
  const add = (id: string, beforeTrackId: string | null): Mutation => ({ type: 'add_track', track: newTrack(id), rows: {}, beforeTrackId });

  it('add_track appends, or inserts before a given track', () => {
    let s = apply(starter(), add('lead', null));
    expect(ids(s)).toEqual(['kick', 'snare', 'hat', 'bass', 'lead']);
    s = apply(s, add('pad', 'snare'));
    expect(ids(s)).toEqual(['kick', 'pad', 'snare', 'hat', 'bass', 'lead']);
    // Before a track that is gone (deleted concurrently): at the end.
    s = apply(s, add('fx', 'nope'));
    expect(ids(s).at(-1)).toBe('fx');
  });

  it('add_track copies the track and its rows, so later edits to the message do not leak in', () => {
    const t = makeTrack({ id: 'lead', name: 'Lead', instrument: 'piano', on: [3] });
    const s = apply(starter(), { type: 'add_track', track: t.track, rows: { A: t.row }, beforeTrackId: null });
    t.row.steps[0] = true;
    t.track.name = 'Changed';
    expect(rowA(s, 'lead').steps[0]).toBe(false);
    expect(rowA(s, 'lead').steps[3]).toBe(true);
    expect(trackOf(s, 'lead').name).toBe('Lead');
  });

  it('add_track refuses a duplicate id and the 17th track', () => {
    const s = starter();
    expect(applyMutation(s, add('kick', null), T0)).toMatchObject({
      ok: false,
      code: 'duplicate_track',
    });
    let full = emptySession(T0);
    for (let i = 0; i < LIMITS.maxTracks; i++) {
      full = apply(full, add(`t${i}`, null));
    }
    expect(full.tracks).toHaveLength(LIMITS.maxTracks);
    expect(applyMutation(full, add('one-more', null), T0)).toMatchObject({
      ok: false,
      code: 'too_many_tracks',
    });
  });

  it('delete_track removes exactly that one track, and deleting it again is a no-op', () => {
    // Two tracks with the same instrument and name: only the id decides (failure mode 8).
    let s = apply(starter(), {
      type: 'add_track',
      track: { ...newTrack('k2'), name: 'Kick', instrument: 'studio-kick' },
      rows: { A: rowA(starter(), 'kick') },
      beforeTrackId: 'snare',
    });
    s = apply(s, { type: 'delete_track', trackId: 'kick' });
    expect(ids(s)).toEqual(['k2', 'snare', 'hat', 'bass']);
    expect(s.patterns.A!.rows.kick).toBeUndefined();
    expect(rowA(s, 'k2')).toEqual(rowA(starter(), 'kick'));
    const again = apply(s, { type: 'delete_track', trackId: 'kick' });
    expect(again).toEqual(s);
    expect(apply(s, { type: 'delete_track', trackId: 'never-was' })).toEqual(s);
  });

  it('move_track moves by id, wherever the track is now', () => {
    const s = starter();
    let moved = apply(s, { type: 'move_track', trackId: 'bass', beforeTrackId: 'kick' });
    expect(ids(moved)).toEqual(['bass', 'kick', 'snare', 'hat']);
    moved = apply(moved, { type: 'move_track', trackId: 'bass', beforeTrackId: null });
    expect(ids(moved)).toEqual(['kick', 'snare', 'hat', 'bass']);
    moved = apply(moved, { type: 'move_track', trackId: 'kick', beforeTrackId: 'bass' });
    expect(ids(moved)).toEqual(['snare', 'hat', 'kick', 'bass']);
    // Idempotent: the same move twice is the same as once.
    expect(apply(moved, { type: 'move_track', trackId: 'kick', beforeTrackId: 'bass' })).toEqual(moved);
    // Before itself: nothing changes.
    expect(apply(moved, { type: 'move_track', trackId: 'kick', beforeTrackId: 'kick' })).toEqual(moved);
    // Before a track that is gone: to the end.
    expect(ids(apply(moved, { type: 'move_track', trackId: 'snare', beforeTrackId: 'gone' }))).toEqual(['hat', 'kick', 'bass', 'snare']);
    // The track itself is carried intact.
    expect(trackOf(moved, 'kick')).toEqual(trackOf(s, 'kick'));
  });

  it('two clients moving different tracks converge whatever the order', () => {
    const s = starter();
    const a: Mutation = { type: 'move_track', trackId: 'bass', beforeTrackId: 'kick' };
    const b: Mutation = { type: 'move_track', trackId: 'hat', beforeTrackId: 'snare' };
    // The server picks one order; every client applies the server's order, so this is
    // about determinism: the same order always gives the same result.
    expect(apply(apply(s, a), b)).toEqual(apply(apply(structuredClone(s), a), b));
  });

  it.each([
    { type: 'set_step', trackId: 'ghost', pattern: 'A', step: 0, on: true },
    { type: 'set_velocity', trackId: 'ghost', pattern: 'A', step: 0, velocity: 1 },
    { type: 'set_pitch', trackId: 'ghost', pattern: 'A', step: 0, pitch: 1 },
    { type: 'set_steps', trackId: 'ghost', pattern: 'A', steps: emptySteps() },
    { type: 'set_row', trackId: 'ghost', pattern: 'A', row: emptyRow(8) },
    { type: 'set_length', trackId: 'ghost', pattern: 'A', length: 8 },
    { type: 'set_track_name', trackId: 'ghost', name: 'x' },
    { type: 'set_instrument', trackId: 'ghost', instrument: 'piano' },
    { type: 'set_volume', trackId: 'ghost', volume: 1 },
    { type: 'set_pan', trackId: 'ghost', pan: 0 },
    { type: 'move_track', trackId: 'ghost', beforeTrackId: null },
  ] satisfies Mutation[])('$type on an unknown track is refused and changes nothing', (mutation) => {
    const s = starter();
    const before = JSON.stringify(s);
    expect(applyMutation(s, mutation, T0)).toMatchObject({ ok: false, code: 'unknown_track' });
    expect(JSON.stringify(s)).toBe(before);
  });
});

describe('set_length keeps the steps beyond the visible length (failure mode 12)', () => {
  it('shrinking and growing again restores every step, velocity and pitch', () => {
    let s = starter();
    s = apply(s, { type: 'set_length', trackId: 'bass', pattern: 'A', length: 32 });
    s = apply(s, { type: 'set_step', trackId: 'bass', pattern: 'A', step: 30, on: true });
    s = apply(s, { type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 30, pitch: 7 });
    s = apply(s, { type: 'set_velocity', trackId: 'bass', pattern: 'A', step: 30, velocity: 90 });
    const full = rowA(s, 'bass');
    const short = apply(s, { type: 'set_length', trackId: 'bass', pattern: 'A', length: 3 });
    expect(rowA(short, 'bass').length).toBe(3);
    expect(rowA(short, 'bass').steps).toEqual(full.steps);
    expect(rowA(short, 'bass').steps).toHaveLength(LIMITS.maxSteps);
    const back = apply(short, { type: 'set_length', trackId: 'bass', pattern: 'A', length: 32 });
    expect(rowA(back, 'bass')).toEqual(full);
  });
});

describe('set_tempo keeps the shared timeline continuous (retimeAnchor)', () => {
  it.each([
    [120, 60],
    [110, 173.25],
    [300, 30],
  ])('%s → %s BPM: the position at the moment of change stays the same', (from, to) => {
    let s = { ...emptySession(T0), tempo: from };
    const at = T0 + 123_457;
    const before = stepsSinceAnchor(s.timeline.anchorMs, s.tempo, at);
    s = apply(s, { type: 'set_tempo', tempo: to }, at);
    expect(s.tempo).toBe(to);
    const after = stepsSinceAnchor(s.timeline.anchorMs, s.tempo, at);
    // Within float noise of an epoch-sized anchor (well under a microsecond).
    expect(after).toBeCloseTo(before, 4);
    // …and from then on time advances at the new tempo.
    const later = stepsSinceAnchor(s.timeline.anchorMs, s.tempo, at + 60_000);
    expect(later - after).toBeCloseTo((to / 60) * 4 * 60, 6);
  });

  it('the same tempo leaves the anchor alone, and the result depends only on `at`', () => {
    const s = starter();
    expect(apply(s, { type: 'set_tempo', tempo: s.tempo }, T0 + 5).timeline.anchorMs).toBe(s.timeline.anchorMs);
    const a = apply(s, { type: 'set_tempo', tempo: 90 }, T0 + 777);
    const b = apply(structuredClone(s), { type: 'set_tempo', tempo: 90 }, T0 + 777);
    expect(a).toEqual(b);
  });
});
