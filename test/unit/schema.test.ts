/**
 * The mutation schema is the one gate both sides pass every edit through. Valid
 * mutations of every kind must pass unchanged; every malformed one must be refused
 * with a message naming what is wrong (GUIDE §6, failure mode 13).
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import {
  emptyPattern,
  emptyRow,
  emptySession,
  emptySteps,
  SessionSchema,
  sessionFromTemplate,
  TEMPLATE_IDS,
  INSTRUMENT_IDS,
  CONDITIONS,
  chordMask,
  LIMITS,
  makeTrack,
  MUTATION_TYPES,
  PeerNameSchema,
  MODEL_VERSION,
  migrateMutation,
  PATTERN_IDS,
  type Session,
  parseClientMessage,
  parseMutation,
  type Mutation,
  mutationSince,
} from '../../core';

const { track, row } = makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0, 4] });
const verse = { ...emptyPattern(), name: 'Verse', rows: { kick: row } };

/** One valid mutation of every type (the list must stay complete: see the last test). */
const VALID: Mutation[] = [
  { type: 'set_step', trackId: 'kick', pattern: 'A', step: 0, on: true },
  { type: 'set_velocity', trackId: 'kick', pattern: 'P', step: 127, velocity: 0 },
  { type: 'set_pitch', trackId: 'kick', pattern: 'B', step: 3, pitch: -24 },
  { type: 'set_row', trackId: 'kick', pattern: 'C', row },
  { type: 'set_steps', trackId: 'kick', pattern: 'A', steps: emptySteps() },
  { type: 'set_length', trackId: 'kick', pattern: 'A', length: 128 },
  { type: 'set_pattern_name', pattern: 'B', name: 'Chorus' },
  { type: 'set_pattern_name', pattern: 'B', name: '' },
  { type: 'set_track_name', trackId: 'kick', name: 'Kick 2' },
  { type: 'set_instrument', trackId: 'kick', instrument: 'piano' },
  { type: 'set_volume', trackId: 'kick', volume: 0.5 },
  { type: 'set_pan', trackId: 'kick', pan: -1 },
  { type: 'set_transpose', trackId: 'kick', transpose: -12 },
  { type: 'set_track_swing', trackId: 'kick', swing: 66.5 },
  { type: 'set_track_swing', trackId: 'kick', swing: null },
  { type: 'add_track', track, rows: { A: row, C: emptyRow(5) }, beforeTrackId: null },
  { type: 'add_track', track, rows: {}, beforeTrackId: 'snare' },
  { type: 'delete_track', trackId: 'kick' },
  { type: 'move_track', trackId: 'kick', beforeTrackId: 'snare' },
  { type: 'set_tempo', tempo: 97.5 },
  { type: 'set_swing', swing: 100 },
  { type: 'set_session_name', name: 'Late night ✨ jam' },
  { type: 'set_effect', param: 'delay', value: 1 },
  { type: 'set_play_together', together: true },
  { type: 'set_playing', playing: false },
  { type: 'add_pattern', pattern: 'B', value: verse },
  { type: 'put_pattern', pattern: 'A', value: emptyPattern() },
  { type: 'delete_pattern', pattern: 'P' },
  { type: 'add_song_entry', entry: { id: 'e1', pattern: 'A', repeats: 1 }, beforeEntryId: null },
  { type: 'add_song_entry', entry: { id: 'e2', pattern: 'P', repeats: LIMITS.maxRepeats }, beforeEntryId: 'e1' },
  { type: 'set_song_entry', entry: { id: 'e1', pattern: 'B', repeats: 4 } },
  { type: 'delete_song_entry', entryId: 'e1' },
  { type: 'move_song_entry', entryId: 'e1', beforeEntryId: null },
  { type: 'move_song_entry', entryId: 'e1', beforeEntryId: 'e2' },
  { type: 'set_song_loop', loop: false },
  { type: 'set_song_start', entryId: 'e2' },
  { type: 'set_song_start', entryId: null },
  { type: 'launch_pattern', pattern: 'B', when: 'now' },
  { type: 'launch_pattern', pattern: 'A', when: 'bar' },
  { type: 'launch_pattern', pattern: null, when: 'end' },
  { type: 'start_transport', anchorMs: 1_700_000_000_000.5 },
  { type: 'set_chord', trackId: 'kick', pattern: 'A', step: 2, chord: chordMask([4, 7, 11]) },
  { type: 'set_chord', trackId: 'kick', pattern: 'A', step: 2, chord: 0 },
  { type: 'set_filter', trackId: 'kick', filter: 'bandpass' },
  { type: 'set_cutoff', trackId: 'kick', cutoff: 20 },
  { type: 'set_resonance', trackId: 'kick', resonance: 20 },
  { type: 'set_attack', trackId: 'kick', attack: 0.25 },
  { type: 'set_decay', trackId: 'kick', decay: 0.3 },
  { type: 'set_decay', trackId: 'kick', decay: null },
  { type: 'set_tune', trackId: 'kick', tune: -100 },
  { type: 'set_drive', trackId: 'kick', drive: 1 },
  { type: 'set_reverb_send', trackId: 'kick', reverbSend: 0 },
  { type: 'set_delay_send', trackId: 'kick', delaySend: null },
  { type: 'set_key', key: { root: 9, scale: 'minor pentatonic', lock: true }, remap: true, notes: null },
  { type: 'set_probability', trackId: 'kick', pattern: 'A', step: 5, probability: 0 },
  { type: 'set_condition', trackId: 'kick', pattern: 'A', step: 5, condition: CONDITIONS.length - 1 },
  { type: 'set_ratchet', trackId: 'kick', pattern: 'A', step: 5, ratchet: 8 },
  { type: 'set_ramp', trackId: 'kick', pattern: 'A', step: 5, ramp: -100 },
  { type: 'set_note_length', trackId: 'kick', pattern: 'A', step: 5, noteLength: 32 },
  { type: 'set_nudge', trackId: 'kick', pattern: 'A', step: 5, nudge: -50 },
  { type: 'set_seed', seed: LIMITS.maxSeed },
  { type: 'set_key', key: { root: 0, scale: 'chromatic', lock: false }, remap: false, notes: { A: { kick: [[0, -3, 0]] } } },
  { type: 'add_sound', key: 'a'.repeat(64), name: 'Clap 👏', seconds: 10 },
  { type: 'rename_sound', key: '0123456789abcdef'.repeat(4), name: 'x' },
];

