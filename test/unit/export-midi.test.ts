/**
 * MIDI export: build a file from a session, parse it back with @tonejs/midi, and
 * compare with the pattern, computed here from first principles (a step is a
 * sixteenth; odd sixteenths are late by swing % of half a step — the track's own swing
 * when it has one, else the session's; a melodic note is the root + the step's pitch +
 * the track's transpose; every track loops on its own length over the whole loop).
 */
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTS, instrumentInfo } from '../../core/instruments';
import { forRender } from '../../core/events';
import { emptyRow, emptySession, makeTrack, type Row, rowOf, type Session, sessionWithTracks, type Track } from '../../core/model';
import { sessionFromTemplate } from '../../core/templates';
import { DRUM_CHANNEL, GM_DRUM_NOTES, GM_PROGRAMS, PPQ, sessionToMidi } from '../../app/export/midi';

interface Expected {
  ticks: number;
  seconds: number;
  midi: number;
  velocity: number;
}

/** Every note a track should produce over `loopSteps`, written out independently of the exporter. */
function expectedNotes(session: Session, track: Track, loopSteps: number): Expected[] {
  const info = instrumentInfo(track.instrument)!;
  const row: Row = rowOf(session, 'A', track.id);
  const stepSeconds = 60 / session.tempo / 4;
  const notes: Expected[] = [];
  for (let g = 0; g < loopSteps; g++) {
    const s = g % row.length;
    if (!row.steps[s]) continue;
    const swingFraction = g % 2 === 1 ? ((track.swing ?? session.swing) / 100) * 0.5 : 0;
    notes.push({
      ticks: (g + swingFraction) * (PPQ / 4),
      seconds: (g + swingFraction) * stepSeconds,
      midi: info.melodic ? info.root + row.pitches[s]! + track.transpose : GM_DRUM_NOTES[track.instrument]!,
      velocity: Math.max(1, row.velocities[s]!),
    });
  }
  return notes;
}

function groove(): Session {
  const session = emptySession(0, 'Export groove');
  session.tempo = 96;
  session.swing = 40;
  const kick = makeTrack({ id: 'k', name: 'Kick', instrument: 'studio-kick', length: 16, on: [0, 4, 8, 11, 12] });
  kick.row.velocities[4] = 64;
  kick.row.velocities[11] = 0; // lit but silent: written at velocity 1
  const hat = makeTrack({ id: 'h', name: 'Hat', instrument: '808-hat', length: 6, on: [1, 3, 4] });
  hat.row.velocities[1] = 30;
  hat.row.velocities[3] = 127;
  const bass = makeTrack({ id: 'b', name: 'Bass', instrument: 'synth-bass', length: 5, on: [0, 2, 3] });
  bass.row.pitches[0] = -3;
  bass.row.pitches[2] = 7;
  bass.row.pitches[3] = 24;
  bass.row.velocities[2] = 88;
  const pad = makeTrack({ id: 'p', name: 'Pad', instrument: 'warm-pad', length: 32, on: [0, 16] });
  pad.row.pitches[16] = -24;
  const snare = makeTrack({ id: 's', name: 'Snare', instrument: 'electro-snare', length: 16, on: [4, 12] });
  return sessionWithTracks(session, [kick, hat, bass, pad, snare]);
}

/** The MIDI file of pattern A looped (every session here keeps its steps in A). */
const patternA = (session: Session) => sessionToMidi(forRender(session, { song: false, pattern: 'A' }));

