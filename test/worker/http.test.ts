/**
 * HTTP routes: create, read, upgrade. An unknown or malformed id is a 404 that
 * leaves no storage behind (invariant 5); bodies are measured, not trusted by
 * their Content-Length (failure mode 20). Every refusal (405, 415, 403) changes
 * nothing, and every body is read to its end, also the ones refused.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE, LIMITS } from '../../core';
import worker from '../../worker/index';
import { REFUSE_UPGRADE_BY_CLOSE } from '../../worker/http/devServer';
import { beatKey, galleryPrefix, sessionKey } from '../../worker/room/kvProjection';
import { api, createSession, env, kvDoc, ORIGIN, room, roomStats, sqlRows, tableNames, upgrade } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_TYPE = { 'Content-Type': 'application/json' };

/** POST /api/sessions; a body is sent as JSON unless `headers` say otherwise. */
const post = (body: BodyInit | null, headers: HeadersInit = {}) =>
  api('/api/sessions', { method: 'POST', body, headers: body === null ? headers : { ...JSON_TYPE, ...headers } });

describe('POST /api/sessions', () => {
  it('creates a session seeded in DO storage, served from the room until its first KV projection', async () => {
    const res = await post(JSON.stringify({ template: 'starter', name: 'My beat' }));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; url: string };
    expect(body.id).toMatch(UUID);
    expect(body.url).toBe(`/s/${body.id}`);
    expect(res.headers.get('Location')).toBe(`/s/${body.id}`);

    expect(await tableNames(body.id)).toEqual(['log', 'state']);
    const stats = await roomStats(body.id);
    // No KV write at creation (one KV write and one row per session saved): the room answers.
    expect(stats).toMatchObject({ version: 0, kvWrites: 0, publishedVersion: 0 });
    expect(await kvDoc(body.id)).toBeNull();

    const get = await api(`/api/sessions/${body.id}`);
    expect(get.status).toBe(200);
    const doc = (await get.json()) as { id: string; name: string; version: number; tracks: unknown[] };
    expect(doc).toMatchObject({ id: body.id, name: 'My beat', version: 0 });
    expect(doc.tracks).toHaveLength(4);
  });

  it('gives every new session its own seed, so two sessions of one template vary differently', async () => {
    const seeds = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const id = await createSession({ template: 'starter' });
      seeds.add(((await (await api(`/api/sessions/${id}`)).json()) as { seed: number }).seed);
    }
    // Three draws from 2^31 seeds: equal by chance once in ~10^9 runs.
    expect(seeds.size).toBe(3);
  });

  it('accepts an empty body (starter) and the empty template', async () => {
    const starter = await post(null);
    expect(starter.status).toBe(201);
    const empty = await createSession({ template: 'empty' });
    expect(((await (await api(`/api/sessions/${empty}`)).json()) as { tracks: unknown[] }).tracks).toEqual([]);
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

// ---- refusals that change nothing ------------------------------------------------------

/** How many sessions and beats exist, by their KV documents (written before any 201). */
async function counts(): Promise<{ sessions: number; beats: number; gallery: number }> {
  const count = async (prefix: string) => (await env.KV.list({ prefix })).keys.length;
  return { sessions: await count(sessionKey('')), beats: await count(beatKey('')), gallery: await count(galleryPrefix) };
}

/** A session and a beat published from it, to aim writes at. */
async function sessionAndBeat(): Promise<{ id: string; beatId: string }> {
  const id = await createSession();
  const res = await api(`/api/sessions/${id}/publish`, { method: 'POST' });
  expect(res.status).toBe(201);
  return { id, beatId: ((await res.json()) as { beatId: string }).beatId };
}

/** Every POST route, aimed at a live session and beat. */
const writeRoutes = ({ id, beatId }: { id: string; beatId: string }) => [
  '/api/sessions',
  `/api/sessions/${id}/publish`,
  `/api/sessions/${id}/remix`,
  `/api/beats/${beatId}/remix`,
];

describe('methods: 405 with Allow, from one table', () => {
  it('refuses every method a route does not serve, naming the ones it does', async () => {
    const { id, beatId } = await sessionAndBeat();
    const routes: [string, string][] = [
      ['/api/sessions', 'POST'],
      [`/api/sessions/${id}`, 'GET, HEAD'],
      [`/api/sessions/${id}/ws`, 'GET'],
      [`/api/sessions/${id}/publish`, 'POST'],
      [`/api/sessions/${id}/remix`, 'POST'],
      ['/api/beats', 'GET, HEAD'],
      [`/api/beats/${beatId}`, 'GET, HEAD'],
      [`/api/beats/${beatId}/remix`, 'POST'],
      [`/api/beats/${beatId}/anything/else`, 'GET, HEAD'],
      [`/b/${beatId}`, 'GET, HEAD'],
      [`/b/${beatId}/preview.png`, 'GET, HEAD'],
      [`/embed/${beatId}`, 'GET, HEAD'],
      ['/oembed', 'GET, HEAD'],
      [`/s/${id}`, 'GET, HEAD'],
      ['/', 'GET, HEAD'],
    ];
    const before = await counts();
    for (const [path, allow] of routes) {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND']) {
        if (allow.split(', ').includes(method)) continue;
        const hasBody = method !== 'GET' && method !== 'HEAD';
        const res = await api(path, { method, ...(hasBody ? { body: '{"name":"hacked"}', headers: JSON_TYPE } : {}) });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('Allow'), `${method} ${path}`).toBe(allow);
        if (method === 'HEAD') continue; // no body to read the reason from
        const refusal = (await res.json()) as { error: string };
        expect(refusal.error, `${method} ${path}`).toBe(/^\/(api\/beats|b|embed)\//.test(path) ? 'read_only' : 'method_not_allowed');
      }
    }
    expect(await counts()).toEqual(before);
  });

  it('answers 404 to every method on an unknown API route', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      expect((await api('/api/nothing-here', { method })).status, method).toBe(404);
    }
  });
});

