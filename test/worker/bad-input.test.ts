/**
 * Every kind of malformed or hostile frame is refused with its code (naming the
 * clientSeq when the frame carries one), the room's state — version and snapshot —
 * is unchanged, and the connection stays open. Numbers are checked for type
 * before range (failure mode 13); sizes are counted in UTF-8 bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, MODEL_VERSION, makeTrack, PROTOCOL_VERSION, type ServerMessage } from '../../core';
import { createSession, fullSession, serverState, setStep, TestClient } from './helpers';

/** A fresh writer's first clientSeq: the one the room expects next. */
const SEQ = 1;
type Frame = string | Uint8Array | object;

interface Case {
  /** The frame, built for the client that sends it. */
  frame: (c: TestClient) => Frame;
  code: string;
  /** The clientSeq the error must name; omitted: it must name none. */
  clientSeq?: number;
  /** Send before hello. */
  beforeHello?: boolean;
  listenOnly?: boolean;
  /** Send to a session that already has the maximum number of tracks. */
  fullSession?: boolean;
}

const mutate =
  (mutation: unknown, extra: object = {}) =>
  (c: TestClient) => ({
    type: 'mutate',
    clientId: c.clientId,
    clientSeq: SEQ,
    mutation,
    ...extra,
  });
/** A mutate frame as literal JSON text, for numbers JSON.stringify cannot write. */
const mutateText = (mutationJson: string) => (c: TestClient) =>
  `{"type":"mutate","clientId":"${c.clientId}","clientSeq":${SEQ},"mutation":${mutationJson}}`;
const step = (value: unknown) => mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: value, on: true });
const refused = (mutation: unknown): Case => ({ frame: mutate(mutation), code: 'bad_message', clientSeq: SEQ });
/** An add_track of a new track (its row in pattern A), with fields of the track or the row overridden. */
const newTrack = (overrides: object, rowOverrides: object = {}) => {
  const { track, row } = makeTrack({ id: 'new', name: 'New', instrument: 'piano' });
  return { type: 'add_track', track: { ...track, ...overrides }, rows: { A: { ...row, ...rowOverrides } }, beforeTrackId: null };
};

/** ≥ 32 KB in UTF-8 but fewer than 32 K UTF-16 units: a server counting characters lets it through. */
const multiByteName = 'é'.repeat(LIMITS.maxFrameBytes / 2 + 10);

