/**
 * The one audio format a session's own sound is stored in (issue 16): a WAV file of
 * 16-bit PCM, one channel, LIMITS.minSoundRate…maxSoundRate Hz, holding a `fmt ` chunk
 * and then a complete `data` chunk, nothing else, at most LIMITS.maxSoundSeconds long.
 * The browser converts every recording and upload to it; the Worker checks every byte
 * of it with this parser (no decoder needed) and refuses anything else, whatever its
 * Content-Type or file name says. Pure: no DOM, no Workers APIs.
 */
import { LIMITS } from './limits';

export interface WavInfo {
  sampleRate: number;
  /** Sample frames (one channel: samples). */
  samples: number;
  /** Rounded to the millisecond. */
  durationMs: number;
  /** Where the samples start and how many bytes they take. */
  dataOffset: number;
  dataBytes: number;
}

/**
 * Why a file is refused: `unsupported` when it is not this format at all (not RIFF/WAVE,
 * not 16-bit PCM mono: the Worker answers 415), `invalid` when it is but its content is
 * wrong (truncated, too long, empty, a rate out of range, other chunks: 422).
 */
export type WavRefusal = { ok: false; kind: 'unsupported' | 'invalid'; message: string };
export type WavCheck = ({ ok: true } & WavInfo) | WavRefusal;

const unsupported = (message: string): WavRefusal => ({ ok: false, kind: 'unsupported', message });
const invalid = (message: string): WavRefusal => ({ ok: false, kind: 'invalid', message });

const tag = (bytes: Uint8Array, at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);

/** The size of a header of the format as the browser writes it: RIFF, fmt (16 bytes) and data headers. */
export const WAV_HEADER_BYTES = 44;

/**
 * A look at the first bytes, as they arrive: a refusal when they already show the file is
 * not a WAV (or says it is bigger than LIMITS.maxSoundBytes, `tooLarge`), else null (go on
 * reading). Fewer than 12 bytes: null, unless what is there already differs from "RIFF".
 */
export function sniffWav(head: Uint8Array): WavRefusal | { ok: false; kind: 'tooLarge'; message: string } | null {
  const riff = [0x52, 0x49, 0x46, 0x46];
  for (let i = 0; i < Math.min(4, head.length); i++) if (head[i] !== riff[i]) return notWav();
  if (head.length < 12) return null;
  if (tag(head, 8) !== 'WAVE') return notWav();
  const declared = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(4, true) + 8;
  if (declared > LIMITS.maxSoundBytes) {
    return { ok: false, kind: 'tooLarge', message: `a sound is at most ${LIMITS.maxSoundBytes} bytes; this one says ${declared}` };
  }
  return null;
}

const notWav = () => unsupported('not a PCM WAV file (no RIFF/WAVE header)');

/** Check a whole file: its description, or why it is refused. */
export function checkWav(bytes: Uint8Array): WavCheck {
  const early = sniffWav(bytes);
  if (early) return early.kind === 'tooLarge' ? invalid(early.message) : early;
  if (bytes.length < 12) return invalid(`truncated: ${bytes.length} bytes, not even a RIFF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = view.getUint32(4, true) + 8;
  if (riffEnd > bytes.length) return invalid(`truncated: the RIFF chunk says ${riffEnd} bytes, ${bytes.length} arrived`);
  if (riffEnd < bytes.length) return invalid(`${bytes.length - riffEnd} bytes follow the end of the RIFF chunk`);
  let fmt: { sampleRate: number } | null = null;
  let at = 12;
  while (at < riffEnd) {
    if (at + 8 > riffEnd) return invalid(`truncated: a chunk header at byte ${at} is cut off`);
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (body + size > riffEnd) return invalid(`truncated: the ${JSON.stringify(id)} chunk says ${size} bytes, ${riffEnd - body} follow`);
    if (id === 'fmt ') {
      if (fmt) return invalid('two fmt chunks');
      const format = fmtOf(view, body, size);
      if (!format.ok) return format;
      fmt = format;
    } else if (id === 'data') {
      if (!fmt) return invalid('the data chunk comes before the fmt chunk');
      if (size === 0) return invalid('no samples: the data chunk is empty');
      if (size % 2 !== 0) return invalid(`truncated: ${size} data bytes is not a whole number of 16-bit samples`);
      if (body + size !== riffEnd) return invalid('the data chunk must be the last chunk');
      const samples = size / 2;
      const seconds = samples / fmt.sampleRate;
      if (seconds > LIMITS.maxSoundSeconds) {
        return invalid(`longer than ${LIMITS.maxSoundSeconds} s (${seconds.toFixed(2)} s): trim it first`);
      }
      return {
        ok: true,
        sampleRate: fmt.sampleRate,
        samples,
        durationMs: Math.round((samples * 1000) / fmt.sampleRate),
        dataOffset: body,
        dataBytes: size,
      };
    } else {
      return invalid(`unexpected ${JSON.stringify(id)} chunk: a sound's WAV holds a fmt chunk and a data chunk only`);
    }
    at = body + size + (size % 2);
  }
  return invalid(fmt ? 'truncated: no data chunk' : 'truncated: no fmt chunk');
}

function fmtOf(view: DataView, at: number, size: number): ({ ok: true } & { sampleRate: number }) | WavRefusal {
  // 16 bytes (PCMWAVEFORMAT), or 18 with an empty extension (WAVEFORMATEX, cbSize 0).
  if (size !== 16 && !(size === 18 && view.getUint16(at + 16, true) === 0)) {
    const format = size >= 2 ? view.getUint16(at, true) : 0;
    if (format === 0xfffe) return unsupported('WAVE_FORMAT_EXTENSIBLE: a sound must be plain 16-bit PCM (format 1), mono');
    return invalid(`a fmt chunk of ${size} bytes: a PCM one has 16`);
  }
  const format = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const byteRate = view.getUint32(at + 8, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bits = view.getUint16(at + 14, true);
  if (format === 3) return unsupported('floating-point samples: a sound must be 16-bit PCM, mono');
  if (format !== 1) return unsupported(`not a PCM WAV file (format ${format}): a sound must be 16-bit PCM, mono`);
  if (channels !== 1) return unsupported(`${channels} channels: a sound must be mono`);
  if (bits !== 16) return unsupported(`${bits}-bit samples: a sound must be 16-bit PCM`);
  if (sampleRate < LIMITS.minSoundRate || sampleRate > LIMITS.maxSoundRate) {
    return invalid(`a sample rate of ${sampleRate} Hz: a sound's is ${LIMITS.minSoundRate}–${LIMITS.maxSoundRate} Hz`);
  }
  if (blockAlign !== 2 || byteRate !== sampleRate * 2) return invalid('the fmt chunk contradicts itself (byte rate or block align)');
  return { ok: true, sampleRate };
}

/**
 * A WAV of this format holding `samples` (each −1…1, clipped), as the browser's encoder
 * writes it: for tests, the bench and the fixtures.
 */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(WAV_HEADER_BYTES + samples.length * 2);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) bytes[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, bytes.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.max(-1, Math.min(1, samples[i]!));
    view.setInt16(WAV_HEADER_BYTES + i * 2, Math.round(x < 0 ? x * 0x8000 : x * 0x7fff), true);
  }
  return bytes;
}
