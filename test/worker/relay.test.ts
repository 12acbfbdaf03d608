/**
 * The relay tier of the listen link (issue 17, docs/PROTOCOL.md "Relays"), in workerd: a
 * relay holds one audience socket to the room and forwards its changes to every listener
 * in order; a joiner gets the relay's snapshot and the changes since, then every later one,
 * without a gap or a duplicate (across the relay's own snapshot refresh too); a listener
 * behind a relay cannot mutate; nothing it receives names the editing id; the room counts
 * the relay's listeners. Listeners are routed exactly as the Worker routes them
 * (handleListenRoute), with LISTEN_RELAYS set for the call.
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { type Mutation, PROTOCOL_VERSION, type ServerMessage } from '../../core';
import { handleListenRoute } from '../../worker/http/listen';
import { TAIL_MAX } from '../../worker/relay/RelayRoom';
import { relayCount, relayName } from '../../worker/relay/routing';
import { api, createSession, env, eventually, ORIGIN, PEER, room, roomStats, serverState, setStep, TestClient } from './helpers';

async function listenIdOf(sessionId: string): Promise<string> {
  const res = await api(`/api/sessions/${sessionId}/listen`, { method: 'POST' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { listenId: string }).listenId;
}

/** A listener routed by the Worker with the relay tier on (`relays` per session). */
async function relayed(
  listenId: string,
  { relays = 1, hello = true, protocol }: { relays?: number; hello?: boolean; protocol?: number } = {},
) {
  const request = new Request(`${ORIGIN}/api/listen/${listenId}/ws`, { headers: { Upgrade: 'websocket' } });
  const res = await handleListenRoute(request, { ...env, LISTEN_RELAYS: String(relays) }, listenId, '/ws');
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const client = TestClient.adopt(res.webSocket);
  if (hello) {
    const reply = await client.hello({ listenOnly: true, protocol });
    if (reply.type !== 'snapshot') throw new Error(`hello answered ${JSON.stringify(reply)}`);
  }
  return client;
}

const relay = (sessionId: string, index = 0) => env.RELAYS.get(env.RELAYS.idFromName(relayName(sessionId, index)));

/**
 * `count` edits, at most 20 by each of a few editors (a socket's rate limit lets a burst of
 * LIMITS.rateLimitBurst through); resolves when every one is applied (the room's version says so).
 */
async function edits(id: string, count: number, mutation: (i: number) => Mutation): Promise<number> {
  const before = (await serverState(id)).version;
  let editor: TestClient | null = null;
  for (let i = 0; i < count; i++) {
    if (i % 20 === 0) {
      await editor?.settled();
      editor = await TestClient.join(id);
    }
    editor!.mutate(mutation(i));
  }
  await editor?.settled();
  const after = (await serverState(id)).version;
  expect(after).toBe(before + count);
  return after;
}

/** The versions of the change frames a client got, in order. */
const changeVersions = (client: TestClient, since = 0) => client.messagesOfType('change', since).map((c) => c.version);

/** Versions v+1…w: what a listener whose snapshot was v must have seen by version w. */
const from = (v: number, w: number) => Array.from({ length: w - v }, (_, i) => v + 1 + i);

