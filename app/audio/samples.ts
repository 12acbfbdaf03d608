/**
 * The sampled instruments: which files each one needs, and a lazy loader with a
 * per-instrument status the UI can show.
 *
 * The files are in public/samples/ (see public/samples/LICENSES): fetched over HTTP
 * when a track first uses an instrument or the picker previews it, never bundled and
 * never all at once. A voice whose samples are not decoded yet is simply silent, so
 * playback never waits on loading.
 *
 * Decoding uses a private OfflineAudioContext, which the browser's autoplay policy
 * does not concern: samples can be ready before the user's first gesture, and the
 * decoded AudioBuffers play in any context (the live one or an offline render).
 */
import { createStore } from 'zustand/vanilla';
import { soundKeyOf, soundUrl } from '../sounds/format';

export type InstrumentStatus = 'idle' | 'loading' | 'ready' | 'error';

/** `{ C1: 'dir/C1.mp3', C2: … }`: one root per octave. */
function octaves(dir: string, note: string, numbers: readonly number[]): Record<string, string> {
  return Object.fromEntries(numbers.map((n) => [`${note}${n}`, `${dir}/${note}${n}.mp3`]));
}

/** Sample files (under /samples/) per sampled instrument. Piano notes map a note name to a file. */
export const SAMPLED_INSTRUMENTS: Readonly<Record<string, { files: Readonly<Record<string, string>> }>> = {
  'studio-kick': { files: { hit: 'studio/kick.mp3' } },
  'studio-snare': { files: { hit: 'studio/snare.mp3' } },
  'studio-hat': { files: { hit: 'studio/hat.mp3' } },
  'studio-open-hat': { files: { hit: 'studio/open-hat.mp3' } },
  'studio-tom': { files: { hit: 'studio/tom.mp3' } },
  'studio-cowbell': { files: { hit: 'studio/cowbell.mp3' } },
  'electro-kick': { files: { hit: 'electro/kick.mp3' } },
  'electro-snare': { files: { hit: 'electro/snare.mp3' } },
  'electro-hat': { files: { hit: 'electro/hat.mp3' } },
  'electro-clap': { files: { hit: 'electro/snap.mp3' } },
  'electro-perc': { files: { hit: 'electro/blip.mp3' } },
  'studio-low-tom': { files: { hit: 'studio/low-tom.mp3' } },
  'studio-high-tom': { files: { hit: 'studio/high-tom.mp3' } },
  'studio-crash': { files: { hit: 'studio/crash.mp3' } },
  'studio-ride': { files: { hit: 'studio/ride.mp3' } },
  'boom-kick': { files: { hit: 'boom/kick.mp3' } },
  'boom-long-kick': { files: { hit: 'boom/long-kick.mp3' } },
  'boom-snare': { files: { hit: 'boom/snare.mp3' } },
  'boom-hat': { files: { hit: 'boom/hat.mp3' } },
  'boom-open-hat': { files: { hit: 'boom/open-hat.mp3' } },
  'boom-clap': { files: { hit: 'boom/clap.mp3' } },
  'house-kick': { files: { hit: 'house/kick.mp3' } },
  'house-snare': { files: { hit: 'house/snare.mp3' } },
  'house-hat': { files: { hit: 'house/hat.mp3' } },
  'house-open-hat': { files: { hit: 'house/open-hat.mp3' } },
  'house-ride': { files: { hit: 'house/ride.mp3' } },
  'house-rim': { files: { hit: 'house/rim.mp3' } },
  'lofi-kick': { files: { hit: 'lofi/kick.mp3' } },
  'lofi-snare': { files: { hit: 'lofi/snare.mp3' } },
  'lofi-hat': { files: { hit: 'lofi/hat.mp3' } },
  'lofi-open-hat': { files: { hit: 'lofi/open-hat.mp3' } },
  'lofi-tap': { files: { hit: 'lofi/tap.mp3' } },
  'lofi-crackle': { files: { hit: 'lofi/crackle.mp3' } },
  // One recording each, re-pitched offline to a root every octave (scripts/convert-samples.mjs):
  // Tone.Sampler shifts the nearest root by at most six semitones.
  'wood-bass': { files: octaves('wood-bass', 'C', [1, 2, 3, 4]) },
  'thick-bass': { files: octaves('thick-bass', 'C', [1, 2, 3, 4]) },
  'glass-hum': { files: octaves('glass-hum', 'A', [2, 3, 4, 5]) },
  bell: { files: octaves('bell', 'C', [3, 4, 5, 6, 7]) },
  // Every sixth semitone, C2…C6: Tone.Sampler repitches the nearest by ±3 semitones.
  piano: {
    files: {
      C2: 'piano/C2.mp3',
      'F#2': 'piano/Fs2.mp3',
      C3: 'piano/C3.mp3',
      'F#3': 'piano/Fs3.mp3',
      C4: 'piano/C4.mp3',
      'F#4': 'piano/Fs4.mp3',
      C5: 'piano/C5.mp3',
      'F#5': 'piano/Fs5.mp3',
      C6: 'piano/C6.mp3',
    },
  },
};

