/** /api/sessions: create, read (from KV), connect, publish, remix, the listen link. */
import * as v from 'valibot';
import {
  emptySession,
  fromTheTop,
  LIMITS,
  newSeed,
  readSessionDocument,
  type Session,
  SessionNameSchema,
  sessionFromTemplate,
  TEMPLATE_IDS,
} from '../../core';
import type { Env } from '../env';
import { isSessionId } from '../ids';
import { sessionKey } from '../room/kvProjection';
import { UnreadableDocument } from './beats';
import { handleListenLink, LISTEN_HEADER, RELAY_HEADER } from './listen';
import { readJsonBody } from './body';
import { refuseForeignOrigin } from './origin';
import { error, json } from './responses';
import { isUpgrade } from './upgrades';

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
  const body = await readJsonBody(request);
  if (!body.ok) return body.refusal;
  const input = body.value ?? {};
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
  const made = template === 'empty' ? emptySession(now) : sessionFromTemplate(template, now)!;
  // Its own seed: two sessions from one template make different random choices (a
  // remix keeps its source's seed, so it plays the same variations).
  const session = { ...made, seed: newSeed() };
  return createSession(env, name === undefined ? session : { ...session, name });
}

/** The routes under /api/sessions/<id>; the method was checked against worker/http/methods.ts. */
export async function handleSessionRoute(request: Request, env: Env, id: string, rest: string): Promise<Response> {
  if (!isSessionId(id)) return error(404, 'not_found', 'no such session');
  if (rest === '') {
    // The KV projection: may trail the live session by up to the alarm backstop.
    // Editors never read it; they get the state from the room over the WebSocket. A
    // session nobody has left yet has none: the room answers (an unknown id stays a 404
    // and creates no storage).
    const raw = await env.KV.get(sessionKey(id), 'json');
    if (raw === null) {
      const fresh = await roomFor(env, id).projection();
      return fresh ? json(fresh) : error(404, 'not_found', 'no such session');
    }
    // Whatever version wrote it, it is served in this one.
    const doc = readSessionDocument(raw);
    if (!doc.ok) {
      console.error(`KV document of session ${id} unreadable (${doc.reason}): ${doc.message}`);
      throw new UnreadableDocument(`this session cannot be read by this version of Keyboardia (${doc.reason})`);
    }
    return json(doc.value);
  }
  if (rest === '/ws') {
    if (!isUpgrade(request)) return error(426, 'bad_request', 'expected a WebSocket upgrade', { Upgrade: 'websocket' });
    // A socket edits the session: a page of another site may not open one (cross-site WebSocket hijacking).
    const refusal = refuseForeignOrigin(request, env);
    if (refusal) return refusal;
    const headers = new Headers(request.headers);
    headers.set('X-Session-Id', id);
    // Only the Worker says a socket is a listener's (worker/http/listen.ts).
    headers.delete(LISTEN_HEADER);
    headers.delete(RELAY_HEADER);
    return roomFor(env, id).fetch(new Request(request, { headers }));
  }
  // publish and remix take no input: a body, if any, must be JSON (read, then ignored).
  const body = await readJsonBody(request);
  if (!body.ok) return body.refusal;
  if (rest === '/listen') return handleListenLink(env, id);
  if (rest === '/publish') {
    const beat = await roomFor(env, id).publish();
    if (!beat) return error(404, 'not_found', 'no such session');
    return json({ beatId: beat.beatId, url: `/b/${beat.beatId}`, embedUrl: `/embed/${beat.beatId}` }, 201);
  }
  const source = await roomFor(env, id).snapshot();
  if (!source) return error(404, 'not_found', 'no such session');
  return createSession(env, remixOf(source.session, { kind: 'session', id }));
}

/**
 * A remix: the same music set to play from its top (the song when it has entries), a
 * fresh timeline, and a note of where it came from.
 */
export function remixOf(source: Session, from: { kind: 'beat' | 'session'; id: string }): Session {
  const now = Date.now();
  const name = [...`${source.name} (remix)`].slice(0, LIMITS.maxSessionName).join('');
  return {
    ...fromTheTop(source),
    name,
    timeline: { anchorMs: now, together: false, playing: false },
    lineage: { remixedFrom: { kind: from.kind, id: from.id, name: source.name } },
  };
}
