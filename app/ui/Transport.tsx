/**
 * Transport and mix: Play/Stop, tempo (type, drag, or tap), swing, Fill (held) and Re-roll
 * (issue 14), the key, master volume, effects, undo/redo and "play together".
 */
import { useEffect, useRef, useState } from 'react';
import { EFFECT_LIMITS, LIMITS, newSeed, type Peer, type Session } from '../../core';
import { KeyControl } from './KeyControl';
import { LevelMeter } from './LevelMeter';
import { useSession, useSessionContext } from './SessionContext';
import { useThrottledCommit, useThrottledValue } from './useThrottledCommit';

/**
 * Whether anyone else in the session is playing: then Play joins them in phase; else it
 * starts at once from the top and moves the shared timeline there.
 */
export function othersArePlaying(state: { peers: readonly Peer[]; selfPeerId: string | null; session: Session | null }): boolean {
  const timeline = state.session?.timeline;
  if (timeline?.together && timeline.playing) return true;
  return state.peers.some((p) => p.playing && p.peerId !== state.selfPeerId);
}

export function usePlayback() {
  const { engine, sync, edits, store } = useSessionContext();
  const play = async () => {
    // A listener follows the shared timeline: it joins, never moves it.
    const join = sync.listenOnly || othersArePlaying(store.getState());
    await engine.play(join ? {} : { atOnce: (anchorMs) => edits.apply({ type: 'start_transport', anchorMs }) });
    sync.setPresence({ playing: true });
    sync.clock.setRefreshing(true);
    if (store.getState().session?.timeline.together) edits.apply({ type: 'set_playing', playing: true });
  };
  const stop = () => {
    engine.stop();
    sync.setPresence({ playing: false });
    sync.clock.setRefreshing(false);
    if (store.getState().session?.timeline.together) edits.apply({ type: 'set_playing', playing: false });
  };
  return { play, stop };
}

export function Transport() {
  const { edits, sync } = useSessionContext();
  /** Listening only: the shared controls show their values and cannot be changed. */
  const listening = sync.listenOnly;
  const { play, stop } = usePlayback();
  const playing = useSession((s) => s.playing);
  // Playback can stop by itself (a song that does not loop ends): others see it.
  const wasPlaying = useRef(playing);
  useEffect(() => {
    if (wasPlaying.current && !playing) {
      sync.setPresence({ playing: false });
      sync.clock.setRefreshing(false);
    }
    wasPlaying.current = playing;
  }, [playing, sync]);
  const session = useSession((s) => s.session);
  const [more, setMore] = useState(false);
  const tempo = session?.tempo ?? 120;
  const [swing, setSwing] = useThrottledValue(session?.swing ?? 0, (swing: number) =>
    edits.apply({ type: 'set_swing', swing }, { group: 'swing' }),
  );
  const setTempo = (value: number) => edits.apply({ type: 'set_tempo', tempo: value }, { group: 'tempo' });

  return (
    <div className="transport" role="group" aria-label="Transport">
      {/* On a phone one row that scrolls sideways, Play first (styles.css); on wider screens it is not a box at all. */}
      <div className="transport-main">
        <button type="button" onClick={play} disabled={!session} aria-pressed={playing} className="play">
          Play
        </button>
        <button type="button" onClick={stop} disabled={!playing} className="stop">
          Stop
        </button>
        <fieldset className="shared-controls" disabled={listening}>
          <TempoControl tempo={tempo} onCommit={setTempo} />
          <FillButton />
        </fieldset>
        {!listening && <History />}
        {/* On a phone the rest is a panel behind this button (styles.css); on wider screens it is inline and the button is hidden. */}
        <button type="button" className="more-toggle" aria-expanded={more} aria-controls="transport-more" onClick={() => setMore(!more)}>
          Mix &amp; more
        </button>
      </div>
      <div id="transport-more" className={`transport-more${more ? ' open' : ''}`}>
        <fieldset className="shared-controls" disabled={listening}>
          <label className="slider">
            Swing
            <input
              type="range"
              min={LIMITS.minSwing}
              max={LIMITS.maxSwing}
              value={swing}
              onChange={(e) => setSwing(Number(e.currentTarget.value))}
            />
            <output>{Math.round(swing)}%</output>
          </label>
          <RerollButton />
          <KeyControl />
        </fieldset>
        <MixControls />
        {!listening && (
          <label className="together">
            <input
              type="checkbox"
              checked={session?.timeline.together ?? false}
              onChange={(e) => edits.apply({ type: 'set_play_together', together: e.currentTarget.checked })}
            />
            Play together
          </label>
        )}
      </div>
    </div>
  );
}

