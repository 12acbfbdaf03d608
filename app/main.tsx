import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App, preloadPage } from './App';
import './styles.css';

const root = document.getElementById('root')!;
// The Worker drew the first screen of the page (worker/http/editorShellHtml.ts, beatHtml.ts):
// keep it until the page's code has loaded, then render over it in one go (a "Loading…"
// in between would flash and move things). That first render is a transition: React
// renders it in slices between which the page has its turn (one long task on a phone
// otherwise, issue 17), and what the Worker drew stays until it is done.
const drawn = root.firstElementChild !== null;
const ready = drawn ? preloadPage(location.pathname).catch(() => undefined) : Promise.resolve();
void ready.then(() => {
  const render = () =>
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  if (drawn) startTransition(render);
  else render();
});