const CASES: Record<string, Case> = {
  'text that is not JSON': { frame: () => '{"type":"mutate",', code: 'bad_json' },
  'NaN as a JSON literal': {
    frame: mutateText('{"type":"set_step","trackId":"kick","pattern":"A","step":NaN,"on":true}'),
    code: 'bad_json',
  },
  'a binary frame (even of valid JSON)': {
    frame: (c) => new TextEncoder().encode(JSON.stringify(step(1)(c))),
    code: 'bad_message',
  },
  'a frame over 32 KB counted in UTF-8 bytes': {
    frame: mutate({ type: 'set_session_name', name: multiByteName }),
    code: 'frame_too_large',
  },
  'JSON null': { frame: () => 'null', code: 'bad_message' },
  'a JSON array': { frame: () => '[]', code: 'bad_message' },
  'a JSON number': { frame: () => '42', code: 'bad_message' },
  'an unknown message type': { frame: () => ({ type: 'explode', clientSeq: SEQ }), code: 'bad_message', clientSeq: SEQ },
  'a message without a type': { frame: () => ({ clientSeq: SEQ }), code: 'bad_message', clientSeq: SEQ },
  'a mutation before hello': { frame: step(1), code: 'hello_first', clientSeq: SEQ, beforeHello: true },
  'presence before hello': {
    frame: () => ({ type: 'presence', cursor: null, playing: false, peer: { name: 'X', color: '#000000' } }),
    code: 'hello_first',
    beforeHello: true,
  },
  'a hello with an extra field': {
    frame: (c) => ({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      model: MODEL_VERSION,
      clientId: c.clientId,
      version: null,
      peer: { name: 'X', color: '#000000' },
      admin: true,
    }),
    code: 'bad_message',
    beforeHello: true,
  },
  'a mutation under another clientId': {
    frame: (c) => ({ ...step(1)(c), clientId: 'someone-else' }),
    code: 'wrong_client',
    clientSeq: SEQ,
  },
  'a mutation from a listener': { frame: step(1), code: 'listen_only', clientSeq: SEQ, listenOnly: true },
  'clientSeq 0': { frame: (c) => ({ ...step(1)(c), clientSeq: 0 }), code: 'bad_message', clientSeq: 0 },
  'clientSeq 1.5': { frame: (c) => ({ ...step(1)(c), clientSeq: 1.5 }), code: 'bad_message' },
  'clientSeq as a string': { frame: (c) => ({ ...step(1)(c), clientSeq: '7' }), code: 'bad_message' },
  'a mutate without a mutation': { frame: mutate(undefined), code: 'bad_message', clientSeq: SEQ },
  'an extra field on the message': { frame: mutate(setStep('kick', 1, true), { sudo: true }), code: 'bad_message', clientSeq: SEQ },
  'an extra field on the mutation': refused({ ...setStep('kick', 1, true), force: true }),
  'an unknown mutation type': refused({ type: 'toggle_step', trackId: 'kick', step: 1 }),
  // Type before range.
  'step "NaN" (a string)': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 'NaN', on: true }),
  'step "3" (a numeric string)': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: '3', on: true }),
  'step null': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: null, on: true }),
  'step 1.5': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1.5, on: true }),
  'on as a number': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: 1 }),
  'tempo 1e999 (Infinity once parsed)': { frame: mutateText('{"type":"set_tempo","tempo":1e999}'), code: 'bad_message', clientSeq: SEQ },
  'tempo null (what JSON makes of NaN and Infinity)': refused({ type: 'set_tempo', tempo: null }),
  'tempo "120"': refused({ type: 'set_tempo', tempo: '120' }),
  'tempo true': refused({ type: 'set_tempo', tempo: true }),
  'velocity 100.5': refused({ type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 0, velocity: 100.5 }),
  'pitch 1.5': refused({ type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 0, pitch: 1.5 }),
  // Range.
  'step -1': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: -1, on: true }),
  'step 128': refused({ type: 'set_step', trackId: 'kick', pattern: 'A', step: LIMITS.maxSteps, on: true }),
  'length 0': refused({ type: 'set_length', trackId: 'kick', pattern: 'A', length: 0 }),
  'length 129': refused({ type: 'set_length', trackId: 'kick', pattern: 'A', length: LIMITS.maxSteps + 1 }),
  'tempo 29.9': refused({ type: 'set_tempo', tempo: LIMITS.minTempo - 0.1 }),
  'tempo 301': refused({ type: 'set_tempo', tempo: LIMITS.maxTempo + 1 }),
  'swing -1': refused({ type: 'set_swing', swing: -1 }),
  'swing 101': refused({ type: 'set_swing', swing: LIMITS.maxSwing + 1 }),
  'pitch -25': refused({ type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 0, pitch: LIMITS.minPitch - 1 }),
  'pitch 25': refused({ type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 0, pitch: LIMITS.maxPitch + 1 }),
  'velocity -1': refused({ type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 0, velocity: -1 }),
  'velocity 128': refused({ type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 0, velocity: LIMITS.maxVelocity + 1 }),
  'volume 1.01': refused({ type: 'set_volume', trackId: 'kick', volume: 1.01 }),
  'pan -1.5': refused({ type: 'set_pan', trackId: 'kick', pan: -1.5 }),
  'an unknown effect': refused({ type: 'set_effect', param: 'distortion', value: 0.5 }),
  'delay feedback 0.95 (above its own maximum)': {
    frame: mutate({ type: 'set_effect', param: 'delayFeedback', value: 0.95 }),
    code: 'bad_message',
    clientSeq: SEQ,
  },
  // Strings.
  'a session name of 101 characters': refused({ type: 'set_session_name', name: 'x'.repeat(LIMITS.maxSessionName + 1) }),
  'a track name of 33 characters': refused({ type: 'set_track_name', trackId: 'kick', name: 'x'.repeat(LIMITS.maxTrackName + 1) }),
  'a track name of 33 emoji': refused({ type: 'set_track_name', trackId: 'kick', name: '🥁'.repeat(LIMITS.maxTrackName + 1) }),
  'an empty track name': refused({ type: 'set_track_name', trackId: 'kick', name: '' }),
  'a NUL in a track name': refused({ type: 'set_track_name', trackId: 'kick', name: 'a\u0000b' }),
  'a newline in a session name': refused({ type: 'set_session_name', name: 'line\nbreak' }),
  'DEL in a session name': refused({ type: 'set_session_name', name: 'del\u007f' }),
  'a C1 control (NEL) in a track name': refused({ type: 'set_track_name', trackId: 'kick', name: 'a\u0085b' }),
  'a right-to-left override in a session name': refused({ type: 'set_session_name', name: 'abc\u202edcba' }),
  'a zero-width space in a track name': refused({ type: 'set_track_name', trackId: 'kick', name: 'Ki\u200bck' }),
  'a track id with a space': refused({ type: 'set_step', trackId: 'k ick', pattern: 'A', step: 0, on: true }),
  'a track id of 65 characters': refused({
    type: 'set_step',
    trackId: 'k'.repeat(LIMITS.maxIdLength + 1),
    pattern: 'A',
    step: 0,
    on: true,
  }),
  // Tracks and instruments.
  'an unknown track id': { frame: step(1), code: 'unknown_track', clientSeq: SEQ, fullSession: true },
  'a move of an unknown track': {
    frame: mutate({ type: 'move_track', trackId: 'ghost', beforeTrackId: null }),
    code: 'unknown_track',
    clientSeq: SEQ,
  },
  'an unknown instrument': refused({ type: 'set_instrument', trackId: 'kick', instrument: 'kazoo' }),
  'a new track with an unknown instrument': refused(newTrack({ instrument: 'kazoo' })),
  'a new track with 127 steps stored': refused(newTrack({}, { steps: new Array(127).fill(false) })),
  'a new track with a NaN volume (as null)': refused(newTrack({ volume: null })),
  'a new track with an extra field': refused(newTrack({ solo: true })),
  'a new track whose id exists': { frame: mutate(newTrack({ id: 'kick' })), code: 'duplicate_track', clientSeq: SEQ },
  'a 17th track': {
    frame: mutate(newTrack({ id: 'one-too-many' })),
    code: 'too_many_tracks',
    clientSeq: SEQ,
    fullSession: true,
  },
  'a row of the wrong length': refused({
    type: 'set_steps',
    trackId: 'kick',
    pattern: 'A',
    steps: { steps: [true], velocities: [100], pitches: [0] },
  }),
  // Patterns (model 3).
  'a step edit that names no pattern (a model 2 mutation)': refused({ type: 'set_step', trackId: 'kick', step: 1, on: true }),
  'a step edit into pattern Q': refused({ type: 'set_step', trackId: 'kick', pattern: 'Q', step: 1, on: true }),
  'a step edit into pattern "a"': refused({ type: 'set_step', trackId: 'kick', pattern: 'a', step: 1, on: true }),
  "set_pattern (model 2's clear; model 3 has set_steps)": refused({
    type: 'set_pattern',
    trackId: 'kick',
    pattern: { steps: new Array(128).fill(false), velocities: new Array(128).fill(100), pitches: new Array(128).fill(0) },
  }),
  'a new track with a row in pattern Z': refused({
    ...newTrack({}),
    rows: { Z: makeTrack({ id: 'x', name: 'X', instrument: 'piano' }).row },
  }),
  'a launch at an unknown moment': refused({ type: 'launch_pattern', pattern: 'A', when: 'soon' }),
  'a song entry repeated 0 times': refused({ type: 'add_song_entry', entry: { id: 'e1', pattern: 'A', repeats: 0 }, beforeEntryId: null }),
  'a pattern name with a newline': refused({ type: 'set_pattern_name', pattern: 'A', name: 'Verse\nChorus' }),
  'an edit into a pattern not in use': {
    frame: mutate({ type: 'set_step', trackId: 'kick', pattern: 'B', step: 1, on: true }),
    code: 'unknown_pattern',
    clientSeq: SEQ,
  },
  'a row pasted into a pattern not in use': {
    frame: mutate({
      type: 'set_row',
      trackId: 'kick',
      pattern: 'C',
      row: makeTrack({ id: 'x', name: 'X', instrument: 'piano', on: [1] }).row,
    }),
    code: 'unknown_pattern',
    clientSeq: SEQ,
  },
  'a launch of a pattern not in use': {
    frame: mutate({ type: 'launch_pattern', pattern: 'D', when: 'bar' }),
    code: 'unknown_pattern',
    clientSeq: SEQ,
  },
  'a delete of the last pattern': { frame: mutate({ type: 'delete_pattern', pattern: 'A' }), code: 'pattern_in_use', clientSeq: SEQ },
  'Play at once with an anchor an hour away': {
    frame: (c) => mutate({ type: 'start_transport', anchorMs: Date.now() + 3_600_000 })(c),
    code: 'bad_anchor',
    clientSeq: SEQ,
  },
};