describe('415: request bodies are JSON', () => {
  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a JSON-like type', 'application/merge-patch+json'],
  ])('refuses %s on every POST and creates nothing', async (_what, contentType) => {
    const targets = await sessionAndBeat();
    const before = await counts();
    for (const path of writeRoutes(targets)) {
      const res = await api(path, { method: 'POST', body: '{"template":"empty"}', headers: { 'Content-Type': contentType } });
      expect(res.status, path).toBe(415);
      expect(res.headers.get('Accept-Post')).toBe('application/json');
      const refusal = (await res.json()) as { error: string; message: string };
      expect(refusal.error).toBe('unsupported_media_type');
      expect(refusal.message).toMatch(/application\/json/);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a body sent without any Content-Type, and creates nothing', async () => {
    const targets = await sessionAndBeat();
    const before = await counts();
    for (const path of writeRoutes(targets)) {
      // A string body gets text/plain from fetch; a byte body gets no type at all.
      const res = await api(path, { method: 'POST', body: new TextEncoder().encode('{"template":"empty"}') });
      expect(res.status, path).toBe(415);
      expect(((await res.json()) as { error: string }).error).toBe('unsupported_media_type');
    }
    expect(await counts()).toEqual(before);
  });

  it('takes application/json with parameters and in any case', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
      expect((await post('{"template":"empty"}', { 'Content-Type': type })).status, type).toBe(201);
    }
  });

  it('lets publish and remix go without a body or a type (app/api.ts), and ignores a JSON body', async () => {
    const { id, beatId } = await sessionAndBeat();
    expect((await api(`/api/sessions/${id}/remix`, { method: 'POST' })).status).toBe(201);
    expect((await api(`/api/beats/${beatId}/remix`, { method: 'POST' })).status).toBe(201);
    const published = await api(`/api/sessions/${id}/publish`, { method: 'POST', body: '{}', headers: JSON_TYPE });
    expect(published.status).toBe(201);
    const bad = await api(`/api/sessions/${id}/publish`, { method: 'POST', body: '{', headers: JSON_TYPE });
    expect(bad.status).toBe(400);
  });
});

