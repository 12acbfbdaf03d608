/**
 * Refusing a WebSocket upgrade. The answer is an HTTP status (404 for an unknown
 * session, 403 for a foreign origin), except behind Vite's dev and preview servers:
 * their proxy (@cloudflare/vite-plugin) drops the connection on any answer but 101,
 * so the client would see only "socket hang up". The guard in vite.config.ts marks
 * the upgrades it forwards, and those are refused by accepting the socket and
 * closing it at once, with the close code the client acts on (docs/PROTOCOL.md §2).
 */
import { CLOSE } from '../../core';
import { REFUSE_UPGRADE_BY_CLOSE } from './devServer';

/** RFC 6455 §7.4.1: the endpoint refuses a message that violates its policy. */
const POLICY_VIOLATION = 1008;

export function isUpgrade(request: Request): boolean {
  return request.headers.get('Upgrade')?.toLowerCase() === 'websocket';
}

/** `refusal` as the client will see it: unchanged, or as a socket closed at once. */
export async function refuseUpgrade(request: Request, refusal: Response): Promise<Response> {
  if (request.headers.get(REFUSE_UPGRADE_BY_CLOSE.header) !== REFUSE_UPGRADE_BY_CLOSE.value) return refusal;
  const code = refusal.status === 404 ? CLOSE.notFound : POLICY_VIOLATION;
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  server.close(code, await closeReason(refusal));
  return new Response(null, { status: 101, webSocket: client });
}

/** The refusal's error code (`not_found`, `forbidden_origin`…): a close reason is at most 123 bytes. */
async function closeReason(refusal: Response): Promise<string> {
  const text = await refusal.text();
  let reason = text;
  try {
    reason = String((JSON.parse(text) as { error?: unknown }).error ?? text);
  } catch {
    // Not one of our JSON errors (the room answers plain text): its text is the reason.
  }
  return [...reason].slice(0, 60).join('');
}
