// @ts-check
// One worker thread of the audience bench's listeners (sections 10 and 14): it opens its
// share of the listen-link sockets, checks every change frame for order, gaps, duplicates
// and the editing id, and sends the arrival times back to the bench's main thread. Times
// are `performance.timeOrigin + performance.now()`: each thread has its own time origin,
// so only that sum compares across threads. Driven by `ListenerThreads` (listeners.mjs).
import { parentPort, workerData } from 'node:worker_threads';
import { pool } from './lib.mjs';
import { Conn, isChange, versionOf } from './wsclient.mjs';

/** @import { ListenerSpec, ListenerStats, ToThread } from './listeners.mjs' */

const port = parentPort;
if (!port) throw new Error('listener-thread.mjs runs as a worker thread (see listeners.mjs)');
const {
  listeners: specs,
  secret,
  joinConcurrency,
} = /** @type {{ listeners: ListenerSpec[], secret: string, joinConcurrency: number }} */ (workerData);
const now = () => performance.timeOrigin + performance.now();

/** @typedef {ListenerStats & { conn: Conn }} Listener */
/** @type {Listener[]} */
let joined = [];
/** Per tier: version → every arrival time at this thread's listeners. */
/** @type {Record<'room' | 'relay', Map<number, number[]>>} */
const arrivals = { room: new Map(), relay: new Map() };
let counting = false;

/** @param {ListenerSpec} spec */
async function listen(spec) {
  const opened = performance.now();
  const conn = await Conn.open(spec.url, 30_000);
  const answer = conn.next((raw) => raw.startsWith('{"type":"snapshot"') || raw.startsWith('{"type":"catchup"'), 30_000, 'snapshot');
  conn.send(spec.hello);
  const first = JSON.parse(await answer);
  /** @type {Listener} */
  const listener = {
    conn,
    tier: spec.tier,
    joinMs: performance.now() - opened,
    last: first.version,
    gaps: 0,
    duplicates: 0,
    changes: 0,
    presenceBytes: 0,
    leakedId: false,
  };
  const tierArrivals = arrivals[spec.tier];
  /** @param {number} version @param {number} at */
  const changeArrived = (version, at) => {
    if (version <= listener.last) listener.duplicates++;
    else if (version !== listener.last + 1) listener.gaps++;
    listener.last = Math.max(listener.last, version);
    listener.changes++;
    const times = tierArrivals.get(version);
    if (times) times.push(at);
    else tierArrivals.set(version, [at]);
  };
  conn.onFrame = (raw) => {
    if (raw.includes(secret)) listener.leakedId = true;
    const at = now();
    if (raw.startsWith('[')) {
      // Several messages in one frame (protocol 4): each in order, all arrived now.
      for (const message of /** @type {{ type: string, version?: number }[]} */ (JSON.parse(raw))) {
        if (message.type === 'change') changeArrived(/** @type {number} */ (message.version), at);
        else if (counting) listener.presenceBytes += Buffer.byteLength(JSON.stringify(message));
      }
    } else if (isChange(raw)) {
      changeArrived(/** @type {number} */ (versionOf(raw)), at);
    } else if (counting) {
      listener.presenceBytes += Buffer.byteLength(raw);
    }
  };
  return listener;
}

/** @param {Listener} l @returns {ListenerStats} */
const stats = ({ conn: _conn, ...rest }) => rest;

port.on('message', (/** @type {ToThread} */ message) => {
  switch (message.op) {
    case 'join':
      pool(specs, joinConcurrency, listen).then(
        (all) => {
          joined = all;
          port.postMessage({ op: 'joined', id: message.id, joins: joined.map(stats) });
        },
        (error) => port.postMessage({ op: 'failed', id: message.id, message: error instanceof Error ? error.message : String(error) }),
      );
      break;
    case 'counting':
      counting = message.on;
      port.postMessage({ op: 'counting', id: message.id });
      break;
    case 'status':
      port.postMessage({
        op: 'status',
        id: message.id,
        maxLast: joined.reduce((a, l) => Math.max(a, l.last), -Infinity),
        behind: message.version === null ? 0 : joined.filter((l) => l.last < /** @type {number} */ (message.version)).length,
      });
      break;
    case 'finish':
      for (const l of joined) l.conn.close();
      port.postMessage({ op: 'finished', id: message.id, listeners: joined.map(stats), arrivals });
      break;
  }
});
port.postMessage({ op: 'ready' });
