/**
 * WAV export: the pure parts. How long a file is (whole bars, within the 10-minute
 * limit), and encoding rendered audio as 16-bit PCM WAV while wrapping what rings past
 * the end back onto the start, so that the file is exactly the chosen length and loops
 * seamlessly (as when the beat plays on).
 * The render itself is app/audio/offlineRender.ts; app/export/index.ts joins them.
 */
import { stepDurationMs, type Session } from '../../core/model';
import { loopLengthSteps } from '../../core/events';
import { yieldToPage } from '../audio/yieldToPage';

/** What the encoder reads: an AudioBuffer, or anything shaped like one (tests). */
export interface PcmSource {
  readonly numberOfChannels: number;
  readonly sampleRate: number;
  readonly length: number;
  getChannelData(channel: number): Float32Array;
}

export const WAV_HEADER_BYTES = 44;
const BYTES_PER_SAMPLE = 2;
export const WAV_MIME = 'audio/wav';
/** Frames per part of the file (32 KB in stereo): small enough to stop close to the budget. */
const FRAMES_PER_PART = 8192;

/** Samples of exactly `steps` steps at `tempo` (a step is a sixteenth note). */
export function samplesForSteps(steps: number, tempo: number, sampleRate: number): number {
  return Math.round((steps * stepDurationMs(tempo) * sampleRate) / 1000);
}

/** The longest WAV we render (10 minutes). */
export const MAX_WAV_SECONDS = 600;
/** A bar is 16 steps (a step is a sixteenth note). */
export const STEPS_PER_BAR = 16;
/** What the Export menu offers unless told otherwise: about half a minute, in whole bars. */
export const DEFAULT_WAV_SECONDS = 30;

/** Length of a bar at the session's tempo, in seconds. */
export function barSeconds(session: Session): number {
  return (STEPS_PER_BAR * stepDurationMs(session.tempo)) / 1000;
}

/** Length of an export of `bars` bars, in seconds. */
export function wavSeconds(session: Session, bars: number): number {
  return bars * barSeconds(session);
}

/** The most bars that fit in MAX_WAV_SECONDS (at least 1: a bar is at most 8 s, at 30 BPM). */
export function maxWavBars(session: Session): number {
  return Math.max(1, Math.floor(MAX_WAV_SECONDS / barSeconds(session) + 1e-9));
}

/** Whole bars nearest to `seconds` (at least 1, at most maxWavBars). */
export function barsForSeconds(session: Session, seconds: number): number {
  return Math.min(maxWavBars(session), Math.max(1, Math.round(seconds / barSeconds(session))));
}

/**
 * The pattern's whole cycle in bars: the least common multiple of the track lengths
 * (and 16), after which every track is back at its first step together. Null when that
 * is longer than MAX_WAV_SECONDS (lengths 9, 11 and 13 line up only every 1,287 bars).
 */
export function cycleBars(session: Session): number | null {
  const maxSteps = maxWavBars(session) * STEPS_PER_BAR;
  // loopLengthSteps returns its cap when the cycle is longer: one more than we allow tells the two apart.
  const steps = loopLengthSteps(session, maxSteps + 1);
  // A song whose patterns are not whole bars long ends mid-bar: its file is rounded up.
  return steps <= maxSteps ? Math.ceil(steps / STEPS_PER_BAR) : null;
}

/** Throws a RangeError naming the problem unless `bars` is a whole number of bars within the limit. */
export function checkWavBars(session: Session, bars: number): void {
  const max = maxWavBars(session);
  if (!Number.isInteger(bars) || bars < 1) throw new RangeError(`the length must be a whole number of bars, at least 1; got ${bars}`);
  if (bars > max) {
    throw new RangeError(
      `${bars} bars would be ${Math.round(wavSeconds(session, bars))} s of audio; the limit is ${MAX_WAV_SECONDS} s (${max} bars at ${session.tempo} BPM)`,
    );
  }
}

