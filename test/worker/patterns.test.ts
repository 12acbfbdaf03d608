/**
 * Patterns, the song and the transport in the room (model 3): an edit into a pattern
 * not in use and a delete of a pattern still needed are refused with their codes and
 * change nothing; a launch lands where everyone can hear of it first (a bar line at
 * least LAUNCH_LEAD_MS after the room applied it); Play at once takes only an anchor
 * near the room's clock; presence says which pattern each editor views; a beat and a
 * remix are stored set to play from the top, pictured by the pattern heard first.
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  BAR_STEPS,
  type BeatDocument,
  emptyPattern,
  emptyRow,
  type GalleryMetadata,
  LAUNCH_LEAD_MS,
  LIMITS,
  makeTrack,
  type Mutation,
  type Pattern,
  type ServerMessage,
  sampleOf,
  STEP_FIELDS,
  type Session,
  stepDurationMs,
  stepsSinceAnchor,
} from '../../core';
import { renderPreviewPng } from '../../worker/http/previewImage';
import { api, convergence, createSession, PEER, room, rowIn, serverState, setStep, TestClient } from './helpers';

type ErrorFrame = Extract<ServerMessage, { type: 'error' }>;
type ChangeFrame = Extract<ServerMessage, { type: 'change' }>;

/** Pattern B of the starter: a four-on-the-floor kick and a hat on the offbeats, named "Drop". */
function patternB(): Pattern {
  return {
    ...emptyPattern(),
    name: 'Drop',
    rows: {
      kick: makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick', on: [0, 4, 8, 12] }).row,
      hat: makeTrack({ id: 'hat', name: 'Hat', instrument: 'studio-hat', length: 8, on: [2, 6] }).row,
    },
  };
}

/** Apply `mutations` through `client` and wait until each is confirmed (refusals throw). */
async function applyAll(client: TestClient, mutations: Mutation[]): Promise<ChangeFrame[]> {
  const seqs = mutations.map((m) => client.mutate(m));
  const changes: ChangeFrame[] = [];
  for (const seq of seqs) {
    const outcome = await client.outcomeOf(seq);
    if (outcome.type !== 'change') throw new Error(`refused: ${JSON.stringify(outcome)}`);
    changes.push(outcome);
  }
  return changes;
}

/**
 * Send a mutation the client's own replica would refuse (so it is not applied
 * optimistically) under the writer's next clientSeq, and return the room's answer.
 */
async function answerTo(client: TestClient, mutation: unknown): Promise<ServerMessage> {
  const since = client.messages.length;
  const clientSeq = client.replica!.nextSeq++;
  client.sendMutate(mutation, clientSeq);
  return client.outcomeOf(clientSeq, since);
}

async function expectConverged(id: string, clients: TestClient[]): Promise<{ session: Session; version: number }> {
  await Promise.all(clients.map((c) => c.settled()));
  const { server, replicas, views } = await convergence(id, clients);
  for (const replica of replicas) expect(replica).toStrictEqual(server);
  for (const view of views) expect(view).toStrictEqual(server.session);
  return server;
}

