/** /api/sessions: create, read (from KV), connect, publish, remix. */
import * as v from 'valibot';
import { SessionNameSchema, sessionFromTemplate, TEMPLATE_IDS, LIMITS, emptySession, readSessionDocument, type Session } from '../../core';
import type { Env } from '../env';
import { isSessionId } from '../ids';
import { sessionKey } from '../room/kvProjection';
import { UnreadableDocument } from './beats';
import { error, json, readBody } from './responses';

const CreateBodySchema = v.strictObject({
  template: v.optional(v.picklist(['empty', ...TEMPLATE_IDS]), 'starter'),
  name: v.optional(SessionNameSchema),
});

export function roomFor(env: Env, id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

/** Create a new session seeded with `session` in its room's storage; answers 201. */
export async function createSession(env: Env, session: Session): Promise<Response> {
  const id = crypto.randomUUID();
  await roomFor(env, id).create(id, session);
  return json({ id, url: `/s/${id}` }, 201, { Location: `/s/${id}` });
}

export async function handleCreate(request: Request, env: Env): Promise<Response> {
  const body = await readBody(request, LIMITS.maxBodyBytes);
  if (!body.ok) return error(413, 'payload_too_large', `bodies are at most ${LIMITS.maxBodyBytes} bytes`);
  let input: unknown = {};
  if (body.text.trim() !== '') {
    try {
      input = JSON.parse(body.text);
    } catch {
      return error(400, 'bad_request', 'body is not valid JSON');
    }
  }
  // valibot's object schemas accept an array with no own keys: `[]` would create a session.
  if (Array.isArray(input)) return error(400, 'bad_request', 'body must be a JSON object');
  const parsed = v.safeParse(CreateBodySchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue ? v.getDotPath(issue) : null;
    return error(400, 'bad_request', `${path ? `${path}: ` : ''}${issue?.message ?? 'invalid body'}`);
  }
  const now = Date.now();
  const { template, name } = parsed.output;
  const session = template === 'empty' ? emptySession(now) : sessionFromTemplate(template, now)!;
  return createSession(env, name === undefined ? session : { ...session, name });
}

export async function handleSessionRoute(request: Request, env: Env, id: string, rest: string): Promise<Response> {
  if (!isSessionId(id)) return error(404, 'not_found', 'no such session');
  const method = request.method;
  if (rest === '' && (method === 'GET' || method === 'HEAD')) {
    // The KV projection: may trail the live session by up to the alarm backstop.
    // Editors never read it; they get the state from the room over the WebSocket.
    const raw = await env.KV.get(sessionKey(id), 'json');
    if (raw === null) return error(404, 'not_found', 'no such session');
    // Whatever version wrote it, it is served in this one.
    const doc = readSessionDocument(raw);
    if (!doc.ok) {
      console.error(`KV document of session ${id} unreadable (${doc.reason}): ${doc.message}`);
      throw new UnreadableDocument(`this session cannot be read by this version of Keyboardia (${doc.reason})`);
    }
    return json(doc.value);
  }
  if (rest === '/ws' && method === 'GET') {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return error(426, 'bad_request', 'expected a WebSocket upgrade');
    }
    const headers = new Headers(request.headers);
    headers.set('X-Session-Id', id);
    return roomFor(env, id).fetch(new Request(request, { headers }));
  }
  if (rest === '/publish' && method === 'POST') {
    const beat = await roomFor(env, id).publish();
    if (!beat) return error(404, 'not_found', 'no such session');
    return json({ beatId: beat.beatId, url: `/b/${beat.beatId}`, embedUrl: `/embed/${beat.beatId}` }, 201);
  }
  if (rest === '/remix' && method === 'POST') {
    const source = await roomFor(env, id).snapshot();
    if (!source) return error(404, 'not_found', 'no such session');
    return createSession(env, remixOf(source.session, { kind: 'session', id }));
  }
  if (['', '/ws', '/publish', '/remix'].includes(rest)) return error(405, 'method_not_allowed', `${method} is not allowed here`);
  return error(404, 'not_found', 'no such route');
}

/** A remix: the same music, a fresh timeline, and a note of where it came from. */
export function remixOf(source: Session, from: { kind: 'beat' | 'session'; id: string }): Session {
  const now = Date.now();
  const name = [...`${source.name} (remix)`].slice(0, LIMITS.maxSessionName).join('');
  return {
    ...source,
    name,
    timeline: { anchorMs: now, together: false, playing: false },
    lineage: { remixedFrom: { kind: from.kind, id: from.id, name: source.name } },
  };
}