describe('MIDI export', () => {
  it('parses back as the same pattern: notes, swung times, pitches, velocities, channels, tempo', () => {
    const session = groove();
    const bytes = patternA(session);
    expect(String.fromCharCode(...bytes.slice(0, 4))).toBe('MThd');
    const midi = new Midi(bytes);

    // Type 1 (written by the library as format 1), our PPQ, the tempo and 4/4 in the header.
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(8)).toBe(1);
    expect(midi.header.ppq).toBe(PPQ);
    expect(midi.header.name).toBe('Export groove');
    expect(midi.header.tempos).toHaveLength(1);
    expect(midi.header.tempos[0]!.bpm).toBeCloseTo(96, 3);
    expect(midi.header.timeSignatures[0]!.timeSignature).toEqual([4, 4]);

    // The loop: lcm(16, 6, 5, 32, 16) = 480 steps, marked at its end.
    const loopSteps = 480;
    expect(midi.header.meta.find((m) => m.type === 'marker')?.ticks).toBe(loopSteps * (PPQ / 4));

    expect(midi.tracks.map((t) => t.name)).toEqual(['Kick', 'Hat', 'Bass', 'Pad', 'Snare']);
    const channels = midi.tracks.map((t) => t.channel);
    expect(channels[0]).toBe(DRUM_CHANNEL);
    expect(channels[1]).toBe(DRUM_CHANNEL);
    expect(channels[4]).toBe(DRUM_CHANNEL);
    expect(midi.tracks[0]!.instrument.percussion).toBe(true);
    expect(channels[2]).not.toBe(DRUM_CHANNEL);
    expect(channels[3]).not.toBe(DRUM_CHANNEL);
    expect(channels[2]).not.toBe(channels[3]);
    expect(midi.tracks[2]!.instrument.number).toBe(GM_PROGRAMS['synth-bass']);
    expect(midi.tracks[3]!.instrument.number).toBe(GM_PROGRAMS['warm-pad']);

    const tickTolerance = 0.5; // swing offsets are rounded to whole ticks
    session.tracks.forEach((track, i) => {
      const got = midi.tracks[i]!.notes;
      const want = expectedNotes(session, track, loopSteps);
      expect(got.length, track.name).toBe(want.length);
      want.forEach((w, k) => {
        const note = got[k]!;
        expect(Math.abs(note.ticks - w.ticks), `${track.name} note ${k} ticks`).toBeLessThanOrEqual(tickTolerance);
        expect(Math.abs(note.time - w.seconds), `${track.name} note ${k} time`).toBeLessThan(0.001);
        expect(note.midi, `${track.name} note ${k} pitch`).toBe(w.midi);
        expect(Math.round(note.velocity * 127), `${track.name} note ${k} velocity`).toBe(w.velocity);
        // A note never runs into the next one of its track.
        const next = got[k + 1];
        if (next) expect(note.ticks + note.durationTicks).toBeLessThanOrEqual(next.ticks);
      });
    });

    // Spot checks with literal numbers: the kick's swung step 11 (40 % of half a step late, velocity 0 → 1),
    // the bass at C2 − 3 and C2 + 24, and the snare on GM Electric Snare.
    const kickNotes = midi.tracks[0]!.notes;
    expect(kickNotes[3]!.ticks).toBe(11 * 120 + 24);
    expect(Math.round(kickNotes[3]!.velocity * 127)).toBe(1);
    expect(kickNotes[1]!.midi).toBe(36);
    expect(Math.round(kickNotes[1]!.velocity * 127)).toBe(64);
    expect(midi.tracks[2]!.notes.slice(0, 3).map((n) => n.midi)).toEqual([33, 43, 60]);
    expect(midi.tracks[4]!.notes[0]!.midi).toBe(40);
  });

  it("a track's transpose moves its notes, and a track's own swing replaces the session's for it alone", () => {
    const session = groove();
    const [kick, hat, bass, pad] = session.tracks;
    bass!.transpose = -5;
    pad!.transpose = 12;
    hat!.swing = 0; // straight hats over a swung groove
    kick!.transpose = 7; // drums have no pitch: ignored
    const midi = new Midi(patternA(session));
    session.tracks.forEach((track, i) => {
      const want = expectedNotes(session, track, 480);
      const got = midi.tracks[i]!.notes;
      expect(
        got.map((n) => n.midi),
        track.name,
      ).toEqual(want.map((w) => w.midi));
      for (const [k, n] of got.entries()) expect(Math.abs(n.ticks - want[k]!.ticks), `${track.name} ${k}`).toBeLessThanOrEqual(0.5);
    });
    expect(midi.tracks[2]!.notes.slice(0, 3).map((n) => n.midi)).toEqual([28, 38, 55]);
    // The hat's step 1 is straight (120 ticks); the kick's step 11 still swings.
    expect(midi.tracks[1]!.notes[0]!.ticks).toBe(120);
    expect(midi.tracks[0]!.notes[3]!.ticks).toBe(11 * 120 + 24);
    expect(midi.tracks[0]!.notes[0]!.midi).toBe(36);
  });

  it('drum hits last half a step; melodic notes hold until the track’s next note, at most a bar', () => {
    const hat = makeTrack({ id: 'h', name: 'Hat', instrument: 'studio-hat', length: 16, on: [0, 1] });
    const lead = makeTrack({ id: 'l', name: 'Lead', instrument: 'saw-lead', length: 64, on: [0, 3, 40] });
    const session = sessionWithTracks({ ...emptySession(0, 'Lengths'), tempo: 120 }, [hat, lead]);
    const midi = new Midi(patternA(session));
    expect(midi.tracks[0]!.notes[0]!.durationTicks).toBe(60);
    expect(midi.tracks[1]!.notes.map((n) => n.durationTicks)).toEqual([3 * 120, 16 * 120, 16 * 120]);
  });

  it('swing of 100 % makes the odd hit end exactly where the next one starts, and still parses', () => {
    const session = sessionWithTracks({ ...emptySession(0, 'Hard shuffle'), swing: 100 }, [
      makeTrack({ id: 'h', name: 'Hat', instrument: '808-hat', length: 16, on: [...Array(16).keys()] }),
    ]);
    const notes = new Midi(patternA(session)).tracks[0]!.notes;
    expect(notes).toHaveLength(16);
    expect(notes.slice(0, 4).map((n) => n.ticks)).toEqual([0, 180, 240, 420]);
    expect(notes[1]!.ticks + notes[1]!.durationTicks).toBe(240);
  });

  it('keeps a decimal tempo, an empty session and more melodic tracks than channels', () => {
    const empty = emptySession(0, 'Nothing yet');
    empty.tempo = 87.5;
    const parsed = new Midi(patternA(empty));
    expect(parsed.tracks).toHaveLength(0);
    expect(parsed.header.tempos[0]!.bpm).toBeCloseTo(87.5, 3);
    expect(parsed.header.meta.find((m) => m.type === 'marker')?.ticks).toBe(16 * 120);

    const many = sessionWithTracks(
      emptySession(0, 'Sixteen keys'),
      Array.from({ length: 16 }, (_, i) => makeTrack({ id: `t${i}`, name: `Keys ${i}`, instrument: 'piano', on: [i] })),
    );
    const tracks = new Midi(patternA(many)).tracks;
    expect(tracks).toHaveLength(16);
    expect(tracks.every((t) => t.channel !== DRUM_CHANNEL)).toBe(true);
    expect(new Set(tracks.slice(0, 15).map((t) => t.channel)).size).toBe(15);
    expect(tracks.every((t, i) => t.notes.length === 1 && t.notes[0]!.ticks === i * 120)).toBe(true);
  });

  it('maps every drum of the catalogue to a General MIDI percussion key and every melodic one to a program', () => {
    for (const info of INSTRUMENTS) {
      if (info.category === 'drums') {
        expect(GM_DRUM_NOTES[info.id], info.id).toBeGreaterThanOrEqual(35);
        expect(GM_DRUM_NOTES[info.id], info.id).toBeLessThanOrEqual(81);
      } else {
        expect(GM_PROGRAMS[info.id], info.id).toBeGreaterThanOrEqual(0);
        expect(GM_PROGRAMS[info.id], info.id).toBeLessThanOrEqual(127);
      }
    }
  });
});