/**
 * The files of a sampled instrument: the catalogue's, or for a session's own sound
 * (`sound:<key>`, issue 16) its one WAV, served by the Worker at /api/sounds/<key>
 * (immutable: the browser caches it, and the decoded buffer is kept here).
 */
function specOf(instrument: string): { files: Readonly<Record<string, string>> } | undefined {
  const catalogued = SAMPLED_INSTRUMENTS[instrument];
  if (catalogued) return catalogued;
  const key = soundKeyOf(instrument);
  return key ? { files: { hit: soundUrl(key) } } : undefined;
}

export const isSampled = (instrument: string): boolean => specOf(instrument) !== undefined;

/**
 * Status of every instrument that was asked for. Synthesised instruments are always
 * 'ready'; use `instrumentStatus` rather than reading the map directly.
 */
export const instrumentStatusStore = createStore<Record<string, InstrumentStatus>>(() => ({}));

export function instrumentStatus(instrument: string): InstrumentStatus {
  if (!isSampled(instrument)) return 'ready';
  return instrumentStatusStore.getState()[instrument] ?? 'idle';
}

const SAMPLE_BASE = `${import.meta.env.BASE_URL ?? '/'}samples/`;
const buffers = new Map<string, AudioBuffer>();
const inflight = new Map<string, Promise<AudioBuffer>>();
const instrumentLoads = new Map<string, Promise<void>>();
let decoder: OfflineAudioContext | null = null;

function loadFile(file: string): Promise<AudioBuffer> {
  const cached = buffers.get(file);
  if (cached) return Promise.resolve(cached);
  let pending = inflight.get(file);
  if (!pending) {
    pending = (async () => {
      // A path from the root is an own sound's URL; the rest are under /samples/.
      const response = await fetch(file.startsWith('/') ? file : SAMPLE_BASE + file);
      if (!response.ok) throw new Error(`sample ${file}: HTTP ${response.status}`);
      const bytes = await response.arrayBuffer();
      // The files are 44.1 kHz: decoding at that rate leaves them untouched (own sounds, 24 kHz, are resampled once here).
      decoder ??= new OfflineAudioContext(1, 1, 44_100);
      const buffer = await decoder.decodeAudioData(bytes);
      buffers.set(file, buffer);
      return buffer;
    })();
    inflight.set(file, pending);
    // A failed file may be retried by a later load.
    pending.then(
      () => inflight.delete(file),
      () => inflight.delete(file),
    );
  }
  return pending;
}

/**
 * Fetch and decode an instrument's samples, once. Resolves when it can sound (at
 * once for a synthesised instrument); rejects on a network or decoding error, after
 * which a later call tries again.
 */
export function loadInstrument(instrument: string): Promise<void> {
  const spec = specOf(instrument);
  if (!spec) return Promise.resolve();
  const existing = instrumentLoads.get(instrument);
  if (existing) return existing;
  const setStatus = (status: InstrumentStatus) => instrumentStatusStore.setState({ [instrument]: status });
  setStatus('loading');
  const load = Promise.all(Object.values(spec.files).map(loadFile)).then(
    () => setStatus('ready'),
    (error: unknown) => {
      instrumentLoads.delete(instrument);
      setStatus('error');
      throw error;
    },
  );
  instrumentLoads.set(instrument, load);
  return load;
}

/** Load several instruments; resolves when all settled (errors are reported through the status). */
export async function loadInstruments(instruments: Iterable<string>): Promise<void> {
  await Promise.allSettled([...new Set(instruments)].map(loadInstrument));
}

/** The decoded buffers of an instrument keyed as in SAMPLED_INSTRUMENTS, or null until all are loaded. */
export function instrumentBuffers(instrument: string): Record<string, AudioBuffer> | null {
  const spec = specOf(instrument);
  if (!spec) return null;
  const out: Record<string, AudioBuffer> = {};
  for (const [key, file] of Object.entries(spec.files)) {
    const buffer = buffers.get(file);
    if (!buffer) return null;
    out[key] = buffer;
  }
  return out;
}

/** Every sample file the app can fetch (relative to /samples/). */
export const sampleFiles = (): string[] => Object.values(SAMPLED_INSTRUMENTS).flatMap((s) => Object.values(s.files));
