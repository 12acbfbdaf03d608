/**
 * Export: a MIDI file, or a WAV rendered offline as this listener hears it (mute and
 * solo apply). "WAV audio…" asks for the length (whole bars, or seconds rounded to
 * whole bars; about half a minute unless told otherwise), then renders in the
 * background with a progress bar and a Cancel button, the page usable all along.
 * The exporters load when the menu first opens; they are not needed to play.
 */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { defaultRender, patternsInUse, type RenderTarget, type Session } from '../../core';

type Exporters = typeof import('../export');
type Unit = 'bars' | 'seconds';

type WavState =
  | { phase: 'idle' }
  | { phase: 'rendering'; progress: number }
  | { phase: 'done'; fileName: string; seconds: number }
  | { phase: 'failed'; message: string };

/** "4:12", "31.2 s". */
function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The length typed in the dialog, as whole bars, or why it cannot be. */
function chosenBars(ex: Exporters, session: Session, amount: string, unit: Unit): { bars: number } | { error: string } {
  const value = Number(amount);
  const max = ex.maxWavBars(session);
  const limit = `The limit is ${formatSeconds(ex.MAX_WAV_SECONDS)} (${plural(max, 'bar')} at ${Math.round(session.tempo)} BPM).`;
  if (amount.trim() === '' || !Number.isFinite(value) || value <= 0) return { error: `Enter a length above 0 ${unit}.` };
  if (unit === 'bars') {
    if (!Number.isInteger(value)) return { error: 'Enter a whole number of bars.' };
    if (value > max) return { error: limit };
    return { bars: value };
  }
  if (value > ex.MAX_WAV_SECONDS) return { error: limit };
  return { bars: ex.barsForSeconds(session, value) };
}

