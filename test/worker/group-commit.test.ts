/**
 * Group commit in the real room (worker/room/SessionRoom.ts + RoomProtocol.ts): frames
 * that reach the room while a commit is in flight are applied at once and committed
 * together by the next one, and nothing about them leaves before that commit — not
 * their changes, not a joiner's snapshot, not the ack of a resend.
 *
 * The frames are handed to the room's webSocketMessage back to back inside the Durable
 * Object (as the runtime delivers frames already queued), so which of them share a
 * commit does not depend on timing: the first is committed at once, and the commit it
 * starts cannot be confirmed before the synchronous calls that follow it.
 */
import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { MODEL_VERSION, PROTOCOL_VERSION, type ServerMessage } from '../../core';
import type { Attachment } from '../../worker/room/RoomProtocol';
import { createSession, PEER, room, roomStats, rowIn, serverState, setStep, TestClient } from './helpers';

const mutateFrame = (clientId: string, clientSeq: number, step: number) =>
  JSON.stringify({ type: 'mutate', clientId, clientSeq, mutation: setStep('kick', step, true) });

/** Hand `frames` (each for the socket of the given clientId, or of the socket not yet helloed) to the room back to back. */
async function deliverBackToBack(id: string, frames: [clientId: string | null, frame: string][]): Promise<void> {
  await runInDurableObject(room(id), async (instance, state) => {
    const socketOf = (clientId: string | null) => {
      const ws = state.getWebSockets().find((w) => ((w.deserializeAttachment() as Attachment).clientId ?? null) === clientId);
      if (!ws) throw new Error(`no socket for ${clientId}`);
      return ws;
    };
    const handled = frames.map(([clientId, frame]) => instance.webSocketMessage(socketOf(clientId), frame));
    await Promise.all(handled);
  });
}

const versions = (messages: ServerMessage[]) => messages.flatMap((m) => (m.type === 'change' ? [m.version] : []));

describe('group commit', () => {
  it('frames that arrive during a commit share the next one: one row each, acks and broadcasts in order after it', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const before = await roomStats(id);

    await deliverBackToBack(id, [
      [a.clientId, mutateFrame(a.clientId, 1, 1)],
      [a.clientId, mutateFrame(a.clientId, 2, 2)],
      [a.clientId, mutateFrame(a.clientId, 3, 3)],
    ]);
    for (const seq of [1, 2, 3]) expect(await a.outcomeOf(seq)).toMatchObject({ type: 'change', version: seq, clientSeq: seq });
    await b.waitFor((m) => m.type === 'change' && m.version === 3);
    expect(versions(b.messages)).toEqual([1, 2, 3]);

    const after = await roomStats(id);
    expect(after.mutationsApplied - before.mutationsApplied).toBe(3);
    // The first alone (nothing was in flight), the other two together.
    expect(after.commits - before.commits).toBe(2);
    // Still exactly one row per mutation.
    expect(after.rowsWritten - before.rowsWritten).toBe(3);

    // All of it durable: a fresh instance loads it from SQLite.
    await evictDurableObject(room(id), { webSockets: 'close' });
    const state = await serverState(id);
    expect(state.version).toBe(3);
    expect(rowIn(state.session, 'kick').steps.slice(1, 4)).toEqual([true, true, true]);
  });

  it("a joiner's snapshot and the peers it causes come after the open batch is committed and sent", async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const c = await TestClient.connect(id);
    const hello = JSON.stringify({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      model: MODEL_VERSION,
      clientId: c.clientId,
      tab: c.clientId,
      version: null,
      peer: { ...PEER },
      listenOnly: false,
    });
    const since = a.messages.length;

    await deliverBackToBack(id, [
      [a.clientId, mutateFrame(a.clientId, 1, 1)],
      [a.clientId, mutateFrame(a.clientId, 2, 2)], // staged: the first commit is in flight
      [null, hello], // flushes the batch before answering
    ]);
    const snapshot = await c.waitFor((m) => m.type === 'snapshot');
    expect(snapshot).toMatchObject({ type: 'snapshot', version: 2 });
    // The author heard of its change 2 before the peers frame the hello caused.
    await a.waitFor((m) => m.type === 'peers' && m.peers.length === 2, { since });
    const order = a.messages.slice(since).map((m) => (m.type === 'change' ? `change ${m.version}` : m.type));
    expect(order.indexOf('change 2')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('change 2')).toBeLessThan(order.lastIndexOf('peers'));
    expect((await roomStats(id)).version).toBe(2);
  });

  it('a resend of a change still in the open batch is acknowledged after that batch is committed', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const since = a.messages.length;

    await deliverBackToBack(id, [
      [a.clientId, mutateFrame(a.clientId, 1, 1)],
      [a.clientId, mutateFrame(a.clientId, 2, 2)], // staged
      [a.clientId, mutateFrame(a.clientId, 2, 2)], // its resend: commits the batch, then acks it
    ]);
    const ack = await a.waitFor((m) => m.type === 'ack' && m.clientSeq === 2, { since });
    expect(ack).toMatchObject({ type: 'ack', clientSeq: 2, version: 2 });
    const order = a.messages.slice(since).flatMap((m) => (m.type === 'change' || m.type === 'ack' ? [`${m.type} ${m.clientSeq}`] : []));
    expect(order).toEqual(['change 1', 'change 2', 'ack 2']);
    expect((await roomStats(id)).mutationsApplied).toBe(2);
  });
});
