/**
 * The embed player (/embed/<id>): a small page that sites put in an iframe. It shows
 * the beat's name, tempo and a compact grid, plays it, and links to the full beat.
 *
 * Kept small on purpose: plain DOM, no React and none of the editor's code. The beat
 * is inlined in the page by the Worker (no request); Tone.js, the voices and the
 * samples load only when Play is pressed (./playback, a separate chunk). The playhead
 * moves by toggling one class per track, never by rebuilding the grid.
 */
import { cueAt } from '../../core/arrangement';
import { instrumentInfo } from '../../core/instruments';
import { type PatternId, rowOf } from '../../core/model';
import { trackStepAt } from '../../core/timeline';
import { readInlineBeat, type EmbedBeat } from './beat';
import './embed.css';
import type { EmbedPlayback } from './playback';

type PlayerState = 'stopped' | 'loading' | 'playing';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderMissing(root: HTMLElement): void {
  root.className = 'kb-player kb-missing';
  const message = element('p', 'kb-message', 'This beat could not be loaded.');
  const link = element('a', 'kb-open', 'Open Keyboardia');
  link.href = '/';
  link.target = '_blank';
  link.rel = 'noopener';
  root.replaceChildren(message, link);
}

/** The grid of one pattern (the one sounding: a song shows each pattern as it plays). */
function renderGrid(beat: EmbedBeat, pattern: PatternId): { grid: HTMLElement; cells: HTMLElement[][] } {
  const rows = beat.tracks.map((t) => rowOf(beat, pattern, t.id));
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const grid = element('div', 'kb-grid');
  grid.setAttribute('role', 'img');
  grid.dataset.pattern = pattern;
  grid.setAttribute(
    'aria-label',
    `Pattern ${pattern}: ${beat.tracks.map((t, i) => `${t.name || t.instrument}, ${rows[i]!.length} steps`).join('; ') || 'no tracks'}`,
  );
  grid.style.setProperty('--columns', String(columns));
  const cells = beat.tracks.map((track, index) => {
    const pattern = rows[index]!;
    const row = element('div', 'kb-row');
    row.dataset.category = instrumentInfo(track.instrument)?.category ?? 'fx';
    row.append(element('span', 'kb-label', track.name || track.instrument));
    const steps = element('div', 'kb-steps');
    const cellsOfTrack = Array.from({ length: pattern.length }, (_, i) => {
      const cell = element('span', pattern.steps[i] ? 'kb-cell kb-on' : 'kb-cell');
      if (pattern.steps[i]) cell.style.setProperty('--velocity', String(0.35 + 0.65 * ((pattern.velocities[i] ?? 100) / 127)));
      return cell;
    });
    steps.append(...cellsOfTrack);
    row.append(steps);
    grid.append(row);
    return cellsOfTrack;
  });
  return { grid, cells };
}

function renderPlayer(root: HTMLElement, beat: EmbedBeat): void {
  root.className = 'kb-player';
  root.dataset.state = 'stopped';

  const button = element('button', 'kb-play');
  button.type = 'button';
  const title = element('div', 'kb-title');
  const name = element('h1', 'kb-name', beat.name);
  const tempo = element(
    'p',
    'kb-tempo',
    `${Math.round(beat.tempo * 10) / 10} BPM${beat.swing > 0 ? ` · swing ${Math.round(beat.swing)}%` : ''}`,
  );
  title.append(name, tempo);
  const open = element('a', 'kb-open', 'Open in Keyboardia');
  open.href = beat.beatId ? `/b/${beat.beatId}` : '/';
  open.target = '_blank';
  open.rel = 'noopener';
  // A plain block: inside the player (the page's main landmark) a <header> would read as a second banner.
  const header = element('div', 'kb-header');
  header.append(button, title, open);
  const status = element('p', 'kb-status');
  status.setAttribute('role', 'status');
  let shown = renderGrid(beat, beat.transport.song ? (beat.song.entries[0]?.pattern ?? beat.transport.pattern) : beat.transport.pattern);
  root.replaceChildren(header, shown.grid, status);

  // The playhead: one lit cell per track, moved as each step sounds; the grid follows
  // the song from pattern to pattern.
  const lit: (HTMLElement | undefined)[] = [];
  const showStep = (globalStep: number | null) => {
    const cue = globalStep === null ? null : cueAt(beat, globalStep);
    if (cue?.ended) {
      // A song that does not loop has ended: the player stops by itself.
      press++;
      playback?.stop();
      setState('stopped');
      return;
    }
    if (cue && shown.grid.dataset.pattern !== cue.pattern) {
      const next = renderGrid(beat, cue.pattern);
      shown.grid.replaceWith(next.grid);
      shown = next;
      lit.length = 0;
    }
    beat.tracks.forEach((track, i) => {
      lit[i]?.classList.remove('kb-now');
      lit[i] =
        globalStep === null || !cue
          ? undefined
          : shown.cells[i]![trackStepAt(globalStep - cue.start, rowOf(beat, cue.pattern, track.id).length)];
      lit[i]?.classList.add('kb-now');
    });
    if (globalStep === null) delete root.dataset.step;
    else root.dataset.step = String(globalStep);
  };

  let state: PlayerState = 'stopped';
  /** Bumped by every press: a start that finishes after a later press is dropped. */
  let press = 0;
  let context: AudioContext | null = null;
  let playback: EmbedPlayback | null = null;
  const setState = (next: PlayerState, message = '') => {
    state = next;
    root.dataset.state = next;
    const playing = next !== 'stopped';
    button.setAttribute('aria-label', playing ? 'Stop' : 'Play');
    button.textContent = playing ? '■' : '▶';
    status.textContent = message;
  };
  setState('stopped');

  button.addEventListener('click', async () => {
    const mine = ++press;
    if (state !== 'stopped') {
      playback?.stop();
      setState('stopped');
      return;
    }
    setState('loading', 'Loading sound…');
    // Created and resumed inside the click itself: the one gesture every browser accepts.
    context ??= new AudioContext({ latencyHint: 'interactive' });
    void context.resume();
    try {
      playback ??= (await import('./playback')).createPlayback(beat, context, showStep);
      if (mine !== press) return; // Stop was pressed while loading
      await playback.start(() => mine === press);
      if (mine === press) setState('playing');
    } catch (error) {
      console.error('Keyboardia player: could not start the sound', error);
      if (mine !== press) return;
      playback?.stop();
      setState('stopped', 'The sound could not start.');
    }
  });
}

const root = document.getElementById('player');
if (root) {
  // The player is all the page holds: it is the page's main landmark.
  root.setAttribute('role', 'main');
  const beat = readInlineBeat(document);
  if (beat) renderPlayer(root, beat);
  else renderMissing(root);
}
