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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BEAT_ID = /^[0-9A-Za-z]{16}$/;

export const isSessionId = (id: string) => UUID.test(id);
export const isBeatId = (id: string) => BEAT_ID.test(id);
