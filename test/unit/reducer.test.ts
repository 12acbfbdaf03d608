/**
 * applyMutation is the one rule both sides run. Every mutation type applies as a
 * set-to-value (idempotent), refusals change nothing, and tracks, patterns and song
 * entries are addressed by id, never by index (failure modes 8, 11, 12). Undo's
 * inverse of every mutation restores what it changed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  BAR_STEPS,
  cueAt,
  emptyPattern,
  emptyRow,
  emptySession,
  emptySteps,
  inverseOf,
  LAUNCH_LEAD_MS,
  LIMITS,
  MAX_ANCHOR_SKEW_MS,
  type Mutation,
  makeTrack,
  type Pattern,
  type PatternId,
  parseMutation,
  patternSteps,
  type RefusalCode,
  rowOf,
  type Session,
  type SongEntry,
  sessionFromTemplate,
  stepDurationMs,
  stepsSinceAnchor,
  type Transport,
  transportAt,
} from '../../core';
import { type Intent, KINDS, mutationFor } from './sim/mutations';

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

/** Refused with `code`, and nothing changed. */
function refuse(session: Session, mutation: Mutation, code: RefusalCode, at = T0 + 1000): string {
  const before = JSON.stringify(session);
  const result = applyMutation(session, mutation, at);
  expect(result, JSON.stringify(mutation)).toMatchObject({ ok: false, code });
  expect(JSON.stringify(session)).toBe(before);
  return result.ok ? '' : result.message;
}

/** The starter with patterns B (a 12-step kick) and C (empty) in use, and a song A ×2, B. */
function arranged(): Session {
  let s = starter();
  const kick12 = { ...emptyRow(12), steps: emptyRow().steps.map((_, i) => i % 3 === 0) };
  s = apply(s, { type: 'add_pattern', pattern: 'B', value: { name: 'Chorus', rows: { kick: kick12 } } });
  s = apply(s, { type: 'add_pattern', pattern: 'C', value: emptyPattern() });
  s = apply(s, { type: 'add_song_entry', entry: { id: 'e1', pattern: 'A', repeats: 2 }, beforeEntryId: null });
  s = apply(s, { type: 'add_song_entry', entry: { id: 'e2', pattern: 'B', repeats: 1 }, beforeEntryId: null });
  return s;
}

/** The server time of a (fractional) global step of a session's timeline. */
const timeOf = (s: Session, step: number) => s.timeline.anchorMs + step * stepDurationMs(s.tempo);

