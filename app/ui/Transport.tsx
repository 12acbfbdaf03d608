import { useEffect, useState } from 'react';
import { LIMITS } from '../../core';
import { useSession, useSessionContext } from './SessionContext';

/** Play/Stop and tempo. */
export function Transport() {
  const { engine, sync } = useSessionContext();
  const playing = useSession((s) => s.playing);
  const tempo = useSession((s) => s.session?.tempo ?? 120);
  const loaded = useSession((s) => s.session !== null);

  const play = async () => {
    await engine.play();
    sync.setPresence({ playing: true });
    sync.clock.setRefreshing(true);
  };
  const stop = () => {
    engine.stop();
    sync.setPresence({ playing: false });
    sync.clock.setRefreshing(false);
  };

  return (
    <div className="transport" role="group" aria-label="Transport">
      <button onClick={play} disabled={!loaded} aria-pressed={playing} className="play">
        Play
      </button>
      <button onClick={stop} disabled={!playing} className="stop">
        Stop
      </button>
      <TempoInput tempo={tempo} onCommit={(value) => sync.mutate({ type: 'set_tempo', tempo: value })} />
    </div>
  );
}

/** Typing edits a draft; Enter, blur or the arrow keys commit a valid tempo. */
function TempoInput({ tempo, onCommit }: { tempo: number; onCommit: (tempo: number) => void }) {
  const [draft, setDraft] = useState(String(tempo));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setDraft(String(tempo));
  }, [tempo, focused]);

  const commit = (text: string) => {
    const value = Number(text);
    if (Number.isFinite(value) && value >= LIMITS.minTempo && value <= LIMITS.maxTempo) {
      if (value !== tempo) onCommit(Math.round(value * 100) / 100);
    } else {
      setDraft(String(tempo));
    }
  };

  return (
    <label className="tempo">
      Tempo
      <input
        type="number"
        min={LIMITS.minTempo}
        max={LIMITS.maxTempo}
        step={1}
        value={draft}
        onFocus={() => setFocused(true)}
        onBlur={(e) => {
          setFocused(false);
          commit(e.currentTarget.value);
        }}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit(e.currentTarget.value);
        }}
        onKeyUp={(e) => {
          if (e.key === 'ArrowUp' || e.key === 'ArrowDown') commit(e.currentTarget.value);
        }}
      />
      <span className="unit">BPM</span>
    </label>
  );
}
