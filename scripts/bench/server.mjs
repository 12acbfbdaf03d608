// Server-side benchmarks against the local runtime: sync round trip and fan-out against
// the bare echo Durable Object, throughput, storage per edit, cold wake, and load.
import { Conn, clientSeqOf, createSession, isChange, join, mutate, probe, versionOf } from './wsclient.mjs';
import { median, percentile, pool, rng, sampleProcesses, sleep, summary } from './lib.mjs';

const range = (n) => Array.from({ length: n }, (_, i) => i);
const STARTER_TRACKS = ['kick', 'snare', 'hat', 'bass'];
const INSTRUMENTS = ['studio-kick', 'studio-snare', 'studio-hat', '808-kick', '808-clap', '808-hat', 'synth-bass', 'piano', 'warm-pad', 'pluck', 'electro-kick', 'electro-hat', 'organ', 'saw-lead', 'glass-pad', 'sub-bass'];

/** Wait until at least `gapMs` has passed since `last[i]`, then stamp it. */
async function paced(last, i, gapMs) {
  const wait = last[i] + gapMs - performance.now();
  if (wait > 0) await sleep(wait);
  last[i] = performance.now();
}

/** Send `frame` on `conn` and resolve with the ms until `match(raw)` arrives. */
async function timed(conn, frame, match, what) {
  const t0 = performance.now();
  const reply = conn.next(match, 10_000, what);
  conn.send(frame);
  await reply;
  return performance.now() - t0;
}

// ---- 1. sync round trip ----------------------------------------------------------------------

/**
 * Mutation → durable ack (the author's own 'change') on a real SessionRoom, against the
 * same frame echoed by the bare EchoRoom, interleaved sample by sample (alternating
 * which goes first) so that both see the same machine state. Each room has one
 * client; several rooms share the work so every socket stays under the rate limit.
 */
