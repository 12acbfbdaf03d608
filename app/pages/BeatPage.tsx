/**
 * A published beat: read-only. It plays (mute and solo are local), shows name,
 * tempo and grid, and offers Remix, Share, Embed and Export. It never opens a
 * WebSocket: the beat comes inlined in the page (or from GET /api/beats/<id>).
 */
import { useEffect, useMemo, useState } from 'react';
import {
  type BeatDocument,
  cueAt,
  embedSnippet,
  fromTheTop,
  INLINE_BEAT_ELEMENT_ID,
  openingPattern,
  type PatternId,
  rowOf,
  type Session,
} from '../../core';
import { getBeat, remixBeat } from '../api';
import { navigate } from '../navigate';
import { AudioEngine, playheadStore } from '../audio/AudioEngine';
import { audibleTracks, createSessionStore, isAudible, useSessionState, type SessionStore } from '../store/sessionStore';
import { instrumentName } from '../sounds/names';
import { ExportMenu } from '../ui/ExportMenu';
import { Playhead, startOfPattern } from '../ui/Grid';
import { ShareDialog } from '../ui/ShareDialog';

function inlinedBeat(beatId: string): BeatDocument | null {
  const el = document.getElementById(INLINE_BEAT_ELEMENT_ID);
  if (!el?.textContent) return null;
  try {
    const beat = JSON.parse(el.textContent) as BeatDocument;
    return beat.beatId === beatId ? beat : null;
  } catch {
    return null;
  }
}

export function BeatPage({ beatId }: { beatId: string }) {
  const [beat, setBeat] = useState<BeatDocument | null | 'missing'>(() => inlinedBeat(beatId));
  useEffect(() => {
    if (beat) return;
    getBeat(beatId).then(setBeat, () => setBeat('missing'));
  }, [beatId, beat]);

  if (beat === 'missing') {
    return (
      <main className="page-message">
        <h1>Beat not found</h1>
        <p>
          This link does not lead to a published beat. <a href="/">Make your own</a>
        </p>
      </main>
    );
  }
  if (!beat) return <p className="loading">Loading beat…</p>;
  return <BeatPlayer beat={beat} />;
}

function BeatPlayer({ beat }: { beat: BeatDocument }) {
  const store = useMemo<SessionStore>(() => {
    const s = createSessionStore();
    // A beat plays from the top: its song when it has one.
    s.setState({ session: fromTheTop(beat), status: 'connected' });
    return s;
  }, [beat]);
  // No server here: the beat plays on this browser's own clock.
  const engine = useMemo(() => new AudioEngine(store, () => Date.now()), [store]);
  const playing = useSessionState(store, (s) => s.playing);
  const [sharing, setSharing] = useState<'share' | 'embed' | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    engine.attach();
    document.title = `${beat.name} · Keyboardia`;
    return () => engine.detach();
  }, [engine, beat.name]);

  // Nobody else listens on this page's clock: Play starts the beat from its top at once.
  const startHere = (anchorMs: number) => {
    const session = store.getState().session!;
    store.setState({ session: { ...fromTheTop(session), timeline: { ...session.timeline, anchorMs } } });
  };

  const remix = async () => {
    setBusy(true);
    setFailure(null);
    try {
      navigate((await remixBeat(beat.beatId)).url);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  };

  return (
    <div className="editor beat-page">
      <header className="editor-header">
        <a className="logo small" href="/">
          Keyboardia
        </a>
        <div className="session-title">
          <h1 className="session-name">{beat.name}</h1>
          <p className="lineage">
            Published beat · {Math.round(beat.tempo)} BPM{beat.swing > 0 ? ` · swing ${Math.round(beat.swing)}%` : ''}
          </p>
        </div>
        <div className="session-actions" role="group" aria-label="Beat">
          <button type="button" className="primary" onClick={remix} disabled={busy}>
            Remix
          </button>
          <button type="button" onClick={() => setSharing('share')}>
            Share
          </button>
          <button type="button" onClick={() => setSharing('embed')}>
            Embed
          </button>
          <ExportMenu getSession={() => beat} getAudible={() => audibleTracks(store.getState())} />
        </div>
      </header>
      <main>
        <div className="transport" role="group" aria-label="Transport">
          <button type="button" className="play" aria-pressed={playing} onClick={() => void engine.play({ atOnce: startHere })}>
            Play
          </button>
          <button type="button" className="stop" disabled={!playing} onClick={() => engine.stop()}>
            Stop
          </button>
          <output className="tempo-readout" aria-label="Tempo">
            {Math.round(beat.tempo)} BPM
          </output>
        </div>
        {failure && (
          <p className="notice notice-error" role="alert">
            The remix could not be made: {failure}. Try again in a moment.
          </p>
        )}
        <SongOutline session={beat} />
        <ReadOnlyGrid store={store} session={beat} />
      </main>
      {sharing && (
        <ShareDialog
          title={sharing === 'embed' ? 'Embed this beat' : 'Share this beat'}
          link={`${location.origin}/b/${beat.beatId}`}
          note={
            sharing === 'embed'
              ? 'Paste this snippet into any page: a small player that plays the beat and links back here.'
              : 'Listeners can play and remix it; nobody can change it.'
          }
          embed={embedSnippet(location.origin, beat.beatId, beat.name)}
          onClose={() => setSharing(null)}
        />
      )}
    </div>
  );
}

