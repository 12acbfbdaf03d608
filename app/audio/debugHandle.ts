/**
 * `window.__keyboardiaAudio`: a handle on the audio layer for end-to-end tests and
 * the console (the editor's own `window.__keyboardia` holds the store, sync and
 * engine). It renders any session offline, without touching the live transport.
 * The renderer is a separate chunk, loaded on first use.
 */
import * as Tone from './tone';
import type { Session } from '../../core';
import { ensureNativeContext, MASTER_LATENCY_SECONDS, measureMasterLatency } from './masterChain';
import type { Levels } from './meter';
import type { MidiOptions } from '../export/midi';
import type { RenderOptions } from './offlineRender';
import { instrumentStatus, isSampled, loadInstrument, sampleFiles } from './samples';
import { CLICK_INSTRUMENT, VOICED_INSTRUMENTS, voiceStats } from './voices';

export interface AudioDebugHandle {
  renderSession(session: Session, options?: RenderOptions): Promise<AudioBuffer>;
  /** The MIDI export (app/export/midi.ts, loaded on first use) of a session as given, as bytes. */
  sessionToMidi(session: Session, options?: MidiOptions): Promise<number[]>;
  loadInstrument: typeof loadInstrument;
  instrumentStatus: typeof instrumentStatus;
  /** Whether an instrument plays samples (the sound-quality test checks their repitching). */
  isSampled: typeof isSampled;
  /** Instrument ids with a voice, including the test click. */
  voiced: readonly string[];
  clickInstrument: string;
  sampleFiles: string[];
  voiceStats: typeof voiceStats;
  /** The latency the scheduling compensates for, and a measurement of the chain's real one (seconds). */
  masterLatencySeconds: number;
  measureMasterLatency: typeof measureMasterLatency;
  /** Peak, true peak, RMS, crest factor and loudness (LUFS) of a buffer (app/audio/meter.ts, loaded on first use). */
  meter(buffer: AudioBuffer): Promise<Levels>;
  /** Peak level (0…1) leaving the live audio context over the next `ms` milliseconds. */
  liveLevel(ms?: number): Promise<number>;
}

let meter: Tone.Meter | null = null;
async function liveLevel(ms = 500): Promise<number> {
  if (!meter) {
    ensureNativeContext();
    meter = new Tone.Meter({ normalRange: true, smoothing: 0 });
    Tone.getDestination().connect(meter);
  }
  let peak = 0;
  for (const end = performance.now() + ms; performance.now() < end; ) {
    await new Promise((done) => setTimeout(done, 10));
    const value = meter.getValue();
    peak = Math.max(peak, ...(Array.isArray(value) ? value : [value]));
  }
  return peak;
}

export function exposeAudioDebugHandle(): void {
  if (typeof window === 'undefined') return;
  const handle: AudioDebugHandle = {
    renderSession: async (session, options) => (await import('./offlineRender')).renderSession(session, options),
    sessionToMidi: async (session, options) => [...(await import('../export/midi')).sessionToMidi(session, options)],
    loadInstrument,
    instrumentStatus,
    isSampled,
    voiced: VOICED_INSTRUMENTS,
    clickInstrument: CLICK_INSTRUMENT,
    sampleFiles: sampleFiles(),
    voiceStats,
    masterLatencySeconds: MASTER_LATENCY_SECONDS,
    measureMasterLatency,
    meter: async (buffer) => {
      const { measureLevels } = await import('./meter');
      const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
      return measureLevels(channels, buffer.sampleRate);
    },
    liveLevel,
  };
  (window as unknown as { __keyboardiaAudio?: AudioDebugHandle }).__keyboardiaAudio = handle;
}
