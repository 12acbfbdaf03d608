/**
 * Abuse limits: a per-socket rate limit (refuse, then close a socket that keeps
 * flooding; failure mode 20) and at most ten editors per session.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LIMITS, makeTrack } from '../../core';
import { addTrack, createSession, eventually, rowIn, serverState, setStep, TestClient } from './helpers';

describe('rate limit', () => {
  // The room shares the test's isolate, so a frozen clock freezes its token buckets
  // too: no token trickles back mid-flood however slow the machine, and the counts
  // below are exact. Only Date is faked; timers run normally.
  let now = Date.parse('2026-01-01T00:00:00Z');
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now);
  });
  afterEach(() => {
    now += 60_000;
    vi.useRealTimers();
  });

  it('a flood beyond the burst is refused with rate_limited naming each clientSeq, and changes only what was accepted', async () => {
    const id = await createSession({ template: 'empty' });
    const a = await TestClient.join(id); // the hello took one token
    a.mutate(addTrack(makeTrack({ id: 't0', name: 'T0', instrument: 'studio-kick', length: 128 }))); // and this one
    await a.settled();
    // Over the burst, but not so far that the socket's patience runs out (it would be closed).
    const flood = LIMITS.rateLimitBurst - 2 + LIMITS.floodRefusals;
    const seqs = Array.from({ length: flood }, (_, i) => a.mutate(setStep('t0', i, true)));
    const outcomes = await Promise.all(seqs.map((seq) => a.outcomeOf(seq)));

    const accepted = seqs.filter((_, i) => outcomes[i]!.type === 'change');
    const limited = seqs.filter((_, i) => outcomes[i]!.type === 'error' && (outcomes[i] as { code: string }).code === 'rate_limited');
    // The burst, minus the two tokens the hello and the add spent; every other one refused.
    expect(accepted).toEqual(seqs.slice(0, LIMITS.rateLimitBurst - 2));
    expect(limited).toEqual(seqs.slice(LIMITS.rateLimitBurst - 2));

    const state = await serverState(id);
    expect(state.version).toBe(1 + accepted.length);
    const on = rowIn(state.session, 't0').steps.flatMap((isOn, step) => (isOn ? [step] : []));
    expect(on).toEqual(accepted.map((seq) => seq - 2)); // seq n set step n−2
    // The refusals named their clientSeq (this test client drops refused mutations,
    // so its view agrees with the server).
    expect(a.replica!.pending).toEqual([]);
    expect(a.replica!.view).toEqual(state.session);
    expect(a.isOpen).toBe(true);

    // It is a rate, not a ban, and nothing is skipped: after a pause, a later edit waits
    // until the first refused one is sent again, and the others must follow in order (a
    // writer's clientSeqs apply one after another; a jump is a seq_conflict).
    vi.setSystemTime(now + 1000);
    const held = limited[0]!;
    const since = a.messages.length;
    a.sendMutate(setStep('t0', 127, true), seqs.at(-1)! + 1);
    expect(await a.outcomeOf(seqs.at(-1)! + 1, since)).toMatchObject({ type: 'error', code: 'rate_limited' });
    a.sendMutate(setStep('t0', held - 2, true), held);
    expect(await a.outcomeOf(held, since)).toMatchObject({ type: 'change', version: state.version + 1 });
    a.sendMutate(setStep('t0', 127, true), seqs.at(-1)! + 1);
    expect(await a.outcomeOf(seqs.at(-1)! + 1, since + 2)).toMatchObject({ type: 'error', code: 'seq_conflict' });
    a.sendMutate(setStep('t0', held - 1, true), held + 1);
    expect(await a.outcomeOf(held + 1, since)).toMatchObject({ type: 'change', version: state.version + 2 });
  });

  it('a sustained flood is closed with 4008 and leaves the state unchanged', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const before = await serverState(id);
    // The hello spent one token; the rest of the burst is answered, then refusals until
    // the socket's patience is spent: the next one closes it (and gets no reply).
    for (let i = 0; i < LIMITS.rateLimitBurst - 1 + LIMITS.floodRefusals + 1; i++) a.sendMessage({ type: 'clock', t0: i });
    expect((await a.closed()).code).toBe(4008);
    expect(a.messagesOfType('clock')).toHaveLength(LIMITS.rateLimitBurst - 1);
    expect(a.messagesOfType('error').map((e) => e.code)).toEqual(new Array(LIMITS.floodRefusals).fill('rate_limited'));
    expect(await serverState(id)).toEqual(before);
    // Others are unaffected.
    const b = await TestClient.join(id);
    expect(b.messages[0]).toMatchObject({ type: 'snapshot', version: before.version });
  });

  /** Send `count` frames at once at the current (frozen) time; resolves when all are answered or the socket closed. */
  async function burst(client: TestClient, count: number, t0: number): Promise<void> {
    const since = client.messages.length;
    for (let i = 0; i < count; i++) client.sendMessage({ type: 'clock', t0: t0 + i });
    await eventually(async () => client.closedWith !== null || client.messages.length >= since + count, Boolean);
  }

  // Before: refusals were counted only "in a row" and the count reset whenever a token
  // came back, so a socket sending 300 frames/s, or bursts, was refused for ever and
  // never closed, while the session's honest editors waited behind its queue.
  it('a steady flood at ten times the rate is closed within a bounded number of refusals', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    let sent = 0;
    for (; sent < 900 && a.closedWith === null; sent += 10) {
      vi.setSystemTime(now + (sent * 1000) / 300); // 300 frames a second, 10 at a time
      await burst(a, 10, sent);
    }
    expect(a.closedWith?.code).toBe(4008);
    const refusals = a.messagesOfType('error').filter((e) => e.code === 'rate_limited').length;
    const seconds = sent / 300;
    expect(refusals).toBeLessThanOrEqual(LIMITS.floodRefusals + Math.ceil(seconds * LIMITS.floodForgivenPerSecond));
    expect(seconds).toBeLessThan(1); // closed within its first second of flooding
  });

  it('bursts over the limit, with pauses that let the rate refill, are closed too', async () => {
    const id = await createSession();
    const a = await TestClient.join(id);
    const honest = await TestClient.join(id);
    let bursts = 0;
    for (; bursts < 20 && a.closedWith === null; bursts++) {
      vi.setSystemTime(now + bursts * 2_000); // the bucket is full again after each pause
      await burst(a, LIMITS.rateLimitBurst + 10, bursts * 1_000);
    }
    expect(a.closedWith?.code).toBe(4008);
    expect(bursts).toBeLessThanOrEqual(3);
    // The session's honest editor is heard all along, and after.
    const seq = honest.mutate(setStep('kick', 5, true));
    expect(await honest.outcomeOf(seq)).toMatchObject({ type: 'change', clientSeq: seq });
  });
});

