// @ts-check
// The crash harness (GUIDE §8, issue 3): the built Worker runs in the local runtime
// (wrangler dev → workerd) as a child process; five protocol clients jam on one
// session (edits into patterns A and B, launches now and then); the runtime is killed with SIGKILL at random moments, restarted on the same
// storage, and the harness checks that
//   - every mutation acknowledged before a kill (own echo with its clientSeq, or an
//     ack of a resend) is in the session's durable log after the restart, at the
//     version it was acknowledged with, and nothing the clients were told about changed;
//   - the version never goes back;
//   - all clients reconverge (resending their pending mutations, like the real client):
//     each one's state is identical to a fresh snapshot, which is identical to the
//     previous checkpoint with the logged changes replayed on it;
//   - own sounds (issue 16): every upload answered 201/200 before a kill is served byte for
//     byte after it (one is killed right after its upload, before anyone uses it), and an
//     add_sound of it made or resent around a kill is applied, never refused.
// Writes test-results/crash.json ({ rounds, acknowledged, lost, ... }) and exits
// non-zero if anything was lost, diverged or failed.
//
//   node scripts/crash-harness.mjs            (after `npx vite build`)
//   CRASH_ROUNDS=20 CRASH_SEED=123 node scripts/crash-harness.mjs
//
// The clients run the real sync client's protocol (app/sync/ClientProtocol.ts, over the
// session model in core/), loaded from their TypeScript sources with Node's own type
// stripping; only the socket, timers and the checks' observations are the harness's.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WITHOUT_DEV_TOOLS } from './quietRuntime.mjs';
import { registerTypeScriptHooks } from './typescript-hooks.mjs';

/** @import { Change, Mutation, Session } from '../core/index.ts' */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(ROOT, 'dist/keyboardia/wrangler.json');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const REPORT = join(ROOT, 'test-results/crash.json');

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 12);
const CLIENTS = 5;
const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Jam time before each kill, ms (the kill moment is random within it). */
const JAM_MS = /** @type {const} */ ([600, 3500]);
/** Each client edits every EDIT_MS[0]…EDIT_MS[1] ms (~10/s: well under the rate limit). */
const EDIT_MS = /** @type {const} */ ([50, 150]);
/** Edits each client makes while the runtime is down (offline edits, resent later). */
const OFFLINE_EDITS = /** @type {const} */ ([0, 6]);
const TIMEOUT = { start: 60_000, sync: 30_000, request: 10_000 };
const started = Date.now();

// ---- the shared model and the client protocol, from their .ts sources -------------------------