describe('rows: each track has one in each pattern', () => {
  it('step setters write into the pattern they name and no other', () => {
    const s = arranged();
    const b = apply(s, { type: 'set_step', trackId: 'snare', pattern: 'B', step: 2, on: true });
    expect(rowOf(b, 'B', 'snare').steps[2]).toBe(true);
    expect(rowOf(b, 'A', 'snare')).toEqual(rowOf(s, 'A', 'snare'));
    expect(b.patterns.A).toBe(s.patterns.A);
    expect(b.patterns.C).toBe(s.patterns.C);
    const v = apply(b, { type: 'set_velocity', trackId: 'snare', pattern: 'C', step: 2, velocity: 3 });
    expect(rowOf(v, 'C', 'snare').velocities[2]).toBe(3);
    expect(rowOf(v, 'B', 'snare').velocities[2]).toBe(100);
    const l = apply(v, { type: 'set_length', trackId: 'hat', pattern: 'C', length: 5 });
    expect(rowOf(l, 'C', 'hat').length).toBe(5);
    expect(rowOf(l, 'A', 'hat').length).toBe(16);
  });

  it.each([
    { type: 'set_step', trackId: 'kick', pattern: 'D', step: 0, on: true },
    { type: 'set_velocity', trackId: 'kick', pattern: 'D', step: 0, velocity: 1 },
    { type: 'set_pitch', trackId: 'kick', pattern: 'D', step: 0, pitch: 1 },
    { type: 'set_length', trackId: 'kick', pattern: 'D', length: 8 },
    { type: 'set_row', trackId: 'kick', pattern: 'D', row: emptyRow(8) },
    { type: 'set_steps', trackId: 'kick', pattern: 'D', steps: emptySteps() },
    { type: 'set_pattern_name', pattern: 'D', name: 'Bridge' },
    { type: 'put_pattern', pattern: 'D', value: emptyPattern() },
    { type: 'add_song_entry', entry: { id: 'e9', pattern: 'D', repeats: 1 }, beforeEntryId: null },
    { type: 'set_song_entry', entry: { id: 'e1', pattern: 'D', repeats: 1 } },
    { type: 'launch_pattern', pattern: 'D', when: 'bar' },
  ] satisfies Mutation[])('$type into a pattern not in use is refused (unknown_pattern) and changes nothing', (mutation) => {
    expect(refuse(arranged(), mutation, 'unknown_pattern')).toContain('pattern D');
  });

  it('a row back at the default (length 16, every step off) is dropped: it costs nothing', () => {
    let s = starter();
    expect(s.patterns.A!.rows.snare).toBeDefined();
    s = apply(s, { type: 'set_step', trackId: 'snare', pattern: 'A', step: 4, on: false });
    expect(s.patterns.A!.rows.snare).toBeDefined();
    s = apply(s, { type: 'set_step', trackId: 'snare', pattern: 'A', step: 12, on: false });
    expect('snare' in s.patterns.A!.rows).toBe(false);
    expect(rowOf(s, 'A', 'snare')).toEqual(emptyRow());
    // A length other than 16 is kept, back to 16 it goes.
    s = apply(s, { type: 'set_length', trackId: 'snare', pattern: 'A', length: 12 });
    expect(s.patterns.A!.rows.snare).toEqual(emptyRow(12));
    s = apply(s, { type: 'set_length', trackId: 'snare', pattern: 'A', length: 16 });
    expect('snare' in s.patterns.A!.rows).toBe(false);
    // A velocity or pitch away from the default keeps the row though no step is on.
    s = apply(s, { type: 'set_pitch', trackId: 'snare', pattern: 'A', step: 9, pitch: 2 });
    expect(s.patterns.A!.rows.snare!.pitches[9]).toBe(2);
    s = apply(s, { type: 'set_pitch', trackId: 'snare', pattern: 'A', step: 9, pitch: 0 });
    expect('snare' in s.patterns.A!.rows).toBe(false);
  });

  it('set_row pastes a whole row (a copy); the default row clears it away', () => {
    const s = arranged();
    const pasted = structuredClone(rowOf(s, 'A', 'bass'));
    const p = apply(s, { type: 'set_row', trackId: 'bass', pattern: 'C', row: pasted });
    expect(rowOf(p, 'C', 'bass')).toEqual(rowOf(s, 'A', 'bass'));
    pasted.steps[15] = !pasted.steps[15];
    expect(rowOf(p, 'C', 'bass').steps[15]).toBe(rowOf(s, 'A', 'bass').steps[15]);
    expect(apply(p, { type: 'set_row', trackId: 'bass', pattern: 'C', row: rowOf(s, 'A', 'bass') })).toEqual(p);
    const cleared = apply(p, { type: 'set_row', trackId: 'bass', pattern: 'C', row: emptyRow() });
    expect('bass' in cleared.patterns.C!.rows).toBe(false);
    expect(cleared).toEqual(s);
  });

  it("set_steps clears a row's steps and keeps its length (a 16-step row cleared is dropped)", () => {
    const s = arranged();
    const a = apply(s, { type: 'set_steps', trackId: 'kick', pattern: 'A', steps: emptySteps() });
    expect('kick' in a.patterns.A!.rows).toBe(false);
    const b = apply(s, { type: 'set_steps', trackId: 'kick', pattern: 'B', steps: emptySteps() });
    expect(b.patterns.B!.rows.kick).toEqual(emptyRow(12));
  });

  it('set_pattern_name names a pattern; set again, nothing changes', () => {
    const s = apply(arranged(), { type: 'set_pattern_name', pattern: 'C', name: 'Bridge ✨' });
    expect(s.patterns.C).toEqual({ ...emptyPattern(), name: 'Bridge ✨' });
    expect(apply(s, { type: 'set_pattern_name', pattern: 'C', name: 'Bridge ✨' })).toEqual(s);
  });
});

