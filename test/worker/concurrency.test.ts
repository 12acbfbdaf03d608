/**
 * Two editors writing the same thing at the same moment end identical to each
 * other and to the server (failure mode 17): both send before either hears of the
 * other, and each Replica applies every change (its own echo too) to the confirmed
 * base and rebases what is still pending. Tracks are addressed by id, so adds,
 * deletes and moves cannot hit the wrong track (failure modes 8 and 11).
 */
import { describe, expect, it } from 'vitest';
import { emptyPattern, makeTrack, type Mutation } from '../../core';
import { addTrack, convergence, createSession, rowIn, serverState, setStep, TestClient } from './helpers';

async function twoEditors() {
  const id = await createSession();
  return { id, a: await TestClient.join(id), b: await TestClient.join(id) };
}

/** Every client's pending queue drained, then every replica and view equal to the server. */
async function expectConverged(id: string, clients: TestClient[]) {
  await Promise.all(clients.map((c) => c.settled()));
  const { server, replicas, views } = await convergence(id, clients);
  // Strict: a field missing on one side and undefined on the other is a difference (failure mode 14).
  for (const replica of replicas) expect(replica).toStrictEqual(server);
  for (const view of views) expect(view).toStrictEqual(server.session);
  return server;
}

/** Both clients send their mutations, interleaved, before either receives anything. */
function sendTogether(a: TestClient, aMutations: Mutation[], b: TestClient, bMutations: Mutation[]) {
  const aSeqs: number[] = [];
  const bSeqs: number[] = [];
  for (let i = 0; i < Math.max(aMutations.length, bMutations.length); i++) {
    if (aMutations[i]) aSeqs.push(a.mutate(aMutations[i]!));
    if (bMutations[i]) bSeqs.push(b.mutate(bMutations[i]!));
  }
  return { aSeqs, bSeqs };
}

