/**
 * What the Worker and the guard in vite.config.ts (in front of Vite's dev and preview
 * servers) agree on. No imports: the Vite config loads this file in Node.
 */

/**
 * Set by the guard on every WebSocket upgrade that Vite's proxy forwards to the
 * Worker. That proxy (@cloudflare/vite-plugin) drops the connection ("socket hang
 * up") when the Worker answers an upgrade with anything but 101, so the Worker
 * refuses these by accepting the socket and closing it at once (worker/http/upgrades.ts).
 */
export const REFUSE_UPGRADE_BY_CLOSE = { header: 'x-keyboardia-refuse-upgrade', value: 'close' } as const;
