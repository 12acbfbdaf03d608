/**
 * Recording from the microphone: getUserMedia with the browser's voice processing off
 * (echo cancellation, noise suppression and automatic gain would flatten a clap), a
 * level meter from an AnalyserNode, a count-in of one bar of clicks at the session's
 * tempo, and a MediaRecorder whose file is then decoded like an upload (./decode).
 *
 * The AudioContext is made in the click that opens the microphone (the autoplay rule);
 * closing the recorder stops the tracks, so the browser's "recording" indicator goes off.
 */

/** A recording stops by itself after this long (the editor then trims it to at most 10 s). */
export const MAX_RECORDING_SECONDS = 30;

export class MicRecorder {
  private readonly analyser: AnalyserNode;
  private readonly scratch: Float32Array<ArrayBuffer>;
  private recorder: MediaRecorder | null = null;
  private chunks: Blob[] = [];
  private stopTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
  ) {
    this.analyser = new AnalyserNode(context, { fftSize: 2048 });
    context.createMediaStreamSource(stream).connect(this.analyser);
    this.scratch = new Float32Array(this.analyser.fftSize);
  }

  /** Ask for the microphone (the browser asks the user). Rejects with a clear message when refused or absent. */
  static async open(): Promise<MicRecorder> {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot record here (a microphone needs HTTPS).');
    if (typeof MediaRecorder === 'undefined') throw new Error('This browser cannot record audio.');
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (error) {
      const name = (error as DOMException).name;
      if (name === 'NotAllowedError') throw new Error('The microphone is blocked: allow it for this site to record.');
      if (name === 'NotFoundError') throw new Error('No microphone was found.');
      throw new Error(`The microphone could not be opened (${name || String(error)}).`);
    }
    const context = new AudioContext();
    await context.resume();
    return new MicRecorder(stream, context);
  }

  /** Peak input level over the analyser's window (about 43 ms), in dBFS (−Infinity for silence). */
  levelDb(): number {
    this.analyser.getFloatTimeDomainData(this.scratch);
    let max = 0;
    for (const x of this.scratch) max = Math.max(max, Math.abs(x));
    return 20 * Math.log10(max);
  }

  /**
   * One bar of four clicks at `tempo` (the first higher), through this context; calls
   * `onBeat(n)` (1…4) as each sounds. Resolves when the bar ends: recording starts on the downbeat.
   */
  countIn(tempo: number, onBeat: (beat: number) => void, signal?: AbortSignal): Promise<void> {
    const beat = 60 / tempo;
    const start = this.context.currentTime + 0.1;
    for (let i = 0; i < 4; i++) {
      const at = start + i * beat;
      const osc = new OscillatorNode(this.context, { frequency: i === 0 ? 1760 : 1320 });
      const gain = new GainNode(this.context, { gain: 0 });
      gain.gain.setValueAtTime(0.3, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.03);
      osc.connect(gain).connect(this.context.destination);
      osc.start(at);
      osc.stop(at + 0.04);
    }
    const startedAt = performance.now() - this.context.currentTime * 1000;
    return new Promise((resolve, reject) => {
      const timers = [0, 1, 2, 3].map((i) => setTimeout(() => onBeat(i + 1), startedAt + (start + i * beat) * 1000 - performance.now()));
      const end = setTimeout(resolve, startedAt + (start + 4 * beat) * 1000 - performance.now());
      signal?.addEventListener(
        'abort',
        () => {
          for (const t of [...timers, end]) clearTimeout(t);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Start recording; it stops by itself after MAX_RECORDING_SECONDS (then `onAutoStop`). */
  start(onAutoStop?: () => void): void {
    this.chunks = [];
    const recorder = new MediaRecorder(this.stream);
    recorder.ondataavailable = (e) => e.data.size > 0 && this.chunks.push(e.data);
    recorder.start();
    this.recorder = recorder;
    this.stopTimer = setTimeout(() => onAutoStop?.(), MAX_RECORDING_SECONDS * 1000);
  }

  /** Stop recording: the recorded file (in whatever format this browser's MediaRecorder writes). */
  stop(): Promise<Blob> {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    const recorder = this.recorder;
    if (!recorder || recorder.state === 'inactive') return Promise.resolve(new Blob(this.chunks));
    return new Promise((resolve) => {
      recorder.onstop = () => resolve(new Blob(this.chunks, { type: recorder.mimeType }));
      recorder.stop();
    });
  }

  /** Release the microphone and the context. */
  close(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    for (const track of this.stream.getTracks()) track.stop();
    void this.context.close().catch(() => undefined);
  }
}
