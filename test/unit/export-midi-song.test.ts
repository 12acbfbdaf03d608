/**
 * MIDI of a song (issue 12): the chain as one timeline, each entry's pattern at its place,
 * parsed back with @tonejs/midi and compared with the song written out here from first
 * principles (an entry lasts repeats × its pattern's longest row; rows count from the
 * entry's start and loop on their own length).
 */
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { defaultRender, forRender } from '../../core/events';
import { instrumentInfo } from '../../core/instruments';
import { emptyRow, emptySession, makeTrack, type PatternId, type Row, type Session, sessionWithTracks } from '../../core/model';
import { GM_DRUM_NOTES, PPQ, sessionToMidi } from '../../app/export/midi';

const row = (length: number, on: number[], pitches: Record<number, number> = {}): Row => {
  const r = emptyRow(length);
  for (const s of on) r.steps[s] = true;
  for (const [s, p] of Object.entries(pitches)) r.pitches[Number(s)] = p;
  return r;
};

function song(): Session {
  const kick = makeTrack({ id: 'k', name: 'Kick', instrument: 'studio-kick' });
  const bass = makeTrack({ id: 'b', name: 'Bass', instrument: 'synth-bass' });
  const base = sessionWithTracks({ ...emptySession(0, 'Song'), tempo: 100 }, [kick, bass]);
  return {
    ...base,
    patterns: {
      // Verse: four on the floor, a bass note every half bar.
      A: { name: 'Verse', rows: { k: row(16, [0, 4, 8, 12]), b: row(16, [0, 8], { 0: 0, 8: 7 }) } },
      // Chorus: 32 steps long (two bars); a 3-step bass row runs across it.
      B: { name: 'Chorus', rows: { k: row(32, [0, 6, 16, 22]), b: row(3, [0], { 0: 12 }) } },
    },
    song: {
      entries: [
        { id: 'v', pattern: 'A', repeats: 2 },
        { id: 'c', pattern: 'B', repeats: 1 },
        { id: 'v2', pattern: 'A', repeats: 1 },
      ],
      loop: true,
      start: null,
    },
    transport: { song: false, pattern: 'B', from: 0, next: null },
  };
}

/** Every note of a track over the song, from first principles. */
function expected(session: Session, trackId: string): { step: number; midi: number }[] {
  const track = session.tracks.find((t) => t.id === trackId)!;
  const info = instrumentInfo(track.instrument)!;
  const notes: { step: number; midi: number }[] = [];
  let start = 0;
  for (const entry of session.song.entries) {
    const rows = session.patterns[entry.pattern as PatternId]!.rows;
    const pass = Math.max(...session.tracks.map((t) => rows[t.id]?.length ?? 16));
    const r = rows[trackId]!;
    for (let g = 0; g < entry.repeats * pass; g++) {
      const s = g % r.length;
      if (r.steps[s]) notes.push({ step: start + g, midi: info.melodic ? info.root + r.pitches[s]! : GM_DRUM_NOTES[track.instrument]! });
    }
    start += entry.repeats * pass;
  }
  return notes;
}

describe('MIDI of a song', () => {
  it('is the chain as one timeline: every entry’s notes at their place, and the loop marker at the song’s end', () => {
    const session = song();
    // The export plays the song when the session has one, whatever pattern plays now.
    expect(defaultRender(session)).toEqual({ song: true });
    const midi = new Midi(sessionToMidi(forRender(session, defaultRender(session))));
    const ticksPerStep = PPQ / 4;
    // Verse ×2 (32 steps) + chorus (32) + verse (16).
    expect(midi.header.meta.find((m) => m.type === 'marker')?.ticks).toBe(80 * ticksPerStep);
    for (const [i, id] of ['k', 'b'].entries()) {
      const got = midi.tracks[i]!.notes.map((n) => ({ step: n.ticks / ticksPerStep, midi: n.midi }));
      expect(got, id).toEqual(expected(session, id));
    }
    // The chorus's 3-step bass row counts from the chorus's start (step 32), not from 0.
    expect(
      midi.tracks[1]!.notes.filter((n) => n.ticks >= 32 * ticksPerStep && n.ticks < 64 * ticksPerStep).map((n) => n.ticks / ticksPerStep),
    ).toEqual([32, 35, 38, 41, 44, 47, 50, 53, 56, 59, 62]);
  });

  it('of one pattern is that pattern’s cycle alone', () => {
    const session = song();
    const midi = new Midi(sessionToMidi(forRender(session, { song: false, pattern: 'B' })));
    expect(midi.tracks[0]!.notes.map((n) => n.ticks / (PPQ / 4))).toEqual([0, 6, 16, 22, 32, 38, 48, 54, 64, 70, 80, 86]);
  });
});
