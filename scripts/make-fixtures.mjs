// @ts-check
// Writes the stored-document fixtures of the model version this commit runs (issue 11):
// real documents produced by running the code, never written by hand, so that every
// later version can prove it loads them with nothing lost.
//
//   npx node scripts/make-fixtures.mjs                  builds, then writes test/fixtures/v<N>/
//   npx node scripts/make-fixtures.mjs --skip-build --port 4415 --out <dir>
//   npx node scripts/make-fixtures.mjs --dev-state /work/v1-state
//                       fills a persisted state folder under `npm start` (vite dev) with
//                       the same sessions and beats, stops it like Ctrl-C, and writes
//                       <dir>/README.txt and <dir>/expected.json beside <dir>/state
//
// N is core's MODEL_VERSION, or 1 for the code from before it existed. The script
// refuses to overwrite a folder that exists: fixtures are only ever added.
//
// How: the built app runs under `vite preview` (the Worker, the Durable Object and KV in
// workerd) on a throwaway KEYBOARDIA_STATE_DIR. Protocol clients (docs/PROTOCOL.md) edit
// a session across several compactions and stop with edits still in the log; the room's
// SQLite file is then read as it is on disk, and the KV documents through the HTTP API
// and KV's own store. A real Chromium writes the client's saved record. Every file is
// checked before it is written (see `check`), and room.json is replayed the way
// RoomStorage loads it, to prove it holds exactly the state the room reported.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Conn, hello, mutate } from './bench/wsclient.mjs';
import { rng, sleep, withTimeout } from './bench/lib.mjs';
import { registerTypeScriptHooks } from './typescript-hooks.mjs';

