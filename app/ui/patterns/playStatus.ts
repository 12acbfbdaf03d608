/**
 * What the launcher says plays now and what is queued, with the countdown to it: pure,
 * from the session and the shared timeline's position (in steps; null when nobody in
 * the session is playing). Run on animation frames while something is queued, so it
 * reports whether it still changes with time (`live`).
 */
import { BAR_STEPS, cueAt, type PatternId, type Session, songStartIndex, transportAt } from '../../../core';

const BEAT_STEPS = 4;

export interface PlayStatus {
  /** "Playing pattern A", "Playing the song: entry 2 of 5, pattern B", "Ready: pattern A"… */
  now: string;
  /** "Next: pattern B in 2 bars", "Next: the song in 3 beats", or null. */
  next: string | null;
  /** Index of the song entry playing (for the song list), or null. */
  entry: number | null;
  /** The pattern sounding now (or the one Play would start). */
  pattern: PatternId;
  /** Whether `pattern` sounds now (someone listens, and the song has not ended). */
  sounding: boolean;
  /** What is queued to start next: a pattern, 'song', or null. */
  queued: PatternId | 'song' | null;
  /** Whether this changes as the timeline moves on: something is queued, or the song plays. */
  live: boolean;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "in 3 bars" beyond a bar, else "in 2 beats": whole bars or beats still to come, rounded up. */
export function countdown(steps: number): string {
  if (steps > BAR_STEPS) return `in ${plural(Math.ceil(steps / BAR_STEPS - 1e-9), 'bar')}`;
  return `in ${plural(Math.max(1, Math.ceil(steps / BEAT_STEPS - 1e-9)), 'beat')}`;
}

export function playStatus(session: Session, position: number | null): PlayStatus {
  const entries = session.song.entries;
  if (position === null) {
    // Nobody plays: Play starts what is set to play, a queued launch included.
    const t = transportAt(session.transport, Number.POSITIVE_INFINITY);
    if (t.song && entries.length > 0) {
      const start = songStartIndex(session);
      const from = start > 0 ? ` from entry ${start + 1}` : '';
      const pattern = entries[start]!.pattern;
      return { now: `Ready: the song${from}`, next: null, entry: start, pattern, sounding: false, queued: null, live: false };
    }
    return { now: `Ready: pattern ${t.pattern}`, next: null, entry: null, pattern: t.pattern, sounding: false, queued: null, live: false };
  }
  const step = Math.floor(position);
  const t = transportAt(session.transport, step);
  const cue = cueAt(session, step);
  const song = t.song && entries.length > 0;
  let now: string;
  if (!song) now = `Playing pattern ${cue.pattern}`;
  else if (cue.ended) now = 'The song has ended';
  else now = `Playing the song: entry ${cue.entry! + 1} of ${entries.length}, pattern ${cue.pattern}`;
  const queued = t.next;
  const next = queued
    ? `Next: ${queued.pattern === null ? 'the song' : `pattern ${queued.pattern}`} ${countdown(queued.at - position)}`
    : null;
  return {
    now,
    next,
    entry: song && !cue.ended ? cue.entry : null,
    pattern: cue.pattern,
    sounding: !cue.ended,
    queued: queued ? (queued.pattern ?? 'song') : null,
    live: queued !== null || (song && !cue.ended),
  };
}