function refused(input: unknown): string {
  const result = parseMutation(input);
  expect(result.ok, `expected refusal of ${JSON.stringify(input)}`).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.message).toMatch(/\S/);
  return result.message;
}

describe('parseMutation: valid input', () => {
  it.each(VALID.map((m) => [m.type, m] as const))('%s passes unchanged', (_type, mutation) => {
    const result = parseMutation(structuredClone(mutation));
    expect(result).toEqual({ ok: true, mutation });
  });

  it('accepts the bounds of every range', () => {
    const ok = (m: unknown) => expect(parseMutation(m).ok, JSON.stringify(m)).toBe(true);
    ok({ type: 'set_step', trackId: 'a', pattern: 'A', step: 0, on: false });
    ok({ type: 'set_step', trackId: 'a', pattern: 'A', step: LIMITS.maxSteps - 1, on: true });
    ok({ type: 'set_length', trackId: 'a', pattern: 'A', length: LIMITS.minSteps });
    ok({ type: 'set_length', trackId: 'a', pattern: 'A', length: LIMITS.maxSteps });
    ok({ type: 'set_tempo', tempo: LIMITS.minTempo });
    ok({ type: 'set_tempo', tempo: LIMITS.maxTempo });
    ok({ type: 'set_swing', swing: LIMITS.minSwing });
    ok({ type: 'set_pitch', trackId: 'a', pattern: 'A', step: 0, pitch: LIMITS.maxPitch });
    ok({ type: 'set_velocity', trackId: 'a', pattern: 'A', step: 0, velocity: LIMITS.maxVelocity });
    ok({ type: 'set_volume', trackId: 'a', volume: LIMITS.minVolume });
    ok({ type: 'set_pan', trackId: 'a', pan: LIMITS.maxPan });
    ok({ type: 'set_track_name', trackId: 'a', name: 'x'.repeat(LIMITS.maxTrackName) });
    ok({ type: 'set_session_name', name: 'x'.repeat(LIMITS.maxSessionName) });
    ok({ type: 'set_pattern_name', pattern: 'A', name: 'x'.repeat(LIMITS.maxPatternName) });
    ok({ type: 'add_song_entry', entry: { id: 'e', pattern: 'A', repeats: 1 }, beforeEntryId: null });
    ok({ type: 'set_song_entry', entry: { id: 'e', pattern: 'P', repeats: LIMITS.maxRepeats } });
    // Limits count characters (code points), not UTF-16 units.
    ok({ type: 'set_track_name', trackId: 'a', name: '🥁'.repeat(LIMITS.maxTrackName) });
    ok({ type: 'set_track_name', trackId: 'a'.repeat(LIMITS.maxIdLength), name: 'x' });
  });

  it('covers every instrument id', () => {
    for (const instrument of INSTRUMENT_IDS) {
      expect(parseMutation({ type: 'set_instrument', trackId: 'a', instrument }).ok).toBe(true);
    }
  });
});

