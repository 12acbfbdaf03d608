const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A 16-character base62 id (about 95 bits): unguessable, short enough for a link. */
export function randomId(length = 16): string {
  let id = '';
  while (id.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      // 248 = 62 × 4: dropping bytes above it keeps every character equally likely.
      if (byte < 248) id += ALPHABET[byte % 62];
      if (id.length === length) break;
    }
  }
  return id;
}

// The id formats are shared with the client's router: they live in core.
export { isBeatId, isSessionId } from '../core';
