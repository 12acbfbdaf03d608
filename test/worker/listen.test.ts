/**
 * Listen links and the audience's presence (issue 17), in workerd: a listen id routes to
 * its session and survives the room's eviction; a socket opened by it is listen-only
 * whatever it says (every mutation and presence refused, a hello claiming to edit
 * included); nothing it receives names the editing id; editors' presence reaches
 * listeners as compact deltas, listeners are counted and never listed.
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { AUDIENCE_INTERVAL_MS, isSessionId, LISTENER_BATCH_MS, type ServerMessage } from '../../core';
import { listenKey, listenOfKey } from '../../worker/http/listen';
import { api, createSession, env, ORIGIN, PEER, room, serverState, setStep, TestClient } from './helpers';

type Audience = Extract<ServerMessage, { type: 'audience' }>;
type Peers = Extract<ServerMessage, { type: 'peers' }>;

async function listenIdOf(sessionId: string): Promise<string> {
  const res = await api(`/api/sessions/${sessionId}/listen`, { method: 'POST' });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { listenId: string; url: string };
  expect(body.url).toBe(`/listen/${body.listenId}`);
  return body.listenId;
}

/** A listener through the listen link; resolves once its hello is answered. */
async function listen(listenId: string, hello: { listenOnly?: boolean; protocol?: number; clientId?: string } = {}) {
  const client = await TestClient.connect('(hidden)', { path: `/api/listen/${listenId}/ws`, clientId: hello.clientId });
  const reply = await client.hello({ listenOnly: hello.listenOnly ?? true, protocol: hello.protocol });
  return { client, reply };
}

const presence = (
  over: Partial<{ cursor: { trackId: string; step: number } | null; playing: boolean; fill: boolean; pattern: string }>,
) => ({
  type: 'presence' as const,
  cursor: null,
  playing: false,
  peer: PEER,
  ...over,
});

