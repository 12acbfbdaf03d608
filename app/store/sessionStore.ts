/**
 * The app's state, in a vanilla zustand store so the sync client and the audio
 * engine subscribe without React; components use the thin hooks below.
 */
import { createStore, useStore } from 'zustand';
import type { PatternId, Peer, Row, Session } from '../../core';
import { DEFAULT_MASTER_EFFECTS, type MasterEffects } from '../audio/masterEffects';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';
/**
 * Why the session cannot be shown: it does not exist, it is full, this page is too old
 * for the room (reload), or the room cannot read what it stores.
 */
export type LoadProblem = 'not_found' | 'session_full' | 'outdated' | 'unreadable' | null;

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface StepSelection {
  pattern: PatternId;
  steps: { trackId: string; step: number }[];
}

export interface SessionState {
  sessionId: string | null;
  /** What the user sees and hears: confirmed state plus pending edits. Null until loaded. */
  session: Session | null;
  version: number;
  pendingCount: number;
  status: ConnectionStatus;
  problem: LoadProblem;
  peers: Peer[];
  /** How many listen (by a listen link, or read-only in a full session): counted, not listed. */
  listeners: number;
  /** This listener holds Fill (SyncClient.setFill); others' holds are in `peers`. */
  fillHeld: boolean;
  selfPeerId: string | null;
  notices: Notice[];
  /** Listening controls: local to this listener, never synced. */
  muted: Record<string, boolean>;
  soloed: Record<string, boolean>;
  masterVolume: number;
  /** The master chain's optional drive and chorus (app/audio/masterChain.ts), 0…1 each. */
  masterEffects: MasterEffects;
  playing: boolean;
  /** Recent remote edits, for a flash in the author's colour: key `${trackId}:${step}`. */
  flashes: Record<string, { color: string; until: number }>;
  /** The track whose velocity and pitch lanes are open (local UI state). */
  selectedTrackId: string | null;
  /**
   * The pattern this editor views and edits (local, like mute; presence tells others).
   * Null until settled: read it with viewedPatternOf (app/store/patternView.ts).
   */
  viewedPattern: PatternId | null;
  /** "Copy row" of a track's menu: what "Paste row" puts into the viewed pattern. */
  rowClipboard: { row: Row; trackName: string; pattern: PatternId } | null;
  /**
   * The steps whose expression panel is open (local UI state): `${trackId}:${step}` keys in
   * `pattern`, in the order they were selected. A change in the panel applies to each.
   */
  stepSelection: StepSelection | null;
  /** "Select steps" mode (touch): a tap selects a step instead of lighting it. */
  selectMode: boolean;
  undoDepth: number;
  redoDepth: number;
  /** Saving pending edits in this browser fails (storage full): a reload could lose them. */
  unsaved: boolean;
  /** The room runs a newer Keyboardia that still serves this page: a reload is offered. */
  updateAvailable: boolean;
}

export const initialSessionState: SessionState = {
  sessionId: null,
  session: null,
  version: 0,
  pendingCount: 0,
  status: 'connecting',
  problem: null,
  peers: [],
  listeners: 0,
  fillHeld: false,
  selfPeerId: null,
  notices: [],
  muted: {},
  soloed: {},
  masterVolume: 0.8,
  masterEffects: DEFAULT_MASTER_EFFECTS,
  playing: false,
  flashes: {},
  selectedTrackId: null,
  viewedPattern: null,
  rowClipboard: null,
  stepSelection: null,
  selectMode: false,
  undoDepth: 0,
  redoDepth: 0,
  unsaved: false,
  updateAvailable: false,
};

export type SessionStore = ReturnType<typeof createSessionStore>;

export function createSessionStore() {
  return createStore<SessionState>()(() => ({ ...initialSessionState }));
}

let nextNoticeId = 1;
export function pushNotice(store: SessionStore, kind: Notice['kind'], text: string): void {
  const notice = { id: nextNoticeId++, kind, text };
  store.setState((s) => ({ notices: [...s.notices.slice(-4), notice] }));
  setTimeout(() => store.setState((s) => ({ notices: s.notices.filter((n) => n !== notice) })), 6000);
}

/**
 * Resolves true once every edit made here has been acknowledged by the room (nothing
 * pending), false if that takes longer than `timeoutMs` (offline, say). Publishing and
 * remixing copy the room's state: they wait for this, so what you see is what is copied.
 */
export function whenAcknowledged(store: SessionStore, timeoutMs: number): Promise<boolean> {
  if (store.getState().pendingCount === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve(false);
    }, timeoutMs);
    const unsubscribe = store.subscribe((s) => {
      if (s.pendingCount !== 0) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(true);
    });
  });
}

type ListeningState = Pick<SessionState, 'session' | 'muted' | 'soloed'>;

/** Whether a track is heard: solo wins over mute (any soloed track silences the unsoloed). */
export function isAudible(state: ListeningState, trackId: string): boolean {
  const anySolo = state.session?.tracks.some((t) => state.soloed[t.id]) ?? false;
  return anySolo ? !!state.soloed[trackId] : !state.muted[trackId];
}

/** The ids of every track that is heard. */
export function audibleTracks(state: ListeningState): Set<string> {
  return new Set((state.session?.tracks ?? []).filter((t) => isAudible(state, t.id)).map((t) => t.id));
}

export function useSessionState<T>(store: SessionStore, selector: (s: SessionState) => T): T {
  return useStore(store, selector);
}