const [core, { ClientProtocol }] = await (async () => {
  try {
    registerTypeScriptHooks('npm test, or node_modules/.bin/node');
    return await Promise.all([import('../core/index.ts'), import('../app/sync/ClientProtocol.ts')]);
  } catch (error) {
    console.error(`crash harness: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
})();
const { applyMutation, CATCH_UP_VERSIONS, LIMITS, MODEL_VERSION, PROTOCOL_VERSION } = core;
/**
 * Edits per round (jam plus offline), kept inside the room's catch-up window: the check
 * after a restart reads every acknowledged edit back from the log since the last
 * checkpoint, which the room only serves within CATCH_UP_VERSIONS versions (five
 * clients at ~10 edits/s for 3.5 s would make 175). Ten spare for the checkpoint hello.
 */
const ROUND_EDITS = CATCH_UP_VERSIONS - CLIENTS * OFFLINE_EDITS[1] - 10;

// ---- small helpers ---------------------------------------------------------------------------

/**
 * mulberry32: a seeded random source, so a run's edits can be replayed.
 * @param {number} seed
 */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
/** @param {readonly [number, number]} range */
const between = ([lo, hi]) => lo + random() * (hi - lo);
/** @param {number} lo @param {number} hi */
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
/**
 * @template T
 * @param {readonly T[]} list
 * @returns {T}
 */
const pick = (list) => /** @type {T} */ (list[Math.floor(random() * list.length)]);
/** @param {number} ms @returns {Promise<void>} */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * JSON with sorted keys: equal states give equal strings whatever order keys were built in.
 * @param {unknown} value
 * @returns {string}
 */
function canonical(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const record = /** @type {Record<string, unknown>} */ (value);
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`;
}

/**
 * @param {string} what
 * @param {() => boolean} predicate
 * @param {number} timeoutMs
 */
async function waitFor(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * @param {number} port
 * @returns {Promise<boolean>}
 */
function portAcceptsConnections(port) {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

// ---- the runtime as a child process --------------------------------------------------------

/**
 * @typedef {{ child: import('node:child_process').ChildProcess, port: number, base: string, exited: boolean, log: string[],
 *   exitPromise: Promise<void> }} Runtime
 */
/** The running runtime. @type {Runtime | null} */
let runtime = null;
const persistDir = mkdtempSync(join(tmpdir(), 'keyboardia-crash-'));

async function startRuntime() {
  const port = await freePort();
  runtime = null;
  const args = [WRANGLER, 'dev', '-c', CONFIG, '--port', String(port), '--persist-to', persistDir, '--ip', '127.0.0.1'];
  args.push('--show-interactive-dev-session=false', '--inspector-ip', '127.0.0.1');
  // Detached: the child leads a new process group, so one SIGKILL to the group also
  // takes workerd, a grandchild.
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: '1', ...WITHOUT_DEV_TOOLS },
  });
  /** @type {Runtime} */
  const rt = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    exited: false,
    log: [],
    exitPromise: new Promise((r) =>
      child.once('exit', () => {
        rt.exited = true;
        r();
      }),
    ),
  };
  /** @param {Buffer | string} chunk */
  const keep = (chunk) => {
    rt.log.push(String(chunk));
    if (rt.log.length > 200) rt.log.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  runtime = rt;
  const deadline = Date.now() + TIMEOUT.start;
  for (;;) {
    if (rt.exited) throw new Error(`the runtime exited while starting:\n${rt.log.join('')}`);
    if (Date.now() > deadline)
      throw new Error(`the runtime did not answer on port ${port} within ${TIMEOUT.start} ms:\n${rt.log.join('')}`);
    try {
      const res = await fetch(`${rt.base}/api/ready-probe`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 404) return rt;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
}

/** @param {Runtime | null} rt */
function killGroup(rt) {
  if (!rt || rt.exited || rt.child.pid === undefined) return;
  try {
    process.kill(-rt.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function killRuntime() {
  const rt = runtime;
  if (!rt) return;
  killGroup(rt);
  await Promise.race([rt.exitPromise, sleep(10_000)]);
  // workerd holds the port; it is gone once nothing accepts there.
  for (let i = 0; i < 100 && (await portAcceptsConnections(rt.port)); i++) await sleep(50);
  runtime = null;
}

function cleanup() {
  killGroup(runtime);
  if (!process.env.CRASH_KEEP) rmSync(persistDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

// ---- protocol clients ----------------------------------------------------------------------

/** The starter template's tracks: the session the clients jam on starts from it. */
const TRACKS = /** @type {import('../core/index.ts').Template} */ (core.TEMPLATES.find((t) => t.id === 'starter'))
  .tracks()
  .map((t) => t.track.id);

/** Patterns the clients edit and launch: A, and B, which the first client adds before the jam. */
const PATTERNS = /** @type {const} */ (['A', 'B']);

/**
 * A random set-to-value edit of the starter session's tracks, its two patterns and its
 * settings, or now and then a launch (of A, B or the song, at once, on the next bar or
 * at the end of the pattern: the room counts it from its own time, which the log keeps).
 * None of them can be refused: both patterns stay in use, every track stays.
 * @returns {Mutation}
 */
function randomMutation() {
  const trackId = pick(TRACKS);
  const pattern = pick(PATTERNS);
  const step = int(0, 15);
  // A track plays one of the kit's sounds, or one is renamed (keys every client has confirmed).
  if (kit.length > 0 && random() < 0.04) {
    return random() < 0.7
      ? { type: 'set_instrument', trackId, instrument: core.soundInstrument(pick(kit)) }
      : { type: 'rename_sound', key: pick(kit), name: `Take ${int(1, 99)}` };
  }
  const r = random();
  if (r < 0.5) return { type: 'set_step', trackId, pattern, step, on: random() < 0.5 };
  if (r < 0.63) return { type: 'set_velocity', trackId, pattern, step, velocity: int(LIMITS.minVelocity, LIMITS.maxVelocity) };
  if (r < 0.72) return { type: 'set_pitch', trackId, pattern, step, pitch: int(LIMITS.minPitch, LIMITS.maxPitch) };
  if (r < 0.77)
    return {
      type: 'set_volume',
      trackId,
      volume: LIMITS.minVolume + Math.round(random() * 100 * (LIMITS.maxVolume - LIMITS.minVolume)) / 100,
    };
  if (r < 0.8) return { type: 'set_pan', trackId, pan: LIMITS.minPan + Math.round(random() * 100 * (LIMITS.maxPan - LIMITS.minPan)) / 100 };
  if (r < 0.84) return { type: 'set_length', trackId, pattern, length: pick([4, 8, 12, 16, 32]) };
  if (r < 0.88)
    return { type: 'launch_pattern', pattern: pick([...PATTERNS, null]), when: pick(/** @type {const} */ (['now', 'bar', 'end'])) };
  if (r < 0.9) return { type: 'set_pattern_name', pattern, name: `Part ${int(1, 99)}` };
  if (r < 0.92) return { type: 'set_steps', trackId, pattern, steps: core.emptySteps() };
  if (r < 0.95) return { type: 'set_swing', swing: int(LIMITS.minSwing, LIMITS.maxSwing) };
  if (r < 0.98) return { type: 'set_tempo', tempo: int(60, 180) };
  return { type: 'set_session_name', name: `Crash jam ${int(1, 999)}` };
}

// ---- own sounds ---------------------------------------------------------------------------------

/** The kit's keys as of the last checkpoint: every client has them confirmed. @type {string[]} */
let kit = [];
/** Uploads answered 201 or 200: each must be served, byte for byte, after every restart. @type {{ key: string, bytes: Uint8Array, seconds: number }[]} */
const uploads = [];

/**
 * Upload a short tone (distinct for each `n`) as the browser does. Null when the runtime
 * went away before answering (a kill): then it was never acknowledged.
 * @param {string} base
 * @param {string} sessionId
 * @param {number} n
 */
async function uploadSound(base, sessionId, n) {
  const rate = 24_000;
  const seconds = 0.25;
  const bytes = core.encodeWav(
    Array.from({ length: seconds * rate }, (_, i) => 0.5 * Math.sin((2 * Math.PI * (300 + 10 * n + (SEED % 7)) * i) / rate)),
    rate,
  );
  let response;
  try {
    response = await fetch(`${base}/api/sessions/${sessionId}/sounds`, {
      method: 'POST',
      headers: { 'Content-Type': 'audio/wav' },
      body: bytes,
      signal: AbortSignal.timeout(TIMEOUT.request),
    });
  } catch {
    return null;
  }
  const answer = /** @type {{ key?: unknown } | null} */ (await response.json().catch(() => null));
  // Killed while the answer was on its way: the page never learnt the key, nothing was acknowledged.
  if (answer === null) return null;
  if (response.status !== 201 && response.status !== 200) {
    totals.errors.push(`upload ${n}: ${response.status} ${JSON.stringify(answer)}`);
    return null;
  }
  const upload = { key: String(answer.key), bytes, seconds };
  uploads.push(upload);
  return upload;
}

/** Every acknowledged upload is served, the same bytes. @param {string} base */
async function checkUploads(base) {
  for (const { key, bytes } of uploads) {
    const response = await fetch(`${base}/api/sounds/${key}`, { signal: AbortSignal.timeout(TIMEOUT.request) });
    const served = new Uint8Array(await response.arrayBuffer());
    if (response.status !== 200 || served.length !== bytes.length || !served.every((b, i) => b === bytes[i])) {
      lose(
        `round ${round}: sound ${key.slice(0, 12)}… was acknowledged (uploaded) but is ${response.status === 200 ? 'different' : `${response.status}`} after the restart`,
      );
    }
  }
}

const totals = {
  /** @type {number} */
  sent: 0,
  made: 0,
  ackedByEcho: 0,
  ackedAsDuplicate: 0,
  lost: 0,
  diverged: 0,
  rejected: 0,
  /** @type {string[]} */
  errors: [],
};
/**
 * version → { change, round } as first observed by any client; later observations must agree.
 * @type {Map<number, { change: Change, round: number }>}
 */
const observed = new Map();
/**
 * Acknowledged mutations still to verify.
 * @typedef {{ client: Client, clientSeq: number, version: number | null, mutation: Mutation }} Acknowledged
 * @type {Acknowledged[]}
 */
let toVerify = [];
let round = 0;

/**
 * One jamming client: ClientProtocol (what SyncClient runs) on a plain WebSocket that
 * the harness reconnects, with the record kept in memory. Frames are observed on the
 * way in, before the protocol handles them, to collect what the checks verify.
 */
class Client {
  /**
   * @param {string} name
   * @param {string} sessionId
   */
  constructor(name, sessionId) {
    this.name = name;
    this.sessionId = sessionId;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Every peerId this client had: its changes carry one of them as `by`. @type {string[]} */
    this.peerIds = [];
    this.maxVersionSeen = 0;
    const record = { clientId: `${name}-${SEED}`, nextSeq: 1, pending: [], confirmed: null, heartbeat: 0 };
    this.protocol = new ClientProtocol(record, {
      send: (frame) => {
        if (this.ws?.readyState !== WebSocket.OPEN) return;
        this.ws.send(frame);
        if (frame.startsWith('{"type":"mutate"')) totals.sent++;
      },
      now: () => Date.now(),
      serverNow: () => Date.now(),
      setTimer: (fire, ms) => setTimeout(fire, ms),
      clearTimer: (timer) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (timer)),
      save: () => true, // a harness client never reloads
      newClientId: () => `${name}-${SEED}-${crypto.randomUUID().slice(0, 8)}`,
      identity: () => ({ name: this.name, color: '#22aa88' }),
      tabId: () => `${name}-${SEED}`,
      changed: () => {},
      synced: (peerId) => this.peerIds.push(peerId),
      error: (message, refused) => {
        if (!refused) return;
        totals.rejected++;
        totals.errors.push(`${this.name}: clientSeq ${message.clientSeq} refused: ${message.code} ${message.message}`);
      },
    });
  }

  get replica() {
    return this.protocol.replica;
  }

  /** @param {string} base */
  connect(base) {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/sessions/${this.sessionId}/ws`);
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws === ws) this.protocol.opened();
    });
    ws.addEventListener('message', (event) => {
      if (this.ws === ws) this.onFrame(String(event.data));
    });
    const closed = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.protocol.closed();
    };
    ws.addEventListener('close', closed);
    ws.addEventListener('error', closed);
  }

  get synced() {
    return this.ws !== null && this.protocol.synced;
  }

  get settled() {
    return this.synced && this.replica?.pending.length === 0;
  }

  /** @param {Mutation} mutation */
  mutate(mutation = randomMutation()) {
    if (!this.replica) return;
    const result = this.protocol.mutate(mutation);
    if (!result.ok && result.message !== null) throw new Error(`${this.name}: a valid edit was refused locally: ${result.message}`);
    if (result.ok) totals.made++;
  }

  /** @param {Change} change */
  observe(change) {
    const seen = observed.get(change.version);
    const plain = { version: change.version, at: change.at, mutation: change.mutation, by: change.by };
    if (!seen) observed.set(change.version, { change: plain, round });
    else if (canonical(seen.change) !== canonical(plain)) {
      totals.diverged++;
      totals.errors.push(`two clients were told different changes at version ${change.version}`);
    }
    this.maxVersionSeen = Math.max(this.maxVersionSeen, change.version);
  }

  /** @param {string} data */
  onFrame(data) {
    if (data === 'pong') return;
    const message = /** @type {import('../core/index.ts').ServerMessage} */ (JSON.parse(data));
    /** @param {number} clientSeq */
    const pending = (clientSeq) => this.replica?.pending.find((q) => q.clientSeq === clientSeq);
    switch (message.type) {
      case 'snapshot':
        if (message.version < this.maxVersionSeen) {
          totals.errors.push(`${this.name}: snapshot at version ${message.version} after seeing ${this.maxVersionSeen}`);
        }
        this.maxVersionSeen = Math.max(this.maxVersionSeen, message.version);
        break;
      case 'catchup':
        if (this.replica) for (const change of message.changes) this.observe(change);
        break;
      case 'change':
        // What the protocol ignores (no state yet, or a hello still unanswered) is not observed either.
        if (!this.replica || !this.protocol.synced) break;
        this.observe(message);
        if (message.clientSeq !== undefined) {
          totals.ackedByEcho++;
          toVerify.push({
            client: this,
            clientSeq: message.clientSeq,
            version: message.version,
            mutation: pending(message.clientSeq)?.mutation ?? message.mutation,
          });
        }
        break;
      case 'ack': {
        const p = pending(message.clientSeq);
        if (p) {
          totals.ackedAsDuplicate++;
          // Applied before a kill, its echo lost: it must be in the log with our peerId.
          toVerify.push({ client: this, clientSeq: message.clientSeq, version: null, mutation: p.mutation });
        }
        break;
      }
    }
    this.protocol.receive(message);
  }

  close() {
    const ws = this.ws;
    this.ws = null;
    this.protocol.closed();
    try {
      ws?.close();
    } catch {
      // gone
    }
  }
}

/**
 * @typedef {Extract<import('../core/index.ts').ServerMessage, { type: 'snapshot' | 'catchup' }>} HelloReply
 */

/**
 * One-off protocol exchange: hello as a listener, return the first reply (a few tries).
 * @param {string} base
 * @param {string} sessionId
 * @param {number | null} version
 * @returns {Promise<HelloReply>}
 */
async function ask(base, sessionId, version) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await askOnce(base, sessionId, version);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(500);
    }
  }
}

/**
 * @param {string} base
 * @param {string} sessionId
 * @param {number | null} version
 * @returns {Promise<HelloReply>}
 */
function askOnce(base, sessionId, version) {
  return new Promise((resolveReply, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/sessions/${sessionId}/ws`);
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error('no reply to an observer hello'));
    }, TIMEOUT.request);
    ws.addEventListener('open', () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          model: MODEL_VERSION,
          clientId: `observer-${SEED}`,
          version,
          peer: { name: 'observer', color: '#000000' },
          listenOnly: true,
        }),
      );
    });
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      if (message.type !== 'snapshot' && message.type !== 'catchup') return;
      clearTimeout(timer);
      ws.close();
      resolveReply(message);
    });
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error('observer socket failed'));
    });
  });
}