describe('tracks across patterns', () => {
  it('add_track puts its rows into the patterns in use; rows for a pattern not in use, and default rows, are dropped', () => {
    const s = arranged();
    const lead = makeTrack({ id: 'lead', name: 'Lead', instrument: 'saw-lead', length: 8, on: [1] });
    const inB = { ...emptyRow(16), steps: emptyRow().steps.map((_, i) => i === 5) };
    const added = apply(s, {
      type: 'add_track',
      track: lead.track,
      rows: { A: lead.row, B: inB, C: emptyRow(), D: lead.row },
      beforeTrackId: 'snare',
    });
    expect(added.tracks.map((t) => t.id)).toEqual(['kick', 'lead', 'snare', 'hat', 'bass']);
    expect(added.patterns.A!.rows.lead).toEqual(lead.row);
    expect(added.patterns.B!.rows.lead).toEqual(inB);
    expect('lead' in added.patterns.C!.rows).toBe(false);
    expect(added.patterns.D).toBeUndefined();
  });

  it('delete_track removes its rows in every pattern', () => {
    let s = arranged();
    s = apply(s, { type: 'set_step', trackId: 'kick', pattern: 'C', step: 1, on: true });
    expect(['A', 'B', 'C'].every((p) => 'kick' in s.patterns[p as PatternId]!.rows)).toBe(true);
    const gone = apply(s, { type: 'delete_track', trackId: 'kick' });
    for (const p of ['A', 'B', 'C'] as const) expect(gone.patterns[p]!.rows.kick, p).toBeUndefined();
    expect(gone.patterns.A!.rows.snare).toBe(s.patterns.A!.rows.snare);
    // Adding it back with no rows: it has the default row everywhere.
    const back = apply(gone, { type: 'add_track', track: trackOf(s, 'kick'), rows: {}, beforeTrackId: null });
    expect(rowOf(back, 'B', 'kick')).toEqual(emptyRow());
  });
});

describe('patterns', () => {
  it('add_pattern brings a letter into use with copies of its rows; rows of unknown tracks and default rows are dropped', () => {
    const s = arranged();
    const value: Pattern = structuredClone({
      name: 'Bridge',
      rows: { hat: rowOf(s, 'A', 'hat'), ghost: rowOf(s, 'A', 'kick'), bass: emptyRow() },
    });
    const d = apply(s, { type: 'add_pattern', pattern: 'D', value });
    expect(d.patterns.D).toEqual({ name: 'Bridge', rows: { hat: rowOf(s, 'A', 'hat') } });
    value.rows.hat!.steps[1] = !value.rows.hat!.steps[1];
    expect(d.patterns.D!.rows.hat).toEqual(rowOf(s, 'A', 'hat'));
    expect(refuse(d, { type: 'add_pattern', pattern: 'D', value: emptyPattern() }, 'duplicate_pattern')).toContain('pattern D');
  });

  it('put_pattern replaces a pattern in use (duplicate into it, clear it)', () => {
    const s = arranged();
    const copy = apply(s, { type: 'put_pattern', pattern: 'C', value: s.patterns.A! });
    expect(copy.patterns.C).toEqual(s.patterns.A);
    const cleared = apply(copy, { type: 'put_pattern', pattern: 'A', value: emptyPattern() });
    expect(cleared.patterns.A).toEqual(emptyPattern());
    expect(cleared.patterns.C).toEqual(s.patterns.A);
    refuse(s, { type: 'put_pattern', pattern: 'E', value: emptyPattern() }, 'unknown_pattern');
  });

  it('delete_pattern takes a pattern out of use; one not in use is a successful no-op', () => {
    const s = arranged();
    const c = apply(s, { type: 'delete_pattern', pattern: 'C' });
    expect(Object.keys(c.patterns).sort()).toEqual(['A', 'B']);
    expect(apply(c, { type: 'delete_pattern', pattern: 'C' })).toEqual(c);
  });

  it('delete_pattern is refused (pattern_in_use) for the pattern playing, the one queued, one the song plays, and the last one', () => {
    const s = arranged(); // A plays; the song has A and B
    expect(refuse(s, { type: 'delete_pattern', pattern: 'A' }, 'pattern_in_use')).toContain('playing');
    expect(refuse(s, { type: 'delete_pattern', pattern: 'B' }, 'pattern_in_use')).toContain('song');
    const queued = apply(s, { type: 'launch_pattern', pattern: 'C', when: 'bar' });
    expect(refuse(queued, { type: 'delete_pattern', pattern: 'C' }, 'pattern_in_use')).toContain('queued');
    const alone = emptySession(T0);
    expect(refuse(alone, { type: 'delete_pattern', pattern: 'A' }, 'pattern_in_use')).toContain('last');
    // A song playing keeps its pattern too (what plays when the song is left).
    let song = apply(s, { type: 'put_pattern', pattern: 'C', value: emptyPattern() });
    song = { ...song, transport: { song: true, pattern: 'C', from: 0, next: null } };
    expect(refuse(song, { type: 'delete_pattern', pattern: 'C' }, 'pattern_in_use')).toContain('when the song is left');
  });

  it('delete_pattern counts a launch whose step has come as played: the pattern it left may go', () => {
    let s = arranged();
    s = apply(s, { type: 'delete_song_entry', entryId: 'e1' });
    // C queued at step 16; the delete comes at step 20.
    s = { ...s, transport: { song: false, pattern: 'A', from: 0, next: { pattern: 'C', at: 16 } } };
    refuse(s, { type: 'delete_pattern', pattern: 'A' }, 'pattern_in_use', timeOf(s, 15));
    const d = apply(s, { type: 'delete_pattern', pattern: 'A' }, timeOf(s, 20));
    expect(d.patterns.A).toBeUndefined();
    expect(d.transport).toEqual({ song: false, pattern: 'C', from: 16, next: null });
  });
});

