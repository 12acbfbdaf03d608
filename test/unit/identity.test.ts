/**
 * The display name a browser keeps must be one the room accepts in `hello`: a saved
 * name with a pasted tab used to make every hello refused, so that browser never
 * synced again. Checked where the name is loaded and where it is typed.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { checkPeerName, loadIdentity } from '../../app/sync/identity';
import { parseClientMessage, PeerInfoSchema } from '../../core';

class MapStorage {
  private map = new Map<string, string>();
  constructor(init: Record<string, string> = {}) {
    for (const [k, val] of Object.entries(init)) this.map.set(k, val);
  }
  getItem = (k: string) => this.map.get(k) ?? null;
  setItem = (k: string, val: string) => void this.map.set(k, val);
}
const storage = (saved: unknown) => new MapStorage({ 'kb:identity': JSON.stringify(saved) }) as unknown as Storage;

describe('the identity a browser keeps', () => {
  it.each([
    ['a pasted tab', 'Sam\tRivers'],
    ['a right-to-left override', 'Sam\u202e'],
    ['an empty name', ''],
    ['a name too long', 'x'.repeat(33)],
    ['not a string', 42],
  ])('with %s saved, is replaced by a valid one when loaded, keeping its colour', (_what, name) => {
    const identity = loadIdentity(storage({ name, color: '#123456' }));
    expect(v.is(PeerInfoSchema, identity)).toBe(true);
    expect(identity.color).toBe('#123456');
    // …and the room accepts the hello it makes.
    expect(parseClientMessage({ type: 'hello', protocol: 2, model: 2, clientId: 'c', version: null, peer: identity }).ok).toBe(true);
  });

  it('is kept as it is when valid (emoji sequences included)', () => {
    expect(loadIdentity(storage({ name: 'Sam 👩‍🎤', color: '#abcdef' }))).toEqual({ name: 'Sam 👩‍🎤', color: '#abcdef' });
  });

  it('is refused when typed with a character the room would refuse, saying why', () => {
    expect(checkPeerName('Sam\tRivers')).toMatch(/control, format or bidi/);
    expect(checkPeerName('x'.repeat(33))).toMatch(/at most 32/);
    expect(checkPeerName('Sam Rivers')).toBeNull();
  });
});
