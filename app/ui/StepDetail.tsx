/**
 * The selected track's detail: its sound (the per-track fields drawn from their
 * declarations: transpose, its own swing), a velocity lane for every instrument and,
 * for melodic ones, a pitch roll with note names (−24…+24 semitones, named as they sound:
 * the track's transpose included) and a chord lane. Setting a pitch or a chord on a
 * silent step also turns it on, as a piano roll would.
 *
 * With a key (core/music.ts), the roll highlights its notes (the tonic most); with
 * "Lock to scale" it offers only them (a row out of key stays while a step plays it, so
 * that note can still be seen and moved).
 */
import { useId, useState } from 'react';
import {
  CHORD_SHAPES,
  chordIntervals,
  chordMask,
  chordPitches,
  chordShapeOf,
  diatonicChord,
  inKey,
  instrumentInfo,
  type Key,
  LIMITS,
  type Mutation,
  NO_KEY,
  noteName,
  type PatternId,
  pitchClass,
  ROOT_NAMES,
  type Row,
  type Track,
} from '../../core';
import { useChordNames } from './chordName';
import { DEFAULT_ROW, viewedPatternOf } from '../store/patternView';
import { useSession, useSessionContext } from './SessionContext';
import { TrackFieldControls } from './trackControls';

const PITCH_ROWS = Array.from({ length: LIMITS.maxPitch - LIMITS.minPitch + 1 }, (_, i) => LIMITS.maxPitch - i);

export function StepDetail() {
  const track = useSession((s) => s.session?.tracks.find((t) => t.id === s.selectedTrackId) ?? null);
  const pattern = useSession(viewedPatternOf);
  const row = useSession((s) => (track && s.session?.patterns[pattern]?.rows[track.id]) || DEFAULT_ROW);
  const { store } = useSessionContext();
  if (!track) return null;
  const info = instrumentInfo(track.instrument);
  return (
    <section className="step-detail" aria-label={`${track.name} detail`}>
      <header>
        <h2>
          {track.name} <span className="detail-pattern">in pattern {pattern}</span>
        </h2>
        <button type="button" onClick={() => store.setState({ selectedTrackId: null })} aria-label="Close detail">
          ✕
        </button>
      </header>
      <TrackFieldControls track={track} />
      <VelocityLane track={track} pattern={pattern} row={row} />
      {info?.melodic && <MelodicLanes track={track} pattern={pattern} row={row} root={info.root} />}
    </section>
  );
}

interface LaneProps {
  track: Track;
  pattern: PatternId;
  /** The track's row in `pattern`. */
  row: Row;
}

function VelocityLane({ track, pattern, row }: LaneProps) {
  const { edits } = useSessionContext();
  return (
    <div className="velocity-lane" role="group" aria-label={`${track.name} velocity`} style={{ ['--steps' as string]: row.length }}>
      {Array.from({ length: row.length }, (_, step) => (
        <input
          key={step}
          type="range"
          className={row.steps[step] ? 'on' : ''}
          aria-label={`${track.name} step ${step + 1} velocity`}
          min={LIMITS.minVelocity}
          max={LIMITS.maxVelocity}
          value={row.velocities[step] ?? 100}
          onChange={(e) =>
            edits.apply(
              { type: 'set_velocity', trackId: track.id, pattern, step, velocity: Number(e.currentTarget.value) },
              { group: `velocity:${pattern}:${track.id}:${step}` },
            )
          }
        />
      ))}
    </div>
  );
}

/** How a pitch roll row relates to the key: no key, in it (the tonic apart), or out of it. */
type KeyRole = 'none' | 'tonic' | 'in' | 'out';
function keyRole(key: Key, pc: number): KeyRole {
  if (key.scale === 'chromatic') return 'none';
  if (pc === key.root) return 'tonic';
  return inKey(key, pc) ? 'in' : 'out';
}

/** Whether the key offers a note: with no key or no lock, every note. */
const offered = (key: Key, pc: number) => !key.lock || inKey(key, pc);