describe('concurrent writes converge', () => {
  it('to the same cell, in both orders, round after round', async () => {
    const { id, a, b } = await twoEditors();
    for (let round = 0; round < 8; round++) {
      const aValue = round % 2 === 0;
      const [first, second] = round % 3 === 0 ? [b, a] : [a, b];
      const firstValue = first === a ? aValue : !aValue;
      first.mutate(setStep('kick', 3, firstValue));
      second.mutate(setStep('kick', 3, !firstValue));
      // Both views show their own edit until the server's order comes back.
      expect(rowIn(first.replica!.view, 'kick').steps[3]).toBe(firstValue);
      expect(rowIn(second.replica!.view, 'kick').steps[3]).toBe(!firstValue);
      const server = await expectConverged(id, [a, b]);
      // The server applied them in arrival order: the second sender's value wins.
      expect(rowIn(server.session, 'kick').steps[3]).toBe(!firstValue);
    }
    expect((await serverState(id)).version).toBe(16);
  });

  it('to one track’s settings (volume and name)', async () => {
    const { id, a, b } = await twoEditors();
    sendTogether(
      a,
      [
        { type: 'set_volume', trackId: 'snare', volume: 0.2 },
        { type: 'set_track_name', trackId: 'snare', name: 'Alpha' },
        { type: 'set_volume', trackId: 'snare', volume: 0.3 },
      ],
      b,
      [
        { type: 'set_track_name', trackId: 'snare', name: 'Beta' },
        { type: 'set_volume', trackId: 'snare', volume: 0.9 },
        { type: 'set_pan', trackId: 'snare', pan: -0.5 },
      ],
    );
    const server = await expectConverged(id, [a, b]);
    expect(server.version).toBe(6);
    // Arrival order is A0 B0 A1 B1 A2 B2: the last write to each field wins.
    expect(server.session.tracks[1]).toMatchObject({ id: 'snare', name: 'Alpha', volume: 0.3, pan: -0.5 });
  });

  it('adding the same track id twice: one add wins, the other is refused with duplicate_track', async () => {
    const { id, a, b } = await twoEditors();
    const { aSeqs, bSeqs } = sendTogether(a, [addTrack(makeTrack({ id: 'lead', name: 'Lead A', instrument: 'pluck' }))], b, [
      addTrack(makeTrack({ id: 'lead', name: 'Lead B', instrument: 'piano' })),
    ]);
    expect(await a.outcomeOf(aSeqs[0]!)).toMatchObject({ type: 'change', version: 1 });
    expect(await b.outcomeOf(bSeqs[0]!)).toMatchObject({ type: 'error', code: 'duplicate_track', clientSeq: bSeqs[0] });
    const server = await expectConverged(id, [a, b]);
    expect(server.session.tracks.filter((t) => t.id === 'lead')).toEqual([expect.objectContaining({ name: 'Lead A' })]);
  });

  it('deleting the same track twice removes exactly that one track; both deletes are echoed', async () => {
    const { id, a, b } = await twoEditors();
    const before = (await serverState(id)).session.tracks.map((t) => t.id);
    const { aSeqs, bSeqs } = sendTogether(a, [{ type: 'delete_track', trackId: 'snare' }], b, [{ type: 'delete_track', trackId: 'snare' }]);
    expect(await a.outcomeOf(aSeqs[0]!)).toMatchObject({ type: 'change', clientSeq: aSeqs[0] });
    expect(await b.outcomeOf(bSeqs[0]!)).toMatchObject({ type: 'change', clientSeq: bSeqs[0] });
    const server = await expectConverged(id, [a, b]);
    expect(server.session.tracks.map((t) => t.id)).toEqual(before.filter((t) => t !== 'snare'));
  });

  it('a delete racing edits to the same track: the late edits are refused, everyone agrees', async () => {
    const { id, a, b } = await twoEditors();
    const { bSeqs } = sendTogether(a, [{ type: 'delete_track', trackId: 'hat' }], b, [
      setStep('hat', 1, true),
      { type: 'set_volume', trackId: 'hat', volume: 0.1 },
    ]);
    // A's delete arrives first, so both of B's edits find no track.
    for (const seq of bSeqs) expect(await b.outcomeOf(seq)).toMatchObject({ type: 'error', code: 'unknown_track' });
    const server = await expectConverged(id, [a, b]);
    expect(server.session.tracks.map((t) => t.id)).toEqual(['kick', 'snare', 'bass']);
  });

  it('add, delete and re-add of one track id from both sides', async () => {
    const { id, a, b } = await twoEditors();
    const track = (name: string) => addTrack(makeTrack({ id: 'fx', name, instrument: 'pluck' }));
    sendTogether(a, [track('one'), { type: 'delete_track', trackId: 'fx' }, track('three')], b, [
      { type: 'delete_track', trackId: 'fx' },
      track('two'),
      setStep('fx', 4, true),
    ]);
    const server = await expectConverged(id, [a, b]);
    expect(server.session.tracks.filter((t) => t.id === 'fx').length).toBeLessThanOrEqual(1);
  });

  it('moves addressed by id', async () => {
    const { id, a, b } = await twoEditors();
    sendTogether(a, [{ type: 'move_track', trackId: 'bass', beforeTrackId: 'kick' }], b, [
      { type: 'move_track', trackId: 'kick', beforeTrackId: null },
    ]);
    const server = await expectConverged(id, [a, b]);
    expect(server.session.tracks.map((t) => t.id)).toEqual(['bass', 'snare', 'hat', 'kick']);
  });

  it('to different patterns: each pattern holds its own writer’s edits, the same cell included', async () => {
    const { id, a, b } = await twoEditors();
    a.mutate({ type: 'add_pattern', pattern: 'B', value: { ...emptyPattern(), name: 'Chorus' } });
    await expectConverged(id, [a, b]);
    const before = (await serverState(id)).session;
    sendTogether(
      a,
      [
        setStep('kick', 3, true, 'B'),
        { type: 'set_length', trackId: 'kick', pattern: 'B', length: 12 },
        { type: 'set_velocity', trackId: 'kick', pattern: 'B', step: 3, velocity: 40 },
        { type: 'set_pattern_name', pattern: 'B', name: 'Drop' },
      ],
      b,
      [
        setStep('kick', 3, true, 'A'),
        { type: 'set_length', trackId: 'kick', pattern: 'A', length: 32 },
        { type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 3, velocity: 90 },
        setStep('snare', 0, true, 'A'),
      ],
    );
    const server = await expectConverged(id, [a, b]);
    expect(server.version).toBe(9);
    const session = server.session;
    expect(session.patterns.B!.name).toBe('Drop');
    expect(rowIn(session, 'kick', 'B')).toMatchObject({ length: 12 });
    expect([rowIn(session, 'kick', 'B').steps[3], rowIn(session, 'kick', 'B').velocities[3]]).toEqual([true, 40]);
    expect(rowIn(session, 'kick', 'A')).toMatchObject({ length: 32 });
    expect([rowIn(session, 'kick', 'A').steps[3], rowIn(session, 'kick', 'A').velocities[3]]).toEqual([true, 90]);
    // Nothing crossed over: B's snare is still the default row, A's other rows are as they were.
    expect(session.patterns.B!.rows.snare).toBeUndefined();
    expect(rowIn(session, 'snare', 'A').steps[0]).toBe(true);
    expect(rowIn(session, 'hat', 'A')).toEqual(rowIn(before, 'hat', 'A'));
  });

  it('adding the same pattern letter twice: one add wins, the other is refused with duplicate_pattern', async () => {
    const { id, a, b } = await twoEditors();
    const { aSeqs, bSeqs } = sendTogether(a, [{ type: 'add_pattern', pattern: 'B', value: { ...emptyPattern(), name: 'Mine' } }], b, [
      { type: 'add_pattern', pattern: 'B', value: { ...emptyPattern(), name: 'Yours' } },
    ]);
    expect(await a.outcomeOf(aSeqs[0]!)).toMatchObject({ type: 'change', version: 1 });
    expect(await b.outcomeOf(bSeqs[0]!)).toMatchObject({ type: 'error', code: 'duplicate_pattern', clientSeq: bSeqs[0] });
    const server = await expectConverged(id, [a, b]);
    expect(server.session.patterns.B!.name).toBe('Mine');
  });
});
