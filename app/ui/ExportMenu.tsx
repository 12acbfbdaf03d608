/**
 * Export: a MIDI file, or a WAV of a few loops rendered offline (with a progress bar)
 * as this listener hears it (mute and solo apply). The exporters load when the menu
 * first opens; they are not needed to play.
 */
import { useId, useRef, useState } from 'react';
import type { Session } from '../../core';

type Exporters = typeof import('../export');

/** About half a minute of music, whole loops only. */
function loopsFor(exporters: Exporters, session: Session): number {
  const loopSeconds = exporters.wavSeconds(session, 1);
  return Math.min(8, Math.max(1, Math.round(30 / loopSeconds)));
}

export function ExportMenu({ getSession, getAudible }: { getSession: () => Session | null; getAudible: () => ReadonlySet<string> | null }) {
  const id = useId().replace(/:/g, '');
  const exporters = useRef<Promise<Exporters> | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = () => (exporters.current ??= import('../export'));

  const midi = async () => {
    const session = getSession();
    if (session) (await load()).exportMidi(session);
  };

  const wav = async () => {
    const session = getSession();
    if (!session) return;
    setProblem(null);
    setProgress(0);
    try {
      const ex = await load();
      const blob = await ex.exportWav(session, loopsFor(ex, session), setProgress, { audible: getAudible() });
      ex.downloadBlob(blob, ex.exportFileName(session.name, 'wav'));
    } catch (e) {
      setProblem((e as Error).message);
    } finally {
      setProgress(null);
    }
  };

  return (
    <div className="export-menu">
      <button type="button" popoverTarget={`export-${id}`} style={{ ['anchorName' as string]: `--export-${id}` }} onClick={() => void load()}>
        Export
      </button>
      <div
        className="menu"
        role="menu"
        id={`export-${id}`}
        popover="auto"
        style={{ ['positionAnchor' as string]: `--export-${id}` }}
        onClick={(e) => (e.currentTarget as HTMLElement).hidePopover()}
      >
        <button type="button" role="menuitem" onClick={midi}>
          MIDI file
        </button>
        <button type="button" role="menuitem" onClick={wav} disabled={progress !== null}>
          WAV audio
        </button>
      </div>
      {progress !== null && <progress aria-label="Rendering WAV" max={1} value={progress} />}
      {problem && <span role="alert">Export failed: {problem}</span>}
    </div>
  );
}
