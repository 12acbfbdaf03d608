/**
 * "Use your own sound" for a track (issue 16): record from the microphone (a level meter,
 * a count-in of one bar at the session's tempo) or upload a file (or drop one on the
 * dialog); trim it in the editor (OwnSoundEditor); then it is normalised, encoded as a
 * 24 kHz mono WAV, uploaded with progress, added to the session (add_sound) and set as the
 * track's instrument (`sound:<key>`), one undo step. The session's sounds are listed to
 * reuse on this track, and to rename. A plain modal dialog: nothing depends on hover.
 */
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import type { Track } from '../../core';
import { decodeSound, encodeSound } from '../sounds/decode';
import { MAX_SOUND_NAME, soundInstrument, soundKeyOf } from '../sounds/format';
import { soundsOf } from '../sounds/names';
import { nameFromFile, type Trim, trimAndNormalise } from '../sounds/process';
import { MicRecorder } from '../sounds/recorder';
import { uploadSound } from '../sounds/upload';
import { OwnSoundEditor, type SoundSource } from './OwnSoundEditor';
import './OwnSound.css';
import { useSession, useSessionContext } from './SessionContext';

const ACCEPT = 'audio/*,.wav,.mp3,.ogg,.oga,.opus,.flac,.m4a,.aac,.webm';

/** How fast the input meter falls after a peak (a peak programme meter's 20 dB in about 1.7 s). */
const PEAK_FALL_DB_PER_SECOND = 12;

export function OwnSoundDialog({ track, onClose }: { track: Track; onClose: () => void }) {
  const { edits, store } = useSessionContext();
  const session = useSession((s) => s.session);
  const sounds = soundsOf(session);
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [mode, setMode] = useState<'upload' | 'record'>('upload');
  const [source, setSource] = useState<SoundSource | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [working, setWorking] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [dropping, setDropping] = useState(false);
  const uploads = useRef<AbortController | null>(null);

  useEffect(() => {
    ref.current?.showModal();
    return () => uploads.current?.abort();
  }, []);

  const read = async (bytes: Promise<ArrayBuffer>, name: string, what: string, recorded = false) => {
    setProblem(null);
    setSource(null);
    setWorking('Reading the sound…');
    try {
      const decoded = await decodeSound(await bytes, what);
      setSource({ ...decoded, name: nameFromFile(name, MAX_SOUND_NAME), recorded });
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setWorking(null);
    }
  };
  const readFile = (file: File) => void read(file.arrayBuffer(), file.name, `“${file.name}”`);

  const use = async (trim: Trim, name: string) => {
    const sessionId = store.getState().sessionId;
    if (!source || !sessionId) return;
    setProblem(null);
    const controller = new AbortController();
    uploads.current = controller;
    try {
      setWorking('Preparing the sound…');
      const samples = trimAndNormalise(source.samples, trim, source.sampleRate);
      const wav = await encodeSound(samples, source.sampleRate);
      setWorking('Uploading…');
      setProgress(0);
      const uploaded = await uploadSound(sessionId, wav, setProgress, controller.signal);
      const seconds = Number.isFinite(uploaded.durationMs) ? uploaded.durationMs / 1000 : samples.length / source.sampleRate;
      // The room stores add_sound only once the bytes are in the bucket (they are now), then the track plays it.
      const applied = edits.apply([
        { type: 'add_sound', key: uploaded.key, name, seconds },
        { type: 'set_instrument', trackId: track.id, instrument: soundInstrument(uploaded.key) },
      ]);
      if (applied) ref.current?.close();
      else setProblem('The sound was uploaded but could not be added to the session.');
    } catch (error) {
      if ((error as DOMException).name !== 'AbortError') setProblem((error as Error).message);
    } finally {
      setWorking(null);
      setProgress(null);
    }
  };

  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setDropping(false);
    const file = e.dataTransfer.files[0];
    if (file) readFile(file);
  };

  const busy = progress !== null;
  const current = soundKeyOf(track.instrument);
  const entries = Object.entries(sounds).sort(([, a], [, b]) => a.name.localeCompare(b.name));

  return (
    <dialog
      ref={ref}
      className={`own-sound${dropping ? ' dropping' : ''}`}
      aria-labelledby={`${id}-title`}
      onClose={onClose}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDropping(false)}
      onDrop={onDrop}
    >
      <h2 id={`${id}-title`}>Your own sound for {track.name}</h2>
      <div className="own-sound-modes" role="group" aria-label="Where the sound comes from">
        <button type="button" aria-pressed={mode === 'record'} disabled={busy} onClick={() => setMode('record')}>
          Record
        </button>
        <button type="button" aria-pressed={mode === 'upload'} disabled={busy} onClick={() => setMode('upload')}>
          Upload file
        </button>
      </div>
      {mode === 'upload' ? (
        <div className="own-sound-upload">
          <label>
            Choose an audio file
            <input
              type="file"
              accept={ACCEPT}
              disabled={busy}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (file) readFile(file);
                e.currentTarget.value = '';
              }}
            />
          </label>
          <p className="hint">Or drop a file here. WAV, MP3, OGG, FLAC or M4A/AAC; at most 10 s once trimmed.</p>
        </div>
      ) : (
        <RecordPanel
          tempo={session?.tempo ?? 120}
          disabled={busy}
          onRecorded={(blob) => void read(blob.arrayBuffer(), 'Recording', 'The recording', true)}
          onProblem={setProblem}
        />
      )}
      {working && (
        <p className="own-sound-status" role="status">
          {working}
        </p>
      )}
      {progress !== null && <progress aria-label="Upload progress" max={1} value={progress} />}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      {source && <OwnSoundEditor key={source.samples.length + source.name} source={source} busy={busy} onUse={(t, n) => void use(t, n)} />}
      {entries.length > 0 && (
        <section className="own-sound-list" aria-label="Sounds in this session">
          <h3>Sounds in this session</h3>
          <ul>
            {entries.map(([key, sound]) => (
              <li key={key}>
                <button
                  type="button"
                  aria-current={key === current}
                  aria-label={`Use ${sound.name} on ${track.name}`}
                  disabled={busy}
                  onClick={() => {
                    edits.apply({ type: 'set_instrument', trackId: track.id, instrument: soundInstrument(key) });
                    ref.current?.close();
                  }}
                >
                  {sound.name} <span className="seconds">{sound.seconds.toFixed(1)} s</span>
                </button>
                <RenameSound soundKey={key} name={sound.name} />
              </li>
            ))}
          </ul>
        </section>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}

function RenameSound({ soundKey, name }: { soundKey: string; name: string }) {
  const { edits } = useSessionContext();
  const [value, setValue] = useState(name);
  useEffect(() => setValue(name), [name]);
  const commit = () => {
    const next = value.trim();
    if (next && next !== name) edits.apply({ type: 'rename_sound', key: soundKey, name: next });
    else setValue(name);
  };
  return (
    <input
      className="sound-rename"
      aria-label={`Rename ${name}`}
      value={value}
      maxLength={MAX_SOUND_NAME}
      onChange={(e) => setValue(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          commit();
        }
        if (e.key === 'Escape') {
          e.preventDefault();
          setValue(name);
        }
      }}
    />
  );
}