describe('parseMutation: numbers are checked for type before range', () => {
  // Every numeric field of every mutation, with a valid base to put a bad value into.
  const numericFields: [string, Record<string, unknown>, string, { int: boolean }][] = [
    ['set_step.step', { type: 'set_step', trackId: 'a', pattern: 'A', on: true }, 'step', { int: true }],
    ['set_velocity.step', { type: 'set_velocity', trackId: 'a', pattern: 'A', velocity: 1 }, 'step', { int: true }],
    ['set_velocity.velocity', { type: 'set_velocity', trackId: 'a', pattern: 'A', step: 0 }, 'velocity', { int: true }],
    ['set_pitch.pitch', { type: 'set_pitch', trackId: 'a', pattern: 'A', step: 0 }, 'pitch', { int: true }],
    ['set_length.length', { type: 'set_length', trackId: 'a', pattern: 'A' }, 'length', { int: true }],
    ['set_volume.volume', { type: 'set_volume', trackId: 'a' }, 'volume', { int: false }],
    ['set_pan.pan', { type: 'set_pan', trackId: 'a' }, 'pan', { int: false }],
    ['set_tempo.tempo', { type: 'set_tempo' }, 'tempo', { int: false }],
    ['set_swing.swing', { type: 'set_swing' }, 'swing', { int: false }],
    ['set_effect.value', { type: 'set_effect', param: 'reverb' }, 'value', { int: false }],
    ['start_transport.anchorMs', { type: 'start_transport' }, 'anchorMs', { int: false }],
  ];
  const badTypes: [string, unknown][] = [
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['null', null],
    ['a numeric string', '1'],
    ['an empty string', ''],
    ['a boolean', true],
    ['an array', [1]],
    ['an object', { valueOf: 1 }],
    ['missing', undefined],
  ];

  for (const [label, base, field, { int }] of numericFields) {
    it.each(badTypes)(`${label}: %s is refused`, (_name, bad) => {
      const input = { ...base, [field]: bad };
      if (bad === undefined) delete input[field];
      expect(refused(input)).toContain(field);
    });
    if (int) {
      it(`${label}: a float is refused`, () => {
        expect(refused({ ...base, [field]: 1.5 })).toMatch(/integer/i);
      });
    }
  }
});

describe('parseMutation: every limit is enforced by range', () => {
  const outOfRange: [string, Record<string, unknown>][] = [
    ['step below 0', { type: 'set_step', trackId: 'a', pattern: 'A', step: -1, on: true }],
    ['step at maxSteps', { type: 'set_step', trackId: 'a', pattern: 'A', step: LIMITS.maxSteps, on: true }],
    ['velocity below min', { type: 'set_velocity', trackId: 'a', pattern: 'A', step: 0, velocity: LIMITS.minVelocity - 1 }],
    ['velocity above max', { type: 'set_velocity', trackId: 'a', pattern: 'A', step: 0, velocity: LIMITS.maxVelocity + 1 }],
    ['pitch below min', { type: 'set_pitch', trackId: 'a', pattern: 'A', step: 0, pitch: LIMITS.minPitch - 1 }],
    ['pitch above max', { type: 'set_pitch', trackId: 'a', pattern: 'A', step: 0, pitch: LIMITS.maxPitch + 1 }],
    ['length 0', { type: 'set_length', trackId: 'a', pattern: 'A', length: LIMITS.minSteps - 1 }],
    ['length above max', { type: 'set_length', trackId: 'a', pattern: 'A', length: LIMITS.maxSteps + 1 }],
    ['volume below min', { type: 'set_volume', trackId: 'a', volume: LIMITS.minVolume - 0.01 }],
    ['volume above max', { type: 'set_volume', trackId: 'a', volume: LIMITS.maxVolume + 0.01 }],
    ['pan below min', { type: 'set_pan', trackId: 'a', pan: LIMITS.minPan - 0.01 }],
    ['pan above max', { type: 'set_pan', trackId: 'a', pan: LIMITS.maxPan + 0.01 }],
    ['tempo below min', { type: 'set_tempo', tempo: LIMITS.minTempo - 0.5 }],
    ['tempo above max', { type: 'set_tempo', tempo: LIMITS.maxTempo + 0.5 }],
    ['swing below min', { type: 'set_swing', swing: LIMITS.minSwing - 1 }],
    ['swing above max', { type: 'set_swing', swing: LIMITS.maxSwing + 1 }],
    ['effect below 0', { type: 'set_effect', param: 'reverb', value: -0.1 }],
    ['effect above 1', { type: 'set_effect', param: 'delay', value: 1.1 }],
  ];
  it.each(outOfRange)('%s is refused', (_label, input) => {
    expect(refused(input)).toMatch(/Invalid value|at most|at least/i);
  });

  it("refuses step arrays that are not exactly maxSteps long, in a row and in a row's steps", () => {
    const short = { ...emptySteps(), steps: new Array(LIMITS.maxSteps - 1).fill(false) };
    expect(refused({ type: 'set_steps', trackId: 'a', pattern: 'A', steps: short })).toContain('steps.steps');
    const long = { ...emptyRow(), velocities: new Array(LIMITS.maxSteps + 1).fill(1) };
    expect(refused({ type: 'set_row', trackId: 'a', pattern: 'A', row: long })).toContain('row.velocities');
  });

  it('refuses a bad value inside a step array', () => {
    const pitches = emptySteps().pitches;
    pitches[5] = LIMITS.maxPitch + 1;
    expect(refused({ type: 'set_steps', trackId: 'a', pattern: 'A', steps: { ...emptySteps(), pitches } })).toContain('steps.pitches.5');
    const velocities = emptyRow().velocities as unknown[];
    velocities[0] = null;
    expect(refused({ type: 'set_row', trackId: 'a', pattern: 'A', row: { ...emptyRow(), velocities } })).toContain('row.velocities.0');
    expect(refused({ type: 'set_row', trackId: 'a', pattern: 'A', row: { ...emptyRow(), length: 0 } })).toContain('row.length');
  });

  it('refuses an added track with a bad field, or a bad row', () => {
    const bad = (patch: Record<string, unknown>) => ({
      type: 'add_track',
      track: { ...track, ...patch },
      rows: { A: row },
      beforeTrackId: null,
    });
    expect(refused(bad({ volume: NaN }))).toContain('track.volume');
    expect(refused(bad({ instrument: 'kazoo' }))).toContain('track.instrument');
    expect(refused(bad({ id: 'has space' }))).toContain('track.id');
    // Steps and length are a row's, not a track's, since model 3.
    expect(refused(bad({ length: 16 }))).toContain('length');
    expect(refused(bad({ steps: row.steps }))).toContain('steps');
    const badRow = (patch: Record<string, unknown>) => ({
      type: 'add_track',
      track,
      rows: { A: { ...row, ...patch } },
      beforeTrackId: null,
    });
    expect(refused(badRow({ length: 0 }))).toContain('rows.A.length');
    expect(refused(badRow({ steps: row.steps.slice(0, 16) }))).toContain('rows.A.steps');
  });
});

