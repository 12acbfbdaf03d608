import { LIMITS, type Session } from '../../core';

/** A new track id: client-generated, random enough never to collide within a session. */
export function newTrackId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `t${Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')}`;
}

/** "Bass", "Bass 2", "Bass 3"…: a name not yet used in the session, within the length limit. */
export function uniqueTrackName(session: Session, base: string): string {
  const taken = new Set(session.tracks.map((t) => t.name));
  const trimmed = [...base].slice(0, LIMITS.maxTrackName - 3).join('');
  if (!taken.has(trimmed)) return trimmed;
  for (let n = 2; ; n++) {
    const name = `${trimmed} ${n}`;
    if (!taken.has(name)) return name;
  }
}
