/**
 * Step expression (issue 14): the seeded choices of core/expression.ts and the events
 * core/events.ts makes of them (probability, conditions, ratchets, nudge, note length),
 * checked against arithmetic written out here; and the MIDI export, which writes those
 * events. Every expectation about time is computed here from first principles
 * (a step = 60 / tempo / 4 s; odd steps late by swing % of half a step).
 */
import { Midi } from '@tonejs/midi';
import { describe, expect, it } from 'vitest';
import { CONDITIONS, type Condition } from '../../core/conditions';
import { eventsAtStep, loopLengthSteps, RANDOM_PASSES, type StepEvent } from '../../core/events';
import { chance, newSeed, ratchetHits, stepFires, type StepPlace } from '../../core/expression';
import { LIMITS } from '../../core/limits';
import { emptySession, makeTrack, type Row, type Session, sessionWithTracks } from '../../core/model';
import { PPQ, sessionToMidi } from '../../app/export/midi';

const conditionIndex = (c: Condition) => {
  const i = CONDITIONS.findIndex((x) => JSON.stringify(x) === JSON.stringify(c));
  if (i < 0) throw new Error(`no condition ${JSON.stringify(c)}`);
  return i;
};
const ALWAYS = conditionIndex({ kind: 'always' });
const FIRST = conditionIndex({ kind: 'first' });
const NOT_FIRST = conditionIndex({ kind: 'not_first' });
const PREV = conditionIndex({ kind: 'prev' });
const NOT_PREV = conditionIndex({ kind: 'not_prev' });
const FILL = conditionIndex({ kind: 'fill' });
const NOT_FILL = conditionIndex({ kind: 'not_fill' });
const ratio = (a: number, b: number) => conditionIndex({ kind: 'ratio', a, b });

/** One track on pattern A; `edit` sets its row's expression. */
function oneTrack(instrument: string, length: number, on: number[], edit: (row: Row) => void = () => {}, tempo = 120, swing = 0): Session {
  const made = makeTrack({ id: 't', name: 'T', instrument, length, on });
  edit(made.row);
  const session = sessionWithTracks(emptySession(0, 'expression'), [made]);
  session.tempo = tempo;
  session.swing = swing;
  return session;
}

const rowOfT = (session: Session) => session.patterns.A!.rows.t!;

function place(session: Session, step: number, loop: number, fill = false): StepPlace {
  return { seed: session.seed, pattern: 'A', trackId: 't', row: rowOfT(session), step, loop, fill };
}

/** Whether step `step` sounds on pass `loop`, as the events say. */
/** Whether step `step` sounds on pass `loop` (`fill`: someone holds Fill — presence, an argument of eventsAtStep). */
function sounds(session: Session, step: number, loop: number, fill = false): boolean {
  const length = rowOfT(session).length;
  const g = loop * length + step;
  return eventsAtStep(session, g, null, fill).some((e) => e.offset < 1e-9 + (60 / session.tempo / 4) * 0.999);
}

const stepSec = (tempo: number) => 60 / tempo / 4;
const swingSec = (g: number, tempo: number, swing: number) => (g % 2 === 1 ? (swing / 100) * 0.5 * stepSec(tempo) : 0);