/** The pitch roll and, under it, the chord lane and the open step's chord editor. */
function MelodicLanes({ track, pattern, row, root }: LaneProps & { root: number }) {
  const { edits } = useSessionContext();
  const key = useSession((s) => s.session?.key ?? NO_KEY);
  const [chordStep, setChordStep] = useState<number | null>(null);
  /** Set a step's fields; a silent step turns on too. One undo step. */
  const setStep = (step: number, mutations: Mutation[]) => {
    edits.apply(row.steps[step] ? mutations : [...mutations, { type: 'set_step', trackId: track.id, pattern, step, on: true }]);
  };
  const setPitch = (step: number, pitch: number) => setStep(step, [{ type: 'set_pitch', trackId: track.id, pattern, step, pitch }]);
  const setChord = (step: number, chord: number) => setStep(step, [{ type: 'set_chord', trackId: track.id, pattern, step, chord }]);
  const editing = chordStep !== null && chordStep < row.length ? chordStep : null;
  const editorId = useId();
  return (
    <>
      <PitchRoll track={track} row={row} root={root} keyOf={key} onPitch={setPitch} />
      <ChordLane
        track={track}
        row={row}
        editing={editing}
        editorId={editorId}
        onEdit={(step) => setChordStep(step === editing ? null : step)}
      />
      {editing !== null && (
        <ChordEditor
          id={editorId}
          track={track}
          row={row}
          step={editing}
          keyOf={key}
          onChord={(chord) => setChord(editing, chord)}
          onClose={() => setChordStep(null)}
        />
      )}
    </>
  );
}

interface MelodicProps {
  track: Track;
  row: Row;
  keyOf: Key;
}

function PitchRoll({
  track,
  row,
  root,
  keyOf: key,
  onPitch,
}: MelodicProps & { root: number; onPitch: (step: number, pitch: number) => void }) {
  const base = root + track.transpose;
  const playing = (pitch: number) => row.steps.some((on, step) => on && step < row.length && row.pitches[step] === pitch);
  const rows = PITCH_ROWS.filter((pitch) => offered(key, pitchClass(track.instrument, pitch + track.transpose)) || playing(pitch));
  // The tab stop of a silent step: the instrument's root, or the offered note nearest it.
  const home = rows.reduce(
    (best, p) => (Math.abs(p) < Math.abs(best) || (Math.abs(p) === Math.abs(best) && p < best) ? p : best),
    rows[0] ?? 0,
  );
  return (
    <div className="pitch-roll" role="grid" aria-label={`${track.name} pitch`} style={{ ['--steps' as string]: row.length }}>
      {rows.map((pitch) => {
        const note = noteName(base + pitch);
        const role = keyRole(key, pitchClass(track.instrument, pitch + track.transpose));
        const classes = ['pitch-row', note.includes('♯') ? 'sharp' : '', pitch === 0 ? 'root' : '', role === 'none' ? '' : `key-${role}`];
        return (
          <div role="row" key={pitch} className={classes.filter(Boolean).join(' ')}>
            <span role="rowheader" className="note-name">
              {note}
              {role === 'tonic' && <span className="visually-hidden"> (tonic)</span>}
              {role === 'out' && <span className="visually-hidden"> (out of key)</span>}
            </span>
            {Array.from({ length: row.length }, (_, step) => {
              const on = row.steps[step] ?? false;
              const active = on && row.pitches[step] === pitch;
              // The other notes of the step's chord, shown (not pressed: the step's note is the one set here).
              const chordNote = on && !active && chordPitches(row.pitches[step] ?? 0, row.chords[step] ?? 0).includes(pitch);
              return (
                // The pressed state belongs to the button: a gridcell may not carry aria-pressed.
                <div role="gridcell" key={step} className="pitch-cell">
                  <button
                    type="button"
                    className={chordNote ? 'chord-note' : undefined}
                    aria-label={`${track.name} step ${step + 1} ${note}`}
                    aria-pressed={active}
                    // One tab stop per step: its current note, or the home row when the step is off.
                    tabIndex={active || (!on && pitch === home) ? 0 : -1}
                    onClick={() => onPitch(step, pitch)}
                  />
                </div>
              );
            })}
          </div>
        );
      })}
    </div>
  );
}

