/**
 * Tone.js, as the app uses it, without Tone's entry module: that module makes an
 * AudioContext the moment it loads (its deprecated `Transport`, `Destination`,
 * `Listener`, `Draw` and `context` exports are read from a live context), which is one
 * of the longest tasks a page can run (most of a second on a loaded phone-class CPU)
 * and cannot start before a user gesture anyway. Every class comes from Tone's own
 * `classes` module; the few functions of the entry module are redefined below exactly
 * as Tone defines them. The live context is made on the first Play or preview
 * (ensureNativeContext in masterChain.ts), never while a page loads.
 */
import { getContext } from 'tone/build/esm/core/Global.js';

export * from 'tone/build/esm/classes.js';
export { getContext, setContext, start } from 'tone/build/esm/core/Global.js';

/** The current audio time of the global context. */
export const now = (): number => getContext().now();
/** The global context's transport. */
export const getTransport = () => getContext().transport;
/** The global context's destination (the speakers). */
export const getDestination = () => getContext().destination;
/** The global context's Draw (callbacks in step with the audio). */
export const getDraw = () => getContext().draw;
