/**
 * Old and new clients (docs/PROTOCOL.md, "Old and new clients"): the room serves
 * clients of models OLDEST_CLIENT_MODEL…MODEL_VERSION. Model 3 moved every step into
 * patterns, which a model 1 or 2 page cannot show: such a page is closed with 4005
 * client_outdated before anything else, reloads, and the reloaded page lifts the edits
 * it had saved (core migrateMutation) and sends them again. A client the room cannot
 * serve is closed with 4005 and a reason that says which side is older.
 */
import { describe, expect, it } from 'vitest';
import {
  CLOSE,
  CLOSE_REASON,
  EXPRESSION_MODEL,
  KEYS_MODEL,
  makeTrack,
  MODEL_VERSION,
  migrateMutation,
  LAUNCH_LEAD_MODEL,
  OLDEST_CLIENT_MODEL,
  PATTERNS_MODEL,
  rowOf,
  SOUNDS_MODEL,
} from '../../core';
import { createSession, serverState, TestClient } from './helpers';

/** A hello as the first release sent it: protocol 1, no model, no tab. */
const firstReleaseHello = (clientId: string) => ({
  type: 'hello',
  protocol: 1,
  clientId,
  version: null,
  peer: { name: 'Old tab', color: '#123456' },
});

/** A hello as a model 2 page sends it. */
const modelTwoHello = (clientId: string) => ({
  type: 'hello',
  protocol: 2,
  model: 2,
  clientId,
  tab: clientId,
  version: null,
  peer: { name: 'Old tab', color: '#123456' },
  listenOnly: false,
});

/** A model 1 track as its add_track carried it: the row on the track, no transpose or swing. */
function firstReleaseTrack() {
  const { track, row } = makeTrack({ id: 'old', name: 'Old', instrument: 'piano', on: [0, 5] });
  const { transpose: _t, swing: _s, ...shared } = track;
  return { ...shared, ...row };
}

/** A hello as a model 3 page sends it (patterns, no key, chords or sound shaping). */
const modelThreeHello = (clientId: string) => ({ ...modelTwoHello(clientId), model: 3 });
/** A hello as a model 4 page sends it (no step expression, seed or fill). */
const modelFourHello = (clientId: string) => ({ ...modelTwoHello(clientId), model: 4 });
/** A hello as a model 5 page sends it (no own sounds). */
const modelFiveHello = (clientId: string) => ({ ...modelTwoHello(clientId), model: 5 });
/** A hello as a model 6 page sends it (launches counted from the shorter lead). */
const modelSixHello = (clientId: string) => ({ ...modelTwoHello(clientId), model: 6 });