describe('parseMutation: strings', () => {
  it('refuses names that are too long', () => {
    expect(refused({ type: 'set_track_name', trackId: 'a', name: 'x'.repeat(LIMITS.maxTrackName + 1) })).toContain(
      `at most ${LIMITS.maxTrackName}`,
    );
    expect(refused({ type: 'set_session_name', name: 'x'.repeat(LIMITS.maxSessionName + 1) })).toContain(
      `at most ${LIMITS.maxSessionName}`,
    );
    expect(refused({ type: 'set_track_name', trackId: 'a', name: '🥁'.repeat(LIMITS.maxTrackName + 1) })).toContain('at most');
  });

  it.each([
    ['NUL', '\u0000'],
    ['a newline', '\n'],
    ['a tab', '\t'],
    ['an escape sequence', '\u001b[31m'],
    ['DEL', '\u007f'],
    // C1 controls: NEL and CSI.
    ['NEL (C1)', '\u0085'],
    ['CSI (C1)', '\u009b'],
    // Bidi embeddings, overrides and isolates: they reorder what is shown around them.
    ['a right-to-left override', '\u202e'],
    ['a left-to-right embedding', '\u202a'],
    ['a first-strong isolate', '\u2068'],
    ['a pop directional isolate', '\u2069'],
    ['a right-to-left mark', '\u200f'],
    // Invisible format characters.
    ['a zero-width space', '\u200b'],
    ['a zero-width joiner between letters', '\u200d'],
    ['a byte order mark', '\ufeff'],
    ['a soft hyphen', '\u00ad'],
    ['a word joiner', '\u2060'],
    ['a line separator', '\u2028'],
    ['a lone surrogate', '\ud800'],
  ])('refuses %s in names, everywhere a name is typed', (_what, c) => {
    expect(refused({ type: 'set_track_name', trackId: 'a', name: `Ki${c}ck` })).toContain('control, format or bidi');
    expect(refused({ type: 'set_session_name', name: `Beat${c}` })).toContain('control, format or bidi');
    expect(v.safeParse(PeerNameSchema, `Sam${c}`).success).toBe(false);
  });

  it('keeps the joiner inside emoji sequences, and letters of every script', () => {
    for (const name of ['👩‍🎤 band', '👨‍👩‍👧 jam', '🏳️‍🌈', 'Café naïve', 'ベース', 'عود', 'मृदंग']) {
      expect(parseMutation({ type: 'set_session_name', name }).ok, name).toBe(true);
      expect(v.safeParse(PeerNameSchema, name).success, name).toBe(true);
    }
  });

  it('refuses an empty track name', () => {
    expect(refused({ type: 'set_track_name', trackId: 'a', name: '' })).toContain('name');
  });

  it('refuses non-string names', () => {
    expect(refused({ type: 'set_session_name', name: null })).toContain('name');
    expect(refused({ type: 'set_session_name', name: 42 })).toContain('name');
  });

  it('refuses bad ids', () => {
    for (const trackId of ['', 'a b', 'a/b', '../x', 'x'.repeat(LIMITS.maxIdLength + 1), 7, null]) {
      expect(refused({ type: 'set_step', trackId, pattern: 'A', step: 0, on: true })).toContain('trackId');
    }
    expect(refused({ type: 'move_track', trackId: 'a', beforeTrackId: 'b c' })).toContain('beforeTrackId');
  });

  it('refuses an unknown instrument', () => {
    expect(refused({ type: 'set_instrument', trackId: 'a', instrument: 'kazoo' })).toContain('unknown instrument');
    expect(refused({ type: 'set_instrument', trackId: 'a', instrument: 'STUDIO-KICK' })).toContain('instrument');
  });

  it('refuses an unknown effect', () => {
    expect(refused({ type: 'set_effect', param: 'distortion', value: 0.5 })).toContain('param');
  });
});