describe('chance: the seeded random number of a step', () => {
  it('is a pure function of seed, pattern, track, step and loop, in [0, 1)', () => {
    expect(chance(7, 'A', 't', 3, 11)).toBe(chance(7, 'A', 't', 3, 11));
    const base = chance(7, 'A', 't', 3, 11);
    const variants = [
      chance(8, 'A', 't', 3, 11),
      chance(7, 'B', 't', 3, 11),
      chance(7, 'A', 'u', 3, 11),
      chance(7, 'A', 't', 4, 11),
      chance(7, 'A', 't', 3, 12),
    ];
    for (const v of variants) expect(v).not.toBe(base);
    for (let i = 0; i < 1000; i++) {
      const c = chance(i, 'A', 't', i % 128, i);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThan(1);
    }
  });

  it('is uniform enough: 10 000 draws over loops have mean 0.5 ± 0.02 and fill every tenth', () => {
    const draws: number[] = [];
    for (let loop = 0; loop < 625; loop++) for (let step = 0; step < 16; step++) draws.push(chance(12345, 'A', 'hat', step, loop));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    const bins = new Array(10).fill(0);
    for (const d of draws) bins[Math.floor(d * 10)]++;
    // 1000 expected per bin; ±15 % is far outside chance for a uniform source (σ ≈ 30).
    for (const b of bins) expect(Math.abs(b - 1000)).toBeLessThan(150);
    // Neighbouring draws are not correlated: successive loops of one step, and successive seeds.
    let same = 0;
    for (let loop = 0; loop < 5000; loop++) if (chance(1, 'A', 't', 0, loop) < 0.5 === chance(1, 'A', 't', 0, loop + 1) < 0.5) same++;
    expect(Math.abs(same / 5000 - 0.5)).toBeLessThan(0.03);
    let seeds = 0;
    for (let seed = 0; seed < 5000; seed++) seeds += chance(seed, 'A', 't', 0, 0);
    expect(Math.abs(seeds / 5000 - 0.5)).toBeLessThan(0.02);
  });
});

describe('newSeed: what a new session and Re-roll draw', () => {
  it('is a whole number in the seed range, never the current seed', () => {
    // A random source stuck on the current seed's draw must not end the loop with it.
    const draws = [0.5, 0.5, 0, 0.999_999_999];
    const current = Math.floor(0.5 * (LIMITS.maxSeed + 1));
    expect(newSeed(current, () => draws.shift()!)).toBe(0);
    for (let i = 0; i < 100; i++) {
      const seed = newSeed(7);
      expect(Number.isInteger(seed) && seed >= 0 && seed <= LIMITS.maxSeed && seed !== 7).toBe(true);
    }
    expect(newSeed(undefined, () => 0.999_999_999_9)).toBe(LIMITS.maxSeed);
  });
});

describe('probability', () => {
  it('a 50 % step fires about half the time over many loops, and the same way on every recomputation', () => {
    const session = oneTrack('studio-hat', 16, [0, 5], (row) => {
      row.probabilities[0] = 50;
      row.probabilities[5] = 50;
    });
    const first: boolean[] = [];
    for (let loop = 0; loop < 2000; loop++) first.push(sounds(session, 0, loop), sounds(session, 5, loop));
    const fired = first.filter(Boolean).length / first.length;
    expect(Math.abs(fired - 0.5)).toBeLessThan(0.03);
    const again: boolean[] = [];
    for (let loop = 0; loop < 2000; loop++)
      again.push(sounds(structuredClone(session), 0, loop), sounds(structuredClone(session), 5, loop));
    expect(again).toEqual(first);
    // It is exactly the seeded draw: fires when chance < p.
    for (let loop = 0; loop < 200; loop++) expect(sounds(session, 0, loop)).toBe(chance(0, 'A', 't', 0, loop) < 0.5);
  });

  it('a 60 % step fires about 60 % of the time; a new seed makes other choices', () => {
    const session = oneTrack('studio-hat', 16, [3], (row) => {
      row.probabilities[3] = 60;
    });
    const pattern = (s: Session) => Array.from({ length: 1000 }, (_, loop) => sounds(s, 3, loop));
    const a = pattern(session);
    expect(Math.abs(a.filter(Boolean).length / 1000 - 0.6)).toBeLessThan(0.04);
    const b = pattern({ ...session, seed: 99 });
    expect(b).not.toEqual(a);
    expect(Math.abs(b.filter(Boolean).length / 1000 - 0.6)).toBeLessThan(0.04);
  });

  it('0 % never fires, 100 % always does', () => {
    const session = oneTrack('studio-hat', 4, [0, 1], (row) => {
      row.probabilities[0] = 0;
      row.probabilities[1] = 100;
    });
    for (let loop = 0; loop < 500; loop++) {
      expect(sounds(session, 0, loop)).toBe(false);
      expect(sounds(session, 1, loop)).toBe(true);
    }
  });
});

