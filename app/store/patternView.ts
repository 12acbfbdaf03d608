/**
 * Which pattern this editor views and edits: local state, like mute and solo, never
 * synced (presence tells others, "Sam is on C"). The rules, pure so that the unit tests
 * run them in Node:
 * - On opening, the view is the pattern playing (what Play would start when nobody
 *   plays), else the first pattern in use.
 * - The view survives reconnects and snapshots. When the viewed pattern goes (someone
 *   deleted it, or an undo did), the view falls back to the pattern playing.
 * - An undo or redo shows the pattern it changed.
 */
import {
  cueAt,
  emptyRow,
  type Mutation,
  type PatternId,
  patternsInUse,
  type Row,
  type Session,
  songStartIndex,
  stepsSinceAnchor,
  transportAt,
} from '../../core';

/** The state these rules read (a subset of SessionState, so tests build it by hand). */
export interface ViewState {
  session: Session | null;
  /** The pattern this editor chose to view; null until it is settled (see followViewedPattern). */
  viewedPattern: PatternId | null;
  /** This listener's own playback. */
  playing: boolean;
  peers: readonly { peerId: string; playing: boolean }[];
  selfPeerId: string | null;
  status: string;
}

/** Whether anyone in the session is listening to it now (this page, a peer, or "play together"). */
export function anyonePlaying(state: Pick<ViewState, 'session' | 'playing' | 'peers'>): boolean {
  const timeline = state.session?.timeline;
  return state.playing || state.peers.some((p) => p.playing) || (!!timeline?.together && timeline.playing);
}

/** The global step of the shared timeline at a server time (whole steps since the anchor). */
export function globalStepAt(session: Session, serverNowMs: number): number {
  return Math.floor(stepsSinceAnchor(session.timeline.anchorMs, session.tempo, serverNowMs));
}

/**
 * The pattern playing: at `globalStep` when someone listens, else (null) the one Play
 * would start — a queued launch included, the song from its start entry. Always a
 * pattern in use.
 */
export function patternPlaying(session: Session, globalStep: number | null): PatternId {
  let pattern: PatternId;
  if (globalStep === null) {
    const t = transportAt(session.transport, Number.POSITIVE_INFINITY);
    const entries = session.song.entries;
    pattern = t.song && entries.length > 0 ? entries[songStartIndex(session)]!.pattern : t.pattern;
  } else {
    pattern = cueAt(session, globalStep).pattern;
  }
  return session.patterns[pattern] ? pattern : firstInUse(session);
}

function firstInUse(session: Session): PatternId {
  return patternsInUse(session)[0] ?? 'A';
}

/**
 * The pattern shown and edited. Timeless (it reads no clock) so that components can
 * select it: a chosen pattern still in use, else the pattern Play would start.
 */
export function viewedPatternOf(state: Pick<ViewState, 'session' | 'viewedPattern'>): PatternId {
  const { session, viewedPattern } = state;
  if (!session) return viewedPattern ?? 'A';
  if (viewedPattern && session.patterns[viewedPattern]) return viewedPattern;
  return patternPlaying(session, null);
}

/**
 * What `viewedPattern` should become after a change of state, or undefined to leave it:
 * - not yet settled, once this page has synced and heard who else is here: the pattern
 *   playing now (so it opens on what the band hears);
 * - settled on a pattern no longer in use: the pattern playing now.
 * `serverNowMs` is read only when a fallback is needed.
 */
export function nextViewedPattern(state: ViewState, serverNowMs: () => number): PatternId | undefined {
  const { session, viewedPattern } = state;
  if (!session) return undefined;
  if (viewedPattern === null) {
    const heardPeers = state.status === 'connected' && state.peers.some((p) => p.peerId === state.selfPeerId);
    if (!heardPeers) return undefined;
  } else if (session.patterns[viewedPattern]) {
    return undefined;
  }
  const step = anyonePlaying(state) ? globalStepAt(session, serverNowMs()) : null;
  return patternPlaying(session, step);
}

/** Keep `viewedPattern` settled and in use as the state changes (see nextViewedPattern). */
export function followViewedPattern<S extends ViewState>(
  store: { getState(): S; setState(partial: Partial<S>): void; subscribe(listener: (state: S, prev: S) => void): () => void },
  serverNowMs: () => number,
): () => void {
  const check = (state: S) => {
    const next = nextViewedPattern(state, serverNowMs);
    if (next !== undefined && next !== state.viewedPattern) store.setState({ viewedPattern: next } as Partial<S>);
  };
  check(store.getState());
  return store.subscribe((state, prev) => {
    if (
      state.session !== prev.session ||
      state.viewedPattern !== prev.viewedPattern ||
      state.status !== prev.status ||
      state.peers !== prev.peers
    )
      check(state);
  });
}

/**
 * The pattern an undo or redo changed, to show it: the first of its mutations that edits
 * a pattern's content or brings one back. Null when none does (track, mix or song edits).
 */
export function patternTouched(mutations: readonly Mutation[]): PatternId | null {
  for (const m of mutations) {
    if (m.type === 'delete_pattern' || m.type === 'launch_pattern') continue;
    if ('pattern' in m && m.pattern) return m.pattern;
  }
  return null;
}

/**
 * The row every track has where it has none, as one shared frozen value: selectors that
 * return it keep their identity from one render to the next (rowOf makes a fresh one).
 */
export const DEFAULT_ROW: Row = deepFreeze(emptyRow());

function deepFreeze(row: Row): Row {
  for (const value of Object.values(row)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(row);
}

/** A track's row in a pattern, the shared DEFAULT_ROW where it has none. */
export function viewRow(session: Pick<Session, 'patterns'> | null, pattern: PatternId, trackId: string): Row {
  return session?.patterns[pattern]?.rows[trackId] ?? DEFAULT_ROW;
}

/** "Pattern A", or "Pattern A: Verse" when it has a name. */
export function patternLabel(session: Pick<Session, 'patterns'> | null, pattern: PatternId): string {
  const name = session?.patterns[pattern]?.name ?? '';
  return name ? `Pattern ${pattern}: ${name}` : `Pattern ${pattern}`;
}
