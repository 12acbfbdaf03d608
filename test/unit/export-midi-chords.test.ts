/**
 * MIDI export of chords: a step holding a chord (core/music.ts) is written as its notes
 * at once: same start, same length, same velocity, each a note of its own, rising from
 * the step's own note (the root + the pitch + the transpose) by the chord's intervals.
 */
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { sessionToMidi } from '../../app/export/midi';
import { forRender } from '../../core/events';
import { chordMask } from '../../core/fields';
import { emptySession, makeTrack, sessionWithTracks } from '../../core/model';
import { CHORD_SHAPES, diatonicChord } from '../../core/music';

const shape = (symbol: string) => CHORD_SHAPES.find((c) => c.symbol === symbol)!;

function chords() {
  const session = emptySession(0, 'Chords');
  session.tempo = 120;
  session.key = { root: 0, scale: 'major', lock: false };
  // Piano (root C4 = 60): C minor on step 1, F major 7 on step 5, a single G on step 9, the key's ii7 (Dm7) on step 13.
  const keys = makeTrack({ id: 'k', name: 'Keys', instrument: 'piano', on: [0, 4, 8, 12] });
  keys.row.chords[0] = chordMask(shape('m').intervals);
  keys.row.pitches[4] = 5;
  keys.row.chords[4] = chordMask(shape('maj7').intervals);
  keys.row.pitches[8] = 7;
  keys.row.pitches[12] = 2;
  keys.row.chords[12] = diatonicChord(session.key, 'piano', 2, 4);
  keys.row.velocities[4] = 90;
  // A transposed bass (root C2 = 36, up a fifth) playing a power chord on step 1.
  const bass = makeTrack({ id: 'b', name: 'Bass', instrument: 'synth-bass', on: [0] });
  bass.track.transpose = 7;
  bass.row.chords[0] = chordMask(shape('5').intervals);
  return sessionWithTracks(session, [keys, bass]);
}

/** The notes of a track grouped by start tick, each group's MIDI numbers rising. */
function byStart(notes: Midi['tracks'][number]['notes']): Map<number, { midi: number[]; durations: number[]; velocities: number[] }> {
  const out = new Map<number, { midi: number[]; durations: number[]; velocities: number[] }>();
  for (const n of notes) {
    const group = out.get(n.ticks) ?? { midi: [], durations: [], velocities: [] };
    group.midi.push(n.midi);
    group.durations.push(n.durationTicks);
    group.velocities.push(Math.round(n.velocity * 127));
    out.set(n.ticks, group);
  }
  for (const g of out.values()) g.midi.sort((a, b) => a - b);
  return out;
}

describe('MIDI export of chords', () => {
  it('writes each chord step as its 3 or 4 notes at once, a single step as one', () => {
    const midi = new Midi(sessionToMidi(forRender(chords(), { song: false, pattern: 'A' })));
    const [keys, bass] = midi.tracks;
    const steps = byStart(keys!.notes);
    const tick = (step: number) => step * (midi.header.ppq / 4);
    expect([...steps.keys()]).toEqual([0, 4, 8, 12].map(tick));
    expect(steps.get(tick(0))!.midi).toEqual([60, 63, 67]); // C E♭ G
    expect(steps.get(tick(4))!.midi).toEqual([65, 69, 72, 76]); // F A C E
    expect(steps.get(tick(8))!.midi).toEqual([67]);
    expect(steps.get(tick(12))!.midi).toEqual([62, 65, 69, 72]); // D F A C: the key's seventh on D
    for (const group of steps.values()) {
      // One start, one length, one velocity: the chord is struck together.
      expect(new Set(group.durations).size).toBe(1);
      expect(new Set(group.velocities).size).toBe(1);
    }
    expect(steps.get(tick(4))!.velocities[0]).toBe(90);
    expect(byStart(bass!.notes).get(0)!.midi).toEqual([43, 50]); // G2 and D3: the power chord, transposed
  });
});