describe('the listen link', () => {
  it('is made once per session, is not the session id, and leads to it (after an eviction too)', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    expect(isSessionId(listenId)).toBe(true);
    expect(listenId).not.toBe(id);
    // Asked again (another editor opening Share), and several at once: the same link.
    const again = await Promise.all([listenIdOf(id), listenIdOf(id), listenIdOf(id)]);
    expect(again).toEqual([listenId, listenId, listenId]);
    expect(await env.KV.get(listenKey(listenId))).toBe(id);
    expect(await env.KV.get(listenOfKey(id))).toBe(listenId);

    // The room forgets everything in memory; the link is in KV.
    await evictDurableObject(room(id));
    expect(await listenIdOf(id)).toBe(listenId);

    const res = await api(`/api/listen/${listenId}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(id);
    expect(JSON.parse(text)).toEqual({ listenId, url: `/listen/${listenId}` });
  });

  it('is a 404 for an unknown or malformed id, and asking for one of an unknown session makes nothing', async () => {
    const unknown = crypto.randomUUID();
    expect((await api(`/api/sessions/${unknown}/listen`, { method: 'POST' })).status).toBe(404);
    expect(await env.KV.get(listenOfKey(unknown))).toBeNull();
    expect((await api('/api/sessions/not-a-session/listen', { method: 'POST' })).status).toBe(404);
    for (const bad of [crypto.randomUUID(), 'nope', '%2e%2e']) {
      expect((await api(`/api/listen/${bad}`)).status).toBe(404);
      expect((await api(`/api/listen/${bad}/ws`, { headers: { Upgrade: 'websocket' } })).status).toBe(404);
    }
    // A session id is not a listen id.
    const id = await createSession();
    await listenIdOf(id);
    expect((await api(`/api/listen/${id}/ws`, { headers: { Upgrade: 'websocket' } })).status).toBe(404);
  });

  it('refuses other methods, pages of other sites, and a plain GET of the socket', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const put = await api(`/api/listen/${listenId}`, { method: 'POST' });
    expect(put.status).toBe(405);
    expect(put.headers.get('Allow')).toBe('GET, HEAD');
    expect((await api(`/api/sessions/${id}/listen`)).status).toBe(405);
    const foreign = await api(`/api/listen/${listenId}/ws`, { headers: { Upgrade: 'websocket', Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await api(`/api/sessions/${id}/listen`, { method: 'POST', headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await api(`/api/listen/${listenId}/ws`)).status).toBe(426);
    expect((await api(`/api/listen/${listenId}/ws`, { headers: { Upgrade: 'websocket', Origin: ORIGIN } })).status).toBe(101);
  });
});

describe('a socket opened by a listen link', () => {
  it('hears every change in order and is refused every mutation and presence, fail-closed', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    // Claims to edit: it listens all the same.
    const { client: listener, reply } = await listen(listenId, { listenOnly: false });
    expect(reply).toMatchObject({ type: 'snapshot', version: 0 });

    for (let step = 0; step < 5; step++) editor.mutate(setStep('kick', step, step % 2 === 0));
    await editor.settled();
    await listener.waitFor((m) => m.type === 'change' && m.version === 5);
    expect(listener.messagesOfType('change').map((c) => c.version)).toEqual([1, 2, 3, 4, 5]);
    expect(listener.replica!.confirmed).toEqual((await serverState(id)).session);

    listener.sendMutate(setStep('snare', 1, true), 1);
    expect(await listener.outcomeOf(1)).toMatchObject({ type: 'error', code: 'listen_only', clientSeq: 1 });
    const since = listener.messages.length;
    listener.send(presence({ playing: true, fill: true, cursor: { trackId: 'kick', step: 1 } }));
    expect(await listener.waitFor((m) => m.type === 'error', { since })).toMatchObject({ code: 'listen_only' });
    // A second hello claiming to edit changes nothing either.
    await listener.hello({ listenOnly: false });
    listener.sendMutate(setStep('snare', 2, true), 2);
    expect(await listener.outcomeOf(2)).toMatchObject({ type: 'error', code: 'listen_only', clientSeq: 2 });
    expect((await serverState(id)).version).toBe(5);
    // It is not an editor: no place taken, no entry in anyone's peers.
    await editor.waitFor<Audience>((m) => m.type === 'audience' && m.listeners === 1);
    for (const m of editor.messagesOfType('peers')) expect(m.peers.map((p) => p.peerId)).toEqual([editor.peerId]);

    // After a hibernation, still a listener (it lives in the socket's attachment).
    await evictDurableObject(room(id), { webSockets: 'hibernate' });
    listener.sendMutate(setStep('snare', 3, true), 3);
    expect(await listener.outcomeOf(3)).toMatchObject({ type: 'error', code: 'listen_only', clientSeq: 3 });
    editor.mutate(setStep('kick', 9, true));
    await listener.waitFor((m) => m.type === 'change' && m.version === 6);
    expect((await serverState(id)).version).toBe(6);
  });

  it('cannot close an editor by saying hello with its clientId', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const { client: listener } = await listen(listenId, { listenOnly: false, clientId: editor.clientId });
    listener.sendMutate(setStep('kick', 4, true), 1);
    expect(await listener.outcomeOf(1)).toMatchObject({ code: 'listen_only' });
    expect(editor.isOpen).toBe(true);
    editor.mutate(setStep('kick', 5, true));
    await editor.settled();
    expect((await serverState(id)).version).toBe(1);
  });

  it('never receives the editing id, nor that of a session it was remixed from', async () => {
    const origin = await createSession();
    const remix = await api(`/api/sessions/${origin}/remix`, { method: 'POST' });
    const id = ((await remix.json()) as { id: string }).id;
    expect((await serverState(id)).session.lineage.remixedFrom).toMatchObject({ kind: 'session', id: origin });
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    editor.send(presence({ playing: true, pattern: 'A' }));
    const { client: listener, reply } = await listen(listenId);
    expect(reply.type).toBe('snapshot');
    editor.mutate(setStep('kick', 1, true));
    editor.mutate({ type: 'set_session_name', name: 'Live tonight' });
    await editor.settled();
    listener.sendMutate(setStep('kick', 2, true), 1);
    listener.send('not json');
    await listener.waitFor((m) => m.type === 'error' && m.code === 'bad_json');
    await listener.waitFor((m) => m.type === 'change' && m.version === 2);
    // Reconnect behind: a catch-up this time.
    const late = await TestClient.connect('(hidden)', { path: `/api/listen/${listenId}/ws` });
    expect(await late.hello({ listenOnly: true, version: 1 })).toMatchObject({ type: 'catchup' });
    await listener.waitFor((m) => m.type === 'audience' && m.listeners === 2);
    for (const client of [listener, late]) {
      expect(client.frames.length).toBeGreaterThan(1);
      for (const frame of client.frames) {
        expect(frame).not.toContain(id);
        expect(frame).not.toContain(origin);
      }
    }
    // The editors still see where it came from.
    expect(editor.replica!.confirmed.lineage.remixedFrom).toMatchObject({ id: origin });
  });
});

/** The editors a listener knows of: its `audience` frames folded, as a client does. */
function seen(client: TestClient): Map<string, object> {
  const known = new Map<string, object>();
  for (const m of client.messagesOfType('audience')) {
    if (m.full) known.clear();
    for (const p of m.peers ?? []) known.set(p.peerId, p);
    for (const gone of m.gone ?? []) known.delete(gone);
  }
  return known;
}

describe("the audience's presence", () => {
  it('lists editors to listeners without cursors, as deltas, and counts listeners', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const a = await TestClient.join(id);
    a.send(presence({ playing: true, cursor: { trackId: 'kick', step: 3 } }));
    await a.roundTrip();
    const { client: listener } = await listen(listenId);
    // Right after its snapshot: everyone, once.
    const full = await listener.waitFor<Audience>((m) => m.type === 'audience' && m.full === true);
    expect(full).toEqual({
      type: 'audience',
      full: true,
      listeners: 1,
      peers: [{ peerId: a.peerId, name: PEER.name, color: PEER.color, playing: true, pattern: 'A', fill: false }],
    });
    expect(listener.messagesOfType('peers')).toEqual([]);

    // A second editor joins: the listener hears of them alone.
    let since = listener.messages.length;
    const b = await TestClient.join(id);
    const joined = await listener.waitFor<Audience>((m) => m.type === 'audience' && (m.peers ?? []).some((p) => p.peerId === b.peerId), {
      since,
    });
    // (A batch may repeat an entry the listener already has, as it was: upserts are idempotent.)
    expect(seen(listener)).toEqual(
      new Map([
        [a.peerId, { peerId: a.peerId, name: PEER.name, color: PEER.color, playing: true, pattern: 'A', fill: false }],
        [b.peerId, { peerId: b.peerId, name: PEER.name, color: PEER.color, playing: false, pattern: 'A', fill: false }],
      ]),
    );
    expect(joined.gone).toBeUndefined();

    // Cursor moves are not a listener's business; Fill and playing are.
    since = listener.messages.length;
    for (let step = 0; step < 4; step++) b.send(presence({ cursor: { trackId: 'kick', step } }));
    b.send(presence({ cursor: { trackId: 'kick', step: 9 }, fill: true, playing: true }));
    const fill = await listener.waitFor<Audience>((m) => m.type === 'audience' && (m.peers ?? []).some((p) => p.fill), { since });
    expect(fill.peers).toContainEqual({ peerId: b.peerId, name: PEER.name, color: PEER.color, playing: true, pattern: 'A', fill: true });
    expect(seen(listener).get(b.peerId!)).toMatchObject({ fill: true, playing: true });
    for (const frame of listener.frames) expect(frame).not.toContain('cursor');

    // The editor leaves: named as gone.
    since = listener.messages.length;
    b.close();
    const left = await listener.waitFor<Audience>((m) => m.type === 'audience' && (m.gone ?? []).length > 0, { since });
    expect(left.gone).toEqual([b.peerId]);
    expect([...seen(listener).keys()]).toEqual([a.peerId]);

    // Listeners come and go: counted for editors and listeners, never listed.
    const more = [];
    for (let i = 0; i < 3; i++) more.push((await listen(listenId)).client);
    await a.waitFor<Audience>((m) => m.type === 'audience' && m.listeners === 4);
    await listener.waitFor<Audience>((m) => m.type === 'audience' && m.listeners === 4);
    for (const m of a.messagesOfType('peers')) expect(m.peers.every((p) => !p.listenOnly)).toBe(true);
    more[0]!.close();
    await a.waitFor((m) => m.type === 'audience' && m.listeners === 3);
    const peers = a.messagesOfType('peers').at(-1)!;
    expect(peers.peers.map((p) => p.peerId)).toEqual([a.peerId]);
  });

  it('tells the other editors of a leave at once: the peers sent on its close no longer list it', async () => {
    // A peers that still listed the closed socket would make a reload (close, then hello)
    // look like a swap of connections. (Under wrangler dev the runtime lists a socket during
    // its own close event; this pool does not, so e2e/jam.spec.ts's presence test is the
    // one that catches that.)
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    await a.waitFor<Peers>((m) => m.type === 'peers' && m.peers.length === 2);
    const since = a.messages.length;
    b.close();
    const after = await a.waitFor<Peers>((m) => m.type === 'peers', { since });
    expect(after.peers.map((p) => p.peerId)).toEqual([a.peerId]);
  });

  it('costs an existing listener at most one frame per interval for a crowd joining, never a list of them', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const { client: first } = await listen(listenId);
    await first.waitFor((m) => m.type === 'audience' && m.full === true);
    const since = first.messages.length;
    const sinceFrame = first.frames.length;
    const crowd = await Promise.all(Array.from({ length: 12 }, () => listen(listenId)));
    await first.waitFor((m) => m.type === 'audience' && m.listeners === 13, { since });
    const frames = first.frames.slice(sinceFrame);
    // At most one each, however many joined at once: a count, never a list of listeners
    // (an entry, if any, is the one editor, repeated as it was).
    expect(frames.length).toBeLessThanOrEqual(crowd.length);
    for (const frame of frames) {
      const m = JSON.parse(frame) as Audience;
      expect(m.type).toBe('audience');
      expect((m.peers ?? []).map((p) => p.peerId)).toEqual((m.peers ?? []).length ? [editor.peerId] : []);
      expect(m.gone).toBeUndefined();
    }
    // Each newcomer got its snapshot and one full audience frame, nothing per other listener.
    for (const { client } of crowd) {
      const types = client.messages.slice(0, 2).map((m) => m.type);
      expect(types).toEqual(['snapshot', 'audience']);
    }
    expect(AUDIENCE_INTERVAL_MS).toBeGreaterThan(0);
  });

  it('sends a burst of changes to a listener in few frames, in order (protocol 4); a protocol 3 listener gets one a frame', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const { client: batched } = await listen(listenId);
    const { client: older } = await listen(listenId, { protocol: 3 });
    await batched.waitFor<Audience>((m) => m.type === 'audience' && m.listeners === 2);
    const [batchedFrom, olderFrom] = [batched.frames.length, older.frames.length];
    const burst = 20;
    for (let step = 0; step < burst; step++) editor.mutate(setStep('kick', step, step % 3 === 0));
    await editor.settled();
    const versions = Array.from({ length: burst }, (_, i) => i + 1);
    for (const listener of [batched, older]) {
      await listener.waitFor((m) => m.type === 'change' && m.version === burst);
      expect(listener.messagesOfType('change').map((c) => c.version)).toEqual(versions);
      expect(listener.replica!.confirmed).toEqual((await serverState(id)).session);
    }
    const withChanges = (frames: string[]) => frames.filter((f) => f.includes('"type":"change"'));
    // The changes came faster than LISTENER_BATCH_MS apart: several share a frame (a JSON array).
    const batchedFrames = withChanges(batched.frames.slice(batchedFrom));
    expect(batchedFrames.length).toBeLessThan(burst);
    expect(batchedFrames.some((f) => f.startsWith('['))).toBe(true);
    expect(LISTENER_BATCH_MS).toBeGreaterThan(0);
    // An older listener reads one message a frame.
    const olderFrames = withChanges(older.frames.slice(olderFrom));
    expect(olderFrames).toHaveLength(burst);
    for (const f of olderFrames) expect(f.startsWith('{')).toBe(true);
  });

  it('still serves a protocol 2 listener: peers with the editors only', async () => {
    const id = await createSession();
    const listenId = await listenIdOf(id);
    const editor = await TestClient.join(id);
    const { client: old } = await listen(listenId, { protocol: 2 });
    const first = await old.waitFor<Peers>((m) => m.type === 'peers');
    expect(first.peers.map((p) => p.peerId)).toEqual([editor.peerId]);
    const since = old.messages.length;
    editor.send(presence({ playing: true }));
    const playing = await old.waitFor<Peers>((m) => m.type === 'peers' && m.peers[0]?.playing === true, { since });
    expect(playing.listeners).toBeUndefined();
    expect(old.messagesOfType('audience')).toEqual([]);
  });
});