describe('the relay tier', () => {
  it('is off unless LISTEN_RELAYS is a whole number from 1 to 64', () => {
    expect(relayCount({})).toBe(0);
    for (const off of ['', '0', '-1', '1.5', 'four', '65']) expect(relayCount({ LISTEN_RELAYS: off })).toBe(0);
    expect(relayCount({ LISTEN_RELAYS: '4' })).toBe(4);
    expect(relayCount({ LISTEN_RELAYS: ' 64 ' })).toBe(64);
  });

  it('forwards every change to its listeners in order over one socket to the room, which counts them', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const listeners = [];
    for (let i = 0; i < 3; i++) listeners.push(await relayed(listenId));
    // One relay, one socket in the room for the three of them (besides the editor's).
    expect(await relay(id).stats()).toMatchObject({ listeners: 3, connected: true });
    expect((await roomStats(id)).sockets).toBe(2);
    // The relay reports its three: the room counts them for everyone.
    await editor.waitFor((m) => m.type === 'audience' && m.listeners === 3);
    await listeners[0]!.waitFor((m) => m.type === 'audience' && m.listeners === 3);

    for (let step = 0; step < 20; step++) editor.mutate(setStep('kick', step % 16, step % 3 === 0));
    await editor.settled();
    const state = await serverState(id);
    expect(state.version).toBe(20);
    for (const listener of listeners) {
      await listener.waitFor((m) => m.type === 'change' && m.version === 20);
      expect(changeVersions(listener)).toEqual(from(0, 20));
      expect(listener.replica!.confirmed).toEqual(state.session);
      // A listener never gets the author's copy (the ack) of anyone's edit.
      for (const c of listener.messagesOfType('change')) expect(c.clientSeq).toBeUndefined();
    }

    // One leaves: the count follows.
    listeners[2]!.close();
    await editor.waitFor((m) => m.type === 'audience' && m.listeners === 2);
    // All leave: the relay lets go of the room.
    listeners[0]!.close();
    listeners[1]!.close();
    await editor.waitFor((m) => m.type === 'audience' && m.listeners === 0);
    expect((await roomStats(id)).sockets).toBe(1);
  });

  it('answers a joiner with its snapshot and the changes since, then every later one without a gap, across its refresh', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const first = await relayed(listenId);
    for (let i = 0; i < 10; i++) editor.mutate(setStep('kick', i, true));
    await editor.settled();
    await first.waitFor((m) => m.type === 'change' && m.version === 10);

    // The relay still holds the snapshot of version 0 and ten changes after it.
    const second = await relayed(listenId);
    await second.waitFor((m) => m.type === 'audience' && m.full === true);
    expect(second.messages[0]).toMatchObject({ type: 'snapshot', version: 0 });
    expect(changeVersions(second)).toEqual(from(0, 10));
    expect(second.messages[11]).toMatchObject({ type: 'audience', full: true });

    // Past TAIL_MAX changes the relay holds a fresh snapshot from the room instead.
    const total = await edits(id, TAIL_MAX + 6, (i) => setStep(i < 16 ? 'snare' : 'hat', i % 16, i < 32));
    expect(total).toBe(10 + TAIL_MAX + 6);
    await first.waitFor((m) => m.type === 'change' && m.version === total);
    // (The room answers the relay's new hello in order with the edits: it may come after the last.)
    const stats = await eventually(
      () => relay(id).stats(),
      (s) => (s.heldVersion ?? 0) > 0,
    );
    expect(stats.tail).toBeLessThan(TAIL_MAX);
    const third = await relayed(listenId);
    await third.waitFor((m) => m.type === 'audience' && m.full === true);
    const snapshot = third.messages[0] as Extract<ServerMessage, { type: 'snapshot' }>;
    expect(snapshot.version).toBe(stats.heldVersion);
    expect(changeVersions(third)).toEqual(from(snapshot.version, total));

    // Joining while edits are in flight: whatever the snapshot, exactly the versions after it.
    for (let i = 0; i < 15; i++) editor.mutate(setStep('kick', i, i % 2 === 1));
    const fourth = await relayed(listenId);
    for (let i = 0; i < 5; i++) editor.mutate({ type: 'set_tempo', tempo: 100 + i });
    await editor.settled();
    const end = total + 20;
    const state = await serverState(id);
    expect(state.version).toBe(end);
    for (const client of [first, second, third, fourth]) {
      await client.waitFor((m) => m.type === 'change' && m.version === end);
      await client.roundTrip();
      const start = (client.messagesOfType('snapshot')[0] as { version: number }).version;
      expect(client.messagesOfType('snapshot')).toHaveLength(1);
      expect(changeVersions(client)).toEqual(from(start, end));
      expect(client.replica!.confirmed).toEqual(state.session);
    }
  });

  it('goes on without a gap when the room is evicted under it (it catches up from the log)', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const listener = await relayed(listenId);
    let editor = await TestClient.join(id);
    editor.mutate(setStep('kick', 1, true));
    await editor.settled();
    await evictDurableObject(room(id));
    editor = await TestClient.join(id);
    for (let i = 2; i < 6; i++) editor.mutate(setStep('kick', i, true));
    await editor.settled();
    await listener.waitFor((m) => m.type === 'change' && m.version === 5);
    expect(changeVersions(listener)).toEqual(from(0, 5));
    expect(listener.messagesOfType('snapshot')).toHaveLength(1);
    expect(listener.replica!.confirmed).toEqual((await serverState(id)).session);
  });

  it('refuses every mutation and presence from its listeners, fail-closed, and answers clock samples itself', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const listener = await relayed(listenId, { hello: false });
    listener.sendMutate(setStep('snare', 1, true), 1);
    expect(await listener.outcomeOf(1)).toMatchObject({ type: 'error', code: 'hello_first', clientSeq: 1 });
    // Claims to edit: it listens all the same.
    expect(await listener.hello({ listenOnly: false })).toMatchObject({ type: 'snapshot', version: 0 });
    listener.sendMutate(setStep('snare', 2, true), 2);
    expect(await listener.outcomeOf(2)).toMatchObject({ type: 'error', code: 'listen_only', clientSeq: 2 });
    let since = listener.messages.length;
    listener.send({ type: 'presence', cursor: { trackId: 'kick', step: 1 }, playing: true, peer: PEER, fill: true });
    expect(await listener.waitFor((m) => m.type === 'error', { since })).toMatchObject({ code: 'listen_only' });
    since = listener.messages.length;
    listener.send('not json');
    expect(await listener.waitFor((m) => m.type === 'error', { since })).toMatchObject({ code: 'bad_json' });
    since = listener.messages.length;
    listener.send({ type: 'mutate', clientId: listener.clientId, clientSeq: 3 });
    expect(await listener.waitFor((m) => m.type === 'error', { since })).toMatchObject({ code: 'bad_message' });
    await listener.roundTrip();
    // Nothing reached the room: its version, its editors and its sockets are as they were.
    editor.mutate(setStep('kick', 7, true));
    await editor.settled();
    await listener.waitFor((m) => m.type === 'change' && m.version === 1);
    expect((await serverState(id)).version).toBe(1);
    expect((await roomStats(id)).sockets).toBe(2);
    for (const m of editor.messagesOfType('peers')) expect(m.peers.map((p) => p.peerId)).toEqual([editor.peerId]);

    // A client that cannot read `audience` (protocol 2) is told to reload, not half served.
    const old = await relayed(listenId, { hello: false });
    old.send({ type: 'hello', protocol: PROTOCOL_VERSION - 1, model: 1, clientId: old.clientId, version: null, peer: PEER });
    expect(await old.closed()).toEqual({ code: 4005, reason: 'client_outdated' });
  });

  it('never forwards the editing id, nor that of a session it was remixed from', async () => {
    const origin = await createSession();
    const remix = await api(`/api/sessions/${origin}/remix`, { method: 'POST' });
    const id = ((await remix.json()) as { id: string }).id;
    expect((await serverState(id)).session.lineage.remixedFrom).toMatchObject({ kind: 'session', id: origin });
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    editor.send({ type: 'presence', cursor: null, playing: true, peer: PEER });
    const listener = await relayed(listenId, { relays: 2 });
    editor.mutate(setStep('kick', 1, true));
    editor.mutate({ type: 'set_session_name', name: 'Live tonight' });
    await editor.settled();
    await listener.waitFor((m) => m.type === 'change' && m.version === 2);
    const late = await relayed(listenId, { relays: 2 });
    await late.roundTrip();
    for (const client of [listener, late]) {
      expect(client.frames.length).toBeGreaterThan(1);
      for (const frame of client.frames) {
        expect(frame).not.toContain(id);
        expect(frame).not.toContain(origin);
      }
      expect(client.replica!.confirmed.lineage.remixedFrom).toBeNull();
    }
    // A client's own relay header is dropped by the Worker: its socket is an ordinary listener's.
    const res = await api(`/api/listen/${listenId}/ws`, { headers: { Upgrade: 'websocket', 'X-Keyboardia-Relay': 'forged' } });
    const direct = TestClient.adopt(res.webSocket!);
    await direct.hello({ listenOnly: true });
    await editor.waitFor((m) => m.type === 'audience' && m.listeners === 3);
  });
});