export async function benchRoundTrip(rt, { samples = 600, warmup = 60, sockets = 6, gapMs = 40, tag }) {
  const ids = await Promise.all(range(sockets).map(() => createSession(rt.base, 'starter')));
  const rooms = await Promise.all(ids.map((id, i) => join(rt.ws, id, `rtt-${tag}-${i}`)));
  const echoes = await Promise.all(range(sockets).map((i) => Conn.open(`${rt.ws}/__bench/echo/rtt-${tag}-${i}`)));
  const durables = await Promise.all(range(sockets).map((i) => Conn.open(`${rt.ws}/__bench/echo/rttd-${tag}-${i}?durable`)));
  const seqs = new Array(sockets).fill(0);
  const last = new Array(sockets).fill(-Infinity);
  const times = { room: [], echo: [], durable: [] };
  // Every order of the three, in turn: none of them always goes first after the pause.
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
    const seq = ++seqs[i];
    const frame = JSON.stringify(mutate(clientId, seq, { type: 'set_step', trackId: STARTER_TRACKS[k % 4], step: (k >> 2) % 16, on: (k >> 6) % 2 === 0 }));
    frameBytes = frame.length;
    const run = {
      echo: () => timed(echoes[i], frame, (raw) => raw === frame, 'echo'),
      durable: () => timed(durables[i], frame, (raw) => raw === frame, 'durable echo'),
      room: () => timed(rooms[i].conn, frame, (raw) => isChange(raw) && clientSeqOf(raw) === seq, 'durable ack'),
    };
    for (const name of orders[Math.floor(k / sockets) % orders.length]) {
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
 * in broadcast mode with ten sockets, the same frame, until the last has it.
 */
export async function benchFanout(rt, { samples = 300, warmup = 30, clients = 10, gapMs = 40, tag }) {
  const id = await createSession(rt.base, 'starter');
  const members = [];
  for (const i of range(clients)) members.push(await join(rt.ws, id, `fan-${tag}-${i}`));
  await sleep(200); // let the join 'peers' broadcasts drain
  let version = Math.max(...members.map((m) => m.snapshot.version));
  const echoes = [];
  for (const i of range(clients)) echoes.push(await Conn.open(`${rt.ws}/__bench/echo/fan-${tag}?all`));
  const seqs = new Array(clients).fill(0);
  const last = new Array(clients).fill(-Infinity);
  const room = [];
  const roomFirst = [];
  const echo = [];
  const lastOf = async (conns, frame, sender, match) => {
    const t0 = performance.now();
    const arrivals = conns.map((c) => c.next(match, 10_000, 'fan-out').then(() => performance.now() - t0));
    conns[sender].send(frame);
    return Promise.all(arrivals);
  };
  for (let k = 0; k < warmup + samples; k++) {
    const i = k % clients;
    await paced(last, i, gapMs);
    const seq = ++seqs[i];
    const frame = JSON.stringify(mutate(`fan-${tag}-${i}`, seq, { type: 'set_step', trackId: STARTER_TRACKS[k % 4], step: (k >> 2) % 16, on: (k >> 6) % 2 === 1 }));
    const expected = ++version;
    const runRoom = () => lastOf(members.map((m) => m.conn), frame, i, (raw) => isChange(raw) && versionOf(raw) === expected);
    const runEcho = () => lastOf(echoes, frame, i, (raw) => raw === frame);
    let r;
    let e;
    if (k % 2 === 0) {
      r = await runRoom();
      e = await runEcho();
    } else {
      e = await runEcho();
      r = await runRoom();
    }
    if (k >= warmup) {
      room.push(Math.max(...r));
      roomFirst.push(Math.min(...r.filter((_, j) => j !== i)));
      echo.push(Math.max(...e));
    }
  }
  for (const m of members) m.conn.close();
  for (const e of echoes) e.close();
  const roomS = summary(room);
  const echoS = summary(echo);
  return { clients, room: roomS, firstOther: summary(roomFirst), echo: echoS, ratioP50: roomS.p50 / echoS.p50, ratioP99: roomS.p99 / echoS.p99 };
}

// ---- 3. throughput ---------------------------------------------------------------------------

/**
 * `conns` sockets, each keeping `window` frames in flight (or paced at `perSecond`),
 * for `durationMs` after `warmupMs`. Counts the acks that arrive inside the window.
 * Sequence numbers continue across calls on the same sockets (conn.benchSeq).
 */
async function drive({ conns, clientIds, frameFor, ackSeq, window = 8, perSecond = null, warmupMs = 500, durationMs = 2000, pids = [] }) {
  const n = conns.length;
  const state = conns.map((c) => ({ seq: c.benchSeq ?? 0, acked: 0, inFlight: 0, counted: 0, errors: 0, sent: 0 }));
  let stop = false;
  let start = Infinity;
  let end = Infinity;
  const sendOne = (i) => {
    const s = state[i];
    s.seq++;
    s.sent++;
    s.inFlight++;
    conns[i].send(frameFor(i, s.seq, clientIds[i]));
  };
  for (let i = 0; i < n; i++) {
    conns[i].onFrame = (raw) => {
      if (raw.startsWith('{"type":"error"')) {
        state[i].errors++;
        return;
      }
      const seq = ackSeq(raw, i);
      if (seq === null) return;
      const s = state[i];
      s.acked++;
      s.inFlight--;
      const now = performance.now();
      if (now >= start && now < end) s.counted++;
      if (!stop && perSecond === null) sendOne(i);
    };
  }
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
    c.benchSeq = state[i].seq;
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

const stepFrame = (i, seq, clientId) =>
  `{"type":"mutate","clientId":"${clientId}","clientSeq":${seq},"mutation":{"type":"set_step","trackId":"${STARTER_TRACKS[seq % 4]}","step":${(seq >> 2) % 16},"on":${(seq >> 6) % 2 === 0}}}`;

function combine(runs) {
  const rates = runs.map((r) => r.rate);
  return { rate: median(rates), rates, cpuMsPerAck: median(runs.map((r) => r.cpuMsPerAck)), sent: runs.reduce((a, r) => a + r.sent, 0), acked: runs.reduce((a, r) => a + r.acked, 0), lost: runs.reduce((a, r) => a + r.lost, 0), errors: runs.reduce((a, r) => a + r.errors, 0) };
}

/**
 * Five clients flood one room (each keeps `window` frames in flight). Rounds alternate
 * between the bare echo, the echo that first writes one durable row, and a real session
 * with the rate limit off (BENCH ONLY), so all three see the same machine; the figure is
 * the median round. Then the production room with each client paced under its limit.
 */
export async function benchThroughput(rt, { clients = 5, window = 8, rounds = 3, warmupMs = 500, durationMs = 2000, tag, limitPerSecond }) {
  const ids = (p) => range(clients).map((i) => `${p}-${tag}-${i}`);
  const setups = {};
  const open = async (url) => {
    const conns = [];
    for (const _ of range(clients)) conns.push(await Conn.open(url));
    return conns;
  };
  setups.echo = { conns: await open(`${rt.ws}/__bench/echo/tp-${tag}`), clientIds: ids('tpe'), ackSeq: (raw) => clientSeqOf(raw) };
  setups.durable = { conns: await open(`${rt.ws}/__bench/echo/tpd-${tag}?durable`), clientIds: ids('tpd'), ackSeq: (raw) => clientSeqOf(raw) };
  const unlimitedId = await createSession(rt.base, 'starter', '/__bench/unlimited');
  const before = await probe(rt.base, unlimitedId, { unlimited: true });
  const unlimitedIds = ids('tpu');
  const members = [];
  for (const i of range(clients)) members.push(await join(rt.ws, unlimitedId, unlimitedIds[i], { prefix: '/__bench/unlimited' }));
  setups.room = { conns: members.map((m) => m.conn), clientIds: unlimitedIds, ackSeq: (raw) => (isChange(raw) ? clientSeqOf(raw) : null) };
  await sleep(200);
  const runs = { echo: [], durable: [], room: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['echo', 'durable', 'room'] : ['room', 'durable', 'echo'];
    for (const name of order) runs[name].push(await drive({ ...setups[name], frameFor: stepFrame, window, warmupMs, durationMs, pids: rt.workerdPids() }));
  }
  for (const c of [...setups.echo.conns, ...setups.durable.conns, ...setups.room.conns]) c.close();
  const result = { clients, window, rounds, durationMs, echo: combine(runs.echo), durable: combine(runs.durable), unlimited: combine(runs.room) };
  await sleep(1500); // last editor leaves → compaction + KV write
  const after = await probe(rt.base, unlimitedId, { unlimited: true });
  result.unlimited.applied = after.mutationsApplied - before.mutationsApplied;
  result.unlimited.rowsPerMutation = (after.rowsWritten - before.rowsWritten) / result.unlimited.applied;
  result.unlimited.version = after.version;
  result.unlimited.publishedVersion = after.publishedVersion;

  // The echo broadcasting every frame to all the room's sockets (what a session does), one round.
  {
    const echoAllIds = ids('tpa');
    const conns = await open(`${rt.ws}/__bench/echo/tpall-${tag}?all`);
    result.echoAll = await drive({ conns, clientIds: echoAllIds, frameFor: stepFrame, pids: rt.workerdPids(), ackSeq: (raw, i) => (raw.includes(`"clientId":"${echoAllIds[i]}"`) ? clientSeqOf(raw) : null), window, warmupMs, durationMs });
    for (const c of conns) c.close();
  }
  // The production room, each client paced just under the room's limit.
  {
    const id = await createSession(rt.base, 'starter');
    const limitedIds = ids('tpl');
    const limited = [];
    for (const i of range(clients)) limited.push(await join(rt.ws, id, limitedIds[i]));
    await sleep(200);
    result.limited = await drive({ conns: limited.map((m) => m.conn), clientIds: limitedIds, frameFor: stepFrame, ackSeq: (raw) => (isChange(raw) ? clientSeqOf(raw) : null), perSecond: limitPerSecond - 1, warmupMs: 1000, durationMs: 3000, pids: rt.workerdPids() });
    for (const m of limited) m.conn.close();
  }
  const perRound = runs.room.map((r, k) => r.rate / runs.echo[k].rate);
  result.ratio = median(perRound);
  result.ratioRounds = perRound;
  result.durableRatio = median(runs.durable.map((r, k) => r.rate / runs.echo[k].rate));
  result.roomVsDurable = median(runs.room.map((r, k) => r.rate / runs.durable[k].rate));
  result.ratioVsEchoAll = result.unlimited.rate / result.echoAll.rate;
  return result;
}

// ---- 4. storage per edit, full sessions --------------------------------------------------------

function fullTrack(i, random) {
  return {
    id: `t${i}`,
    name: `Track ${i + 1}`,
    instrument: INSTRUMENTS[i % INSTRUMENTS.length],
    length: 128,
    steps: new Array(128).fill(true),
    velocities: range(128).map(() => 1 + Math.floor(random() * 127)),
    pitches: range(128).map(() => Math.floor(random() * 49) - 24),
    volume: 0.8,
    pan: 0,
  };
}

function emptyTrack() {
  return { id: 't0', name: 'Track 1', instrument: 'studio-kick', length: 16, steps: new Array(128).fill(false), velocities: new Array(128).fill(100), pitches: new Array(128).fill(0), volume: 0.8, pan: 0 };
}

/** Create a session of 16 tracks × 128 steps, all on (built over the socket, as a user would). */
export async function buildFullSession(rt, clientId, seed = 1) {
  const id = await createSession(rt.base, 'empty');
  const { conn } = await join(rt.ws, id, clientId);
  const random = rng(seed);
  let seq = 0;
  for (const i of range(16)) {
    const s = ++seq;
    const ack = conn.next((raw) => isChange(raw) && clientSeqOf(raw) === s, 10_000, 'add_track');
    conn.send(mutate(clientId, s, { type: 'add_track', track: fullTrack(i, random), beforeTrackId: null }));
    await ack;
  }
  return { id, conn, seq };
}

async function editsWithProbe(rt, id, conn, clientId, seq, trackId, edits) {
  const rows = [];
  const bytes = [];
  for (let k = 0; k < edits; k++) {
    const before = await probe(rt.base, id);
    const s = ++seq;
    const ack = conn.next((raw) => isChange(raw) && clientSeqOf(raw) === s, 10_000, 'edit');
    conn.send(mutate(clientId, s, { type: 'set_step', trackId, step: (k * 7) % 128, on: k % 2 === 0 }));
    const raw = await ack;
    const version = versionOf(raw);
    const after = await probe(rt.base, id, { version });
    rows.push(after.rowsWritten - before.rowsWritten);
    const r = after.row;
    // Text columns as stored (UTF-8) + five 8-byte numbers (slot, version, at, client_seq, rowid key).
    bytes.push(r ? r.mutation + r.clientId + r.author + 5 * 8 : NaN);
  }
  return { rows, bytes, seq };
}

export async function benchStorage(rt, { edits = 16, tag }) {
  // Empty session: one empty track to edit.
  const emptyId = await createSession(rt.base, 'empty');
  const emptyClient = `st-${tag}-e`;
  const e = await join(rt.ws, emptyId, emptyClient);
  {
    const ack = e.conn.next((raw) => isChange(raw) && clientSeqOf(raw) === 1, 10_000, 'add empty track');
    e.conn.send(mutate(emptyClient, 1, { type: 'add_track', track: emptyTrack(), beforeTrackId: null }));
    await ack;
  }
  const empty = await editsWithProbe(rt, emptyId, e.conn, emptyClient, 1, 't0', edits);
  const emptyDoc = JSON.parse((await join(rt.ws, emptyId, `${emptyClient}-r`)).raw).session;
  e.conn.close();

  const fullClient = `st-${tag}-f`;
  const f = await buildFullSession(rt, fullClient, 7);
  const full = await editsWithProbe(rt, f.id, f.conn, fullClient, f.seq, 't5', edits);
  const fullSnap = await join(rt.ws, f.id, `${fullClient}-r`);
  fullSnap.conn.close();
  f.conn.close();
  await sleep(800);
  const fullProbe = await probe(rt.base, f.id);
  return {
    edits,
    empty: { rows: summary(empty.rows), bytes: summary(empty.bytes), docBytes: Buffer.byteLength(JSON.stringify(emptyDoc)) },
    full: {
      rows: summary(full.rows),
      bytes: summary(full.bytes),
      docBytes: Buffer.byteLength(JSON.stringify(fullSnap.snapshot.session)),
      snapshotFrameBytes: Buffer.byteLength(fullSnap.raw),
      databaseSize: fullProbe.databaseSize,
      trackRowBytes: fullProbe.tracks.bytes / Math.max(1, fullProbe.tracks.n),
    },
  };
}

// ---- 5. cold wake ----------------------------------------------------------------------------

/** Build `count` full sessions and time a warm join (DO in memory) to each. */
export async function prepareColdWake(rt, { count = 10, tag }) {
  const ids = [];
  for (const i of range(count)) {
    const f = await buildFullSession(rt, `cw-${tag}-${i}`, 100 + i);
    f.conn.close();
    ids.push(f.id);
  }
  await sleep(1500); // the builders' leave publishes to KV; let it finish
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

/** In a freshly started runtime (every DO evicted): time the first join to each session. */
export async function measureColdWake(rt, prepared, { tag }) {
  // Load the Worker's script first (a 404 touches no Durable Object), so the figure is the DO's wake.
  const warmup = await fetch(`${rt.base}/api/sessions/00000000-0000-4000-8000-000000000000`);
  await warmup.arrayBuffer();
  const cold = [];
  const connectMs = [];
  let snapshotBytes = 0;
  let tracks = 0;
  for (const id of prepared.ids) {
    const t0 = performance.now();
    const conn = await Conn.open(`${rt.ws}/api/sessions/${id}/ws`);
    connectMs.push(performance.now() - t0);
    const answer = conn.next((raw) => raw.startsWith('{"type":"snapshot"'), 15_000, 'cold snapshot');
    conn.send({ type: 'hello', protocol: 1, clientId: `cw-cold-${tag}`, version: null, peer: { name: 'cold', color: '#123456' } });
    const raw = await answer;
    cold.push(performance.now() - t0);
    snapshotBytes = Buffer.byteLength(raw);
    tracks = JSON.parse(raw).session.tracks.length;
    conn.close();
  }
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
  return { sessions: prepared.ids.length, tracks, snapshotBytes, cold: coldS, connect: summary(connectMs), warm: warmS, echoCold: echoS, ratioWarm: coldS.p50 / warmS.p50, ratioEcho: coldS.p50 / echoS.p50 };
}

// ---- 6. load ---------------------------------------------------------------------------------

/**
 * `sessions` × `clients` editors on loopback for `seconds`: each client edits at
 * `editsPerSecond` (Poisson arrivals) and moves its cursor at `presencePerSecond`.
 * Checks every mutation acknowledged, every client saw every version in order, no
 * errors, and the final state (after everyone leaves, read back from the rooms and
 * from KV) equals the acknowledged edits. Samples workerd's CPU and RSS.
 */
export async function benchLoad(rt, { sessions = 100, clients = 5, seconds = 40, editsPerSecond = 0.4, presencePerSecond = 0.5, tag, roundTripP50, timeline = null }) {
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
  const editors = [];
  const problems = [];
  const sessionsState = ids.map((id, s) => ({ id, index: s, initial: null, acked: [] }));
  await pool(
    range(sessions * clients),
    25,
    async (k) => {
      const s = Math.floor(k / clients);
      const clientId = `load-${tag}-${s}-${k % clients}`;
      const { conn, snapshot } = await join(rt.ws, ids[s], clientId);
      if (!sessionsState[s].initial) sessionsState[s].initial = snapshot.session;
      const editor = { conn, clientId, session: sessionsState[s], seq: 0, pending: new Map(), lastVersion: snapshot.version, gaps: 0, errors: [], latencies: [], changes: 0, dupAcks: 0 };
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
    },
  );
  const setupMs = performance.now() - setupStart;
  await sleep(500);
  const connected = sampleProcesses(pids);

  // The edit loop.
  let stop = false;
  const timers = new Set();
  const later = (ms, fn) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const exp = (rate) => -Math.log(1 - random()) * (1000 / rate);
  let sentTotal = 0;
  let presenceSent = 0;
  for (const editor of editors) {
    const edit = () => {
      if (stop) return;
      const seq = ++editor.seq;
      const mutation = { type: 'set_step', trackId: STARTER_TRACKS[Math.floor(random() * 4)], step: Math.floor(random() * 16), on: random() < 0.5 };
      editor.pending.set(seq, { t0: performance.now(), mutation });
      editor.conn.send(mutate(editor.clientId, seq, mutation));
      sentTotal++;
      later(exp(editsPerSecond), edit);
    };
    const move = () => {
      if (stop) return;
      presenceSent++;
      editor.conn.send({ type: 'presence', cursor: { trackId: STARTER_TRACKS[Math.floor(random() * 4)], step: Math.floor(random() * 16) }, playing: false, peer: { name: 'bench', color: '#3366aa' } });
      later(exp(presencePerSecond), move);
    };
    // Poisson from the start: no synchronised first burst.
    later(exp(editsPerSecond), edit);
    if (presencePerSecond > 0) later(exp(presencePerSecond), move);
  }
  const samples = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const start = sampleProcesses(pids);
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    samples.push(sampleProcesses(pids));
  }
  stop = true;
  for (const t of timers) clearTimeout(t);
  const end = sampleProcesses(pids);
  const nodeCpu = process.cpuUsage(cpu0);
  const wall = (end.at - start.at) / 1000;
  const drainUntil = performance.now() + 20_000;
  while (editors.some((e) => e.pending.size > 0) && performance.now() < drainUntil) await sleep(50);
  const unacked = editors.reduce((a, e) => a + e.pending.size, 0);
  const closedEarly = editors.filter((e) => e.conn.closed).length;

  // Before anyone leaves: what the editing wrote (log rows + backstop publishes).
  const midway = await pool(ids, 20, (id) => probe(rt.base, id));
  // Everyone leaves: the rooms compact and publish to KV.
  for (const e of editors) {
    e.conn.onFrame = null;
    e.conn.close();
  }
  await sleep(3000);
  const afterLeave = sampleProcesses(pids);

  // Verify: the final state, read back from each room (a fresh snapshot) and from KV.
  let cellsChecked = 0;
  let cellMismatches = 0;
  let versionMismatches = 0;
  let kvBehind = 0;
  const verify = await pool(sessionsState, 10, async (st) => {
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
      const initial = st.initial.tracks.find((t) => t.id === track.id);
      for (let step = 0; step < 16; step++) {
        const want = expected.get(`${track.id}:${step}`)?.on ?? initial.steps[step];
        cellsChecked++;
        if (track.steps[step] !== want) cellMismatches++;
      }
    }
    const doc = await (await fetch(`${rt.base}/api/sessions/${st.id}`)).json();
    if (doc.version !== maxVersion) kvBehind++;
    return { maxVersion, kvBytes: Buffer.byteLength(JSON.stringify(doc)) };
  });
  await sleep(1500); // the verifiers' own leave
  const finals = await pool(ids, 20, (id) => probe(rt.base, id));
  const mutations = finals.reduce((a, f, i) => a + f.mutationsApplied - baseline[i].mutationsApplied, 0);
  const rows = finals.reduce((a, f, i) => a + f.rowsWritten - baseline[i].rowsWritten, 0);
  const kvWrites = finals.map((f, i) => f.kvWrites - baseline[i].kvWrites);
  const midwayKv = midway.map((f, i) => f.kvWrites - baseline[i].kvWrites);
  const midwayRows = midway.reduce((a, f, i) => a + f.rowsWritten - baseline[i].rowsWritten, 0);
  const midwayMutations = midway.reduce((a, f, i) => a + f.mutationsApplied - baseline[i].mutationsApplied, 0);
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
    rowsPerPublish: (rows - mutations) / Math.max(1, kvWrites.reduce((a, b) => a + b, 0)),
    // Publishes while editing (the backstop alarm) and on the last editor's leave, apart.
    alarmPublishes: midwayKv.reduce((a, b) => a + b, 0),
    rowsPerAlarmPublish: midwayKv.reduce((a, b) => a + b, 0) ? (midwayRows - midwayMutations) / midwayKv.reduce((a, b) => a + b, 0) : null,
    rowsPerLeave: (rows - midwayRows - (mutations - midwayMutations)) / sessions,
    creationRows: median(baseline.map((b) => b.rowsWritten)),
    creationKvWrites: median(baseline.map((b) => b.kvWrites)),
    kvWritesPerSession: { p50: median(kvWrites), max: Math.max(...kvWrites), mean: kvWrites.reduce((a, b) => a + b, 0) / kvWrites.length },
    kvDocBytes: median(verify.map((v) => v.kvBytes)),
    databaseSize: median(finals.map((f) => f.databaseSize)),
    mutationsPerSession: mutations / sessions,
    throughput: acked / wall,
    latency: latencyS,
    latencyVsIdle: roundTripP50 ? latencyS.p50 / roundTripP50 : null,
    cpu: { percentOfOneCore: (cpuSeconds / wall) * 100, msPerMutation: (cpuSeconds * 1000) / acked, msPerIncoming: (cpuSeconds * 1000) / (acked + presenceSent), nodeClientPercent: ((nodeCpu.user + nodeCpu.system) / 1e6 / wall) * 100 },
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
    incomingPerSecond: (sessions * clients * (editsPerSecond + presencePerSecond)),
    workerdProcesses: pids.length,
    problems,
  };
}

