/**
 * An anonymous identity per browser: a name and a colour, kept in localStorage so
 * they survive reloads. The name is editable.
 */
const KEY = 'kb:identity';
const ADJECTIVES = ['Funky', 'Mellow', 'Swift', 'Groovy', 'Lucky', 'Cosmic', 'Dusty', 'Velvet', 'Neon', 'Sunny'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Panda', 'Falcon', 'Koala', 'Badger', 'Gecko', 'Moose', 'Raven'];
const COLORS = ['#e6194b', '#3cb44b', '#ffa600', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#2fa58b', '#c2a000'];

export interface Identity {
  name: string;
  color: string;
}

const pick = <T,>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;

export function loadIdentity(storage: Storage = localStorage): Identity {
  try {
    const saved = JSON.parse(storage.getItem(KEY) ?? 'null') as Identity | null;
    if (saved && typeof saved.name === 'string' && /^#[0-9a-f]{6}$/i.test(saved.color)) return saved;
  } catch {
    // fall through to a new identity
  }
  const identity = { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(COLORS) };
  storage.setItem(KEY, JSON.stringify(identity));
  return identity;
}

export function saveIdentity(identity: Identity, storage: Storage = localStorage): void {
  storage.setItem(KEY, JSON.stringify(identity));
}
