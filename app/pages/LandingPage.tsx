import { useCallback, useEffect, useState } from 'react';
import { TEMPLATES, type GalleryMetadata } from '../../core';
import { createSession, listGallery } from '../api';
import { navigate } from '../navigate';
import { listRecentSessions } from '../store/recentSessions';
import { requestAutoplay } from '../ui/autoplay';

export function LandingPage() {
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
      <RecentSessions />
      <Gallery />
    </main>
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

function Gallery() {
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
          <li key={b.beatId}>
            <a href={`/b/${b.beatId}`} className="gallery-card">
              <MiniGrid grid={b.grid} />
              <span className="name">{b.name}</span>
              <small>{Math.round(b.tempo)} BPM</small>
            </a>
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