describe('editors per session', () => {
  it('the 11th editor is refused with session_full and closed with 4001; a listener still joins', async () => {
    const id = await createSession();
    const editors = [];
    for (let i = 0; i < LIMITS.maxEditorsPerSession; i++) editors.push(await TestClient.join(id));

    const eleventh = await TestClient.connect(id);
    expect(await eleventh.hello()).toMatchObject({ type: 'error', code: 'session_full' });
    expect((await eleventh.closed()).code).toBe(4001);

    const listener = await TestClient.connect(id);
    expect(await listener.hello({ listenOnly: true })).toMatchObject({ type: 'snapshot' });
    editors[0]!.mutate(setStep('kick', 1, true));
    await listener.waitFor((m) => m.type === 'change' && m.version === 1);

    // An editor reconnecting with its own clientId replaces its old socket rather than counting twice.
    const again = await TestClient.connect(id, { clientId: editors[3]!.clientId });
    expect(await again.hello()).toMatchObject({ type: 'snapshot', version: 1 });
    expect((await editors[3]!.closed()).code).toBe(1000);

    // A place freed by a leaving editor can be taken.
    editors[5]!.close();
    await editors[0]!.waitFor((m) => m.type === 'peers' && m.peers.filter((p) => !p.listenOnly).length === 9);
    const late = await TestClient.connect(id);
    expect(await late.hello()).toMatchObject({ type: 'snapshot' });
  });
});
