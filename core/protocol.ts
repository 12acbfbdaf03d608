/**
 * The wire protocol between a browser and a session room, version 4.
 * docs/PROTOCOL.md describes it in prose; this file is the source of truth.
 * Frames are JSON text. The one exception is the keepalive: the literal text
 * "ping" is answered "pong" by the runtime without waking the room.
 *
 * Two versions travel in `hello`: `protocol` (the shape of the frames) and `model`
 * (the session model: which fields and mutations the client knows, core/fields.ts).
 */
import * as v from 'valibot';
import type { PatternId, Session } from './model';
import type { RefusalCode } from './reducer';
import { describeIssues, IdSchema, type Mutation, PatternIdSchema, PeerNameSchema } from './schema';

/**
 * 3: a live audience (issue 17): listeners are counted, not listed. `peers` lists editors
 * only and says how many listen; listeners get `audience` deltas at a bounded rate.
 * A protocol 2 client is still served (it gets `peers` without listeners, never `audience`).
 * 4: a listen-only socket may get several messages in one frame (a JSON array, in order:
 * `ServerFrame`), at most one frame every LISTENER_BATCH_MS. A protocol 3 listener still
 * gets one message a frame.
 */
export const PROTOCOL_VERSION = 4;
/** Frame versions the room still speaks: version 1 is the first release (no `model` in hello). */
export const SUPPORTED_PROTOCOLS: readonly number[] = [1, 2, 3, 4];
/** The first protocol whose listeners read batched frames. */
export const BATCHED_LISTENERS_PROTOCOL = 4;

/**
 * How often, at most, a room (or a relay) sends a frame to each batched listener. A
 * thousand listeners cost the room a send each for every frame: while changes come
 * faster than this, they go out together, one frame per listener per interval (a frame
 * that finds the last one sent longer ago goes at once). Editors are never batched.
 */
export const LISTENER_BATCH_MS = 100;

/**
 * How often, at most, the room tells its listeners what changed in the presence of the
 * editors and in how many listen (one `audience` frame per listener per interval, only
 * when something changed). Fill travels this way too, so it stays short.
 */
export const AUDIENCE_INTERVAL_MS = 200;
export const KEEPALIVE_PING = 'ping';
export const KEEPALIVE_PONG = 'pong';

/**
 * How often a client speaks when it has nothing to say: a keepalive ping (answered by
 * the runtime, the room stays asleep), and, while playing, one clock sample. Every
 * incoming frame is billed (20 to a request), so these set most of an idle session's
 * bill (docs/BENCHMARKS.md); a clock drifts by well under a millisecond between samples.
 */
export const CLIENT_CADENCE = { keepaliveMs: 20_000, clockRefreshMs: 15_000 } as const;

const PeerColorSchema = v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}$/i, 'a colour is #rrggbb'));
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
    /** The client's model version (core MODEL_VERSION); absent from first-release clients: 1. */
    model: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
    clientId: IdSchema,
    /**
     * The browser tab (the same across reloads of it). Another tab saying hello with
     * this clientId while this one is connected is refused with seq_conflict; the same
     * tab reconnecting replaces its old socket.
     */
    tab: v.optional(IdSchema),
    version: v.nullable(VersionSchema),
    peer: PeerInfoSchema,
    /** Listen only: receives changes, may not send mutations, does not count as an editor. */
    listenOnly: v.optional(v.boolean(), false),
    /**
     * The lowest clientSeq this client may still send (its oldest pending edit, or its
     * next clientSeq): the room may forget what became of older ones.
     */
    resendFrom: v.optional(SeqSchema),
  }),
  /**
   * A mutation, in the client's model: the room lifts it to its own (core migrateMutation),
   * which also validates it.
   */
  v.strictObject({ type: v.literal('mutate'), clientId: IdSchema, clientSeq: SeqSchema, mutation: v.unknown() }),
  v.strictObject({
    type: v.literal('presence'),
    cursor: CursorSchema,
    playing: v.boolean(),
    peer: PeerInfoSchema,
    /** The pattern this editor is viewing ("Sam is on C"); absent from older clients: A. */
    pattern: v.optional(PatternIdSchema, 'A'),
    /** Holding Fill (core/expression.ts): steps with the fill condition play for everyone while someone does. */
    fill: v.optional(v.boolean(), false),
  }),
  /** Clock sample request: `t0` is the client's clock when sent (echoed back). */
  v.strictObject({ type: v.literal('clock'), t0: v.pipe(v.number(), v.finite()) }),
]);
type ParsedClientMessage = v.InferOutput<typeof ClientMessageSchema>;
/** A client message as parsed by the room: the mutation still in the client's model. */
export type ReceivedClientMessage = ParsedClientMessage;
/** A client message as a client of this model sends it. */
export type ClientMessage =
  | Exclude<ParsedClientMessage, { type: 'mutate' | 'hello' }>
  | (Omit<Extract<ParsedClientMessage, { type: 'hello' }>, 'model' | 'listenOnly' | 'resendFrom' | 'tab'> & {
      model: number;
      tab: string;
      listenOnly: boolean;
      resendFrom?: number;
    })
  | { type: 'mutate'; clientId: string; clientSeq: number; mutation: Mutation };

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
  /** The pattern they are viewing. */
  pattern: PatternId;
  /** Holding Fill. */
  fill: boolean;
  listenOnly: boolean;
}