// ---- the run -----------------------------------------------------------------------------------

/** @param {string} reason */
function lose(reason) {
  totals.lost++;
  if (totals.errors.length < 50) totals.errors.push(reason);
}

/**
 * Is the acknowledged mutation `item` in `log` (changes as the room replays them)?
 * @param {Acknowledged} item
 * @param {Change[]} log
 */
function present(item, log) {
  if (item.version !== null) {
    const durable = log.find((c) => c.version === item.version);
    return !!durable && canonical(durable.mutation) === canonical(item.mutation) && item.client.peerIds.includes(durable.by ?? '');
  }
  // Acked as a duplicate: applied earlier, on one of this client's connections.
  return log.some((c) => item.client.peerIds.includes(c.by ?? '') && canonical(c.mutation) === canonical(item.mutation));
}

/**
 * Every change a client was told about since `fromVersion` must be in `log`, unchanged.
 * @param {number} fromVersion
 * @param {Change[]} log
 * @param {string} when
 */
function checkObserved(fromVersion, log, when) {
  const byVersion = new Map(log.map((c) => [c.version, c]));
  for (const [version, { change }] of observed) {
    if (version <= fromVersion) continue;
    const durable = byVersion.get(version);
    if (!durable || canonical(durable) !== canonical(change)) {
      totals.diverged++;
      totals.errors.push(`${when}: the change clients saw at version ${version} is ${durable ? 'different' : 'missing'}`);
    }
  }
}