describe('the song', () => {
  const entry = (id: string, pattern: PatternId = 'A', repeats = 1): SongEntry => ({ id, pattern, repeats });
  const entries = (s: Session) => s.song.entries.map((e) => e.id);

  it('add_song_entry appends, or inserts before an entry (one gone: at the end)', () => {
    let s = arranged();
    s = apply(s, { type: 'add_song_entry', entry: entry('e3', 'C', 16), beforeEntryId: 'e2' });
    expect(entries(s)).toEqual(['e1', 'e3', 'e2']);
    expect(s.song.entries[1]).toEqual({ id: 'e3', pattern: 'C', repeats: 16 });
    s = apply(s, { type: 'add_song_entry', entry: entry('e4'), beforeEntryId: 'gone' });
    expect(entries(s)).toEqual(['e1', 'e3', 'e2', 'e4']);
    expect(refuse(s, { type: 'add_song_entry', entry: entry('e3'), beforeEntryId: null }, 'duplicate_song_entry')).toContain('e3');
  });

  it(`add_song_entry refuses entry ${LIMITS.maxSongEntries + 1} (song_full)`, () => {
    let s = emptySession(T0);
    for (let i = 0; i < LIMITS.maxSongEntries; i++) s = apply(s, { type: 'add_song_entry', entry: entry(`e${i}`), beforeEntryId: null });
    expect(s.song.entries).toHaveLength(LIMITS.maxSongEntries);
    refuse(s, { type: 'add_song_entry', entry: entry('more'), beforeEntryId: null }, 'song_full');
  });

  it("set_song_entry sets an entry's pattern and repeats, by id", () => {
    const s = apply(arranged(), { type: 'set_song_entry', entry: entry('e1', 'C', 3) });
    expect(s.song.entries).toEqual([entry('e1', 'C', 3), entry('e2', 'B', 1)]);
    expect(apply(s, { type: 'set_song_entry', entry: entry('e1', 'C', 3) })).toEqual(s);
    expect(refuse(s, { type: 'set_song_entry', entry: entry('e9') }, 'unknown_song_entry')).toContain('e9');
  });

  it('delete_song_entry removes it; deleting one gone succeeds and changes nothing; a start naming it stays', () => {
    let s = apply(arranged(), { type: 'set_song_start', entryId: 'e2' });
    s = apply(s, { type: 'delete_song_entry', entryId: 'e2' });
    expect(entries(s)).toEqual(['e1']);
    expect(s.song.start).toBe('e2');
    expect(apply(s, { type: 'delete_song_entry', entryId: 'e2' })).toEqual(s);
  });

  it('move_song_entry moves by id, idempotently; before itself nothing changes; an unknown entry is refused', () => {
    let s = arranged();
    s = apply(s, { type: 'add_song_entry', entry: entry('e3', 'C'), beforeEntryId: null });
    const moved = apply(s, { type: 'move_song_entry', entryId: 'e3', beforeEntryId: 'e1' });
    expect(entries(moved)).toEqual(['e3', 'e1', 'e2']);
    expect(apply(moved, { type: 'move_song_entry', entryId: 'e3', beforeEntryId: 'e1' })).toEqual(moved);
    expect(apply(moved, { type: 'move_song_entry', entryId: 'e1', beforeEntryId: 'e1' })).toEqual(moved);
    expect(entries(apply(moved, { type: 'move_song_entry', entryId: 'e3', beforeEntryId: null }))).toEqual(['e1', 'e2', 'e3']);
    refuse(moved, { type: 'move_song_entry', entryId: 'e9', beforeEntryId: null }, 'unknown_song_entry');
  });

  it('set_song_loop and set_song_start', () => {
    let s = apply(arranged(), { type: 'set_song_loop', loop: false });
    s = apply(s, { type: 'set_song_start', entryId: 'e2' });
    expect(s.song).toMatchObject({ loop: false, start: 'e2' });
    expect(apply(s, { type: 'set_song_start', entryId: null }).song.start).toBeNull();
  });
});

