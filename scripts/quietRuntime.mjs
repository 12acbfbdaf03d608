// @ts-check
/**
 * The environment of a local runtime that tests or measures the product (the bench, the
 * crash harness, the end-to-end server), not one a developer browses (`npm start`).
 * wrangler's and the Vite plugin's local explorer and observability collector are on by
 * default: they stream every event of every Durable Object to a collector on the
 * runtime's own thread (the bench's bare echo round trip: 1.2 ms with them, 0.4 ms
 * without). Cloudflare's runtime has no such cost, and tests share two cores with it.
 */
export const WITHOUT_DEV_TOOLS = { X_LOCAL_EXPLORER: 'false', X_LOCAL_OBSERVABILITY: 'false' };