export interface EncodeOptions {
  /** Called with 0…1 as encoding proceeds (1 once, at the end). */
  onProgress?: (fraction: number) => void;
  /** Stops encoding at the next pause; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Longest stretch of work before letting the page run, in ms. Default 12. */
  budgetMs?: number;
}

/**
 * A 16-bit PCM WAV file (RIFF, little-endian, interleaved) of `length` frames: frame i
 * is the source's frame i plus every frame i + k × length beyond the end, i.e. the
 * source cut to `length` with its tail folded back onto the start. Samples outside
 * −1…1 are clipped. A source shorter than `length` is padded with silence.
 *
 * A four-minute file is tens of megabytes, and building it in one go held the page for
 * seconds: the work goes in stretches of `budgetMs` with the page free in between, and
 * the file is a Blob of parts, each copied into its Blob as it is written (one Blob
 * from one big buffer copies it all at once).
 */
export async function encodeWav(source: PcmSource, length = source.length, options: EncodeOptions = {}): Promise<Blob> {
  if (!Number.isInteger(length) || length <= 0) throw new RangeError(`length must be a positive number of samples, got ${length}`);
  const channels = source.numberOfChannels;
  const frameBytes = channels * BYTES_PER_SAMPLE;
  const dataBytes = length * frameBytes;
  if (WAV_HEADER_BYTES + dataBytes > 0xffff_ffff) throw new RangeError('audio too long for a WAV file (4 GiB)');
  const { onProgress, signal } = options;
  const budgetMs = options.budgetMs ?? 12;
  const header = new DataView(new ArrayBuffer(WAV_HEADER_BYTES));
  writeHeader(header, channels, source.sampleRate, dataBytes);
  const parts: Blob[] = [new Blob([header.buffer])];
  const data = Array.from({ length: channels }, (_, c) => source.getChannelData(c));
  // One scratch buffer for every part: a Blob copies what it is given (and fewer big allocations, fewer pauses for GC).
  const scratch = new ArrayBuffer(FRAMES_PER_PART * frameBytes);

  let frame = 0;
  while (frame < length) {
    signal?.throwIfAborted();
    const deadline = performance.now() + budgetMs;
    do {
      const end = Math.min(length, frame + FRAMES_PER_PART);
      const part = new DataView(scratch, 0, (end - frame) * frameBytes);
      writeFrames(part, data, length, frame, end);
      parts.push(new Blob([part]));
      frame = end;
    } while (frame < length && performance.now() < deadline);
    if (frame < length) {
      onProgress?.(frame / length);
      await yieldToPage();
    }
  }
  const wav = new Blob(parts, { type: WAV_MIME });
  onProgress?.(1);
  return wav;
}

function writeHeader(view: DataView, channels: number, sampleRate: number, dataBytes: number): void {
  const text = (offset: number, value: string) => {
    for (let i = 0; i < value.length; i++) view.setUint8(offset + i, value.charCodeAt(i));
  };
  text(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * BYTES_PER_SAMPLE, true); // byte rate
  view.setUint16(32, channels * BYTES_PER_SAMPLE, true); // block align
  view.setUint16(34, 8 * BYTES_PER_SAMPLE, true); // bits per sample
  text(36, 'data');
  view.setUint32(40, dataBytes, true);
}

/** Frames [from, to) of every channel into `part`, interleaved, each with the tail beyond `length` folded onto it. */
function writeFrames(part: DataView, data: readonly Float32Array[], length: number, from: number, to: number): void {
  const stride = data.length * BYTES_PER_SAMPLE;
  data.forEach((input, c) => {
    for (let i = from, at = c * BYTES_PER_SAMPLE; i < to; i++, at += stride) {
      let sum = 0;
      for (let j = i; j < input.length; j += length) sum += input[j]!;
      const s = Math.max(-1, Math.min(1, sum));
      part.setInt16(at, Math.round(s < 0 ? s * 0x8000 : s * 0x7fff), true);
    }
  });
}
