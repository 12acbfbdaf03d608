/**
 * The trim editor of a recording or a file (issue 16): its waveform, the selection
 * between two handles ("Trim start", "Trim end": range inputs laid over the waveform, so
 * arrows, Page Up/Down, Home/End and touch work as on any slider), a button that cuts the
 * leading silence, a preview of the selection, the sound's name, and "Use this sound".
 * What is used is the selection normalised to −1 dBFS (app/sounds/process.ts).
 */
import { useEffect, useId, useRef, useState } from 'react';
import { MAX_SOUND_NAME, MAX_SOUND_SECONDS } from '../sounds/format';
import { leadingSilenceEnd, type Trim, trimProblem } from '../sounds/process';

export interface SoundSource {
  /** Mono, at `sampleRate`. */
  samples: Float32Array;
  sampleRate: number;
  name: string;
  /**
   * A recording: the editor selects at most the longest sound (10 s) from where the
   * sound starts, since one stops recording a little late. A file is shown whole, and the
   * dialog asks for a trim when it is too long.
   */
  recorded?: boolean;
}

/** Slider resolution, ms. */
const TRIM_STEP_MS = 5;

let previewContext: AudioContext | null = null;
let previewing: AudioBufferSourceNode | null = null;

function playSelection(source: SoundSource, trim: Trim): void {
  previewContext ??= new AudioContext();
  void previewContext.resume();
  previewing?.stop();
  const part = source.samples.slice(trim.start, trim.end);
  if (part.length === 0) return;
  const buffer = new AudioBuffer({ length: part.length, sampleRate: source.sampleRate, numberOfChannels: 1 });
  buffer.copyToChannel(part, 0);
  const node = new AudioBufferSourceNode(previewContext, { buffer });
  node.connect(previewContext.destination);
  node.start();
  previewing = node;
}

function drawWaveform(canvas: HTMLCanvasElement, samples: Float32Array, trim: Trim): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  if (!g) return;
  const style = getComputedStyle(canvas);
  g.clearRect(0, 0, width, height);
  const perColumn = samples.length / width;
  const middle = height / 2;
  for (let x = 0; x < width; x++) {
    const from = Math.floor(x * perColumn);
    const to = Math.max(from + 1, Math.floor((x + 1) * perColumn));
    let low = 0;
    let high = 0;
    for (let i = from; i < to && i < samples.length; i++) {
      const s = samples[i]!;
      if (s < low) low = s;
      if (s > high) high = s;
    }
    const inside = from >= trim.start && from < trim.end;
    g.fillStyle = inside ? style.getPropertyValue('--wave-on') || '#7fd' : style.getPropertyValue('--wave-off') || '#556';
    g.fillRect(x, middle - high * middle, 1, Math.max(1, (high - low) * middle));
  }
}

const seconds = (samples: number, rate: number) => `${(samples / rate).toFixed(2)} s`;

export function OwnSoundEditor({
  source,
  busy,
  onUse,
}: {
  source: SoundSource;
  /** Uploading: the controls wait. */
  busy: boolean;
  onUse: (trim: Trim, name: string) => void;
}) {
  const { samples, sampleRate } = source;
  const [trim, setTrim] = useState<Trim>(() => {
    const start = leadingSilenceEnd(samples, sampleRate);
    const longest = Math.floor(MAX_SOUND_SECONDS * sampleRate);
    return { start, end: source.recorded ? Math.min(samples.length, start + longest) : samples.length };
  });
  const [name, setName] = useState(source.name);
  const canvas = useRef<HTMLCanvasElement>(null);
  const id = useId();
  useEffect(() => {
    if (canvas.current) drawWaveform(canvas.current, samples, trim);
  }, [samples, trim]);

  const totalMs = Math.floor((samples.length / sampleRate) * 1000);
  const toMs = (sample: number) => Math.round((sample / sampleRate) * 1000);
  const toSample = (ms: number) => Math.min(samples.length, Math.max(0, Math.round((ms / 1000) * sampleRate)));
  const problem = trimProblem(trim, sampleRate);
  const nameProblem = name.trim() === '' ? 'Give the sound a name.' : null;

  return (
    <form
      className="own-sound-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (!problem && !nameProblem && !busy) onUse(trim, name.trim());
      }}
    >
      <div className="trim">
        <canvas ref={canvas} className="waveform" role="img" aria-label={`Waveform of ${source.name}`} />
        <input
          type="range"
          aria-label="Trim start"
          min={0}
          max={totalMs}
          step={TRIM_STEP_MS}
          value={toMs(trim.start)}
          aria-valuetext={seconds(trim.start, sampleRate)}
          disabled={busy}
          onChange={(e) => {
            const start = toSample(Number(e.currentTarget.value));
            setTrim((t) => ({ ...t, start: Math.min(start, t.end - 1) }));
          }}
        />
        <input
          type="range"
          aria-label="Trim end"
          min={0}
          max={totalMs}
          step={TRIM_STEP_MS}
          value={toMs(trim.end)}
          aria-valuetext={seconds(trim.end, sampleRate)}
          disabled={busy}
          onChange={(e) => {
            const end = Number(e.currentTarget.value) >= totalMs ? samples.length : toSample(Number(e.currentTarget.value));
            setTrim((t) => ({ ...t, end: Math.max(end, t.start + 1) }));
          }}
        />
      </div>
      <p className="trim-summary" aria-live="polite">
        {seconds(trim.start, sampleRate)} to {seconds(trim.end, sampleRate)}: {seconds(trim.end - trim.start, sampleRate)} of{' '}
        {seconds(samples.length, sampleRate)}
      </p>
      <div className="row">
        <button
          type="button"
          disabled={busy}
          onClick={() => setTrim((t) => ({ ...t, start: Math.min(leadingSilenceEnd(samples, sampleRate), t.end - 1) }))}
        >
          Cut the silence at the start
        </button>
        <button type="button" onClick={() => playSelection(source, trim)}>
          Play the selection
        </button>
      </div>
      <label htmlFor={`${id}-name`}>Sound name</label>
      <input
        id={`${id}-name`}
        className="sound-name"
        value={name}
        maxLength={MAX_SOUND_NAME}
        disabled={busy}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      {(problem ?? nameProblem) && (
        <p className="problem" role="alert">
          {problem ?? nameProblem}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !!problem || !!nameProblem}>
        Use this sound
      </button>
    </form>
  );
}