describe('edits into patterns', () => {
  it('a whole pattern fits in one frame: 16 tracks of 128 steps, every step field off its default, duplicated into B', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const have = (await serverState(id)).session.tracks.length;
    const added = Array.from({ length: LIMITS.maxTracks - have }, (_, i) =>
      makeTrack({ id: `full${i}`, name: `Full ${i}`, instrument: 'piano' }),
    );
    await applyAll(
      a,
      added.map(({ track }) => ({ type: 'add_track', track, rows: {}, beforeTrackId: null }) as Mutation),
    );
    const { session } = await serverState(id);
    const full = emptyRow(LIMITS.maxSteps);
    for (const f of Object.values(STEP_FIELDS))
      (full as Record<string, unknown>)[f.array] = Array.from({ length: LIMITS.maxSteps }, (_, i) => sampleOf(f.domain, i * 7 + 3));
    const value: Pattern = { ...emptyPattern(), name: 'Full', rows: Object.fromEntries(session.tracks.map((t) => [t.id, full])) };
    const frame = JSON.stringify({
      type: 'mutate',
      clientId: a.clientId,
      clientSeq: 1,
      mutation: { type: 'add_pattern', pattern: 'B', value },
    });
    // Model 4's chords already brought such a frame past the first limit (32 KiB): it is far above it now.
    expect(frame.length).toBeGreaterThan(32 * 1024);
    expect(frame.length).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
    await applyAll(a, [{ type: 'add_pattern', pattern: 'B', value }]);
    const after = (await serverState(id)).session;
    expect(Object.keys(after.patterns.B!.rows)).toHaveLength(LIMITS.maxTracks);
    expect(after.patterns.B!.rows[session.tracks[0]!.id]).toEqual(full);
  });

  it('an edit into a pattern not in use is refused with unknown_pattern and changes nothing, also when it was deleted meanwhile', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const before = await serverState(id);
    // Never added.
    const never = await answerTo(b, setStep('kick', 1, true, 'C'));
    expect(never).toMatchObject({ type: 'error', code: 'unknown_pattern', clientSeq: 1 });
    expect((never as ErrorFrame).message).toContain('C');
    expect(await serverState(id)).toEqual(before);

    // Added, then deleted by one editor while the other edits it.
    await applyAll(a, [{ type: 'add_pattern', pattern: 'B', value: patternB() }]);
    await b.waitFor((m) => m.type === 'change' && m.version === before.version + 1);
    const withB = await serverState(id);
    a.mutate({ type: 'delete_pattern', pattern: 'B' });
    await a.settled();
    const late = await answerTo(b, { type: 'set_length', trackId: 'kick', pattern: 'B', length: 7 });
    expect(late).toMatchObject({ type: 'error', code: 'unknown_pattern', clientSeq: 2 });
    const after = await serverState(id);
    expect(after.version).toBe(withB.version + 1);
    expect(after.session.patterns.B).toBeUndefined();
    expect(after.session).toEqual({ ...withB.session, patterns: before.session.patterns });
    await expectConverged(id, [a, b]);
  });

  it('delete_pattern refusals reach the client as error frames with the code, naming the mutation, and change nothing', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const watcher = await TestClient.join(id);
    // Pattern A is 128 steps long at 30 BPM, played from now: a launch at its end stays
    // queued for 64 s, the whole of this test.
    await applyAll(a, [
      { type: 'set_tempo', tempo: 30 },
      { type: 'set_length', trackId: 'kick', pattern: 'A', length: 128 },
      { type: 'start_transport', anchorMs: Date.now() },
      { type: 'add_pattern', pattern: 'B', value: patternB() },
      { type: 'add_pattern', pattern: 'C', value: emptyPattern() },
      { type: 'add_pattern', pattern: 'D', value: emptyPattern() },
      { type: 'add_song_entry', entry: { id: 'e1', pattern: 'C', repeats: 2 }, beforeEntryId: null },
      { type: 'launch_pattern', pattern: 'D', when: 'end' },
    ]);
    const before = await serverState(id);
    expect(before.session.transport).toEqual({ song: false, pattern: 'A', from: 0, next: { pattern: 'D', at: 128 } });
    const watched = watcher.messages.length;
    const cases = [
      ['A', 'it is playing'],
      ['C', 'the song plays it'],
      ['D', 'it is queued to play'],
    ] as const;
    for (const [pattern, why] of cases) {
      const seq = a.replica!.nextSeq;
      const outcome = await answerTo(a, { type: 'delete_pattern', pattern });
      expect(outcome).toMatchObject({ type: 'error', code: 'pattern_in_use', clientSeq: seq });
      expect((outcome as ErrorFrame).message).toContain(why);
    }
    expect(await serverState(id)).toEqual(before);
    await watcher.roundTrip();
    expect(watcher.messagesOfType('change', watched)).toEqual([]);
    // A pattern nothing needs goes.
    await applyAll(a, [{ type: 'delete_pattern', pattern: 'B' }]);
    expect(Object.keys((await serverState(id)).session.patterns).sort()).toEqual(['A', 'C', 'D']);
  });
});