export function ExportMenu({ getSession, getAudible }: { getSession: () => Session | null; getAudible: () => ReadonlySet<string> | null }) {
  const id = useId().replace(/:/g, '');
  const exporters = useRef<Promise<Exporters> | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const running = useRef<AbortController | null>(null);
  const [asking, setAsking] = useState<{ ex: Exporters; session: Session } | null>(null);
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState<Unit>('bars');
  /** What the WAV plays: the song, or one pattern looped. */
  const [target, setTarget] = useState<RenderTarget>({ song: true });
  const [wav, setWav] = useState<WavState>({ phase: 'idle' });
  const load = () => (exporters.current ??= import('../export'));

  // Leaving the page stops an export in progress.
  useEffect(() => () => running.current?.abort(), []);
  useEffect(() => {
    if (asking) dialog.current?.showModal();
  }, [asking]);

  const midi = async () => {
    const session = getSession();
    if (session) (await load()).exportMidi(session);
  };

  const askWav = async () => {
    const session = getSession();
    if (!session) return;
    let ex: Exporters;
    try {
      ex = await load();
    } catch (e) {
      exporters.current = null; // try again next time
      setWav({ phase: 'failed', message: (e as Error).message });
      return;
    }
    // Tone.js and the renderer load while the length is chosen, not when the export starts.
    void ex.preloadWavRenderer().catch(() => undefined);
    setUnit('bars');
    const what = defaultRender(session);
    setTarget(what);
    // A song is exported whole (when it fits); a pattern for about DEFAULT_WAV_SECONDS.
    setAmount(String((what.song && ex.cycleBars(session, what)) || ex.barsForSeconds(session, ex.DEFAULT_WAV_SECONDS)));
    setAsking({ ex, session });
  };

  const changeUnit = (next: Unit) => {
    if (!asking || next === unit) return;
    const { ex, session } = asking;
    const choice = chosenBars(ex, session, amount, unit);
    // The same length in the other unit (seconds → the bars they round to).
    if ('bars' in choice) setAmount(next === 'bars' ? String(choice.bars) : String(Number(ex.wavSeconds(session, choice.bars).toFixed(2))));
    setUnit(next);
  };

  const startWav = async (event: FormEvent) => {
    event.preventDefault();
    if (!asking) return;
    const { ex } = asking;
    // The session as it is now (it may have changed while the dialog was open).
    const session = getSession() ?? asking.session;
    const choice = chosenBars(ex, session, amount, unit);
    if (!('bars' in choice)) return;
    dialog.current?.close();
    const controller = new AbortController();
    running.current = controller;
    setWav({ phase: 'rendering', progress: 0 });
    try {
      const blob = await ex.exportWav(session, choice.bars, {
        target,
        audible: getAudible(),
        signal: controller.signal,
        onProgress: (progress) => setWav({ phase: 'rendering', progress }),
      });
      const fileName = ex.exportFileName(session.name, 'wav');
      ex.downloadBlob(blob, fileName);
      setWav({ phase: 'done', fileName, seconds: ex.wavSeconds(session, choice.bars) });
    } catch (e) {
      setWav(controller.signal.aborted ? { phase: 'idle' } : { phase: 'failed', message: (e as Error).message });
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const choice = asking && chosenBars(asking.ex, asking.session, amount, unit);
  const cycle = asking ? asking.ex.cycleBars(asking.session, target) : null;
  const chooseTarget = (value: string) => {
    const next: RenderTarget =
      value === 'song' ? { song: true } : { song: false, pattern: value as Extract<RenderTarget, { song: false }>['pattern'] };
    setTarget(next);
    if (asking && next.song) {
      const whole = asking.ex.cycleBars(asking.session, next);
      if (whole) {
        setUnit('bars');
        setAmount(String(whole));
      }
    }
  };

  return (
    <div className="export-menu">
      <button
        type="button"
        popoverTarget={`export-${id}`}
        style={{ ['anchorName' as string]: `--export-${id}` }}
        onClick={() => {
          void load();
          if (wav.phase === 'done' || wav.phase === 'failed') setWav({ phase: 'idle' });
        }}
      >
        Export
      </button>
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: a menu item's click (mouse, Enter or Space) bubbles here to close the menu */}
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
        <button type="button" role="menuitem" onClick={askWav} disabled={wav.phase === 'rendering'}>
          WAV audio…
        </button>
      </div>
      {wav.phase === 'rendering' && (
        <span className="export-progress">
          <progress aria-label="Rendering WAV" max={1} value={wav.progress} />
          <span aria-hidden="true">{Math.floor(wav.progress * 100)} %</span>
          <button type="button" aria-label="Cancel WAV export" onClick={() => running.current?.abort()}>
            Cancel
          </button>
        </span>
      )}
      {wav.phase === 'done' && (
        <span className="export-progress" role="status">
          <progress aria-label="Rendering WAV" max={1} value={1} />
          <span>
            100 % · saved {wav.fileName} ({formatSeconds(wav.seconds)})
          </span>
        </span>
      )}
      {wav.phase === 'failed' && <span role="alert">Export failed: {wav.message}</span>}
      {asking && (
        <dialog ref={dialog} className="share-dialog export-dialog" aria-label="Export WAV" onClose={() => setAsking(null)}>
          <h2>Export WAV</h2>
          <form onSubmit={startWav}>
            <label className="field">
              What
              <select value={target.song ? 'song' : target.pattern} onChange={(e) => chooseTarget(e.currentTarget.value)}>
                {asking.session.song.entries.length > 0 && <option value="song">The song</option>}
                {patternsInUse(asking.session).map((p) => (
                  <option key={p} value={p}>
                    Pattern {p}
                    {asking.session.patterns[p]?.name ? `: ${asking.session.patterns[p]!.name}` : ''} (looped)
                  </option>
                ))}
              </select>
            </label>
            <div className="row">
              <label className="field">
                Length
                <input
                  type="number"
                  min={unit === 'bars' ? 1 : 0}
                  step="any"
                  required
                  value={amount}
                  onChange={(e) => setAmount(e.currentTarget.value)}
                />
              </label>
              <label className="field">
                Unit
                <select value={unit} onChange={(e) => changeUnit(e.currentTarget.value as Unit)}>
                  <option value="bars">bars</option>
                  <option value="seconds">seconds</option>
                </select>
              </label>
            </div>
            <p role="status" className={choice && 'error' in choice ? 'problem' : undefined}>
              {choice &&
                ('error' in choice
                  ? choice.error
                  : `${plural(choice.bars, 'bar')} · ${formatSeconds(asking.ex.wavSeconds(asking.session, choice.bars))}: 16-bit stereo WAV, loops seamlessly`)}
            </p>
            {choice && 'bars' in choice && (cycle === null || choice.bars % cycle !== 0) && (
              <p className="note">
                {target.song
                  ? cycle === null
                    ? 'The song is longer than 10 minutes.'
                    : `The song is ${plural(cycle, 'bar')} long (${formatSeconds(asking.ex.wavSeconds(asking.session, cycle))}).`
                  : cycle === null
                    ? 'The tracks line up again only after more than 10 minutes.'
                    : `The tracks line up again every ${plural(cycle, 'bar')} (${formatSeconds(asking.ex.wavSeconds(asking.session, cycle))}).`}{' '}
                {target.song
                  ? 'This file loops as bars: at its end, the song starts again.'
                  : 'This file loops as bars: at its end, tracks of other lengths start again from their first step.'}
                {cycle !== null && (
                  <>
                    {' '}
                    <button
                      type="button"
                      className="link"
                      onClick={() => {
                        setUnit('bars');
                        setAmount(String(cycle));
                      }}
                    >
                      {target.song ? 'Whole song' : 'Whole cycle'}: {plural(cycle, 'bar')}
                    </button>
                  </>
                )}
              </p>
            )}
            <div className="row">
              <button type="submit" disabled={!choice || !('bars' in choice)}>
                Export
              </button>
              <button type="button" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
            </div>
          </form>
        </dialog>
      )}
    </div>
  );
}