describe('bad input is refused, changes nothing, and the connection stays open', () => {
  let starter: string;
  let full: string;
  beforeAll(async () => {
    starter = await createSession();
    const session = await fullSession(LIMITS.maxTracks);
    full = session.id;
    session.client.close();
  });

  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const id = c.fullSession ? full : starter;
    const before = await serverState(id);
    const client = await TestClient.connect(id);
    if (!c.beforeHello) {
      const joined = await client.hello({ listenOnly: c.listenOnly });
      expect(joined.type).toBe('snapshot');
    }
    const since = client.messages.length;
    client.send(c.frame(client));
    const error = await client.waitFor<Extract<ServerMessage, { type: 'error' }>>((m) => m.type === 'error', { since });
    expect(error.code).toBe(c.code);
    expect(error.message).toEqual(expect.any(String));
    if (c.clientSeq === undefined) expect(error).not.toHaveProperty('clientSeq');
    else expect(error.clientSeq).toBe(c.clientSeq);

    // Still open and still answering; exactly one reply, and no change went out.
    const after = await client.roundTrip();
    expect(client.isOpen).toBe(true);
    const replies = client.messages.slice(since).filter((m) => m.type !== 'peers' && m.type !== 'audience' && m.type !== 'clock');
    expect(replies).toEqual([error]);
    expect(after.filter((m) => m.type === 'change' || m.type === 'ack')).toEqual([]);
    expect(await serverState(id)).toEqual(before);
  });

  it('a frame of exactly 32 KB in UTF-8 bytes is accepted; one byte more is not', async () => {
    const id = await createSession();
    const client = await TestClient.join(id);
    const frameOf = (bytes: number) => {
      // A legal name of multi-byte characters, padded with JSON whitespace to `bytes`.
      const base = JSON.stringify({
        type: 'mutate',
        clientId: client.clientId,
        clientSeq: 1,
        mutation: { type: 'set_session_name', name: 'é'.repeat(50) },
      });
      const size = new TextEncoder().encode(base).byteLength;
      return `${base.slice(0, -1) + ' '.repeat(bytes - size)}}`;
    };
    const over = frameOf(LIMITS.maxFrameBytes + 1);
    expect(new TextEncoder().encode(over).byteLength).toBe(LIMITS.maxFrameBytes + 1);
    client.send(over);
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'frame_too_large' });

    const exact = frameOf(LIMITS.maxFrameBytes);
    expect(new TextEncoder().encode(exact).byteLength).toBe(LIMITS.maxFrameBytes);
    client.send(exact);
    expect(await client.outcomeOf(1)).toMatchObject({ type: 'change', version: 1 });
    expect((await serverState(id)).session.name).toBe('é'.repeat(50));
  });

  it('values exactly at each limit are accepted', async () => {
    const id = await createSession();
    const client = await TestClient.join(id);
    const seqs = [
      { type: 'set_tempo', tempo: LIMITS.minTempo },
      { type: 'set_tempo', tempo: LIMITS.maxTempo },
      { type: 'set_tempo', tempo: 97.5 },
      { type: 'set_swing', swing: LIMITS.maxSwing },
      { type: 'set_pitch', trackId: 'bass', pattern: 'A', step: 0, pitch: LIMITS.minPitch },
      { type: 'set_pitch', trackId: 'bass', pattern: 'A', step: LIMITS.maxSteps - 1, pitch: LIMITS.maxPitch },
      { type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 0, velocity: LIMITS.minVelocity },
      { type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 1, velocity: LIMITS.maxVelocity },
      { type: 'set_length', trackId: 'kick', pattern: 'A', length: LIMITS.minSteps },
      { type: 'set_length', trackId: 'snare', pattern: 'A', length: LIMITS.maxSteps },
      { type: 'set_track_name', trackId: 'hat', name: '🥁'.repeat(LIMITS.maxTrackName) },
      { type: 'set_session_name', name: 'x'.repeat(LIMITS.maxSessionName) },
      { type: 'set_effect', param: 'delayFeedback', value: 0.9 },
    ].map((m) => client.mutate(m as Parameters<TestClient['mutate']>[0]));
    for (const seq of seqs) expect(await client.outcomeOf(seq)).toMatchObject({ type: 'change', clientSeq: seq });
    const { session, version } = await serverState(id);
    expect(version).toBe(seqs.length);
    expect(session).toMatchObject({ tempo: 97.5, swing: 100 });
    expect(session.tracks[2]!.name).toBe('🥁'.repeat(LIMITS.maxTrackName));
  });
});
