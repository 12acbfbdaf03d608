// @ts-check
// Server-side benchmarks against the local runtime: sync round trip and fan-out against
// the bare echo Durable Object, throughput, storage per edit and over a session's life,
// cold wake, load, and a flooding socket beside honest editors.
import { core } from '../core.mjs';
import { median, percentile, pool, rng, sampleProcesses, sleep, summary } from './lib.mjs';
import { ListenerThreads, wallNow } from './listeners.mjs';
import { Conn, clientSeqOf, createSession, hello, isChange, join, mutate, probe, versionOf } from './wsclient.mjs';

/** @import { Mutation, Row, Track } from '../../core/index.ts' */
/** @import { Runtime } from './runtime.mjs' */
/** @import { Probe } from './wsclient.mjs' */
/** @typedef {Awaited<ReturnType<typeof join>>} Member a joined client: its socket and the room's first answer */

const { LIMITS } = core;
/** @param {number} n */
const range = (n) => Array.from({ length: n }, (_, i) => i);
/** The starter template's track ids: the sessions the bench edits start from it. */
const STARTER_TRACKS = /** @type {import('../../core/index.ts').Template} */ (core.TEMPLATES.find((t) => t.id === 'starter'))
  .tracks()
  .map((t) => t.track.id);
/** @param {number} k */
const starterTrack = (k) => /** @type {string} */ (STARTER_TRACKS[k % STARTER_TRACKS.length]);

/**
 * A set_step edit of the starter session (its pattern A).
 * @param {number} k which edit (picks the track, the step and the value)
 * @returns {Mutation}
 */
const starterEdit = (k, on = (k >> 6) % 2 === 0) => ({ type: 'set_step', trackId: starterTrack(k), pattern: 'A', step: (k >> 2) % 16, on });

/**
 * Wait until at least `gapMs` has passed since `last[i]`, then stamp it.
 * @param {number[]} last
 * @param {number} i
 * @param {number} gapMs
 */
async function paced(last, i, gapMs) {
  const wait = (last[i] ?? -Infinity) + gapMs - performance.now();
  if (wait > 0) await sleep(wait);
  last[i] = performance.now();
}

/**
 * Send `frame` on `conn` and resolve with the ms until `match(raw)` arrives.
 * @param {Conn} conn
 * @param {string} frame
 * @param {(raw: string) => boolean} match
 * @param {string} what
 */
async function timed(conn, frame, match, what) {
  const t0 = performance.now();
  const reply = conn.next(match, 10_000, what);
  conn.send(frame);
  await reply;
  return performance.now() - t0;
}

/**
 * What a room wrote between two probes, or null if it was evicted in between: its row
 * counters live in memory and restart with a new instance. (KV writes and versions are
 * persisted: compare those directly.)
 * @param {Probe} a
 * @param {Probe} b
 */
function wrote(a, b) {
  if (a.instance !== b.instance) return null;
  return {
    rows: b.rowsWritten - a.rowsWritten,
    mutations: b.mutationsApplied - a.mutationsApplied,
    /** Group commits (storage transactions carrying applied changes). */
    commits: (b.commits ?? 0) - (a.commits ?? 0),
    alarmsSet: b.alarmsSet - a.alarmsSet,
    alarmsDeleted: b.alarmsDeleted - a.alarmsDeleted,
  };
}

/** A room was evicted between two probes that had to read one instance. */
class Evicted extends Error {}

/**
 * Poll `read` until `done(value)`; the last value. A bounded wait, not a sleep.
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} read
 * @param {(value: T) => boolean} done
 * @param {number} [timeoutMs]
 * @param {number} [intervalMs] between reads (longer for reads that probe every room)
 * @returns {Promise<T>}
 */
async function until(what, read, done, timeoutMs = 15_000, intervalMs = 50) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---- 1. sync round trip ----------------------------------------------------------------------

/**
 * Mutation → durable ack (the author's own 'change') on a real SessionRoom, against the
 * same frame echoed by the bare EchoRoom, interleaved sample by sample (alternating
 * which goes first) so that both see the same machine state. Each room has one
 * client; several rooms share the work so every socket stays under the rate limit.
 * @param {Runtime} rt
 * @param {{ samples?: number, warmup?: number, sockets?: number, gapMs?: number, tag: string }} options
 */
export async function benchRoundTrip(rt, { samples = 600, warmup = 60, sockets = 6, gapMs = 40, tag }) {
  const ids = await Promise.all(range(sockets).map(() => createSession(rt.base, 'starter')));
  const rooms = await Promise.all(ids.map((id, i) => join(rt.ws, id, `rtt-${tag}-${i}`)));
  const echoes = await Promise.all(range(sockets).map((i) => Conn.open(`${rt.ws}/__bench/echo/rtt-${tag}-${i}`)));
  const durables = await Promise.all(range(sockets).map((i) => Conn.open(`${rt.ws}/__bench/echo/rttd-${tag}-${i}?durable`)));
  /** @type {number[]} */
  const seqs = new Array(sockets).fill(0);
  /** @type {number[]} */
  const last = new Array(sockets).fill(-Infinity);
  /** @type {Record<'room' | 'echo' | 'durable', number[]>} */
  const times = { room: [], echo: [], durable: [] };
  // Every order of the three, in turn: none of them always goes first after the pause.
  /** @type {('room' | 'echo' | 'durable')[][]} */
  const orders = [
    ['echo', 'durable', 'room'],
    ['room', 'echo', 'durable'],
    ['durable', 'room', 'echo'],
    ['echo', 'room', 'durable'],
    ['durable', 'echo', 'room'],
    ['room', 'durable', 'echo'],
  ];
  let frameBytes = 0;
  for (let k = 0; k < warmup + samples; k++) {
    const i = k % sockets;
    await paced(last, i, gapMs);
    const clientId = `rtt-${tag}-${i}`;
    const seq = (seqs[i] = (seqs[i] ?? 0) + 1);
    const frame = JSON.stringify(mutate(clientId, seq, starterEdit(k)));
    frameBytes = frame.length;
    const [room, echo, durable] = [rooms[i], echoes[i], durables[i]];
    if (!room || !echo || !durable) throw new Error('bench: socket missing');
    const run = {
      echo: () => timed(echo, frame, (raw) => raw === frame, 'echo'),
      durable: () => timed(durable, frame, (raw) => raw === frame, 'durable echo'),
      room: () => timed(room.conn, frame, (raw) => isChange(raw) && clientSeqOf(raw) === seq, 'durable ack'),
    };
    for (const name of orders[Math.floor(k / sockets) % orders.length] ?? []) {
      const ms = await run[name]();
      if (k >= warmup) times[name].push(ms);
    }
  }
  for (const r of rooms) r.conn.close();
  for (const c of [...echoes, ...durables]) c.close();
  const room = summary(times.room);
  const echo = summary(times.echo);
  const durable = summary(times.durable);
  return {
    room,
    echo,
    durable,
    ratioP50: room.p50 / echo.p50,
    ratioP99: room.p99 / echo.p99,
    durableRatioP50: durable.p50 / echo.p50,
    roomVsDurableP50: room.p50 / durable.p50,
    sockets,
    frameBytes,
  };
}

// ---- 2. fan-out ------------------------------------------------------------------------------

/**
 * One session, ten clients; each mutation (from each client in turn) is timed until
 * the last of the ten has it (the author's copy is its ack). Baseline: the echo room
 * in broadcast mode with ten sockets, the same frame, until the last has it; and the
 * floor of a room that tells no one before the write is durable: the same echo room
 * upserting the frame as one row first. The three run in a rotating order.
 * @param {Runtime} rt
 * @param {{ samples?: number, warmup?: number, clients?: number, gapMs?: number, tag: string }} options
 */
