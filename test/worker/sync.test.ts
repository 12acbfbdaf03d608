/**
 * The live path: hello → snapshot, a mutation validated, applied, written as one
 * log row, then echoed to its author (the ack, carrying clientSeq) and broadcast.
 */
import { describe, expect, it } from 'vitest';
import { LOG_SLOTS } from '../../worker/room/RoomStorage';
import { createSession, rowIn, serverState, setStep, sqlRows, TestClient } from './helpers';

interface LogRow extends Record<string, SqlStorageValue> {
  slot: number;
  version: number;
  client_id: string;
  client_seq: number;
  author: string | null;
  mutation: string;
}

describe('two editors', () => {
  it('both get a snapshot; a mutation is persisted, echoed to its author with clientSeq and sent to the other', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const initial = await serverState(id);
    for (const c of [a, b]) {
      expect(c.messages[0]).toMatchObject({ type: 'snapshot', version: 0 });
      expect(c.replica!.confirmed).toEqual(initial.session);
    }
    expect(a.peerId).not.toBe(b.peerId);
    expect(rowIn(initial.session, 'kick').steps[1]).toBe(false);

    const seq = a.mutate(setStep('kick', 1, true));
    const echo = await a.outcomeOf(seq);
    const seen = await b.waitFor((m) => m.type === 'change' && m.version === 1);

    expect(echo).toMatchObject({ type: 'change', version: 1, clientSeq: seq, by: a.peerId, mutation: setStep('kick', 1, true) });
    expect(seen).toMatchObject({ type: 'change', version: 1, by: a.peerId, mutation: setStep('kick', 1, true) });
    expect(seen).not.toHaveProperty('clientSeq'); // only the author's copy is an ack

    const rows = await sqlRows<LogRow>(id, 'SELECT * FROM log WHERE version = 1');
    expect(rows).toEqual([
      {
        slot: 1 % LOG_SLOTS,
        version: 1,
        at: echo.type === 'change' ? echo.at : -1,
        client_id: a.clientId,
        client_seq: seq,
        author: a.peerId,
        mutation: JSON.stringify(setStep('kick', 1, true)),
      },
    ]);
    const after = await serverState(id);
    expect(after.version).toBe(1);
    expect(rowIn(after.session, 'kick').steps[1]).toBe(true);
    expect(a.replica!.pending).toEqual([]);
    expect(a.replica!.confirmed).toEqual(after.session);
    expect(b.replica!.confirmed).toEqual(after.session);
  });

  it('a listener receives changes but may not send them', async () => {
    const id = await createSession();
    const editor = await TestClient.join(id);
    const listener = await TestClient.connect(id);
    expect((await listener.hello({ listenOnly: true })).type).toBe('snapshot');

    editor.mutate(setStep('snare', 0, true));
    await listener.waitFor((m) => m.type === 'change' && m.version === 1);

    listener.sendMutate(setStep('snare', 1, true), 1);
    expect(await listener.outcomeOf(1)).toMatchObject({ type: 'error', code: 'listen_only', clientSeq: 1 });
    expect((await serverState(id)).version).toBe(1);
  });

  it('a client that says which version it has gets just the changes it missed', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    a.mutate(setStep('kick', 2, true));
    a.mutate(setStep('kick', 3, true));
    await a.settled();
    a.close();

    const back = await TestClient.connect(id, { clientId: a.clientId });
    const reply = await back.hello({ version: 1 });
    expect(reply).toMatchObject({ type: 'catchup', fromVersion: 1, changes: [{ version: 2, mutation: setStep('kick', 3, true) }] });
    const upToDate = await (await TestClient.connect(id)).hello({ version: 2 });
    expect(upToDate).toMatchObject({ type: 'catchup', changes: [] });
    const ahead = await (await TestClient.connect(id)).hello({ version: 99 });
    expect(ahead).toMatchObject({ type: 'snapshot', version: 2 });
  });

  it('refuses a client of another protocol version and closes with 4005', async () => {
    const id = await createSession();
    const c = await TestClient.connect(id);
    c.send({ type: 'hello', protocol: 999, clientId: c.clientId, version: null, peer: { name: 'Old', color: '#000000' } });
    expect(await c.waitFor((m) => m.type === 'error')).toMatchObject({ code: 'protocol_version' });
    expect((await c.closed()).code).toBe(4005);
  });

  it('answers the keepalive ping with pong', async () => {
    const id = await createSession();
    const c = await TestClient.join(id);
    c.send('ping');
    await c.roundTrip();
    expect(c.frames).toContain('pong');
  });
});