describe('the transport', () => {
  it('launch_pattern lands transport.next on a bar line at least LAUNCH_LEAD_MS after the room applied it; "now" on the next step', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    await applyAll(a, [{ type: 'add_pattern', pattern: 'B', value: patternB() }]);
    for (const [when, quantum] of [
      ['bar', BAR_STEPS],
      ['now', 1],
    ] as const) {
      const since = b.messages.length;
      const seq = a.mutate({ type: 'launch_pattern', pattern: 'B', when });
      await a.outcomeOf(seq);
      // The room's time of the change, as everyone heard it.
      const heard = await b.waitFor<ChangeFrame>((m) => m.type === 'change' && m.mutation.type === 'launch_pattern', { since });
      const { session } = await expectConverged(id, [a, b]);
      const next = session.transport.next!;
      expect(next.pattern).toBe('B');
      expect(Number.isInteger(next.at)).toBe(true);
      expect(next.at % quantum).toBe(0);
      const { anchorMs } = session.timeline;
      const stepMs = stepDurationMs(session.tempo);
      const earliest = stepsSinceAnchor(anchorMs, session.tempo, heard.at + LAUNCH_LEAD_MS);
      // At or after the lead…
      expect(anchorMs + next.at * stepMs).toBeGreaterThanOrEqual(heard.at + LAUNCH_LEAD_MS - 1e-6);
      // …and the first such line.
      expect(next.at - quantum).toBeLessThan(earliest);
    }
  });

  it('start_transport with an anchor an hour away is refused bad_anchor and changes nothing; one at the room’s clock plays from step 0', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const before = await serverState(id);
    for (const offset of [3_600_000, -3_600_000]) {
      const outcome = await answerTo(a, { type: 'start_transport', anchorMs: Date.now() + offset });
      expect(outcome).toMatchObject({ type: 'error', code: 'bad_anchor' });
    }
    expect(await serverState(id)).toEqual(before);

    await applyAll(a, [{ type: 'add_pattern', pattern: 'B', value: patternB() }]);
    a.mutate({ type: 'launch_pattern', pattern: 'B', when: 'end' });
    const anchorMs = Date.now() + 200;
    a.mutate({ type: 'start_transport', anchorMs });
    const { session } = await expectConverged(id, [a]);
    expect(session.timeline.anchorMs).toBe(anchorMs);
    // The queued launch happened at once: Play starts what was asked for last.
    expect(session.transport).toEqual({ song: false, pattern: 'B', from: 0, next: null });
  });
});

describe('presence', () => {
  it('carries the pattern each editor views to the other peers (A when a client does not say)', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const b = await TestClient.join(id);
    const peerOf = (m: ServerMessage, peerId: string) => (m.type === 'peers' ? m.peers.find((p) => p.peerId === peerId) : undefined);
    // Before any presence: A.
    const joined = await b.waitFor((m) => peerOf(m, a.peerId!) !== undefined);
    expect(peerOf(joined, a.peerId!)).toMatchObject({ pattern: 'A' });

    let since = b.messages.length;
    a.send({ type: 'presence', cursor: { trackId: 'kick', step: 2 }, playing: false, peer: PEER, pattern: 'C' });
    const onC = await b.waitFor((m) => peerOf(m, a.peerId!)?.pattern === 'C', { since });
    expect(peerOf(onC, a.peerId!)).toMatchObject({ pattern: 'C', cursor: { trackId: 'kick', step: 2 } });

    // Kept across a hibernation (it lives in the socket's attachment) and sent to newcomers.
    await evictDurableObject(room(id), { webSockets: 'hibernate' });
    const c = await TestClient.join(id);
    const toNewcomer = await c.waitFor((m) => peerOf(m, a.peerId!) !== undefined);
    expect(peerOf(toNewcomer, a.peerId!)).toMatchObject({ pattern: 'C' });

    since = b.messages.length;
    a.send({ type: 'presence', cursor: null, playing: true, peer: PEER });
    const unsaid = await b.waitFor((m) => peerOf(m, a.peerId!)?.playing === true, { since });
    expect(peerOf(unsaid, a.peerId!)).toMatchObject({ pattern: 'A' });

    // A pattern outside A–P is refused, and the presence stays as it was.
    since = a.messages.length;
    a.send({ type: 'presence', cursor: null, playing: true, peer: PEER, pattern: 'Q' });
    expect(await a.waitFor((m) => m.type === 'error', { since })).toMatchObject({ code: 'bad_message' });
  });
});

