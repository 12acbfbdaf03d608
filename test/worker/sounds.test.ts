/**
 * A session's own sounds (issue 16), in workerd with a real R2 bucket: the upload
 * (counted as it arrives, sniffed, checked, content-addressed, rate-limited per session),
 * the download (immutable), and the room's add_sound, which it applies only once R2
 * holds the bytes. Every refusal answers a clear message and stores nothing. Published
 * beats and remixes carry the session's sounds.
 */
import { describe, expect, it } from 'vitest';
import { encodeWav, LIMITS, type Mutation, soundInstrument } from '../../core';
import { readSoundBody } from '../../worker/http/sounds';
import { api, createSession, env, ORIGIN, serverState, TestClient } from './helpers';

const WAV = { 'Content-Type': 'audio/wav' };

/** A tone as the browser encodes it: 16-bit PCM mono at `rate` Hz. */
function tone(seconds: number, { rate = 24_000, hz = 440 } = {}): Uint8Array {
  const n = Math.round(seconds * rate);
  return encodeWav(
    Array.from({ length: n }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate)),
    rate,
  );
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const upload = (id: string, body: BodyInit | null, headers: HeadersInit = WAV) =>
  api(`/api/sessions/${id}/sounds`, { method: 'POST', body, headers });

/** Every object in the sounds bucket. */
async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.SOUNDS.list({ prefix: 'sounds/', cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

/** Upload `bytes` to a new or given session; returns the session and the key. */
async function uploaded(bytes: Uint8Array, id?: string): Promise<{ id: string; key: string }> {
  const session = id ?? (await createSession());
  const res = await upload(session, bytes);
  if (res.status !== 201 && res.status !== 200) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
  return { id: session, key: ((await res.json()) as { key: string }).key };
}

/** A body of `total` bytes pulled lazily in chunks, counting what was pulled. */
function countedStream(total: number, first: Uint8Array = new Uint8Array(0), chunkBytes = 64 * 1024) {
  const state = { pulled: 0, finished: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= total) {
        state.finished = true;
        controller.close();
        return;
      }
      const chunk = new Uint8Array(Math.min(chunkBytes, total - state.pulled)).fill(0x41);
      if (state.pulled === 0) chunk.set(first.subarray(0, chunk.length));
      state.pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, state };
}

describe('POST /api/sessions/<id>/sounds', () => {
  it('stores a WAV under its SHA-256 (201), answers 200 for the same bytes again, and GET serves them immutable', async () => {
    const id = await createSession();
    const bytes = tone(5);
    const key = await sha256(bytes);
    const first = await upload(id, bytes);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ key, bytes: bytes.length, durationMs: 5000 });
    expect(first.headers.get('Location')).toBe(`/api/sounds/${key}`);
    const again = await upload(id, bytes);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ key, bytes: bytes.length, durationMs: 5000 });

    const object = await env.SOUNDS.head(`sounds/${key}`);
    expect(object?.httpMetadata?.contentType).toBe('audio/wav');
    expect(object?.size).toBe(bytes.length);

    const get = await api(`/api/sounds/${key}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('Content-Type')).toBe('audio/wav');
    expect(get.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(get.headers.get('ETag')).toBe(`"${key}"`);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(bytes);

    const head = await api(`/api/sounds/${key}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(bytes.length));
    const cached = await api(`/api/sounds/${key}`, { headers: { 'If-None-Match': `"${key}"` } });
    expect(cached.status).toBe(304);
  });

  it('takes the bytes whatever the Content-Type says (they are sniffed), from this site or no browser', async () => {
    const id = await createSession();
    const variants: Record<string, string>[] = [{}, { 'Content-Type': 'application/octet-stream' }, { ...WAV, Origin: ORIGIN }];
    for (const headers of variants) {
      const res = await upload(id, tone(0.1, { hz: 200 + Object.keys(headers).length }), headers);
      expect([200, 201], JSON.stringify(headers)).toContain(res.status);
    }
  });

  it.each([
    ['text renamed .wav', () => new TextEncoder().encode('I am a text file, honest. '.repeat(20)), 415, /not a PCM WAV file/],
    ['a 60 s WAV', () => tone(60, { rate: 8000 }), 422, /longer than 10 s/],
    ['a truncated WAV', () => tone(1).subarray(0, 20_000), 422, /truncated/],
    ['a WAV with its samples cut', () => tone(1).subarray(0, 44), 422, /truncated/],
    [
      'a stereo WAV',
      () => {
        const w = tone(0.5);
        new DataView(w.buffer).setUint16(22, 2, true);
        return w;
      },
      415,
      /must be mono/,
    ],
    [
      'a float WAV',
      () => {
        const w = tone(0.5);
        new DataView(w.buffer).setUint16(20, 3, true);
        return w;
      },
      415,
      /floating-point/,
    ],
    ['a garbage header', () => new Uint8Array(4096).map((_, i) => (i * 7919) % 256), 415, /not a PCM WAV file/],
    [
      'a RIFF/WAVE header and garbage after it',
      () => {
        const w = tone(0.5);
        w.fill(0xff, 12, 44);
        return w;
      },
      422,
      /truncated|fmt/,
    ],
    ['an empty body', () => new Uint8Array(0), 422, /truncated/],
  ])('refuses %s with a clear message, storing nothing', async (_what, body, status, message) => {
    const id = await createSession();
    const before = await storedKeys();
    const res = await upload(id, body());
    expect(res.status).toBe(status);
    const refusal = (await res.json()) as { error: string; message: string };
    expect(refusal.error).toBe(status === 415 ? 'unsupported_media_type' : 'invalid_audio');
    expect(refusal.message).toMatch(message);
    expect(await storedKeys()).toEqual(before);
  });

  it('refuses a 50 MB body with 413, from its Content-Length or, without one, once 2 MiB have arrived', async () => {
    const id = await createSession();
    const before = await storedKeys();
    const declared = await upload(id, new Uint8Array(50 * 1024 * 1024));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { message: string }).message).toMatch(/at most 2097152 bytes/);
    // A WAV header, then 50 MB streamed with no Content-Length: counted as it arrives.
    const header = tone(0.01).subarray(0, 44).slice();
    new DataView(header.buffer).setUint32(4, 1000, true); // it claims to be small
    const { stream, state } = countedStream(50 * 1024 * 1024, header);
    const streamed = await upload(id, stream);
    expect(streamed.status).toBe(413);
    await streamed.arrayBuffer();
    // Every byte was read (and dropped: see drainBody), none of it stored.
    expect(state.finished).toBe(true);
    expect(await storedKeys()).toEqual(before);
  });

  it('stops keeping a body once it passes the limit (never more than 2 MiB held)', async () => {
    const { stream, state } = countedStream(50 * 1024 * 1024, tone(0.01).subarray(0, 12));
    const result = await readSoundBody(stream, LIMITS.maxSoundBytes);
    expect(result).toEqual({ ok: false, kind: 'tooLarge' });
    expect(state.pulled).toBeLessThanOrEqual(LIMITS.maxSoundBytes + 2 * 64 * 1024);
  });

  it('stops at the first bytes of what is not a WAV, and at a header that says it is over the limit', async () => {
    const text = countedStream(50 * 1024 * 1024, new TextEncoder().encode('<html>'));
    expect(await readSoundBody(text.stream, LIMITS.maxSoundBytes)).toMatchObject({ ok: false, kind: 'unsupported' });
    expect(text.state.pulled).toBeLessThanOrEqual(2 * 64 * 1024);
    const header = tone(0.01).subarray(0, 44).slice();
    new DataView(header.buffer).setUint32(4, 50 * 1024 * 1024, true);
    const big = countedStream(50 * 1024 * 1024, header);
    expect(await readSoundBody(big.stream, LIMITS.maxSoundBytes)).toEqual({ ok: false, kind: 'tooLarge' });
    expect(big.state.pulled).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it('accepts a sound of exactly 10 s at 48 kHz (the limits are not off by one)', async () => {
    const res = await upload(await createSession(), tone(10, { rate: 48_000 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ durationMs: 10_000, bytes: 44 + 10 * 48_000 * 2 });
  });

  it('is 404 for an unknown or malformed session, 405 under a published beat, 403 from another site', async () => {
    const before = await storedKeys();
    const bytes = tone(0.2, { hz: 330 });
    const unknown = await upload(crypto.randomUUID(), bytes);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'not_found', message: 'no such session' });
    expect((await upload('not-a-session', bytes)).status).toBe(404);
    const id = await createSession();
    const beatId = ((await (await api(`/api/sessions/${id}/publish`, { method: 'POST' })).json()) as { beatId: string }).beatId;
    const beat = await api(`/api/beats/${beatId}/sounds`, { method: 'POST', body: bytes, headers: WAV });
    expect(beat.status).toBe(405);
    expect(((await beat.json()) as { error: string }).error).toBe('read_only');
    // A beat id is not a session id.
    expect((await upload(beatId, bytes)).status).toBe(404);
    const foreign = await upload(id, bytes, { ...WAV, Origin: 'https://elsewhere.example' });
    expect(foreign.status).toBe(403);
    expect(await storedKeys()).toEqual(before);
  });

  it('limits uploads per session: a burst, then 429 with Retry-After; other sessions are not affected', async () => {
    const id = await createSession();
    const junk = new TextEncoder().encode('not a wav');
    for (let i = 0; i < LIMITS.soundUploadBurst; i++) expect((await upload(id, junk)).status, `upload ${i + 1}`).toBe(415);
    const before = await storedKeys();
    const limited = await upload(id, tone(0.3, { hz: 550 }));
    expect(limited.status).toBe(429);
    const retry = Number(limited.headers.get('Retry-After'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60 / LIMITS.soundUploadsPerMinute);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/too many uploads/) });
    expect(await storedKeys()).toEqual(before);
    expect((await upload(await createSession(), tone(0.3, { hz: 550 }))).status).toBe(201);
  });
});