describe('launch_pattern', () => {
  /** Where a launch asked at `at` counts from: the room's clock plus the lead, in steps. */
  const positionAt = (s: Session, at: number) => stepsSinceAnchor(s.timeline.anchorMs, s.tempo, at + LAUNCH_LEAD_MS);

  it("queues a pattern ('now': the next step at least LAUNCH_LEAD_MS away) without changing what plays", () => {
    const s = arranged();
    const at = timeOf(s, 100.25);
    const l = apply(s, { type: 'launch_pattern', pattern: 'C', when: 'now' }, at);
    expect(l.transport).toEqual({ ...s.transport, next: { pattern: 'C', at: Math.ceil(positionAt(s, at)) } });
    expect(timeOf(l, l.transport.next!.at)).toBeGreaterThanOrEqual(at + LAUNCH_LEAD_MS);
    expect(l.transport.next!.at - positionAt(s, at)).toBeLessThan(1);
  });

  it("'end' lands where the pattern playing ends a pass; null launches the song", () => {
    const s = { ...arranged(), transport: { song: false, pattern: 'B', from: 3, next: null } satisfies Transport };
    const at = timeOf(s, 20);
    const l = apply(s, { type: 'launch_pattern', pattern: null, when: 'end' }, at);
    // B: the other tracks have no row in B (16 steps), so 16 a pass from 3: 3, 19, 35; asked at 20 + the lead.
    expect(l.transport.next).toEqual({ pattern: null, at: 35 });
    expect(cueAt(l, 35)).toMatchObject({ pattern: 'A', start: 35, entry: 0 });
  });

  it("'end' with a launch falling due within the lead: that launch happens, and the new one lands at the end of its pattern's pass", () => {
    // Tempo 120: 125 ms a step, the lead 3.2 steps. A (16 a pass) plays; B (every row 12 steps) is queued at 32.
    let s: Session = { ...arranged(), tempo: 120 };
    for (const t of s.tracks) s = apply(s, { type: 'set_length', trackId: t.id, pattern: 'B', length: 12 });
    expect(patternSteps(s, 'B')).toBe(12);
    s = { ...s, transport: { song: false, pattern: 'A', from: 0, next: { pattern: 'B', at: 32 } } };
    // Asked at step 31.5: B starts at 32 before anyone could hear of a change (the lead), so C follows B's first pass.
    const l = apply(s, { type: 'launch_pattern', pattern: 'C', when: 'end' }, timeOf(s, 31.5));
    expect(l.transport).toEqual({ song: false, pattern: 'B', from: 32, next: { pattern: 'C', at: 44 } });
    expect(cueAt(l, 32)).toMatchObject({ pattern: 'B', start: 32 });
    expect(cueAt(l, 44)).toMatchObject({ pattern: 'C', start: 44 });
  });

  it("launching 'bar' lands on the next bar line at least LAUNCH_LEAD_MS after the request, whatever the position and tempo", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: LIMITS.minTempo, max: LIMITS.maxTempo, noNaN: true }),
        fc.constantFrom<PatternId | null>('A', 'B', 'C', null),
        (position, tempo, pattern) => {
          const s = { ...arranged(), tempo };
          const at = timeOf(s, position);
          const { next } = apply(s, { type: 'launch_pattern', pattern, when: 'bar' }, at).transport;
          expect(next!.pattern).toBe(pattern);
          expect(Number.isSafeInteger(next!.at)).toBe(true);
          expect(next!.at % BAR_STEPS).toBe(0);
          // At least the lead after the request (within float noise of a bar line), and the first such bar.
          expect(timeOf(s, next!.at)).toBeGreaterThanOrEqual(at + LAUNCH_LEAD_MS - 1e-3);
          expect(timeOf(s, next!.at - BAR_STEPS)).toBeLessThan(at + LAUNCH_LEAD_MS);
        },
      ),
      { seed: 20_261_207, numRuns: 2000 },
    );
  }, 60_000);

  it('every launch lands at or after the request plus the lead: the next step, the next bar, or where the pattern sounding then ends a pass', () => {
    // A (16 a pass), B (every row 12), C (a 32-step row): any transport, song, position and tempo.
    let base: Session = arranged();
    for (const t of base.tracks) base = apply(base, { type: 'set_length', trackId: t.id, pattern: 'B', length: 12 });
    base = apply(base, { type: 'set_length', trackId: 'bass', pattern: 'C', length: 32 });
    const letter = fc.constantFrom<PatternId>('A', 'B', 'C');
    const transport = fc.record({
      song: fc.boolean(),
      pattern: letter,
      from: fc.integer({ min: 0, max: 500 }),
      next: fc.option(fc.record({ pattern: fc.option(letter, { nil: null }), after: fc.integer({ min: 0, max: 64 }) }), { nil: null }),
    });
    const song = fc.record({
      entries: fc.array(fc.record({ pattern: letter, repeats: fc.integer({ min: 1, max: 3 }) }), { maxLength: 4 }),
      loop: fc.boolean(),
      start: fc.constantFrom(null, 's0', 's1', 'gone'),
    });
    fc.assert(
      fc.property(
        transport,
        song,
        // Before `from` too: Play at once may have set the anchor ahead of the clock.
        fc.double({ min: -20, max: 400, noNaN: true }),
        fc.double({ min: LIMITS.minTempo, max: LIMITS.maxTempo, noNaN: true }),
        fc.constantFrom('now', 'bar', 'end'),
        fc.option(letter, { nil: null }),
        (t, song, after, tempo, when, pattern) => {
          const s: Session = {
            ...base,
            tempo,
            song: { ...song, entries: song.entries.map((e, i) => ({ ...e, id: `s${i}` })) },
            transport: {
              song: t.song,
              pattern: t.pattern,
              from: t.from,
              next: t.next && { pattern: t.next.pattern, at: t.from + t.next.after },
            },
          };
          const at = timeOf(s, t.from + after);
          // The earliest a launch may land: the request plus the lead, and not before what plays started.
          const position = Math.max(positionAt(s, at), transportAt(s.transport, positionAt(s, at)).from);
          const l = apply(s, { type: 'launch_pattern', pattern, when }, at);
          const landing = l.transport.next!.at;
          expect(l.transport.next!.pattern).toBe(pattern);
          expect(Object.is(landing, -0)).toBe(false);
          expect(landing).toBeGreaterThanOrEqual(Math.ceil(position - 1e-6));
          // Until then plays what played: a launch due by the request plus the lead has happened, a later one is replaced.
          const kept: Session = { ...s, transport: { ...transportAt(s.transport, positionAt(s, at)), next: null } };
          for (const g of [Math.floor(position), landing - 1]) if (g >= t.from && g < landing) expect(cueAt(l, g)).toEqual(cueAt(kept, g));
          const before = cueAt(l, landing - 1);
          if (when === 'now') expect(landing - position).toBeLessThan(1);
          else if (when === 'bar' || before.ended) {
            expect(landing % BAR_STEPS).toBe(0);
            expect(landing - position).toBeLessThanOrEqual(BAR_STEPS);
          } else {
            const pass = patternSteps(s, before.pattern);
            expect((landing - before.start) % pass, JSON.stringify({ before, landing, position })).toBe(0);
            expect(landing - position).toBeLessThanOrEqual(pass);
          }
        },
      ),
      { seed: 20_261_207, numRuns: 3000 },
    );
  }, 60_000);

  it('a second launch replaces one queued later; one already due has happened first', () => {
    const s = arranged();
    const first = apply(s, { type: 'launch_pattern', pattern: 'B', when: 'bar' }, timeOf(s, 20)); // B at 32
    expect(first.transport.next).toEqual({ pattern: 'B', at: 32 });
    const replaced = apply(first, { type: 'launch_pattern', pattern: 'C', when: 'bar' }, timeOf(s, 25));
    expect(replaced.transport).toEqual({ ...s.transport, next: { pattern: 'C', at: 32 } });
    const after = apply(first, { type: 'launch_pattern', pattern: 'C', when: 'bar' }, timeOf(s, 33));
    expect(after.transport).toEqual({ song: false, pattern: 'B', from: 32, next: { pattern: 'C', at: 48 } });
  });
});

