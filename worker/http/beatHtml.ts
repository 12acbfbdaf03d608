/**
 * The published beat page's first screen as HTML, for the Worker to put in the page it
 * sends (issue 17, "fast on a phone"): the name, tempo, transport and the grid of the
 * pattern a listener hears first paint as soon as the HTML and the stylesheet arrive,
 * without waiting for the app's JavaScript. It is the same markup, with the same
 * classes, as the app's BeatPage renders before anyone touches it (app/pages/BeatPage.tsx:
 * nothing muted or soloed, stopped): the app then renders over it in place, so nothing
 * moves (e2e/fast.spec.ts checks the two agree and that nothing shifts). The buttons
 * are disabled until the app has rendered over them: a click on a button with no handler
 * yet would be lost (a listener pressing Play before the script ran heard nothing; CI's
 * publish test clicked it so). Every text and attribute is escaped.
 */
import { type BeatDocument, instrumentInfo, openingPattern, rowOf } from '../../core';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The markup inside the page's #root. */
export function beatPageHtml(beat: BeatDocument): string {
  const e = escapeHtml;
  const tempo = Math.round(beat.tempo);
  const swing = beat.swing > 0 ? ` · swing ${Math.round(beat.swing)}%` : '';
  const song =
    beat.song.entries.length === 0
      ? ''
      : `<ol class="song-outline" aria-label="Song">${beat.song.entries
          .map((entry) => `<li>${e(entry.pattern)}${entry.repeats > 1 ? ` ×${entry.repeats}` : ''}</li>`)
          .join('')}</ol>`;
  const pattern = openingPattern(beat);
  const rows = beat.tracks
    .map((track) => {
      const row = rowOf(beat, pattern, track.id);
      const name = e(track.name);
      const cells = Array.from({ length: row.length }, (_, step) => {
        const velocity = (row.velocities[step] ?? 100) / 127;
        return (
          `<div role="gridcell" class="step-cell"><button type="button" disabled="" class="step${step % 4 === 0 ? ' beat' : ''}"` +
          ` aria-label="${name} step ${step + 1}" aria-pressed="${row.steps[step] ? 'true' : 'false'}" style="--velocity:${velocity}"></button></div>`
        );
      }).join('');
      return (
        `<div class="track-row" role="row"><div class="track-header" role="rowheader">` +
        `<span class="track-title">${name}</span><span class="instrument-name">${e(instrumentInfo(track.instrument)?.name ?? track.instrument)}</span>` +
        `<button type="button" disabled="" class="toggle mute" aria-label="Mute ${name}" aria-pressed="false">M</button>` +
        `<button type="button" disabled="" class="toggle solo" aria-label="Solo ${name}" aria-pressed="false">S</button></div>` +
        `<div class="steps" role="presentation" style="--steps:${row.length}">${cells}<div class="playhead" aria-hidden="true"></div></div></div>`
      );
    })
    .join('');
  return (
    `<div class="editor beat-page"><header class="editor-header"><a class="logo small" href="/">Keyboardia</a>` +
    `<div class="session-title"><h1 class="session-name">${e(beat.name)}</h1><p class="lineage">Published beat · ${tempo} BPM${swing}</p></div>` +
    `<div class="session-actions" role="group" aria-label="Beat"><button type="button" disabled="" class="primary">Remix</button>` +
    `<button type="button" disabled="">Share</button><button type="button" disabled="">Embed</button><div class="export-menu"><button type="button" disabled="">Export</button></div></div></header>` +
    `<main><div class="transport" role="group" aria-label="Transport"><button type="button" disabled="" class="play" aria-pressed="false">Play</button>` +
    `<button type="button" class="stop" disabled="">Stop</button><output class="tempo-readout" aria-label="Tempo">${tempo} BPM</output></div>` +
    `${song}<div class="grid read-only" role="grid" aria-label="Pattern ${e(pattern)}" aria-readonly="true">${rows}</div></main></div>`
  );
}
