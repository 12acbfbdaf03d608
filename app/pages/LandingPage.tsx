import { useState } from 'react';
import { TEMPLATES } from '../../core';
import { createSession } from '../api';
import { navigate } from '../App';
import { requestAutoplay } from '../ui/autoplay';

export function LandingPage() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

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
      <button className="big-button" onClick={() => start('starter')} disabled={busy}>
        New beat
      </button>
      <section aria-label="Start from an example">
        <h2>Or start from</h2>
        <ul className="examples">
          {TEMPLATES.filter((t) => t.id !== 'starter').map((t) => (
            <li key={t.id}>
              <button onClick={() => start(t.id)} disabled={busy}>
                {t.name} <small>{t.tempo} BPM</small>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {problem && <p role="alert">Could not create a session: {problem}</p>}
    </main>
  );
}
