/**
 * What a step edit costs in storage: one row written (billing counts rows), a few
 * hundred bytes (the anchor rewrote 28–126 KB per click), for an empty session and
 * for a full one (16 tracks × 128 steps, all on). Rows are SQLite's own count
 * (SqlStorageCursor.rowsWritten, summed by the room's stats()); bytes are the size
 * of the log row the edit wrote. The figures are printed for the issue note.
 */
import { evictDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LIMITS, makeTrack, Replica } from '../../core';
import { COMPACT_EVERY, LOG_SLOTS } from '../../worker/room/RoomStorage';
import { addTrack, createSession, fullSession, room, roomStats, serverState, setStep, sqlRows, TestClient } from './helpers';

/** Bytes of the log row holding `version`: its text columns in UTF-8 plus four 8-byte numbers. */
async function logRowBytes(id: string, version: number): Promise<number> {
  const [row] = await sqlRows<{ bytes: number }>(
    id,
    `SELECT length(CAST(mutation AS BLOB)) + length(CAST(client_id AS BLOB))
            + ifnull(length(CAST(author AS BLOB)), 0) + 4 * 8 AS bytes
       FROM log WHERE version = ?`,
    version,
  );
  if (!row) throw new Error(`no log row for version ${version}`);
  return row.bytes;
}

/** Rows and bytes written by one set_step edit sent by `client`. */
async function measureStepEdit(id: string, client: TestClient, trackId: string, step: number, on: boolean) {
  const before = await roomStats(id);
  const seq = client.mutate(setStep(trackId, step, on));
  const echo = await client.outcomeOf(seq);
  if (echo.type !== 'change') throw new Error(`edit not applied: ${JSON.stringify(echo)}`);
  const after = await roomStats(id);
  expect(after.mutationsApplied - before.mutationsApplied).toBe(1); // same instance, one edit
  return { rows: after.rowsWritten - before.rowsWritten, bytes: await logRowBytes(id, echo.version) };
}

const MUTATIONS = 1000;
const PER_SOCKET = 50; // under the per-socket burst, so the rate limit never refuses one

/**
 * `count` step edits by one person, reconnecting between bursts (each socket has
 * its own rate limit); the replica carries over, so clientSeq keeps counting.
 */
async function editInBursts(id: string, editor: { clientId: string; replica: Replica | null; sent: number }, count: number) {
  for (let done = 0; done < count; ) {
    const c = await TestClient.join(id, { clientId: editor.clientId, replica: editor.replica });
    for (let i = 0; i < PER_SOCKET && done < count; i++, done++, editor.sent++) {
      const n = editor.sent;
      c.mutate(setStep(`t${n % LIMITS.maxTracks}`, (n * 7) % LIMITS.maxSteps, n % 3 === 0));
    }
    await c.settled(30_000); // a busy machine may take a while over 50 durable writes
    editor.replica = c.replica;
    c.close();
  }
}

describe('storage cost', () => {
  it('one row and a few hundred bytes per step edit, for an empty and for a full session', async () => {
    const emptyId = await createSession({ template: 'empty' });
    const solo = await TestClient.join(emptyId);
    const seq = solo.mutate(addTrack(makeTrack({ id: 't0', name: 'Only', instrument: 'studio-kick' })));
    await solo.outcomeOf(seq);
    const empty = await measureStepEdit(emptyId, solo, 't0', 5, true);

    const { id: fullId, client } = await fullSession(LIMITS.maxTracks);
    const full = await measureStepEdit(fullId, client, 't7', 100, false);
    const fullState = await serverState(fullId);
    const sessionBytes = new TextEncoder().encode(JSON.stringify(fullState.session)).byteLength;

    console.log(
      `STORAGE empty: rows/edit=${empty.rows} bytes/edit=${empty.bytes} | ` +
        `full (16×128 on, session JSON ${sessionBytes} B): rows/edit=${full.rows} bytes/edit=${full.bytes}`,
    );
    expect(empty.rows).toBe(1);
    expect(full.rows).toBe(1);
    expect(empty.bytes).toBeLessThan(500);
    expect(full.bytes).toBeLessThan(500);
    // The edit's size does not grow with the session.
    expect(Math.abs(full.bytes - empty.bytes)).toBeLessThan(20);
    expect(sessionBytes).toBeGreaterThan(50 * full.bytes);
  });

  it(`amortised rows per mutation over ${MUTATIONS} mutations, compactions included, and all of it reloads`, {
    timeout: 60_000,
  }, async () => {
    const { id, client: anchor } = await fullSession(LIMITS.maxTracks); // stays: no publish on leave
    const start = await roomStats(id);
    const startState = await serverState(id);
    const editor = { clientId: crypto.randomUUID(), replica: null as Replica | null, sent: 0 };
    // The last LOG_SLOTS - 16 of them after a mark: a client at the mark can still catch up.
    await editInBursts(id, editor, MUTATIONS - (LOG_SLOTS - 16));
    const beforeTail = await serverState(id);
    await editInBursts(id, editor, LOG_SLOTS - 16);
    const end = await roomStats(id);
    expect(end.mutationsApplied - start.mutationsApplied).toBe(MUTATIONS);
    expect(end.version).toBe(start.version! + MUTATIONS);
    const compactions = Math.floor(end.compactedVersion! / COMPACT_EVERY);
    expect(end.compactedVersion).toBeGreaterThanOrEqual(COMPACT_EVERY * 3);
    const rows = end.rowsWritten - start.rowsWritten;
    const perMutation = rows / MUTATIONS;
    console.log(
      `STORAGE amortised: ${rows} rows for ${MUTATIONS} mutations on a full session ` +
        `(${compactions} compactions every ${COMPACT_EVERY}) = ${perMutation.toFixed(3)} rows/mutation`,
    );
    expect(perMutation).toBeGreaterThanOrEqual(1);
    expect(perMutation).toBeLessThan(1.1);

    // The ring still holds the last LOG_SLOTS versions, across the compactions: a client
    // that was away since the mark catches up from the log alone.
    const mark = await serverState(id);
    const away = await TestClient.connect(id, { replica: new Replica(beforeTail) });
    expect(await away.hello()).toMatchObject({ type: 'catchup', fromVersion: beforeTail.version });
    expect(away.replica!.confirmed).toEqual(mark.session);
    away.close();

    // Wrap the ring (its slots are version % LOG_SLOTS).
    await editInBursts(id, editor, LOG_SLOTS + startState.version - mark.version + 60);
    const wrapped = await serverState(id);
    expect(wrapped.version - startState.version).toBeGreaterThan(LOG_SLOTS);
    expect(editor.replica!.confirmed).toEqual(wrapped.session);
    // Catch-up across the wrap point still works; too far behind for the ring gets a snapshot.
    const recent = await TestClient.connect(id, { replica: new Replica(mark) });
    expect(await recent.hello()).toMatchObject({ type: 'catchup', fromVersion: mark.version });
    expect(recent.replica!.confirmed).toEqual(wrapped.session);
    const stale = await TestClient.connect(id, { replica: new Replica(startState) });
    expect(await stale.hello()).toMatchObject({ type: 'snapshot', version: wrapped.version });
    expect(stale.replica!.confirmed).toEqual(wrapped.session);

    // Compacted rows plus the log replayed on top give back exactly the same session.
    for (const c of [recent, stale, anchor]) c.close();
    await evictDurableObject(room(id), { webSockets: 'close' });
    expect(await serverState(id)).toEqual(wrapped);
  });
});