/**
 * Right after a restart, before any client reconnects: the durable log since the
 * checkpoint holds every change the clients were told about, and so every mutation
 * acknowledged before the kill.
 * @param {Checkpoint} checkpoint
 * @param {Change[]} log
 * @param {number} maxVersionBeforeKill
 */
function verifyAfterRestart(checkpoint, log, maxVersionBeforeKill) {
  const lastDurable = checkpoint.version + log.length;
  if (lastDurable < maxVersionBeforeKill) {
    totals.errors.push(`round ${round}: the version went back from ${maxVersionBeforeKill} to ${lastDurable}`);
  }
  checkObserved(checkpoint.version, log, `round ${round}, after the restart`);
  for (const item of toVerify) {
    if (!present(item, log))
      lose(
        `round ${round}: ${item.client.name} #${item.clientSeq} acknowledged (${item.version === null ? 'as a duplicate' : `at version ${item.version}`}) but not in the log after the restart`,
      );
  }
  const verified = toVerify.length;
  toVerify = [];
  return verified;
}

/**
 * Once everyone has reconverged: each client equals a fresh snapshot; the snapshot is
 * the previous checkpoint with the log replayed; every acknowledgement since the
 * restart (resends acked as duplicates, their echoes) is in that log.
 * @typedef {{ version: number, session: Session }} Checkpoint
 * @param {string} base
 * @param {string} sessionId
 * @param {Client[]} clients
 * @param {Checkpoint | null} previous
 * @returns {Promise<Checkpoint>}
 */
