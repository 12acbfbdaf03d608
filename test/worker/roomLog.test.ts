/** The RoomLog contract (test/shared/roomLogContract.ts) against RoomStorage on a Durable Object's SQLite. */
import { runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { LOG_SLOTS, RoomStorage } from '../../worker/room/RoomStorage';
import { CONTRACT_LOG_SLOTS, roomLogContract } from '../shared/roomLogContract';
import { room } from './helpers';

it('the contract is run at the ring size RoomStorage has', () => {
  expect(CONTRACT_LOG_SLOTS).toBe(LOG_SLOTS);
});

roomLogContract('RoomStorage on SQLite', async (initial, body) => {
  await runInDurableObject(room(crypto.randomUUID()), (_instance, state) => {
    const open = () => new RoomStorage(state.storage.sql, (fn) => state.storage.transactionSync(fn));
    const log = open();
    log.seed('contract', initial, 1_700_000_000_000);
    body({ log, reload: open });
  });
});
