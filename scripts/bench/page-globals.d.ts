// What the editor page exposes for tests and the bench (app/pages/EditorPage.tsx,
// app/audio/debugHandle.ts), as far as the bench reads it. The bench's page.evaluate
// callbacks run in the page and read these off `window`; declared here for the scripts'
// type-check only.
import type { Session } from '../../core/index.ts';
import type { Levels } from '../../app/audio/meter.ts';

export interface Scheduled {
  globalStep: number;
  serverMs: number;
  pattern: string;
}

declare global {
  interface Window {
    __keyboardia: {
      engine: { scheduled: Scheduled[]; realignments: number };
      sync: { serverNow(): number; clock: { estimate(): { rtt: number | null } } };
      store: { getState(): { session: Session } };
      edits: { apply(mutation: unknown): boolean };
    };
    __keyboardiaAudio: {
      renderSession(
        session: Session,
        options: { steps?: number; loops?: number; tailSeconds: number; sampleRate: number },
      ): Promise<AudioBuffer>;
      meter(buffer: AudioBuffer): Promise<Levels>;
    };
    __benchClick: number;
    __benchClicks: { serverMs: number; perf: number }[];
  }
}
