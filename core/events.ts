/**
 * What sounds when: the one function that turns a session into timed events, shared
 * by live playback (app/audio/mixer.ts), the offline render (WAV export, the timing
 * tests) and the MIDI export (app/export/midi.ts). Pure: no Tone.js, no DOM, so every
 * listener, the embed and both exports hear the same thing.
 */
import { cueAt, songSteps } from './arrangement';
import type { TrackFieldName } from './fields';
import { instrumentInfo } from './instruments';
import { CONDITIONS } from './conditions';
import { ratchetHits, stepFires } from './expression';
import { chordPitches } from './music';
import { type PatternId, type Session, stepDurationMs, type Track } from './model';
import { swingOffsetMs, trackStepAt } from './timeline';

/**
 * How each per-track field reaches the sound. The compiler asks for a line here when a
 * field is added to core/fields.ts: say where it is heard (and make it so below, or in
 * the mixer or the voices), or that it is not.
 */
export const TRACK_FIELD_SOUND = {
  name: 'not heard',
  instrument: 'chooses the voice (app/audio/voices.ts)',
  volume: 'the track gain in the mixer (StepEvent.volume)',
  pan: 'the track panner in the mixer (StepEvent.pan)',
  transpose: 'added to every step pitch of a melodic track (eventsAtStep)',
  swing: 'replaces the session swing for this track when set (trackSwing)',
  filter: "the strip's filter type, or none (app/audio/mixer.ts, Strip)",
  cutoff: "the strip's filter frequency",
  resonance: "the strip's filter Q",
  attack: "each note's fade-in on the strip's envelope (Strip.shapeNote)",
  decay: "each note's fade-out on the strip's envelope (Strip.shapeNote)",
  tune: 'added to every pitch as a fraction of a semitone, drums too (StepEvent.detune)',
  drive: "the strip's saturation, before its filter",
  reverbSend: "the strip's reverb send; unset, the instrument's own (sendWeight)",
  delaySend: "the strip's delay send; unset, the instrument's own (sendWeight)",
} as const satisfies Record<TrackFieldName, string>;

export interface StepEvent {
  trackId: string;
  instrument: string;
  /** 0…1 */
  velocity: number;
  /** Semitones from the instrument's root, transpose included (0 for drums): the step's own note. */
  pitch: number;
  /** Every note the step sounds, rising: its pitch and its chord's (core/music.ts); [0] for drums. */
  pitches: number[];
  /** Fine tuning of every note, in semitones (the track's tune, cents / 100). */
  detune: number;
  /**
   * Seconds after the unswung time of the step being scheduled: swing, nudge and a
   * ratchet's place; a note of the next step nudged early comes with this step, at more
   * than a step's length.
   */
  offset: number;
  /**
   * How long sustained voices hold, in steps (fractional for ratchets and half-step
   * lengths): until this track's next note (its loop length when it has only this one),
   * or the step's own note length.
   */
  gateSteps: number;
  /** True when gateSteps is the note's own length (a set length, a ratchet's hit): voices hold exactly that long. */
  exactGate: boolean;
  /** Seconds after the unswung time of the step `gateSteps` after the one being scheduled where this note must end by. */
  nextOffset: number;
  volume: number;
  pan: number;
}

/** The swing (percent) a track plays with: its own when set, else the session's. */
export const trackSwing = (session: Pick<Session, 'swing'>, track: Pick<Track, 'swing'>) => track.swing ?? session.swing;

/**
 * What to schedule at a global step: the notes of this step that play on time or nudged
 * late, and those of the next step nudged early (so every event is at or after the step's
 * own time, which the schedulers need). Each from the rows of the pattern the transport
 * plays at that step (core/arrangement.ts), counted from where that pattern started;
 * whether a lit step plays and how many hits it has come from core/expression.ts. `fill`:
 * someone holds Fill (presence, live only: a render or an export plays without it).
 */
export function eventsAtStep(session: Session, globalStep: number, audible: ReadonlySet<string> | null, fill = false): StepEvent[] {
  const events: StepEvent[] = [];
  collectStep(session, globalStep, audible, fill, (nudge) => nudge >= 0, 0, events);
  collectStep(session, globalStep + 1, audible, fill, (nudge) => nudge < 0, stepSeconds(session.tempo), events);
  return events;
}

