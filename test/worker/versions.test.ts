/**
 * Old and new clients (docs/PROTOCOL.md, "Old and new clients"): the room serves
 * clients of models OLDEST_CLIENT_MODEL…MODEL_VERSION, lifting an older client's
 * mutations and sending it a snapshot instead of a change it could not apply; a client
 * it cannot serve is closed with 4005 and a reason that says which side is older.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE, CLOSE_REASON, makeTrack, MODEL_VERSION, OLDEST_CLIENT_MODEL, type ServerMessage } from '../../core';
import { createSession, serverState, TestClient } from './helpers';

/** A hello as the first release sent it: protocol 1, no model, no tab. */
const firstReleaseHello = (clientId: string) => ({
  type: 'hello',
  protocol: 1,
  clientId,
  version: null,
  peer: { name: 'Old tab', color: '#123456' },
});

describe('a client of the first release (model 1)', () => {
  it('is served: its edits are lifted to this model, and it gets a snapshot instead of a change it cannot apply', async () => {
    expect(OLDEST_CLIENT_MODEL).toBe(1);
    const id = await createSession();
    const old = await TestClient.connect(id);
    old.send(firstReleaseHello(old.clientId));
    expect(await old.waitFor((m) => m.type === 'snapshot')).toMatchObject({ type: 'snapshot', version: 0 });

    // A model 1 track has no transpose or swing: the room fills them in.
    const { transpose: _t, swing: _s, ...v1Track } = makeTrack({ id: 'old', name: 'Old', instrument: 'piano', on: [0] });
    old.send({
      type: 'mutate',
      clientId: old.clientId,
      clientSeq: 1,
      mutation: { type: 'add_track', track: v1Track, beforeTrackId: null },
    });
    expect(await old.outcomeOf(1)).toMatchObject({ type: 'change', version: 1 });
    expect((await serverState(id)).session.tracks.at(-1)).toMatchObject({ id: 'old', transpose: 0, swing: null });

    // A current client transposes it: the old one gets the new state as a snapshot.
    const current = await TestClient.join(id);
    const since = old.messages.length;
    const seq = current.mutate({ type: 'set_transpose', trackId: 'old', transpose: 7 });
    expect(await current.outcomeOf(seq)).toMatchObject({ type: 'change', version: 2 });
    const next = await old.waitFor((m) => m.type === 'snapshot' || m.type === 'change', { since });
    expect(next).toMatchObject({ type: 'snapshot', version: 2 });
    expect((next as Extract<ServerMessage, { type: 'snapshot' }>).session.tracks.at(-1)!.transpose).toBe(7);
    // …while a change it knows still comes as a change.
    const seq2 = current.mutate({ type: 'set_step', trackId: 'old', step: 3, on: true });
    await current.outcomeOf(seq2);
    expect(await old.waitFor((m) => m.type === 'change' && m.version === 3, { since })).toMatchObject({ mutation: { type: 'set_step' } });
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