describe('conditions', () => {
  it('A:B plays on pass A of every B, for every A and B', () => {
    for (let b = 2; b <= 8; b++)
      for (let a = 1; a <= b; a++) {
        const session = oneTrack('studio-hat', 16, [2], (row) => {
          row.conditions[2] = ratio(a, b);
        });
        for (let loop = 0; loop < 3 * b; loop++) expect(sounds(session, 2, loop), `${a}:${b} loop ${loop}`).toBe(loop % b === a - 1);
      }
  });

  it('A:B counts the passes of the row, not bars: a 5-step row plays 1:2 every other 5 steps', () => {
    const session = oneTrack('studio-hat', 5, [0], (row) => {
      row.conditions[0] = ratio(1, 2);
    });
    const fired = Array.from({ length: 40 }, (_, g) => eventsAtStep(session, g, null).length > 0);
    expect(fired.flatMap((f, g) => (f ? [g] : []))).toEqual([0, 10, 20, 30]);
  });

  it('1st plays only on the first pass; not 1st on every other', () => {
    const session = oneTrack('studio-hat', 8, [0, 1], (row) => {
      row.conditions[0] = FIRST;
      row.conditions[1] = NOT_FIRST;
    });
    for (let loop = 0; loop < 10; loop++) {
      expect(sounds(session, 0, loop)).toBe(loop === 0);
      expect(sounds(session, 1, loop)).toBe(loop > 0);
    }
  });

  it('fill and not fill follow the shared Fill button', () => {
    const session = oneTrack('studio-hat', 4, [0, 1], (row) => {
      row.conditions[0] = FILL;
      row.conditions[1] = NOT_FILL;
    });
    for (let loop = 0; loop < 4; loop++) {
      expect(sounds(session, 0, loop)).toBe(false);
      expect(sounds(session, 1, loop)).toBe(true);
      expect(sounds(session, 0, loop, true)).toBe(true);
      expect(sounds(session, 1, loop, true)).toBe(false);
    }
  });

  it('prev / not prev follow whether the previous conditional step of the track played', () => {
    // Step 2 is 50 %; step 6 plays when it did (prev), step 9 when it did not (not prev).
    const session = oneTrack('studio-hat', 16, [2, 6, 9], (row) => {
      row.probabilities[2] = 50;
      row.conditions[6] = PREV;
      row.conditions[9] = NOT_PREV;
    });
    let both = 0;
    for (let loop = 0; loop < 200; loop++) {
      const fired = chance(0, 'A', 't', 2, loop) < 0.5;
      expect(sounds(session, 2, loop)).toBe(fired);
      expect(sounds(session, 6, loop)).toBe(fired);
      expect(sounds(session, 9, loop)).toBe(!fired);
      if (fired) both++;
    }
    expect(both).toBeGreaterThan(50);
    expect(both).toBeLessThan(150);
  });

  it('prev skips always-steps and other prev steps, and looks back over the previous pass', () => {
    // Step 1 (prev) has no conditional step before it in its pass: it looks at step 12 of the previous pass.
    const session = oneTrack('studio-hat', 16, [1, 4, 12], (row) => {
      row.conditions[1] = PREV;
      row.conditions[12] = ratio(1, 3);
      // step 4: always, not conditional — skipped
    });
    for (let loop = 0; loop < 12; loop++) {
      // On the first pass there is no previous pass: nothing conditional came before, which counts as played.
      const expected = loop === 0 ? true : (loop - 1) % 3 === 0;
      expect(sounds(session, 1, loop), `loop ${loop}`).toBe(expected);
      expect(sounds(session, 4, loop)).toBe(true);
      expect(sounds(session, 12, loop)).toBe(loop % 3 === 0);
    }
  });

  it('prev steps are transparent to later prev steps, even with a probability of their own', () => {
    const session = oneTrack('studio-hat', 16, [0, 4, 8], (row) => {
      row.conditions[0] = ratio(1, 2);
      row.conditions[4] = NOT_PREV;
      row.probabilities[4] = 50;
      row.conditions[8] = PREV; // looks past step 4 to step 0
    });
    for (let loop = 0; loop < 40; loop++) {
      expect(sounds(session, 4, loop)).toBe(loop % 2 === 1 && chance(0, 'A', 't', 4, loop) < 0.5);
      expect(sounds(session, 8, loop)).toBe(loop % 2 === 0);
    }
  });

  it('a prev step after a condition on another pattern position uses the nearest one before it', () => {
    const session = oneTrack('studio-hat', 8, [0, 3, 5], (row) => {
      row.conditions[0] = ratio(1, 2); // plays on even passes
      row.conditions[3] = ratio(2, 2); // plays on odd passes
      row.conditions[5] = NOT_PREV; // the nearest is step 3
    });
    for (let loop = 0; loop < 8; loop++) expect(sounds(session, 5, loop)).toBe(loop % 2 === 0);
  });

  it('a probability applies on top of a condition that holds', () => {
    const session = oneTrack('studio-hat', 16, [0], (row) => {
      row.conditions[0] = ratio(1, 2);
      row.probabilities[0] = 50;
    });
    for (let loop = 0; loop < 100; loop++) expect(sounds(session, 0, loop)).toBe(loop % 2 === 0 && chance(0, 'A', 't', 0, loop) < 0.5);
  });

  it('stepFires agrees with the events and ALWAYS is the default', () => {
    expect(ALWAYS).toBe(0);
    const session = oneTrack('studio-hat', 16, [0], (row) => {
      row.probabilities[0] = 30;
    });
    for (let loop = 0; loop < 100; loop++) expect(stepFires(place(session, 0, loop))).toBe(sounds(session, 0, loop));
  });

  it('a long chain of prev steps with probabilities is evaluated without running out of stack, far into a jam', () => {
    // Every step a prev step at 50 %: each one's outcome depends on the one before it, back to the first pass.
    const session = oneTrack(
      'studio-hat',
      16,
      Array.from({ length: 16 }, (_, i) => i),
      (row) => {
        for (let i = 0; i < 16; i++) {
          row.conditions[i] = PREV;
          row.probabilities[i] = 50;
        }
      },
    );
    // About three hours at 120 BPM.
    const late = 10_000 * 16;
    expect(() => eventsAtStep(session, late, null)).not.toThrow();
    expect(eventsAtStep(session, late, null)).toEqual(eventsAtStep(structuredClone(session), late, null));
  });
});

