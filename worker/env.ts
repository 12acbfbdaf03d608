import type { SessionRoom } from './room/SessionRoom';

export interface Env {
  /** One SessionRoom Durable Object per editable session. */
  SESSIONS: DurableObjectNamespace<SessionRoom>;
  /** Projections of sessions (`session:<id>`), published beats (`beat:<id>`) and the gallery listing. */
  KV: KVNamespace;
  /** Static assets (the built client). */
  ASSETS: Fetcher;
}
