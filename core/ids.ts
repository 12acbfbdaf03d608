/**
 * The formats of session and beat ids, and the element a page inlines a beat in: shared
 * by the Worker, the client's router and the embed player. A module of its own, with no
 * imports, so the embed player (kept to a few KB) can take it without the schema.
 */
/** The id of the element that carries a beat's JSON inlined in its page and its embed. */
export const INLINE_BEAT_ELEMENT_ID = 'keyboardia-beat';

const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BEAT_ID = /^[0-9A-Za-z]{16}$/;

/** A session id is a lowercase UUID; a beat id is 16 base62 characters (worker/ids.ts makes them). */
export const isSessionId = (id: string) => SESSION_ID.test(id);
export const isBeatId = (id: string) => BEAT_ID.test(id);
