// @ts-check
// The audience bench's listeners spread over `node:worker_threads` (listener-thread.mjs),
// so that one event loop parsing every frame of 1,000–2,000 sockets is not what the
// delivery latencies measure. On 2 cores the threads add no CPU; they take the single
// queue out of the figures.
import { Worker } from 'node:worker_threads';
import { withTimeout } from './lib.mjs';

/**
 * @typedef {{ k: number, tier: 'room' | 'relay', url: string, hello: string }} ListenerSpec
 * @typedef {{ tier: 'room' | 'relay', joinMs: number, last: number, gaps: number, duplicates: number, changes: number,
 *   presenceBytes: number, leakedId: boolean }} ListenerStats
 * @typedef {{ op: 'join', id: number } | { op: 'counting', id: number, on: boolean } | { op: 'status', id: number, version: number | null }
 *   | { op: 'finish', id: number }} ToThread
 * @typedef {{ op: 'ready' } | { op: 'failed', id: number, message: string } | { op: 'joined', id: number, joins: ListenerStats[] }
 *   | { op: 'counting', id: number } | { op: 'status', id: number, maxLast: number, behind: number }
 *   | { op: 'finished', id: number, listeners: ListenerStats[], arrivals: Record<'room' | 'relay', Map<number, number[]>> }} FromThread
 */

/** Milliseconds since the epoch, comparable across threads (each has its own `performance.timeOrigin`). */
export const wallNow = () => performance.timeOrigin + performance.now();

export class ListenerThreads {
  /**
   * Start `threads` workers, listener k going to thread k mod threads; resolves when
   * every thread has loaded its modules (so thread start-up is not counted as joining).
   * @param {ListenerSpec[]} specs
   * @param {{ threads: number, joinConcurrency: number, secret: string }} options
   *   secret: the session id, which no listener frame may contain
   */
  static async start(specs, { threads, joinConcurrency, secret }) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`listener threads: ${threads} (want an integer ≥ 1)`);
    const n = Math.min(threads, Math.max(1, specs.length));
    const shares = Array.from({ length: n }, (_, t) => specs.filter((_, k) => k % n === t));
    const perThread = Math.max(1, Math.round(joinConcurrency / n));
    const self = new ListenerThreads(
      shares.map(
        (listeners) =>
          new Worker(new URL('./listener-thread.mjs', import.meta.url), { workerData: { listeners, secret, joinConcurrency: perThread } }),
      ),
    );
    try {
      await withTimeout(Promise.all(self.workers.map((w) => self.#once(w, (m) => m.op === 'ready'))), 60_000, 'listener threads to start');
    } catch (error) {
      await self.close();
      throw error;
    }
    return self;
  }

  /** @param {Worker[]} workers */
  constructor(workers) {
    this.workers = workers;
    this.closing = false;
    this.nextId = 0;
    /** @type {Error | null} the first error or unexpected exit of any thread */
    this.failure = null;
    /** @type {Set<(error: Error) => void>} */
    this.onFailure = new Set();
    for (const [t, w] of workers.entries()) {
      /** @param {Error} error */
      const fail = (error) => {
        this.failure ??= error;
        for (const f of this.onFailure) f(error);
      };
      w.on('error', (error) =>
        fail(new Error(`listener thread ${t}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
      );
      w.on('exit', (code) => {
        if (!this.closing) fail(new Error(`listener thread ${t} exited (code ${code})`));
      });
    }
  }

  /**
   * The first message from `w` that `match` accepts; rejects if any thread fails first.
   * @param {Worker} w
   * @param {(m: FromThread) => boolean} match
   * @returns {Promise<FromThread>}
   */
  #once(w, match) {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      /** @param {Error} error */
      const failed = (error) => {
        w.off('message', onMessage);
        this.onFailure.delete(failed);
        reject(error);
      };
      /** @param {FromThread} m */
      const onMessage = (m) => {
        if (m.op === 'failed') return failed(new Error(`listener thread: ${m.message}`));
        if (!match(m)) return;
        w.off('message', onMessage);
        this.onFailure.delete(failed);
        resolve(m);
      };
      w.on('message', onMessage);
      this.onFailure.add(failed);
    });
  }

  /**
   * Send one request to every thread; resolves with their answers in thread order.
   * @template {FromThread['op']} Op
   * @param {(id: number) => ToThread} request
   * @param {Op} answer
   * @returns {Promise<Extract<FromThread, { op: Op }>[]>}
   */
  async #all(request, answer, timeoutMs = 120_000) {
    const id = ++this.nextId;
    const replies = this.workers.map((w) => this.#once(w, (m) => m.op === answer && 'id' in m && m.id === id));
    for (const w of this.workers) w.postMessage(request(id));
    return /** @type {Extract<FromThread, { op: Op }>[]} */ (
      await withTimeout(Promise.all(replies), timeoutMs, `listener threads: ${answer}`)
    );
  }

  /** Every thread joins its share; resolves with every listener's join figures. */
  async join() {
    const replies = await this.#all((id) => ({ op: 'join', id }), 'joined', 300_000);
    return replies.flatMap((r) => r.joins);
  }

  /** Start (or stop) counting the bytes of every frame that is not a change. @param {boolean} on */
  async counting(on) {
    await this.#all((id) => ({ op: 'counting', id, on }), 'counting');
  }

  /**
   * The highest version any listener holds, and how many hold less than `version`.
   * @param {number | null} version
   */
  async status(version) {
    const replies = await this.#all((id) => ({ op: 'status', id, version }), 'status');
    return {
      maxLast: replies.reduce((a, r) => Math.max(a, r.maxLast), -Infinity),
      behind: replies.reduce((a, r) => a + r.behind, 0),
    };
  }

  /** Close every listener socket; resolves with each listener's counts and every arrival time, merged. */
  async finish() {
    const replies = await this.#all((id) => ({ op: 'finish', id }), 'finished');
    /** @type {Record<'room' | 'relay', Map<number, number[]>>} */
    const arrivals = { room: new Map(), relay: new Map() };
    for (const r of replies)
      for (const tier of /** @type {const} */ (['room', 'relay']))
        for (const [version, times] of r.arrivals[tier]) {
          const into = arrivals[tier].get(version);
          if (into) for (const t of times) into.push(t);
          else arrivals[tier].set(version, times);
        }
    return { listeners: replies.flatMap((r) => r.listeners), arrivals };
  }

  async close() {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