describe('MIDI export of a long polyrhythm', () => {
  it('unrolls the whole cycle of the "Polyrhythm" template (16, 3, 5 and 7 steps: 1,680 steps)', () => {
    const session = sessionFromTemplate('polyrhythm', 0)!;
    const midi = new Midi(patternA(session));
    expect(session.tracks.map((t) => rowOf(session, 'A', t.id).length).sort((a, b) => a - b)).toEqual([3, 5, 7, 16]);
    expect(midi.header.meta.find((m) => m.type === 'marker')?.ticks).toBe(1680 * (PPQ / 4));
  });
});

describe('MIDI export of a song', () => {
  it("the song as one timeline: each entry's pattern at its place, for its repeats, the loop marker at the end", () => {
    const kick = makeTrack({ id: 'k', name: 'Kick', instrument: 'studio-kick', on: [0, 8] });
    const snare = makeTrack({ id: 's', name: 'Snare', instrument: 'studio-snare', length: 8, on: [4] });
    const base = sessionWithTracks(emptySession(0, 'Song'), [kick, { track: snare.track, row: emptyRow() }]);
    const session: Session = {
      ...base,
      patterns: { ...base.patterns, B: { name: 'Fill', rows: { s: snare.row } } },
      song: {
        entries: [
          { id: 'e1', pattern: 'A', repeats: 2 },
          { id: 'e2', pattern: 'B', repeats: 1 },
        ],
        loop: true,
        start: 'e2',
      },
    };
    // A twice (32 steps: the kick on 0, 8, 16, 24), then B once (16 steps: its pass is the kick's default 16; the
    // 8-step snare on 36 and 44); from the first entry whatever the start entry.
    const midi = new Midi(sessionToMidi(forRender(session, { song: true })));
    const steps = (i: number) => midi.tracks[i]!.notes.map((n) => n.ticks / (PPQ / 4));
    expect(steps(0)).toEqual([0, 8, 16, 24]);
    expect(steps(1)).toEqual([36, 44]);
    expect(midi.header.meta.find((m) => m.type === 'marker')?.ticks).toBe(48 * (PPQ / 4));
    // One pattern alone is that pattern looped.
    const b = new Midi(sessionToMidi(forRender(session, { song: false, pattern: 'B' })));
    expect(b.tracks[1]!.notes.map((n) => n.ticks / (PPQ / 4))).toEqual([4, 12]);
    expect(b.tracks[0]!.notes).toHaveLength(0);
  });
});
