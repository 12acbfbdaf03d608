import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './App';
import './styles.css';

const root = document.getElementById('root')!;
// The Worker drew the first screen of a published beat in the page (worker/http/beatHtml.ts):
// keep it until the page's code has loaded, then render over it in one go (a "Loading…"
// in between would flash and move things).
const ready = root.firstElementChild ? preloadPage(location.pathname).catch(() => undefined) : Promise.resolve();
void ready.then(() =>
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  ),
);