/** The song, when the beat has one: its entries in order, the one sounding marked. */
function SongOutline({ session }: { session: Session }) {
  const entry = usePlayingCue(session)?.entry ?? null;
  if (session.song.entries.length === 0) return null;
  return (
    <ol className="song-outline" aria-label="Song">
      {session.song.entries.map((e, i) => (
        <li key={e.id} aria-current={i === entry ? 'step' : undefined}>
          {e.pattern}
          {e.repeats > 1 ? ` ×${e.repeats}` : ''}
        </li>
      ))}
    </ol>
  );
}

/** What sounds now (from the playhead), or null when stopped; re-renders only when the pattern or entry changes. */
function usePlayingCue(session: Session) {
  const [cue, setCue] = useState<{ pattern: PatternId; entry: number | null } | null>(null);
  useEffect(() => {
    const update = (globalStep: number | null) => {
      const next = globalStep === null ? null : cueAt(fromTheTop(session), globalStep);
      setCue((old) =>
        old?.pattern === next?.pattern && old?.entry === next?.entry ? old : next && { pattern: next.pattern, entry: next.entry },
      );
    };
    update(playheadStore.getState().globalStep);
    return playheadStore.subscribe((s) => update(s.globalStep));
  }, [session]);
  return cue;
}

function ReadOnlyGrid({ store, session }: { store: SessionStore; session: Session }) {
  // The grid shows the pattern sounding, or the one a listener hears first.
  const pattern = usePlayingCue(session)?.pattern ?? openingPattern(session);
  // Rows count from where their pattern started (a song entry's start).
  const startOf = useMemo(() => startOfPattern(() => store.getState().session, pattern), [store, pattern]);
  const muted = useSessionState(store, (s) => s.muted);
  const soloed = useSessionState(store, (s) => s.soloed);
  return (
    <div className="grid read-only" role="grid" aria-label={`Pattern ${pattern}`} aria-readonly="true">
      {session.tracks.map((track) => {
        const silent = !isAudible({ session, muted, soloed }, track.id);
        const row = rowOf(session, pattern, track.id);
        return (
          <div className={`track-row${silent ? ' silent' : ''}`} role="row" key={track.id}>
            <div className="track-header" role="rowheader">
              <span className="track-title">{track.name}</span>
              <span className="instrument-name">{instrumentName(session, track.instrument)}</span>
              <button
                type="button"
                className="toggle mute"
                aria-label={`Mute ${track.name}`}
                aria-pressed={!!muted[track.id]}
                onClick={() => store.setState((s) => ({ muted: { ...s.muted, [track.id]: !s.muted[track.id] } }))}
              >
                M
              </button>
              <button
                type="button"
                className="toggle solo"
                aria-label={`Solo ${track.name}`}
                aria-pressed={!!soloed[track.id]}
                onClick={() => store.setState((s) => ({ soloed: { ...s.soloed, [track.id]: !s.soloed[track.id] } }))}
              >
                S
              </button>
            </div>
            <div className="steps" role="presentation" style={{ ['--steps' as string]: row.length }}>
              {Array.from({ length: row.length }, (_, step) => (
                // As in the editor's grid, the state is on a toggle inside the cell: disabled here,
                // it is still announced as pressed or not.
                <div key={step} role="gridcell" className="step-cell">
                  <button
                    type="button"
                    disabled
                    className={`step${step % 4 === 0 ? ' beat' : ''}`}
                    aria-label={`${track.name} step ${step + 1}`}
                    aria-pressed={row.steps[step] ?? false}
                    style={{ ['--velocity' as string]: (row.velocities[step] ?? 100) / 127 }}
                  />
                </div>
              ))}
              <Playhead length={row.length} startOf={startOf} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