describe('start_transport (Play at once)', () => {
  it("moves the timeline's step 0 to the anchor and plays the pattern from there, a queued launch at once", () => {
    const s = apply(arranged(), { type: 'launch_pattern', pattern: 'C', when: 'bar' }, T0 + 5000);
    const anchorMs = T0 + 123_456.5;
    const p = apply(s, { type: 'start_transport', anchorMs }, anchorMs - 30);
    expect(p.timeline).toEqual({ ...s.timeline, anchorMs });
    expect(p.transport).toEqual({ song: false, pattern: 'C', from: 0, next: null });
    expect(cueAt(p, stepsSinceAnchor(p.timeline.anchorMs, p.tempo, anchorMs))).toEqual({
      pattern: 'C',
      start: 0,
      entry: null,
      ended: false,
    });
    // The rest of the session is untouched.
    expect({ ...p, timeline: null, transport: null }).toEqual({ ...s, timeline: null, transport: null });
  });

  it('in song mode, the song from its start entry', () => {
    const s = { ...arranged(), transport: { song: true, pattern: 'A', from: 77, next: null } satisfies Transport };
    const p = apply({ ...s, song: { ...s.song, start: 'e2' } }, { type: 'start_transport', anchorMs: T0 + 1000 }, T0 + 1000);
    expect(p.transport).toEqual({ song: true, pattern: 'A', from: 0, next: null });
    expect(cueAt(p, 0)).toMatchObject({ pattern: 'B', start: 0, entry: 1 });
  });

  it('a launch before the anchor it set (Play at once a little ahead of the clock) lands no earlier than step 0', () => {
    // Tempo 120: the anchor 1 s ahead is 8 steps; asked right away, 'now' would be step -6 and B would start at its step 6.
    const s = { ...arranged(), tempo: 120 };
    const at = T0 + 60_000;
    const p = apply(s, { type: 'start_transport', anchorMs: at + 1000 }, at);
    for (const when of ['now', 'bar', 'end'] as const) {
      const l = apply(p, { type: 'launch_pattern', pattern: 'C', when }, at + 10);
      expect(l.transport.next, when).toEqual({ pattern: 'C', at: 0 });
      expect(cueAt(l, 0), when).toEqual({ pattern: 'C', start: 0, entry: null, ended: false });
    }
  });

  it(`refuses an anchor more than ${MAX_ANCHOR_SKEW_MS} ms from the room's clock (bad_anchor)`, () => {
    const s = arranged();
    const at = T0 + 50_000;
    expect(apply(s, { type: 'start_transport', anchorMs: at + MAX_ANCHOR_SKEW_MS }, at).timeline.anchorMs).toBe(at + MAX_ANCHOR_SKEW_MS);
    expect(apply(s, { type: 'start_transport', anchorMs: at - MAX_ANCHOR_SKEW_MS }, at).timeline.anchorMs).toBe(at - MAX_ANCHOR_SKEW_MS);
    refuse(s, { type: 'start_transport', anchorMs: at + MAX_ANCHOR_SKEW_MS + 1 }, 'bad_anchor', at);
    refuse(s, { type: 'start_transport', anchorMs: at - MAX_ANCHOR_SKEW_MS - 0.5 }, 'bad_anchor', at);
    refuse(s, { type: 'start_transport', anchorMs: 0 }, 'bad_anchor', at);
  });
});

