/**
 * HTTP routes: create, read, upgrade. An unknown or malformed id is a 404 that
 * leaves no storage behind (invariant 5); bodies are measured, not trusted by
 * their Content-Length (failure mode 20).
 */
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../core';
import { api, createSession, kvDoc, room, roomStats, sqlRows, tableNames, upgrade } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const post = (body: BodyInit | null, headers: HeadersInit = {}) =>
  api('/api/sessions', { method: 'POST', body, headers });

describe('POST /api/sessions', () => {
  it('creates a session seeded in DO storage and projected to KV', async () => {
    const res = await post(JSON.stringify({ template: 'starter', name: 'My beat' }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; url: string };
    expect(body.id).toMatch(UUID);
    expect(body.url).toBe(`/s/${body.id}`);
    expect(res.headers.get('Location')).toBe(`/s/${body.id}`);

    expect(await tableNames(body.id)).toEqual(['log', 'state']);
    const stats = await roomStats(body.id);
    expect(stats).toMatchObject({ version: 0, kvWrites: 1, publishedVersion: 0 });

    const get = await api(`/api/sessions/${body.id}`);
    expect(get.status).toBe(200);
    const doc = (await get.json()) as { id: string; name: string; version: number; tracks: unknown[] };
    expect(doc).toMatchObject({ id: body.id, name: 'My beat', version: 0 });
    expect(doc.tracks).toHaveLength(4);
    expect(await kvDoc(body.id)).toEqual(doc);
  });

  it('accepts an empty body (starter) and the empty template', async () => {
    const starter = await post(null);
    expect(starter.status).toBe(201);
    const empty = await createSession({ template: 'empty' });
    expect((await kvDoc(empty))?.tracks).toEqual([]);
  });

  it.each([
    ['not JSON', '{"template":', /JSON/],
    ['an unknown template', '{"template":"polka"}', /template/],
    ['an unknown field', '{"template":"empty","owner":"me"}', /owner/],
    ['a name that is too long', JSON.stringify({ name: 'x'.repeat(LIMITS.maxSessionName + 1) }), /name/],
    ['a name with a control character', JSON.stringify({ name: 'bad\u0007name' }), /name/],
    ['an array', '[]', /object/],
  ])('refuses %s with 400 and a reason', async (_what, body, reason) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    const error = (await res.json()) as { error: string; message: string };
    expect(error.error).toBe('bad_request');
    expect(error.message).toMatch(reason);
  });

  it('refuses a body over the limit with 413 when Content-Length says so', async () => {
    const res = await post('x'.repeat(LIMITS.maxBodyBytes + 1));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe('payload_too_large');
  });

  it('counts the bytes of a streamed body that has no Content-Length', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    const chunks = Math.ceil(LIMITS.maxBodyBytes / chunk.byteLength) + 1;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < chunks) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const request = new Request('https://keyboardia.test/api/sessions', { method: 'POST', body: stream });
    expect(request.headers.get('Content-Length')).toBeNull();
    const res = await api('/api/sessions', request);
    expect(res.status).toBe(413);
  });

  it('accepts a body of exactly the limit (the limit is not off by one)', async () => {
    const json = '{"template":"empty"}';
    const res = await post(' '.repeat(LIMITS.maxBodyBytes - json.length) + json);
    expect(res.status).toBe(201);
  });

  it('answers 405 to other methods', async () => {
    expect((await api('/api/sessions')).status).toBe(405);
  });
});

describe('unknown and malformed ids', () => {
  it('GET and upgrade of an unknown (well-formed) id are 404 and create no storage', async () => {
    const id = crypto.randomUUID();
    expect((await api(`/api/sessions/${id}`)).status).toBe(404);
    const res = await upgrade(id);
    expect(res.status).toBe(404);
    expect(res.webSocket).toBeNull();
    expect(await tableNames(id)).toEqual([]);
    expect(await sqlRows(id, 'SELECT type, name FROM sqlite_master')).toEqual([]); // no index, no hidden table either
    expect(await room(id).snapshot()).toBeNull();
    expect(await kvDoc(id)).toBeNull();
  });

  it.each(['not-a-uuid', 'F47AC10B-58CC-4372-A567-0E02B2C3D479', 'f47ac10b-58cc-4372-a567-0e02b2c3d4790', '..%2F..%2Fetc'])(
    'answers 404 for the malformed id %s, on GET and on upgrade',
    async (id) => {
      expect((await api(`/api/sessions/${id}`)).status).toBe(404);
      expect((await upgrade(id)).status).toBe(404);
    },
  );

  it('answers 426 to a non-upgrade GET of the socket route', async () => {
    const id = await createSession();
    expect((await api(`/api/sessions/${id}/ws`)).status).toBe(426);
  });
});