describe('GET /api/sounds/<key>', () => {
  it('is a JSON 404 for a malformed or unknown key', async () => {
    for (const key of ['nope', 'A'.repeat(64), `${'a'.repeat(64)}.wav`, 'a'.repeat(63), 'f'.repeat(64)]) {
      const res = await api(`/api/sounds/${key}`);
      expect(res.status, key).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found', message: 'no such sound' });
    }
  });

  it('refuses writes with 405', async () => {
    const res = await api(`/api/sounds/${'a'.repeat(64)}`, { method: 'PUT', body: tone(0.1), headers: WAV });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
  });
});

describe('add_sound in the room', () => {
  it('is refused (unknown_sound) for a key R2 does not hold, and changes nothing', async () => {
    const id = await createSession();
    const client = await TestClient.join(id);
    const before = await serverState(id);
    const seq = client.mutate({ type: 'add_sound', key: 'e'.repeat(64), name: 'Ghost', seconds: 1 });
    expect(await client.outcomeOf(seq)).toMatchObject({ type: 'error', code: 'unknown_sound', clientSeq: seq });
    expect(await serverState(id)).toEqual(before);
    // A resend of it is refused again, and the writer goes on.
    client.sendMutate({ type: 'add_sound', key: 'e'.repeat(64), name: 'Ghost', seconds: 1 }, seq);
    await client.roundTrip();
    expect(client.messagesOfType('error').filter((e) => e.clientSeq === seq)).toHaveLength(2);
    const next = client.mutate({ type: 'set_tempo', tempo: 99 });
    expect(await client.outcomeOf(next)).toMatchObject({ type: 'change' });
  });

  it('applies once the bytes are stored; the other editor hears of it; a track then plays it', async () => {
    const bytes = tone(1.5, { hz: 660 });
    const { id, key } = await uploaded(bytes);
    const sam = await TestClient.join(id);
    const other = await TestClient.join(id);
    const play: Mutation = { type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(key) };
    // Not in the kit yet: playing it is refused (by the room too, not only by a page's own check).
    const eager = await TestClient.join(id);
    eager.sendMutate(play, 1);
    expect(await eager.outcomeOf(1)).toMatchObject({ type: 'error', code: 'unknown_sound' });

    const add = sam.mutate({ type: 'add_sound', key, name: 'Clap', seconds: 1.5 });
    expect(await sam.outcomeOf(add)).toMatchObject({ type: 'change', mutation: { type: 'add_sound', key } });
    await other.waitFor((m) => m.type === 'change' && m.mutation.type === 'add_sound');
    const use = sam.mutate(play);
    expect(await sam.outcomeOf(use)).toMatchObject({ type: 'change' });
    await sam.settled();
    await other.roundTrip();
    const { session } = await serverState(id);
    expect(session.sounds).toEqual({ [key]: { name: 'Clap', seconds: 1.5 } });
    expect(session.tracks.find((t) => t.id === 'kick')?.instrument).toBe(`sound:${key}`);
    expect(other.replica?.confirmed).toEqual(session);
    expect(sam.replica?.confirmed).toEqual(session);

    // Renaming, and adding it again (no-op, the name stays).
    const rename = sam.mutate({ type: 'rename_sound', key, name: 'Big clap' });
    expect(await sam.outcomeOf(rename)).toMatchObject({ type: 'change' });
    const readd = other.mutate({ type: 'add_sound', key, name: 'Other name', seconds: 1.5 });
    expect(await other.outcomeOf(readd)).toMatchObject({ type: 'change' });
    expect((await serverState(id)).session.sounds[key]).toEqual({ name: 'Big clap', seconds: 1.5 });

    // The KV projection (GET /api/sessions/<id>) carries the kit.
    const doc = (await (await api(`/api/sessions/${id}`)).json()) as { sounds: unknown };
    expect(doc.sounds).toEqual({ [key]: { name: 'Big clap', seconds: 1.5 } });
  });

  it('keeps the order of frames sent right behind an add_sound (a writer plays the sound it has just added)', async () => {
    const { id, key } = await uploaded(tone(0.7, { hz: 770 }));
    const client = await TestClient.join(id);
    const seqs = [
      client.mutate({ type: 'add_sound', key, name: 'Snap', seconds: 0.7 }),
      client.mutate({ type: 'set_instrument', trackId: 'kick', instrument: soundInstrument(key) }),
      client.mutate({ type: 'set_instrument', trackId: 'hat', instrument: soundInstrument(key) }),
      client.mutate({ type: 'set_tempo', tempo: 101 }),
    ];
    for (const seq of seqs) expect(await client.outcomeOf(seq), `clientSeq ${seq}`).toMatchObject({ type: 'change', clientSeq: seq });
    const changes = client.messagesOfType('change').map((c) => c.mutation.type);
    expect(changes).toEqual(['add_sound', 'set_instrument', 'set_instrument', 'set_tempo']);
  });
});

