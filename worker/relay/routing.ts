/**
 * Routing a listener to a relay (docs/PROTOCOL.md, "Relays"). The tier is on when the
 * LISTEN_RELAYS var is a whole number from 1 to MAX_RELAYS: each session then has that many
 * relays, relay i being the RelayRoom named `${sessionId}/relay/${i}`, and each listen
 * socket goes to one of them chosen at random (a hash of a fresh connection id, without
 * the id): no shared counter to read or write per join, and 2,000 listeners over 4 relays
 * land within a few percent of 500 each. Anything else (absent, "0", not a number) is off.
 */
import type { Env } from '../env';

/** More would only spread a session thinner than a relay needs (each holds thousands). */
export const MAX_RELAYS = 64;

/** The configured relay count; 0 (off) unless LISTEN_RELAYS is a whole number 1…MAX_RELAYS. */
export function relayCount(env: Pick<Env, 'LISTEN_RELAYS'>): number {
  const raw = env.LISTEN_RELAYS;
  const n = typeof raw === 'number' ? raw : Number(String(raw ?? '').trim() || '0');
  return Number.isInteger(n) && n >= 1 && n <= MAX_RELAYS ? n : 0;
}

/** A relay index in [0, relays), uniformly at random. */
export function pickRelay(relays: number): number {
  const [word] = crypto.getRandomValues(new Uint32Array(1));
  return word! % relays;
}

export const relayName = (sessionId: string, index: number) => `${sessionId}/relay/${index}`;

export function relayFor(env: Pick<Env, 'RELAYS'>, sessionId: string, index: number) {
  return env.RELAYS.get(env.RELAYS.idFromName(relayName(sessionId, index)));
}
