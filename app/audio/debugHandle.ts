/**
 * `window.__keyboardiaAudio`: a handle on the audio layer for end-to-end tests and
 * the console (the editor's own `window.__keyboardia` holds the store, sync and
 * engine). It renders any session offline, without touching the live transport.
 * The renderer is a separate chunk, loaded on first use.
 */
import type { Session } from '../../core';
import type { RenderOptions } from './offlineRender';
import { instrumentStatus, loadInstrument, sampleFiles } from './samples';
import { CLICK_INSTRUMENT, VOICED_INSTRUMENTS } from './voices';

export interface AudioDebugHandle {
  renderSession(session: Session, options?: RenderOptions): Promise<AudioBuffer>;
  loadInstrument: typeof loadInstrument;
  instrumentStatus: typeof instrumentStatus;
  /** Instrument ids with a voice, including the test click. */
  voiced: readonly string[];
  clickInstrument: string;
  sampleFiles: string[];
}

export function exposeAudioDebugHandle(): void {
  if (typeof window === 'undefined') return;
  const handle: AudioDebugHandle = {
    renderSession: async (session, options) => (await import('./offlineRender')).renderSession(session, options),
    loadInstrument,
    instrumentStatus,
    voiced: VOICED_INSTRUMENTS,
    clickInstrument: CLICK_INSTRUMENT,
    sampleFiles: sampleFiles(),
  };
  (window as unknown as { __keyboardiaAudio?: AudioDebugHandle }).__keyboardiaAudio = handle;
}