describe('a page older than the launch-lead model', () => {
  it('is the oldest this room serves', () => {
    // Model 4 gave sessions a key, steps chords and tracks their sound shaping; model 5
    // steps their expression and the session a seed and Fill; model 6 the session its own
    // sounds: an older page's (strict) schema would refuse such a snapshot. Model 7
    // lengthened a launch's lead: a model 6 page would switch on another step than
    // everyone else. Either reloads.
    expect(PATTERNS_MODEL).toBe(3);
    expect(KEYS_MODEL).toBe(4);
    expect(EXPRESSION_MODEL).toBe(5);
    expect(SOUNDS_MODEL).toBe(6);
    expect(OLDEST_CLIENT_MODEL).toBe(LAUNCH_LEAD_MODEL);
    expect(MODEL_VERSION).toBe(7);
  });

  it.each([
    ['of the first release (model 1)', firstReleaseHello],
    ['of model 2', modelTwoHello],
    ['of model 3', modelThreeHello],
    ['of model 4', modelFourHello],
    ['of model 5', modelFiveHello],
    ['of model 6', modelSixHello],
  ])('%s is told to reload (4005 client_outdated) before anything else, and changes nothing', async (_what, hello) => {
    const id = await createSession();
    const before = await serverState(id);
    const watcher = await TestClient.join(id);
    const old = await TestClient.connect(id);
    old.send(hello(old.clientId));
    // A mutation it sent right behind its hello (a saved edit) is never applied.
    old.send({ type: 'mutate', clientId: old.clientId, clientSeq: 1, mutation: { type: 'set_step', trackId: 'kick', step: 1, on: true } });
    expect(await old.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'protocol_version' });
    expect(await old.closed()).toEqual({ code: CLOSE.protocolVersion, reason: CLOSE_REASON.clientOutdated });
    expect(old.messagesOfType('snapshot')).toEqual([]);
    expect(old.messagesOfType('change')).toEqual([]);
    expect(await serverState(id)).toEqual(before);
    // It never joined: nobody heard of a change, and no peer list names it.
    await watcher.roundTrip();
    expect(watcher.messagesOfType('change')).toEqual([]);
    for (const m of watcher.messagesOfType('peers')) expect(m.peers.map((p) => p.peerId)).toEqual([watcher.peerId]);
  });

  it('after the reload its saved edits, lifted, land in pattern A with the newer fields filled in', async () => {
    const id = await createSession();
    const reloaded = await TestClient.join(id);
    const hat = rowOf((await serverState(id)).session, 'A', 'hat');
    // What a model 1 page had saved: a new track (its row on the track) and a step edit.
    const saved: [unknown, number][] = [
      [{ type: 'add_track', track: firstReleaseTrack(), beforeTrackId: null }, 1],
      [{ type: 'set_step', trackId: 'old', step: 3, on: true }, 1],
      [{ type: 'set_length', trackId: 'old', length: 12 }, 2],
      [{ type: 'set_pattern', trackId: 'kick', pattern: { steps: hat.steps, velocities: hat.velocities, pitches: hat.pitches } }, 2],
      // What a model 3 page had saved: a row cleared (no chords yet) and a pitch.
      [
        { type: 'set_steps', trackId: 'hat', pattern: 'A', steps: { steps: hat.steps, velocities: hat.velocities, pitches: hat.pitches } },
        3,
      ],
      [{ type: 'set_pitch', trackId: 'old', pattern: 'A', step: 3, pitch: 7 }, 3],
    ];
    const lifted = saved.map(([m, from]) => {
      const result = migrateMutation(m, from);
      if (!result.ok) throw new Error(result.message);
      return result.value;
    });
    expect(lifted.map((m) => m.type)).toEqual(['add_track', 'set_step', 'set_length', 'set_steps', 'set_steps', 'set_pitch']);
    const seqs = lifted.map((m) => reloaded.mutate(m));
    for (const seq of seqs) expect(await reloaded.outcomeOf(seq)).toMatchObject({ type: 'change', clientSeq: seq });

    const { session } = await serverState(id);
    expect(session.tracks.at(-1)).toMatchObject({ id: 'old', transpose: 0, swing: null, filter: 'off', tune: 0, decay: null });
    expect(rowOf(session, 'A', 'hat').chords).toEqual(new Array(128).fill(0));
    expect(rowOf(session, 'A', 'old').pitches[3]).toBe(7);
    expect(session.tracks.at(-1)).not.toHaveProperty('steps');
    const row = rowOf(session, 'A', 'old');
    expect(row.length).toBe(12);
    expect(row.steps.slice(0, 6)).toEqual([true, false, false, true, false, true]);
    // The old set_pattern (a track's step arrays) became set_steps in A: the kick now has the hat's steps.
    expect(rowOf(session, 'A', 'kick').steps).toEqual(rowOf(session, 'A', 'hat').steps);
  });
});

describe('a client the room cannot serve', () => {
  it.each([
    ['older than the oldest model served', { protocol: 2, model: OLDEST_CLIENT_MODEL - 1 }, CLOSE_REASON.clientOutdated],
    ['of an unknown older protocol', { protocol: 0, model: MODEL_VERSION }, CLOSE_REASON.clientOutdated],
    ['of a newer model (a deploy under way)', { protocol: 2, model: MODEL_VERSION + 1 }, CLOSE_REASON.serverOutdated],
    ['of a newer protocol', { protocol: 99, model: MODEL_VERSION }, CLOSE_REASON.serverOutdated],
  ])('is closed with 4005: %s', async (_what, versions, reason) => {
    const id = await createSession();
    const client = await TestClient.connect(id);
    client.send({
      type: 'hello',
      clientId: client.clientId,
      version: null,
      peer: { name: 'X', color: '#123456' },
      ...versions,
      futureField: true,
    });
    expect(await client.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'protocol_version' });
    expect(await client.closed()).toEqual({ code: CLOSE.protocolVersion, reason });
  });
});