describe('undo: the inverse of a mutation restores what it changed', () => {
  /**
   * What plays, and when, is not part of the music: not undoable. Nor is adding a sound to
   * the kit: sounds are never taken out (beats and remixes keep them).
   */
  const NOT_UNDOABLE = new Set<Mutation['type']>(['launch_pattern', 'start_transport', 'set_play_together', 'set_playing', 'add_sound']);
  const intent: fc.Arbitrary<Intent> = fc.record({ kind: fc.nat(1000), track: fc.nat(1000), a: fc.nat(1000), b: fc.nat(1000) });

  /** A session reached by random edits from the arranged one without C (what the sync fuzz makes, applied in order). */
  function reached(intents: readonly Intent[]): Session {
    let s = apply(arranged(), { type: 'delete_pattern', pattern: 'C' });
    intents.forEach((i, n) => {
      const at = T0 + 1000 * n;
      const r = applyMutation(s, mutationFor(s, i, at), at);
      if (r.ok) s = r.session;
    });
    return s;
  }

  it('for every undoable mutation, applying it and then its inverse gives the session back exactly', () => {
    const undone = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 40 }), intent, fc.integer({ min: 0, max: 600_000 }), (history, last, later) => {
        const s = reached(history);
        const at = T0 + 1000 * history.length + later;
        const m = mutationFor(s, last, at);
        const inverse = inverseOf(s, m);
        const r = applyMutation(s, m, at);
        if (!r.ok) return;
        if (inverse === null) {
          // Not undoable, or nothing changed (deleting a track that is gone).
          if (!NOT_UNDOABLE.has(m.type)) expect(r.session, JSON.stringify(m)).toEqual(s);
          return;
        }
        expect(NOT_UNDOABLE.has(m.type), m.type).toBe(false);
        expect(parseMutation(inverse), JSON.stringify(inverse)).toEqual({ ok: true, mutation: inverse });
        const back = applyMutation(r.session, inverse, at);
        if (!back.ok) throw new Error(`the inverse of ${JSON.stringify(m)} was refused: ${back.message}`);
        // Deleting a pattern (also undoing an add) first makes a launch whose step has come part of the
        // transport: the same music at every step from `at` on.
        const settled = transportAt(s.transport, stepsSinceAnchor(s.timeline.anchorMs, s.tempo, at));
        const expected = m.type === 'delete_pattern' || inverse.type === 'delete_pattern' ? { ...s, transport: settled } : s;
        if (m.type === 'set_tempo') {
          // The anchor is retimed twice about `at`: the same to within float noise of an epoch-sized number
          // (one unit in the last place of 1.7e12 ms is 2.4e-4 ms; a few operations may add up to some of
          // them): within 5 µs, far below a sample.
          expect(back.session.timeline.anchorMs).toBeCloseTo(s.timeline.anchorMs, 2);
          expect({ ...back.session, timeline: { ...back.session.timeline, anchorMs: 0 } }).toEqual({
            ...expected,
            timeline: { ...expected.timeline, anchorMs: 0 },
          });
        } else {
          expect(back.session, `${JSON.stringify(m)} undone by ${JSON.stringify(inverse)}`).toEqual(expected);
        }
        undone.set(m.type, (undone.get(m.type) ?? 0) + 1);
      }),
      { seed: 20_261_207, numRuns: 3000 },
    );
    const undoable = [...new Set(KINDS)].filter((t) => !NOT_UNDOABLE.has(t));
    expect(undoable.filter((t) => (undone.get(t) ?? 0) < 10)).toEqual([]);
  }, 60_000);

  it('a mutation that cannot be undone has no inverse', () => {
    const s = arranged();
    expect(inverseOf(s, { type: 'launch_pattern', pattern: 'B', when: 'bar' })).toBeNull();
    expect(inverseOf(s, { type: 'start_transport', anchorMs: T0 })).toBeNull();
    expect(inverseOf(s, { type: 'set_step', trackId: 'kick', pattern: 'D', step: 0, on: true })).toBeNull();
    expect(inverseOf(s, { type: 'add_pattern', pattern: 'B', value: emptyPattern() })).toBeNull();
    expect(inverseOf(s, { type: 'set_song_entry', entry: { id: 'e9', pattern: 'A', repeats: 1 } })).toBeNull();
  });
});
