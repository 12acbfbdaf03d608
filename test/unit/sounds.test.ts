/**
 * Model 6: the session's own sounds (issue 16). `session.sounds` holds a kit of sounds by
 * key (the SHA-256 of their WAV bytes); add_sound adds one (a key already there changes
 * nothing), rename_sound renames it, nothing removes one. A track plays a sound as the
 * instrument `sound:<key>`, accepted only for a key in the kit. Older documents lift with
 * an empty kit. (That the room applies add_sound only once R2 holds the bytes is tested in
 * workerd: test/worker/sounds.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  emptySession,
  instrumentInfo,
  inverseOf,
  LIMITS,
  MIGRATION_STEPS,
  type Mutation,
  makeTrack,
  migrateMutation,
  migrateSession,
  OLDEST_CLIENT_MODEL,
  parseMutation,
  type Session,
  SessionSchema,
  SOUNDS_MODEL,
  sessionFromTemplate,
  soundInstrument,
  soundKeyOf,
} from '../../core';
import * as v from 'valibot';
import { parseBeat } from '../../app/embed/beat';

const T0 = 1_700_000_000_000;
const KEY = 'c0ffee'.padEnd(64, '0');
const OTHER = 'beef'.padEnd(64, '1');

function apply(session: Session, mutation: Mutation): Session {
  const result = applyMutation(session, mutation, T0);
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.session;
}

function refusal(session: Session, mutation: Mutation): string {
  const result = applyMutation(session, mutation, T0);
  if (result.ok) throw new Error(`expected a refusal of ${JSON.stringify(mutation)}`);
  return result.code;
}

const addSound = (key = KEY, name = 'Clap', seconds = 1.25): Mutation => ({ type: 'add_sound', key, name, seconds });
const starter = () => sessionFromTemplate('starter', T0)!;

describe('model 6', () => {
  it('adds the sounds step; no older page is served (it cannot read its snapshots)', () => {
    expect(SOUNDS_MODEL).toBe(6);
    expect(OLDEST_CLIENT_MODEL).toBeGreaterThan(5);
    expect(MIGRATION_STEPS.find((s) => s.to === 6)).toMatchObject({ name: '6/sounds' });
  });

  it('a new session has an empty kit', () => {
    expect(emptySession(T0).sounds).toEqual({});
    expect(starter().sounds).toEqual({});
  });

  it('a model 5 session lifts with an empty kit and nothing else changed', () => {
    const { sounds: _none, ...model5 } = starter();
    const lifted = migrateSession(JSON.parse(JSON.stringify(model5)), 5);
    expect(lifted).toEqual({ ok: true, value: { ...model5, sounds: {} }, from: 5 });
  });

  it('a model 5 mutation is a model 6 mutation, unchanged', () => {
    const m = { type: 'set_instrument', trackId: 'kick', instrument: 'piano' };
    expect(migrateMutation(m, 5)).toEqual({ ok: true, value: m, from: 5 });
  });

  it('a model 6 session keeps its sounds through migrate', () => {
    const s = apply(apply(starter(), addSound()), { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) });
    const again = migrateSession(JSON.parse(JSON.stringify(s)), 6);
    expect(again).toEqual({ ok: true, value: s, from: 6 });
  });
});

describe('sound instruments', () => {
  it('sound:<key> names a key; catalogue ids and malformed ones name none', () => {
    expect(soundKeyOf(soundInstrument(KEY))).toBe(KEY);
    expect(soundKeyOf('piano')).toBeNull();
    expect(soundKeyOf(`sound:${KEY.toUpperCase()}`)).toBeNull();
    expect(soundKeyOf(`sound:${KEY}0`)).toBeNull();
    expect(soundKeyOf('sound:')).toBeNull();
  });

  it('an own sound plays pitched, like a melodic sampled voice (pitch 0 is the recording as it is)', () => {
    expect(instrumentInfo(soundInstrument(KEY))).toMatchObject({ melodic: true, root: 60 });
    expect(instrumentInfo('sound:nope')).toBeUndefined();
  });
});

describe('add_sound and rename_sound on the wire', () => {
  it('accepts well-formed ones', () => {
    expect(parseMutation(addSound(KEY, 'Clap 👏', LIMITS.maxSoundSeconds))).toMatchObject({ ok: true });
    expect(parseMutation({ type: 'rename_sound', key: KEY, name: 'x'.repeat(LIMITS.maxSoundName) })).toMatchObject({ ok: true });
    expect(parseMutation({ type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) })).toMatchObject({ ok: true });
  });

  it.each([
    ['an upper-case key', { type: 'add_sound', key: KEY.toUpperCase(), name: 'a', seconds: 1 }, /sound key/],
    ['a short key', { type: 'add_sound', key: KEY.slice(1), name: 'a', seconds: 1 }, /sound key/],
    ['an empty name', { type: 'add_sound', key: KEY, name: '', seconds: 1 }, /cannot be empty/],
    ['a long name', { type: 'add_sound', key: KEY, name: 'x'.repeat(LIMITS.maxSoundName + 1), seconds: 1 }, /at most 40/],
    ['a bidi override in the name', { type: 'add_sound', key: KEY, name: 'a\u202Eb', seconds: 1 }, /bidi/],
    ['0 seconds', { type: 'add_sound', key: KEY, name: 'a', seconds: 0 }, /longer than 0/],
    ['over 10 seconds', { type: 'add_sound', key: KEY, name: 'a', seconds: 10.001 }, /at most 10 s/],
    ['NaN seconds', { type: 'add_sound', key: KEY, name: 'a', seconds: Number.NaN }, /seconds/],
    ['seconds as a string', { type: 'add_sound', key: KEY, name: 'a', seconds: '1' }, /seconds/],
    ['an extra field', { type: 'add_sound', key: KEY, name: 'a', seconds: 1, url: 'x' }, /url/],
    ['a rename without a name', { type: 'rename_sound', key: KEY }, /name/],
    [
      'a malformed sound instrument',
      { type: 'set_instrument', trackId: 'kick', instrument: `sound:${KEY.slice(2)}` },
      /unknown instrument/,
    ],
  ])('refuses %s', (_what, input, message) => {
    const result = parseMutation(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('the reducer', () => {
  it('add_sound adds a sound to the kit; adding it again changes nothing, not even its name', () => {
    const s = apply(starter(), addSound(KEY, 'Clap', 1.25));
    expect(s.sounds).toEqual({ [KEY]: { name: 'Clap', seconds: 1.25 } });
    const again = apply(s, addSound(KEY, 'Other name', 2));
    expect(again).toBe(s);
  });

  it('the kit holds at most LIMITS.maxSounds sounds', () => {
    let s = starter();
    for (let i = 0; i < LIMITS.maxSounds; i++) s = apply(s, addSound(i.toString(16).padStart(64, '0')));
    expect(Object.keys(s.sounds)).toHaveLength(LIMITS.maxSounds);
    expect(refusal(s, addSound(OTHER))).toBe('too_many_sounds');
    // A sound already in the full kit is still a harmless no-op.
    expect(apply(s, addSound('0'.repeat(64)))).toBe(s);
  });

  it('rename_sound renames a sound of the kit, and is refused for any other', () => {
    const s = apply(starter(), addSound());
    expect(apply(s, { type: 'rename_sound', key: KEY, name: 'Snap' }).sounds[KEY]).toEqual({ name: 'Snap', seconds: 1.25 });
    expect(refusal(s, { type: 'rename_sound', key: OTHER, name: 'Snap' })).toBe('unknown_sound');
  });

  it('set_instrument plays a sound of the kit, and refuses one that is not in it', () => {
    const before = starter();
    const play: Mutation = { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) };
    expect(refusal(before, play)).toBe('unknown_sound');
    const s = apply(apply(before, addSound()), play);
    expect(s.tracks.find((t) => t.id === 'kick')!.instrument).toBe(soundInstrument(KEY));
  });

  it('add_track with a sound instrument needs the sound in the kit too', () => {
    const { track, row } = makeTrack({ id: 'own', name: 'Own', instrument: soundInstrument(KEY) });
    const add: Mutation = { type: 'add_track', track, rows: { A: row }, beforeTrackId: null };
    expect(refusal(starter(), add)).toBe('unknown_sound');
    expect(apply(apply(starter(), addSound()), add).tracks.at(-1)).toEqual(track);
  });

  it('a refusal changes nothing', () => {
    const s = starter();
    const copy = structuredClone(s);
    refusal(s, { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) });
    refusal(s, { type: 'rename_sound', key: KEY, name: 'x' });
    expect(s).toEqual(copy);
  });
});

describe('undo', () => {
  it('a rename is undone by renaming back', () => {
    const s = apply(starter(), addSound(KEY, 'Clap'));
    const rename: Mutation = { type: 'rename_sound', key: KEY, name: 'Snap' };
    const inverse = inverseOf(s, rename);
    expect(inverse).toEqual({ type: 'rename_sound', key: KEY, name: 'Clap' });
    expect(apply(apply(s, rename), inverse!)).toEqual(s);
  });

  it('a sound stays in the kit (beats and remixes keep it): undoing its use is undoing the set_instrument', () => {
    const s = apply(starter(), addSound());
    expect(inverseOf(starter(), addSound())).toBeNull();
    const play: Mutation = { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) };
    const inverse = inverseOf(s, play);
    expect(inverse).toEqual({ type: 'set_instrument', trackId: 'kick', instrument: 'studio-kick' });
    expect(apply(apply(s, play), inverse!)).toEqual(s);
  });
});

describe('the session schema', () => {
  const parse = (s: unknown) => v.safeParse(SessionSchema, s);

  it('accepts a kit and tracks that play it', () => {
    const s = apply(apply(starter(), addSound()), { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) });
    expect(parse(s).success).toBe(true);
  });

  it('refuses a track that plays a sound the kit does not hold (a document from elsewhere)', () => {
    const s = starter();
    const broken = { ...s, tracks: s.tracks.map((t, i) => (i === 0 ? { ...t, instrument: soundInstrument(KEY) } : t)) };
    const result = parse(broken);
    expect(result.success).toBe(false);
    expect(result.issues?.[0]?.message).toMatch(/not in sounds/);
  });

  it('refuses a malformed kit', () => {
    const s = starter();
    expect(parse({ ...s, sounds: { [KEY.toUpperCase()]: { name: 'a', seconds: 1 } } }).success).toBe(false);
    expect(parse({ ...s, sounds: { [KEY]: { name: 'a', seconds: 11 } } }).success).toBe(false);
    expect(parse({ ...s, sounds: { [KEY]: { name: 'a' } } }).success).toBe(false);
    expect(parse({ ...s, sounds: [] }).success).toBe(false);
    const tooMany = Object.fromEntries(
      Array.from({ length: LIMITS.maxSounds + 1 }, (_, i) => [i.toString(16).padStart(64, '0'), { name: 'a', seconds: 1 }]),
    );
    expect(parse({ ...s, sounds: tooMany }).success).toBe(false);
    const { sounds: _gone, ...without } = s;
    expect(parse(without).success).toBe(false);
  });
});

describe('the embed player, which reads a beat leniently', () => {
  it('keeps the keys of the sounds a beat carries (it plays them by key), and leaves out keys it cannot read', () => {
    const s = apply(apply(starter(), addSound()), { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(KEY) });
    const beat = parseBeat(JSON.parse(JSON.stringify({ ...s, model: 6, beatId: 'abc', publishedAt: T0 })));
    // Names and lengths are not shown by the player: not read (its first load stays small).
    expect(beat?.sounds).toEqual({ [KEY]: { name: '', seconds: 0 } });
    expect(beat?.tracks.find((t) => t.id === 'kick')?.instrument).toBe(soundInstrument(KEY));
    const odd = parseBeat({
      ...JSON.parse(JSON.stringify(s)),
      sounds: { nope: { name: 'x', seconds: 1 }, [OTHER]: 'x', [KEY]: { seconds: 99 } },
    });
    expect(odd?.sounds).toEqual({ [OTHER]: { name: '', seconds: 0 }, [KEY]: { name: '', seconds: 0 } });
    // A beat from before model 6 has none.
    const { sounds: _none, ...old } = JSON.parse(JSON.stringify(starter()));
    expect(parseBeat(old)?.sounds).toEqual({});
  });
});