/** @import { Mutation, Session } from '../core/index.ts' */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const { values: options } = parseArgs({
  options: {
    out: { type: 'string' },
    port: { type: 'string', default: process.env.E2E_PORT ?? '4415' },
    'skip-build': { type: 'boolean', default: false },
    'dev-state': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

// ---- the shared model, from its .ts sources (scripts/typescript-hooks.mjs) ---------------------

registerTypeScriptHooks('npx node scripts/make-fixtures.mjs');
const core = await import('../core/index.ts');
// The room's storage module needs the Workers types to type-check (SqlStorage): it is
// loaded untyped, for two of its constants.
const { LOG_SLOTS, COMPACT_EVERY } = /** @type {{ LOG_SLOTS: number, COMPACT_EVERY: number }} */ (
  await import(pathToFileURL(join(ROOT, 'worker/room/RoomStorage.ts')).href)
);
const { DatabaseSync } = await import('node:sqlite');
/** The code before issue 11 has no version anywhere: it is version 1. */
const MODEL_VERSION = /** @type {number | undefined} */ (core.MODEL_VERSION) ?? 1;

// ---- small helpers ---------------------------------------------------------------------------

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

/** @type {string[]} */
const problems = [];
/**
 * A fixture that is not what it claims to be is worse than none: collect every failed check.
 * @param {unknown} condition
 * @param {string} what
 */
function check(condition, what) {
  if (!condition) problems.push(what);
}

/**
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} probe
 * @returns {Promise<NonNullable<T>>}
 */
async function poll(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return /** @type {NonNullable<T>} */ (value);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A JSON API call; the parsed answer (untyped JSON: the checks below read it).
 * @param {string} base
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function http(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** A track id the way the editor makes them (app/store/trackIds.ts). */
const newTrackId = () => `t${Array.from(randomBytes(6), (b) => b.toString(36).padStart(2, '0')).join('')}`;

/** @param {...string} args */
function git(...args) {
  const result = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

/** What wrote the documents: HEAD, and the last commit that changed code the app runs. */
function provenance() {
  const head = git('rev-parse', 'HEAD');
  const product = git(
    'log',
    '-1',
    '--format=%H',
    '--',
    'app',
    'core',
    'worker',
    'index.html',
    'embed.html',
    'wrangler.jsonc',
    'vite.config.ts',
  );
  const dirty = git('status', '--porcelain', '--', 'app', 'core', 'worker') !== '';
  return `commit \`${head}\`${product && product !== head ? ` (its app last changed in \`${product}\`)` : ''}${dirty ? ' with uncommitted changes under app/, core/ or worker/' : ''}`;
}

/**
 * Every row of every table of a room's database, with each table's CREATE statement.
 * @typedef {{ tables: Record<string, { sql: string, rows: Record<string, any>[] }> }} RoomDump
 */

/**
 * The rows of one table of a dump (none when the room never created it).
 * @param {RoomDump} room
 * @param {string} name
 */
const tableRows = (room, name) => room.tables[name]?.rows ?? [];

/**
 * Pretty JSON, except that each table row stays on one line (a 1024-row log stays readable).
 * @param {RoomDump} room
 */
function roomJson(room) {
  const tables = Object.entries(room.tables).map(([name, { sql, rows }]) => {
    const lines = rows.map((row) => `        ${JSON.stringify(row)}`).join(',\n');
    const body = rows.length ? `\n${lines}\n      ` : '';
    return `    ${JSON.stringify(name)}: {\n      "sql": ${JSON.stringify(sql)},\n      "rows": [${body}]\n    }`;
  });
  return `{\n  "tables": {\n${tables.join(',\n')}\n  }\n}\n`;
}

// ---- the runtime as a child process ----------------------------------------------------------

/**
 * `vite preview` (the build) or `npm start` (vite dev), in its own process group so
 * that stopping it reaches workerd too, the way Ctrl-C in a terminal does.
 * @typedef {{ child: import('node:child_process').ChildProcess, base: string, log: string[], exited: boolean,
 *   exit: Promise<{ code: number | null, signal: NodeJS.Signals | null }>, forget: () => void }} Server
 * @param {'dev' | 'preview'} mode
 * @param {number} port
 * @param {string} stateDir
 * @returns {Promise<Server>}
 */
async function startServer(mode, port, stateDir) {
  const env = { ...process.env, KEYBOARDIA_STATE_DIR: stateDir, PORT: String(port), CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
  const flags = ['--port', String(port), '--strictPort'];
  /** @type {[string, string[]]} */
  const [command, args] = mode === 'dev' ? ['npm', ['start', '--', ...flags]] : [process.execPath, [VITE, 'preview', ...flags]];
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = /** @type {number} */ (child.pid);
  const stopOnExit = () => {
    if (!server.exited) process.kill(-pid, 'SIGKILL');
  };
  /** @type {Server} */
  const server = {
    child,
    base: `http://localhost:${port}`,
    log: [],
    exited: false,
    exit: new Promise((done) =>
      child.once('exit', (code, signal) => {
        server.exited = true;
        done({ code, signal });
      }),
    ),
    forget: () => process.off('exit', stopOnExit),
  };
  /** @param {Buffer | string} chunk */
  const keep = (chunk) => server.log.push(String(chunk));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  process.on('exit', stopOnExit);
  await poll(
    `the server on port ${port}`,
    async () => {
      if (server.exited) throw new Error(`the server exited while starting:\n${server.log.join('')}`);
      try {
        const res = await fetch(`${server.base}/api/ready-probe`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        return res.status === 404;
      } catch {
        return false;
      }
    },
    120_000,
  );
  return server;
}

/**
 * Stop the server as Ctrl-C would (SIGINT to the group) and wait until every process is gone.
 * @param {Server} server
 */
async function stopServer(server) {
  const pid = /** @type {number} */ (server.child.pid);
  if (!server.exited) process.kill(-pid, 'SIGINT');
  const result = await Promise.race([server.exit, sleep(30_000).then(() => null)]);
  if (!result) {
    process.kill(-pid, 'SIGKILL');
    await server.exit;
    throw new Error('the server did not stop within 30 s of SIGINT');
  }
  // workerd is a grandchild: wait until nothing of the group is left.
  await poll('the server process group to exit', async () => {
    try {
      process.kill(-pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  server.forget();
}

// ---- a protocol client ----------------------------------------------------------------------

/** Under the room's 30/s per socket (docs/PROTOCOL.md asks for ~18/s): a pace, not a wait. */
const SEND_INTERVAL_MS = 45;

class Editor {
  /**
   * @param {Server} server
   * @param {string} sessionId
   * @param {string} name
   * @param {{ listenOnly?: boolean }} [options]
   */
  static async join(server, sessionId, name, { listenOnly = false } = {}) {
    const conn = await Conn.open(`${server.base.replace(/^http/, 'ws')}/api/sessions/${sessionId}/ws`);
    const editor = new Editor(conn, sessionId, name);
    const answer = conn.next((raw) => /^\{"type":"(snapshot|catchup)"/.test(raw), 15_000, `${name}'s snapshot`);
    conn.send({ ...hello(editor.clientId, name), peer: { name, color: '#2fa58b' }, ...(listenOnly ? { listenOnly: true } : {}) });
    editor.snapshot = JSON.parse(await answer);
    editor.version = editor.snapshot.version;
    return editor;
  }

  /**
   * @param {Conn} conn
   * @param {string} sessionId
   * @param {string} name
   */
  constructor(conn, sessionId, name) {
    this.conn = conn;
    this.sessionId = sessionId;
    this.name = name;
    // The browser client's clientIds are random UUIDs (app/sync/clientRecord.ts).
    this.clientId = randomUUID();
    this.seq = 0;
    this.lastAcked = 0;
    /** @type {{ clientId: string, clientSeq: number, code: string, message: string, mutation: Mutation }[]} */
    this.refused = [];
    this.lastSent = 0;
    /** The room's answer to hello. @type {{ version: number, session: Session }} */
    this.snapshot = { version: 0, session: core.emptySession(0) };
    this.version = 0;
    conn.onFrame = (raw) => {
      if (raw.startsWith('{"type":"change"')) this.version = Math.max(this.version, JSON.parse(raw).version);
    };
  }

  /**
   * Send one mutation; resolves with its version, or with the refusal when the room refused it.
   * @param {Mutation} mutation
   * @returns {Promise<{ version: number, refused?: undefined } | { refused: string }>}
   */
  async apply(mutation) {
    const clientSeq = ++this.seq;
    for (;;) {
      await sleep(Math.max(0, this.lastSent + SEND_INTERVAL_MS - Date.now()));
      const answer = this.conn.next(
        (raw) => {
          if (!/^\{"type":"(change|error|ack)"/.test(raw)) return false;
          return JSON.parse(raw).clientSeq === clientSeq;
        },
        15_000,
        `the answer to ${this.name} #${clientSeq} ${mutation.type}`,
      );
      this.lastSent = Date.now();
      this.conn.send(mutate(this.clientId, clientSeq, mutation));
      const reply = JSON.parse(await answer);
      if (reply.type === 'error' && reply.code === 'rate_limited') {
        await sleep(1000); // the protocol's back-off, then resend from this one
        continue;
      }
      if (reply.type === 'error') {
        this.refused.push({ clientId: this.clientId, clientSeq, code: reply.code, message: reply.message, mutation });
        return { refused: reply.code };
      }
      this.lastAcked = clientSeq;
      return { version: reply.version };
    }
  }

  /** @param {Mutation} mutation */
  async mustApply(mutation) {
    const result = await this.apply(mutation);
    if (result.refused !== undefined) throw new Error(`${this.name}: ${mutation.type} refused (${result.refused})`);
    return result.version;
  }

  /**
   * @param {Mutation} mutation
   * @param {string} code
   */
  async mustRefuse(mutation, code) {
    const result = await this.apply(mutation);
    if (result.refused !== code) {
      throw new Error(`${this.name}: ${mutation.type} should be refused with ${code}, got ${JSON.stringify(result)}`);
    }
  }

  close() {
    this.conn.close();
  }
}

// ---- the session: every stored value exercised ------------------------------------------------

/**
 * Makes the fixture session and everything around it:
 *   origin  a template session, published as `originBeat`;
 *   main    a remix of originBeat (lineage kind 'beat'), edited by editors A, B and C
 *           past LOG_SLOTS versions (the log ring wraps) and several compactions, with a
 *           tail of every kind of mutation after the last compaction, still unfolded.
 * Resolves once the tail is written, with the editors still connected.
 * @param {Server} server
 */
async function makeSession(server) {
  const origin = await http(server.base, 'POST', '/api/sessions', { template: 'lofi', name: 'Origine — lo-fi ☕' });
  const originBeat = await http(server.base, 'POST', `/api/sessions/${origin.id}/publish`);
  const main = await http(server.base, 'POST', `/api/beats/${originBeat.beatId}/remix`);
  const id = main.id;

  const a = await Editor.join(server, id, 'Ana 🎹');
  const b = await Editor.join(server, id, 'Bjørn');
  const ids = {
    kick: 'kick',
    snare: 'snare',
    hat: 'hat',
    keys: 'keys',
    bass: newTrackId(),
    tri: newTrackId(),
    pad: newTrackId(),
    clap: newTrackId(),
    temp: newTrackId(),
    zap: newTrackId(),
  };
  /**
   * @param {string} trackId
   * @param {string} name
   * @param {string} instrument
   * @param {number} length
   */
  const track = (trackId, name, instrument, length) => ({ ...core.makeTrack({ id: trackId, name, instrument, length }) });

  // Structure: names with emoji, accents and CJK; drums and melodic; lengths 3, 7, 32, 128.
  await a.mustApply({ type: 'set_session_name', name: 'Premier jet' });
  await a.mustApply({ type: 'set_tempo', tempo: 97.25 });
  await b.mustApply({ type: 'set_swing', swing: 37.5 });
  await b.mustApply({ type: 'set_effect', param: 'reverb', value: 0.42 });
  await a.mustApply({ type: 'set_effect', param: 'delay', value: 0.27 });
  await a.mustApply({ type: 'set_effect', param: 'delayFeedback', value: 0.61 });
  await a.mustApply({ type: 'set_track_name', trackId: ids.kick, name: 'Kick 🥁' });
  await b.mustApply({ type: 'set_track_name', trackId: ids.snare, name: 'Caisse claire é' });
  await b.mustApply({ type: 'set_instrument', trackId: ids.hat, instrument: 'electro-hat' });
  await a.mustApply({ type: 'set_track_name', trackId: ids.keys, name: 'Clés ñ 鍵盤' });
  await a.mustApply({ type: 'add_track', track: track(ids.bass, 'Bässline 🎸', 'synth-bass', 16), beforeTrackId: null });
  await b.mustApply({ type: 'add_track', track: track(ids.tri, 'Trío △', '808-cowbell', 3), beforeTrackId: ids.keys });
  await a.mustApply({ type: 'add_track', track: track(ids.pad, 'Pad ✨ long', 'warm-pad', 128), beforeTrackId: null });
  await b.mustApply({ type: 'add_track', track: track(ids.clap, 'Clap 👏', 'electro-clap', 16), beforeTrackId: ids.hat });
  await a.mustApply({ type: 'add_track', track: track(ids.temp, 'Temp 🗑', 'organ', 16), beforeTrackId: null });
  await b.mustApply({ type: 'move_track', trackId: ids.bass, beforeTrackId: ids.kick });
  await a.mustApply({ type: 'set_volume', trackId: ids.kick, volume: 0.93 });
  await a.mustApply({ type: 'set_volume', trackId: ids.pad, volume: 0.35 });
  await b.mustApply({ type: 'set_pan', trackId: ids.hat, pan: -0.4 });
  await b.mustApply({ type: 'set_pan', trackId: ids.keys, pan: 0.25 });
  await a.mustApply({ type: 'set_length', trackId: ids.keys, length: 64 });
  await a.mustApply({ type: 'delete_track', trackId: ids.temp });
  // Refusals, remembered in `refusals`: a step on the deleted track, a used id, an effect over its limit.
  await a.mustRefuse({ type: 'set_step', trackId: ids.temp, step: 3, on: true }, 'unknown_track');
  const usedId = track(ids.kick, 'Kick again', 'studio-kick', 16);
  await b.mustRefuse({ type: 'add_track', track: usedId, beforeTrackId: null }, 'duplicate_track');
  await b.mustRefuse({ type: 'set_effect', param: 'delayFeedback', value: 0.95 }, 'out_of_range');

  // Steps past the visible length, then shorten: they are kept (failure mode 12).
  for (const step of [9, 12, 15]) await a.mustApply({ type: 'set_step', trackId: ids.bass, step, on: true });
  await a.mustApply({ type: 'set_velocity', trackId: ids.bass, step: 12, velocity: 31 });
  await a.mustApply({ type: 'set_pitch', trackId: ids.bass, step: 12, pitch: -12 });
  await a.mustApply({ type: 'set_length', trackId: ids.bass, length: 7 });
  for (const step of [40, 50, 63]) await b.mustApply({ type: 'set_step', trackId: ids.keys, step, on: true });
  await b.mustApply({ type: 'set_pitch', trackId: ids.keys, step: 50, pitch: 19 });
  await b.mustApply({ type: 'set_length', trackId: ids.keys, length: 32 });
  for (const step of [100, 127]) await a.mustApply({ type: 'set_step', trackId: ids.pad, step, on: true });
  await a.mustApply({ type: 'set_pitch', trackId: ids.pad, step: 127, pitch: -24 });
  await a.mustApply({ type: 'set_pitch', trackId: ids.pad, step: 100, pitch: 24 });
  // A clear and its undo, as the editor sends them.
  await b.mustApply({ type: 'set_pattern', trackId: ids.snare, pattern: core.emptyPattern() });
  const snare = /** @type {import('../core/index.ts').Track} */ (core.sessionFromTemplate('lofi', 0)?.tracks.find((t) => t.id === 'snare'));
  const { steps, velocities, pitches } = snare;
  await b.mustApply({ type: 'set_pattern', trackId: ids.snare, pattern: { steps, velocities, pitches } });

  // Jam until the log ring has wrapped: steps, velocities and pitches within each visible
  // length (so what lies past it stays as set above), from a seeded source.
  const random = rng(20_261_111);
  /**
   * @template T
   * @param {T[]} list
   */
  const pick = (list) => /** @type {T} */ (list[Math.floor(random() * list.length)]);
  /** @type {Record<string, number>} */
  const visible = {
    [ids.bass]: 7,
    [ids.kick]: 16,
    [ids.snare]: 16,
    [ids.clap]: 16,
    [ids.hat]: 16,
    [ids.tri]: 3,
    [ids.keys]: 32,
    [ids.pad]: 128,
  };
  const melodic = [ids.bass, ids.keys, ids.pad];
  // Stop at a compaction (a multiple of COMPACT_EVERY) at or past LOG_SLOTS, so that
  // everything after it is the tail, and the ring has wrapped (slot ≠ version).
  const target = Math.ceil(LOG_SLOTS / COMPACT_EVERY) * COMPACT_EVERY;
  let turn = 0;
  while (Math.max(a.version, b.version) < target) {
    const editor = turn++ % 2 ? b : a;
    const trackId = pick(Object.keys(visible));
    const step = Math.floor(random() * (visible[trackId] ?? 1));
    const r = random();
    if (r < 0.55) await editor.mustApply({ type: 'set_step', trackId, step, on: random() < 0.6 });
    else if (r < 0.8) await editor.mustApply({ type: 'set_velocity', trackId, step, velocity: Math.floor(random() * 128) });
    else {
      const pitch = Math.floor(random() * 49) - 24;
      await editor.mustApply({ type: 'set_pitch', trackId: pick(melodic), step: Math.floor(random() * 7), pitch });
    }
  }

  // The tail: every kind of mutation after the last compaction, by A and by C (a writer
  // the `clients` table has never seen), left in the log while they are connected.
  const c = await Editor.join(server, id, 'Chloé');
  await c.mustApply({ type: 'set_step', trackId: ids.bass, step: 13, on: true }); // past the length again
  await c.mustApply({ type: 'set_velocity', trackId: ids.kick, step: 0, velocity: 127 });
  await c.mustApply({ type: 'set_pitch', trackId: ids.keys, step: 2, pitch: -7 });
  const everyThird = { ...core.emptyPattern(), steps: Array.from({ length: 128 }, (_, i) => i % 3 === 0) };
  await a.mustApply({ type: 'set_pattern', trackId: ids.tri, pattern: everyThird });
  await c.mustApply({ type: 'set_length', trackId: ids.snare, length: 12 });
  await a.mustApply({ type: 'set_track_name', trackId: ids.hat, name: 'Hat ½ · ü' });
  await c.mustApply({ type: 'set_instrument', trackId: ids.kick, instrument: '808-kick' });
  await a.mustApply({ type: 'set_volume', trackId: ids.snare, volume: 0.55 });
  await c.mustApply({ type: 'set_pan', trackId: ids.pad, pan: 0.8 });
  await a.mustApply({ type: 'add_track', track: { ...track(ids.zap, 'Zap ⚡', 'zap', 5), volume: 0.6, pan: -1 }, beforeTrackId: ids.pad });
  await c.mustApply({ type: 'set_step', trackId: ids.zap, step: 4, on: true });
  await c.mustApply({ type: 'set_pitch', trackId: ids.zap, step: 4, pitch: 12 });
  await a.mustApply({ type: 'move_track', trackId: ids.keys, beforeTrackId: null });
  await c.mustApply({ type: 'delete_track', trackId: ids.clap }); // a row still in `tracks`
  await a.mustApply({ type: 'set_tempo', tempo: 101.5 });
  await c.mustApply({ type: 'set_swing', swing: 41 });
  await a.mustApply({ type: 'set_session_name', name: 'Nuit blanche — café ☕ 🎛️ naïve' });
  await c.mustApply({ type: 'set_effect', param: 'reverb', value: 0.58 });
  await a.mustApply({ type: 'set_play_together', together: true });
  await c.mustApply({ type: 'set_playing', playing: true });
  await a.mustRefuse({ type: 'set_step', trackId: ids.clap, step: 0, on: true }, 'unknown_track');

  return { id, origin: origin.id, originBeat: originBeat.beatId, editors: [a, b, c], ids };
}

/**
 * What the room says its state is: the snapshot a fresh listener gets.
 * @param {Server} server
 * @param {string} sessionId
 */
async function roomSnapshot(server, sessionId) {
  const listener = await Editor.join(server, sessionId, 'Observer', { listenOnly: true });
  listener.close();
  return { version: listener.snapshot.version, session: listener.snapshot.session };
}

// ---- reading storage on disk -----------------------------------------------------------------

/**
 * The SQLite file of one session's Durable Object, found by its meta 'id' row.
 * @param {string} stateDir
 * @param {string} sessionId
 */
function findRoomDatabase(stateDir, sessionId) {
  const doDir = join(stateDir, 'v3/do');
  for (const objects of readdirSync(doDir).filter((d) => d.endsWith('-SessionRoom'))) {
    for (const file of readdirSync(join(doDir, objects)).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')) {
      const path = join(doDir, objects, file);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'`).get();
        if (hasMeta && db.prepare(`SELECT value FROM meta WHERE key='id'`).get()?.value === sessionId) return path;
      } finally {
        db.close();
      }
    }
  }
  throw new Error(`no Durable Object database holds session ${sessionId} under ${doDir}`);
}

/**
 * Every row of every table the room created, as SQLite returns them. The runtime's own
 * table (miniflare's `__miniflare_do_name`; `_cf_*` in production) is not the room's
 * and could not be written back through `ctx.storage.sql`.
 * @param {string} path
 * @returns {RoomDump}
 */
function dumpRoom(path) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    /** @type {RoomDump['tables']} */
    const tables = {};
    for (const row of db.prepare(`SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY rowid`).all()) {
      const name = String(row.name);
      const sql = String(row.sql);
      if (name.startsWith('_') || name.startsWith('sqlite_')) continue;
      const keys = db
        .prepare(`SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk`)
        .all(name)
        .map((r) => String(r.name));
      const order = keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'rowid';
      const rows = db
        .prepare(`SELECT * FROM "${name}" ORDER BY ${order}`)
        .all()
        .map((row) => ({ ...row }));
      tables[name] = { sql, rows };
    }
    return { tables };
  } finally {
    db.close();
  }
}

/**
 * KV's entries as miniflare stores them: key, metadata and the stored value, byte for byte.
 * @param {string} stateDir
 */
function readKv(stateDir) {
  const kvDir = join(stateDir, 'v3/kv');
  /** @type {Map<string, { metadata: string, value: string | null }>} */
  const entries = new Map();
  const namespaceDir = join(kvDir, 'miniflare-KVNamespaceObject');
  for (const file of readdirSync(namespaceDir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')) {
    const db = new DatabaseSync(join(namespaceDir, file), { readOnly: true });
    try {
      for (const row of db.prepare('SELECT key, blob_id, metadata FROM _mf_entries').all()) {
        const blobs = readdirSync(kvDir)
          .map((ns) => join(kvDir, ns, 'blobs', String(row.blob_id)))
          .filter((path) => existsSync(path));
        entries.set(String(row.key), { metadata: String(row.metadata), value: blobs[0] ? readFileSync(blobs[0], 'utf8') : null });
      }
    } finally {
      db.close();
    }
  }
  return entries;
}

/**
 * Rebuild the session from a room.json the way RoomStorage.load does (meta doc + track
 * rows, then the log after compactedVersion replayed in version order).
 * @param {RoomDump} room
 */
function replayRoom(room) {
  /** @param {string} name */
  const rows = (name) => tableRows(room, name);
  const meta = Object.fromEntries(rows('meta').map((r) => [r.key, r.value]));
  const { trackOrder, ...doc } = /** @type {Session & { trackOrder: string[] }} */ (JSON.parse(meta.doc));
  const counters = JSON.parse(meta.counters);
  const tracks = new Map(rows('tracks').map((r) => [r.id, JSON.parse(r.json)]));
  /** @type {Session} */
  let session = { ...doc, tracks: trackOrder.map((id) => tracks.get(id)) };
  let version = counters.compactedVersion;
  const tail = rows('log')
    .filter((r) => r.version > version)
    .sort((x, y) => x.version - y.version);
  for (const entry of tail) {
    if (entry.version !== version + 1) throw new Error(`the log has a hole before version ${entry.version}`);
    const result = core.applyMutation(session, JSON.parse(entry.mutation), entry.at);
    if (!result.ok) throw new Error(`logged version ${entry.version} does not apply: ${result.message}`);
    session = result.session;
    version = entry.version;
  }
  return { id: meta.id, counters, session, version, tail };
}

// ---- the client's saved record, from a real browser ------------------------------------------

/**
 * @param {Server} server
 * @param {string} sessionId
 * @param {Record<'kick' | 'snare' | 'bass' | 'pad', string>} trackNames
 * @param {number} versionAfterOnlineEdits
 */
async function browserRecord(server, sessionId, trackNames, versionAfterOnlineEdits) {
  const { chromium, expect } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As playwright.config.ts launches it.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const status = page.getByTestId('connection-status');
    /** @param {string} track @param {number} n */
    const cell = (track, n) => page.getByRole('gridcell', { name: `${track} step ${n}`, exact: true });
    await page.goto(`${server.base}/s/${sessionId}`);
    await expect(status).toContainText('Connected', { timeout: 30_000 });
    // Online edits first, so the record has a confirmed state with its own changes and nextSeq > 1.
    await cell(trackNames.kick, 3).click();
    await cell(trackNames.snare, 6).click();
    await expect(status).toHaveText('Connected');
    const dump = () =>
      page.evaluate(() => {
        /** @param {Storage} storage */
        const all = (storage) =>
          Object.fromEntries(Array.from({ length: storage.length }, (_, i) => String(storage.key(i))).map((k) => [k, storage.getItem(k)]));
        return { localStorage: all(localStorage), sessionStorage: all(sessionStorage) };
      });
    /**
     * @param {Awaited<ReturnType<typeof dump>>} storage
     * @param {string} prefix
     */
    const saved = (storage, prefix) => {
      const entry = Object.entries(storage.localStorage).find(([k]) => k.startsWith(`${prefix}${sessionId}:`));
      return entry?.[1] ? JSON.parse(entry[1]) : null;
    };
    // The confirmed snapshot is saved throttled: let it catch up with the online edits.
    await poll(
      'the confirmed snapshot with the online edits',
      async () => saved(await dump(), 'kb:confirmed:')?.version === versionAfterOnlineEdits,
    );
    await context.setOffline(true);
    await expect(status).toContainText(/Offline|Reconnecting/);
    await cell(trackNames.kick, 15).click();
    await cell(trackNames.bass, 2).click();
    await cell(trackNames.pad, 1).click();
    await expect(status).toContainText('3 unsynced');
    return await poll('the saved record with the 3 offline edits pending', async () => {
      const storage = await dump();
      const record = saved(storage, 'kb:client:');
      return record?.pending.length === 3 && record.nextSeq === 6 ? storage : null;
    });
  } finally {
    await browser.close();
  }
}

// ---- the checks ---------------------------------------------------------------------------------

const DEFAULT_TRACK = core.makeTrack({ id: 'x', name: 'x', instrument: 'piano' });

/**
 * Does the session exercise every stored value the brief (issue 11's fixtures) asks for?
 * @param {Session} session
 * @param {string} where
 */
function checkSessionContent(session, where) {
  const tracks = session.tracks;
  const instruments = tracks.map((t) => core.instrumentInfo(t.instrument));
  check(tracks.length >= 6, `${where}: at least 6 tracks (has ${tracks.length})`);
  check(instruments.some((i) => i && !i.melodic) && instruments.some((i) => i?.melodic), `${where}: drum and melodic tracks`);
  check(tracks.filter((t) => /[^\p{ASCII}]/u.test(t.name)).length >= 4, `${where}: non-ASCII track names`);
  check(/\p{Extended_Pictographic}/u.test(session.name) && /[éèêàçñïü]/.test(session.name), `${where}: emoji and accents in the name`);
  for (const length of [3, 7, 32, 128])
    check(
      tracks.some((t) => t.length === length),
      `${where}: a track of length ${length}`,
    );
  check(
    tracks.some((t) => t.steps.some((on, i) => on && i >= t.length)),
    `${where}: steps set past a track's length`,
  );
  check(
    tracks.some((t) => new Set(t.velocities).size >= 5),
    `${where}: varied velocities`,
  );
  const pitches = tracks.flatMap((t) => t.pitches);
  check(pitches.some((p) => p < 0) && pitches.some((p) => p > 0), `${where}: negative and positive pitches`);
  check(
    tracks.some((t) => t.volume !== DEFAULT_TRACK.volume),
    `${where}: a volume not at its default`,
  );
  check(
    tracks.some((t) => t.pan !== DEFAULT_TRACK.pan),
    `${where}: a pan not at its default`,
  );
  const defaults = core.emptySession(0).effects;
  check(
    core.EFFECT_NAMES.every((k) => session.effects[k] !== defaults[k]),
    `${where}: every effect changed`,
  );
  check(!Number.isInteger(session.tempo) && session.swing > 0, `${where}: decimal tempo and swing`);
  check(session.lineage.remixedFrom !== null, `${where}: remixed-from lineage`);
  /** @param {unknown[]} list */
  const full = (list) => list.length === core.LIMITS.maxSteps;
  check(
    tracks.every((t) => full(t.steps) && full(t.velocities) && full(t.pitches)),
    `${where}: every track array full length`,
  );
}

// ---- the two runs ---------------------------------------------------------------------------------

function build() {
  if (options['skip-build']) return;
  const result = spawnSync(process.execPath, [VITE, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}

async function writeFixtures() {
  const out = resolve(options.out ?? join(ROOT, `test/fixtures/v${MODEL_VERSION}`));
  if (existsSync(out)) throw new Error(`${relative(ROOT, out)} exists: fixtures are never rewritten, only added for a new version`);
  build();
  const stateDir = mkdtempSync(join(tmpdir(), 'keyboardia-fixtures-'));
  const server = await startServer('preview', Number(options.port), stateDir);
  /** @type {Record<string, any>} */
  const files = {};
  /** @type {Record<string, unknown>} */
  let facts = {};
  try {
    console.log(`writing v${MODEL_VERSION} fixtures from ${server.base}, state in ${stateDir}`);
    const made = await makeSession(server);
    const { id, editors } = made;
    const expected = await roomSnapshot(server, id);
    // Editors are still connected: the tail after the last compaction is on disk, unfolded.
    const room = dumpRoom(findRoomDatabase(stateDir, id));
    const replayed = replayRoom(room);
    check(replayed.id === id, 'room.json: meta id is the session');
    check(replayed.version === expected.version, `room.json replays to version ${replayed.version}, the room said ${expected.version}`);
    check(canonical(replayed.session) === canonical(expected.session), 'room.json replays to the session the room reported');
    check(expected.version > LOG_SLOTS, `more than ${LOG_SLOTS} versions, so the log ring wrapped (${expected.version})`);
    const { compactedVersion } = replayed.counters;
    check(compactedVersion >= COMPACT_EVERY && replayed.tail.length > 0, `compacted (${compactedVersion}), tail (${replayed.tail.length})`);
    const tailTypes = new Set(replayed.tail.map((r) => JSON.parse(r.mutation).type));
    const types = core.MUTATION_TYPES.length;
    check(tailTypes.size === types, `the tail holds every mutation type (${tailTypes.size} of ${types})`);
    check(
      tableRows(room, 'log').some((r) => r.slot !== r.version),
      'the log ring wrapped (a slot that is not its version)',
    );
    check(tableRows(room, 'refusals').length >= 3, 'refusals recorded');
    check(tableRows(room, 'clients').length >= 2, 'clients folded by compaction');
    check(
      !tableRows(room, 'clients').some((r) => r.client_id === editors[2]?.clientId),
      'a writer only in the tail is not yet in `clients`',
    );
    const { clap } = made.ids;
    check(
      tableRows(room, 'tracks').some((r) => r.id === clap) && !expected.session.tracks.some((t) => t.id === clap),
      'a track row the tail deletes',
    );
    checkSessionContent(expected.session, 'expected.json');
    files['room.json'] = roomJson(room);
    files['expected.json'] = {
      version: expected.version,
      session: expected.session,
      // What the writers were told: a resend of an acknowledged clientSeq must be acked, a refused one refused again.
      acknowledged: Object.fromEntries(editors.map((e) => [e.clientId, e.lastAcked])),
      refused: editors.flatMap((e) => e.refused.map(({ clientId, clientSeq, code }) => ({ clientId, clientSeq, code }))),
    };

    // The last editor leaves: the room compacts and writes the KV projection.
    for (const editor of editors) editor.close();
    const session = await poll('the KV projection at the final version', async () => {
      const doc = await http(server.base, 'GET', `/api/sessions/${id}`);
      return doc.version === expected.version ? doc : null;
    });
    const { id: docId, version, createdAt, updatedAt, ...projected } = session;
    check(docId === id && Number.isFinite(createdAt) && updatedAt >= createdAt, 'session.json: id, createdAt, updatedAt');
    check(canonical(projected) === canonical(expected.session), 'session.json holds the session the room reported');
    files['session.json'] = session;

    // Publish the session; remix the beat and the session.
    const published = await http(server.base, 'POST', `/api/sessions/${id}/publish`);
    const beat = await http(server.base, 'GET', `/api/beats/${published.beatId}`);
    check(beat.lineage.remixedFrom?.kind === 'beat' && beat.lineage.remixedFrom.id === made.originBeat, 'beat.json keeps its beat lineage');
    check(!JSON.stringify(beat).includes(id), 'beat.json never names its session');
    files['beat.json'] = beat;
    const kv = readKv(stateDir);
    const galleryEntry = [...kv].find(([key]) => key.startsWith('gallery:') && key.endsWith(`:${beat.beatId}`));
    const page = await http(server.base, 'GET', '/api/beats?limit=50');
    const card = page.beats.find((/** @type {{ beatId: string }} */ c) => c.beatId === beat.beatId);
    const stored = galleryEntry && JSON.parse(galleryEntry[1].metadata);
    check(
      !!stored && !!card && canonical(stored) === canonical(card),
      'gallery.json: the stored metadata is the card GET /api/beats serves',
    );
    if (galleryEntry)
      files['gallery.json'] = { key: galleryEntry[0], metadata: JSON.parse(galleryEntry[1].metadata), value: galleryEntry[1].value };
    check(JSON.stringify(beat) === kv.get(`beat:${beat.beatId}`)?.value, 'beat.json is the stored value');
    check(JSON.stringify(session) === kv.get(`session:${id}`)?.value, 'session.json is the stored value');

    const remixOfBeat = await http(server.base, 'POST', `/api/beats/${beat.beatId}/remix`);
    const remixOfSession = await http(server.base, 'POST', `/api/sessions/${id}/remix`);
    files['remix-of-beat.json'] = await http(server.base, 'GET', `/api/sessions/${remixOfBeat.id}`);
    files['remix-of-session.json'] = await http(server.base, 'GET', `/api/sessions/${remixOfSession.id}`);
    check(files['remix-of-beat.json'].lineage.remixedFrom?.kind === 'beat', 'remix-of-beat.json: lineage kind beat');
    check(files['remix-of-session.json'].lineage.remixedFrom?.id === id, 'remix-of-session.json: lineage names the session');

    // The browser's saved record, with edits pending while offline.
    const names = new Map(expected.session.tracks.map((t) => [t.id, t.name]));
    /** @param {string} trackId */
    const nameOf = (trackId) => names.get(trackId) ?? trackId;
    const trackNames = { kick: nameOf('kick'), snare: nameOf('snare'), bass: nameOf(made.ids.bass), pad: nameOf(made.ids.pad) };
    const storage = await browserRecord(server, id, trackNames, expected.version + 2);
    const keys = Object.keys(storage.localStorage);
    for (const prefix of ['kb:identity', 'kb:recent-sessions', `kb:client:${id}:`, `kb:confirmed:${id}:`]) {
      check(
        keys.some((k) => k.startsWith(prefix)),
        `client-record.json: localStorage ${prefix}`,
      );
    }
    check(Object.keys(storage.sessionStorage).includes(`kb:tab-client:${id}`), 'client-record.json: sessionStorage kb:tab-client');
    files['client-record.json'] = storage;

    facts = {
      session: id,
      version: expected.version,
      compactedVersion: replayed.counters.compactedVersion,
      tail: replayed.tail.length,
      logRows: tableRows(room, 'log').length,
      refusals: tableRows(room, 'refusals').length,
      beat: beat.beatId,
      originBeat: made.originBeat,
      clientConfirmedVersion: JSON.parse(Object.entries(storage.localStorage).find(([k]) => k.startsWith('kb:confirmed:'))?.[1] ?? 'null')
        ?.version,
    };
  } finally {
    await stopServer(server);
    if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
  }
  if (problems.length) throw new Error(`the fixtures are not what they should be:\n  ${problems.join('\n  ')}`);

  mkdirSync(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(out, name), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  writeFileSync(join(out, 'README.md'), fixturesReadme(facts));
  console.log(`wrote ${relative(ROOT, out)}: ${JSON.stringify(facts)}`);
}

/** @param {Record<string, unknown>} facts */
function fixturesReadme(facts) {
  return `# Stored documents of model version ${MODEL_VERSION}

Written by ${provenance()} on ${new Date().toISOString().slice(0, 10)},
by running that commit's code: \`npx node scripts/make-fixtures.mjs\` (it builds the app,
serves it with \`vite preview\` in workerd on a throwaway state folder, edits over the real
WebSocket protocol, reads the Durable Object's SQLite file and KV's store, and drives a
real Chromium for the client's record). Nothing here was written by hand.

**Never edit these files.** Every later version must load them with nothing lost; a new
version adds its own \`test/fixtures/v<N>/\` with the same script.

| file | what it holds |
|---|---|
| \`room.json\` | every row of every table of session \`${facts.session}\`'s Durable Object SQLite database (\`meta\`, \`tracks\`, \`log\`, \`clients\`, \`refusals\`), with each table's CREATE statement, read while editors were still connected: version ${facts.version}, compacted at ${facts.compactedVersion}, so the last ${facts.tail} log entries (every mutation type) are not folded into \`tracks\`/\`meta\`/\`clients\`; the ${facts.logRows}-slot log ring has wrapped; ${facts.refusals} refusals |
| \`expected.json\` | what the room reported at that moment (a listener's snapshot: \`version\`, \`session\`), plus what its writers were told: the last acknowledged \`clientSeq\` per \`clientId\` and the refused mutations |
| \`session.json\` | the session's KV projection (\`GET /api/sessions/<id>\`) after the last editor left: the same session at the same version, with \`id\`, \`createdAt\`, \`updatedAt\`. A legacy KV document (no DO storage) has this shape too |
| \`beat.json\` | the beat published from that session (\`GET /api/beats/${facts.beat}\`), byte for byte the stored KV value; its lineage names the beat the session was remixed from (\`${facts.originBeat}\`) |
| \`gallery.json\` | the beat's gallery entry in KV: its \`key\`, its \`metadata\` (the card \`GET /api/beats\` serves) and its (empty) \`value\` |
| \`remix-of-beat.json\`, \`remix-of-session.json\` | the KV documents of a remix of the beat and of the session, as created |
| \`client-record.json\` | every \`localStorage\` and \`sessionStorage\` key the editor wrote in Chromium (raw strings) for the same session, opened afterwards: two edits made online and acknowledged (its confirmed snapshot is at version ${facts.clientConfirmedVersion}), then three made offline, still pending |

\`room.json\` leaves out the runtime's own table (\`__miniflare_do_name\` locally, \`_cf_*\` in
production), which \`ctx.storage.sql\` cannot write; the backstop alarm is kept by the
runtime outside the database. To rebuild the room, run each table's \`sql\` and insert its
rows as they are (\`log.at\` is a REAL column).
`;
}

/** Fill a persisted state folder under `npm start`, as someone running today's code would. */
async function writeDevState() {
  const dir = resolve(String(options['dev-state']));
  const stateDir = join(dir, 'state');
  if (existsSync(stateDir)) throw new Error(`${stateDir} exists: choose an empty folder`);
  mkdirSync(stateDir, { recursive: true });
  const server = await startServer('dev', Number(options.port), stateDir);
  /** @type {Awaited<ReturnType<typeof makeSession>>} */
  let made;
  /** @type {Awaited<ReturnType<typeof roomSnapshot>>} */
  let closedAt;
  /** @type {Awaited<ReturnType<typeof roomSnapshot>>} */
  let final;
  /** @type {{ beatId: string }} */
  let published;
  /** @type {{ id: string }} */
  let remixOfSession;
  try {
    console.log(`filling ${stateDir} through npm start at ${server.base}`);
    made = await makeSession(server);
    const { id, editors } = made;
    // Everyone leaves: compaction and the KV projection; then the beat and a remix.
    closedAt = await roomSnapshot(server, id);
    for (const editor of editors) editor.close();
    await poll('the KV projection', async () => (await http(server.base, 'GET', `/api/sessions/${id}`)).version === closedAt.version);
    published = await http(server.base, 'POST', `/api/sessions/${id}/publish`);
    remixOfSession = await http(server.base, 'POST', `/api/sessions/${id}/remix`);
    // Someone comes back and edits: those edits are in the log only (and KV is behind)
    // when the server stops, as it would be after a Ctrl-C in the middle of a jam.
    const back = await Editor.join(server, id, 'Dana');
    await back.mustApply({ type: 'set_step', trackId: 'kick', step: 1, on: true });
    await back.mustApply({ type: 'set_velocity', trackId: 'kick', step: 1, velocity: 77 });
    await back.mustApply({ type: 'set_session_name', name: 'Nuit blanche — après ☕' });
    final = await roomSnapshot(server, id);
  } finally {
    await stopServer(server);
  }
  const room = replayRoom(dumpRoom(findRoomDatabase(stateDir, made.id)));
  const same = room.version === final.version && canonical(room.session) === canonical(final.session);
  check(same, 'the state on disk replays to the last snapshot');
  check(room.tail.length === 3, `three edits left unfolded (${room.tail.length})`);
  const kv = readKv(stateDir);
  const kvDoc = JSON.parse(kv.get(`session:${made.id}`)?.value ?? 'null');
  check(kvDoc?.version === closedAt.version, 'KV holds the version from when everyone left');
  const beat = JSON.parse(kv.get(`beat:${published.beatId}`)?.value ?? 'null');
  check(beat !== null, 'the beat is in KV');
  checkSessionContent(final.session, 'dev state');
  if (problems.length) throw new Error(`the state is not what it should be:\n  ${problems.join('\n  ')}`);

  /** @param {Session} s */
  const summary = (s) =>
    s.tracks
      .map((t) => {
        const on = t.steps.flatMap((isOn, i) => (isOn ? [i] : [])).join(' ');
        return `    ${t.id.padEnd(14)} ${JSON.stringify(t.name).padEnd(22)} ${t.instrument.padEnd(13)} length ${String(t.length).padStart(3)}, on: ${on}`;
      })
      .join('\n');
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify({ session: made.id, final, whenEveryoneLeft: closedAt, beat }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'README.txt'),
    `Keyboardia state written by model version ${MODEL_VERSION}, ${provenance().replaceAll('`', '')}, under \`npm start\`
(vite dev, persisted state), by: npx node scripts/make-fixtures.mjs --dev-state ${dir}
Start a later version on it with: KEYBOARDIA_STATE_DIR=${stateDir} npm start
(copy the whole state/ folder first if you want to keep this one: SQLite -wal files included).

Session ${made.id}  (open /s/${made.id})
  Durable Object: version ${final.version}, compacted at ${room.counters.compactedVersion}; the last ${room.tail.length} edits
  (kick step 2 on at velocity 77, the name "${final.session.name}") are only in the log:
  an editor was connected when the server was stopped with SIGINT.
  KV (GET /api/sessions/<id>): version ${closedAt.version}, from when everyone had left; behind the room by ${final.version - closedAt.version}.
  Name "${final.session.name}", tempo ${final.session.tempo}, swing ${final.session.swing},
  effects ${JSON.stringify(final.session.effects)}, timeline together=${final.session.timeline.together} playing=${final.session.timeline.playing},
  remixed from beat ${made.originBeat}. Tracks (steps on, 0-based):
${summary(final.session)}
  The full state the room reported just before the stop is in expected.json ("final").

Beat ${published.beatId}  (open /b/${published.beatId}): published from that session at version ${closedAt.version},
  "${beat.name}", ${beat.tracks.length} tracks, lineage: remixed from beat ${made.originBeat}. Full document in expected.json ("beat").
Beat ${made.originBeat}: the "Lo-fi keys" template published as "Origine — lo-fi ☕" (session ${made.origin}).
Session ${remixOfSession.id}: a remix of the session at version ${closedAt.version} (lineage kind "session").
`,
  );
  console.log(
    `wrote ${dir}: session ${made.id} at version ${final.version} (compacted ${room.counters.compactedVersion}), beat ${published.beatId}`,
  );
}

try {
  await withTimeout(options['dev-state'] ? writeDevState() : writeFixtures(), 15 * 60_000, 'make-fixtures');
  process.exit(0);
} catch (error) {
  console.error(`make-fixtures: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
