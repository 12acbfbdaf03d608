/**
 * Listen links (issue 17): every session has a second id that opens it live and
 * read-only. `/listen/<listenId>` is the page (the client app), `/api/listen/<listenId>/ws`
 * its socket. The listen id has the session id's format (a random UUID, core/ids.ts) but
 * is not derived from it: it is made the first time an editor asks for it (the Share
 * dialog, `POST /api/sessions/<id>/listen`) and kept in KV, which survives restarts and
 * deploys:
 *
 *   listen:<listenId>     → the session id (read by the Worker to route a listener)
 *   listen-of:<sessionId> → the listen id (read by the session's room to answer again)
 *
 * Both are written by the session's room (SessionRoom.listenId), one request at a time,
 * never per edit; nothing is added to the session document or the room's storage. The
 * Worker opens the room's socket for a listener with LISTEN_HEADER set, and the room
 * makes such a socket listen-only whatever its hello says (worker/room/RoomProtocol.ts):
 * every mutation and presence frame is refused, and nothing it receives names the
 * session's editing id. Nothing answered here names it either.
 */
import { isSessionId } from '../../core';
import type { Env } from '../env';
import { refuseForeignOrigin } from './origin';
import { error, json } from './responses';
import { roomFor } from './sessions';
import { isUpgrade } from './upgrades';
import { pickRelay, relayCount, relayFor } from '../relay/routing';

/** Set by the Worker only (a client's own is dropped): the room's socket is a listener's. */
export const LISTEN_HEADER = 'X-Keyboardia-Listen';
/**
 * Set by a relay only (a client's own is dropped by the Worker): the room's audience socket
 * is a relay's, named by this link id (worker/relay/RelayRoom.ts).
 */
export const RELAY_HEADER = 'X-Keyboardia-Relay';

export const listenKey = (listenId: string) => `listen:${listenId}`;
export const listenOfKey = (sessionId: string) => `listen-of:${sessionId}`;

/** The listen link of a listen id, as the API answers it. */
export const listenLink = (listenId: string) => ({ listenId, url: `/listen/${listenId}` });

/**
 * The session's listen id, made (and both KV entries written) when it has none. Called by
 * the session's room, which serialises the calls.
 */
export async function ensureListenId(kv: KVNamespace, sessionId: string): Promise<string> {
  const known = await kv.get(listenOfKey(sessionId));
  if (known !== null && isSessionId(known)) return known;
  const listenId = crypto.randomUUID();
  // The route first: a listen id is never handed out before it leads somewhere.
  await kv.put(listenKey(listenId), sessionId);
  await kv.put(listenOfKey(sessionId), listenId);
  return listenId;
}

/** `POST /api/sessions/<id>/listen`: the session's listen link (made on first request). */
export async function handleListenLink(env: Env, sessionId: string): Promise<Response> {
  const listenId = await roomFor(env, sessionId).listenId();
  if (!listenId) return error(404, 'not_found', 'no such session');
  return json(listenLink(listenId));
}

/**
 * Listen ids this isolate has routed: a listen id never leads anywhere else once made, so
 * a thousand listeners joining read KV once, not a thousand times. Bounded; unknown ids
 * are not kept (a link made a moment ago must not stay a 404).
 */
const routed = new Map<string, string>();
const ROUTED_MAX = 10_000;

/** The session a listen id leads to, or null (unknown or malformed: the caller answers 404). */
async function sessionOf(env: Env, listenId: string): Promise<string | null> {
  if (!isSessionId(listenId)) return null;
  const known = routed.get(listenId);
  if (known) return known;
  const sessionId = await env.KV.get(listenKey(listenId));
  if (sessionId === null || !isSessionId(sessionId)) return null;
  if (routed.size >= ROUTED_MAX) routed.clear();
  routed.set(listenId, sessionId);
  return sessionId;
}

/** The routes under /api/listen/<listenId>; the method was checked against worker/http/methods.ts. */
export async function handleListenRoute(request: Request, env: Env, listenId: string, rest: string): Promise<Response> {
  const sessionId = await sessionOf(env, listenId);
  if (!sessionId) return error(404, 'not_found', 'no such listen link');
  // `GET /api/listen/<listenId>`: whether it leads anywhere (the client asks when its socket fails).
  if (rest === '') return json(listenLink(listenId));
  if (!isUpgrade(request)) return error(426, 'bad_request', 'expected a WebSocket upgrade', { Upgrade: 'websocket' });
  const refusal = refuseForeignOrigin(request, env);
  if (refusal) return refusal;
  const headers = new Headers(request.headers);
  headers.set('X-Session-Id', sessionId);
  headers.set(LISTEN_HEADER, '1');
  headers.delete(RELAY_HEADER);
  // The relay tier (LISTEN_RELAYS > 0): the listener joins one of the session's relays,
  // which the room feeds over one socket (docs/PROTOCOL.md, "Relays").
  const relays = relayCount(env);
  if (relays > 0) return relayFor(env, sessionId, pickRelay(relays)).fetch(new Request(request, { headers }));
  return roomFor(env, sessionId).fetch(new Request(request, { headers }));
}
