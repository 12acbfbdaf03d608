/** "Your recent sessions": kept in this browser only (localStorage), newest first. */
const KEY = 'kb:recent-sessions';
const MAX = 12;

export interface RecentSession {
  id: string;
  name: string;
  visitedAt: number;
}

export function listRecentSessions(storage: Storage = localStorage): RecentSession[] {
  try {
    const list = JSON.parse(storage.getItem(KEY) ?? '[]') as RecentSession[];
    return Array.isArray(list) ? list.filter((r) => typeof r.id === 'string' && typeof r.name === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberSession(id: string, name: string, storage: Storage = localStorage): void {
  const rest = listRecentSessions(storage).filter((r) => r.id !== id);
  storage.setItem(KEY, JSON.stringify([{ id, name, visitedAt: Date.now() }, ...rest].slice(0, MAX)));
}