describe('parseMutation: shape', () => {
  it('refuses extra fields at every level', () => {
    expect(refused({ type: 'set_step', trackId: 'a', pattern: 'A', step: 0, on: true, flip: true })).toContain('flip');
    expect(refused({ type: 'set_steps', trackId: 'a', pattern: 'A', steps: { ...emptySteps(), extra: 1 } })).toContain('extra');
    expect(refused({ type: 'set_row', trackId: 'a', pattern: 'A', row: { ...emptyRow(), extra: 1 } })).toContain('extra');
    expect(refused({ type: 'add_track', track: { ...track, color: 'red' }, rows: {}, beforeTrackId: null })).toContain('color');
  });

  it('refuses a missing field', () => {
    expect(refused({ type: 'set_step', trackId: 'a', pattern: 'A', step: 0 })).toContain('on');
    expect(refused({ type: 'set_step', trackId: 'a', step: 0, on: true })).toContain('pattern');
    expect(refused({ type: 'add_track', track, rows: {} })).toContain('beforeTrackId');
    expect(refused({ type: 'add_track', track, beforeTrackId: null })).toContain('rows');
  });

  it('refuses booleans given as anything else', () => {
    for (const on of [1, 0, 'true', null]) expect(refused({ type: 'set_step', trackId: 'a', pattern: 'A', step: 0, on })).toContain('on');
  });

  it('refuses toggles and unknown types', () => {
    expect(refused({ type: 'toggle_step', trackId: 'a', step: 0 })).toMatch(/type/);
    expect(refused({ trackId: 'a', step: 0, on: true })).toMatch(/type/);
  });

  it.each([null, undefined, 42, 'set_step', [], [{ type: 'set_playing', playing: true }]])('refuses %j', (input) => {
    refused(input);
  });

  it('refuses the same valid mutation wrapped in a prototype-polluting key', () => {
    const input = JSON.parse('{"type":"set_playing","playing":true,"__proto__":{"x":1}}');
    refused(input);
  });
});

describe('parseClientMessage', () => {
  const peer = { name: 'Ana', color: '#ff8800' };
  it('accepts hello, mutate, presence and clock', () => {
    for (const message of [
      { type: 'hello', protocol: 1, clientId: 'c1', version: null, peer },
      { type: 'hello', protocol: 1, clientId: 'c1', version: 12, peer, listenOnly: true },
      { type: 'mutate', clientId: 'c1', clientSeq: 1, mutation: VALID[0] },
      { type: 'presence', cursor: { trackId: 'kick', step: 3 }, playing: false, peer },
      { type: 'presence', cursor: null, playing: true, peer, pattern: 'C' },
      { type: 'clock', t0: 123.5 },
    ]) {
      expect(parseClientMessage(message).ok, JSON.stringify(message)).toBe(true);
    }
  });

  it("leaves a mutate frame's mutation to the room, which lifts it from the client's model and checks it", () => {
    const frame = parseClientMessage({ type: 'mutate', clientId: 'c', clientSeq: 1, mutation: { type: 'set_tempo', tempo: NaN } });
    expect(frame.ok).toBe(true);
    expect(migrateMutation({ type: 'set_tempo', tempo: NaN }, MODEL_VERSION)).toMatchObject({
      ok: false,
      reason: 'invalid',
      message: expect.stringContaining('tempo'),
    });
  });

  it('a presence without a pattern (an older page) is on pattern A', () => {
    const result = parseClientMessage({ type: 'presence', cursor: null, playing: false, peer });
    expect(result.ok && result.message.type === 'presence' && result.message.pattern).toBe('A');
  });

  it('defaults listenOnly to false so both spellings of a hello mean the same', () => {
    const result = parseClientMessage({ type: 'hello', protocol: 1, clientId: 'c1', version: null, peer });
    expect(result.ok && result.message.type === 'hello' && result.message.listenOnly).toBe(false);
  });

  it.each([
    ['clientSeq 0', { type: 'mutate', clientId: 'c', clientSeq: 0, mutation: VALID[0] }, 'clientSeq'],
    ['clientSeq float', { type: 'mutate', clientId: 'c', clientSeq: 1.5, mutation: VALID[0] }, 'clientSeq'],
    ['clientSeq string', { type: 'mutate', clientId: 'c', clientSeq: '1', mutation: VALID[0] }, 'clientSeq'],
    ['negative version', { type: 'hello', protocol: 1, clientId: 'c', version: -1, peer }, 'version'],
    ['bad colour', { type: 'hello', protocol: 1, clientId: 'c', version: null, peer: { ...peer, color: 'red' } }, 'color'],
    ['long peer name', { type: 'hello', protocol: 1, clientId: 'c', version: null, peer: { ...peer, name: 'x'.repeat(33) } }, 'name'],
    ['cursor out of range', { type: 'presence', cursor: { trackId: 'a', step: 128 }, playing: false, peer }, 'step'],
    ['clock NaN', { type: 'clock', t0: NaN }, 't0'],
    ['presence on pattern Q', { type: 'presence', cursor: null, playing: false, peer, pattern: 'Q' }, 'pattern'],
  ])('refuses %s', (_label, message, field) => {
    const result = parseClientMessage(message);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(field);
  });
});

