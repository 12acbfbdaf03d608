import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { TEMPLATES, type GalleryMetadata, type Row, type Session } from '../../core';
import type { EmbedPlayback } from '../embed/playback';
import { createSession, getBeat, listGallery } from '../api';
import { navigate } from '../navigate';
import { listRecentSessions } from '../store/recentSessions';
import { requestAutoplay } from '../ui/autoplay';

export function LandingPage() {
  const player = useCardPlayer();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    document.title = 'Keyboardia · make beats together';
  }, []);

  async function start(template: string) {
    setBusy(true);
    setProblem(null);
    // This click is the user gesture that unlocks audio: the groove starts playing on arrival.
    requestAutoplay();
    try {
      const { url } = await createSession(template);
      navigate(url);
    } catch (e) {
      setProblem((e as Error).message);
      setBusy(false);
    }
  }

  return (
    <main className="landing">
      <h1 className="logo">Keyboardia</h1>
      <p className="tagline">Make beats together, in your browser. Open a link, hear a groove, edit it with friends.</p>
      <button type="button" className="big-button" onClick={() => start('starter')} disabled={busy}>
        New beat
      </button>
      <section aria-label="Start from an example">
        <h2>Or start from</h2>
        <ul className="examples">
          {TEMPLATES.filter((t) => t.id !== 'starter').map((t) => (
            <li key={t.id}>
              <button type="button" onClick={() => start(t.id)} disabled={busy}>
                {t.name} <small>{t.tempo} BPM</small>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {problem && <p role="alert">Could not create a session: {problem}</p>}
      <Examples player={player} />
      <RecentSessions />
      <Gallery player={player} />
    </main>
  );
}

/** Which card plays (or is loading its sound), and the one button every card toggles it with. */
interface CardPlayer {
  now: { key: string; state: 'loading' | 'playing' } | null;
  problem: string | null;
  toggle(key: string, load: () => Promise<Session>): void;
}

/**
 * One card plays at a time, right on the landing page: Play loads the player chunk
 * (./cardPlayback: Tone, the voices, the embed's playback) on first use, never with the page.
 */
function useCardPlayer(): CardPlayer {
  const [now, setNow] = useState<CardPlayer['now']>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const current = useRef<{ press: number; key: string | null; context: AudioContext | null; playback: EmbedPlayback | null }>({
    press: 0,
    key: null,
    context: null,
    playback: null,
  });
  // Leaving the page (a card's link, New beat) stops the card.
  useEffect(() => () => current.current.playback?.dispose(), []);

  const toggle = useCallback((key: string, load: () => Promise<Session>) => {
    const c = current.current;
    const mine = ++c.press;
    const wasPlaying = c.key;
    c.playback?.dispose();
    c.playback = null;
    c.key = null;
    setProblem(null);
    if (wasPlaying === key) {
      setNow(null);
      return;
    }
    c.key = key;
    setNow({ key, state: 'loading' });
    // Made and resumed inside the click itself: the one gesture every browser accepts.
    c.context ??= new AudioContext({ latencyHint: 'interactive' });
    void c.context.resume();
    const made = c.context;
    const stopped = () => {
      if (mine !== c.press) return;
      c.press++;
      c.playback?.dispose();
      c.playback = null;
      c.key = null;
      setNow(null);
    };
    void (async () => {
      try {
        const [{ cardPlayback }, session] = await Promise.all([import('./cardPlayback'), load()]);
        if (mine !== c.press) return;
        const playback = cardPlayback(session, made, stopped);
        c.playback = playback;
        await playback.start(() => mine === c.press);
        if (mine === c.press) setNow({ key, state: 'playing' });
      } catch (e) {
        if (mine !== c.press) return;
        stopped();
        setProblem((e as Error).message);
      }
    })();
  }, []);
  return { now, problem, toggle };
}

/** A card's Play/Stop: named after what it plays, pressed while it plays (or loads). */
function CardPlay({ player, cardKey, name, load }: { player: CardPlayer; cardKey: string; name: string; load: () => Promise<Session> }) {
  const state = player.now?.key === cardKey ? player.now.state : null;
  return (
    <button
      type="button"
      className="card-play"
      aria-label={`${state ? 'Stop' : 'Play'} ${name}`}
      aria-pressed={state !== null}
      aria-busy={state === 'loading'}
      onClick={() => player.toggle(cardKey, load)}
    >
      {state ? '■' : '▶'}
    </button>
  );
}

/** A groove's first bar as the gallery's cards show it: up to 8 tracks × 16 steps. */
const firstBar = (rows: readonly { row: Row }[]) =>
  rows
    .slice(0, 8)
    .map(({ row }) => Array.from({ length: 16 }, (_, i) => (row.length > 0 && row.steps[i % row.length] ? '1' : '0')).join(''));

/**
 * The example grooves (core/templates.ts), playable before anything is published: always in
 * their own row, each labelled "Example" (never mixed with the published beats).
 */
function Examples({ player }: { player: CardPlayer }) {
  const examples = useMemo(() => TEMPLATES.map((t) => ({ id: t.id, name: t.name, tempo: t.tempo, grid: firstBar(t.tracks()) })), []);
  return (
    <section aria-label="Example grooves" className="examples-gallery">
      <h2>Hear an example</h2>
      <ul>
        {examples.map((e) => (
          <li key={e.id} className="gallery-item">
            <div className="gallery-card">
              <MiniGrid grid={e.grid} />
              <span className="name">{e.name}</span>
              <small>
                <span className="card-tag">Example</span> {e.tempo} BPM
              </small>
            </div>
            <CardPlay
              player={player}
              cardKey={`example:${e.id}`}
              name={`example ${e.name}`}
              load={() => import('./cardPlayback').then((m) => m.exampleSession(e.id))}
            />
          </li>
        ))}
      </ul>
      {player.problem && <p role="alert">Could not play: {player.problem}</p>}
    </section>
  );
}

function RecentSessions() {
  const [recent] = useState(listRecentSessions);
  if (recent.length === 0) return null;
  return (
    <section aria-label="Your recent sessions" className="recent">
      <h2>Your recent sessions</h2>
      <ul>
        {recent.map((r) => (
          <li key={r.id}>
            <a href={`/s/${r.id}`}>{r.name}</a> <small>{new Date(r.visitedAt).toLocaleDateString()}</small>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Gallery({ player }: { player: CardPlayer }) {
  const [beats, setBeats] = useState<GalleryMetadata[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  // Stable (it only uses state setters), so the effect below loads the first page once.
  const load = useCallback(async (from?: string) => {
    try {
      const page = await listGallery(from);
      // The first page replaces (an effect may run twice); "More beats" appends, skipping repeats.
      setBeats((b) => {
        const base = from ? b : [];
        const seen = new Set(base.map((x) => x.beatId));
        return [...base, ...page.beats.filter((x) => !seen.has(x.beatId))];
      });
      setCursor(page.cursor);
    } finally {
      setLoaded(true);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  if (loaded && beats.length === 0) return null;
  return (
    <section aria-label="Recently published beats" className="gallery">
      <h2>Recently published</h2>
      <ul>
        {beats.map((b) => (
          <li key={b.beatId} className="gallery-item">
            <a href={`/b/${b.beatId}`} className="gallery-card">
              <MiniGrid grid={b.grid} />
              <span className="name">{b.name}</span>
              <small>{Math.round(b.tempo)} BPM</small>
            </a>
            <CardPlay player={player} cardKey={`beat:${b.beatId}`} name={b.name} load={() => getBeat(b.beatId)} />
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" onClick={() => load(cursor)}>
          More beats
        </button>
      )}
    </section>
  );
}

/** A small picture of a beat's first 16 steps, from the gallery listing's metadata. */
function MiniGrid({ grid }: { grid: string[] }) {
  return (
    <span className="mini-grid" aria-hidden="true">
      {grid.map((row, r) => (
        <span key={r} className="mini-row">
          {[...row].map((c, i) => (
            <span key={i} className={c === '1' ? 'on' : ''} />
          ))}
        </span>
      ))}
    </span>
  );
}