function collectStep(
  session: Session,
  globalStep: number,
  audible: ReadonlySet<string> | null,
  fill: boolean,
  nudged: (nudge: number) => boolean,
  shift: number,
  events: StepEvent[],
): void {
  const cue = cueAt(session, globalStep);
  const pattern = session.patterns[cue.pattern];
  if (cue.ended || !pattern) return;
  const seconds = stepSeconds(session.tempo);
  for (const track of session.tracks) {
    if (audible && !audible.has(track.id)) continue;
    const row = pattern.rows[track.id];
    if (!row) continue;
    const step = trackStepAt(globalStep - cue.start, row.length);
    if (!row.steps[step]) continue;
    const nudge = row.nudges[step] ?? 0;
    if (!nudged(nudge)) continue;
    const loop = Math.floor((globalStep - cue.start) / row.length);
    const place = { seed: session.seed, pattern: cue.pattern, trackId: track.id, row, step, loop, fill };
    if (!stepFires(place)) continue;
    const melodic = instrumentInfo(track.instrument)?.melodic ?? false;
    const swing = trackSwing(session, track);
    const pitch = melodic ? (row.pitches[step] ?? 0) + track.transpose : 0;
    const pitches = melodic ? chordPitches(pitch, row.chords[step] ?? 0) : [0];
    const velocity = (row.velocities[step] ?? 100) / 127;
    const onTime = shift + swingOffsetMs(globalStep, swing, session.tempo) / 1000 + (nudge / 100) * seconds;
    const hits = ratchetHits(row.ratchets[step] ?? 1, row.ramps[step] ?? 0);
    const length = melodic ? (row.noteLengths[step] ?? 0) / 2 : 0;
    for (const hit of hits) {
      const offset = onTime + hit.at * seconds;
      // A ratchet's hit holds until the next; a set length holds exactly; else until the next note.
      const exactGate = hits.length > 1 || length > 0;
      const gateSteps = hits.length > 1 ? 1 / hits.length : length > 0 ? length : stepsToNextNote(row.steps, step, row.length);
      events.push({
        trackId: track.id,
        instrument: track.instrument,
        velocity: velocity * hit.gain,
        pitch,
        pitches,
        detune: track.tune / 100,
        offset,
        gateSteps,
        exactGate,
        nextOffset: exactGate ? offset : shift + swingOffsetMs(globalStep + gateSteps, swing, session.tempo) / 1000,
        volume: track.volume,
        pan: track.pan,
      });
    }
  }
}

/** Distance from `step` to the next lit step of a loop of `length`, wrapping; `length` when none. */
export function stepsToNextNote(steps: readonly boolean[], step: number, length: number): number {
  for (let k = 1; k < length; k++) if (steps[(step + k) % length]) return k;
  return length;
}

/** Seconds per step at a tempo. */
export const stepSeconds = (tempo: number) => stepDurationMs(tempo) / 1000;

/** What an export or an offline render plays: the song, or one pattern looped. */
export type RenderTarget = { song: true } | { song: false; pattern: PatternId };

/** The target a session plays by default: its song when it has one, else the pattern playing. */
export function defaultRender(session: Session): RenderTarget {
  return session.song.entries.length > 0 ? { song: true } : { song: false, pattern: session.transport.pattern };
}

/** The session set to play `target` from global step 0 (the song from its first entry). */
export function forRender(session: Session, target: RenderTarget): Session {
  return {
    ...session,
    song: { ...session.song, start: null },
    transport: { song: target.song, pattern: target.song ? session.transport.pattern : target.pattern, from: 0, next: null },
  };
}

/** Passes a row plays before its random choices are heard varying: a render or an export shows this many at least. */
export const RANDOM_PASSES = 4;

/**
 * Steps of one full cycle of what a session plays (set it with `forRender`): the song's
 * length, or for a pattern the least common multiple of its rows' cycles (capped), after
 * which every row lines up again. A row's cycle is its length times the passes its
 * conditions take to repeat (1:4 repeats every 4 passes; "1st" differs on the first pass
 * only, so 2 show it); a row with random choices (a probability under 100 %) never
 * repeats exactly, so RANDOM_PASSES of it are taken.
 */
export function loopLengthSteps(session: Session, cap = 1024): number {
  if (session.transport.song && session.song.entries.length > 0) return Math.min(cap, songSteps(session).total);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const lcmOf = (a: number, b: number) => (a * b) / gcd(a, b);
  const rows = session.patterns[session.transport.pattern]?.rows ?? {};
  let lcm = 16;
  for (const t of session.tracks) {
    const row = rows[t.id];
    const length = row?.length ?? 16;
    let passes = 1;
    for (let i = 0; row && i < length; i++) {
      if (!row.steps[i]) continue;
      const condition = CONDITIONS[row.conditions[i] ?? 0];
      if (condition?.kind === 'ratio') passes = lcmOf(passes, condition.b);
      else if (condition && condition.kind !== 'always' && condition.kind !== 'fill' && condition.kind !== 'not_fill')
        passes = lcmOf(passes, 2);
      if ((row.probabilities[i] ?? 100) < 100) passes = lcmOf(passes, RANDOM_PASSES);
    }
    lcm = lcmOf(lcm, length * passes);
    if (lcm > cap) return cap;
  }
  return lcm;
}