function History() {
  const { edits } = useSessionContext();
  const undoDepth = useSession((s) => s.undoDepth);
  const redoDepth = useSession((s) => s.redoDepth);
  return (
    <div className="history" role="group" aria-label="History">
      <button type="button" onClick={() => edits.undo()} disabled={undoDepth === 0} aria-keyshortcuts="Control+Z Meta+Z">
        Undo
      </button>
      <button type="button" onClick={() => edits.redo()} disabled={redoDepth === 0} aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z">
        Redo
      </button>
    </div>
  );
}

/**
 * Fill is momentary and shared: presence, not an edit (SyncClient.setFill; nothing is
 * stored, a dropped connection lets go). While anyone holds it, steps with the Fill
 * condition play for everyone. Hold the button (pointer or Space / Enter while it has
 * focus) or the F key (Shortcuts.tsx); it shows pressed while anyone holds it.
 */
export function useFillHold() {
  const { sync } = useSessionContext();
  const holding = useRef(false);
  const set = (fill: boolean) => {
    if (holding.current === fill) return;
    holding.current = fill;
    sync.setFill(fill);
  };
  // Letting go anywhere (or leaving the page) releases it: a held Fill must never stick.
  useEffect(() => {
    const release = () => set(false);
    addEventListener('blur', release);
    addEventListener('pointerup', release);
    return () => {
      removeEventListener('blur', release);
      removeEventListener('pointerup', release);
    };
  });
  return { hold: () => set(true), release: () => set(false) };
}

function FillButton() {
  const fill = useSession((s) => s.fillHeld || s.peers.some((p) => p.fill));
  const { hold, release } = useFillHold();
  return (
    <button
      type="button"
      className={`fill${fill ? ' held' : ''}`}
      aria-pressed={fill}
      aria-keyshortcuts="F"
      title="Hold for fills: steps with the Fill condition play while anyone holds it (key: hold F)"
      onPointerDown={(e) => {
        if (e.pointerType === 'mouse' && e.button !== 0) return;
        e.currentTarget.releasePointerCapture?.(e.pointerId);
        hold();
      }}
      onPointerUp={release}
      onPointerLeave={release}
      onPointerCancel={release}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        if (e.key !== ' ' && e.key !== 'Enter') return;
        e.preventDefault();
        if (!e.repeat) hold();
      }}
      onKeyUp={(e) => {
        if (e.key !== ' ' && e.key !== 'Enter') return;
        e.preventDefault();
        release();
      }}
      onBlur={release}
    >
      Fill
    </button>
  );
}

/** A new seed for every random choice (probability, random fill), for everyone; undo brings the old one back. */
function RerollButton() {
  const { edits, store } = useSessionContext();
  const reroll = () => {
    edits.apply({ type: 'set_seed', seed: newSeed(store.getState().session?.seed) });
  };
  return (
    <button type="button" className="reroll" onClick={reroll} title="New random choices for every listener (undoable)">
      Re-roll
    </button>
  );
}

