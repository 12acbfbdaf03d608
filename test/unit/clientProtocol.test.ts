/**
 * The sync client's protocol state machine (app/sync/ClientProtocol.ts) in the cases
 * the fuzz does not reach: a full localStorage, a room newer than the page, and a
 * seq_conflict that moves the page to a fresh clientId.
 */
import { describe, expect, it } from 'vitest';
import type { ClientRecord } from '../../app/sync/clientRecord';
import { ClientProtocol, type ClientProtocolHost } from '../../app/sync/ClientProtocol';
import { MODEL_VERSION, type ClientMessage, type ServerMessage, sessionFromTemplate } from '../../core';

const T0 = 1_700_000_000_000;
const session = sessionFromTemplate('starter', T0)!;

function harness(save: ClientProtocolHost['save'] = () => true) {
  const sent: ClientMessage[] = [];
  const calls = { unsaved: [] as boolean[], outdated: [] as boolean[], reidentified: [] as [string, string][] };
  const record: ClientRecord = { clientId: 'page-1', nextSeq: 1, pending: [], confirmed: null, heartbeat: 0 };
  let ids = 0;
  const host: ClientProtocolHost = {
    send: (frame) => sent.push(JSON.parse(frame) as ClientMessage),
    now: () => T0,
    serverNow: () => T0,
    setTimer: () => 0,
    clearTimer: () => {},
    save,
    newClientId: () => `fresh-${++ids}`,
    reidentified: (oldId, newId) => calls.reidentified.push([oldId, newId]),
    unsaved: (failing) => calls.unsaved.push(failing),
    outdated: (required) => calls.outdated.push(required),
    identity: () => ({ name: 'Sam', color: '#123456' }),
    tabId: () => 'tab-1',
    changed: () => {},
    synced: () => {},
    error: () => {},
  };
  const protocol = new ClientProtocol(record, host);
  const receive = (m: ServerMessage) => protocol.receive(m);
  const join = (model = MODEL_VERSION) => {
    protocol.opened();
    receive({ type: 'snapshot', version: 0, session, peerId: 'p1', serverTime: T0, model });
  };
  const mutates = () => sent.filter((m) => m.type === 'mutate');
  return { protocol, record, sent, calls, receive, join, mutates };
}

describe('ClientProtocol', () => {
  it('sends an edit even when it cannot be saved (storage full), and says saving fails until it works again', () => {
    let full = true;
    const h = harness(() => {
      if (full) throw new DOMException('quota exceeded', 'QuotaExceededError');
      return true;
    });
    h.join();
    expect(h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true }).ok).toBe(true);
    expect(h.mutates()).toHaveLength(1);
    expect(h.calls.unsaved).toEqual([true]);
    full = false;
    h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 2, on: true });
    expect(h.mutates()).toHaveLength(2);
    expect(h.calls.unsaved).toEqual([true, false]);
  });

  it('says hello with its model, its tab and the lowest clientSeq it may resend', () => {
    const h = harness();
    h.protocol.opened();
    expect(h.sent[0]).toMatchObject({ type: 'hello', model: MODEL_VERSION, tab: 'tab-1', clientId: 'page-1', resendFrom: 1 });
  });

  it('a change it cannot apply (a newer Keyboardia) stops it and asks for a reload, keeping its edits', () => {
    const h = harness();
    h.join();
    h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true });
    h.receive({ type: 'change', version: 1, at: T0, by: 'p2', mutation: { type: 'set_everything' } as never });
    expect(h.calls.outdated).toEqual([true]);
    expect(h.protocol.synced).toBe(false);
    expect(h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 2, on: true }).ok).toBe(true);
    expect(h.mutates()).toHaveLength(1); // the second is kept for after the reload, not sent
    expect(h.record.pending.map((p) => p.clientSeq)).toEqual([1, 2]);
  });

  it('a room of a newer model that still serves it offers a reload without stopping', () => {
    const h = harness();
    h.join(MODEL_VERSION + 1);
    expect(h.calls.outdated).toEqual([false]);
    expect(h.protocol.synced).toBe(true);
  });

  it('after a seq_conflict it goes on as a new writer: fresh clientId, pending numbered from 1 and sent again', () => {
    const h = harness();
    h.join();
    h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true });
    h.protocol.mutate({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 2, on: true });
    h.receive({ type: 'error', code: 'seq_conflict', message: 'x', clientSeq: 1 });
    expect(h.calls.reidentified).toEqual([['page-1', 'fresh-1']]);
    const hello = h.sent.at(-1)!;
    expect(hello).toMatchObject({ type: 'hello', clientId: 'fresh-1', resendFrom: 1 });
    // A stale answer to the old sends is ignored; the catch-up sends both again, renumbered.
    h.receive({ type: 'error', code: 'seq_conflict', message: 'x', clientSeq: 2 });
    expect(h.calls.reidentified).toHaveLength(1);
    h.receive({ type: 'catchup', fromVersion: 0, changes: [], peerId: 'p1', serverTime: T0, model: MODEL_VERSION });
    expect(h.mutates().slice(-2)).toEqual([
      {
        type: 'mutate',
        clientId: 'fresh-1',
        clientSeq: 1,
        mutation: { type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true },
      },
      {
        type: 'mutate',
        clientId: 'fresh-1',
        clientSeq: 2,
        mutation: { type: 'set_step', trackId: 'kick', pattern: 'A', step: 2, on: true },
      },
    ]);
    expect(h.record).toMatchObject({ clientId: 'fresh-1', nextSeq: 3 });
  });
});