/**
 * An editor as listeners see them: who is here, who plays, on which pattern, holding
 * Fill. No cursor: a cursor moves several times a second and listeners cannot edit.
 */
export type AudiencePeer = Pick<Peer, 'peerId' | 'name' | 'color' | 'playing' | 'pattern' | 'fill'>;

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
  /** A mutation the model refused (core/reducer.ts). */
  | RefusalCode
  /**
   * This writer's clientSeq does not follow its last one, or names an earlier edit that
   * was a different one or is no longer known: take a fresh clientId and send the
   * pending edits again under it (docs/PROTOCOL.md).
   */
  | 'seq_conflict';

export type ServerMessage =
  /**
   * Reply to hello when the client is too far behind (or new): the whole state. Also
   * sent instead of a change an older client could not apply (see OLDEST_CLIENT_MODEL).
   * `model` is the room's model version.
   */
  | { type: 'snapshot'; version: number; session: Session; peerId: string; serverTime: number; model: number }
  /** Reply to hello when the log still holds what the client missed. */
  | { type: 'catchup'; fromVersion: number; changes: Change[]; peerId: string; serverTime: number; model: number }
  /** A change applied by the server; to its author it also carries `clientSeq` (that copy is the ack). */
  | ({ type: 'change'; clientSeq?: number } & Change)
  /** A duplicate mutation (already applied earlier): acknowledged, not applied again. */
  | { type: 'ack'; clientSeq: number; version: number }
  /** A refusal. `clientSeq` names the refused mutation when there is one. Nothing changed. */
  | { type: 'error'; code: ErrorCode; message: string; clientSeq?: number }
  /**
   * To editors, whenever an editor joins, leaves or updates presence: every editor.
   * Listeners are counted, not listed (`listeners`, protocol 3; a change of the count
   * alone comes as `audience`). Before protocol 3 listeners were listed here.
   */
  | { type: 'peers'; peers: Peer[]; listeners?: number }
  /**
   * Protocol 3, at most every AUDIENCE_INTERVAL_MS and only when something changed. To a
   * listener: `full` (right after its snapshot: `peers` is every editor) or a delta
   * (`peers`: editors who joined or changed, `gone`: editors who left), and the number
   * of listeners. To an editor: the number of listeners only.
   */
  | { type: 'audience'; listeners: number; full?: true; peers?: AudiencePeer[]; gone?: string[] }
  | { type: 'clock'; t0: number; serverTime: number };

/** What one WebSocket frame from the server holds: a message, or (protocol 4, to a listener) several in order. */
export type ServerFrame = ServerMessage | ServerMessage[];

/** The messages of a frame, in order. */
export const messagesOf = (frame: ServerFrame): ServerMessage[] => (Array.isArray(frame) ? frame : [frame]);

/** WebSocket close codes with meaning to the client. */
export const CLOSE = {
  sessionFull: 4001,
  notFound: 4004,
  /** The client and the room cannot talk: the reason says which side is older (CLOSE_REASON). */
  protocolVersion: 4005,
  abuse: 4008,
  /** The session's stored state cannot be read by this version (logged on the server). */
  unreadable: 4009,
} as const;

/** Reasons that go with CLOSE.protocolVersion. */
export const CLOSE_REASON = {
  /** Reload the page: a newer Keyboardia is deployed. Pending edits are kept for after the reload. */
  clientOutdated: 'client_outdated',
  /** The room runs an older version than the page (a deploy in progress): retry later. */
  serverOutdated: 'server_outdated',
} as const;

export function parseClientMessage(input: unknown): { ok: true; message: ReceivedClientMessage } | { ok: false; message: string } {
  const result = v.safeParse(ClientMessageSchema, input);
  return result.success ? { ok: true, message: result.output } : { ok: false, message: describeIssues(result.issues) };
}

/**
 * How far behind a client may be and still catch up from the room's log: a hello from
 * a version at least this many versions back gets a snapshot instead. The room keeps
 * exactly this many log entries (worker/room/RoomStorage.ts), so it is a storage cost
 * too; the crash harness keeps each round inside it.
 */
export const CATCH_UP_VERSIONS = 160;
