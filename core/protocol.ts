/**
 * The wire protocol between a browser and a session room, version 1.
 * docs/PROTOCOL.md describes it in prose; this file is the source of truth.
 * Frames are JSON text. The one exception is the keepalive: the literal text
 * "ping" is answered "pong" by the runtime without waking the room.
 */
import * as v from 'valibot';
import type { Session } from './model';
import { describeIssues, IdSchema, MutationSchema, type Mutation } from './schema';

export const PROTOCOL_VERSION = 1;
export const KEEPALIVE_PING = 'ping';
export const KEEPALIVE_PONG = 'pong';

const PeerColorSchema = v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/i, 'a colour is #rrggbb'));
const PeerNameSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.check((s) => [...s].length <= 32, 'at most 32 characters'),
  v.check((s) => !/[\u0000-\u001f\u007f]/.test(s), 'no control characters'),
);
const SeqSchema = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(Number.MAX_SAFE_INTEGER));
const VersionSchema = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

export const PeerInfoSchema = v.strictObject({ name: PeerNameSchema, color: PeerColorSchema });
export type PeerInfo = v.InferOutput<typeof PeerInfoSchema>;

export const CursorSchema = v.nullable(
  v.strictObject({ trackId: IdSchema, step: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(127)) }),
);

export const ClientMessageSchema = v.variant('type', [
  /** First message on every connection. `version` is what the client already has (null: nothing). */
  v.strictObject({
    type: v.literal('hello'),
    protocol: v.number(),
    clientId: IdSchema,
    version: v.nullable(VersionSchema),
    peer: PeerInfoSchema,
    /** Listen only: receives changes, may not send mutations, does not count as an editor. */
    listenOnly: v.optional(v.boolean(), false),
  }),
  v.strictObject({ type: v.literal('mutate'), clientId: IdSchema, clientSeq: SeqSchema, mutation: MutationSchema }),
  v.strictObject({ type: v.literal('presence'), cursor: CursorSchema, playing: v.boolean(), peer: PeerInfoSchema }),
  /** Clock sample request: `t0` is the client's clock when sent (echoed back). */
  v.strictObject({ type: v.literal('clock'), t0: v.pipe(v.number(), v.finite()) }),
]);
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;

/** One applied change, as the log stores it and the server broadcasts it. */
export interface Change {
  version: number;
  /** Server time (ms since epoch) the change was applied. */
  at: number;
  mutation: Mutation;
  /** Public id of the author's connection (for colouring remote edits); null if unknown. */
  by: string | null;
}

export interface Peer {
  peerId: string;
  name: string;
  color: string;
  playing: boolean;
  cursor: v.InferOutput<typeof CursorSchema>;
  listenOnly: boolean;
}

export type ErrorCode =
  | 'bad_json'
  | 'bad_message'
  | 'frame_too_large'
  | 'rate_limited'
  | 'protocol_version'
  | 'hello_first'
  | 'wrong_client'
  | 'listen_only'
  | 'read_only'
  | 'session_full'
  | 'not_found'
  | 'unknown_track'
  | 'duplicate_track'
  | 'too_many_tracks'
  | 'out_of_range';

export type ServerMessage =
  /** Reply to hello when the client is too far behind (or new): the whole state. */
  | { type: 'snapshot'; version: number; session: Session; peerId: string; serverTime: number }
  /** Reply to hello when the log still holds what the client missed. */
  | { type: 'catchup'; fromVersion: number; changes: Change[]; peerId: string; serverTime: number }
  /** A change applied by the server; to its author it also carries `clientSeq` (that copy is the ack). */
  | ({ type: 'change'; clientSeq?: number } & Change)
  /** A duplicate mutation (already applied earlier): acknowledged, not applied again. */
  | { type: 'ack'; clientSeq: number; version: number }
  /** A refusal. `clientSeq` names the refused mutation when there is one. Nothing changed. */
  | { type: 'error'; code: ErrorCode; message: string; clientSeq?: number }
  | { type: 'peers'; peers: Peer[] }
  | { type: 'clock'; t0: number; serverTime: number };

/** WebSocket close codes with meaning to the client. */
export const CLOSE = {
  sessionFull: 4001,
  notFound: 4004,
  protocolVersion: 4005,
  abuse: 4008,
} as const;

export function parseClientMessage(
  input: unknown,
): { ok: true; message: ClientMessage } | { ok: false; message: string } {
  const result = v.safeParse(ClientMessageSchema, input);
  return result.success ? { ok: true, message: result.output } : { ok: false, message: describeIssues(result.issues) };
}