type RecordState = { kind: 'idle' } | { kind: 'opening' } | { kind: 'counting'; beat: number } | { kind: 'recording' };

/** The microphone: a level meter while it is open, a count-in, then Stop. */
function RecordPanel({
  tempo,
  disabled,
  onRecorded,
  onProblem,
}: {
  tempo: number;
  disabled: boolean;
  onRecorded: (recording: Blob) => void;
  onProblem: (message: string | null) => void;
}) {
  const [state, setState] = useState<RecordState>({ kind: 'idle' });
  const [level, setLevel] = useState(-Infinity);
  const mic = useRef<MicRecorder | null>(null);
  const abort = useRef<AbortController | null>(null);

  const release = () => {
    abort.current?.abort();
    abort.current = null;
    mic.current?.close();
    mic.current = null;
  };
  // Leaving the dialog lets go of the microphone.
  useEffect(
    () => () => {
      abort.current?.abort();
      mic.current?.close();
    },
    [],
  );

  // The meter reads the analyser on every frame while the microphone is open, with a
  // peak meter's ballistics: it jumps up at once and falls back at PEAK_FALL_DB_PER_SECOND,
  // so a short clap stays readable (and the eye, or a test reading it now and then, sees it).
  useEffect(() => {
    if (state.kind === 'idle' || state.kind === 'opening') return;
    let held = -Infinity;
    let last = performance.now();
    let frame = requestAnimationFrame(function tick(now) {
      if (mic.current) {
        held = Math.max(mic.current.levelDb(), held - (PEAK_FALL_DB_PER_SECOND * (now - last)) / 1000);
        setLevel(held);
      }
      last = now;
      frame = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(frame);
  }, [state.kind]);

  const stop = async () => {
    const recorder = mic.current;
    if (!recorder) return;
    const recording = await recorder.stop();
    release();
    setState({ kind: 'idle' });
    onRecorded(recording);
  };

  const start = async () => {
    onProblem(null);
    setState({ kind: 'opening' });
    try {
      mic.current = await MicRecorder.open();
      abort.current = new AbortController();
      setState({ kind: 'counting', beat: 0 });
      await mic.current.countIn(tempo, (beat) => setState({ kind: 'counting', beat }), abort.current.signal);
      mic.current.start(() => void stop());
      setState({ kind: 'recording' });
    } catch (error) {
      release();
      setState({ kind: 'idle' });
      if ((error as DOMException)?.name !== 'AbortError') onProblem((error as Error).message);
    }
  };

  const shown = Number.isFinite(level) ? Math.max(-60, Math.min(0, level)) : -60;
  return (
    <div className="own-sound-record">
      {state.kind === 'idle' || state.kind === 'opening' ? (
        <button type="button" className="primary" disabled={disabled || state.kind === 'opening'} onClick={() => void start()}>
          Start recording
        </button>
      ) : (
        <button
          type="button"
          className="primary"
          onClick={() => {
            if (state.kind === 'recording') void stop();
            else {
              release();
              setState({ kind: 'idle' });
            }
          }}
        >
          {state.kind === 'recording' ? 'Stop recording' : 'Cancel'}
        </button>
      )}
      <p className="record-state" role="status">
        {state.kind === 'opening' && 'Opening the microphone…'}
        {state.kind === 'counting' && `Count-in: ${state.beat > 0 ? state.beat : '…'} of 4`}
        {state.kind === 'recording' && 'Recording…'}
        {state.kind === 'idle' && `One bar of clicks at ${Math.round(tempo)} BPM, then it records until you stop.`}
      </p>
      {state.kind !== 'idle' && state.kind !== 'opening' && (
        <label className="input-level">
          Input level
          <meter min={-60} max={0} low={-18} high={-3} optimum={-12} value={shown} aria-valuetext={`${Math.round(shown)} dB`} />
        </label>
      )}
    </div>
  );
}
