/**
 * Export, as the UI calls it: `exportMidi` (a .mid download) and `exportWav` (a WAV
 * Blob of N bars rendered offline, with progress and cancel). Import this module lazily, when
 * the Export menu opens: it brings @tonejs/midi, and the WAV path loads Tone.js and
 * the offline renderer on first use.
 *
 * Importing it also sets `window.__keyboardiaExport` (the same functions) for the
 * end-to-end tests and the console.
 */
import { defaultRender, forRender, loopLengthSteps, type RenderTarget } from '../../core/events';
import type { Session } from '../../core/model';
import { downloadBlob, exportFileName } from './download';
import { sessionToMidi } from './midi';
import {
  barSeconds,
  barsForSeconds,
  checkWavBars,
  cycleBars as cycleBarsOfPlayed,
  encodeWav,
  maxWavBars,
  samplesForSteps,
  STEPS_PER_BAR,
  wavSeconds,
} from './wav';

export { downloadBlob, exportFileName } from './download';
export {
  barSeconds,
  barsForSeconds,
  DEFAULT_WAV_SECONDS,
  MAX_WAV_SECONDS,
  maxWavBars,
  STEPS_PER_BAR,
  WAV_MIME,
  wavSeconds,
} from './wav';

export const MIDI_MIME = 'audio/midi';
/** Rendered past the end, then wrapped onto the start: reverb and delay tails. */
const TAIL_SECONDS = 3;

/**
 * The session set to play what is exported from its first step: `target`, by default
 * the song when it has entries, else the pattern playing (core/events.ts).
 */
function played(session: Session, target: RenderTarget = defaultRender(session)): Session {
  return forRender(session, target);
}

/** Bars after which every track of what is exported lines up again (the song's length in song mode), or null. */
export function cycleBars(session: Session, target?: RenderTarget): number | null {
  return cycleBarsOfPlayed(played(session, target));
}

/** The session as a Standard MIDI File (see midi.ts for the mapping): the song as one timeline, or one pattern's cycle. */
export function midiBlob(session: Session, target?: RenderTarget): Blob {
  return new Blob([sessionToMidi(played(session, target)) as Uint8Array<ArrayBuffer>], { type: MIDI_MIME });
}

/** Build the MIDI file and download it (default name: the session's, `.mid`). Returns the file. */
export function exportMidi(session: Session, fileName = exportFileName(session.name, 'mid'), target?: RenderTarget): Blob {
  const blob = midiBlob(session, target);
  downloadBlob(blob, fileName);
  return blob;
}

export interface WavOptions {
  /** Only these tracks sound (mute/solo as heard in the editor); null = all. Default null. */
  audible?: ReadonlySet<string> | null;
  /** Master volume 0…1. Default 0.8, the app's default. */
  masterVolume?: number;
  /** Default 44 100. */
  sampleRate?: number;
  /** Called with 0…1 as the export proceeds: 0 first, 1 once, when the Blob is ready; never goes back. */
  onProgress?: (fraction: number) => void;
  /** Cancels the export: the promise rejects with the signal's reason (an AbortError) and nothing is kept. */
  signal?: AbortSignal;
  /** What to render: the song, or one pattern looped. Default: the song when it has entries, else the pattern playing. */
  target?: RenderTarget;
}

/**
 * Share of the progress bar given to rendering; encoding is the rest. Measured on the
 * four-minute polyrhythm: rendering takes about nine tenths of the time.
 */
const RENDER_SHARE = 0.9;

/** Load Tone.js and the offline renderer ahead of an export (exportWav loads them otherwise). */
export function preloadWavRenderer(): Promise<unknown> {
  return import('../audio/offlineRender');
}

/**
 * Render `bars` bars of the session offline and encode them as a 16-bit stereo WAV at
 * 44.1 kHz, exactly `bars × 16 × step duration` long; what rings past the end (reverb,
 * delay, releases) is added back onto the start, so the file loops seamlessly as bars.
 * (Tracks whose lengths do not divide the file restart at its loop point, as in a DAW
 * loop of those bars; `cycleBars` is the length after which every track lines up.)
 * Neither the render nor the encoding blocks the page. Does not download: pass the
 * Blob to `downloadBlob(blob, exportFileName(session.name, 'wav'))`.
 */
export async function exportWav(session: Session, bars: number, options: WavOptions = {}): Promise<Blob> {
  checkWavBars(session, bars);
  const { onProgress, signal } = options;
  signal?.throwIfAborted();
  const steps = bars * STEPS_PER_BAR;
  const sampleRate = options.sampleRate ?? 44_100;
  const length = samplesForSteps(steps, session.tempo, sampleRate);
  // Progress never goes back, whatever the parts report.
  let shown = 0;
  const show = (fraction: number) => {
    if (fraction < shown) return;
    shown = fraction;
    onProgress?.(fraction);
  };
  show(0);
  const { renderSession } = await import('../audio/offlineRender');
  const rendered = await renderSession(played(session, options.target), {
    steps,
    tailSeconds: TAIL_SECONDS,
    sampleRate,
    channels: 2,
    audible: options.audible ?? null,
    masterVolume: options.masterVolume,
    signal,
    onProgress: (fraction) => show(fraction * RENDER_SHARE),
  });
  return encodeWav(rendered, length, { signal, onProgress: (fraction) => show(RENDER_SHARE + fraction * (1 - RENDER_SHARE)) });
}

export interface KeyboardiaExportHandle {
  exportMidi: typeof exportMidi;
  midiBlob: typeof midiBlob;
  exportWav: typeof exportWav;
  wavSeconds: typeof wavSeconds;
  barSeconds: typeof barSeconds;
  barsForSeconds: typeof barsForSeconds;
  maxWavBars: typeof maxWavBars;
  cycleBars: typeof cycleBars;
  loopLengthSteps: typeof loopLengthSteps;
  downloadBlob: typeof downloadBlob;
  exportFileName: typeof exportFileName;
}

if (typeof window !== 'undefined') {
  const handle: KeyboardiaExportHandle = {
    exportMidi,
    midiBlob,
    exportWav,
    wavSeconds,
    barSeconds,
    barsForSeconds,
    maxWavBars,
    cycleBars,
    loopLengthSteps,
    downloadBlob,
    exportFileName,
  };
  (window as unknown as { __keyboardiaExport?: KeyboardiaExportHandle }).__keyboardiaExport = handle;
}
