/**
 * Export, as the UI calls it: `exportMidi` (a .mid download) and `exportWav` (a WAV
 * Blob of N loops rendered offline, with progress). Import this module lazily, when
 * the Export menu opens: it brings @tonejs/midi, and the WAV path loads Tone.js and
 * the offline renderer on first use.
 *
 * Importing it also sets `window.__keyboardiaExport` (the same functions) for the
 * end-to-end tests and the console.
 */
import { stepDurationMs, type Session } from '../../core/model';
import { loopLengthSteps } from '../../core/events';
import { downloadBlob, exportFileName } from './download';
import { sessionToMidi } from './midi';
import { encodeWav, samplesForSteps, wrapTail } from './wav';

export { downloadBlob, exportFileName } from './download';

export const MIDI_MIME = 'audio/midi';
export const WAV_MIME = 'audio/wav';
/** The longest WAV we render (10 minutes): a 1024-step loop at 30 BPM is 8.5 minutes. */
export const MAX_WAV_SECONDS = 600;
/** Rendered past the last loop, then wrapped onto the start: reverb and delay tails. */
const TAIL_SECONDS = 3;

/** The session as a Standard MIDI File (see midi.ts for the mapping). */
export function midiBlob(session: Session): Blob {
  return new Blob([sessionToMidi(session) as Uint8Array<ArrayBuffer>], { type: MIDI_MIME });
}

/** Build the MIDI file and download it (default name: the session's, `.mid`). Returns the file. */
export function exportMidi(session: Session, fileName = exportFileName(session.name, 'mid')): Blob {
  const blob = midiBlob(session);
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
}

/** Length of an export, in seconds: N loops of the session, nothing more. */
export function wavSeconds(session: Session, loops: number): number {
  return (loopLengthSteps(session) * loops * stepDurationMs(session.tempo)) / 1000;
}

/**
 * Render `loops` whole loops of the session offline and encode them as a 16-bit
 * stereo WAV, exactly `loops × loop length × step duration` long; what rings past
 * the end is wrapped onto the start, so the file loops seamlessly. `onProgress`
 * receives 0…1 (1 once, when the Blob is ready). Does not download: pass the Blob
 * to `downloadBlob(blob, exportFileName(session.name, 'wav'))`.
 */
export async function exportWav(session: Session, loops = 1, onProgress?: (fraction: number) => void, options: WavOptions = {}): Promise<Blob> {
  if (!Number.isInteger(loops) || loops < 1) throw new RangeError(`loops must be a whole number ≥ 1, got ${loops}`);
  const steps = loopLengthSteps(session) * loops;
  const sampleRate = options.sampleRate ?? 44_100;
  const length = samplesForSteps(steps, session.tempo, sampleRate);
  if (length / sampleRate > MAX_WAV_SECONDS) throw new RangeError(`that would be ${Math.round(length / sampleRate)} s of audio; the limit is ${MAX_WAV_SECONDS} s`);
  onProgress?.(0);
  const { renderSession } = await import('../audio/offlineRender');
  const rendered = await renderSession(session, {
    steps,
    tailSeconds: TAIL_SECONDS,
    sampleRate,
    channels: 2,
    audible: options.audible ?? null,
    masterVolume: options.masterVolume,
    // Rendering is nearly all of the work; encoding is the last few percent.
    onProgress: onProgress && ((fraction) => onProgress(Math.min(0.95, fraction * 0.95))),
  });
  const wav = encodeWav(wrapTail(rendered, length));
  onProgress?.(1);
  return new Blob([wav], { type: WAV_MIME });
}

export interface KeyboardiaExportHandle {
  exportMidi: typeof exportMidi;
  midiBlob: typeof midiBlob;
  exportWav: typeof exportWav;
  wavSeconds: typeof wavSeconds;
  loopLengthSteps: typeof loopLengthSteps;
  downloadBlob: typeof downloadBlob;
  exportFileName: typeof exportFileName;
}

if (typeof window !== 'undefined') {
  const handle: KeyboardiaExportHandle = { exportMidi, midiBlob, exportWav, wavSeconds, loopLengthSteps, downloadBlob, exportFileName };
  (window as unknown as { __keyboardiaExport?: KeyboardiaExportHandle }).__keyboardiaExport = handle;
}