describe('parseMutation: patterns, the song and the transport', () => {
  const entry = { id: 'e1', pattern: 'A', repeats: 2 };

  it.each([
    ['Q', 'Q'],
    ['lower case', 'a'],
    ['empty', ''],
    ['a number', 1],
    ['null', null],
  ])('refuses a pattern letter that is %s, in every mutation that names one', (_what, pattern) => {
    expect(refused({ type: 'set_step', trackId: 'a', pattern, step: 0, on: true })).toContain('pattern');
    expect(refused({ type: 'set_length', trackId: 'a', pattern, length: 4 })).toContain('pattern');
    expect(refused({ type: 'set_row', trackId: 'a', pattern, row: emptyRow() })).toContain('pattern');
    expect(refused({ type: 'set_steps', trackId: 'a', pattern, steps: emptySteps() })).toContain('pattern');
    expect(refused({ type: 'set_pattern_name', pattern, name: 'x' })).toContain('pattern');
    expect(refused({ type: 'add_pattern', pattern, value: emptyPattern() })).toContain('pattern');
    expect(refused({ type: 'put_pattern', pattern, value: emptyPattern() })).toContain('pattern');
    expect(refused({ type: 'delete_pattern', pattern })).toContain('pattern');
    expect(refused({ type: 'add_song_entry', entry: { ...entry, pattern }, beforeEntryId: null })).toContain('entry.pattern');
    expect(refused({ type: 'set_song_entry', entry: { ...entry, pattern } })).toContain('entry.pattern');
    if (pattern !== null) expect(refused({ type: 'launch_pattern', pattern, when: 'bar' })).toContain('pattern');
  });

  it('says which letters a pattern may be', () => {
    expect(refused({ type: 'delete_pattern', pattern: 'Q' })).toContain('A to P');
    for (const pattern of PATTERN_IDS) expect(parseMutation({ type: 'delete_pattern', pattern }).ok, pattern).toBe(true);
  });

  it.each([
    ['0', 0],
    ['17', LIMITS.maxRepeats + 1],
    ['1.5', 1.5],
    ['-1', -1],
    ['NaN', NaN],
    ['a string', '2'],
    ['missing', undefined],
  ])('refuses repeats of %s', (_what, repeats) => {
    const bad = { ...entry, repeats };
    if (repeats === undefined) delete (bad as Record<string, unknown>).repeats;
    expect(refused({ type: 'add_song_entry', entry: bad, beforeEntryId: null })).toContain('repeats');
    expect(refused({ type: 'set_song_entry', entry: bad })).toContain('repeats');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a string', '1700000000000'],
    ['null', null],
    ['missing', undefined],
  ])('refuses a Play-at-once anchor of %s', (_what, anchorMs) => {
    const input: Record<string, unknown> = { type: 'start_transport', anchorMs };
    if (anchorMs === undefined) delete input.anchorMs;
    expect(refused(input)).toContain('anchorMs');
  });

  it("refuses a launch whose when is not 'now', 'bar' or 'end'", () => {
    for (const when of ['later', 'NOW', '', null, 1]) expect(refused({ type: 'launch_pattern', pattern: 'A', when })).toContain('when');
    expect(refused({ type: 'launch_pattern', pattern: 'A' })).toContain('when');
  });

  it('refuses bad entry ids, song settings and pattern names', () => {
    expect(refused({ type: 'add_song_entry', entry: { ...entry, id: 'a b' }, beforeEntryId: null })).toContain('entry.id');
    expect(refused({ type: 'add_song_entry', entry, beforeEntryId: '../x' })).toContain('beforeEntryId');
    expect(refused({ type: 'delete_song_entry', entryId: '' })).toContain('entryId');
    expect(refused({ type: 'move_song_entry', entryId: 'e1', beforeEntryId: 7 })).toContain('beforeEntryId');
    expect(refused({ type: 'set_song_start', entryId: 'x'.repeat(LIMITS.maxIdLength + 1) })).toContain('entryId');
    expect(refused({ type: 'set_song_loop', loop: 'yes' })).toContain('loop');
    expect(refused({ type: 'set_pattern_name', pattern: 'A', name: 'x'.repeat(LIMITS.maxPatternName + 1) })).toContain(
      `at most ${LIMITS.maxPatternName}`,
    );
    expect(refused({ type: 'set_pattern_name', pattern: 'A', name: 'Ve\u202erse' })).toContain('control, format or bidi');
    expect(
      refused({ type: 'add_pattern', pattern: 'B', value: { ...emptyPattern(), name: 'x'.repeat(LIMITS.maxPatternName + 1) } }),
    ).toContain('value.name');
  });

  it('add_track: rows for every pattern pass, a row for a 17th (no such letter) is refused', () => {
    const all = Object.fromEntries(PATTERN_IDS.map((p) => [p, row]));
    expect(parseMutation({ type: 'add_track', track, rows: all, beforeTrackId: null }).ok).toBe(true);
    expect(refused({ type: 'add_track', track, rows: { ...all, Q: row }, beforeTrackId: null })).toContain('rows');
    expect(refused({ type: 'add_track', track, rows: [row], beforeTrackId: null })).toContain('rows');
    expect(refused({ type: 'add_track', track, rows: { A: { ...row, extra: 1 } }, beforeTrackId: null })).toContain('extra');
  });

  it(`a pattern holds at most ${LIMITS.maxTracks} rows, by valid track ids`, () => {
    const rows = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, row]));
    expect(parseMutation({ type: 'add_pattern', pattern: 'B', value: { name: '', rows: rows(LIMITS.maxTracks) } }).ok).toBe(true);
    expect(refused({ type: 'add_pattern', pattern: 'B', value: { name: '', rows: rows(LIMITS.maxTracks + 1) } })).toContain(
      `at most ${LIMITS.maxTracks}`,
    );
    expect(refused({ type: 'put_pattern', pattern: 'B', value: { name: '', rows: { 'a b': row } } })).toContain('rows');
  });

  it('refuses extra and missing fields in every new mutation (strict objects)', () => {
    const extra = (m: Record<string, unknown>) => refused({ ...m, extra: 1 });
    for (const m of VALID.filter((m) => mutationSince(m.type) === 3)) expect(extra(m), m.type).toContain('extra');
    expect(refused({ type: 'add_pattern', pattern: 'B', value: { ...emptyPattern(), extra: 1 } })).toContain('extra');
    expect(refused({ type: 'add_pattern', pattern: 'B', value: { rows: {} } })).toContain('name');
    expect(refused({ type: 'put_pattern', pattern: 'B', value: { name: '' } })).toContain('rows');
    expect(refused({ type: 'add_song_entry', entry: { ...entry, extra: 1 }, beforeEntryId: null })).toContain('extra');
    expect(refused({ type: 'add_song_entry', entry })).toContain('beforeEntryId');
    expect(refused({ type: 'set_song_entry', entry: { id: 'e1', pattern: 'A' } })).toContain('repeats');
    expect(refused({ type: 'launch_pattern', when: 'bar' })).toContain('pattern');
    expect(refused({ type: 'move_song_entry', entryId: 'e1' })).toContain('beforeEntryId');
  });

  it('each mutation type says which model introduced it', () => {
    expect(mutationSince('set_step')).toBe(1);
    expect(mutationSince('set_transpose')).toBe(2);
    for (const type of ['set_row', 'set_steps', 'set_pattern_name', 'add_pattern', 'launch_pattern', 'start_transport', 'add_song_entry'])
      expect(mutationSince(type), type).toBe(3);
    expect(mutationSince('set_pattern')).toBeUndefined();
    for (const type of MUTATION_TYPES) expect(mutationSince(type), type).toBeLessThanOrEqual(MODEL_VERSION);
  });
});