export async function benchFanout(rt, { samples = 300, warmup = 30, clients = 10, gapMs = 40, tag }) {
  const id = await createSession(rt.base, 'starter');
  /** @type {Member[]} */
  const members = [];
  for (const i of range(clients)) members.push(await join(rt.ws, id, `fan-${tag}-${i}`));
  await sleep(200); // let the join 'peers' broadcasts drain
  let version = Math.max(...members.map((m) => m.snapshot.version));
  /** @type {Conn[]} */
  const echoes = [];
  for (const _ of range(clients)) echoes.push(await Conn.open(`${rt.ws}/__bench/echo/fan-${tag}?all`));
  /** @type {Conn[]} */
  const durableEchoes = [];
  for (const _ of range(clients)) durableEchoes.push(await Conn.open(`${rt.ws}/__bench/echo/fan-durable-${tag}?all&durable`));
  /** @type {number[]} */
  const seqs = new Array(clients).fill(0);
  /** @type {number[]} */
  const last = new Array(clients).fill(-Infinity);
  /** @type {number[]} */
  const room = [];
  /** @type {number[]} */
  const roomFirst = [];
  /** @type {number[]} */
  const echo = [];
  /** @type {number[]} */
  const durableEcho = [];
  /**
   * @param {Conn[]} conns
   * @param {string} frame
   * @param {number} sender
   * @param {(raw: string) => boolean} match
   */
  const lastOf = async (conns, frame, sender, match) => {
    const t0 = performance.now();
    const arrivals = conns.map((c) => c.next(match, 10_000, 'fan-out').then(() => performance.now() - t0));
    conns[sender]?.send(frame);
    return Promise.all(arrivals);
  };
  for (let k = 0; k < warmup + samples; k++) {
    const i = k % clients;
    await paced(last, i, gapMs);
    const seq = (seqs[i] = (seqs[i] ?? 0) + 1);
    const frame = JSON.stringify(mutate(`fan-${tag}-${i}`, seq, starterEdit(k, (k >> 6) % 2 === 1)));
    const expected = ++version;
    const runRoom = () =>
      lastOf(
        members.map((m) => m.conn),
        frame,
        i,
        (raw) => isChange(raw) && versionOf(raw) === expected,
      );
    /** @type {Record<'room' | 'echo' | 'durable', () => Promise<number[]>>} */
    const runs = {
      room: runRoom,
      echo: () => lastOf(echoes, frame, i, (raw) => raw === frame),
      durable: () => lastOf(durableEchoes, frame, i, (raw) => raw === frame),
    };
    /** @type {Partial<Record<'room' | 'echo' | 'durable', number[]>>} */
    const times = {};
    const order = /** @type {const} */ (['room', 'echo', 'durable']);
    for (let j = 0; j < order.length; j++) {
      const which = order[(k + j) % order.length] ?? 'room';
      times[which] = await runs[which]();
    }
    if (k >= warmup) {
      const r = times.room ?? [];
      room.push(Math.max(...r));
      roomFirst.push(Math.min(...r.filter((_, j) => j !== i)));
      echo.push(Math.max(...(times.echo ?? [])));
      durableEcho.push(Math.max(...(times.durable ?? [])));
    }
  }
  for (const m of members) m.conn.close();
  for (const e of [...echoes, ...durableEchoes]) e.close();
  const roomS = summary(room);
  const echoS = summary(echo);
  const durableS = summary(durableEcho);
  return {
    clients,
    room: roomS,
    firstOther: summary(roomFirst),
    echo: echoS,
    durableEcho: durableS,
    ratioP50: roomS.p50 / echoS.p50,
    ratioP99: roomS.p99 / echoS.p99,
    durableRatioP50: roomS.p50 / durableS.p50,
  };
}

// ---- 3. throughput ---------------------------------------------------------------------------

/**
 * `conns` sockets, each keeping `window` frames in flight (or paced at `perSecond`),
 * for `durationMs` after `warmupMs`. Counts the acks that arrive inside the window.
 * Sequence numbers continue across calls on the same sockets (conn.benchSeq), one
 * clientId per socket, so each writer's clientSeqs follow one another.
 * @param {{ conns: Conn[], clientIds: string[], frameFor: (i: number, seq: number, clientId: string) => string,
 *   ackSeq: (raw: string, i: number) => number | null, window?: number, perSecond?: number | null, warmupMs?: number,
 *   durationMs?: number, pids?: number[] }} options
 * @returns {Promise<DriveResult>}
 */
async function drive({ conns, clientIds, frameFor, ackSeq, window = 8, perSecond = null, warmupMs = 500, durationMs = 2000, pids = [] }) {
  const n = conns.length;
  const state = conns.map((c) => ({ seq: c.benchSeq ?? 0, acked: 0, inFlight: 0, counted: 0, errors: 0, sent: 0 }));
  let stop = false;
  let start = Infinity;
  let end = Infinity;
  /** @param {number} i */
  const stateOf = (i) => /** @type {(typeof state)[number]} */ (state[i]);
  /** @param {number} i */
  const sendOne = (i) => {
    const s = stateOf(i);
    s.seq++;
    s.sent++;
    s.inFlight++;
    conns[i]?.send(frameFor(i, s.seq, /** @type {string} */ (clientIds[i])));
  };
  for (let i = 0; i < n; i++) {
    /** @type {Conn} */ (conns[i]).onFrame = (raw) => {
      if (raw.startsWith('{"type":"error"')) {
        stateOf(i).errors++;
        return;
      }
      const seq = ackSeq(raw, i);
      if (seq === null) return;
      const s = stateOf(i);
      s.acked++;
      s.inFlight--;
      const now = performance.now();
      if (now >= start && now < end) s.counted++;
      if (!stop && perSecond === null) sendOne(i);
    };
  }
  /** @type {ReturnType<typeof setTimeout>[]} */
  const timers = [];
  start = performance.now() + warmupMs;
  end = start + durationMs;
  if (perSecond === null) {
    for (let i = 0; i < n; i++) for (let w = 0; w < window; w++) sendOne(i);
  } else {
    // Paced: one frame every 1000/perSecond ms per client, whatever is in flight.
    for (let i = 0; i < n; i++) {
      let next = performance.now() + (i * 1000) / perSecond / n;
      const tick = () => {
        if (stop) return;
        while (performance.now() >= next) {
          sendOne(i);
          next += 1000 / perSecond;
        }
        timers.push(setTimeout(tick, Math.max(1, next - performance.now())));
      };
      tick();
    }
  }
  await sleep(start - performance.now());
  const cpuStart = sampleProcesses(pids);
  await sleep(end - performance.now());
  const cpuEnd = sampleProcesses(pids);
  stop = true;
  for (const t of timers) clearTimeout(t);
  const drainUntil = performance.now() + 15_000;
  while (state.some((s) => s.inFlight > 0) && performance.now() < drainUntil) await sleep(20);
  conns.forEach((c, i) => {
    c.onFrame = null;
    c.benchSeq = stateOf(i).seq;
  });
  const counted = state.reduce((a, s) => a + s.counted, 0);
  return {
    rate: counted / (durationMs / 1000),
    cpuMsPerAck: counted ? ((cpuEnd.cpuSeconds - cpuStart.cpuSeconds) * 1000) / counted : NaN,
    sent: state.reduce((a, s) => a + s.sent, 0),
    acked: state.reduce((a, s) => a + s.acked, 0),
    lost: state.reduce((a, s) => a + s.inFlight, 0),
    errors: state.reduce((a, s) => a + s.errors, 0),
  };
}

/**
 * @typedef {{ rate: number, cpuMsPerAck: number, sent: number, acked: number, lost: number, errors: number }} DriveResult
 */

/**
 * @param {number} _i
 * @param {number} seq
 * @param {string} clientId
 */
const stepFrame = (_i, seq, clientId) => JSON.stringify(mutate(clientId, seq, starterEdit(seq)));