describe('published beats and remixes carry the sounds', () => {
  it('a beat holds the kit and its tracks play it; a remix of the beat and of the session keeps it', async () => {
    const { id, key } = await uploaded(tone(0.9, { hz: 880 }));
    const client = await TestClient.join(id);
    client.mutate({ type: 'add_sound', key, name: 'Clap', seconds: 0.9 });
    client.mutate({ type: 'set_instrument', trackId: 'snare', instrument: soundInstrument(key) });
    await client.settled();
    const kit = { [key]: { name: 'Clap', seconds: 0.9 } };

    const published = await api(`/api/sessions/${id}/publish`, { method: 'POST' });
    expect(published.status).toBe(201);
    const { beatId } = (await published.json()) as { beatId: string };
    const beat = (await (await api(`/api/beats/${beatId}`)).json()) as { sounds: unknown; tracks: { id: string; instrument: string }[] };
    expect(beat.sounds).toEqual(kit);
    expect(beat.tracks.find((t) => t.id === 'snare')?.instrument).toBe(`sound:${key}`);
    // The bytes it names are there, for as long as the beat is.
    expect((await api(`/api/sounds/${key}`)).status).toBe(200);

    for (const from of [`/api/beats/${beatId}/remix`, `/api/sessions/${id}/remix`]) {
      const res = await api(from, { method: 'POST' });
      expect(res.status, from).toBe(201);
      const remix = (await serverState(((await res.json()) as { id: string }).id)).session;
      expect(remix.sounds, from).toEqual(kit);
      expect(remix.tracks.find((t) => t.id === 'snare')?.instrument, from).toBe(`sound:${key}`);
    }
  });
});