async function takeCheckpoint(base, sessionId, clients, previous) {
  const snapshot = await ask(base, sessionId, null);
  if (snapshot.type !== 'snapshot') throw new Error('expected a snapshot');
  // The last broadcasts may still be on their way to some clients.
  await waitFor(
    'clients to reach the snapshot version',
    () => clients.every((c) => (c.replica?.version ?? -1) >= snapshot.version),
    TIMEOUT.sync,
  );
  const fresh = canonical(snapshot.session);
  for (const c of clients) {
    if (c.replica?.version !== snapshot.version || canonical(c.replica.view) !== fresh || canonical(c.replica.confirmed) !== fresh) {
      totals.diverged++;
      totals.errors.push(`round ${round}: ${c.name} at version ${c.replica?.version} differs from a fresh snapshot at ${snapshot.version}`);
    }
  }
  if (previous) {
    const since = await ask(base, sessionId, previous.version);
    if (since.type !== 'catchup') throw new Error(`expected a catch-up from version ${previous.version}`);
    let session = previous.session;
    for (const change of since.changes) {
      const result = applyMutation(session, change.mutation, change.at);
      if (!result.ok) throw new Error(`logged change ${change.version} does not apply: ${result.message}`);
      session = result.session;
    }
    if (previous.version + since.changes.length !== snapshot.version || canonical(session) !== fresh) {
      totals.diverged++;
      totals.errors.push(`round ${round}: the checkpoint plus the log is not the snapshot`);
    }
    checkObserved(previous.version, since.changes, `round ${round}, after reconverging`);
    for (const item of toVerify) {
      if (!present(item, since.changes))
        lose(`round ${round}: ${item.client.name} #${item.clientSeq} acknowledged after the restart but not in the log`);
    }
    toVerify = [];
  }
  for (const v of [...observed.keys()]) if (v <= snapshot.version) observed.delete(v);
  return { version: snapshot.version, session: snapshot.session };
}

