/**
 * The contract of RoomLog (worker/room/RoomProtocol.ts), run against both of its
 * implementations: RoomStorage on the Durable Object's SQLite (test/worker) and the
 * in-memory MemoryRoomLog the sync fuzz drives (test/unit). Whatever the fuzz proves
 * about the room holds for the room that ships only if both keep these promises.
 */
import { describe, expect, it } from 'vitest';
import {
  applyMutation,
  type Change,
  makeTrack,
  type Mutation,
  rowOf,
  type Session,
  sessionFromTemplate,
  sessionWithTracks,
} from '../../core';
import type { RoomLog } from '../../worker/room/RoomProtocol';

/** A log seeded with `initial` at version 0, and a way to read it back as a restarted room would. */
export interface LogUnderTest {
  log: RoomLog;
  /** The same durable state, loaded afresh (a new room instance after an eviction). */
  reload(): RoomLog;
}

/** Runs `body` against a fresh log; the host keeps whatever context the log needs. */
export type WithLog = (initial: Session, body: (t: LogUnderTest) => void) => Promise<void>;

export const CONTRACT_LOG_SLOTS = 160;

const T0 = 1_700_000_000_000;

const step = (n: number, on = true): Mutation => ({ type: 'set_step', trackId: 'kick', pattern: 'A', step: n % 128, on });

/** Apply `mutation` as the room would: next version, one append. */
function appendAs(log: RoomLog, clientId: string, clientSeq: number, mutation: Mutation): Change {
  const state = log.loaded!;
  const at = T0 + state.version;
  const applied = applyMutation(state.session, mutation, at);
  if (!applied.ok) throw new Error(`the contract's own edit was refused: ${applied.message}`);
  const change: Change = { version: state.version + 1, at, mutation, by: 'peer' };
  log.append(change, applied.session, clientId, clientSeq);
  return change;
}

export function roomLogContract(name: string, withLog: WithLog): void {
  const initial = (): Session =>
    sessionWithTracks(sessionFromTemplate('starter', T0)!, [makeTrack({ id: 'kick', name: 'Kick', instrument: 'studio-kick' })]);

  describe(`RoomLog contract: ${name}`, () => {
    it('starts at version 0 with no writers', () =>
      withLog(initial(), ({ log }) => {
        expect(log.loaded!.version).toBe(0);
        expect(log.lastClientSeq('a')).toBe(0);
        expect(log.changesSince(0)).toEqual([]);
        expect(log.earlier('a', 1)).toBeNull();
      }));

    it("appends: versions, each writer's last clientSeq, catch-up, and what became of each clientSeq", () =>
      withLog(initial(), ({ log, reload }) => {
        const changes = [appendAs(log, 'a', 1, step(1)), appendAs(log, 'b', 1, step(2)), appendAs(log, 'a', 2, step(3, false))];
        log.commit();
        for (const l of [log, reload()]) {
          expect(l.loaded!.version).toBe(3);
          expect(l.lastClientSeq('a')).toBe(2);
          expect(l.lastClientSeq('b')).toBe(1);
          expect(l.changesSince(1)).toEqual(changes.slice(1));
          expect(l.earlier('a', 2)).toEqual({ outcome: 'applied', mutation: JSON.stringify(step(3, false)), version: 3 });
          expect(l.earlier('b', 1)).toMatchObject({ outcome: 'applied', mutation: JSON.stringify(step(2)) });
          expect(l.earlier('b', 2)).toBeNull();
          expect(rowOf(l.loaded!.session, 'A', 'kick').steps.slice(0, 4)).toEqual([false, true, true, false]);
        }
      }));

    it('a group commit: appends are readable at once, durable only once committed, all of a batch together', () =>
      withLog(initial(), ({ log, reload }) => {
        appendAs(log, 'a', 1, step(1));
        log.commit();
        const batch = [appendAs(log, 'a', 2, step(2)), appendAs(log, 'b', 1, step(3)), appendAs(log, 'a', 3, step(4))];
        // Readable before the commit: the next mutation applies on top, a resend is recognised.
        expect(log.loaded!.version).toBe(4);
        expect(log.lastClientSeq('a')).toBe(3);
        // A crash before the commit loses the whole batch, and nothing else.
        const crashed = reload();
        expect(crashed.loaded!.version).toBe(1);
        expect(crashed.lastClientSeq('a')).toBe(1);
        expect(crashed.lastClientSeq('b')).toBe(0);
        expect(crashed.earlier('a', 2)).toBeNull();
        expect(rowOf(crashed.loaded!.session, 'A', 'kick').steps.slice(0, 5)).toEqual([false, true, false, false, false]);
        // The same batch again, committed this time: all of it is durable.
        const again = [appendAs(crashed, 'a', 2, step(2)), appendAs(crashed, 'b', 1, step(3)), appendAs(crashed, 'a', 3, step(4))];
        expect(again).toEqual(batch);
        crashed.commit();
        for (const l of [crashed, reload()]) {
          expect(l.loaded!.version).toBe(4);
          expect(l.changesSince(1)).toEqual(again);
          expect(l.earlier('b', 1)).toMatchObject({ outcome: 'applied', version: 3 });
          expect(rowOf(l.loaded!.session, 'A', 'kick').steps.slice(0, 5)).toEqual([false, true, true, true, true]);
        }
      }));

    it('refusals count as processed, are remembered with their mutation, and are forgotten only below a resendFrom', () =>
      withLog(initial(), ({ log, reload }) => {
        appendAs(log, 'a', 1, step(1));
        log.recordRefusal('a', 2, '{"type":"x"}', 'unknown_track', 'no track with id x');
        for (const l of [log, reload()]) {
          expect(l.lastClientSeq('a')).toBe(2);
          expect(l.earlier('a', 2)).toEqual({
            outcome: 'refused',
            mutation: '{"type":"x"}',
            code: 'unknown_track',
            message: 'no track with id x',
          });
        }
        const again = reload();
        again.forgetRefusalsBelow('a', 2); // 2 may still be resent: kept
        expect(again.earlier('a', 2)).toMatchObject({ outcome: 'refused' });
        again.forgetRefusalsBelow('a', 3);
        for (const l of [again, reload()]) {
          expect(l.earlier('a', 2)).toBeNull();
          // Forgetting the refusal never forgets that its clientSeq was used.
          expect(l.lastClientSeq('a')).toBe(2);
        }
      }));

    it('never claims an edit applied once the ring has moved past it, and never turns a forgotten refusal into one', () =>
      withLog(initial(), ({ log, reload }) => {
        log.recordRefusal('old', 1, '{"type":"x"}', 'unknown_track', 'gone');
        appendAs(log, 'a', 1, step(1));
        // Many refusals from a flood of writers (storage keeps only so many)…
        for (let i = 0; i < 300; i++) log.recordRefusal(`w${i}`, 1, '{"type":"x"}', 'unknown_track', 'gone');
        // …and more versions than the ring holds.
        for (let seq = 2; seq <= CONTRACT_LOG_SLOTS + 10; seq++) appendAs(log, 'a', seq, step(seq));
        log.commit();
        for (const l of [log, reload()]) {
          expect(l.earlier('a', 1)).toBeNull();
          expect(l.changesSince(0)).toBeNull();
          expect(l.changesSince(l.loaded!.version - 5)).toHaveLength(5);
          expect(l.earlier('old', 1)?.outcome).not.toBe('applied');
          expect(l.lastClientSeq('old')).toBe(1);
          expect(l.lastClientSeq('a')).toBe(CONTRACT_LOG_SLOTS + 10);
        }
      }));
  });
}