it('VALID lists every mutation type', () => {
  expect([...new Set(VALID.map((m) => m.type))].sort()).toEqual([...MUTATION_TYPES].sort());
});

describe('SessionSchema (documents from outside the log, e.g. a legacy KV copy)', () => {
  const valid = () => sessionFromTemplate('starter', 1_700_000_000_000)!;

  it('accepts every template and an empty session', () => {
    for (const id of TEMPLATE_IDS) expect(v.safeParse(SessionSchema, sessionFromTemplate(id, 1)).success, id).toBe(true);
    expect(v.safeParse(SessionSchema, emptySession(1)).success).toBe(true);
  });

  it('refuses two tracks with one id (a delete would remove both)', () => {
    const s = valid();
    s.tracks.push({ ...s.tracks[0]!, name: 'Kick 2' });
    const result = v.safeParse(SessionSchema, s);
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).toContain('unique');
  });

  it('refuses more than maxTracks tracks, NaN and out-of-range settings', () => {
    const many = valid();
    many.tracks = Array.from({ length: LIMITS.maxTracks + 1 }, (_, i) => makeTrack({ id: `t${i}`, name: 't', instrument: 'piano' }).track);
    expect(v.safeParse(SessionSchema, many).success).toBe(false);
    expect(v.safeParse(SessionSchema, { ...valid(), tempo: NaN }).success).toBe(false);
    expect(v.safeParse(SessionSchema, { ...valid(), swing: 101 }).success).toBe(false);
    expect(v.safeParse(SessionSchema, { ...valid(), effects: { ...valid().effects, delayFeedback: 0.95 } }).success).toBe(false);
    expect(v.safeParse(SessionSchema, { ...valid(), extra: 1 }).success).toBe(false);
  });

  it('refuses a row, a song entry or a transport naming what is not there, and entry ids used twice', () => {
    const problem = (s: Session) => {
      const result = v.safeParse(SessionSchema, s);
      expect(result.success).toBe(false);
      return result.issues?.[0]?.message;
    };
    const s = valid();
    const kick = s.patterns.A!.rows.kick!;
    expect(problem({ ...s, patterns: { A: { ...s.patterns.A!, rows: { ...s.patterns.A!.rows, ghost: kick } } } })).toContain(
      'no track with id ghost',
    );
    expect(problem({ ...s, patterns: { ...s.patterns, C: { name: '', rows: { ghost: kick } } } })).toContain('patterns.C.rows');
    const entry = { id: 'e1', pattern: 'B' as const, repeats: 1 };
    expect(problem({ ...s, song: { ...s.song, entries: [entry] } })).toContain('pattern B is not in use');
    expect(problem({ ...s, transport: { ...s.transport, pattern: 'C' } })).toContain('transport.pattern');
    expect(problem({ ...s, transport: { ...s.transport, next: { pattern: 'D', at: 16 } } })).toContain('transport.next');
    const withB = { ...s, patterns: { ...s.patterns, B: emptyPattern() } };
    expect(v.safeParse(SessionSchema, { ...withB, song: { ...s.song, entries: [entry, { ...entry, pattern: 'A' }] } }).success).toBe(false);
    expect(problem({ ...withB, song: { ...s.song, entries: [entry, { ...entry, pattern: 'A' }] } })).toContain('unique');
    expect(problem({ ...s, patterns: {} })).toContain('at least one pattern');
    // Consistent, they pass: B in use and in the song, queued, a start naming an entry since deleted.
    const ok: Session = {
      ...withB,
      song: { entries: [entry, { ...entry, id: 'e2' }], loop: false, start: 'gone' },
      transport: { song: true, pattern: 'A', from: 32, next: { pattern: null, at: 48 } },
    };
    expect(v.safeParse(SessionSchema, ok).success).toBe(true);
    // A is not required: it may be deleted like any other.
    const onlyB = { ...ok, patterns: { B: withB.patterns.B }, transport: { ...ok.transport, pattern: 'B' as const } };
    expect(v.safeParse(SessionSchema, onlyB).success).toBe(true);
  });

  it('refuses malformed patterns, songs and transports', () => {
    const s = valid();
    const bad = (patch: Record<string, unknown>) =>
      expect(v.safeParse(SessionSchema, { ...s, ...patch }).success, JSON.stringify(patch).slice(0, 80)).toBe(false);
    bad({ patterns: { ...s.patterns, Q: emptyPattern() } });
    bad({ patterns: { A: { ...s.patterns.A!, extra: 1 } } });
    bad({ patterns: { A: { rows: s.patterns.A!.rows } } });
    bad({ song: { ...s.song, extra: 1 } });
    bad({ song: { ...s.song, loop: 'yes' } });
    bad({
      song: {
        ...s.song,
        entries: Array.from({ length: LIMITS.maxSongEntries + 1 }, (_, i) => ({ id: `e${i}`, pattern: 'A', repeats: 1 })),
      },
    });
    bad({ song: { ...s.song, entries: [{ id: 'e', pattern: 'A', repeats: 0 }] } });
    bad({ transport: { ...s.transport, from: 1.5 } });
    bad({ transport: { ...s.transport, from: NaN } });
    bad({ transport: { ...s.transport, next: { pattern: 'A', at: 2 ** 53 } } });
    bad({ transport: { ...s.transport, next: { pattern: 'A' } } });
    bad({ transport: { ...s.transport, extra: 1 } });
    bad({ transport: { song: false, pattern: 'A', from: 0 } });
    bad({ song: undefined });
    const entries = Array.from({ length: LIMITS.maxSongEntries }, (_, i) => ({
      id: `e${i}`,
      pattern: 'A' as const,
      repeats: LIMITS.maxRepeats,
    }));
    expect(v.safeParse(SessionSchema, { ...s, song: { ...s.song, entries } }).success).toBe(true);
  });
});

