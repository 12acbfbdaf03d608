/** The per-session objects the editor's components share (created once per session id). */
import { createContext, useContext } from 'react';
import type { AudioEngine } from '../audio/AudioEngine';
import type { EditController } from '../store/EditController';
import type { SessionState, SessionStore } from '../store/sessionStore';
import { useSessionState } from '../store/sessionStore';
import type { SyncClient } from '../sync/SyncClient';

export interface SessionContextValue {
  store: SessionStore;
  sync: SyncClient;
  engine: AudioEngine;
  edits: EditController;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('SessionContext missing');
  return value;
}

export function useSession<T>(selector: (s: SessionState) => T): T {
  return useSessionState(useSessionContext().store, selector);
}