/** @param {DriveResult[]} runs */
function combine(runs) {
  const rates = runs.map((r) => r.rate);
  return {
    rate: median(rates),
    rates,
    cpuMsPerAck: median(runs.map((r) => r.cpuMsPerAck)),
    sent: runs.reduce((a, r) => a + r.sent, 0),
    acked: runs.reduce((a, r) => a + r.acked, 0),
    lost: runs.reduce((a, r) => a + r.lost, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
  };
}

/**
 * Five clients flood one room (each keeps `window` frames in flight). Rounds alternate
 * between the bare echo, the echo that first writes one durable row, and a real session
 * with the rate limit off (BENCH ONLY), so all three see the same machine; the figure is
 * the median round. Then the production room with each client paced under its limit.
 * @param {Runtime} rt
 * @param {{ clients?: number, window?: number, rounds?: number, warmupMs?: number, durationMs?: number, tag: string, limitPerSecond: number }} options
 */
export async function benchThroughput(rt, { clients = 5, window = 8, rounds = 3, warmupMs = 500, durationMs = 2000, tag, limitPerSecond }) {
  /** @param {string} p */
  const ids = (p) => range(clients).map((i) => `${p}-${tag}-${i}`);
  /** @typedef {{ conns: Conn[], clientIds: string[], ackSeq: (raw: string, i: number) => number | null }} Setup */
  /** @param {string} url */
  const open = async (url) => {
    /** @type {Conn[]} */
    const conns = [];
    for (const _ of range(clients)) conns.push(await Conn.open(url));
    return conns;
  };
  /** @type {Setup} */
  const echoSetup = { conns: await open(`${rt.ws}/__bench/echo/tp-${tag}`), clientIds: ids('tpe'), ackSeq: (raw) => clientSeqOf(raw) };
  /** @type {Setup} */
  const durableSetup = {
    conns: await open(`${rt.ws}/__bench/echo/tpd-${tag}?durable`),
    clientIds: ids('tpd'),
    ackSeq: (raw) => clientSeqOf(raw),
  };
  const unlimitedId = await createSession(rt.base, 'starter', '/__bench/unlimited');
  const probeRoom = () => probe(rt.base, unlimitedId, { unlimited: true });
  const unlimitedIds = ids('tpu');
  /** @type {Member[]} */
  const members = [];
  for (const clientId of unlimitedIds) members.push(await join(rt.ws, unlimitedId, clientId, { prefix: '/__bench/unlimited' }));
  /** @type {Record<'echo' | 'durable' | 'room', Setup>} */
  const setups = {
    echo: echoSetup,
    durable: durableSetup,
    room: { conns: members.map((m) => m.conn), clientIds: unlimitedIds, ackSeq: (raw) => (isChange(raw) ? clientSeqOf(raw) : null) },
  };
  await sleep(200);
  /** @type {Record<'echo' | 'durable' | 'room', DriveResult[]>} */
  const runs = { echo: [], durable: [], room: [] };
  // The room's rows, read around each of its rounds: it idles through the others, and
  // the runtime may evict it then (its counters restart): only same-instance reads count.
  /** @type {NonNullable<ReturnType<typeof wrote>>[]} */
  const roomWrote = [];
  let evicted = 0;
  /** @type {Probe | null} */
  let lastRoomProbe = null;
  for (let r = 0; r < rounds; r++) {
    /** @type {('echo' | 'durable' | 'room')[]} */
    const order = r % 2 === 0 ? ['echo', 'durable', 'room'] : ['room', 'durable', 'echo'];
    for (const name of order) {
      const before = name === 'room' ? await probeRoom() : null;
      runs[name].push(await drive({ ...setups[name], frameFor: stepFrame, window, warmupMs, durationMs, pids: rt.workerdPids() }));
      if (before) {
        lastRoomProbe = await probeRoom();
        const w = wrote(before, lastRoomProbe);
        if (w) roomWrote.push(w);
        else evicted++;
      }
    }
  }
  for (const c of [...setups.echo.conns, ...setups.durable.conns, ...setups.room.conns]) c.close();
  // The last editor leaves: the room publishes to KV (one row, the log folded in).
  const after = await until('the throughput session to publish', probeRoom, (p) => p.publishedVersion === p.version);
  const leave = lastRoomProbe ? wrote(lastRoomProbe, after) : null;
  if (leave) roomWrote.push(leave);
  else evicted++;
  const applied = roomWrote.reduce((a, w) => a + w.mutations, 0);
  const unlimited = {
    ...combine(runs.room),
    applied,
    rowsPerMutation: roomWrote.reduce((a, w) => a + w.rows, 0) / applied,
    /** Changes per group commit (one storage transaction each) during the rounds. */
    mutationsPerCommit:
      applied /
      Math.max(
        1,
        roomWrote.reduce((a, w) => a + w.commits, 0),
      ),
    /** Stretches left out of rowsPerMutation because the room was evicted during them. */
    evicted,
    version: after.version,
    publishedVersion: after.publishedVersion,
  };

  // The echo broadcasting every frame to all the room's sockets (what a session does), one round.
  /** @type {DriveResult} */
  let echoAll;
  {
    const echoAllIds = ids('tpa');
    const conns = await open(`${rt.ws}/__bench/echo/tpall-${tag}?all`);
    echoAll = await drive({
      conns,
      clientIds: echoAllIds,
      frameFor: stepFrame,
      pids: rt.workerdPids(),
      ackSeq: (raw, i) => (raw.includes(`"clientId":"${echoAllIds[i]}"`) ? clientSeqOf(raw) : null),
      window,
      warmupMs,
      durationMs,
    });
    for (const c of conns) c.close();
  }
  // The production room, each client paced just under the room's limit.
  /** @type {DriveResult} */
  let limitedRun;
  {
    const id = await createSession(rt.base, 'starter');
    const limitedIds = ids('tpl');
    /** @type {Member[]} */
    const limited = [];
    for (const clientId of limitedIds) limited.push(await join(rt.ws, id, clientId));
    await sleep(200);
    limitedRun = await drive({
      conns: limited.map((m) => m.conn),
      clientIds: limitedIds,
      frameFor: stepFrame,
      ackSeq: (raw) => (isChange(raw) ? clientSeqOf(raw) : null),
      perSecond: limitPerSecond - 1,
      warmupMs: 1000,
      durationMs: 3000,
      pids: rt.workerdPids(),
    });
    for (const m of limited) m.conn.close();
  }
  /** @param {DriveResult[]} a @param {DriveResult[]} b */
  const ratios = (a, b) => a.map((r, k) => r.rate / (b[k]?.rate ?? NaN));
  const perRound = ratios(runs.room, runs.echo);
  return {
    clients,
    window,
    rounds,
    durationMs,
    echo: combine(runs.echo),
    durable: combine(runs.durable),
    unlimited,
    echoAll,
    limited: limitedRun,
    ratio: median(perRound),
    ratioRounds: perRound,
    durableRatio: median(ratios(runs.durable, runs.echo)),
    roomVsDurable: median(ratios(runs.room, runs.durable)),
    ratioVsEchoAll: unlimited.rate / echoAll.rate,
  };
}

// ---- 4. storage: per edit, and over a session's life ---------------------------------------------

/**
 * A track whose row (in pattern A) has 128 steps, all on, with random velocities and
 * pitches (core's makeTrack, so it carries every field of this model).
 * @param {number} i
 * @param {() => number} random
 * @returns {{ track: Track, row: Row }}
 */
function fullTrack(i, random) {
  const { track, row } = core.makeTrack({
    id: `t${i}`,
    name: `Track ${i + 1}`,
    instrument: /** @type {string} */ (core.INSTRUMENT_IDS[i % core.INSTRUMENT_IDS.length]),
    length: LIMITS.maxSteps,
    on: range(LIMITS.maxSteps),
  });
  row.velocities = range(LIMITS.maxSteps).map(() => 1 + Math.floor(random() * LIMITS.maxVelocity));
  row.pitches = range(LIMITS.maxSteps).map(() => LIMITS.minPitch + Math.floor(random() * (LIMITS.maxPitch - LIMITS.minPitch + 1)));
  return { track, row };
}

/**
 * `add_track` of a track and its row in pattern A, appended.
 * @param {{ track: Track, row: Row }} t
 * @returns {Mutation}
 */
const addTrack = ({ track, row }) => ({ type: 'add_track', track, rows: { A: row }, beforeTrackId: null });

/**
 * Send one mutation and wait for its ack (the author's own change).
 * @param {Conn} conn
 * @param {string} clientId
 * @param {number} seq
 * @param {Mutation} mutation
 * @returns {Promise<string>} the change frame
 */
async function applyOne(conn, clientId, seq, mutation) {
  const ack = conn.next((raw) => isChange(raw) && clientSeqOf(raw) === seq, 10_000, `${mutation.type} #${seq}`);
  conn.send(mutate(clientId, seq, mutation));
  return ack;
}

/**
 * Create a session of 16 tracks × 128 steps, all on (built over the socket, as a user would).
 * @param {Runtime} rt
 * @param {string} clientId
 */
export async function buildFullSession(rt, clientId, seed = 1) {
  const id = await createSession(rt.base, 'empty');
  const { conn } = await join(rt.ws, id, clientId);
  const random = rng(seed);
  let seq = 0;
  for (const i of range(LIMITS.maxTracks)) await applyOne(conn, clientId, ++seq, addTrack(fullTrack(i, random)));
  return { id, conn, seq };
}

/**
 * `edits` step edits, each between two probes: the rows it wrote and the size of its log row.
 * @param {Runtime} rt
 * @param {string} id
 * @param {Conn} conn
 * @param {string} clientId
 * @param {number} seq the writer's last clientSeq
 * @param {string} trackId
 * @param {number} edits
 */
async function editsWithProbe(rt, id, conn, clientId, seq, trackId, edits) {
  /** @type {number[]} */
  const rows = [];
  /** @type {number[]} */
  const bytes = [];
  for (let k = 0; k < edits; k++) {
    const before = await probe(rt.base, id);
    const raw = await applyOne(conn, clientId, ++seq, {
      type: 'set_step',
      trackId,
      pattern: 'A',
      step: (k * 7) % LIMITS.maxSteps,
      on: k % 2 === 0,
    });
    const after = await probe(rt.base, id, { version: versionOf(raw) });
    const w = wrote(before, after);
    if (!w) throw new Evicted(`the room of session ${id} was evicted during an edit`);
    rows.push(w.rows);
    const r = after.row;
    // Text columns as stored (UTF-8) + five 8-byte numbers (slot, version, at, client_seq, rowid key).
    bytes.push(r ? r.mutation + r.clientId + r.author + 5 * 8 : NaN);
  }
  return { rows, bytes, seq };
}

/**
 * One session's whole life, as the bill's profile has it (`mutations` edits by two
 * editors, then both leave), probed between its steps: the rows written at creation,
 * by the edits (one log row each, read around every edit in benchStorage; here the edit
 * that reaches `compactEvery` versions since the last fold is read on its own, as it
 * also writes the snapshot row), when the last editor leaves, the alarms set and
 * deleted, KV writes, and the SQLite database and KV document it leaves behind.
 * Then, on a second session with an editor still connected, the KV backstop alarm is
 * brought forward to now: what one backstop publish writes.
 * @param {Runtime} rt
 * @param {{ tag: string, mutations: number, compactEvery: number, gapMs?: number }} options
 */
async function sessionLife(rt, { tag, mutations, compactEvery, gapMs = 45 }) {
  const id = await createSession(rt.base, 'starter');
  const created = await probe(rt.base, id);
  const editors = await Promise.all(range(2).map((i) => join(rt.ws, id, `life-${tag}-${i}`)));
  const joined = await probe(rt.base, id);
  const seqs = [0, 0];
  /** @type {number[]} */
  const last = [-Infinity, -Infinity];
  /** @type {{ version: number, rows: number }[]} */
  const compactions = [];
  let folded = joined.compactedVersion ?? 0;
  for (let k = 0; k < mutations; k++) {
    const i = k % 2;
    const editor = /** @type {(typeof editors)[number]} */ (editors[i]);
    await paced(last, i, gapMs); // each editor well under the rate limit
    const version = (joined.version ?? 0) + k + 1;
    const folds = version - folded >= compactEvery;
    const before = folds ? await probe(rt.base, id) : null;
    const seq = (seqs[i] = (seqs[i] ?? 0) + 1);
    await applyOne(editor.conn, `life-${tag}-${i}`, seq, starterEdit(k * 5 + i, k % 3 !== 0));
    if (before) {
      const after = await probe(rt.base, id);
      if (after.compactedVersion !== version)
        throw new Error(`bench: version ${version} should have folded the log (compactedVersion ${after.compactedVersion})`);
      const w = wrote(before, after);
      if (!w) throw new Evicted('a room was evicted during the edit that folds its log');
      compactions.push({ version, rows: w.rows });
      folded = version;
    }
  }
  const edited = await probe(rt.base, id);
  for (const e of editors) e.conn.close();
  // The last editor leaves: the room publishes to KV (one row: the counters and the log folded in).
  const left = await until(
    "the last editor's leave to publish",
    () => probe(rt.base, id),
    (p) => p.sockets === 0 && p.publishedVersion === p.version,
  );
  const kvDoc = await fetch(`${rt.base}/api/sessions/${id}`);
  const kvDocBytes = (await kvDoc.arrayBuffer()).byteLength;

  // A backstop publish: an editor stays; the alarm the first edit scheduled is brought forward.
  const backstopId = await createSession(rt.base, 'starter');
  const stayer = await join(rt.ws, backstopId, `life-${tag}-stay`);
  let seq = 0;
  for (const k of range(8)) await applyOne(stayer.conn, `life-${tag}-stay`, ++seq, starterEdit(k));
  const beforeAlarm = await probe(rt.base, backstopId);
  const fired = await (await fetch(`${rt.base}/__bench/backstop/limited/${backstopId}`, { method: 'POST' })).json();
  if (!fired.scheduled) throw new Error('bench: no backstop alarm was scheduled after an edit');
  const afterAlarm = await until(
    'the backstop alarm to publish',
    () => probe(rt.base, backstopId),
    (p) => (p.kvWrites ?? 0) > (beforeAlarm.kvWrites ?? 0),
  );
  // The next edit schedules the next backstop.
  await applyOne(stayer.conn, `life-${tag}-stay`, ++seq, starterEdit(8));
  const afterNextEdit = await probe(rt.base, backstopId);
  stayer.conn.close();

  /** @param {Probe} a @param {Probe} b */
  const delta = (a, b) => {
    const w = wrote(a, b);
    if (!w) throw new Evicted('a room was evicted while its life was measured');
    return { rows: w.rows, kvWrites: (b.kvWrites ?? 0) - (a.kvWrites ?? 0), alarmsSet: w.alarmsSet, alarmsDeleted: w.alarmsDeleted };
  };
  return {
    mutations,
    creation: { rows: created.rowsWritten, kvWrites: created.kvWrites ?? 0, alarmsSet: created.alarmsSet, tables: created.tables },
    joining: delta(created, joined),
    editing: delta(joined, edited),
    compactions,
    /** Rows an edit that folds the log writes beyond its own log row. */
    rowsPerCompaction: compactions.length ? median(compactions.map((e) => e.rows - 1)) : null,
    leave: delta(edited, left),
    total: delta({ ...created, rowsWritten: 0, kvWrites: 0, alarmsSet: 0, alarmsDeleted: 0 }, left),
    version: left.version,
    tables: left.tables,
    logRows: left.logRows,
    snapshotBytes: left.snapshotBytes,
    databaseSize: left.databaseSize,
    kvDocBytes,
    backstop: {
      wasDueInMs: fired.wasDueInMs,
      ...delta(beforeAlarm, afterAlarm),
      nextEditAlarmsSet: afterNextEdit.alarmsSet - afterAlarm.alarmsSet,
      nextEditRows: afterNextEdit.rowsWritten - afterAlarm.rowsWritten,
    },
  };
}

/**
 * @param {Runtime} rt
 * @param {{ edits?: number, tag: string, lifeMutations: number, compactEvery: number }} options
 */
export async function benchStorage(rt, { edits = 16, tag, lifeMutations, compactEvery }) {
  // Empty session: one empty track to edit.
  const emptyId = await createSession(rt.base, 'empty');
  const emptyClient = `st-${tag}-e`;
  const e = await join(rt.ws, emptyId, emptyClient);
  await applyOne(e.conn, emptyClient, 1, addTrack(core.makeTrack({ id: 't0', name: 'Track 1', instrument: 'studio-kick' })));
  const empty = await editsWithProbe(rt, emptyId, e.conn, emptyClient, 1, 't0', edits);
  const emptyDoc = (await join(rt.ws, emptyId, `${emptyClient}-r`)).snapshot.session;
  e.conn.close();

  const fullClient = `st-${tag}-f`;
  const f = await buildFullSession(rt, fullClient, 7);
  const full = await editsWithProbe(rt, f.id, f.conn, fullClient, f.seq, 't5', edits);
  const fullSnap = await join(rt.ws, f.id, `${fullClient}-r`);
  fullSnap.conn.close();
  f.conn.close();
  const fullProbe = await until(
    'the full session to publish',
    () => probe(rt.base, f.id),
    (p) => p.sockets === 0 && p.publishedVersion === p.version,
  );
  return {
    edits,
    empty: { rows: summary(empty.rows), bytes: summary(empty.bytes), docBytes: Buffer.byteLength(JSON.stringify(emptyDoc)) },
    full: {
      rows: summary(full.rows),
      bytes: summary(full.bytes),
      docBytes: Buffer.byteLength(JSON.stringify(fullSnap.snapshot.session)),
      snapshotFrameBytes: Buffer.byteLength(fullSnap.raw),
      databaseSize: fullProbe.databaseSize,
      snapshotRowBytes: fullProbe.snapshotBytes,
    },
    // Measured once more if the runtime evicted a room mid-measure (its counters restart).
    life: await sessionLife(rt, { tag, mutations: lifeMutations, compactEvery }).catch((error) => {
      if (!(error instanceof Evicted)) throw error;
      return sessionLife(rt, { tag: `${tag}-again`, mutations: lifeMutations, compactEvery });
    }),
  };
}

// ---- 5. cold wake ----------------------------------------------------------------------------

/**
 * Build `count` full sessions and time a warm join (DO in memory) to each.
 * @param {Runtime} rt
 * @param {{ count?: number, tag: string }} options
 */
export async function prepareColdWake(rt, { count = 10, tag }) {
  /** @type {string[]} */
  const ids = [];
  for (const i of range(count)) {
    const f = await buildFullSession(rt, `cw-${tag}-${i}`, 100 + i);
    f.conn.close();
    ids.push(f.id);
  }
  // The builders' leave publishes to KV; let it finish.
  for (const id of ids)
    await until(
      "the builders' leave to publish",
      () => probe(rt.base, id),
      (p) => p.sockets === 0 && p.publishedVersion === p.version,
    );
  /** @type {number[]} */
  const warm = [];
  for (const id of ids) {
    const t0 = performance.now();
    const { conn } = await join(rt.ws, id, `cw-warm-${tag}`);
    warm.push(performance.now() - t0);
    conn.close();
    await sleep(50);
  }
  // A new echo room: the cost of starting a Durable Object that has nothing to load.
  return { ids, warm };
}

/**
 * In a freshly started runtime (every DO evicted): time the first join to each session.
 * @param {Runtime} rt
 * @param {{ ids: string[], warm: number[] }} prepared
 * @param {{ tag: string }} options
 */
export async function measureColdWake(rt, prepared, { tag }) {
  // Load the Worker's script first (a 404 touches no Durable Object), so the figure is the DO's wake.
  const warmup = await fetch(`${rt.base}/api/sessions/00000000-0000-4000-8000-000000000000`);
  await warmup.arrayBuffer();
  /** @type {number[]} */
  const cold = [];
  /** @type {number[]} */
  const connectMs = [];
  let snapshotBytes = 0;
  let tracks = 0;
  for (const id of prepared.ids) {
    const t0 = performance.now();
    const conn = await Conn.open(`${rt.ws}/api/sessions/${id}/ws`);
    connectMs.push(performance.now() - t0);
    const answer = conn.next((raw) => raw.startsWith('{"type":"snapshot"'), 15_000, 'cold snapshot');
    conn.send(hello(`cw-cold-${tag}`, 'cold'));
    const raw = await answer;
    cold.push(performance.now() - t0);
    snapshotBytes = Buffer.byteLength(raw);
    tracks = JSON.parse(raw).session.tracks.length;
    conn.close();
  }
  /** @type {number[]} */
  const echoCold = [];
  for (const i of range(prepared.ids.length)) {
    const t0 = performance.now();
    const conn = await Conn.open(`${rt.ws}/__bench/echo/cold-${tag}-${i}`);
    const reply = conn.next((raw) => raw === 'x', 10_000, 'echo');
    conn.send('x');
    await reply;
    echoCold.push(performance.now() - t0);
    conn.close();
  }
  const coldS = summary(cold);
  const warmS = summary(prepared.warm);
  const echoS = summary(echoCold);
  return {
    sessions: prepared.ids.length,
    tracks,
    snapshotBytes,
    cold: coldS,
    connect: summary(connectMs),
    warm: warmS,
    echoCold: echoS,
    ratioWarm: coldS.p50 / warmS.p50,
    ratioEcho: coldS.p50 / echoS.p50,
  };
}

// ---- 6. load ---------------------------------------------------------------------------------

/**
 * Paced loops for the load and audience benches: `later` runs a callback after a delay,
 * `exp` draws the wait to the next event of a Poisson process at `rate` a second (from the
 * bench's seeded `random`), and `cancel` stops every callback still pending.
 * @param {() => number} random
 */
function poissonPacing(random) {
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  const timers = new Set();
  return {
    /** @param {number} ms @param {() => void} fn */
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    },
    /** @param {number} rate */
    exp: (rate) => -Math.log(1 - random()) * (1000 / rate),
    cancel() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/**
 * `sessions` × `clients` editors on loopback for `seconds`: each client edits at
 * `editsPerSecond` (Poisson arrivals) and moves its cursor at `presencePerSecond`.
 * Checks every mutation acknowledged, every client saw every version in order, no
 * errors, and the final state (after everyone leaves, read back from the rooms and
 * from KV) equals the acknowledged edits. Samples workerd's CPU and RSS.
 * @param {Runtime} rt
 * @param {{ sessions?: number, clients?: number, seconds?: number, editsPerSecond?: number, presencePerSecond?: number,
 *   tag: string, roundTripP50?: number, timeline?: [number, number][] | null }} options
 */
export async function benchLoad(
  rt,
  { sessions = 100, clients = 5, seconds = 40, editsPerSecond = 0.4, presencePerSecond = 0.5, tag, roundTripP50, timeline = null },
) {
  const random = rng(42);
  const pids = rt.workerdPids();
  const idle = sampleProcesses(pids);
  // Baseline: the same number of sockets on bare echo rooms (what the runtime costs by itself).
  const echoConns = await pool(range(sessions * clients), 25, async (k) => {
    const conn = await Conn.open(`${rt.ws}/__bench/echo/load-${tag}-${Math.floor(k / clients)}`);
    const reply = conn.next((raw) => raw === 'hi', 10_000, 'echo');
    conn.send('hi');
    await reply;
    return conn;
  });
  await sleep(500);
  const echoConnected = sampleProcesses(pids);
  for (const c of echoConns) c.close();
  await sleep(1500);
  const beforeSessions = sampleProcesses(pids);
  const setupStart = performance.now();
  const ids = await pool(range(sessions), 10, () => createSession(rt.base, 'starter'));
  const baseline = await pool(ids, 20, (id) => probe(rt.base, id));
  /**
   * @typedef {{ id: string, index: number, initial: import('../../core/index.ts').Session | null,
   *   acked: { version: number, mutation: { trackId: string, step: number, on: boolean } }[] }} SessionState
   * @typedef {{ conn: Conn, clientId: string, session: SessionState, seq: number,
   *   pending: Map<number, { t0: number, mutation: Mutation }>, lastVersion: number, gaps: number, errors: string[],
   *   latencies: number[], changes: number, dupAcks: number }} Editor
   */
  /** @type {Editor[]} */
  const editors = [];
  /** @type {string[]} */
  const problems = [];
  /** @type {SessionState[]} */
  const sessionsState = ids.map((id, s) => ({ id, index: s, initial: null, acked: [] }));
  await pool(range(sessions * clients), 25, async (k) => {
    const s = Math.floor(k / clients);
    const clientId = `load-${tag}-${s}-${k % clients}`;
    const session = /** @type {SessionState} */ (sessionsState[s]);
    const { conn, snapshot } = await join(rt.ws, session.id, clientId);
    if (!session.initial) session.initial = snapshot.session;
    /** @type {Editor} */
    const editor = {
      conn,
      clientId,
      session,
      seq: 0,
      pending: new Map(),
      lastVersion: snapshot.version,
      gaps: 0,
      errors: [],
      latencies: [],
      changes: 0,
      dupAcks: 0,
    };
    conn.onFrame = (raw) => {
      if (raw.startsWith('{"type":"peers"')) return;
      const message = JSON.parse(raw);
      if (message.type === 'change') {
        editor.changes++;
        if (message.version !== editor.lastVersion + 1) editor.gaps++;
        editor.lastVersion = message.version;
        if (message.clientSeq !== undefined) {
          const sent = editor.pending.get(message.clientSeq);
          if (sent) {
            editor.latencies.push(performance.now() - sent.t0);
            if (timeline) timeline.push([sent.t0, performance.now() - sent.t0]);
            editor.pending.delete(message.clientSeq);
            editor.session.acked.push({ version: message.version, mutation: message.mutation });
          }
        }
      } else if (message.type === 'ack') {
        editor.dupAcks++;
        editor.pending.delete(message.clientSeq);
      } else if (message.type === 'error') {
        editor.errors.push(message.code);
      }
    };
    editors.push(editor);
  });
  const setupMs = performance.now() - setupStart;
  // Every room after the joins, before the first edit: the start of what the editing writes.
  const joined = await pool(ids, 20, (id) => probe(rt.base, id));
  await sleep(500);
  const connected = sampleProcesses(pids);

  // The edit loop.
  let stop = false;
  const { later, exp, cancel } = poissonPacing(random);
  let sentTotal = 0;
  let presenceSent = 0;
  for (const editor of editors) {
    const edit = () => {
      if (stop) return;
      const seq = ++editor.seq;
      /** @type {Mutation} */
      const mutation = {
        type: 'set_step',
        trackId: starterTrack(Math.floor(random() * STARTER_TRACKS.length)),
        pattern: 'A',
        step: Math.floor(random() * 16),
        on: random() < 0.5,
      };
      editor.pending.set(seq, { t0: performance.now(), mutation });
      editor.conn.send(mutate(editor.clientId, seq, mutation));
      sentTotal++;
      later(exp(editsPerSecond), edit);
    };
    const move = () => {
      if (stop) return;
      presenceSent++;
      editor.conn.send({
        type: 'presence',
        cursor: { trackId: starterTrack(Math.floor(random() * STARTER_TRACKS.length)), step: Math.floor(random() * 16) },
        playing: false,
        peer: { name: 'bench', color: '#3366aa' },
      });
      later(exp(presencePerSecond), move);
    };
    // Poisson from the start: no synchronised first burst.
    later(exp(editsPerSecond), edit);
    if (presencePerSecond > 0) later(exp(presencePerSecond), move);
  }
  /** @type {import('./lib.mjs').ProcessSample[]} */
  const samples = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const start = sampleProcesses(pids);
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    samples.push(sampleProcesses(pids));
  }
  stop = true;
  cancel();
  const end = sampleProcesses(pids);
  const nodeCpu = process.cpuUsage(cpu0);
  const wall = (end.at - start.at) / 1000;
  // Drained: a clock sample sent after a socket's last frame is answered once its room has
  // handled everything before it (a room handles its frames one at a time, in order). On a
  // busy machine the rooms can be many seconds behind; a socket that never answers is
  // counted below through its unacknowledged edits.
  await Promise.allSettled(
    editors.map((e) => {
      const answered = e.conn.next((raw) => raw.startsWith('{"type":"clock"'), 120_000, `${e.clientId} drained`);
      e.conn.send({ type: 'clock', t0: performance.now() });
      return answered;
    }),
  );
  const unacked = editors.reduce((a, e) => a + e.pending.size, 0);
  const closedEarly = editors.filter((e) => e.conn.closed).length;
  {
    // Printed before the probes below: on a machine too busy for them the figures survive.
    const l = summary(editors.flatMap((e) => e.latencies));
    console.log(
      `[bench load] acked ${l.n} of ${sentTotal}, unacked ${unacked}; ack latency p50 ${l.p50.toFixed(1)} ms, p90 ${l.p90.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`,
    );
  }

  // Before anyone leaves: what the editing wrote (log rows + backstop publishes).
  const midway = await pool(ids, 20, (id) => probe(rt.base, id));
  // Everyone leaves: the rooms compact and publish to KV.
  for (const e of editors) {
    e.conn.onFrame = null;
    e.conn.close();
  }
  const left = await until(
    'every room to publish after its last editor left',
    () => pool(ids, 20, (id) => probe(rt.base, id)),
    (rooms) => rooms.every((p) => p.sockets === 0 && p.publishedVersion === p.version),
    60_000,
    500,
  );
  const afterLeave = sampleProcesses(pids);

  // Verify: the final state, read back from each room (a fresh snapshot) and from KV.
  let cellsChecked = 0;
  let cellMismatches = 0;
  let versionMismatches = 0;
  let kvBehind = 0;
  const verify = await pool(sessionsState, 10, async (st) => {
    /** @type {Map<string, { version: number, on: boolean }>} */
    const expected = new Map();
    for (const { version, mutation } of st.acked) {
      const key = `${mutation.trackId}:${mutation.step}`;
      const prev = expected.get(key);
      if (!prev || prev.version < version) expected.set(key, { version, on: mutation.on });
    }
    const maxVersion = st.acked.reduce((a, c) => Math.max(a, c.version), 0);
    const { conn, snapshot } = await join(rt.ws, st.id, `verify-${tag}-${st.index}`);
    conn.close();
    if (snapshot.version !== maxVersion) versionMismatches++;
    for (const track of snapshot.session.tracks) {
      const initial = st.initial ? core.rowOf(st.initial, 'A', track.id) : undefined;
      const row = core.rowOf(snapshot.session, 'A', track.id);
      for (let step = 0; step < 16; step++) {
        const want = expected.get(`${track.id}:${step}`)?.on ?? initial?.steps[step];
        cellsChecked++;
        if (row.steps[step] !== want) cellMismatches++;
      }
    }
    const doc = /** @type {{ version: number }} */ (await (await fetch(`${rt.base}/api/sessions/${st.id}`)).json());
    if (doc.version !== maxVersion) kvBehind++;
    return { maxVersion, kvBytes: Buffer.byteLength(JSON.stringify(doc)) };
  });
  // Rows: from the joins to the leave, in rooms the runtime did not evict meanwhile (their
  // counters are in memory). KV writes are persisted: every room counts.
  /** @param {Probe[]} list @param {number} i */
  const at = (list, i) => /** @type {Probe} */ (list[i]);
  /** @param {number} i */
  const kvWhileEditing = (i) => (at(midway, i).kvWrites ?? 0) - (at(joined, i).kvWrites ?? 0);
  const whole = ids.map((_, i) => ({
    editing: wrote(at(joined, i), at(midway, i)),
    leaving: wrote(at(midway, i), at(left, i)),
    backstops: kvWhileEditing(i),
  }));
  const kept =
    /** @type {{ editing: NonNullable<ReturnType<typeof wrote>>, leaving: NonNullable<ReturnType<typeof wrote>>, backstops: number }[]} */ (
      whole.filter((w) => w.editing && w.leaving)
    );
  const mutations = kept.reduce((a, w) => a + w.editing.mutations + w.leaving.mutations, 0);
  const rows = kept.reduce((a, w) => a + w.editing.rows + w.leaving.rows, 0);
  const midwayMutations = kept.reduce((a, w) => a + w.editing.mutations, 0);
  const midwayRows = kept.reduce((a, w) => a + w.editing.rows, 0);
  const kvWrites = left.map((f, i) => (f.kvWrites ?? 0) - (at(baseline, i).kvWrites ?? 0));
  const keptBackstops = kept.reduce((a, w) => a + w.backstops, 0);
  const latencies = editors.flatMap((e) => e.latencies);
  const errors = editors.flatMap((e) => e.errors);
  const acked = latencies.length;
  const rss = samples.map((s) => s.rssBytes);
  const cpuSeconds = end.cpuSeconds - start.cpuSeconds;
  const latencyS = summary(latencies);
  for (const e of editors) if (e.gaps) problems.push(`${e.clientId}: ${e.gaps} version gaps`);
  return {
    sessions,
    clients,
    seconds,
    editsPerSecond,
    presencePerSecond,
    setupMs,
    sent: sentTotal,
    presenceSent,
    acked,
    unacked,
    dupAcks: editors.reduce((a, e) => a + e.dupAcks, 0),
    errors: errors.length,
    errorCodes: [...new Set(errors)],
    gaps: editors.reduce((a, e) => a + e.gaps, 0),
    closedEarly,
    cellsChecked,
    cellMismatches,
    versionMismatches,
    kvBehind,
    mutations,
    rowsPerMutation: rows / mutations,
    /** Rooms evicted between the joins and the leave, left out of the row figures. */
    evicted: sessions - kept.length,
    evictedWhile: { editing: whole.filter((w) => !w.editing).length, leaving: whole.filter((w) => !w.leaving).length },
    // Publishes while editing (the backstop alarm) and on the last editor's leave, apart.
    alarmPublishes: whole.reduce((a, w) => a + w.backstops, 0),
    rowsPerAlarmPublish: keptBackstops ? (midwayRows - midwayMutations) / keptBackstops : null,
    rowsPerLeave: (rows - midwayRows - (mutations - midwayMutations)) / kept.length,
    creationRows: median(baseline.map((b) => b.rowsWritten)),
    creationKvWrites: median(baseline.map((b) => b.kvWrites ?? 0)),
    kvWritesPerSession: { p50: median(kvWrites), max: Math.max(...kvWrites), mean: kvWrites.reduce((a, b) => a + b, 0) / kvWrites.length },
    kvDocBytes: median(verify.map((v) => v.kvBytes)),
    databaseSize: median(left.map((f) => f.databaseSize)),
    mutationsPerSession: mutations / kept.length,
    throughput: acked / wall,
    latency: latencyS,
    latencyVsIdle: roundTripP50 ? latencyS.p50 / roundTripP50 : null,
    cpu: {
      percentOfOneCore: (cpuSeconds / wall) * 100,
      msPerMutation: (cpuSeconds * 1000) / acked,
      msPerIncoming: (cpuSeconds * 1000) / (acked + presenceSent),
      nodeClientPercent: ((nodeCpu.user + nodeCpu.system) / 1e6 / wall) * 100,
    },
    rss: {
      idle: idle.rssBytes,
      echoConnected: echoConnected.rssBytes,
      beforeSessions: beforeSessions.rssBytes,
      connected: connected.rssBytes,
      p50: percentile(rss, 50),
      max: Math.max(...rss, end.rssBytes),
      afterLeave: afterLeave.rssBytes,
      echoPerSocket: (echoConnected.rssBytes - idle.rssBytes) / (sessions * clients),
      sessionPerSocket: (connected.rssBytes - beforeSessions.rssBytes) / (sessions * clients),
    },
    perProcess: { idle: idle.perProcess, connected: connected.perProcess, end: end.perProcess },
    incomingPerSecond: sessions * clients * (editsPerSecond + presencePerSecond),
    workerdProcesses: pids.length,
    problems,
  };
}

// ---- 9. a flooding socket beside honest editors --------------------------------------------------

/**
 * Issue 10 §4: in one session, one socket floods valid mutations at `floodPerSecond`
 * for `floodMs` while `honest` editors each send an edit every `honestEveryMs`. Each
 * honest edit is timed from send to its ack (the author's change): first for `idleMs`
 * with no flood (the same editors' idle baseline), then during the flood. Counts what
 * the flooder sent and got answered (acks and refusals) before the room closed it, and
 * when and how it was closed. Every writer's clientSeqs follow one another.
 * @param {Runtime} rt
 * @param {{ tag: string, honest?: number, honestEveryMs?: number, floodPerSecond?: number, floodMs?: number, idleMs?: number }} options
 */
export async function benchFlood(rt, { tag, honest = 2, honestEveryMs = 200, floodPerSecond = 300, floodMs = 3000, idleMs = 2000 }) {
  const id = await createSession(rt.base, 'starter');
  const honestIds = range(honest).map((i) => `flood-${tag}-honest-${i}`);
  const editors = await Promise.all(honestIds.map((clientId) => join(rt.ws, id, clientId)));
  const flooderId = `flood-${tag}-flooder`;
  const flooder = await join(rt.ws, id, flooderId);
  /** @type {{ sentAt: number, ms: number, phase: 'idle' | 'flood' | 'after' }[]} (after: the flood's time is up) */
  const honestAcks = [];
  /** @type {string[]} */
  const honestErrors = [];
  let honestSent = 0;
  let phase = /** @type {'idle' | 'flood' | 'after'} */ ('idle');
  let stop = false;

  // The honest editors: one edit every honestEveryMs each (drums), each timed to its ack.
  const honestLoops = editors.map(async ({ conn }, i) => {
    const clientId = /** @type {string} */ (honestIds[i]);
    /** @type {Map<number, { sentAt: number, phase: 'idle' | 'flood' | 'after' }>} */
    const pending = new Map();
    conn.onFrame = (raw) => {
      if (raw.startsWith('{"type":"error"')) honestErrors.push(raw);
      if (!isChange(raw)) return;
      const seq = clientSeqOf(raw);
      const sent = seq === null ? undefined : pending.get(seq);
      if (!sent || seq === null) return;
      pending.delete(seq);
      honestAcks.push({ sentAt: sent.sentAt, ms: performance.now() - sent.sentAt, phase: sent.phase });
    };
    let seq = 0;
    let next = performance.now() + (i * honestEveryMs) / honest;
    while (!stop) {
      await sleep(Math.max(0, next - performance.now()));
      next += honestEveryMs;
      if (stop) break;
      seq++;
      pending.set(seq, { sentAt: performance.now(), phase });
      honestSent++;
      conn.send(
        mutate(clientId, seq, { type: 'set_step', trackId: i % 2 ? 'snare' : 'kick', pattern: 'A', step: seq % 16, on: seq % 3 !== 0 }),
      );
    }
    await until(
      `${clientId}'s acks`,
      async () => pending.size,
      (n) => n === 0,
      10_000,
    ).catch(() => {});
    return { unacked: pending.size };
  });

  await sleep(idleMs);

  // The flood: valid edits of the other tracks at floodPerSecond, until floodMs or the room closes the socket.
  /** @type {{ acked: number, refused: number, other: number, codes: Record<string, number> }} */
  const answered = { acked: 0, refused: 0, other: 0, codes: {} };
  flooder.conn.onFrame = (raw) => {
    if (isChange(raw)) {
      if (clientSeqOf(raw) !== null) answered.acked++;
    } else if (raw.startsWith('{"type":"error"')) {
      answered.refused++;
      const code = /** @type {{ code: string }} */ (JSON.parse(raw)).code;
      answered.codes[code] = (answered.codes[code] ?? 0) + 1;
    } else if (!raw.startsWith('{"type":"peers"')) {
      answered.other++;
    }
  };
  phase = 'flood';
  const floodStart = performance.now();
  let floodSent = 0;
  let sentBeforeClose = 0;
  while (performance.now() - floodStart < floodMs) {
    if (flooder.conn.closed) break;
    const due = Math.floor(((performance.now() - floodStart) * floodPerSecond) / 1000);
    for (; floodSent < due && !flooder.conn.closed; floodSent++) {
      flooder.conn.send(
        mutate(flooderId, floodSent + 1, {
          type: 'set_step',
          trackId: floodSent % 2 ? 'hat' : 'bass',
          pattern: 'A',
          step: floodSent % 16,
          on: floodSent % 2 === 0,
        }),
      );
    }
    sentBeforeClose = floodSent;
    await sleep(5);
  }
  // The honest editors go on for the rest of floodMs whether or not the flooder is gone.
  await sleep(Math.max(0, floodStart + floodMs - performance.now()));
  phase = 'after';
  // A room far behind (a busy machine) still has the flood queued: it closes the socket
  // when it reaches the refusals that exhaust its patience. Wait for that, bounded.
  await until(
    'the room to close the flooder',
    async () => flooder.conn.closed,
    (c) => c !== null,
    60_000,
  ).catch(() => {});
  const closed = flooder.conn.closed
    ? { code: flooder.conn.closed.code, reason: flooder.conn.closed.reason, afterMs: flooder.conn.closed.at - floodStart }
    : null;
  stop = true;
  const honestEnds = await Promise.all(honestLoops);
  for (const e of editors) e.conn.close();
  flooder.conn.close();

  const idle = honestAcks.filter((a) => a.phase === 'idle').map((a) => a.ms);
  const during = honestAcks.filter((a) => a.phase === 'flood');
  const duringS = summary(during.map((a) => a.ms));
  const idleS = summary(idle);
  // Within the flood's time: edits sent before the room closed the flooder, and after.
  const closedAt = flooder.conn.closed ? flooder.conn.closed.at : Infinity;
  const beforeClose = summary(during.filter((a) => a.sentAt < closedAt).map((a) => a.ms));
  const afterClose = summary(during.filter((a) => a.sentAt >= closedAt).map((a) => a.ms));
  return {
    honest,
    honestEveryMs,
    floodPerSecond,
    floodMs,
    idleMs,
    limits: {
      perSecond: LIMITS.rateLimitPerSecond,
      burst: LIMITS.rateLimitBurst,
      floodRefusals: LIMITS.floodRefusals,
      forgivenPerSecond: LIMITS.floodForgivenPerSecond,
    },
    idle: idleS,
    during: duringS,
    beforeClose,
    afterClose,
    duringVsIdleP50: duringS.p50 / idleS.p50,
    honestSent,
    honestUnacked: honestEnds.reduce((a, e) => a + e.unacked, 0),
    honestErrors: honestErrors.length,
    flooder: {
      sent: sentBeforeClose,
      wouldHaveSent: Math.round((floodPerSecond * floodMs) / 1000),
      answered: answered.acked + answered.refused,
      acked: answered.acked,
      refused: answered.refused,
      codes: answered.codes,
      closed,
    },
  };
}

/** @param {import('./lib.mjs').ProcessSample} sample @param {number} pid */
const cpuOf = (sample, pid) => sample.perProcess.find((p) => p.pid === pid)?.cpuSeconds ?? Number.NaN;

// ---- 10. a live audience: 10 editors jamming, 1,000 listeners on the listen link ------------------

/**
 * Issue 17: one session, `editors` editors editing at `editsPerSecond` each (Poisson) and
 * moving their cursors at `presencePerSecond` (plus a Play/Stop now and then), while
 * `listeners` sockets listen through the session's listen link. Measures how long the
 * listeners take to join (from the first upgrade to the last snapshot), the delay from
 * an edit's send to its arrival at the last listener (per change: the slowest listener),
 * whether every listener received every change exactly once and in order, and the
 * presence bytes (every frame but changes) each listener received per minute.
 * @param {Runtime} rt
 * @param {{ tag: string, editors?: number, listeners?: number, seconds?: number, editsPerSecond?: number,
 *   presencePerSecond?: number, joinConcurrency?: number, relays?: number, direct?: number, threads?: number,
 *   viaProxy?: boolean }} options
 *   With `relays` > 0 (section 14), `listeners` join through the Worker's listen route with
 *   LISTEN_RELAYS = relays and `direct` more on the room; figures are also given per tier.
 *   The listener sockets run in `threads` worker threads (listeners.mjs), the editors here.
 *   Every socket connects to the Worker's own workerd (`rt.direct`) unless `viaProxy`.
 */
export async function benchAudience(
  rt,
  {
    tag,
    editors = 10,
    listeners = 1000,
    seconds = 20,
    editsPerSecond = 2,
    presencePerSecond = 2,
    joinConcurrency = 100,
    relays = 0,
    direct = 0,
    threads = 4,
    viaProxy = false,
  },
) {
  // relays > 0 (section 14): `listeners` join behind that many relays, and `direct` more on
  // the room itself in the same run, so the two tiers' latencies compare under one load.
  const total = listeners + (relays > 0 ? direct : 0);
  const random = rng(17);
  const pids = rt.workerdPids();
  const id = await createSession(rt.base, 'starter');
  const link = await fetch(`${rt.base}/api/sessions/${id}/listen`, { method: 'POST', signal: AbortSignal.timeout(20_000) });
  if (!link.ok) throw new Error(`listen link: ${link.status} ${await link.text()}`);
  const { listenId } = /** @type {{ listenId: string }} */ (await link.json());
  // Straight to the workerd that runs the Worker (runtime.mjs), unless asked to go through
  // wrangler dev's proxy workerd: production has no such hop in front of the Worker.
  const sockets = !viaProxy && rt.direct ? 'direct' : 'proxy';
  const wsBase = sockets === 'direct' && rt.direct ? rt.direct.ws : rt.ws;
  if (listenId === id) throw new Error('the listen id is the session id');

  /** @type {{ conn: Conn, clientId: string, seq: number, sent: Map<number, number> }[]} */
  const band = [];
  /** The editors' refusals, by code (a rate_limited edit is not resent here: what follows it waits). */
  /** @type {Record<string, number>} */
  const editorErrors = {};
  for (let e = 0; e < editors; e++) {
    const clientId = `audience-${tag}-editor-${e}`;
    const { conn } = await join(wsBase, id, clientId);
    band.push({ conn, clientId, seq: 0, sent: new Map() });
  }
  /** version → the author's send time */
  const sentAt = new Map();
  for (const editor of band) {
    editor.conn.onFrame = (raw) => {
      if (raw.startsWith('{"type":"error"')) {
        const code = String(JSON.parse(raw).code);
        editorErrors[code] = (editorErrors[code] ?? 0) + 1;
        return;
      }
      if (raw.startsWith('{"type":"audience"') || raw.startsWith('{"type":"peers"')) {
        const heard = JSON.parse(raw).listeners;
        if (typeof heard === 'number') editorsHeardListeners = heard;
        return;
      }
      if (!isChange(raw)) return;
      const seq = clientSeqOf(raw);
      const version = versionOf(raw);
      if (seq !== null && version !== null && editor.sent.has(seq)) {
        sentAt.set(version, editor.sent.get(seq));
        editor.sent.delete(seq);
      }
    };
  }

  /** Per tier: ms from opening the socket to its snapshot. */
  /** @type {Record<'room' | 'relay', number[]>} */
  const tierJoinMs = { room: [], relay: [] };
  /** The listener count editors last heard (`audience` / `peers`): relays' listeners included. */
  let editorsHeardListeners = -1;
  /** @type {import('./listeners.mjs').ListenerSpec[]} */
  const specs = range(total).map((k) => {
    const tier = relays > 0 && k >= direct ? 'relay' : 'room';
    const path = tier === 'relay' ? `/__bench/relays/${relays}/api/listen/${listenId}/ws` : `/api/listen/${listenId}/ws`;
    return {
      k,
      tier,
      url: `${wsBase}${path}`,
      hello: JSON.stringify({ ...hello(`audience-${tag}-l${k}`, `listener ${k}`), listenOnly: true }),
    };
  });
  // The listeners run in worker threads (listeners.mjs): each joins its share, checks order,
  // gaps, duplicates and the editing id, and keeps its arrival times until the end.
  const listenerThreads = await ListenerThreads.start(specs, { threads, joinConcurrency, secret: id });
  try {
    const setupCpu = sampleProcesses(pids);
    const joinStart = performance.now();
    for (const j of await listenerThreads.join()) tierJoinMs[j.tier].push(j.joinMs);
    const joinMs = performance.now() - joinStart;
    const joinedCpu = sampleProcesses(pids);
    // Let the join's last audience batch settle before counting presence bytes.
    await sleep(500);
    const startVersion = (await listenerThreads.status(null)).maxLast;

    // The jam.
    let stop = false;
    const { later, exp, cancel } = poissonPacing(random);
    let edits = 0;
    let presenceSent = 0;
    await listenerThreads.counting(true);
    const cpu0 = sampleProcesses(pids);
    const t0 = performance.now();
    for (const editor of band) {
      const edit = () => {
        if (stop) return;
        const seq = ++editor.seq;
        // Wall time: the listener threads' arrival times compare with it (listeners.mjs).
        editor.sent.set(seq, wallNow());
        editor.conn.send(
          mutate(editor.clientId, seq, {
            type: 'set_step',
            trackId: starterTrack(Math.floor(random() * STARTER_TRACKS.length)),
            pattern: 'A',
            step: Math.floor(random() * 16),
            on: random() < 0.5,
          }),
        );
        edits++;
        later(exp(editsPerSecond), edit);
      };
      const move = () => {
        if (stop) return;
        presenceSent++;
        editor.conn.send({
          type: 'presence',
          cursor: { trackId: starterTrack(Math.floor(random() * STARTER_TRACKS.length)), step: Math.floor(random() * 16) },
          // Now and then someone starts or stops playing: a change listeners see.
          playing: random() < 0.5,
          peer: { name: 'bench', color: '#3366aa' },
        });
        later(exp(presencePerSecond), move);
      };
      later(exp(editsPerSecond), edit);
      if (presencePerSecond > 0) later(exp(presencePerSecond), move);
    }
    while (performance.now() - t0 < seconds * 1000) await sleep(250);
    stop = true;
    cancel();
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = sampleProcesses(pids);
    await listenerThreads.counting(false);
    // Drain: every editor's last edit acknowledged, then every listener has the last version.
    await until(
      'every edit acknowledged',
      async () => band.reduce((a, e) => a + e.sent.size, 0),
      (left) => left === 0,
      60_000,
      100,
    ).catch(() => null);
    // The room's last version: every edit was applied by now (or the wait above gave up).
    const finalVersion = Math.max(startVersion, ...sentAt.keys(), (await listenerThreads.status(null)).maxLast);
    await until(
      'every listener to have the last change',
      async () => (await listenerThreads.status(finalVersion)).behind,
      (behind) => behind === 0,
      60_000,
      100,
    ).catch(() => null);
    const { listeners: audience, arrivals: tierArrivals } = await listenerThreads.finish();

    // Every version of the jam (an edit whose echo its author had not had yet counts too),
    // and the send → last listener delay of each edit whose send time is known.
    const versions = range(finalVersion - startVersion).map((i) => startVersion + 1 + i);
    /** @type {number[]} */
    const lastListener = [];
    let incomplete = 0;
    let delivered = 0;
    for (const v of versions) {
      const times = [...(tierArrivals.room.get(v) ?? []), ...(tierArrivals.relay.get(v) ?? [])];
      delivered += times.length;
      if (times.length < total) incomplete++;
      const sent = sentAt.get(v);
      if (times.length && sent !== undefined) lastListener.push(times.reduce((x, y) => Math.max(x, y), -Infinity) - sent);
    }
    const expectedDeliveries = versions.length * total;
    const presencePerListenerPerMinute = audience.reduce((a, l) => a + l.presenceBytes, 0) / total / (wall / 60);
    /** Each tier: every delivery's send → arrival, and each change's send → its last listener there. */
    /** @param {'room' | 'relay'} tier */
    const tierFigures = (tier) => {
      /** @type {number[]} */
      const deliveries = [];
      /** @type {number[]} */
      const last = [];
      for (const v of versions) {
        const sent = sentAt.get(v);
        const times = tierArrivals[tier].get(v);
        if (sent === undefined || !times) continue;
        for (const t of times) deliveries.push(t - sent);
        last.push(times.reduce((a, b) => Math.max(a, b), -Infinity) - sent);
      }
      const members = audience.filter((l) => l.tier === tier);
      return {
        listeners: tierJoinMs[tier].length,
        join: summary(tierJoinMs[tier]),
        delivery: summary(deliveries),
        lastListener: summary(last),
        // Counted per tier too (section 14 shows them side by side).
        delivered: versions.reduce((a, v) => a + (tierArrivals[tier].get(v)?.length ?? 0), 0),
        expectedDeliveries: versions.length * members.length,
        gaps: members.reduce((a, l) => a + l.gaps, 0),
        duplicates: members.reduce((a, l) => a + l.duplicates, 0),
        behind: members.filter((l) => l.last < finalVersion).length,
        leakedEditingId: members.filter((l) => l.leakedId).length,
      };
    };
    const tiers = { room: tierFigures('room'), relay: tierFigures('relay') };
    const result = {
      editors,
      listeners: total,
      relays,
      tiers,
      editorsHeardListeners,
      seconds: wall,
      editsPerSecond,
      presencePerSecond,
      joinConcurrency,
      listenerThreads: threads,
      sockets,
      joinMs,
      changes: versions.length,
      edits,
      presenceSent,
      expectedDeliveries,
      delivered,
      incompleteChanges: incomplete,
      gaps: audience.reduce((a, l) => a + l.gaps, 0),
      duplicates: audience.reduce((a, l) => a + l.duplicates, 0),
      listenersBehind: audience.filter((l) => l.last < finalVersion).length,
      leakedEditingId: audience.filter((l) => l.leakedId).length,
      editorErrors,
      lastListener: summary(lastListener),
      presenceBytesPerListenerPerMinute: presencePerListenerPerMinute,
      cpu: {
        joinPercentOfOneCore: ((joinedCpu.cpuSeconds - setupCpu.cpuSeconds) / (joinMs / 1000)) * 100,
        jamPercentOfOneCore: ((cpu1.cpuSeconds - cpu0.cpuSeconds) / wall) * 100,
        // The part of it that is the Worker's own workerd (the rest: wrangler dev's proxy).
        workerJamPercentOfOneCore: rt.direct ? ((cpuOf(cpu1, rt.direct.pid) - cpuOf(cpu0, rt.direct.pid)) / wall) * 100 : null,
      },
      rss: { joined: joinedCpu.rssBytes, end: cpu1.rssBytes },
    };
    for (const e of band) e.conn.close();
    return result;
  } finally {
    await listenerThreads.close();
  }
}