describe('parseMutation: keys and chords (model 4)', () => {
  it('refuses a chord of more than four notes, beyond two octaves, or not a whole mask', () => {
    const chord = (value: unknown) => ({ type: 'set_chord', trackId: 'k', pattern: 'A', step: 0, chord: value });
    expect(refused(chord(chordMask([3, 7, 10, 14])))).toMatch(/at most 3 notes/);
    expect(refused(chord(2 ** 24))).toMatch(/within 24 semitones/);
    for (const bad of [-1, 1.5, Number.NaN, '5', null]) refused(chord(bad));
    expect(parseMutation(chord(chordMask([24]))).ok).toBe(true);
  });

  it('refuses a key with an unknown scale or root, and key notes out of range', () => {
    const key = (k: unknown, notes: unknown = null) => ({ type: 'set_key', key: k, remap: true, notes });
    expect(refused(key({ root: 0, scale: 'ionian-ish', lock: false }))).toMatch(/unknown scale/);
    refused(key({ root: 12, scale: 'major', lock: false }));
    refused(key({ root: 1.5, scale: 'major', lock: false }));
    refused(key({ root: 0, scale: 'major' }));
    refused(key({ root: 0, scale: 'major', lock: false }, { A: { kick: [[0, 25, 0]] } }));
    refused(key({ root: 0, scale: 'major', lock: false }, { A: { kick: [[128, 0, 0]] } }));
    refused(key({ root: 0, scale: 'major', lock: false }, { Q: { kick: [[0, 0, 0]] } }));
    refused(key({ root: 0, scale: 'major', lock: false }, { A: { kick: [[0, 0]] } }));
  });
});

describe('parseMutation: step expression (model 5)', () => {
  it('refuses probabilities, conditions, ratchets, lengths and nudges out of range or of the wrong type', () => {
    const step = (type: string, field: string, value: unknown) => ({ type, trackId: 'k', pattern: 'A', step: 0, [field]: value });
    for (const [type, field, bad] of [
      ['set_probability', 'probability', 101],
      ['set_probability', 'probability', 50.5],
      ['set_condition', 'condition', CONDITIONS.length],
      ['set_condition', 'condition', -1],
      ['set_ratchet', 'ratchet', 0],
      ['set_ratchet', 'ratchet', 9],
      ['set_ramp', 'ramp', 101],
      ['set_note_length', 'noteLength', 33],
      ['set_nudge', 'nudge', 51],
      ['set_nudge', 'nudge', Number.NaN],
    ] as const)
      refused(step(type, field, bad));
    refused({ type: 'set_seed', seed: -1 });
    refused({ type: 'set_seed', seed: 2 ** 31 });
  });
});
