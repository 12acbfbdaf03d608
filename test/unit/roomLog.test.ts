/** The RoomLog contract (test/shared/roomLogContract.ts) against the fuzz's in-memory log. */
import { CONTRACT_LOG_SLOTS, roomLogContract } from '../shared/roomLogContract';
import { MemoryRoomLog } from './sim/MemoryRoomLog';

roomLogContract('MemoryRoomLog', async (initial, body) => {
  const log = new MemoryRoomLog(initial, CONTRACT_LOG_SLOTS);
  // The fuzz's restarts keep the log object and lose only its open batch.
  body({
    log,
    reload: () => {
      log.crash();
      return log;
    },
  });
});
