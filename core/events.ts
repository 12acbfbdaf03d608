/**
 * What sounds when: the one function that turns a session into timed events, shared
 * by live playback (app/audio/mixer.ts), the offline render (WAV export, the timing
 * tests) and the MIDI export (app/export/midi.ts). Pure: no Tone.js, no DOM, so every
 * listener, the embed and both exports hear the same thing.
 */
import { cueAt, songSteps } from './arrangement';
import type { TrackFieldName } from './fields';
import { instrumentInfo } from './instruments';
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
  /** Seconds after the unswung step time (swing). */
  offset: number;
  /** Steps until this track's next note (its loop length when it has only this one): how long sustained voices hold. */
  gateSteps: number;
  /** Seconds after the unswung time of the step where the next note starts (its swing): where this note must end by. */
  nextOffset: number;
  volume: number;
  pan: number;
}

/** The swing (percent) a track plays with: its own when set, else the session's. */
export const trackSwing = (session: Pick<Session, 'swing'>, track: Pick<Track, 'swing'>) => track.swing ?? session.swing;

/**
 * What sounds at a global step: the rows of the pattern the transport plays there
 * (core/arrangement.ts), each counted from where that pattern started.
 */
export function eventsAtStep(session: Session, globalStep: number, audible: ReadonlySet<string> | null): StepEvent[] {
  const events: StepEvent[] = [];
  const cue = cueAt(session, globalStep);
  const pattern = session.patterns[cue.pattern];
  if (cue.ended || !pattern) return events;
  for (const track of session.tracks) {
    if (audible && !audible.has(track.id)) continue;
    const row = pattern.rows[track.id];
    if (!row) continue;
    const step = trackStepAt(globalStep - cue.start, row.length);
    if (!row.steps[step]) continue;
    const melodic = instrumentInfo(track.instrument)?.melodic ?? false;
    const swing = trackSwing(session, track);
    const gateSteps = stepsToNextNote(row.steps, step, row.length);
    const pitch = melodic ? (row.pitches[step] ?? 0) + track.transpose : 0;
    events.push({
      trackId: track.id,
      instrument: track.instrument,
      velocity: (row.velocities[step] ?? 100) / 127,
      pitch,
      pitches: melodic ? chordPitches(pitch, row.chords[step] ?? 0) : [0],
      detune: track.tune / 100,
      offset: swingOffsetMs(globalStep, swing, session.tempo) / 1000,
      gateSteps,
      nextOffset: swingOffsetMs(globalStep + gateSteps, swing, session.tempo) / 1000,
      volume: track.volume,
      pan: track.pan,
    });
  }
  return events;
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

/**
 * Steps of one full cycle of what a session plays (set it with `forRender`): the song's
 * length, or for a pattern the least common multiple of its rows' lengths (capped), after
 * which every row lines up again.
 */
export function loopLengthSteps(session: Session, cap = 1024): number {
  if (session.transport.song && session.song.entries.length > 0) return Math.min(cap, songSteps(session).total);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const rows = session.patterns[session.transport.pattern]?.rows ?? {};
  let lcm = 16;
  for (const t of session.tracks) {
    const length = rows[t.id]?.length ?? 16;
    lcm = (lcm * length) / gcd(lcm, length);
    if (lcm > cap) return cap;
  }
  return lcm;
}
