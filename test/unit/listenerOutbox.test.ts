/**
 * The listeners' outbox (protocol 4, worker/room/ListenerOutbox.ts), on a clock of its own:
 * a message that finds the last frame sent longer ago than LISTENER_BATCH_MS goes at once,
 * alone; those that come sooner go together, in order, as one JSON array, when the interval
 * is up; `flush` sends what waits now (before a frame for one listener alone).
 */
import { describe, expect, it } from 'vitest';
import { LISTENER_BATCH_MS, messagesOf, type ServerFrame } from '../../core';
import { ListenerOutbox } from '../../worker/room/ListenerOutbox';

function outboxOnAClock({ timers = true } = {}) {
  let now = 1_000_000;
  const pending: { at: number; fire: () => void }[] = [];
  const sent: { at: number; frame: string }[] = [];
  const outbox = new ListenerOutbox(
    { now: () => now, setTimer: timers ? (fire, ms) => void pending.push({ at: now + ms, fire }) : undefined },
    (frame) => void sent.push({ at: now, frame }),
  );
  const advance = (ms: number) => {
    now += ms;
    for (const timer of pending.filter((t) => t.at <= now)) {
      pending.splice(pending.indexOf(timer), 1);
      timer.fire();
    }
  };
  return { outbox, sent, advance, pending };
}

const change = (version: number) =>
  JSON.stringify({ type: 'change', version, at: 0, mutation: { type: 'set_tempo', tempo: 120 }, by: null });
const versions = (frame: string) => messagesOf(JSON.parse(frame) as ServerFrame).map((m) => (m as { version: number }).version);

describe('the listeners outbox', () => {
  it('sends a message at once when the last frame went out an interval ago or more, as it is', () => {
    const { outbox, sent, advance } = outboxOnAClock();
    outbox.push(change(1));
    expect(sent).toEqual([{ at: 1_000_000, frame: change(1) }]);
    advance(LISTENER_BATCH_MS);
    outbox.push(change(2));
    expect(sent.map((s) => s.frame)).toEqual([change(1), change(2)]);
  });

  it('holds the messages that come sooner and sends them together, in order, when the interval is up', () => {
    const { outbox, sent, advance, pending } = outboxOnAClock();
    outbox.push(change(1));
    advance(10);
    for (const v of [2, 3, 4]) outbox.push(change(v));
    expect(sent).toHaveLength(1);
    expect(pending).toHaveLength(1);
    advance(LISTENER_BATCH_MS - 11);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.at - sent[0]!.at).toBe(LISTENER_BATCH_MS);
    expect(sent[1]!.frame.startsWith('[')).toBe(true);
    expect(versions(sent[1]!.frame)).toEqual([2, 3, 4]);
  });

  it('never sends two frames within an interval while messages keep coming, and loses none', () => {
    const { outbox, sent, advance } = outboxOnAClock();
    for (let v = 1; v <= 200; v++) {
      outbox.push(change(v));
      advance(7);
    }
    advance(LISTENER_BATCH_MS);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(LISTENER_BATCH_MS);
    expect(sent.flatMap((s) => versions(s.frame))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(sent.length).toBeLessThanOrEqual(Math.ceil((200 * 7) / LISTENER_BATCH_MS) + 1);
  });

  it('flush sends what waits at once (nothing when nothing does), and the timer then finds nothing', () => {
    const { outbox, sent, advance } = outboxOnAClock();
    outbox.push(change(1));
    outbox.push(change(2));
    outbox.flush();
    expect(sent.map((s) => versions(s.frame))).toEqual([[1], [2]]);
    outbox.flush();
    advance(LISTENER_BATCH_MS);
    expect(sent).toHaveLength(2);
  });

  it('without timers (a host that has none) sends every message at once', () => {
    const { outbox, sent } = outboxOnAClock({ timers: false });
    for (const v of [1, 2, 3]) outbox.push(change(v));
    expect(sent.map((s) => s.frame)).toEqual([change(1), change(2), change(3)]);
  });
});
