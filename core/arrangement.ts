/**
 * Patterns, the song and the transport: which pattern sounds at a global step of the
 * shared timeline, and where a launch lands. Pure; run by the reducer (launches), by
 * playback, the offline render and the MIDI export (core/events.ts), and by the UI (the
 * countdown to a launch, the song's playhead).
 */
import { LIMITS } from './limits';
import { PATTERN_IDS, type PatternId, rowOf, type Session, type Transport } from './model';

/** Steps in a bar: launches 'bar' land on multiples of it, counted from the anchor. */
export const BAR_STEPS = 16;

/**
 * Time between a launch request reaching the room and the earliest step it may start
 * on, so that every listener hears of it before it schedules that step. A player hands
 * a step to the audio clock up to ~150 ms before it sounds (Tone's 100 ms look-ahead
 * plus its ~50 ms tick) and earlier still by the output latency (tens of ms; more on
 * phones), which left a 150 ms lead almost no time for delivery: under load a follower
 * started a launched pattern one step late. 400 ms leaves ~200 ms for the broadcast to
 * reach everyone. Model 7 raised it (core/migrate.ts, LAUNCH_LEAD_MODEL): a launch logged
 * earlier replays as it was applied.
 */
export const LAUNCH_LEAD_MS = 400;

/** The lead before model 7 (a launch logged by an older room replays with it: core/migrate.ts). */
export const LAUNCH_LEAD_BEFORE_MODEL_7_MS = 150;

export type LaunchWhen = 'now' | 'bar' | 'end';

/**
 * Steps in one pass of a pattern: its longest row (a track without a row has the default
 * 16), so a launch at its end and a song entry's repeats follow what the pattern shows.
 */
export function patternSteps(session: Pick<Session, 'tracks' | 'patterns'>, pattern: PatternId): number {
  let steps = 0;
  for (const t of session.tracks) steps = Math.max(steps, rowOf(session, pattern, t.id).length);
  return steps || BAR_STEPS;
}

/** Steps of each song entry, in order, and their sum. */
export function songSteps(session: Pick<Session, 'tracks' | 'patterns' | 'song'>): { entries: number[]; total: number } {
  const entries = session.song.entries.map((e) => e.repeats * patternSteps(session, e.pattern));
  return { entries, total: entries.reduce((a, b) => a + b, 0) };
}

/** What sounds at a global step: a pattern, counted from `start`. */
export interface Cue {
  pattern: PatternId;
  /** The global step this pattern (or song entry) started at: rows count from here. */
  start: number;
  /** Index of the song entry playing, or null in pattern mode. */
  entry: number | null;
  /** The song has played to its end and does not loop: nothing sounds. */
  ended: boolean;
}

/** The transport in force at a global step: a launch whose step has come has happened. */
export function transportAt(transport: Transport, globalStep: number): Transport {
  const next = transport.next;
  if (!next || globalStep < next.at) return transport;
  return next.pattern === null
    ? { ...transport, song: true, from: next.at, next: null }
    : { song: false, pattern: next.pattern, from: next.at, next: null };
}

/** The index of the entry the song starts from (its `start`, or the first). */
export function songStartIndex(session: Pick<Session, 'song'>): number {
  const i = session.song.entries.findIndex((e) => e.id === session.song.start);
  return Math.max(i, 0);
}

export function cueAt(session: Session, globalStep: number): Cue {
  const t = transportAt(session.transport, globalStep);
  const { entries, total } = songSteps(session);
  if (!t.song || total === 0) return { pattern: t.pattern, start: t.from, entry: null, ended: false };
  // Song mode: the song is one loop of `total` steps; starting from an entry is an offset into it.
  const startIndex = songStartIndex(session);
  const offset = entries.slice(0, startIndex).reduce((a, b) => a + b, 0);
  const played = globalStep - t.from + offset;
  if (!session.song.loop && played >= total) {
    const last = session.song.entries.length - 1;
    return { pattern: session.song.entries[last]!.pattern, start: t.from - offset + total - entries[last]!, entry: last, ended: true };
  }
  const pass = Math.floor(played / total);
  let position = played - pass * total;
  let start = t.from - offset + pass * total;
  for (let i = 0; i < entries.length; i++) {
    if (position < entries[i]!) return { pattern: session.song.entries[i]!.pattern, start, entry: i, ended: false };
    position -= entries[i]!;
    start += entries[i]!;
  }
  // Unreachable: position < total. Kept total for the compiler.
  return { pattern: t.pattern, start: t.from, entry: null, ended: false };
}

/**
 * The global step a launch asked for at (fractional) position `position` lands on:
 * 'now' the next step, 'bar' the next bar line, 'end' the end of the pass of the pattern
 * playing (of the song entry's pattern in song mode). Always an integer, never -0.
 */
export function launchStep(session: Session, position: number, when: LaunchWhen): number {
  const up = (x: number, q: number) => Math.ceil(x / q - 1e-9) * q + 0;
  if (when === 'now') return up(position, 1);
  const cue = cueAt(session, Math.floor(position));
  if (when === 'bar' || cue.ended) return up(position, BAR_STEPS);
  const pass = patternSteps(session, cue.pattern);
  return cue.start + up(position - cue.start, pass);
}

/**
 * The transport to play a session from its beginning: the song from its first entry when
 * it has one (what a published beat, its page and the exports play), else pattern A's…
 * or the pattern playing now.
 */
export function fromTheTop(session: Session): Session {
  const song = session.song.entries.length > 0;
  return {
    ...session,
    song: { ...session.song, start: null },
    // In song mode `pattern` is what plays when the song is left: the last one asked for.
    transport: {
      song,
      pattern: song ? transportAt(session.transport, Number.POSITIVE_INFINITY).pattern : openingPattern(session),
      from: 0,
      next: null,
    },
  };
}

/** The pattern a listener sees first: the song's first entry, else the one playing. */
export function openingPattern(session: Session): PatternId {
  return session.song.entries[0]?.pattern ?? transportAt(session.transport, Number.POSITIVE_INFINITY).pattern;
}

/** The patterns in use, in letter order. */
export function patternsInUse(session: Pick<Session, 'patterns'>): PatternId[] {
  return (Object.keys(session.patterns) as PatternId[]).sort();
}

/** The first letter not in use, or null when all LIMITS.maxPatterns are. */
export function freePatternId(session: Pick<Session, 'patterns'>): PatternId | null {
  return PATTERN_IDS.slice(0, LIMITS.maxPatterns).find((id) => !session.patterns[id]) ?? null;
}

/** Why a pattern may not be deleted now, or null if it may. */
export function patternInUse(session: Session, pattern: PatternId): string | null {
  const t = session.transport;
  // In song mode `pattern` is what plays when the song is left: kept too.
  if (t.pattern === pattern) return t.song ? 'it plays when the song is left' : 'it is playing';
  if (t.next?.pattern === pattern) return 'it is queued to play';
  if (session.song.entries.some((e) => e.pattern === pattern)) return 'the song plays it';
  return null;
}