async function main() {
  if (!existsSync(CONFIG)) throw new Error(`${CONFIG} is missing: run \`npx vite build\` first`);
  const rt = await startRuntime();
  const created = await fetch(`${rt.base}/api/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ template: 'starter' }),
    signal: AbortSignal.timeout(TIMEOUT.request),
  });
  if (created.status !== 201) throw new Error(`creating a session answered ${created.status}`);
  const { id: sessionId } = /** @type {{ id: string }} */ (await created.json());
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(`c${i + 1}`, sessionId));
  // Like partysocket: a client whose socket closed (or never opened) tries again.
  const reconnector = setInterval(() => {
    if (clientsMayConnect && runtime) for (const c of clients) if (!c.ws) c.connect(runtime.base);
  }, 250);
  try {
    return await jam(rt, sessionId, clients);
  } finally {
    clearInterval(reconnector);
  }
}

/** Off from the kill until the restarted room's log has been checked. */
let clientsMayConnect = true;

/**
 * @param {Runtime} rt
 * @param {string} sessionId
 * @param {Client[]} clients
 */
async function jam(rt, sessionId, clients) {
  for (const c of clients) c.connect(rt.base);
  await waitFor('clients to sync', () => clients.every((c) => c.synced), TIMEOUT.sync);
  let checkpoint = await takeCheckpoint(rt.base, sessionId, clients, null);
  // Pattern B comes into use before anyone edits it (an edit into a pattern not in use is
  // refused); the next checkpoint verifies its acknowledgement like any other.
  /** @type {Client} */ (clients[0]).mutate({ type: 'add_pattern', pattern: 'B', value: { ...core.emptyPattern(), name: 'Jam B' } });
  await waitFor(
    'pattern B to reach every client',
    () => clients.every((c) => c.settled && c.replica?.confirmed.patterns.B !== undefined),
    TIMEOUT.sync,
  );
  checkpoint = await takeCheckpoint(rt.base, sessionId, clients, checkpoint);

  // A sound uploaded, then a kill before anyone uses it: after the restart it is served,
  // and adding it to the kit is applied (the room finds it in R2).
  const first = await uploadSound(rt.base, sessionId, 0);
  if (!first) throw new Error('the first sound upload failed');
  clientsMayConnect = false;
  await killRuntime();
  for (const c of clients) c.close();
  rt = await startRuntime();
  await checkUploads(rt.base);
  clientsMayConnect = true;
  for (const c of clients) if (!c.ws) c.connect(rt.base);
  await waitFor('clients to reconverge', () => clients.every((c) => c.settled), TIMEOUT.sync);
  /** @type {Client} */ (clients[0]).mutate({ type: 'add_sound', key: first.key, name: 'Take 0', seconds: first.seconds });
  await waitFor(
    'the first sound to reach every client',
    () => clients.every((c) => c.settled && c.replica?.confirmed.sounds[first.key] !== undefined),
    TIMEOUT.sync,
  );
  checkpoint = await takeCheckpoint(rt.base, sessionId, clients, checkpoint);
  kit = Object.keys(checkpoint.session.sounds);

  for (round = 1; round <= ROUNDS; round++) {
    // A new sound each round, added to the kit as soon as its upload is answered: the kill
    // may come before, between or after the upload and the add_sound.
    const added = uploadSound(rt.base, sessionId, round).then((sound) => {
      const adder = clients[round % CLIENTS];
      if (sound && adder?.replica) adder.mutate({ type: 'add_sound', key: sound.key, name: `Take ${round}`, seconds: sound.seconds });
    });
    // Jam: every client edits on its own random clock until the kill.
    const killAt = Date.now() + between(JAM_MS);
    const madeBefore = totals.made;
    await Promise.all(
      clients.map(async (c) => {
        while (Date.now() < killAt && totals.made - madeBefore < ROUND_EDITS) {
          c.mutate();
          await sleep(Math.min(between(EDIT_MS), Math.max(0, killAt - Date.now())));
        }
      }),
    );
    clientsMayConnect = false;
    await killRuntime();
    await added;
    for (const c of clients) c.close();
    const maxVersionBeforeKill = Math.max(...clients.map((c) => c.maxVersionSeen));
    // Offline edits while the runtime is down: they wait in pending.
    for (const c of clients) for (let i = int(OFFLINE_EDITS[0], OFFLINE_EDITS[1]); i > 0; i--) c.mutate();

    rt = await startRuntime();
    const after = await ask(rt.base, sessionId, checkpoint.version);
    if (after.type !== 'catchup') throw new Error(`expected a catch-up from version ${checkpoint.version}, got a ${after.type}`);
    const verified = verifyAfterRestart(checkpoint, after.changes, maxVersionBeforeKill);
    await checkUploads(rt.base);
    clientsMayConnect = true;

    // Reconnect: hello with the version each has, catch up, resend pending.
    for (const c of clients) if (!c.ws) c.connect(rt.base);
    await waitFor('clients to reconverge', () => clients.every((c) => c.settled), TIMEOUT.sync);
    checkpoint = await takeCheckpoint(rt.base, sessionId, clients, checkpoint);
    kit = Object.keys(checkpoint.session.sounds);
    console.log(
      `  round ${String(round).padStart(2)}: killed at version ${maxVersionBeforeKill} (${verified} acknowledged in the round), ` +
        `${totals.ackedAsDuplicate} resends acked as duplicates so far, now at version ${checkpoint.version}, ` +
        `${uploads.length} sounds uploaded, ${kit.length} in the kit, lost ${totals.lost}`,
    );
  }
  for (const c of clients) c.close();
  await killRuntime();
  return checkpoint.version;
}

/** @type {string | null} */
let error = null;
let versions = 0;
try {
  versions = await main();
} catch (e) {
  error = e instanceof Error ? e.message : String(e);
}
const acknowledged = totals.ackedByEcho + totals.ackedAsDuplicate;
const report = {
  rounds: error ? round - 1 : ROUNDS,
  acknowledged,
  lost: totals.lost,
  acknowledgedByEcho: totals.ackedByEcho,
  acknowledgedAsDuplicate: totals.ackedAsDuplicate,
  mutationsMade: totals.made,
  framesSent: totals.sent,
  rejected: totals.rejected,
  diverged: totals.diverged,
  soundsUploaded: uploads.length,
  soundsInKit: kit.length,
  versions,
  clients: CLIENTS,
  seed: SEED,
  durationMs: Date.now() - started,
  ok: !error && totals.lost === 0 && totals.diverged === 0 && totals.rejected === 0 && totals.errors.length === 0,
  error,
  problems: totals.errors.slice(0, 50),
};
mkdirSync(dirname(REPORT), { recursive: true });
writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `crash harness: ${report.rounds} rounds, ${acknowledged} mutations acknowledged, ${totals.lost} lost` +
    ` (${versions} versions, ${totals.diverged} diverged, seed ${SEED}, ${(report.durationMs / 1000).toFixed(1)} s)`,
);
if (error) console.error(`crash harness failed: ${error}`);
for (const p of report.problems) console.error(`  ${p}`);
const last = /** @type {Runtime | null} */ (runtime);
if (last) console.error(last.log.slice(-20).join(''));
process.exit(report.ok ? 0 : 1);