describe('403: writes and sockets from other sites', () => {
  const FOREIGN = 'https://elsewhere.example';

  it('refuses a foreign Origin on every POST, and creates nothing', async () => {
    const targets = await sessionAndBeat();
    const before = await counts();
    for (const origin of [FOREIGN, 'null', 'http://keyboardia.test', 'https://keyboardia.test:8443']) {
      for (const path of writeRoutes(targets)) {
        const res = await api(path, { method: 'POST', body: '{}', headers: { ...JSON_TYPE, Origin: origin } });
        expect(res.status, `${origin} ${path}`).toBe(403);
        const refusal = (await res.json()) as { error: string; message: string };
        expect(refusal.error).toBe('forbidden_origin');
        expect(refusal.message).toContain(origin);
        expect(refusal.message).toContain(ORIGIN);
      }
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a foreign Origin before looking at the body', async () => {
    const res = await post('text, not JSON', { Origin: FOREIGN, 'Content-Type': 'text/plain' });
    expect(res.status).toBe(403);
  });

  it('takes its own origin, and requests without one (curl, the bench, the crash harness)', async () => {
    expect((await post('{}', { Origin: ORIGIN })).status).toBe(201);
    expect((await post('{}')).status).toBe(201);
  });

  it('refuses a WebSocket from a foreign page: 403, no socket, nothing stored', async () => {
    const id = await createSession();
    const res = await api(`/api/sessions/${id}/ws`, { headers: { Upgrade: 'websocket', Origin: FOREIGN } });
    expect(res.status).toBe(403);
    expect(res.webSocket).toBeNull();
    expect(((await res.json()) as { error: string }).error).toBe('forbidden_origin');
    expect((await roomStats(id)).sockets).toBe(0);
    const own = await api(`/api/sessions/${id}/ws`, { headers: { Upgrade: 'websocket', Origin: ORIGIN } });
    expect(own.status).toBe(101);
    own.webSocket!.accept();
    own.webSocket!.close();
  });

  it('declines permessage-deflate on every socket: an editor, a listener, a listener behind a relay', async () => {
    // Each frame is small JSON sent to every socket: deflating it per socket cost the room
    // 40 % of its thread with 1,000 listeners (docs/PROTOCOL.md §2). Without the
    // `no_web_socket_compression` flag the runtime echoes the browser's offer here.
    const offer = { Upgrade: 'websocket', 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' };
    const id = await createSession();
    const link = await api(`/api/sessions/${id}/listen`, { method: 'POST' });
    const { listenId } = (await link.json()) as { listenId: string };
    const answers = [
      await api(`/api/sessions/${id}/ws`, { headers: offer }),
      await api(`/api/listen/${listenId}/ws`, { headers: offer }),
      await worker.fetch(new Request(`${ORIGIN}/api/listen/${listenId}/ws`, { headers: offer }), { ...env, LISTEN_RELAYS: '2' }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(101);
      expect(answer.headers.get('Sec-WebSocket-Extensions')).toBeNull();
      answer.webSocket!.accept();
      answer.webSocket!.close();
    }
  });

  it('takes the origins configured in ALLOWED_ORIGINS, and only those', async () => {
    const configured = { ...env, ALLOWED_ORIGINS: ' https://partner.example , https://Other.example:8443/ignored-path,not an origin' };
    const create = (origin: string) =>
      worker.fetch(
        new Request(`${ORIGIN}/api/sessions`, { method: 'POST', body: '{}', headers: { ...JSON_TYPE, Origin: origin } }),
        configured,
      );
    expect((await create('https://partner.example')).status).toBe(201);
    expect((await create('https://other.example:8443')).status).toBe(201);
    expect((await create('https://partner.example:444')).status).toBe(403);
    expect((await create(FOREIGN)).status).toBe(403);
    expect(env.ALLOWED_ORIGINS).toBe(''); // wrangler.jsonc: none by default
  });
});

describe('refused upgrades behind the dev server', () => {
  const marked = { Upgrade: 'websocket', [REFUSE_UPGRADE_BY_CLOSE.header]: REFUSE_UPGRADE_BY_CLOSE.value };
  const closeOf = async (res: Response) => {
    expect(res.status).toBe(101);
    const socket = res.webSocket!;
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
    );
    socket.accept();
    return closed;
  };

  it('closes with 4004 for an unknown or malformed session, and stores nothing', async () => {
    const id = crypto.randomUUID();
    expect(await closeOf(await api(`/api/sessions/${id}/ws`, { headers: marked }))).toEqual({
      code: CLOSE.notFound,
      reason: 'no such session',
    });
    expect(await closeOf(await api('/api/sessions/not-a-uuid/ws', { headers: marked }))).toEqual({
      code: CLOSE.notFound,
      reason: 'not_found',
    });
    expect(await tableNames(id)).toEqual([]);
    expect(await kvDoc(id)).toBeNull();
  });

  it('closes with 1008 for a foreign origin, and the room never sees the socket', async () => {
    const id = await createSession();
    const res = await api(`/api/sessions/${id}/ws`, { headers: { ...marked, Origin: 'https://elsewhere.example' } });
    expect(await closeOf(res)).toEqual({ code: 1008, reason: 'forbidden_origin' });
    expect((await roomStats(id)).sockets).toBe(0);
  });
});

describe('every body is read to its end, also when refused', () => {
  /**
   * A body that counts what the Worker pulled. An answer sent while a body is unread
   * (or after cancelling it) broke the connection in front of the Worker under
   * `vite dev` and `vite preview`: the next request on it got a 500.
   */
  function countedBody(chunks = 64, chunkBytes = 16 * 1024) {
    const state = { pulled: 0, finished: false, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (state.pulled === chunks) {
          state.finished = true;
          controller.close();
          return;
        }
        state.pulled += 1;
        controller.enqueue(new Uint8Array(chunkBytes).fill(0x20));
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return { stream, state };
  }

  it.each([
    ['405 (a write to a beat)', 'PUT', 'beat', {}, 405],
    ['405 (a write to a page)', 'POST', '/', {}, 405],
    ['415 (not JSON)', 'POST', '/api/sessions', { 'Content-Type': 'text/plain' }, 415],
    ['403 (foreign origin)', 'POST', '/api/sessions', { ...JSON_TYPE, Origin: 'https://elsewhere.example' }, 403],
    ['413 (over the limit, counted as it arrives)', 'POST', '/api/sessions', JSON_TYPE, 413],
    ['404 (malformed session id)', 'POST', '/api/sessions/not-a-uuid/publish', JSON_TYPE, 404],
  ] as const)('%s', async (_what, method, target, headers, status) => {
    const path = target === 'beat' ? `/api/beats/${(await sessionAndBeat()).beatId}` : target;
    const { stream, state } = countedBody();
    const res = await api(path, { method, body: stream, headers });
    expect(res.status).toBe(status);
    await res.arrayBuffer();
    expect(state).toEqual({ pulled: 64, finished: true, cancelled: false });
  });
});