/** Each step's chord by name; a press opens the step's chord editor. */
function ChordLane({
  track,
  row,
  editing,
  editorId,
  onEdit,
}: Omit<MelodicProps, 'keyOf'> & { editing: number | null; editorId: string; onEdit: (step: number) => void }) {
  const chordName = useChordNames();
  return (
    <div className="chord-lane" role="group" aria-label={`${track.name} chords`} style={{ ['--steps' as string]: row.length }}>
      <span className="note-name" aria-hidden="true">
        Chord
      </span>
      {Array.from({ length: row.length }, (_, step) => {
        const name = chordName(track.instrument, (row.pitches[step] ?? 0) + track.transpose, row.chords[step] ?? 0);
        return (
          <button
            key={step}
            type="button"
            className={row.steps[step] ? 'on' : undefined}
            aria-label={`${track.name} step ${step + 1} chord: ${name ?? 'single note'}`}
            aria-expanded={editing === step}
            aria-controls={editing === step ? editorId : undefined}
            title={name ?? undefined}
            onClick={() => onEdit(step)}
          >
            {name ?? '·'}
          </button>
        );
      })}
    </div>
  );
}

/**
 * One step's chord: by name (the chord list, or the key's triad or seventh on that note),
 * or by picking up to three notes above the step's own.
 */
function ChordEditor({
  id,
  track,
  row,
  step,
  keyOf: key,
  onChord,
  onClose,
}: MelodicProps & { id: string; step: number; onChord: (chord: number) => void; onClose: () => void }) {
  const chordName = useChordNames();
  const pitch = row.pitches[step] ?? 0;
  const sounding = pitch + track.transpose;
  const mask = row.chords[step] ?? 0;
  const picked = chordIntervals(mask);
  const root = ROOT_NAMES[pitchClass(track.instrument, sounding)];
  const base = (instrumentInfo(track.instrument)?.root ?? 60) + sounding;
  const shape = chordShapeOf(mask);
  const hasKey = key.scale !== 'chromatic';
  const diatonic = hasKey ? ([3, 4] as const).map((n) => diatonicChord(key, track.instrument, sounding, n)) : [];
  const current = mask === 0 ? 'none' : shape ? `shape:${CHORD_SHAPES.indexOf(shape)}` : 'picked';
  const choose = (value: string) => {
    if (value === 'none') onChord(0);
    else if (value.startsWith('shape:')) onChord(chordMask(CHORD_SHAPES[Number(value.slice(6))]!.intervals));
    else if (value === 'diatonic3') onChord(diatonic[0]!);
    else if (value === 'diatonic4') onChord(diatonic[1]!);
  };
  const toggle = (interval: number) => {
    const next = picked.includes(interval) ? picked.filter((i) => i !== interval) : [...picked, interval];
    onChord(chordMask(next));
  };
  const full = picked.length >= LIMITS.maxChordNotes - 1;
  const intervals = Array.from({ length: LIMITS.chordSpan }, (_, i) => i + 1).filter(
    (i) => picked.includes(i) || offered(key, pitchClass(track.instrument, sounding + i)),
  );
  return (
    <div className="chord-editor" id={id} role="group" aria-label={`${track.name} step ${step + 1} chord`}>
      <label>
        Chord on {noteName(base)}
        <select value={current} onChange={(e) => choose(e.currentTarget.value)}>
          <option value="none">Single note</option>
          {hasKey && (
            <>
              <option value="diatonic3">Key's triad ({chordName(track.instrument, sounding, diatonic[0]!)})</option>
              <option value="diatonic4">Key's seventh ({chordName(track.instrument, sounding, diatonic[1]!)})</option>
            </>
          )}
          {CHORD_SHAPES.map((c, i) => (
            <option key={c.symbol} value={`shape:${i}`}>
              {root}
              {c.symbol} — {c.label}
            </option>
          ))}
          {current === 'picked' && <option value="picked">{chordName(track.instrument, sounding, mask)} (picked notes)</option>}
        </select>
      </label>
      <fieldset>
        <legend>
          Notes with {noteName(base)} (up to {LIMITS.maxChordNotes - 1})
        </legend>
        {intervals.map((i) => {
          const on = picked.includes(i);
          return (
            <button key={i} type="button" aria-pressed={on} disabled={!on && full} onClick={() => toggle(i)}>
              {noteName(base + i)}
            </button>
          );
        })}
      </fieldset>
      <button type="button" onClick={onClose}>
        Done
      </button>
    </div>
  );
}
