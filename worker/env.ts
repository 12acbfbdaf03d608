import type { RelayRoom } from './relay/RelayRoom';
import type { SessionRoom } from './room/SessionRoom';

export interface Env {
  /** One SessionRoom Durable Object per editable session. */
  SESSIONS: DurableObjectNamespace<SessionRoom>;
  /**
   * The relay tier of the listen link (worker/relay/RelayRoom.ts): relay i of a session is
   * `idFromName(\`${sessionId}/relay/${i}\`)`, fed by the session's room over one socket.
   */
  RELAYS: DurableObjectNamespace<RelayRoom>;
  /** Projections of sessions (`session:<id>`), published beats (`beat:<id>`) and the gallery listing. */
  KV: KVNamespace;
  /**
   * The sessions' own sounds: `sounds/<key>` holds the WAV whose SHA-256 is `key`
   * (worker/http/sounds.ts). Content-addressed, immutable, never deleted.
   */
  SOUNDS: R2Bucket;
  /** Static assets (the built client). */
  ASSETS: Fetcher;
  /**
   * Origins besides the Worker's own whose pages may create, publish, remix and connect
   * (comma-separated, e.g. `https://app.example,https://staging.example`); empty by default.
   */
  ALLOWED_ORIGINS: string;
  /**
   * How many relays each session's listeners are spread over (worker/relay/routing.ts);
   * "0" (the default) or absent: listeners connect to the room itself.
   */
  LISTEN_RELAYS?: string;
}
