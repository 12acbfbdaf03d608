/**
 * An anonymous identity per browser: a name and a colour, kept in localStorage so
 * they survive reloads. The name is editable. Both are checked with the schema the
 * room checks `hello` with: a saved name the room would refuse (a pasted tab, say)
 * would keep this browser from ever syncing, so it is replaced when loaded and refused
 * when typed.
 */
import * as v from 'valibot';
import { describeIssues, PeerInfoSchema, PeerNameSchema } from '../../core';

const KEY = 'kb:identity';
const ADJECTIVES = ['Funky', 'Mellow', 'Swift', 'Groovy', 'Lucky', 'Cosmic', 'Dusty', 'Velvet', 'Neon', 'Sunny'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Panda', 'Falcon', 'Koala', 'Badger', 'Gecko', 'Moose', 'Raven'];
const COLORS = ['#e6194b', '#3cb44b', '#ffa600', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#2fa58b', '#c2a000'];

export interface Identity {
  name: string;
  color: string;
}

const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;

export function loadIdentity(storage: Storage = localStorage): Identity {
  let saved: unknown = null;
  try {
    saved = JSON.parse(storage.getItem(KEY) ?? 'null');
  } catch {
    // unreadable: a new identity below
  }
  const parsed = v.safeParse(PeerInfoSchema, saved);
  if (parsed.success) return parsed.output;
  // Keep a valid colour when only the name is bad: others keep recognising you.
  const color = v.is(PeerInfoSchema.entries.color, (saved as Identity | null)?.color) ? (saved as Identity).color : pick(COLORS);
  const identity = { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color };
  try {
    storage.setItem(KEY, JSON.stringify(identity));
  } catch {
    // Storage full or blocked: the identity lives for this page only.
  }
  return identity;
}

/** Why `name` cannot be your name (null: it can). The room refuses the same names. */
export function checkPeerName(name: string): string | null {
  const result = v.safeParse(PeerNameSchema, name);
  return result.success ? null : describeIssues(result.issues);
}

export function saveIdentity(identity: Identity, storage: Storage = localStorage): void {
  try {
    storage.setItem(KEY, JSON.stringify(identity));
  } catch {
    // Storage full or blocked: the new name holds for this page only.
  }
}