describe('ratchets', () => {
  it('n hits evenly spaced within the step, velocities ramping to the last', () => {
    expect(ratchetHits(1, 50)).toEqual([{ at: 0, gain: 1 }]);
    const four = ratchetHits(4, -60);
    expect(four.map((h) => h.at)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(four.map((h) => h.gain)).toEqual([1, 0.8, 0.6, 0.4].map((g) => expect.closeTo(g, 12)));
    expect(ratchetHits(3, -100).map((h) => h.gain)).toEqual([1, 0.5, 0].map((g) => expect.closeTo(g, 12)));
  });

  for (const n of [2, 3, 4, 5, 6, 7, 8])
    it(`a ${n}× ratchet gives ${n} events at step + k/${n}, with swing and the ramp`, () => {
      const tempo = 133;
      const swing = 40;
      const session = oneTrack(
        'studio-snare',
        16,
        [3],
        (row) => {
          row.ratchets[3] = n;
          row.ramps[3] = 50;
          row.velocities[3] = 80;
        },
        tempo,
        swing,
      );
      const events = eventsAtStep(session, 3, null);
      expect(events).toHaveLength(n);
      events.forEach((e, k) => {
        expect(e.offset).toBeCloseTo(swingSec(3, tempo, swing) + (k / n) * stepSec(tempo), 12);
        expect(e.velocity).toBeCloseTo((80 / 127) * Math.min(2, 1 + 0.5 * (k / (n - 1))), 12);
        expect(e.gateSteps).toBeCloseTo(1 / n, 12);
        expect(e.exactGate).toBe(true);
      });
    });

  it('a ratchet that does not fire gives no hits at all', () => {
    const session = oneTrack('studio-snare', 16, [0], (row) => {
      row.ratchets[0] = 4;
      row.probabilities[0] = 0;
    });
    expect(eventsAtStep(session, 0, null)).toEqual([]);
  });
});

describe('nudge', () => {
  const tempo = 100;
  const swing = 50;
  for (const nudge of [1, 25, 50])
    it(`+${nudge} % plays within its own step, nudge after its swung time`, () => {
      const session = oneTrack(
        'studio-hat',
        16,
        [5],
        (row) => {
          row.nudges[5] = nudge;
        },
        tempo,
        swing,
      );
      const [event, ...rest] = eventsAtStep(session, 5, null);
      expect(rest).toEqual([]);
      expect(event!.offset).toBeCloseTo(swingSec(5, tempo, swing) + (nudge / 100) * stepSec(tempo), 12);
      expect(eventsAtStep(session, 4, null)).toEqual([]);
    });

  for (const nudge of [-1, -25, -50])
    it(`${nudge} % comes with the previous global step, at one step + its swing + the nudge`, () => {
      const session = oneTrack(
        'studio-hat',
        16,
        [5, 4],
        (row) => {
          row.nudges[5] = nudge;
        },
        tempo,
        swing,
      );
      expect(eventsAtStep(session, 5, null)).toEqual([]);
      const events = eventsAtStep(session, 4, null);
      expect(events).toHaveLength(2);
      // Step 4's own note, on time, then step 5's.
      expect(events[0]!.offset).toBeCloseTo(0, 12);
      expect(events[1]!.offset).toBeCloseTo(stepSec(tempo) + swingSec(5, tempo, swing) + (nudge / 100) * stepSec(tempo), 12);
      // Absolute time of the early note: before its swung step time, by the nudge.
      const at = 4 * stepSec(tempo) + events[1]!.offset;
      expect(at).toBeCloseTo(5 * stepSec(tempo) + swingSec(5, tempo, swing) + (nudge / 100) * stepSec(tempo), 12);
    });

  it('an early note across the row end belongs to the next pass (its choices are the next loop’s)', () => {
    const session = oneTrack('studio-hat', 4, [0], (row) => {
      row.nudges[0] = -30;
      row.conditions[0] = ratio(2, 2); // odd passes only
    });
    // Step 0 of pass 1 (global 4) is scheduled at global 3, step 0 of pass 2 (global 8) not at all.
    expect(eventsAtStep(session, 3, null)).toHaveLength(1);
    expect(eventsAtStep(session, 7, null)).toHaveLength(0);
    expect(eventsAtStep(session, 11, null)).toHaveLength(1);
  });

  it('a nudged ratchet moves all its hits', () => {
    const session = oneTrack('studio-hat', 16, [2], (row) => {
      row.nudges[2] = -20;
      row.ratchets[2] = 2;
    });
    const events = eventsAtStep(session, 1, null);
    expect(events.map((e) => e.offset)).toEqual([0.8, 1.3].map((s) => expect.closeTo(s * stepSec(120), 12)));
  });
});

describe('note length', () => {
  it('on a melodic track: gateSteps = length / 2, exactly held', () => {
    for (const half of [1, 3, 8, 32]) {
      const session = oneTrack('synth-bass', 16, [0, 4], (row) => {
        row.noteLengths[0] = half;
      });
      const [event] = eventsAtStep(session, 0, null);
      expect(event!.gateSteps).toBe(half / 2);
      expect(event!.exactGate).toBe(true);
    }
  });

  it('is ignored on drums', () => {
    const session = oneTrack('studio-kick', 16, [0, 4], (row) => {
      row.noteLengths[0] = 8;
    });
    const [event] = eventsAtStep(session, 0, null);
    expect(event!.gateSteps).toBe(4);
    expect(event!.exactGate).toBe(false);
  });
});

describe('defaults give exactly the old events', () => {
  it('one event per lit step, held until the next note, exactGate false', () => {
    const tempo = 97;
    const swing = 30;
    const session = oneTrack(
      'synth-bass',
      12,
      [0, 3, 4, 9],
      (row) => {
        row.pitches[3] = 5;
        row.velocities[4] = 60;
      },
      tempo,
      swing,
    );
    const lit = [0, 3, 4, 9];
    for (let g = 0; g < 48; g++) {
      const events = eventsAtStep(session, g, null);
      const s = g % 12;
      if (!lit.includes(s)) {
        expect(events).toEqual([]);
        continue;
      }
      expect(events).toHaveLength(1);
      const e = events[0] as StepEvent;
      const next = lit.find((x) => x > s) ?? lit[0]! + 12;
      expect(e.offset).toBeCloseTo(swingSec(g, tempo, swing), 12);
      expect(e.gateSteps).toBe(next - s);
      expect(e.exactGate).toBe(false);
      expect(e.nextOffset).toBeCloseTo(swingSec(g + next - s, tempo, swing), 12);
      expect(e.velocity).toBeCloseTo((s === 4 ? 60 : 100) / 127, 12);
      expect(e.pitch).toBe(s === 3 ? 5 : 0);
    }
  });
});

describe('MIDI export of expression', () => {
  function notesOf(session: Session) {
    const midi = new Midi(sessionToMidi(session));
    return midi.tracks[0]!.notes.map((n) => ({ ticks: n.ticks, durationTicks: n.durationTicks, velocity: Math.round(n.velocity * 127) }));
  }

  it('writes each ratchet hit as a note of its own, ramped, within the step', () => {
    const tick = PPQ / 4;
    for (const n of [2, 3, 4, 5, 6, 7, 8]) {
      const session = oneTrack('studio-snare', 16, [4], (row) => {
        row.ratchets[4] = n;
        row.ramps[4] = -50;
        row.velocities[4] = 120;
      });
      const notes = notesOf(session);
      expect(notes, `${n}×`).toHaveLength(n);
      notes.forEach((note, k) => {
        expect(Math.abs(note.ticks - (4 + k / n) * tick), `${n}× hit ${k}`).toBeLessThanOrEqual(0.5);
        expect(Number.isInteger(note.ticks)).toBe(true);
        expect(Number.isInteger(note.durationTicks)).toBe(true);
        // Each ends before the next begins.
        if (k + 1 < n) expect(note.ticks + note.durationTicks).toBeLessThanOrEqual(notes[k + 1]!.ticks);
        expect(Math.abs(note.velocity - 120 * (1 - 0.5 * (k / (n - 1))))).toBeLessThanOrEqual(1);
      });
    }
  });

  it('writes a set note length as that length, and nudge in the note times', () => {
    const tick = PPQ / 4;
    const session = oneTrack('synth-bass', 16, [0, 2, 8], (row) => {
      row.noteLengths[0] = 7; // 3½ steps, past the next note (legato)
      row.pitches[2] = 3;
      row.noteLengths[2] = 1; // ½ step
      row.pitches[8] = 5;
      row.nudges[8] = -25;
    });
    const notes = notesOf(session);
    expect(notes.map((n) => n.ticks)).toEqual([0, 2 * tick, 7.75 * tick]);
    expect(notes[0]!.durationTicks).toBe(3.5 * tick);
    expect(notes[1]!.durationTicks).toBe(0.5 * tick);
    // Unset: until the next note (step 0 of the next loop, 8.25 steps on).
    expect(notes[2]!.durationTicks).toBe(8.25 * tick);
  });

  it('a held note ends where the same key is struck again (a parser would pair the wrong note-off)', () => {
    const tick = PPQ / 4;
    const session = oneTrack('synth-bass', 16, [0, 2], (row) => {
      row.noteLengths[0] = 7;
      row.noteLengths[2] = 2;
    });
    const notes = notesOf(session);
    expect(notes.map((n) => [n.ticks, n.durationTicks])).toEqual([
      [0, 2 * tick],
      [2 * tick, tick],
    ]);
  });

  it('writes more than one loop when asked, with each pass’s own choices; bad lengths are refused', () => {
    const session = oneTrack('studio-hat', 16, [0, 4, 8, 12], (row) => {
      row.conditions[0] = ratio(2, 4);
      for (const s of [4, 8, 12]) row.probabilities[s] = 50;
    });
    const steps = 16 * 8;
    const expected: number[] = [];
    for (let g = 0; g < steps; g++)
      for (const e of eventsAtStep(session, g, null)) expected.push(Math.round((g + e.offset / stepSec(120)) * (PPQ / 4)));
    const midi = new Midi(sessionToMidi(session, { steps }));
    expect(midi.tracks[0]!.notes.map((n) => n.ticks)).toEqual(expected);
    expect(midi.tracks[0]!.notes.filter((n) => n.ticks % (16 * (PPQ / 4)) === 0).length).toBe(2); // loops 1 and 5
    for (const bad of [0, -16, 1.5, Number.NaN, 16_385]) expect(() => sessionToMidi(session, { steps: bad })).toThrow(/steps/);
  });

  it('writes only the steps that fire, the same ones the events choose', () => {
    const session = oneTrack('studio-hat', 16, [0, 2, 4, 6, 8, 10, 12, 14], (row) => {
      for (const s of [0, 2, 4, 6, 8, 10, 12, 14]) row.probabilities[s] = 50;
    });
    // The export takes RANDOM_PASSES passes of a row with random choices, so they show varying.
    const steps = loopLengthSteps(session);
    expect(steps).toBe(16 * RANDOM_PASSES);
    const expected: number[] = [];
    for (let g = 0; g < steps; g++) if (eventsAtStep(session, g, null).length > 0) expected.push(g * (PPQ / 4));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(8 * RANDOM_PASSES);
    expect(notesOf(session).map((n) => n.ticks)).toEqual(expected);
  });
});

describe('one cycle of a pattern, as renders and exports take it', () => {
  it('covers its conditions and shows random choices varying', () => {
    const base = sessionWithTracks(emptySession(0), [makeTrack({ id: 't', name: 'T', instrument: 'studio-hat', on: [0, 4] })]);
    expect(loopLengthSteps(base)).toBe(16);
    const withRatio = structuredClone(base);
    withRatio.patterns.A!.rows.t!.conditions[4] = conditionIndex({ kind: 'ratio', a: 3, b: 4 });
    expect(loopLengthSteps(withRatio)).toBe(64);
    const withFirst = structuredClone(base);
    withFirst.patterns.A!.rows.t!.conditions[0] = conditionIndex({ kind: 'first' });
    expect(loopLengthSteps(withFirst)).toBe(32);
    const withChance = structuredClone(withRatio);
    withChance.patterns.A!.rows.t!.probabilities[0] = 60;
    expect(loopLengthSteps(withChance)).toBe(64);
    withChance.patterns.A!.rows.t!.conditions[4] = conditionIndex({ kind: 'ratio', a: 1, b: 3 });
    expect(loopLengthSteps(withChance)).toBe(16 * 12);
    // An unlit step's condition does not count.
    const unlit = structuredClone(base);
    unlit.patterns.A!.rows.t!.conditions[5] = conditionIndex({ kind: 'ratio', a: 1, b: 8 });
    expect(loopLengthSteps(unlit)).toBe(16);
  });
});