describe('publishing and remixing play from the top', () => {
  /** A starter session with pattern B and a two-entry song that opens with B. */
  async function sessionWithSong() {
    const id = await createSession();
    const a = await TestClient.join(id);
    await applyAll(a, [
      { type: 'add_pattern', pattern: 'B', value: patternB() },
      { type: 'add_song_entry', entry: { id: 'e1', pattern: 'B', repeats: 2 }, beforeEntryId: null },
      { type: 'add_song_entry', entry: { id: 'e2', pattern: 'A', repeats: 1 }, beforeEntryId: null },
      { type: 'set_song_loop', loop: false },
      { type: 'set_song_start', entryId: 'e2' },
      // What plays at the moment of publishing: pattern A, with a launch queued.
      { type: 'launch_pattern', pattern: 'B', when: 'end' },
    ]);
    return { id, a, session: (await serverState(id)).session };
  }

  it('a beat published from a session with a two-entry song is set to play the song from its first entry, its song intact', async () => {
    const { id, session } = await sessionWithSong();
    expect(session.transport).toMatchObject({ song: false, pattern: 'A', next: { pattern: 'B' } });
    const published = await api(`/api/sessions/${id}/publish`, { method: 'POST' });
    expect(published.status).toBe(201);
    const { beatId } = (await published.json()) as { beatId: string };
    const beat = (await (await api(`/api/beats/${beatId}`)).json()) as BeatDocument;
    // The song plays; the pattern to leave it for is the one last asked for (the queued B).
    expect(beat.transport).toEqual({ song: true, pattern: 'B', from: 0, next: null });
    expect(beat.song).toEqual({ ...session.song, start: null });
    expect(beat.song.entries).toEqual([
      { id: 'e1', pattern: 'B', repeats: 2 },
      { id: 'e2', pattern: 'A', repeats: 1 },
    ]);
    expect(beat.patterns).toEqual(session.patterns);
    expect(beat.tracks).toEqual(session.tracks);

    // Its gallery card and its preview picture show the pattern heard first: B.
    const gallery = (await (await api('/api/beats?limit=50')).json()) as { beats: GalleryMetadata[] };
    const card = gallery.beats.find((b) => b.beatId === beatId)!;
    const firstBar = (trackId: string, p: 'A' | 'B') => {
      const row = rowIn(session, trackId, p);
      return Array.from({ length: 16 }, (_, i) => (row.steps[i % row.length] ? '1' : '0')).join('');
    };
    expect(card.grid).toEqual(session.tracks.map((t) => firstBar(t.id, 'B')));
    expect(card.grid).not.toEqual(session.tracks.map((t) => firstBar(t.id, 'A')));
    const preview = await api(`/b/${beatId}/preview.png`);
    expect(preview.status).toBe(200);
    const png = new Uint8Array(await preview.arrayBuffer());
    const drawn = (p: 'A' | 'B') =>
      renderPreviewPng({
        ...session,
        song: { entries: [], loop: true, start: null },
        transport: { song: false, pattern: p, from: 0, next: null },
      });
    expect(png).toEqual(await drawn('B'));
    expect(png).not.toEqual(await drawn('A'));
  });

  it('a remix of that session, and of its beat, starts from the top too', async () => {
    const { id, session } = await sessionWithSong();
    const remix = await api(`/api/sessions/${id}/remix`, { method: 'POST' });
    expect(remix.status).toBe(201);
    const remixed = (await serverState(((await remix.json()) as { id: string }).id)).session;
    expect(remixed.transport).toEqual({ song: true, pattern: 'B', from: 0, next: null });
    expect(remixed.song).toEqual({ ...session.song, start: null });
    expect(remixed.patterns).toEqual(session.patterns);

    // A session with no song: the pattern that plays (its queued launch has happened).
    const plain = await createSession();
    const a = await TestClient.join(plain);
    await applyAll(a, [
      { type: 'add_pattern', pattern: 'B', value: patternB() },
      { type: 'launch_pattern', pattern: 'B', when: 'end' },
    ]);
    const beat = (await (await api(`/api/sessions/${plain}/publish`, { method: 'POST' })).json()) as { beatId: string };
    const fromBeat = await api(`/api/beats/${beat.beatId}/remix`, { method: 'POST' });
    const again = (await serverState(((await fromBeat.json()) as { id: string }).id)).session;
    expect(again.transport).toEqual({ song: false, pattern: 'B', from: 0, next: null });
  });
});