function MixControls() {
  const { store } = useSessionContext();
  const masterVolume = useSession((s) => s.masterVolume);
  const masterEffects = useSession((s) => s.masterEffects);
  return (
    <div className="mix" role="group" aria-label="Mix">
      <label className="slider">
        Master
        <input
          type="range"
          min={0}
          max={1}
          step={0.01}
          value={masterVolume}
          onChange={(e) => store.setState({ masterVolume: Number(e.currentTarget.value) })}
        />
      </label>
      <LevelMeter source="master" label="Master level" />
      {(['drive', 'chorus'] as const).map((param) => (
        <label className="slider" key={param} title="The master's own, yours alone (like the master volume)">
          {param === 'drive' ? 'Master drive' : 'Master chorus'}
          <input
            type="range"
            min={0}
            max={1}
            step={0.01}
            value={masterEffects[param]}
            onChange={(e) => store.setState({ masterEffects: { ...masterEffects, [param]: Number(e.currentTarget.value) } })}
            onDoubleClick={() => store.setState({ masterEffects: { ...masterEffects, [param]: 0 } })}
          />
        </label>
      ))}
      {(['reverb', 'delay', 'delayFeedback'] as const).map((param) => (
        <EffectSlider key={param} param={param} />
      ))}
    </div>
  );
}

function EffectSlider({ param }: { param: keyof typeof EFFECT_LIMITS }) {
  const { edits, sync } = useSessionContext();
  const [value, setValue] = useThrottledValue(
    useSession((s) => s.session?.effects[param] ?? 0),
    (value: number) => edits.apply({ type: 'set_effect', param, value }, { group: `effect:${param}` }),
  );
  return (
    <label className="slider">
      {param === 'reverb' ? 'Reverb' : param === 'delay' ? 'Delay' : 'Feedback'}
      <input
        type="range"
        disabled={sync.listenOnly}
        min={EFFECT_LIMITS[param].min}
        max={EFFECT_LIMITS[param].max}
        step={0.01}
        value={value}
        onChange={(e) => setValue(Number(e.currentTarget.value))}
      />
    </label>
  );
}

/**
 * Tempo: type a value (Enter, blur or arrow keys commit), drag the BPM label up or
 * down, or tap the Tap button on the beat.
 */
function TempoControl({ tempo, onCommit }: { tempo: number; onCommit: (tempo: number) => void }) {
  const [draft, setDraft] = useState(String(tempo));
  const [focused, setFocused] = useState(false);
  const taps = useRef<number[]>([]);
  const commitThrottled = useThrottledCommit(onCommit, 100);
  useEffect(() => {
    if (!focused) setDraft(String(tempo));
  }, [tempo, focused]);

  const clamp = (value: number) => Math.min(LIMITS.maxTempo, Math.max(LIMITS.minTempo, Math.round(value * 10) / 10));
  const commit = (text: string) => {
    const value = Number(text);
    if (text.trim() !== '' && Number.isFinite(value) && value >= LIMITS.minTempo && value <= LIMITS.maxTempo) {
      if (value !== tempo) onCommit(Math.round(value * 100) / 100);
    } else {
      setDraft(String(tempo));
    }
  };

  const startDrag = (e: React.PointerEvent<HTMLSpanElement>) => {
    const startY = e.clientY;
    const start = tempo;
    const onMove = (ev: PointerEvent) => commitThrottled(clamp(start + (startY - ev.clientY) / 2));
    const onUp = () => {
      removeEventListener('pointermove', onMove);
      removeEventListener('pointerup', onUp);
    };
    addEventListener('pointermove', onMove);
    addEventListener('pointerup', onUp);
  };

  const tap = () => {
    const now = performance.now();
    const recent = [...taps.current.filter((t) => now - t < 2500), now];
    taps.current = recent;
    if (recent.length >= 3) {
      const intervals = recent.slice(1).map((t, i) => t - recent[i]!);
      const mean = intervals.reduce((a, b) => a + b, 0) / intervals.length;
      onCommit(clamp(60_000 / mean));
    }
  };

  return (
    <div className="tempo">
      <label>
        <span>Tempo</span>
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
          onKeyDown={(e) => e.key === 'Enter' && commit(e.currentTarget.value)}
          onKeyUp={(e) => (e.key === 'ArrowUp' || e.key === 'ArrowDown') && commit(e.currentTarget.value)}
        />
      </label>
      <span className="unit drag-tempo" onPointerDown={startDrag} title="Drag up or down to change the tempo" aria-hidden="true">
        BPM ↕
      </span>
      <button type="button" onClick={tap} aria-label="Tap along to set the speed" title="Tap tempo">
        Tap
      </button>
    </div>
  );
}
