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
//   npx node scripts/make-fixtures.mjs --check-dev-state /work/v1-state
//                       starts this commit's `npm start` on such a folder (written by any
//                       earlier version) and checks every session and beat in it opens
//                       with every value intact (one written before model 3: each track's
//                       steps as its row in pattern A) and takes edits; upgrades it in place
//
// N is core's MODEL_VERSION, or 1 for the code from before it existed. The script
// refuses to overwrite a folder that exists: fixtures are only ever added.
//
// How: the built app runs under `vite preview` (the Worker, the Durable Object and KV in
// workerd) on a throwaway KEYBOARDIA_STATE_DIR. Protocol clients (docs/PROTOCOL.md) edit
// a session past at least one compaction and stop with edits still in the log; the room's
// SQLite file is then read as it is on disk, and the KV documents through the HTTP API
// and KV's own store. A real Chromium writes the client's saved record. Every file is
// checked before it is written (see `check`), and room.json is replayed the way
// RoomStorage loads it, to prove it holds exactly the state the room reported. It reads
// either storage layout: 1 (the first release: meta/tracks/log/clients tables) and 2
// (a `state` table whose one 'snapshot' row holds the folded session, and the log ring).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Conn, hello, mutate } from './bench/wsclient.mjs';
import { rng, sleep, withTimeout } from './bench/lib.mjs';
import { registerTypeScriptHooks } from './typescript-hooks.mjs';

/** @import { Mutation, Pattern, PatternId, Row, Session } from '../core/index.ts' */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const { values: options } = parseArgs({
  options: {
    out: { type: 'string' },
    port: { type: 'string', default: process.env.E2E_PORT ?? '4415' },
    'skip-build': { type: 'boolean', default: false },
    'dev-state': { type: 'string' },
    'check-dev-state': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

// ---- the shared model, from its .ts sources (scripts/typescript-hooks.mjs) ---------------------

registerTypeScriptHooks('npx node scripts/make-fixtures.mjs');
const core = await import('../core/index.ts');
// The room's storage module needs the Workers types to type-check (SqlStorage): it is
// loaded untyped, for three of its constants (the first release had no STORAGE_LAYOUT:
// it wrote layout 1).
const roomStorage = /** @type {{ LOG_SLOTS: number, COMPACT_EVERY: number, STORAGE_LAYOUT?: number }} */ (
  await import(pathToFileURL(join(ROOT, 'worker/room/RoomStorage.ts')).href)
);
const { LOG_SLOTS, COMPACT_EVERY } = roomStorage;
const STORAGE_LAYOUT = roomStorage.STORAGE_LAYOUT ?? 1;
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
      if (reply.type === 'error' && reply.code === 'bad_message') {
        // Malformed: the room did not take this clientSeq, so the editor cannot go on.
        throw new Error(`${this.name}: ${mutation.type} is malformed (${reply.message})`);
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

/** A song entry id the way the song editor makes them (app/ui/patterns/SongEditor.tsx). */
const newEntryId = () => `e${newTrackId().slice(1)}`;

/**
 * A row: `length`, these steps on, and velocities, pitches, chords (model 4) and other
 * step arrays (model 5's expression: `{ probabilities: { 3: 35 } }`) where given.
 * @param {number} length
 * @param {number[]} on
 * @param {Record<number, number>} [velocities]
 * @param {Record<number, number>} [pitches]
 * @param {Record<number, number>} [chords]
 * @param {Record<string, Record<number, number>>} [arrays]
 * @returns {Row}
 */
function makeRow(length, on, velocities = {}, pitches = {}, chords = {}, arrays = {}) {
  const row = core.emptyRow(length);
  for (const i of on) row.steps[i] = true;
  for (const [i, v] of Object.entries(velocities)) row.velocities[Number(i)] = v;
  for (const [i, p] of Object.entries(pitches)) row.pitches[Number(i)] = p;
  for (const [i, c] of Object.entries(chords)) row.chords[Number(i)] = c;
  for (const [name, values] of Object.entries(arrays)) {
    const array = /** @type {number[] | undefined} */ (/** @type {Record<string, unknown>} */ (/** @type {unknown} */ (row))[name]);
    if (!Array.isArray(array)) throw new Error(`a row has no step array ${name}`);
    for (const [i, x] of Object.entries(values)) array[Number(i)] = x;
  }
  return row;
}

/** Chord masks (core/fields.ts, domain 'chord') the fixture sets, by name. */
/** (Before model 4 there are no chords: every mask is 0 there, and unused.) @param {number[]} intervals */
const chordOf = (intervals) => (typeof core.chordMask === 'function' ? core.chordMask(intervals) : 0);
const CHORDS = {
  major: chordOf([4, 7]),
  minor: chordOf([3, 7]),
  minor7: chordOf([3, 7, 10]),
  major7: chordOf([4, 7, 11]),
  /** Two octaves wide: a fifth, a tenth and the double octave (the widest interval a chord may hold). */
  wide: chordOf([7, 16, 24]),
};

/**
 * Model 5: a step's condition is stored as its index in core CONDITIONS; by the label the
 * step panel shows ("3:4", "Fill", "1st"…).
 * @param {string} label
 */
function conditionIndex(label) {
  const i = core.CONDITIONS.findIndex((c) => core.conditionLabel(c) === label);
  if (i < 0) throw new Error(`no condition labelled ${label}`);
  return i;
}

/** Model 5's seeds, in the order the fixture sets them (a Re-roll picks any; these are fixed to be spelled out). */
const SEEDS = { folded: 90_210_777, reroll: 1_618_033_988, last: 1_414_213_562 };

/**
 * Model 6's own sounds: three short WAVs, generated (a seeded noise burst, a voice-like
 * tone, a bell) and encoded as the browser encodes them (core encodeWav: 16-bit PCM mono),
 * at three sample rates; each with the names the fixture gives it, in order. The clap and
 * the voice join the kit before the last fold (the voice renamed there), the bell in the
 * tail, where the clap is renamed and the voice added again under another name (which
 * changes nothing); offline, the browser renames the bell.
 */
const SOUNDS = {
  clap: { seconds: 0.3, rate: 24_000, names: { added: 'Clap 👏 maison', renamed: 'Clap ✋ du garage' } },
  voice: { seconds: 0.5, rate: 16_000, names: { added: 'Voix é', renamed: 'Voix — Léa 🎤', again: 'Voix encore' } },
  bell: { seconds: 0.75, rate: 8_000, names: { added: 'Cloche 鐘', offline: 'Cloche 鐘 — grave' } },
};

/**
 * The samples of one of SOUNDS (−1…1), the same on every run.
 * @param {keyof typeof SOUNDS} which
 */
function soundSamples(which) {
  const { seconds, rate } = SOUNDS[which];
  const random = rng(16_000 + seconds * 1000);
  return Array.from({ length: Math.round(seconds * rate) }, (_, i) => {
    const t = i / rate;
    if (which === 'clap') return (random() * 2 - 1) * 0.9 * Math.exp(-t * 18);
    const partials =
      which === 'voice' ? [1, 2, 3, 4, 5].map((n) => [220 * n, 0.5 / n]) : [1, 2.76, 5.4, 8.93].map((r) => [660 * r, 0.35 / r]);
    const envelope = which === 'voice' ? Math.min(1, t * 40) * Math.min(1, (seconds - t) * 20) : Math.exp(-t * 5);
    return envelope * partials.reduce((sum, [hz = 0, gain = 0]) => sum + gain * Math.sin(2 * Math.PI * hz * t), 0);
  });
}

/**
 * One of SOUNDS as the browser would upload it: a WAV of core's format.
 * @param {keyof typeof SOUNDS} which
 */
const soundBytes = (which) => core.encodeWav(soundSamples(which), SOUNDS[which].rate);

/** A sound's key: the SHA-256 of its bytes, lowercase hex (docs/PROTOCOL.md §1.1). @param {Uint8Array} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** One of SOUNDS' key. @param {keyof typeof SOUNDS} which */
const soundKey = (which) => sha256(soundBytes(which));

/** A key no upload ever stored: an add_sound of it, and a track set to play it, are refused. */
const NEVER_UPLOADED = sha256(new TextEncoder().encode('Keyboardia fixtures: a sound never uploaded'));

/**
 * @typedef {{ key: string, bytes: Uint8Array, seconds: number }} OwnSound
 */

/**
 * Upload one of SOUNDS to a session as the browser does (POST …/sounds, the WAV's bytes):
 * its key, bytes and length as the Worker answered them.
 * @param {Server} server
 * @param {string} sessionId
 * @param {keyof typeof SOUNDS} which
 * @param {number} status 201 (stored now) or 200 (already stored)
 * @returns {Promise<OwnSound>}
 */
async function uploadSound(server, sessionId, which, status) {
  const bytes = soundBytes(which);
  const response = await fetch(`${server.base}/api/sessions/${sessionId}/sounds`, {
    method: 'POST',
    headers: { 'Content-Type': 'audio/wav' },
    body: bytes,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  if (response.status !== status) throw new Error(`uploading the ${which}: ${response.status} ${text} (expected ${status})`);
  const answer = JSON.parse(text);
  const key = sha256(bytes);
  if (answer.key !== key || answer.bytes !== bytes.length) throw new Error(`uploading the ${which}: ${text}, its SHA-256 is ${key}`);
  // As the app adds it: its length from the Worker's durationMs.
  return { key, bytes, seconds: answer.durationMs / 1000 };
}

/**
 * Makes the fixture session and everything around it:
 *   origin  a template session, published as `originBeat`;
 *   main    a remix of originBeat (lineage kind 'beat'), edited by editors A, B and C
 *           past LOG_SLOTS versions (the log ring wraps) and several compactions, with a
 *           tail of every kind of mutation after the last compaction, still unfolded.
 * Model 3: patterns B ("Chorus") and C (rows of odd lengths) are added and edited, D is
 * duplicated from B, cleared and deleted, a song of three entries is made, B launched and
 * played, before the last compaction; the tail edits A, B and C, adds, clears and deletes
 * E, grows the song to five entries, changes, moves and deletes some, stops it looping,
 * starts it from a later entry, launches the song, plays it and queues C.
 * Model 4: the key is set to A minor moving the melodic rows of A, B and C (remap) and
 * locked without moving them, chords are set (named ones and a two-octave one) and every
 * sound-shaping field is set on some track, before the last compaction; the tail moves the
 * key to D dorian and undoes it as the editor does (the old key with the moved steps' old
 * notes), sets E phrygian without moving anything, sets more chords (one set and
 * cleared), sets every sound-shaping field again (the nullable ones set and unset), and
 * adds a track carrying its own.
 * Model 5: every step-expression field is set on some step (probability 35, conditions
 * 3:4 and Fill, a ratchet of 4 with a ramp, a note length on a melodic track, nudges
 * either way), pattern C's bass row is put whole with expression, and the seed is set
 * (a Re-roll), before the last compaction; the tail sets every field again (a ratchet
 * set and reset to its default), re-rolls the seed, undoes it as the editor does (core
 * inverseOf) and re-rolls again, pastes a row and adds a track whose rows carry
 * expression.
 * Model 6: two own sounds are uploaded (POST …/sounds) and added (add_sound), a track is
 * set to play one (`sound:<key>`) and the other renamed, before the last compaction; the
 * tail uploads and adds a third and sets another track to play it, renames the first,
 * adds the second again under another name (nothing changes), and has add_sound,
 * set_instrument and rename_sound refused for a sound never uploaded.
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
  const entries = { s1: newEntryId(), s2: newEntryId(), s3: newEntryId(), s4: newEntryId(), s5: newEntryId() };
  /**
   * An add_track as the editor sends it: the track and its (empty) row in A.
   * @param {string} trackId
   * @param {string} name
   * @param {string} instrument
   * @param {number} length
   * @param {string | null} beforeTrackId
   * @returns {Mutation}
   */
  const addTrack = (trackId, name, instrument, length, beforeTrackId) => {
    const { track, row } = core.makeTrack({ id: trackId, name, instrument, length });
    return { type: 'add_track', track, rows: { A: row }, beforeTrackId };
  };
  /** The pattern as the room holds it now (a listener's snapshot: no version is used). @param {PatternId} pattern */
  const patternNow = async (pattern) => {
    const value = (await roomSnapshot(server, id)).session.patterns[pattern];
    if (!value) throw new Error(`pattern ${pattern} is not in use`);
    return value;
  };

  // Structure: names with emoji, accents and CJK; drums and melodic; lengths 3, 7, 32, 128 in A.
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
  await a.mustApply(addTrack(ids.bass, 'Bässline 🎸', 'synth-bass', 16, null));
  await b.mustApply(addTrack(ids.tri, 'Trío △', '808-cowbell', 3, ids.keys));
  await a.mustApply(addTrack(ids.pad, 'Pad ✨ long', 'warm-pad', 128, null));
  await b.mustApply(addTrack(ids.clap, 'Clap 👏', 'electro-clap', 16, ids.hat));
  await a.mustApply(addTrack(ids.temp, 'Temp 🗑', 'organ', 16, null));
  await b.mustApply({ type: 'move_track', trackId: ids.bass, beforeTrackId: ids.kick });
  await a.mustApply({ type: 'set_volume', trackId: ids.kick, volume: 0.93 });
  await a.mustApply({ type: 'set_volume', trackId: ids.pad, volume: 0.35 });
  await b.mustApply({ type: 'set_pan', trackId: ids.hat, pan: -0.4 });
  await b.mustApply({ type: 'set_pan', trackId: ids.keys, pan: 0.25 });
  await a.mustApply({ type: 'set_length', trackId: ids.keys, pattern: 'A', length: 64 });
  await a.mustApply({ type: 'delete_track', trackId: ids.temp });
  // Model 2's per-track fields, folded by the compaction below: transpose either way,
  // a track's own swing (0 is its own setting, not the session's), one set and unset
  // again; the kick, the triangle and the snare keep their defaults here.
  await b.mustApply({ type: 'set_transpose', trackId: ids.bass, transpose: -12 });
  await a.mustApply({ type: 'set_transpose', trackId: ids.keys, transpose: 7 });
  await a.mustApply({ type: 'set_transpose', trackId: ids.clap, transpose: -3 });
  await b.mustApply({ type: 'set_track_swing', trackId: ids.hat, swing: 62.5 });
  await a.mustApply({ type: 'set_track_swing', trackId: ids.pad, swing: 0 });
  await b.mustApply({ type: 'set_track_swing', trackId: ids.snare, swing: 20 });
  await b.mustApply({ type: 'set_track_swing', trackId: ids.tri, swing: 75 });
  await a.mustApply({ type: 'set_track_swing', trackId: ids.tri, swing: null });
  // Refusals, remembered in `refusals`: a step and a transpose on the deleted track, a
  // used id. (A value out of its range is not a refusal but a malformed frame, never
  // stored: the first release refused it as out_of_range and stored it.)
  await a.mustRefuse({ type: 'set_step', trackId: ids.temp, pattern: 'A', step: 3, on: true }, 'unknown_track');
  const usedId = addTrack(ids.kick, 'Kick again', 'studio-kick', 16, null);
  await b.mustRefuse(usedId, 'duplicate_track');
  await b.mustRefuse({ type: 'set_transpose', trackId: ids.temp, transpose: -7 }, 'unknown_track');

  // Steps past the visible length, then shorten: they are kept (failure mode 12).
  for (const step of [9, 12, 15]) await a.mustApply({ type: 'set_step', trackId: ids.bass, pattern: 'A', step, on: true });
  await a.mustApply({ type: 'set_velocity', trackId: ids.bass, pattern: 'A', step: 12, velocity: 31 });
  await a.mustApply({ type: 'set_pitch', trackId: ids.bass, pattern: 'A', step: 12, pitch: -12 });
  await a.mustApply({ type: 'set_length', trackId: ids.bass, pattern: 'A', length: 7 });
  for (const step of [40, 50, 63]) await b.mustApply({ type: 'set_step', trackId: ids.keys, pattern: 'A', step, on: true });
  await b.mustApply({ type: 'set_pitch', trackId: ids.keys, pattern: 'A', step: 50, pitch: 19 });
  await b.mustApply({ type: 'set_length', trackId: ids.keys, pattern: 'A', length: 32 });
  for (const step of [100, 127]) await a.mustApply({ type: 'set_step', trackId: ids.pad, pattern: 'A', step, on: true });
  await a.mustApply({ type: 'set_pitch', trackId: ids.pad, pattern: 'A', step: 127, pitch: -24 });
  await a.mustApply({ type: 'set_pitch', trackId: ids.pad, pattern: 'A', step: 100, pitch: 24 });
  // A clear and its undo, as the editor sends them.
  await b.mustApply({ type: 'set_steps', trackId: ids.snare, pattern: 'A', steps: core.emptySteps() });
  const template = core.sessionFromTemplate('lofi', 0);
  if (!template) throw new Error('no lofi template');
  const snare = core.rowOf(template, 'A', 'snare');
  await b.mustApply({
    type: 'set_steps',
    trackId: ids.snare,
    pattern: 'A',
    steps: (({ length: _length, ...arrays }) => arrays)(snare),
  });

  // Model 3, folded by the compaction below. Pattern B, "Chorus", edited step by step,
  // with a row pasted from A; adding it again is refused.
  await a.mustApply({ type: 'add_pattern', pattern: 'B', value: core.emptyPattern() });
  await b.mustApply({ type: 'set_pattern_name', pattern: 'B', name: 'Chorus' });
  await b.mustRefuse({ type: 'add_pattern', pattern: 'B', value: core.emptyPattern() }, 'duplicate_pattern');
  for (const step of [0, 4, 8, 12]) await a.mustApply({ type: 'set_step', trackId: ids.kick, pattern: 'B', step, on: true });
  await a.mustApply({ type: 'set_velocity', trackId: ids.kick, pattern: 'B', step: 4, velocity: 64 });
  await b.mustApply({ type: 'set_length', trackId: ids.bass, pattern: 'B', length: 32 });
  for (const step of [3, 20, 30]) await b.mustApply({ type: 'set_step', trackId: ids.bass, pattern: 'B', step, on: true });
  await b.mustApply({ type: 'set_pitch', trackId: ids.bass, pattern: 'B', step: 20, pitch: 5 });
  await b.mustApply({ type: 'set_pitch', trackId: ids.bass, pattern: 'B', step: 30, pitch: -9 });
  await a.mustApply({ type: 'set_row', trackId: ids.snare, pattern: 'B', row: snare });
  // Pattern C: rows of odd lengths only, added whole, then replaced whole (duplicate-into)
  // with two more rows, and a row lengthened.
  /** @type {Pattern} */
  const patternC = {
    name: '',
    rows: {
      [ids.kick]: makeRow(5, [0, 3], { 3: 90 }),
      [ids.hat]: makeRow(7, [0, 2, 4, 6], { 2: 40, 6: 70 }),
      [ids.keys]: makeRow(9, [0, 4, 8], {}, { 4: 5, 8: -3 }),
    },
  };
  await a.mustApply({ type: 'add_pattern', pattern: 'C', value: patternC });
  const moreRows = {
    [ids.bass]: makeRow(
      11,
      [0, 5, 10],
      { 5: 20 },
      { 10: 12 },
      {},
      HAS_MODEL_5
        ? {
            probabilities: { 5: 35 },
            conditions: { 0: conditionIndex('1:2') },
            ratchets: { 0: 3 },
            ramps: { 0: 40 },
            noteLengths: { 10: 4 },
            nudges: { 5: -10 },
          }
        : {},
    ),
    [ids.pad]: makeRow(15, [0, 7, 14], {}, { 7: -24 }, HAS_MODEL_4 ? { 7: CHORDS.major7 } : {}),
  };
  await b.mustApply({ type: 'put_pattern', pattern: 'C', value: { ...patternC, rows: { ...patternC.rows, ...moreRows } } });
  await a.mustApply({ type: 'set_length', trackId: ids.keys, pattern: 'C', length: 13 });
  await a.mustApply({ type: 'set_step', trackId: ids.keys, pattern: 'C', step: 12, on: true });
  // Pattern D: B duplicated into it (as the pattern menu does), edited, cleared, deleted;
  // an edit into it afterwards is refused.
  await b.mustApply({ type: 'add_pattern', pattern: 'D', value: { ...structuredClone(await patternNow('B')), name: 'Chorus copy' } });
  await b.mustApply({ type: 'set_step', trackId: ids.hat, pattern: 'D', step: 10, on: true });
  await a.mustApply({ type: 'put_pattern', pattern: 'D', value: { ...core.emptyPattern(), name: 'Chorus copy' } });
  await a.mustApply({ type: 'delete_pattern', pattern: 'D' });
  await a.mustRefuse({ type: 'set_step', trackId: ids.kick, pattern: 'D', step: 0, on: true }, 'unknown_pattern');
  // The song's first three entries, starting from the second; B cannot go while the song
  // plays it. B is launched at the next bar, then Play at once: B plays from step 0.
  await a.mustApply({ type: 'add_song_entry', entry: { id: entries.s1, pattern: 'A', repeats: 2 }, beforeEntryId: null });
  await b.mustApply({ type: 'add_song_entry', entry: { id: entries.s2, pattern: 'B', repeats: 2 }, beforeEntryId: null });
  await a.mustApply({ type: 'add_song_entry', entry: { id: entries.s3, pattern: 'C', repeats: 1 }, beforeEntryId: null });
  await b.mustRefuse({ type: 'delete_pattern', pattern: 'B' }, 'pattern_in_use');
  await a.mustApply({ type: 'set_song_start', entryId: entries.s2 });
  await b.mustApply({ type: 'launch_pattern', pattern: 'B', when: 'bar' });
  await a.mustApply({ type: 'start_transport', anchorMs: Date.now() });
  await b.mustRefuse({ type: 'start_transport', anchorMs: Date.now() - 60_000 }, 'bad_anchor');

  if (HAS_MODEL_4) {
    // Model 4, folded by the compaction below. The key: A minor, the melodic rows of A, B
    // and C moved into it by the room (remap, no notes), then locked without moving
    // anything (no remap).
    await a.mustApply({ type: 'set_key', key: { root: 9, scale: 'minor', lock: false }, remap: true, notes: null });
    await b.mustApply({ type: 'set_key', key: { root: 9, scale: 'minor', lock: true }, remap: false, notes: null });
    // Chords by name and a wide one, on lit steps and one past a row's length (kept).
    await a.mustApply({ type: 'set_chord', trackId: ids.keys, pattern: 'A', step: 0, chord: CHORDS.major });
    await b.mustApply({ type: 'set_chord', trackId: ids.bass, pattern: 'B', step: 3, chord: CHORDS.minor7 });
    await a.mustApply({ type: 'set_chord', trackId: ids.pad, pattern: 'A', step: 100, chord: CHORDS.wide });
    await b.mustApply({ type: 'set_chord', trackId: ids.bass, pattern: 'A', step: 12, chord: CHORDS.minor });
    await b.mustRefuse({ type: 'set_chord', trackId: ids.temp, pattern: 'A', step: 0, chord: CHORDS.major }, 'unknown_track');
    // Every sound-shaping field away from its default on some track; the nullable ones
    // (decay, sends) set, one of them to 0 (its own setting, not the instrument's).
    await a.mustApply({ type: 'set_filter', trackId: ids.bass, filter: 'lowpass' });
    await a.mustApply({ type: 'set_cutoff', trackId: ids.bass, cutoff: 640 });
    await b.mustApply({ type: 'set_resonance', trackId: ids.bass, resonance: 4.5 });
    await b.mustApply({ type: 'set_drive', trackId: ids.bass, drive: 0.35 });
    await a.mustApply({ type: 'set_attack', trackId: ids.pad, attack: 0.25 });
    await a.mustApply({ type: 'set_decay', trackId: ids.pad, decay: 1.5 });
    await b.mustApply({ type: 'set_reverb_send', trackId: ids.pad, reverbSend: 0.8 });
    await a.mustApply({ type: 'set_tune', trackId: ids.keys, tune: -15 });
    await b.mustApply({ type: 'set_delay_send', trackId: ids.keys, delaySend: 0.3 });
    await a.mustApply({ type: 'set_decay', trackId: ids.hat, decay: 0.12 });
    await b.mustApply({ type: 'set_reverb_send', trackId: ids.kick, reverbSend: 0 });
  }
  if (HAS_MODEL_5) {
    // Model 5, folded by the compaction below: step expression, each field on a step lit
    // in the template or above (the jam below may turn some off: the values stay), and
    // the seed a Re-roll sets.
    await a.mustApply({ type: 'set_probability', trackId: ids.hat, pattern: 'A', step: 6, probability: 35 });
    await b.mustApply({ type: 'set_condition', trackId: ids.kick, pattern: 'B', step: 4, condition: conditionIndex('3:4') });
    await a.mustApply({ type: 'set_condition', trackId: ids.snare, pattern: 'A', step: 4, condition: conditionIndex('Fill') });
    await b.mustApply({ type: 'set_ratchet', trackId: ids.hat, pattern: 'A', step: 14, ratchet: 4 });
    await b.mustApply({ type: 'set_ramp', trackId: ids.hat, pattern: 'A', step: 14, ramp: -60 });
    await a.mustApply({ type: 'set_note_length', trackId: ids.keys, pattern: 'A', step: 6, noteLength: 6 });
    await a.mustApply({ type: 'set_nudge', trackId: ids.kick, pattern: 'A', step: 0, nudge: -15 });
    // (The snare's row is shortened to 12 in the tail: this step is then kept past its length.)
    await b.mustApply({ type: 'set_nudge', trackId: ids.snare, pattern: 'A', step: 12, nudge: 20 });
    await a.mustApply({ type: 'set_seed', seed: SEEDS.folded });
    await b.mustRefuse({ type: 'set_ratchet', trackId: ids.temp, pattern: 'A', step: 0, ratchet: 2 }, 'unknown_track');
  }
  /** Model 6's own sounds, by their role in SOUNDS, once uploaded. @type {Partial<Record<keyof typeof SOUNDS, OwnSound>>} */
  const sounds = {};
  if (HAS_MODEL_6) {
    // Model 6, folded by the compaction below: the clap and the voice uploaded (the clap
    // twice: the second time it is already stored), added to the kit, the triangle set to
    // play the clap, the voice renamed. A sound never uploaded cannot join the kit, nor a
    // track play it.
    const clap = await uploadSound(server, id, 'clap', 201);
    await uploadSound(server, id, 'clap', 200);
    const voice = await uploadSound(server, id, 'voice', 201);
    Object.assign(sounds, { clap, voice });
    await a.mustApply({ type: 'add_sound', key: clap.key, name: SOUNDS.clap.names.added, seconds: clap.seconds });
    await b.mustApply({ type: 'add_sound', key: voice.key, name: SOUNDS.voice.names.added, seconds: voice.seconds });
    await a.mustApply({ type: 'set_instrument', trackId: ids.tri, instrument: core.soundInstrument(clap.key) });
    await b.mustApply({ type: 'rename_sound', key: voice.key, name: SOUNDS.voice.names.renamed });
    await a.mustRefuse({ type: 'add_sound', key: NEVER_UPLOADED, name: 'Fantôme 👻', seconds: 1 }, 'unknown_sound');
    await b.mustRefuse({ type: 'set_instrument', trackId: ids.kick, instrument: core.soundInstrument(NEVER_UPLOADED) }, 'unknown_sound');
  }

  // Jam until the log ring has wrapped: steps, velocities and pitches in A, B and C within
  // each row's visible length (so what lies past it stays as set above), from a seeded
  // source. C is edited only where it has rows, so that its rows keep their odd lengths.
  const random = rng(20_261_207);
  /**
   * @template T
   * @param {T[]} list
   */
  const pick = (list) => /** @type {T} */ (list[Math.floor(random() * list.length)]);
  const before = (await roomSnapshot(server, id)).session;
  /** @type {{ pattern: PatternId, trackId: string, length: number }[]} */
  const rows = [];
  for (const pattern of /** @type {PatternId[]} */ (['A', 'B', 'C'])) {
    for (const t of before.tracks) {
      if (pattern === 'C' && !before.patterns.C?.rows[t.id]) continue;
      rows.push({ pattern, trackId: t.id, length: core.rowOf(before, pattern, t.id).length });
    }
  }
  const melodic = new Set([ids.bass, ids.keys, ids.pad]);
  // Stop at a compaction (a multiple of COMPACT_EVERY) at or past LOG_SLOTS, so that
  // everything after it is the tail, and the ring has wrapped (slot ≠ version).
  const target = Math.ceil(LOG_SLOTS / COMPACT_EVERY) * COMPACT_EVERY;
  let turn = 0;
  while (Math.max(a.version, b.version) < target) {
    const editor = turn++ % 2 ? b : a;
    const r = random();
    if (r < 0.55) {
      const { pattern, trackId, length } = pick(rows);
      await editor.mustApply({ type: 'set_step', trackId, pattern, step: Math.floor(random() * length), on: random() < 0.6 });
    } else if (r < 0.8) {
      const { pattern, trackId, length } = pick(rows);
      const velocity = Math.floor(random() * 128);
      await editor.mustApply({ type: 'set_velocity', trackId, pattern, step: Math.floor(random() * length), velocity });
    } else {
      const { pattern, trackId, length } = pick(rows.filter((x) => melodic.has(x.trackId)));
      const pitch = Math.floor(random() * 49) - 24;
      await editor.mustApply({ type: 'set_pitch', trackId, pattern, step: Math.floor(random() * Math.min(7, length)), pitch });
    }
  }

  // The tail: every kind of mutation after the last compaction, by A and by C (a writer
  // the room's folded writers have never seen), left in the log while they are connected.
  const c = await Editor.join(server, id, 'Chloé');
  await c.mustApply({ type: 'set_step', trackId: ids.bass, pattern: 'A', step: 13, on: true }); // past the length again
  await c.mustApply({ type: 'set_velocity', trackId: ids.kick, pattern: 'A', step: 0, velocity: 127 });
  await c.mustApply({ type: 'set_pitch', trackId: ids.keys, pattern: 'A', step: 2, pitch: -7 });
  const everyThird = { ...core.emptySteps(), steps: Array.from({ length: 128 }, (_, i) => i % 3 === 0) };
  await a.mustApply({ type: 'set_steps', trackId: ids.tri, pattern: 'A', steps: everyThird });
  await c.mustApply({ type: 'set_length', trackId: ids.snare, pattern: 'A', length: 12 });
  await a.mustApply({ type: 'set_track_name', trackId: ids.hat, name: 'Hat ½ · ü' });
  await c.mustApply({ type: 'set_instrument', trackId: ids.kick, instrument: '808-kick' });
  await a.mustApply({ type: 'set_volume', trackId: ids.snare, volume: 0.55 });
  await c.mustApply({ type: 'set_pan', trackId: ids.pad, pan: 0.8 });
  // A track added with its own transpose and swing, and rows in A and C.
  // (Model 4: its own filter, cutoff, tune and delay send, and a chord in C.)
  const zap = core.makeTrack({ id: ids.zap, name: 'Zap ⚡', instrument: 'zap', length: 5 });
  const zapSound = HAS_MODEL_4 ? { filter: 'bandpass', cutoff: 900, tune: 7, delaySend: 0.6 } : {};
  await a.mustApply({
    type: 'add_track',
    track: { ...zap.track, volume: 0.6, pan: -1, transpose: 3, swing: 12.5, ...zapSound },
    rows: {
      A: zap.row,
      C: makeRow(
        7,
        [1, 3],
        { 3: 50 },
        { 1: 7 },
        HAS_MODEL_4 ? { 3: CHORDS.minor } : {},
        // (Model 5: its own expression.)
        HAS_MODEL_5
          ? {
              probabilities: { 1: 35 },
              conditions: { 3: conditionIndex('1st') },
              ratchets: { 3: 2 },
              noteLengths: { 1: 1 },
              nudges: { 1: 5 },
            }
          : {},
      ),
    },
    beforeTrackId: ids.pad,
  });
  await c.mustApply({ type: 'set_transpose', trackId: ids.pad, transpose: -5 });
  await a.mustApply({ type: 'set_track_swing', trackId: ids.kick, swing: 55.5 });
  await c.mustApply({ type: 'set_track_swing', trackId: ids.snare, swing: null });
  await a.mustApply({ type: 'set_transpose', trackId: ids.keys, transpose: 24 });
  await c.mustApply({ type: 'set_step', trackId: ids.zap, pattern: 'A', step: 4, on: true });
  await c.mustApply({ type: 'set_pitch', trackId: ids.zap, pattern: 'A', step: 4, pitch: 12 });
  await a.mustApply({ type: 'move_track', trackId: ids.keys, beforeTrackId: null });
  await c.mustApply({ type: 'delete_track', trackId: ids.clap }); // a row still in `tracks`
  // Model 3 in the tail: B and C edited, C named, a row pasted into B, one of C's cleared
  // (it keeps its length).
  await a.mustApply({ type: 'set_pattern_name', pattern: 'C', name: 'Pont 🌉 — fin' });
  await c.mustApply({ type: 'set_step', trackId: ids.hat, pattern: 'B', step: 14, on: true });
  await c.mustApply({ type: 'set_velocity', trackId: ids.hat, pattern: 'B', step: 14, velocity: 23 });
  await a.mustApply({ type: 'set_pitch', trackId: ids.keys, pattern: 'C', step: 12, pitch: 17 });
  await c.mustApply({ type: 'set_length', trackId: ids.hat, pattern: 'C', length: 3 });
  /** @type {Record<string, Record<number, number>>} */
  const triExpression = HAS_MODEL_5 ? { probabilities: { 0: 80 }, conditions: { 2: conditionIndex('Not fill') }, nudges: { 4: -25 } } : {};
  await a.mustApply({
    type: 'set_row',
    trackId: ids.tri,
    pattern: 'B',
    row: makeRow(6, [0, 2, 4], { 0: 120, 4: 12 }, { 2: 3 }, {}, triExpression),
  });
  await c.mustApply({ type: 'set_steps', trackId: ids.kick, pattern: 'C', steps: core.emptySteps() });
  // Pattern E: C duplicated into it, edited, cleared and deleted; an edit into it afterwards is refused.
  await c.mustApply({ type: 'add_pattern', pattern: 'E', value: { ...structuredClone(await patternNow('C')), name: 'Pont copy' } });
  await a.mustApply({ type: 'set_step', trackId: ids.pad, pattern: 'E', step: 2, on: true });
  await c.mustApply({ type: 'put_pattern', pattern: 'E', value: { ...core.emptyPattern(), name: 'Pont copy' } });
  await a.mustApply({ type: 'delete_pattern', pattern: 'E' });
  await c.mustRefuse({ type: 'set_velocity', trackId: ids.pad, pattern: 'E', step: 2, velocity: 50 }, 'unknown_pattern');
  // The song: two more entries, one changed, one moved, one deleted; no loop; it starts
  // from its third entry. C cannot go while the song plays it.
  await c.mustApply({ type: 'add_song_entry', entry: { id: entries.s4, pattern: 'C', repeats: 3 }, beforeEntryId: entries.s3 });
  await a.mustApply({ type: 'add_song_entry', entry: { id: entries.s5, pattern: 'A', repeats: 1 }, beforeEntryId: null });
  await c.mustApply({ type: 'set_song_entry', entry: { id: entries.s3, pattern: 'B', repeats: 4 } });
  await a.mustApply({ type: 'move_song_entry', entryId: entries.s2, beforeEntryId: entries.s1 });
  await c.mustApply({ type: 'delete_song_entry', entryId: entries.s5 });
  await c.mustRefuse({ type: 'delete_pattern', pattern: 'C' }, 'pattern_in_use');
  await a.mustApply({ type: 'set_song_loop', loop: false });
  await c.mustApply({ type: 'set_song_start', entryId: entries.s4 });
  if (HAS_MODEL_4) {
    // Model 4 in the tail. The key moved to D dorian (the room moves every melodic row),
    // then undone as the editor's undo sends it: the old key, no remap, and the old pitch
    // and chord of exactly the steps the change moved (core inverseOf); then E phrygian
    // (the same notes as A minor) set without moving anything.
    const beforeMove = (await roomSnapshot(server, id)).session;
    /** @type {Mutation} */
    const dorian = { type: 'set_key', key: { root: 2, scale: 'dorian', lock: true }, remap: true, notes: null };
    await c.mustApply(dorian);
    const undo = core.inverseOf(beforeMove, dorian);
    if (undo?.type !== 'set_key' || !undo.notes) throw new Error(`the undo of a key change is ${JSON.stringify(undo)}`);
    await c.mustApply(undo);
    await a.mustApply({ type: 'set_key', key: { root: 4, scale: 'phrygian', lock: true }, remap: false, notes: null });
    // Chords in the tail: by name on a lit step, a wide one, one set and cleared.
    await c.mustApply({ type: 'set_chord', trackId: ids.keys, pattern: 'C', step: 4, chord: CHORDS.minor });
    await a.mustApply({ type: 'set_chord', trackId: ids.bass, pattern: 'C', step: 10, chord: CHORDS.wide });
    await c.mustApply({ type: 'set_chord', trackId: ids.pad, pattern: 'B', step: 5, chord: CHORDS.major });
    await a.mustApply({ type: 'set_chord', trackId: ids.pad, pattern: 'B', step: 5, chord: 0 });
    // Sound shaping in the tail: every setter, the nullable ones set and unset.
    await c.mustApply({ type: 'set_filter', trackId: ids.hat, filter: 'highpass' });
    await a.mustApply({ type: 'set_cutoff', trackId: ids.hat, cutoff: 5200 });
    await c.mustApply({ type: 'set_resonance', trackId: ids.hat, resonance: 8 });
    await a.mustApply({ type: 'set_attack', trackId: ids.keys, attack: 0.01 });
    await c.mustApply({ type: 'set_decay', trackId: ids.pad, decay: null });
    await a.mustApply({ type: 'set_decay', trackId: ids.snare, decay: 0.3 });
    await c.mustApply({ type: 'set_tune', trackId: ids.kick, tune: 25 });
    await a.mustApply({ type: 'set_drive', trackId: ids.zap, drive: 0.8 });
    await c.mustApply({ type: 'set_reverb_send', trackId: ids.kick, reverbSend: null });
    await a.mustApply({ type: 'set_delay_send', trackId: ids.bass, delaySend: 0.45 });
    await c.mustApply({ type: 'set_delay_send', trackId: ids.keys, delaySend: null });
    await c.mustRefuse({ type: 'set_cutoff', trackId: ids.clap, cutoff: 300 }, 'unknown_track');
  }
  if (HAS_MODEL_5) {
    // Model 5 in the tail: every expression setter again (the nudge at both ends of its
    // range, the longest note length), a ratchet set and reset to its default; the seed
    // re-rolled, undone as the editor's undo sends it (core inverseOf: the old seed), and
    // re-rolled again.
    await c.mustApply({ type: 'set_probability', trackId: ids.keys, pattern: 'C', step: 4, probability: 35 });
    await a.mustApply({ type: 'set_condition', trackId: ids.hat, pattern: 'B', step: 14, condition: conditionIndex('Fill') });
    await c.mustApply({ type: 'set_condition', trackId: ids.kick, pattern: 'A', step: 10, condition: conditionIndex('Prev fired') });
    await a.mustApply({ type: 'set_ratchet', trackId: ids.zap, pattern: 'A', step: 4, ratchet: 4 });
    await c.mustApply({ type: 'set_ramp', trackId: ids.zap, pattern: 'A', step: 4, ramp: 50 });
    await a.mustApply({ type: 'set_note_length', trackId: ids.pad, pattern: 'A', step: 100, noteLength: 2 * core.LIMITS.maxNoteSteps });
    await c.mustApply({ type: 'set_nudge', trackId: ids.bass, pattern: 'B', step: 20, nudge: -50 });
    await a.mustApply({ type: 'set_nudge', trackId: ids.bass, pattern: 'B', step: 30, nudge: 50 });
    await c.mustApply({ type: 'set_ratchet', trackId: ids.pad, pattern: 'B', step: 5, ratchet: 2 });
    await a.mustApply({ type: 'set_ratchet', trackId: ids.pad, pattern: 'B', step: 5, ratchet: 1 });
    const beforeReroll = (await roomSnapshot(server, id)).session;
    /** @type {Mutation} */
    const reroll = { type: 'set_seed', seed: SEEDS.reroll };
    await c.mustApply(reroll);
    const undoReroll = core.inverseOf(beforeReroll, reroll);
    if (undoReroll?.type !== 'set_seed' || undoReroll.seed !== SEEDS.folded) {
      throw new Error(`the undo of a Re-roll is ${JSON.stringify(undoReroll)}`);
    }
    await c.mustApply(undoReroll);
    await a.mustApply({ type: 'set_seed', seed: SEEDS.last });
    await c.mustRefuse({ type: 'set_nudge', trackId: ids.clap, pattern: 'A', step: 0, nudge: 10 }, 'unknown_track');
  }
  if (HAS_MODEL_6 && sounds.clap && sounds.voice) {
    // Model 6 in the tail: the bell uploaded and added, the snare set to play it; the clap
    // renamed; the voice added again under another name, as a second editor adding the
    // same recording would (the kit keeps its name); a rename of a sound not in the kit
    // refused.
    const bell = await uploadSound(server, id, 'bell', 201);
    sounds.bell = bell;
    await c.mustApply({ type: 'add_sound', key: bell.key, name: SOUNDS.bell.names.added, seconds: bell.seconds });
    await a.mustApply({ type: 'set_instrument', trackId: ids.snare, instrument: core.soundInstrument(bell.key) });
    await c.mustApply({ type: 'rename_sound', key: sounds.clap.key, name: SOUNDS.clap.names.renamed });
    await a.mustApply({ type: 'add_sound', key: sounds.voice.key, name: SOUNDS.voice.names.again, seconds: sounds.voice.seconds });
    await c.mustRefuse({ type: 'rename_sound', key: NEVER_UPLOADED, name: 'Fantôme 👻' }, 'unknown_sound');
  }
  // The song launched at the next bar, Play at once (the song plays from step 0), and C
  // queued for the end of what plays.
  await a.mustApply({ type: 'launch_pattern', pattern: null, when: 'bar' });
  await c.mustApply({ type: 'start_transport', anchorMs: Date.now() });
  await a.mustApply({ type: 'launch_pattern', pattern: 'C', when: 'end' });
  await a.mustApply({ type: 'set_tempo', tempo: 101.5 });
  await c.mustApply({ type: 'set_swing', swing: 41 });
  await a.mustApply({ type: 'set_session_name', name: 'Nuit blanche — café ☕ 🎛️ naïve' });
  await c.mustApply({ type: 'set_effect', param: 'reverb', value: 0.58 });
  await a.mustApply({ type: 'set_play_together', together: true });
  await c.mustApply({ type: 'set_playing', playing: true });
  await a.mustRefuse({ type: 'set_step', trackId: ids.clap, pattern: 'A', step: 0, on: true }, 'unknown_track');

  return { id, origin: origin.id, originBeat: originBeat.beatId, editors: [a, b, c], ids, entries, sounds };
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
 * The session id a room's database holds: layout 1's meta 'id' row, or layout 2's
 * snapshot row; null for a database of neither (a room never seeded).
 * @param {import('node:sqlite').DatabaseSync} db
 */
function roomIdOf(db) {
  /** @param {string} name */
  const has = (name) => db.prepare(`SELECT 1 FROM sqlite_master WHERE type='table' AND name=?`).get(name);
  if (has('state')) {
    const row = db.prepare(`SELECT value FROM state WHERE key='snapshot'`).get();
    return row ? String(JSON.parse(String(row.value)).id) : null;
  }
  if (has('meta')) return String(db.prepare(`SELECT value FROM meta WHERE key='id'`).get()?.value ?? '') || null;
  return null;
}

/**
 * Every session Durable Object's SQLite file in a state folder, by the session id it holds.
 * @param {string} stateDir
 */
function roomDatabases(stateDir) {
  const doDir = join(stateDir, 'v3/do');
  /** @type {Map<string, string>} */
  const found = new Map();
  for (const objects of readdirSync(doDir).filter((d) => d.endsWith('-SessionRoom'))) {
    for (const file of readdirSync(join(doDir, objects)).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite')) {
      const path = join(doDir, objects, file);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const id = roomIdOf(db);
        if (id) found.set(id, path);
      } finally {
        db.close();
      }
    }
  }
  return found;
}

/**
 * The SQLite file of one session's Durable Object, found by the id it holds.
 * @param {string} stateDir
 * @param {string} sessionId
 */
function findRoomDatabase(stateDir, sessionId) {
  const path = roomDatabases(stateDir).get(sessionId);
  if (!path) throw new Error(`no Durable Object database holds session ${sessionId} under ${join(stateDir, 'v3/do')}`);
  return path;
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
 * The storage layout of a room's dump: 2 has the `state` table (one 'snapshot' row), 1
 * the `meta`/`tracks`/`clients` tables of the first release.
 * @param {RoomDump} room
 */
function layoutOf(room) {
  if (room.tables.state) return 2;
  if (room.tables.meta) return 1;
  throw new Error(`not a room database: tables ${Object.keys(room.tables).join(', ')}`);
}

/**
 * Rebuild the session from a room.json the way RoomStorage loads it in its layout:
 *   layout 1  the meta doc + track rows, `clients` for the writers;
 *   layout 2  the 'snapshot' row of `state` (the session, its version, the writers);
 * then, in both, the log after the folded version replayed in version order, and each
 * writer's last processed clientSeq rebuilt from the folded writers, the replayed log
 * and the refusals. Stricter than the room: a hole in the log or an entry that does not
 * apply is an error here (the room stops at a hole and skips such an entry).
 * @param {RoomDump} room
 */
function replayRoom(room) {
  /** @param {string} name */
  const rows = (name) => tableRows(room, name);
  const layout = layoutOf(room);
  /** @type {string} */
  let id;
  /** @type {{ compactedVersion: number, publishedVersion: number, kvWrites: number, createdAt?: number }} */
  let counters;
  /** @type {Session} */
  let folded;
  /** @type {Record<string, number>} */
  let foldedWriters;
  /** The snapshot row (layout 2). @type {Record<string, any> | null} */
  let snapshot = null;
  if (layout === 1) {
    const meta = Object.fromEntries(rows('meta').map((r) => [r.key, r.value]));
    const { trackOrder, ...doc } = /** @type {Session & { trackOrder: string[] }} */ (JSON.parse(meta.doc));
    id = meta.id;
    counters = JSON.parse(meta.counters);
    const tracks = new Map(rows('tracks').map((r) => [r.id, JSON.parse(r.json)]));
    folded = { ...doc, tracks: trackOrder.map((t) => tracks.get(t)) };
    foldedWriters = Object.fromEntries(rows('clients').map((r) => [r.client_id, r.last_seq]));
  } else {
    const stateRows = rows('state');
    const row = stateRows.find((r) => r.key === 'snapshot');
    if (!row) throw new Error('layout 2 without its snapshot row');
    if (stateRows.length !== 1) throw new Error(`layout 2: unexpected state rows ${stateRows.map((r) => r.key).join(', ')}`);
    snapshot = JSON.parse(row.value);
    const s = /** @type {Record<string, any>} */ (snapshot);
    if (s.layout !== 2) throw new Error(`the snapshot row says layout ${s.layout}`);
    // This code replays in its own model only (an older snapshot goes through core's migrate in the room).
    if (s.model !== MODEL_VERSION) throw new Error(`the snapshot is model ${s.model}; this code is model ${MODEL_VERSION}`);
    id = s.id;
    counters = { compactedVersion: s.version, publishedVersion: s.publishedVersion, kvWrites: s.kvWrites, createdAt: s.createdAt };
    folded = s.session;
    foldedWriters = s.writers;
  }
  let session = folded;
  let version = counters.compactedVersion;
  const writers = new Map(Object.entries(foldedWriters));
  /** @param {string} clientId @param {number} seq */
  const note = (clientId, seq) => writers.set(clientId, Math.max(writers.get(clientId) ?? 0, seq));
  const tail = rows('log')
    .filter((r) => r.version > version)
    .sort((x, y) => x.version - y.version);
  for (const entry of tail) {
    if (entry.version !== version + 1) throw new Error(`the log has a hole before version ${entry.version}`);
    const result = core.applyMutation(session, JSON.parse(entry.mutation), entry.at);
    if (!result.ok) throw new Error(`logged version ${entry.version} does not apply: ${result.message}`);
    session = result.session;
    version = entry.version;
    note(entry.client_id, entry.client_seq);
  }
  for (const r of rows('refusals')) note(r.client_id, r.client_seq);
  return { id, layout, snapshot, counters, folded, foldedWriters, session, version, tail, writers: Object.fromEntries(writers) };
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
    /** @param {string} name */
    const patternButton = (name) => page.getByRole('group', { name: 'Patterns' }).getByRole('button', { name, exact: true });
    await page.goto(`${server.base}/s/${sessionId}`);
    await expect(status).toContainText('Connected', { timeout: 30_000 });
    // The page opens on the pattern playing (the song plays together): view A.
    await patternButton('Pattern A').click();
    await expect(patternButton('Pattern A')).toHaveAttribute('aria-pressed', 'true');
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
    // The offline edits go into pattern B, viewed from its button.
    await patternButton('Pattern B: Chorus').click();
    await expect(patternButton('Pattern B: Chorus')).toHaveAttribute('aria-pressed', 'true');
    await cell(trackNames.kick, 15).click();
    await cell(trackNames.bass, 2).click();
    await cell(trackNames.pad, 1).click();
    /** @type {string[]} */
    const pendingTypes = ['set_step', 'set_step', 'set_step'];
    if (HAS_MODEL_2_FIELDS) {
      // And a model 2 edit: the pad's transpose, from its detail panel.
      await page.getByRole('button', { name: `${trackNames.pad}: show velocity and pitch`, exact: true }).click();
      await page.getByRole('slider', { name: `${trackNames.pad} transpose`, exact: true }).fill('-9');
      pendingTypes.push('set_transpose');
    }
    if (HAS_MODEL_4) {
      // And model 4 edits: the pad's cutoff (the slider's middle: 632 Hz), and a minor
      // chord on the step just lit, both from the same panel.
      await page.getByRole('slider', { name: `${trackNames.pad} cutoff`, exact: true }).fill('500');
      await page.getByRole('button', { name: `${trackNames.pad} step 1 chord: single note`, exact: true }).click();
      const editor = page.getByRole('group', { name: `${trackNames.pad} step 1 chord`, exact: true });
      await editor.getByRole('combobox').selectOption(`shape:${core.CHORD_SHAPES.findIndex((c) => c.symbol === 'm')}`);
      pendingTypes.push('set_cutoff', 'set_chord');
    }
    if (HAS_MODEL_5) {
      // And model 5 edits: the same step's probability and note length from its expression
      // panel (a right-click selects the step), each sent before the next; then a Re-roll.
      await expect(status).toContainText(`${pendingTypes.length} unsynced`);
      await cell(trackNames.pad, 1).click({ button: 'right' });
      await page.getByRole('slider', { name: `${trackNames.pad} step 1 probability`, exact: true }).fill('35');
      await expect(status).toContainText(`${pendingTypes.length + 1} unsynced`);
      await page.getByRole('combobox', { name: `${trackNames.pad} step 1 note length`, exact: true }).selectOption({ label: '2 steps' });
      await expect(status).toContainText(`${pendingTypes.length + 2} unsynced`);
      await page.getByRole('button', { name: 'Re-roll', exact: true }).click();
      pendingTypes.push('set_probability', 'set_note_length', 'set_seed');
    }
    if (HAS_MODEL_6) {
      // And model 6 edits, from the bass's "Use your own sound" dialog (its list of the
      // session's sounds): the bell renamed, then the voice set as the bass's instrument
      // (which closes the dialog).
      await expect(status).toContainText(`${pendingTypes.length} unsynced`);
      await page.getByRole('button', { name: `More for ${trackNames.bass}`, exact: true }).click();
      await page.getByRole('menuitem', { name: `Use your own sound for ${trackNames.bass}…`, exact: true }).click();
      const dialog = page.getByRole('dialog', { name: `Your own sound for ${trackNames.bass}`, exact: true });
      const rename = dialog.getByRole('textbox', { name: `Rename ${SOUNDS.bell.names.added}`, exact: true });
      await rename.fill(SOUNDS.bell.names.offline);
      await rename.press('Enter');
      await expect(status).toContainText(`${pendingTypes.length + 1} unsynced`);
      await dialog.getByRole('button', { name: `Use ${SOUNDS.voice.names.renamed} on ${trackNames.bass}`, exact: true }).click();
      await expect(dialog).toBeHidden();
      pendingTypes.push('rename_sound', 'set_instrument');
    }
    const n = pendingTypes.length;
    await expect(status).toContainText(`${n} unsynced`);
    return await poll(`the saved record with the ${n} offline edits pending`, async () => {
      const storage = await dump();
      const record = saved(storage, 'kb:client:');
      const types = record?.pending.map((/** @type {{ mutation: Mutation }} */ p) => p.mutation.type);
      return canonical(types) === canonical(pendingTypes) && record.nextSeq === 3 + n ? storage : null;
    });
  } finally {
    await browser.close();
  }
}

// ---- the checks ---------------------------------------------------------------------------------

const DEFAULT_TRACK = core.makeTrack({ id: 'x', name: 'x', instrument: 'piano' }).track;
const DEFAULT_VELOCITY = core.STEP_FIELDS.velocity.default;

/**
 * Every row of every pattern in use, with its pattern.
 * @param {Session} session
 */
const allRows = (session) =>
  core.patternsInUse(session).flatMap((pattern) => Object.values(session.patterns[pattern]?.rows ?? {}).map((row) => ({ pattern, row })));

/**
 * Does the session exercise every stored value the brief (issue 11's fixtures) asks for?
 * Model 1's per-track loops are pattern A's rows since model 3; its patterns and song are
 * checked by checkPatterns.
 * @param {Session} session
 * @param {string} where
 */
function checkSessionContent(session, where) {
  const tracks = session.tracks;
  const instruments = tracks.map((t) => core.instrumentInfo(t.instrument));
  const inA = tracks.map((t) => core.rowOf(session, 'A', t.id));
  const rows = allRows(session).map((r) => r.row);
  check(tracks.length >= 6, `${where}: at least 6 tracks (has ${tracks.length})`);
  check(instruments.some((i) => i && !i.melodic) && instruments.some((i) => i?.melodic), `${where}: drum and melodic tracks`);
  check(tracks.filter((t) => /[^\p{ASCII}]/u.test(t.name)).length >= 4, `${where}: non-ASCII track names`);
  check(/\p{Extended_Pictographic}/u.test(session.name) && /[éèêàçñïü]/.test(session.name), `${where}: emoji and accents in the name`);
  for (const length of [3, 7, 32, 128])
    check(
      inA.some((r) => r.length === length),
      `${where}: a row of length ${length} in A`,
    );
  check(
    inA.some((r) => r.steps.some((on, i) => on && i >= r.length)),
    `${where}: steps set past a row's length in A`,
  );
  check(
    rows.some((r) => new Set(r.velocities).size >= 5),
    `${where}: varied velocities`,
  );
  const pitches = rows.flatMap((r) => r.pitches);
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
    rows.every((r) => full(r.steps) && full(r.velocities) && full(r.pitches)),
    `${where}: every row's arrays full length`,
  );
  if (HAS_MODEL_2_FIELDS) {
    // Model 2: transpose either way on several tracks, a track's own swing (an explicit
    // 0 among them) on several, and tracks left at both defaults.
    const transposed = tracks.filter((t) => t.transpose !== 0);
    check(
      transposed.length >= 3 && transposed.some((t) => t.transpose < 0) && transposed.some((t) => t.transpose > 0),
      `${where}: transpose up and down on several tracks`,
    );
    const ownSwing = tracks.filter((t) => t.swing !== null);
    check(ownSwing.length >= 3 && ownSwing.some((t) => t.swing === 0), `${where}: a track's own swing on several tracks, 0 among them`);
    check(tracks.filter((t) => t.transpose === 0 && t.swing === null).length >= 2, `${where}: tracks at model 2's defaults`);
  }
  checkPatterns(session, where);
  checkKeyAndSound(session, where);
  checkExpression(session, where);
  checkSounds(session, where);
}

/** Model 2 added per-track transpose and swing (core/fields.ts). */
const HAS_MODEL_2_FIELDS = ['transpose', 'swing'].every((k) => k in core.TRACK_FIELDS);
/** Model 4 added the session's key, step chords and the per-track sound-shaping fields. */
const HAS_MODEL_4 = MODEL_VERSION >= 4;
/** Model 5 added step expression (six step fields) and the session's seed. */
const HAS_MODEL_5 = MODEL_VERSION >= 5;
/** Model 6 added the session's own sounds (`sounds`, tracks playing `sound:<key>`; their bytes in R2). */
const HAS_MODEL_6 = MODEL_VERSION >= 6;

/**
 * Model 3's patterns and song, as every document made from the session holds them: A, B
 * ("Chorus") and C (rows of odd lengths only) in use, each with steps, velocities, pitches
 * and lengths edited; a song of at least four entries over A, B and C, repeats above 1,
 * not looping.
 * @param {Session} session
 * @param {string} where
 */
function checkPatterns(session, where) {
  const inUse = core.patternsInUse(session);
  check(canonical(inUse) === canonical(['A', 'B', 'C']), `${where}: patterns A, B and C in use (${inUse.join(', ')})`);
  check(session.patterns.B?.name === 'Chorus', `${where}: pattern B is named "Chorus"`);
  const c = Object.values(session.patterns.C?.rows ?? {});
  check(c.length >= 4 && c.every((r) => r.length % 2 === 1), `${where}: pattern C's rows are of odd lengths (${c.map((r) => r.length)})`);
  for (const pattern of /** @type {PatternId[]} */ (['A', 'B', 'C'])) {
    const rows = Object.values(session.patterns[pattern]?.rows ?? {});
    check(
      rows.some((r) => r.steps.some(Boolean)) &&
        rows.some((r) => r.velocities.some((v) => v !== DEFAULT_VELOCITY)) &&
        rows.some((r) => r.pitches.some((p) => p !== 0)) &&
        rows.some((r) => r.length !== core.ROW_FIELDS.length.default),
      `${where}: steps, velocities, pitches and lengths edited in pattern ${pattern}`,
    );
  }
  const { entries, loop } = session.song;
  check(entries.length >= 4, `${where}: a song of at least 4 entries (${entries.length})`);
  check(entries.filter((e) => e.repeats > 1).length >= 3, `${where}: song entries repeated`);
  check(
    canonical([...new Set(entries.map((e) => e.pattern))].sort()) === canonical(['A', 'B', 'C']),
    `${where}: the song plays A, B and C`,
  );
  check(!loop, `${where}: the song does not loop`);
}

/** The sound-shaping fields model 4 added to tracks, with their declarations. */
const MODEL_4_TRACK_FIELDS = Object.entries(core.TRACK_FIELDS).filter(([, f]) => f.since === 4);
/** Model 4's nullable track fields (decay and the sends: null is the instrument's own). */
const NULLABLE_TRACK_FIELDS = MODEL_4_TRACK_FIELDS.filter(([, f]) => f.default === null).map(([k]) => k);

/**
 * A chord's name for the README: "maj", "m7"… (core CHORD_SHAPES), or its intervals.
 * @param {number} mask
 */
const chordLabel = (mask) => {
  const shape = core.chordShapeOf(mask);
  const intervals = `[${core.chordIntervals(mask).join(', ')}]`;
  return shape ? `${shape.label} ${intervals}` : `${intervals} (picked notes)`;
};

/**
 * Model 4's key, chords and sound shaping, as every document made from the session holds
 * them: a key (not the chromatic one of older sessions), named chords and one two octaves
 * wide in more than one pattern, every sound-shaping field away from its default on some
 * track, the nullable ones both set and unset, and a track left at every default.
 * @param {Session} session
 * @param {string} where
 */
function checkKeyAndSound(session, where) {
  if (!HAS_MODEL_4) return;
  check(session.key.scale !== 'chromatic' && session.key.lock, `${where}: a key, locked (${canonical(session.key)})`);
  const chords = allRows(session).flatMap(({ pattern, row }) => row.chords.filter((c) => c !== 0).map((c) => ({ pattern, c })));
  for (const [name, mask] of Object.entries({ major: CHORDS.major, minor7: CHORDS.minor7 })) {
    check(
      chords.some((x) => x.c === mask),
      `${where}: a ${name} chord`,
    );
  }
  check(
    chords.some((x) => core.chordIntervals(x.c).includes(core.LIMITS.chordSpan)),
    `${where}: a chord with a ${core.LIMITS.chordSpan}-semitone interval`,
  );
  check(new Set(chords.map((x) => x.pattern)).size >= 2, `${where}: chords in more than one pattern`);
  check(
    allRows(session).every(({ row }) => row.chords.length === core.LIMITS.maxSteps),
    `${where}: every row's chords full length`,
  );
  const tracks = session.tracks;
  /** @param {string} k @param {import('../core/index.ts').Track} t */
  const value = (t, k) => /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (t))[k];
  for (const [k, f] of MODEL_4_TRACK_FIELDS) {
    check(
      tracks.some((t) => value(t, k) !== f.default),
      `${where}: ${k} away from its default on some track`,
    );
  }
  for (const k of NULLABLE_TRACK_FIELDS) {
    check(tracks.some((t) => value(t, k) === null) && tracks.some((t) => value(t, k) !== null), `${where}: ${k} both set and unset`);
  }
  check(
    tracks.some((t) => MODEL_4_TRACK_FIELDS.every(([k, f]) => value(t, k) === f.default)),
    `${where}: a track at every sound-shaping default`,
  );
}

/** Model 5's step fields (core/fields.ts, `since` 5): step expression. */
const MODEL_5_STEP_FIELDS = Object.entries(core.STEP_FIELDS).filter(([, f]) => f.since === 5);

/**
 * The steps of a session that carry step expression (a model 5 step field away from its
 * default), each with its pattern, track, step, whether it is lit and those fields.
 * @param {Session} session
 */
function expressionSteps(session) {
  return core.patternsInUse(session).flatMap((pattern) =>
    session.tracks.flatMap((track) => {
      const row = session.patterns[pattern]?.rows[track.id];
      if (!row) return [];
      const arrays = /** @type {Record<string, unknown[]>} */ (/** @type {unknown} */ (row));
      return row.steps.flatMap((on, step) => {
        /** @type {Record<string, number>} */
        const fields = {};
        for (const [k, f] of MODEL_5_STEP_FIELDS) {
          const value = /** @type {number} */ (arrays[f.array]?.[step]);
          if (value !== f.default) fields[k] = value;
        }
        return Object.keys(fields).length ? [{ pattern, track, row, step, on, fields }] : [];
      });
    }),
  );
}

/**
 * Model 5's step expression, as every document made from the session holds it: every
 * expression field away from its default on some step, in each of A, B and C: a
 * probability of 35, a ratio condition (A:B) and Fill, a ratchet with a ramp on one step,
 * a note length on a melodic track, nudges either way; every row's arrays full length;
 * the seed a Re-roll set.
 * @param {Session} session
 * @param {string} where
 */
function checkExpression(session, where) {
  if (!HAS_MODEL_5) return;
  const steps = expressionSteps(session);
  for (const [k] of MODEL_5_STEP_FIELDS)
    check(
      steps.some((s) => k in s.fields),
      `${where}: ${k} away from its default on some step`,
    );
  check(
    canonical([...new Set(steps.map((s) => s.pattern))].sort()) === canonical(['A', 'B', 'C']),
    `${where}: step expression in A, B and C`,
  );
  check(
    steps.some((s) => s.fields.probability === 35),
    `${where}: a step at probability 35`,
  );
  const kinds = steps.flatMap((s) => (s.fields.condition === undefined ? [] : [core.CONDITIONS[s.fields.condition]?.kind]));
  check(kinds.includes('ratio') && kinds.includes('fill'), `${where}: an A:B condition and Fill (${kinds.join(', ')})`);
  check(
    steps.some((s) => (s.fields.ratchet ?? 1) > 1 && s.fields.ramp !== undefined),
    `${where}: a ratchet with a ramp`,
  );
  check(
    steps.some((s) => s.fields.noteLength !== undefined && core.instrumentInfo(s.track.instrument)?.melodic),
    `${where}: a note length on a melodic track`,
  );
  check(steps.some((s) => (s.fields.nudge ?? 0) < 0) && steps.some((s) => (s.fields.nudge ?? 0) > 0), `${where}: nudges either way`);
  check(
    allRows(session).every(({ row }) =>
      MODEL_5_STEP_FIELDS.every(([, f]) => {
        const array = /** @type {Record<string, unknown[]>} */ (/** @type {unknown} */ (row))[f.array];
        return array?.length === core.LIMITS.maxSteps;
      }),
    ),
    `${where}: every row's expression arrays full length`,
  );
  check(session.seed === SEEDS.last, `${where}: the seed of the last Re-roll (${session.seed})`);
}

/**
 * Model 6's own sounds, as every document made from the session holds them: the kit of
 * three (the clap renamed in the tail, the voice renamed before the fold and not renamed
 * by its second add_sound, the bell as added), each with the length the Worker measured;
 * the triangle playing the clap and the snare the bell (the voice is in the kit, played
 * by no track); every track's `sound:` instrument in the kit.
 * @param {Session} session
 * @param {string} where
 */
function checkSounds(session, where) {
  if (!HAS_MODEL_6) return;
  const kit = {
    [soundKey('clap')]: { name: SOUNDS.clap.names.renamed, seconds: SOUNDS.clap.seconds },
    [soundKey('voice')]: { name: SOUNDS.voice.names.renamed, seconds: SOUNDS.voice.seconds },
    [soundKey('bell')]: { name: SOUNDS.bell.names.added, seconds: SOUNDS.bell.seconds },
  };
  check(canonical(session.sounds) === canonical(kit), `${where}: the kit of three sounds (${canonical(session.sounds)})`);
  const played = Object.fromEntries(
    session.tracks.flatMap((t) => (core.soundKeyOf(t.instrument) ? [[t.id, core.soundKeyOf(t.instrument)]] : [])),
  );
  check(
    canonical(played) ===
      canonical({ snare: soundKey('bell'), [String(session.tracks.find((t) => t.name === 'Trío △')?.id)]: soundKey('clap') }),
    `${where}: the triangle plays the clap, the snare the bell (${canonical(played)})`,
  );
}

/**
 * The room's own arrangement state, which a beat or a remix resets (core fromTheTop): the
 * song starts from a later entry, it plays (Play at once), and C is queued.
 * @param {Session} session
 * @param {string} where
 */
function checkTransport(session, where) {
  const { song, transport } = session;
  check(song.start !== null && song.entries.findIndex((e) => e.id === song.start) > 0, `${where}: the song starts from a later entry`);
  check(transport.song && transport.from === 0, `${where}: the song plays from step 0 (Play at once)`);
  check(transport.next?.pattern === 'C' && transport.next.at > 0, `${where}: pattern C queued`);
}

/**
 * Model 2's fields, and model 3's patterns and song, are both folded into the stored
 * session and in the unfolded tail.
 * @param {Session} folded
 * @param {Record<string, any>[]} tail the log rows after the fold
 */
function checkFoldedFields(folded, tail) {
  const mutations = tail.map((r) => /** @type {Mutation} */ (JSON.parse(r.mutation)));
  if (HAS_MODEL_2_FIELDS) {
    check(
      folded.tracks.some((t) => t.transpose < 0) && folded.tracks.some((t) => t.transpose > 0),
      'room.json: transposes folded into the stored session',
    );
    check(
      folded.tracks.some((t) => t.swing !== null),
      "room.json: a track's own swing folded into the stored session",
    );
    check(
      mutations.some((m) => m.type === 'set_transpose' && m.transpose < 0) &&
        mutations.some((m) => m.type === 'set_track_swing' && m.swing !== null) &&
        mutations.some((m) => m.type === 'set_track_swing' && m.swing === null),
      'room.json: transposes and swings (set and unset) in the unfolded tail',
    );
    check(
      mutations.some((m) => m.type === 'add_track' && m.track.transpose !== 0 && m.track.swing !== null),
      'room.json: a track added in the tail with its own transpose and swing',
    );
  }
  // Model 3: B, C and the song's first entries are folded; D was added and deleted before the fold.
  check(
    canonical(core.patternsInUse(folded)) === canonical(['A', 'B', 'C']) && folded.patterns.B?.name === 'Chorus',
    'room.json: patterns B ("Chorus") and C folded into the stored session',
  );
  check(Object.keys(folded.patterns.C?.rows ?? {}).length >= 5, "room.json: pattern C's rows folded");
  check(folded.song.entries.length === 3 && folded.song.start !== null, 'room.json: the song folded');
  check(
    canonical(folded.transport) === canonical({ song: false, pattern: 'B', from: 0, next: null }),
    `room.json: pattern B played from step 0 when folded (${canonical(folded.transport)})`,
  );
  check(
    mutations.some((m) => m.type === 'add_track' && Object.keys(m.rows).length === 2),
    'room.json: a track added in the tail with rows in two patterns',
  );
  if (HAS_MODEL_4) {
    // Model 4: the key, chords and sound shaping folded; the tail's key changes of every
    // kind (the room's remap, an undo's explicit notes, no remap), set_chord and the
    // nullable fields unset.
    check(
      canonical(folded.key) === canonical({ root: 9, scale: 'minor', lock: true }),
      `room.json: the key folded (${canonical(folded.key)})`,
    );
    const foldedChords = allRows(folded).flatMap(({ row }) => row.chords.filter((c) => c !== 0));
    check(
      [CHORDS.major, CHORDS.minor7, CHORDS.wide].every((c) => foldedChords.includes(c)),
      'room.json: named and wide chords folded into the stored session',
    );
    for (const [k, f] of MODEL_4_TRACK_FIELDS) {
      check(
        folded.tracks.some((t) => /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (t))[k] !== f.default),
        `room.json: ${k} folded into the stored session`,
      );
    }
    const keys = mutations.flatMap((m) => (m.type === 'set_key' ? [m] : []));
    check(
      keys.some((m) => m.remap && m.notes === null) &&
        keys.some((m) => !m.remap && m.notes !== null && Object.keys(m.notes).length >= 2) &&
        keys.some((m) => !m.remap && m.notes === null),
      'room.json: key changes in the tail: remapped by the room, undone with notes in more than one pattern, set without moving',
    );
    check(
      mutations.some((m) => m.type === 'set_chord' && m.chord !== 0) && mutations.some((m) => m.type === 'set_chord' && m.chord === 0),
      'room.json: chords set and cleared in the tail',
    );
    for (const type of ['set_decay', 'set_reverb_send', 'set_delay_send']) {
      check(
        mutations.some((m) => m.type === type && Object.values(m).includes(null)),
        `room.json: a ${type} to null in the tail`,
      );
    }
    check(
      mutations.some(
        (m) => m.type === 'add_track' && m.track.filter !== 'off' && Object.values(m.rows).some((row) => row?.chords.some((c) => c !== 0)),
      ),
      'room.json: a track added in the tail with its own sound shaping and a chord',
    );
  }
  if (HAS_MODEL_5) {
    // Model 5: step expression and the seed folded; in the tail, a step field reset to its
    // default, the seed re-rolled, undone and re-rolled, and rows carried whole with expression.
    const folds = expressionSteps(folded);
    for (const [k] of MODEL_5_STEP_FIELDS) {
      check(
        folds.some((x) => k in x.fields),
        `room.json: ${k} folded into the stored session`,
      );
    }
    check(folded.seed === SEEDS.folded, `room.json: the seed folded (${folded.seed})`);
    const setters = new Map(MODEL_5_STEP_FIELDS.map(([k, f]) => [/** @type {string} */ (f.mutation), { k, f }]));
    check(
      mutations.some((m) => {
        const setter = setters.get(m.type);
        return !!setter && /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (m))[setter.k] === setter.f.default;
      }),
      'room.json: a step expression field reset to its default in the tail',
    );
    const seeds = mutations.flatMap((m) => (m.type === 'set_seed' ? [m.seed] : []));
    check(
      canonical(seeds) === canonical([SEEDS.reroll, SEEDS.folded, SEEDS.last]),
      `room.json: the seed re-rolled, undone and re-rolled in the tail (${seeds.join(', ')})`,
    );
    /** @param {Row | undefined} row */
    const expressive = (row) => !!row && MODEL_5_STEP_FIELDS.some(([, f]) => row[f.array].some((x) => x !== f.default));
    check(
      mutations.some((m) => m.type === 'add_track' && Object.values(m.rows).some(expressive)) &&
        mutations.some((m) => m.type === 'set_row' && expressive(m.row)),
      'room.json: a track added and a row pasted in the tail, carrying expression',
    );
  }
  if (HAS_MODEL_6) {
    // Model 6: the clap and the voice (renamed) folded, the triangle playing the clap; in
    // the tail, the bell added and played, the clap renamed, the voice added again under
    // another name (the kit keeps its own).
    const clap = soundKey('clap');
    const voice = soundKey('voice');
    const bell = soundKey('bell');
    check(
      canonical(folded.sounds) ===
        canonical({
          [clap]: { name: SOUNDS.clap.names.added, seconds: SOUNDS.clap.seconds },
          [voice]: { name: SOUNDS.voice.names.renamed, seconds: SOUNDS.voice.seconds },
        }),
      `room.json: the clap and the renamed voice folded into the stored session (${canonical(folded.sounds)})`,
    );
    check(
      folded.tracks.some((t) => t.instrument === core.soundInstrument(clap)),
      'room.json: a track playing a sound folded into the stored session',
    );
    check(
      mutations.some((m) => m.type === 'add_sound' && m.key === bell) &&
        mutations.some((m) => m.type === 'add_sound' && m.key === voice && m.name !== SOUNDS.voice.names.renamed) &&
        mutations.some((m) => m.type === 'rename_sound' && m.key === clap) &&
        mutations.some((m) => m.type === 'set_instrument' && m.instrument === core.soundInstrument(bell)),
      'room.json: in the tail, a sound added and played, one renamed, one added again under another name',
    );
  }
  const rowEdits = new Set(['set_step', 'set_velocity', 'set_pitch', 'set_length', 'set_row', 'set_steps']);
  for (const pattern of ['A', 'B', 'C']) {
    check(
      mutations.some((m) => rowEdits.has(m.type) && 'pattern' in m && m.pattern === pattern),
      `room.json: edits into pattern ${pattern} in the tail`,
    );
  }
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
    check(replayed.id === id, 'room.json: the id it holds is the session');
    check(replayed.layout === STORAGE_LAYOUT, `room.json is storage layout ${replayed.layout}; this code writes ${STORAGE_LAYOUT}`);
    check(replayed.version === expected.version, `room.json replays to version ${replayed.version}, the room said ${expected.version}`);
    check(canonical(replayed.session) === canonical(expected.session), 'room.json replays to the session the room reported');
    // What each writer was told, rebuilt as the room rebuilds it on wake: a resend of an
    // acknowledged clientSeq is acknowledged again, one of a refused one refused again.
    for (const e of editors) {
      const told = Math.max(e.lastAcked, ...e.refused.map((r) => r.clientSeq));
      check(replayed.writers[e.clientId] === told, `room.json: ${e.name}'s last clientSeq ${replayed.writers[e.clientId]}, told ${told}`);
    }
    check(expected.version > LOG_SLOTS, `more than ${LOG_SLOTS} versions, so the log ring wrapped (${expected.version})`);
    check(tableRows(room, 'log').length === LOG_SLOTS, `every log slot used (${tableRows(room, 'log').length} of ${LOG_SLOTS})`);
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
    if (replayed.layout >= 2) {
      check(
        tableRows(room, 'refusals').every((r) => typeof r.mutation === 'string'),
        'refusals keep the refused mutation',
      );
    }
    check(Object.keys(replayed.foldedWriters).length >= 2, 'writers folded by compaction');
    check(!(String(editors[2]?.clientId) in replayed.foldedWriters), 'a writer only in the tail is not folded yet');
    const { clap } = made.ids;
    check(
      replayed.folded.tracks.some((t) => t.id === clap) && !expected.session.tracks.some((t) => t.id === clap),
      'a folded track the tail deletes',
    );
    checkFoldedFields(replayed.folded, replayed.tail);
    checkSessionContent(expected.session, 'expected.json');
    checkTransport(expected.session, 'expected.json');
    files['room.json'] = roomJson(room);
    files['expected.json'] = {
      version: expected.version,
      session: expected.session,
      // What the writers were told: a resend of an acknowledged clientSeq must be acked, a refused one refused again.
      acknowledged: Object.fromEntries(editors.map((e) => [e.clientId, e.lastAcked])),
      refused: editors.flatMap((e) => e.refused.map(({ clientId, clientSeq, code }) => ({ clientId, clientSeq, code }))),
    };

    // The last editor leaves: the room compacts and writes the KV projection. The files
    // hold KV's stored values (JSON.stringify of each gives the stored string back);
    // what the HTTP API serves from them must be the same document.
    for (const editor of editors) editor.close();
    // (GET answers from the room until KV has a document: wait for KV's own.)
    await poll('the KV projection at the final version', async () => {
      const value = readKv(stateDir).get(`session:${id}`)?.value;
      return value && JSON.parse(value).version === expected.version;
    });
    const served = await http(server.base, 'GET', `/api/sessions/${id}`);
    /**
     * A KV document as stored, checked against what the API serves of it.
     * @param {string} key
     * @param {unknown} fromApi
     * @param {string} file
     */
    const storedDoc = async (key, fromApi, file) => {
      const value = await poll(`KV's ${key}`, async () => readKv(stateDir).get(key)?.value);
      const doc = JSON.parse(value);
      check(JSON.stringify(doc) === value, `${file}: the stored value, byte for byte`);
      check(doc.model === MODEL_VERSION, `${file}: stored as model ${doc.model}`);
      check(canonical(doc) === canonical(fromApi), `${file}: the API serves what is stored`);
      return doc;
    };
    const session = await storedDoc(`session:${id}`, served, 'session.json');
    const { model: _model, id: docId, version, createdAt, updatedAt, ...projected } = session;
    check(docId === id && Number.isFinite(createdAt) && updatedAt >= createdAt, 'session.json: id, createdAt, updatedAt');
    check(version === expected.version, `session.json: version ${version}`);
    check(canonical(projected) === canonical(expected.session), 'session.json holds the session the room reported');
    checkPatterns(projected, 'session.json');
    checkKeyAndSound(projected, 'session.json');
    checkExpression(projected, 'session.json');
    checkSounds(projected, 'session.json');
    checkTransport(projected, 'session.json');
    files['session.json'] = session;

    // Publish the session; remix the beat and the session.
    const published = await http(server.base, 'POST', `/api/sessions/${id}/publish`);
    const beat = await storedDoc(`beat:${published.beatId}`, await http(server.base, 'GET', `/api/beats/${published.beatId}`), 'beat.json');
    check(beat.lineage.remixedFrom?.kind === 'beat' && beat.lineage.remixedFrom.id === made.originBeat, 'beat.json keeps its beat lineage');
    check(!JSON.stringify(beat).includes(id), 'beat.json never names its session');
    // A beat plays from its top (core fromTheTop): the song from its first entry, nothing queued.
    const top = core.fromTheTop(expected.session);
    const { model: _bm, beatId: _bi, publishedAt: _bp, timeline: beatTimeline, ...beatRest } = beat;
    const { timeline: _tt, ...topRest } = top;
    check(canonical(beatRest) === canonical(topRest), 'beat.json holds the session played from the top');
    check(
      canonical(beatTimeline) === canonical({ anchorMs: expected.session.timeline.anchorMs, together: false, playing: false }),
      'beat.json: its timeline is not playing',
    );
    checkPatterns(beat, 'beat.json');
    checkKeyAndSound(beat, 'beat.json');
    checkExpression(beat, 'beat.json');
    checkSounds(beat, 'beat.json');
    check(
      canonical(beat.transport) === canonical({ song: true, pattern: 'C', from: 0, next: null }) && beat.song.start === null,
      `beat.json: the song from its first entry, C (queued in the session) to follow (${canonical(beat.transport)})`,
    );
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
    // The card pictures the first bar of the pattern a listener hears first: the song's first, B.
    check(core.openingPattern(beat) === 'B', `gallery.json: the beat opens on B (${core.openingPattern(beat)})`);
    check(canonical(stored) === canonical(core.galleryMetadata(beat)), "gallery.json: the card of the beat's opening pattern");
    if (galleryEntry)
      files['gallery.json'] = { key: galleryEntry[0], metadata: JSON.parse(galleryEntry[1].metadata), value: galleryEntry[1].value };

    // A new session has no KV document until someone has been in it and left (the room
    // answers GET until then): a listener visits each remix, and its projection is stored.
    for (const [file, path] of /** @type {[string, string][]} */ ([
      ['remix-of-beat.json', `/api/beats/${beat.beatId}/remix`],
      ['remix-of-session.json', `/api/sessions/${id}/remix`],
    ])) {
      const remix = await http(server.base, 'POST', path);
      await roomSnapshot(server, remix.id);
      const fromApi = await poll(`the KV projection of ${file}`, async () =>
        readKv(stateDir).has(`session:${remix.id}`) ? http(server.base, 'GET', `/api/sessions/${remix.id}`) : null,
      );
      files[file] = await storedDoc(`session:${remix.id}`, fromApi, file);
      check(files[file].version === 0, `${file}: as created, at version 0`);
    }
    check(files['remix-of-beat.json'].lineage.remixedFrom?.kind === 'beat', 'remix-of-beat.json: lineage kind beat');
    check(files['remix-of-session.json'].lineage.remixedFrom?.id === id, 'remix-of-session.json: lineage names the session');
    // A remix keeps the music, played from the top: the patterns, the song, what plays.
    for (const file of ['remix-of-beat.json', 'remix-of-session.json']) {
      check(canonical(music(files[file])) === canonical(music(top)), `${file}: the session's music, played from the top`);
      checkPatterns(files[file], file);
      checkKeyAndSound(files[file], file);
      checkExpression(files[file], file);
      checkSounds(files[file], file);
    }

    if (HAS_MODEL_6) {
      // The bytes of every sound the documents reference, as R2 holds them (GET
      // /api/sounds/<key>): what was uploaded, its SHA-256 its key, a WAV of core's format
      // as long as the kit says.
      for (const [key, info] of Object.entries(/** @type {Session} */ (expected.session).sounds)) {
        const response = await fetch(`${server.base}/api/sounds/${key}`, { signal: AbortSignal.timeout(20_000) });
        const bytes = new Uint8Array(await response.arrayBuffer());
        const uploaded = Object.values(made.sounds).find((x) => x.key === key);
        check(
          response.status === 200 && response.headers.get('Content-Type') === 'audio/wav' && response.headers.get('ETag') === `"${key}"`,
          `sounds/${key}.wav: GET /api/sounds/<key> answers ${response.status} ${response.headers.get('Content-Type')}`,
        );
        check(!!uploaded && Buffer.from(bytes).equals(Buffer.from(uploaded.bytes)), `sounds/${key}.wav: the bytes uploaded`);
        check(sha256(bytes) === key, `sounds/${key}.wav: its SHA-256 is its key`);
        const wav = core.checkWav(bytes);
        check(wav.ok && wav.durationMs / 1000 === info.seconds, `sounds/${key}.wav: a sound of ${info.seconds} s (${canonical(wav)})`);
        files[`sounds/${key}.wav`] = bytes;
      }
      check(Object.keys(made.sounds).length === 3, `three sounds uploaded (${Object.keys(made.sounds).join(', ')})`);
    }

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
    /** @param {string} prefix */
    const savedRecord = (prefix) => JSON.parse(Object.entries(storage.localStorage).find(([k]) => k.startsWith(prefix))?.[1] ?? 'null');
    const record = savedRecord(`kb:client:${id}:`);
    const confirmed = savedRecord(`kb:confirmed:${id}:`);
    /** @type {Mutation[]} */
    const pending = record?.pending.map((/** @type {{ mutation: Mutation }} */ p) => p.mutation) ?? [];
    check(
      pending.filter((m) => m.type === 'set_step').length === 3 && pending.every((m) => m.type !== 'set_step' || m.pattern === 'B'),
      `client-record.json: the offline steps pending in pattern B (${pending.map((m) => ('pattern' in m ? m.pattern : '-'))})`,
    );
    if (HAS_MODEL_4) {
      check(
        pending.some((m) => m.type === 'set_cutoff' && m.cutoff === 632) &&
          pending.some((m) => m.type === 'set_chord' && m.pattern === 'B' && m.chord === CHORDS.minor),
        "client-record.json: model 4 edits pending (the pad's cutoff, a minor chord in B)",
      );
    }
    if (HAS_MODEL_5) {
      check(
        pending.some((m) => m.type === 'set_probability' && m.pattern === 'B' && m.step === 0 && m.probability === 35) &&
          pending.some((m) => m.type === 'set_note_length' && m.pattern === 'B' && m.step === 0 && m.noteLength === 4) &&
          pending.some((m) => m.type === 'set_seed' && m.seed !== SEEDS.last),
        "client-record.json: model 5 edits pending (the pad's probability and note length in B, a Re-roll)",
      );
    }
    if (HAS_MODEL_6) {
      check(
        pending.some((m) => m.type === 'rename_sound' && m.key === soundKey('bell') && m.name === SOUNDS.bell.names.offline) &&
          pending.some(
            (m) => m.type === 'set_instrument' && m.trackId === made.ids.bass && m.instrument === core.soundInstrument(soundKey('voice')),
          ),
        'client-record.json: model 6 edits pending (the bell renamed, the bass set to play the voice)',
      );
    }
    if (confirmed) {
      // The confirmed state: the session with the two online edits, in A.
      /** @type {Session} */
      let online = expected.session;
      for (const [trackId, step] of /** @type {[string, number][]} */ ([
        ['kick', 2],
        ['snare', 5],
      ])) {
        const result = core.applyMutation(
          online,
          { type: 'set_step', trackId, pattern: 'A', step, on: !core.rowOf(online, 'A', trackId).steps[step] },
          0,
        );
        if (result.ok) online = result.session;
      }
      check(
        canonical(confirmed.session) === canonical(online),
        'client-record.json: the confirmed state is the session with the online edits in A',
      );
      checkPatterns(confirmed.session, 'client-record.json');
      checkKeyAndSound(confirmed.session, 'client-record.json');
      checkExpression(confirmed.session, 'client-record.json');
      checkSounds(confirmed.session, 'client-record.json');
      checkTransport(confirmed.session, 'client-record.json');
    } else check(false, 'client-record.json: a confirmed state');
    files['client-record.json'] = storage;

    facts = {
      session: id,
      layout: replayed.layout,
      tables: Object.keys(room.tables),
      version: expected.version,
      compactedVersion: replayed.counters.compactedVersion,
      tail: replayed.tail.length,
      logRows: tableRows(room, 'log').length,
      refusals: tableRows(room, 'refusals').length,
      beat: beat.beatId,
      originBeat: made.originBeat,
      clientConfirmedVersion: JSON.parse(Object.entries(storage.localStorage).find(([k]) => k.startsWith('kb:confirmed:'))?.[1] ?? 'null')
        ?.version,
      clientPending: JSON.parse(Object.entries(storage.localStorage).find(([k]) => k.startsWith('kb:client:'))?.[1] ?? 'null')?.pending.map(
        (/** @type {{ mutation: Mutation }} */ p) => p.mutation.type,
      ),
      perTrack: HAS_MODEL_2_FIELDS
        ? {
            folded: replayed.folded.tracks.filter((t) => t.transpose !== 0 || t.swing !== null).map((t) => t.name),
            tail: [...new Set(replayed.tail.map((r) => JSON.parse(r.mutation).type))].filter((t) =>
              ['set_transpose', 'set_track_swing'].includes(t),
            ),
            final: expected.session.tracks.map((t) => ({ name: t.name, transpose: t.transpose, swing: t.swing })),
          }
        : null,
      arrangement: {
        folded: {
          patterns: core.patternsInUse(replayed.folded),
          songEntries: replayed.folded.song.entries.length,
          transport: replayed.folded.transport,
        },
        tail: [...new Set(replayed.tail.map((r) => JSON.parse(r.mutation).type))].filter((t) => core.mutationSince(t) === 3),
        final: arrangementOf(expected.session),
        beatTransport: beat.transport,
        pendingPatterns: pending.flatMap((m) => ('pattern' in m ? [m.pattern] : [])),
        refusals: [...new Set(tableRows(room, 'refusals').map((r) => String(r.code)))],
      },
      keyAndSound: HAS_MODEL_4 ? keyAndSoundFacts(replayed.folded, replayed.tail, expected.session) : null,
      expression: HAS_MODEL_5 ? expressionFacts(replayed.folded, replayed.tail, expected.session) : null,
      sounds: HAS_MODEL_6 ? soundsFacts(replayed.folded, replayed.tail, expected.session, files) : null,
    };
  } finally {
    await stopServer(server);
    if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
  }
  if (problems.length) throw new Error(`the fixtures are not what they should be:\n  ${problems.join('\n  ')}`);

  mkdirSync(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    // Text as it is, bytes (a sound's WAV) as they are, documents as pretty JSON.
    const text = typeof content === 'string' || content instanceof Uint8Array ? content : `${JSON.stringify(content, null, 2)}\n`;
    writeFileSync(join(out, name), text);
  }
  writeFileSync(join(out, 'README.md'), fixturesReadme(facts));
  console.log(`wrote ${relative(ROOT, out)}: ${JSON.stringify(facts)}`);
}

/**
 * Model 4's key, chords and sound shaping, when folded, in the tail and as reported, for the README.
 * @param {Session} folded
 * @param {Record<string, any>[]} tail
 * @param {Session} session
 */
function keyAndSoundFacts(folded, tail, session) {
  const mutations = tail.map((r) => /** @type {Mutation} */ (JSON.parse(r.mutation)));
  /** @param {Session} s */
  const chordsOf = (s) =>
    core.patternsInUse(s).flatMap((pattern) =>
      s.tracks.flatMap((t) => {
        const row = s.patterns[pattern]?.rows[t.id];
        return row ? row.chords.flatMap((c, step) => (c ? [`${pattern} "${t.name}" step ${step + 1}: ${chordLabel(c)}`] : [])) : [];
      }),
    );
  /** @param {Session} s */
  const soundOf = (s) =>
    s.tracks.map((t) => ({
      name: t.name,
      set: MODEL_4_TRACK_FIELDS.flatMap(([k, f]) => {
        const v = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (t))[k];
        return v === f.default ? [] : [`${k} ${JSON.stringify(v)}`];
      }),
    }));
  return {
    foldedKey: folded.key,
    foldedChords: chordsOf(folded).length,
    foldedSound: soundOf(folded).filter((t) => t.set.length > 0).length,
    tail: [...new Set(mutations.map((m) => m.type))].filter((t) => core.mutationSince(t) === 4),
    keyChanges: mutations.flatMap((m) =>
      m.type === 'set_key'
        ? [
            {
              key: m.key,
              remap: m.remap,
              notes: m.notes === null ? null : Object.values(m.notes).reduce((n, rows) => n + Object.values(rows ?? {}).flat().length, 0),
            },
          ]
        : [],
    ),
    key: session.key,
    chords: chordsOf(session),
    sound: soundOf(session),
  };
}

/**
 * Model 5's step expression and seed, when folded, in the tail and as reported, for the README.
 * @param {Session} folded
 * @param {Record<string, any>[]} tail
 * @param {Session} session
 */
function expressionFacts(folded, tail, session) {
  const mutations = tail.map((r) => /** @type {Mutation} */ (JSON.parse(r.mutation)));
  /** @param {string} k @param {number} v */
  const shown = (k, v) => {
    if (k === 'condition')
      return `condition ${core.conditionLabel(/** @type {import('../core/index.ts').Condition} */ (core.CONDITIONS[v]))} (${v})`;
    if (k === 'noteLength') return `noteLength ${v} (${v === 1 ? '½ step' : `${v / 2} steps`})`;
    return `${k} ${v}`;
  };
  return {
    foldedSeed: folded.seed,
    foldedSteps: expressionSteps(folded).length,
    tail: [...new Set(mutations.map((m) => m.type))].filter((t) => core.mutationSince(t) === 5),
    seeds: mutations.flatMap((m) => (m.type === 'set_seed' ? [m.seed] : [])),
    seed: session.seed,
    steps: expressionSteps(session).map(
      (x) =>
        `${x.pattern} "${x.track.name}" step ${x.step + 1}${x.step >= x.row.length ? " (past the row's length)" : x.on ? ' (lit)' : ' (not lit)'}: ${Object.entries(
          x.fields,
        )
          .map(([k, v]) => shown(k, v))
          .join(', ')}`,
    ),
  };
}

/**
 * Model 6's own sounds, when folded, in the tail and as reported, for the README.
 * @param {Session} folded
 * @param {Record<string, any>[]} tail
 * @param {Session} session
 * @param {Record<string, unknown>} files the fixture's files (the sounds' WAVs among them)
 */
function soundsFacts(folded, tail, session, files) {
  const mutations = tail.map((r) => /** @type {Mutation} */ (JSON.parse(r.mutation)));
  const names = new Map([...folded.tracks, ...session.tracks].map((t) => [t.id, t.name]));
  /** @param {Session} s */
  const kit = (s) =>
    Object.entries(s.sounds).map(([key, { name, seconds }]) => {
      const bytes = files[`sounds/${key}.wav`];
      const wav = bytes instanceof Uint8Array ? core.checkWav(bytes) : null;
      return {
        key,
        name,
        seconds,
        bytes: bytes instanceof Uint8Array ? bytes.length : 0,
        rate: wav?.ok ? wav.sampleRate : 0,
        playedBy: s.tracks.filter((t) => t.instrument === core.soundInstrument(key)).map((t) => t.name),
      };
    });
  /** @param {string} key */
  const nameOf = (key) => session.sounds[key]?.name ?? key;
  /** @param {Mutation} m */
  const told = (m) => {
    if (m.type === 'add_sound') {
      const again = Object.hasOwn(folded.sounds, m.key);
      return `\`add_sound\` "${m.name}", ${m.seconds} s${again ? ` (already in the kit as "${folded.sounds[m.key]?.name}": nothing changes)` : ''}`;
    }
    if (m.type === 'rename_sound') return `\`rename_sound\` "${folded.sounds[m.key]?.name ?? m.key}" to "${m.name}"`;
    if (m.type === 'set_instrument')
      return `\`set_instrument\` "${names.get(m.trackId)}" to play "${nameOf(String(core.soundKeyOf(m.instrument)))}"`;
    return m.type;
  };
  return {
    folded: kit(folded),
    tail: mutations
      .filter((m) => core.mutationSince(m.type) === 6 || (m.type === 'set_instrument' && core.soundKeyOf(m.instrument)))
      .map(told),
    kit: kit(session),
    neverUploaded: NEVER_UPLOADED,
  };
}

/**
 * The session's patterns, song and transport, for the README.
 * @param {Session} session
 */
function arrangementOf(session) {
  return {
    patterns: core.patternsInUse(session).map((p) => ({
      pattern: p,
      name: session.patterns[p]?.name ?? '',
      // In track order (a row's key moves to the end of `rows` whenever it is edited).
      rows: session.tracks.flatMap((t) => {
        const row = session.patterns[p]?.rows[t.id];
        return row ? [{ track: t.name, length: row.length, on: row.steps.filter(Boolean).length }] : [];
      }),
    })),
    song: {
      entries: session.song.entries.map((e) => `${e.pattern} ×${e.repeats}`),
      loop: session.song.loop,
      start: session.song.entries.findIndex((e) => e.id === session.song.start) + 1,
    },
    transport: session.transport,
  };
}

/**
 * @param {Record<string, any>} facts
 */
function fixturesReadme(facts) {
  const tables = /** @type {string[]} */ (facts.tables).map((t) => `\`${t}\``).join(', ');
  const room =
    facts.layout === 1
      ? `every row of every table of session \`${facts.session}\`'s Durable Object SQLite database (${tables}), with each table's CREATE statement, read while editors were still connected: version ${facts.version}, compacted at ${facts.compactedVersion}, so the last ${facts.tail} log entries (every mutation type) are not folded into \`tracks\`/\`meta\`/\`clients\`; the ${facts.logRows}-slot log ring has wrapped; ${facts.refusals} refusals`
      : `every row of every table of session \`${facts.session}\`'s Durable Object SQLite database (${tables}: storage layout ${facts.layout}), with each table's CREATE statement, read while editors were still connected: version ${facts.version}, folded into the \`state\` table's one \`snapshot\` row (\`layout\`, \`model\`, the session, \`writers\`, the KV counters) at ${facts.compactedVersion}, so the last ${facts.tail} log entries (every mutation type) are not in the snapshot, nor is the writer who joined after the fold in its \`writers\`; the ${facts.logRows}-slot log ring has wrapped; ${facts.refusals} refusals, each with the refused mutation`;
  /** @type {string[]} */
  const pending = facts.clientPending ?? [];
  const steps = pending.filter((t) => t === 'set_step').length;
  const others = pending.filter((t) => t !== 'set_step');
  /** @type {string[]} */
  const pendingPatterns = facts.arrangement?.pendingPatterns ?? [];
  const into = pendingPatterns.length ? ` into pattern ${[...new Set(pendingPatterns)].join(', ')}` : '';
  const offline = `${pending.length} made offline (${steps} steps${into}${others.map((t) => `, a \`${t}\``).join('')}), still pending`;
  /** @param {number | null} swing */
  const swing = (swing) => (swing === null ? "swing null (the session's)" : `swing ${swing}`);
  const perTrack = facts.perTrack
    ? `
Model 2's per-track fields (\`transpose\`, \`swing\`): ${facts.perTrack.folded.length} tracks had one set when the
room last folded (${facts.perTrack.folded.map((/** @type {string} */ n) => `"${n}"`).join(', ')}), and the tail sets more
(${facts.perTrack.tail.map((/** @type {string} */ t) => `\`${t}\``).join(', ')}, and an \`add_track\` carrying both). The session as reported:
${facts.perTrack.final.map((/** @type {{ name: string, transpose: number, swing: number | null }} */ t) => `- "${t.name}": transpose ${t.transpose}, ${swing(t.swing)}`).join('\n')}
`
    : '';
  const arrangement = facts.arrangement ? arrangementReadme(facts.arrangement) : '';
  const keyAndSound = facts.keyAndSound ? keyAndSoundReadme(facts.keyAndSound) : '';
  const expression = facts.expression ? expressionReadme(facts.expression) : '';
  const sounds = facts.sounds ? soundsReadme(facts.sounds) : '';
  const soundFiles = facts.sounds
    ? `| \`sounds/<key>.wav\` | the bytes of every sound the documents reference, as R2 stored them (\`GET /api/sounds/<key>\`): each a 16-bit PCM mono WAV of core/wav.ts whose SHA-256 (lowercase hex) is its key |\n`
    : '';
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
| \`room.json\` | ${room} |
| \`expected.json\` | what the room reported at that moment (a listener's snapshot: \`version\`, \`session\`), plus what its writers were told: the last acknowledged \`clientSeq\` per \`clientId\` and the refused mutations |
| \`session.json\` | the session's KV projection (\`GET /api/sessions/<id>\`) after the last editor left: the same session at the same version, with \`id\`, \`createdAt\`, \`updatedAt\`. A legacy KV document (no DO storage) has this shape too |
| \`beat.json\` | the beat published from that session (\`GET /api/beats/${facts.beat}\`), byte for byte the stored KV value; its lineage names the beat the session was remixed from (\`${facts.originBeat}\`) |
| \`gallery.json\` | the beat's gallery entry in KV: its \`key\`, its \`metadata\` (the card \`GET /api/beats\` serves) and its (empty) \`value\` |
| \`remix-of-beat.json\`, \`remix-of-session.json\` | the KV documents of a remix of the beat and of the session, as created${facts.layout === 1 ? '' : ' (version 0; written when a first listener had visited and left: a session has no KV document before)'} |
| \`client-record.json\` | every \`localStorage\` and \`sessionStorage\` key the editor wrote in Chromium (raw strings) for the same session, opened afterwards: two edits made online and acknowledged (its confirmed snapshot is at version ${facts.clientConfirmedVersion}), then ${offline} |
${soundFiles}${perTrack}${arrangement}${keyAndSound}${expression}${sounds}
\`room.json\` leaves out the runtime's own table (\`__miniflare_do_name\` locally, \`_cf_*\` in
production), which \`ctx.storage.sql\` cannot write; the backstop alarm is kept by the
runtime outside the database. To rebuild the room, run each table's \`sql\` and insert its
rows as they are (\`log.at\` is a REAL column).
`;
}

/**
 * The README's account of model 3's patterns, song and transport.
 * @param {Record<string, any>} facts the `arrangement` facts
 */
function arrangementReadme(facts) {
  /** @param {unknown} x */
  const code = (x) => `\`${JSON.stringify(x)}\``;
  /** @param {{ pattern: string, name: string, rows: { track: string, length: number, on: number }[] }} p */
  const pattern = (p) =>
    `- pattern ${p.pattern}${p.name ? ` "${p.name}"` : ''}: ${p.rows.length} rows (${p.rows.map((r) => `"${r.track}" length ${r.length}, ${r.on} on`).join('; ')})`;
  const { folded, final } = facts;
  return `
Model 3's patterns, song and transport: when the room last folded, patterns ${folded.patterns.join(', ')} were in use (D had
been duplicated from B, edited, cleared and deleted), the song had ${folded.songEntries} entries and the transport was
${code(folded.transport)}; the tail holds every mutation type model 3 added (${facts.tail.map((/** @type {string} */ t) => `\`${t}\``).join(', ')}),
among them E added, cleared and deleted. The refusals' codes: ${facts.refusals.map((/** @type {string} */ c) => `\`${c}\``).join(', ')}.
The session as reported:
${final.patterns.map(pattern).join('\n')}
- the song: ${final.song.entries.join(', ')}; loop ${final.song.loop ? 'on' : 'off'}; it starts from entry ${final.song.start}
- the transport: ${code(final.transport)} (the song plays, C is queued)

The beat and both remixes play it from the top (core \`fromTheTop\`): the song from its first entry, transport
${code(facts.beatTransport)}; the gallery card pictures the first bar of the song's first pattern.
`;
}

/**
 * The README's account of model 4's key, chords and sound shaping.
 * @param {ReturnType<typeof keyAndSoundFacts>} facts
 */
function keyAndSoundReadme(facts) {
  /** @param {unknown} x */
  const code = (x) => `\`${JSON.stringify(x)}\``;
  const changes = facts.keyChanges
    .map(
      (c) =>
        `${code(c.key)} ${c.remap ? 'with `remap` (the room moves the melodic rows)' : 'without `remap`'}${c.notes === null ? '' : `, with \`notes\` for ${c.notes} steps (an undo)`}`,
    )
    .join('; then ');
  return `
Model 4's key, chords and sound shaping: when the room last folded, the key was ${code(facts.foldedKey)} (set to
A minor with \`remap\`, moving the melodic rows of A, B and C, then locked without), ${facts.foldedChords} steps had a chord and
${facts.foldedSound} tracks had a sound-shaping field set. The tail holds every mutation type model 4 added (${facts.tail.map((t) => `\`${t}\``).join(', ')}),
key changes (in order): ${changes}; chords set (one set and cleared again), the nullable fields (\`decay\`, \`reverbSend\`,
\`delaySend\`) set and unset, and an \`add_track\` carrying its own \`filter\`, \`cutoff\`, \`tune\`, \`delaySend\` and a chord in C.
The session as reported: key ${code(facts.key)}; chords (step numbers from 1; masks in core/fields.ts, domain 'chord'):
${facts.chords.map((c) => `- ${c}`).join('\n')}

Its tracks' sound shaping (fields not listed are at their defaults):
${facts.sound.map((t) => `- "${t.name}": ${t.set.length ? t.set.join(', ') : 'every default'}`).join('\n')}
`;
}

/**
 * The README's account of model 5's step expression and seed.
 * @param {ReturnType<typeof expressionFacts>} facts
 */
function expressionReadme(facts) {
  return `
Model 5's step expression and seed: when the room last folded, the seed was ${facts.foldedSeed} (set as a Re-roll does) and
${facts.foldedSteps} steps had an expression field away from its default (set one by one with each setter, and pattern C's
"Bässline 🎸" row put whole with every field). The tail holds every mutation type model 5 added (${facts.tail.map((t) => `\`${t}\``).join(', ')}):
each field set again (a ratchet set and reset to 1), a row pasted (\`set_row\`) and a track added (\`add_track\`) carrying
expression, and the seed set to ${facts.seeds.join(', then ')} (a Re-roll, its undo as the editor sends it, another Re-roll).
The session as reported: seed ${facts.seed}; the steps with expression (step numbers from 1; fields not listed are at their
defaults: probability 100, condition Always (0), ratchet 1, ramp 0, noteLength 0, nudge 0; conditions are indexes into core
CONDITIONS, core/conditions.ts):
${facts.steps.map((x) => `- ${x}`).join('\n')}
`;
}

/**
 * The README's account of model 6's own sounds.
 * @param {ReturnType<typeof soundsFacts>} facts
 */
function soundsReadme(facts) {
  /** @param {ReturnType<typeof soundsFacts>['kit'][number]} s */
  const played = (s) => (s.playedBy.length ? `played by ${s.playedBy.map((n) => `"${n}"`).join(', ')}` : 'played by no track');
  return `
Model 6's own sounds: three short WAVs generated by the script (a seeded noise burst, a voice-like tone, a bell; never
recorded), uploaded with \`POST /api/sessions/<id>/sounds\` (the first one twice: \`201\`, then \`200\`), then added to the kit.
When the room last folded, the kit held ${facts.folded.map((s) => `"${s.name}" (${played(s)})`).join(' and ')}
(the second added as "${SOUNDS.voice.names.added}" and renamed). The tail, in order: ${facts.tail.join('; ')}.
Refused with \`unknown_sound\` (each in \`refusals\` with its mutation): an \`add_sound\` and a \`set_instrument\` of a key no upload
stored (\`${facts.neverUploaded}\`) before the fold, a \`rename_sound\` of it in the tail.
The session as reported, its kit (\`sounds\`; \`seconds\` as the Worker measured them, the app's way):
${facts.kit.map((s) => `- \`${s.key}\`: "${s.name}", ${s.seconds} s, ${played(s)}; \`sounds/${s.key}.wav\` (${s.rate} Hz, ${s.bytes} bytes)`).join('\n')}

Offline, the browser renamed "${SOUNDS.bell.names.added}" to "${SOUNDS.bell.names.offline}" and set "Bässline 🎸" to play "${SOUNDS.voice.names.renamed}", from the bass's
"Use your own sound" dialog (both pending in \`client-record.json\`).
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
    await back.mustApply({ type: 'set_step', trackId: 'kick', pattern: 'A', step: 1, on: true });
    await back.mustApply({ type: 'set_velocity', trackId: 'kick', pattern: 'A', step: 1, velocity: 77 });
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

  /** Each pattern's rows (A: every track's). @param {Session} s */
  const summary = (s) =>
    core
      .patternsInUse(s)
      .map((p) => {
        const name = s.patterns[p]?.name;
        const rows = s.tracks
          .filter((t) => p === 'A' || s.patterns[p]?.rows[t.id])
          .map((t) => {
            const row = core.rowOf(s, p, t.id);
            const on = row.steps.flatMap((isOn, i) => (isOn ? [i] : [])).join(' ');
            return `      ${t.id.padEnd(14)} ${JSON.stringify(t.name).padEnd(22)} ${t.instrument.padEnd(13)} length ${String(row.length).padStart(3)}, on: ${on}`;
          });
        return [`    pattern ${p}${name ? ` "${name}"` : ''}:`, ...rows].join('\n');
      })
      .join('\n');
  const { song, transport } = final.session;
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify({ session: made.id, final, whenEveryoneLeft: closedAt, beat }, null, 2)}\n`);
  writeFileSync(
    join(dir, 'README.txt'),
    `Keyboardia state written by model version ${MODEL_VERSION}, ${provenance().replaceAll('`', '')}, under \`npm start\`
(vite dev, persisted state), by: npx node scripts/make-fixtures.mjs --dev-state ${dir}
Start a later version on it with: KEYBOARDIA_STATE_DIR=${stateDir} npm start
(copy the whole state/ folder first if you want to keep this one: SQLite -wal files included).

Session ${made.id}  (open /s/${made.id})
  Durable Object: version ${final.version}, compacted at ${room.counters.compactedVersion}; the last ${room.tail.length} edits
  (kick step 2 on in pattern A at velocity 77, the name "${final.session.name}") are only in the log:
  an editor was connected when the server was stopped with SIGINT.
  KV (GET /api/sessions/<id>): version ${closedAt.version}, from when everyone had left; behind the room by ${final.version - closedAt.version}.
  Name "${final.session.name}", tempo ${final.session.tempo}, swing ${final.session.swing},
  effects ${JSON.stringify(final.session.effects)}, timeline together=${final.session.timeline.together} playing=${final.session.timeline.playing},
  remixed from beat ${made.originBeat}.
  Song: ${song.entries.map((e) => `${e.pattern} ×${e.repeats}`).join(', ')}; loop ${song.loop ? 'on' : 'off'}; starts from entry ${song.entries.findIndex((e) => e.id === song.start) + 1}.
  Transport: ${JSON.stringify(transport)}. Patterns, their rows (steps on, 0-based):
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

// ---- the upgrade of a persisted state folder ----------------------------------------------------

/**
 * @param {unknown} session
 * @param {number} from the model it was written in
 * @returns {Session}
 */
function lift(session, from) {
  const lifted = core.migrateSession(session, from);
  if (!lifted.ok) throw new Error(`cannot lift a model ${from} session: ${lifted.message}`);
  return lifted.value;
}

/**
 * What a remix keeps of a session or beat: all but its name, timeline and lineage (and a
 * document's envelope).
 * @param {Session} session
 */
function music(session) {
  const { name: _n, timeline: _t, lineage: _l, ...rest } = session;
  for (const key of ['model', 'id', 'version', 'createdAt', 'updatedAt', 'beatId', 'publishedAt'])
    delete (/** @type {Record<string, unknown>} */ (rest)[key]);
  return rest;
}

/**
 * A listener's hello with `version` held: the room's answer (a catch-up, or a snapshot).
 * @param {Server} server
 * @param {string} sessionId
 * @param {number} version
 */
async function helloAt(server, sessionId, version) {
  const conn = await Conn.open(`${server.base.replace(/^http/, 'ws')}/api/sessions/${sessionId}/ws`);
  try {
    const answer = conn.next((raw) => /^\{"type":"(snapshot|catchup)"/.test(raw), 15_000, 'the answer to a hello');
    conn.send({ ...hello(randomUUID(), 'Catch-up', version), listenOnly: true });
    return JSON.parse(await answer);
  } finally {
    conn.close();
  }
}

/**
 * Edit a session as a writer and check the room applied it: each change is acknowledged
 * at the next version, and a fresh listener then sees the edited session.
 * @param {Server} server
 * @param {string} sessionId
 * @param {Session} session what it holds before
 * @param {number} version
 * @param {Mutation[]} mutations
 * @param {string} what
 */
async function editAndCheck(server, sessionId, session, version, mutations, what) {
  const editor = await Editor.join(server, sessionId, 'Après ✓');
  let expected = session;
  let at = version;
  for (const mutation of mutations) {
    const applied = await editor.mustApply(mutation);
    check(applied === at + 1, `${what}: ${mutation.type} applied at version ${applied}, after ${at}`);
    at = applied;
    const result = core.applyMutation(expected, mutation, Date.now());
    if (!result.ok) throw new Error(`${what}: ${mutation.type} does not apply here: ${result.message}`);
    expected = result.session;
  }
  const seen = await roomSnapshot(server, sessionId);
  editor.close();
  check(seen.version === at && canonical(seen.session) === canonical(expected), `${what}: the edits are what a listener sees`);
  return { session: expected, version: at };
}

/**
 * A stored session or beat as its version wrote it: the document, its model and version.
 * @typedef {{ doc: Record<string, any>, model: number, version: number }} Stored
 */

/**
 * Every session and beat a state folder holds, read from disk before this code runs on
 * it: KV's session and beat documents, and each room's folded session when its log holds
 * nothing after it (then it is the room's state; a room with edits after its fold is
 * left out here: only its writer knows what it reported).
 * @param {string} stateDir
 */
function storedDocuments(stateDir) {
  /** @type {Map<string, Stored>} */
  const sessions = new Map();
  /** @type {Map<string, Stored>} */
  const beats = new Map();
  /** @type {Map<string, Stored>} */
  const rooms = new Map();
  /** @param {Record<string, any>} doc */
  const stored = (doc) => ({ doc, model: Number(core.modelOf(doc)), version: Number(doc.version ?? 0) });
  for (const [key, { value }] of readKv(stateDir)) {
    if (value === null) continue;
    if (key.startsWith('session:')) sessions.set(key.slice('session:'.length), stored(JSON.parse(value)));
    if (key.startsWith('beat:')) beats.set(key.slice('beat:'.length), stored(JSON.parse(value)));
  }
  for (const [id, path] of roomDatabases(stateDir)) {
    const room = dumpRoom(path);
    const after = (/** @type {number} */ version) => tableRows(room, 'log').filter((r) => r.version > version).length;
    if (layoutOf(room) === 2) {
      const snapshot = JSON.parse(String(tableRows(room, 'state').find((r) => r.key === 'snapshot')?.value));
      if (after(snapshot.version) === 0) rooms.set(id, { doc: snapshot.session, model: snapshot.model, version: snapshot.version });
    } else {
      const meta = Object.fromEntries(tableRows(room, 'meta').map((r) => [r.key, r.value]));
      const { trackOrder, ...doc } = JSON.parse(meta.doc);
      const tracks = new Map(tableRows(room, 'tracks').map((r) => [r.id, JSON.parse(r.json)]));
      const version = JSON.parse(meta.counters).compactedVersion;
      if (after(version) === 0)
        rooms.set(id, { doc: { ...doc, tracks: trackOrder.map((/** @type {string} */ t) => tracks.get(t)) }, model: 1, version });
    }
  }
  return { sessions, beats, rooms };
}

/**
 * A session or beat written before model 3 opens with each track's one loop as its row in
 * pattern A, no other pattern, an empty song, and A playing from step 0: checked against
 * the document as it was stored, not through core's migrate.
 * @param {Stored} stored
 * @param {Session} session as this code serves it
 * @param {string} what
 */
function checkStepsInA(stored, session, what) {
  if (stored.model >= core.PATTERNS_MODEL) return;
  /** @type {Record<string, any>[]} */
  const tracks = stored.doc.tracks;
  check(canonical(core.patternsInUse(session)) === canonical(['A']), `${what}: pattern A only`);
  check(
    canonical(session.song) === canonical({ entries: [], loop: true, start: null }) &&
      canonical(session.transport) === canonical({ song: false, pattern: 'A', from: 0, next: null }),
    `${what}: no song, A plays from step 0`,
  );
  check(canonical(session.tracks.map((t) => t.id)) === canonical(tracks.map((t) => t.id)), `${what}: the same tracks`);
  const moved = tracks.filter((t) => {
    const row = core.rowOf(session, 'A', t.id);
    const was = { length: t.length, steps: t.steps, velocities: t.velocities, pitches: t.pitches };
    return canonical(row) === canonical(was);
  });
  check(moved.length === tracks.length, `${what}: every track's steps in pattern A (${moved.length} of ${tracks.length})`);
  check(
    session.tracks.every((t) => !('steps' in t) && !('length' in t)),
    `${what}: no steps left on the tracks`,
  );
}

/**
 * `--check-dev-state <dir>`: start this code under \`npm start\` on a state folder that
 * --dev-state filled (with any earlier version), and check over HTTP and the WebSocket
 * protocol that every session and beat it lists opens with every value intact (lifted
 * to this model) and takes edits; stop it, check the room's storage on disk is this
 * code's layout, start it again and check the edits are there. The folder is upgraded
 * in place: copy it first to keep the old one.
 */
async function checkDevState() {
  const dir = resolve(String(options['check-dev-state']));
  const stateDir = join(dir, 'state');
  const written = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const readme = readFileSync(join(dir, 'README.txt'), 'utf8');
  const from = Number(/model version (\d+)/.exec(readme)?.[1]);
  const origin = /^Beat (\S+): the .* \(session (\S+)\)\.$/m.exec(readme);
  const remixOfSession = /^Session (\S+): a remix of the session/m.exec(readme)?.[1];
  if (!Number.isSafeInteger(from) || !origin || !remixOfSession) throw new Error(`${dir}/README.txt is not one --dev-state wrote`);
  const [, originBeat = '', originSession = ''] = origin;
  /** @type {string} */
  const id = written.session;
  const final = { version: Number(written.final.version), session: lift(written.final.session, from) };
  const left = { version: Number(written.whenEveryoneLeft.version), session: lift(written.whenEveryoneLeft.session, from) };
  const beatWritten = core.readBeatDocument(written.beat);
  if (!beatWritten.ok) throw new Error(`the beat in expected.json: ${beatWritten.message}`);
  const layoutBefore = layoutOf(dumpRoom(findRoomDatabase(stateDir, id)));
  const stored = storedDocuments(stateDir);
  console.log(`checking ${stateDir} (model ${from}, session ${id} in storage layout ${layoutBefore}) under this code's npm start`);

  /** @type {{ session: Session, version: number }} */
  let edited;
  let server = await startServer('dev', Number(options.port), stateDir);
  try {
    // Over HTTP first: the KV projection, before any socket wakes the room (the room's
    // backstop alarm may already have brought KV up to the room's version).
    const served = await http(server.base, 'GET', `/api/sessions/${id}`);
    const doc = core.readSessionDocument(served);
    const kvAt = [left, final].find((x) => x.version === served.version);
    check(
      doc.ok && served.model === MODEL_VERSION && doc.from === MODEL_VERSION,
      `GET /api/sessions/${id} is a model ${MODEL_VERSION} document`,
    );
    check(!!kvAt, `GET /api/sessions/${id}: version ${served.version}, one of ${left.version} (KV) or ${final.version} (the room)`);
    if (doc.ok && kvAt) {
      const { model: _m, id: _i, version: _v, createdAt: _c, updatedAt: _u, ...session } = doc.value;
      check(canonical(session) === canonical(kvAt.session), `GET /api/sessions/${id}: every value of version ${kvAt.version} intact`);
    }
    console.log(`  GET /api/sessions/${id}: model ${served.model}, version ${served.version}`);
    if (doc.ok && kvAt) {
      const asWritten = kvAt === final ? written.final.session : written.whenEveryoneLeft.session;
      checkStepsInA({ doc: asWritten, model: from, version: kvAt.version }, doc.value, `GET /api/sessions/${id}`);
    }

    // The room: the listener's snapshot, and a catch-up from KV's version through the migrated log.
    const snapshot = await roomSnapshot(server, id);
    check(snapshot.version === final.version, `the room is at version ${snapshot.version}, it was at ${final.version}`);
    check(canonical(snapshot.session) === canonical(final.session), 'the room holds every value it held, lifted');
    checkStepsInA({ doc: written.final.session, model: from, version: final.version }, snapshot.session, `the room of ${id}`);
    const caughtUp = await helloAt(server, id, left.version);
    check(
      caughtUp.type === 'catchup' && caughtUp.changes.length === final.version - left.version,
      `a hello at ${left.version} is caught up from the log`,
    );
    if (caughtUp.type === 'catchup') {
      let session = left.session;
      for (const change of caughtUp.changes) {
        const result = core.applyMutation(session, change.mutation, change.at);
        if (result.ok) session = result.session;
        else check(false, `logged change ${change.version} does not apply: ${result.message}`);
      }
      check(canonical(session) === canonical(final.session), 'the catch-up leads to the session the room holds');
    }
    console.log(
      `  room: version ${snapshot.version}, ${snapshot.session.tracks.length} tracks; catch-up from ${left.version}: ${caughtUp.type}`,
    );

    // Every other session and beat on disk, as stored: served and opened in this model,
    // with its steps where this model keeps them.
    for (const [sessionId, kv] of stored.sessions) {
      if (sessionId === id) continue;
      const got = await http(server.base, 'GET', `/api/sessions/${sessionId}`);
      const read = core.readSessionDocument(got);
      check(read.ok && got.model === MODEL_VERSION, `GET /api/sessions/${sessionId} is a model ${MODEL_VERSION} document`);
      if (read.ok && got.version === kv.version) checkStepsInA(kv, read.value, `GET /api/sessions/${sessionId}`);
      console.log(`  GET /api/sessions/${sessionId}: stored as model ${kv.model} at version ${kv.version}, served as model ${got.model}`);
    }
    for (const [sessionId, folded] of stored.rooms) {
      if (sessionId === id) continue;
      const open = await roomSnapshot(server, sessionId);
      check(open.version === folded.version, `the room of ${sessionId} is at version ${open.version}, it was at ${folded.version}`);
      const lifted = core.migrateSession(folded.doc, folded.model);
      check(lifted.ok && canonical(open.session) === canonical(lifted.value), `the room of ${sessionId}: every value it held, lifted`);
      checkStepsInA(folded, open.session, `the room of ${sessionId}`);
      console.log(`  room ${sessionId}: stored as model ${folded.model} at version ${folded.version}, opened at ${open.version}`);
    }
    for (const [beatId, beat] of stored.beats) {
      const got = await http(server.base, 'GET', `/api/beats/${beatId}`);
      const read = core.readBeatDocument(got);
      check(read.ok && got.model === MODEL_VERSION, `GET /api/beats/${beatId} is a model ${MODEL_VERSION} document`);
      if (read.ok) checkStepsInA(beat, read.value, `GET /api/beats/${beatId}`);
      console.log(`  GET /api/beats/${beatId}: stored as model ${beat.model}, served as model ${got.model}`);
    }
    const rows = (/** @type {Session} */ s) => Object.values(s.patterns).reduce((n, p) => n + Object.keys(p?.rows ?? {}).length, 0);
    console.log(
      `  ${stored.sessions.size} KV sessions, ${stored.rooms.size + 1} rooms, ${stored.beats.size} beats opened; the room's session has ${rows(snapshot.session)} rows in ${core.patternsInUse(snapshot.session).join(', ')}`,
    );

    // Edits, of model 1, 2 and 3 fields: a step in A, a new pattern with a step, in the song;
    // and (model 5) a step's expression in the new pattern and a Re-roll.
    const [first, second] = final.session.tracks;
    if (!first || !second) throw new Error('the session has fewer than 2 tracks');
    const added = core.freePatternId(final.session);
    if (!added) throw new Error('no pattern free');
    edited = await editAndCheck(
      server,
      id,
      final.session,
      final.version,
      [
        { type: 'set_step', trackId: first.id, pattern: 'A', step: 5, on: !core.rowOf(final.session, 'A', first.id).steps[5] },
        { type: 'set_transpose', trackId: first.id, transpose: -4 },
        { type: 'set_track_swing', trackId: second.id, swing: 33 },
        { type: 'add_pattern', pattern: added, value: { ...core.emptyPattern(), name: 'Après ✓' } },
        { type: 'set_step', trackId: second.id, pattern: added, step: 3, on: true },
        .../** @type {Mutation[]} */ (
          HAS_MODEL_5
            ? [
                { type: 'set_probability', trackId: second.id, pattern: added, step: 3, probability: 35 },
                { type: 'set_ratchet', trackId: second.id, pattern: added, step: 3, ratchet: 3 },
                { type: 'set_seed', seed: 271_828 },
              ]
            : []
        ),
        { type: 'add_song_entry', entry: { id: newEntryId(), pattern: added, repeats: 2 }, beforeEntryId: null },
        { type: 'set_session_name', name: 'Après la mise à jour ✓ 🎚️' },
      ],
      `session ${id}`,
    );
    const kvEdited = await poll('the KV projection of the edits', async () => {
      const d = await http(server.base, 'GET', `/api/sessions/${id}`);
      return d.version === edited.version ? d : null;
    });
    const { model, id: _i, version: _v, createdAt: _c, updatedAt: _u, ...kvSession } = kvEdited;
    check(model === MODEL_VERSION && canonical(kvSession) === canonical(edited.session), 'KV holds the edits when the editor has left');
    console.log(`  edited: version ${edited.version}, KV at ${kvEdited.version}`);

    // The beats: served lifted, listed, pictured, remixed; the remix takes edits.
    const gallery = await http(server.base, 'GET', '/api/beats?limit=50');
    for (const beatId of [beatWritten.value.beatId, originBeat]) {
      const beat = await http(server.base, 'GET', `/api/beats/${beatId}`);
      const read = core.readBeatDocument(beat);
      check(read.ok && beat.model === MODEL_VERSION, `GET /api/beats/${beatId} is a model ${MODEL_VERSION} document`);
      if (beatId === beatWritten.value.beatId)
        check(canonical(beat) === canonical(beatWritten.value), `beat ${beatId}: every value intact`);
      check(
        gallery.beats.some((/** @type {{ beatId: string }} */ c) => c.beatId === beatId),
        `beat ${beatId} is listed`,
      );
      const page = await fetch(`${server.base}/b/${beatId}`);
      const html = await page.text();
      check(page.status === 200 && html.includes('<html'), `GET /b/${beatId}: ${page.status}`);
      const picture = await fetch(`${server.base}/b/${beatId}/preview.png`);
      await picture.arrayBuffer();
      check(picture.status === 200, `GET /b/${beatId}/preview.png: ${picture.status}`);
      if (!read.ok) continue;
      const { id: remixId } = await http(server.base, 'POST', `/api/beats/${beatId}/remix`);
      const remix = await roomSnapshot(server, remixId);
      check(canonical(music(remix.session)) === canonical(music(core.fromTheTop(read.value))), `a remix of beat ${beatId} holds its music`);
      check(
        canonical(remix.session.lineage.remixedFrom) === canonical({ kind: 'beat', id: beatId, name: read.value.name }),
        `a remix of beat ${beatId} names it`,
      );
      const track = remix.session.tracks[0];
      if (track) {
        const mutations = [{ type: 'set_transpose', trackId: track.id, transpose: 5 }];
        await editAndCheck(server, remixId, remix.session, remix.version, /** @type {Mutation[]} */ (mutations), `remix of beat ${beatId}`);
      }
      console.log(
        `  beat ${beatId}: served as model ${beat.model}, listed, page ${page.status}, picture ${picture.status}; remixed as ${remixId}, edited`,
      );
    }

    // The other sessions: a remix of the session (at KV's version) and the template the origin beat was published from.
    const originBeatDoc = core.readBeatDocument(await http(server.base, 'GET', `/api/beats/${originBeat}`));
    for (const [sessionId, source, what] of /** @type {[string, Session | null, string][]} */ ([
      [remixOfSession, left.session, 'the remix of the session'],
      [originSession, originBeatDoc.ok ? originBeatDoc.value : null, 'the session the origin beat was published from'],
    ])) {
      const open = await roomSnapshot(server, sessionId);
      const kv = core.readSessionDocument(await http(server.base, 'GET', `/api/sessions/${sessionId}`));
      check(kv.ok && kv.value.version === open.version, `${what}: GET /api/sessions/${sessionId} at the room's version`);
      // (A remix plays from the top: compared as both would play from theirs.)
      check(
        !!source && canonical(music(core.fromTheTop(open.session))) === canonical(music(core.fromTheTop(source))),
        `${what}: its music intact`,
      );
      if (sessionId === remixOfSession) {
        check(
          canonical(open.session.lineage.remixedFrom) === canonical({ kind: 'session', id, name: left.session.name }),
          `${what}: names the session`,
        );
      }
      const track = open.session.tracks.at(-1);
      if (track) {
        const mutations = [
          { type: 'set_track_swing', trackId: track.id, swing: 0 },
          { type: 'set_volume', trackId: track.id, volume: 0.5 },
        ];
        await editAndCheck(server, sessionId, open.session, open.version, /** @type {Mutation[]} */ (mutations), what);
      }
      console.log(`  ${what} (${sessionId}): version ${open.version}, opened and edited`);
    }
  } finally {
    await stopServer(server);
  }

  // On disk, the room is now in this code's layout and model; after a restart, it still holds the edits.
  const onDisk = replayRoom(dumpRoom(findRoomDatabase(stateDir, id)));
  check(onDisk.layout === STORAGE_LAYOUT, `on disk: storage layout ${onDisk.layout}, this code writes ${STORAGE_LAYOUT}`);
  check(
    onDisk.version === edited.version && canonical(onDisk.session) === canonical(edited.session),
    'on disk: the room replays to the edited session',
  );
  server = await startServer('dev', Number(options.port), stateDir);
  try {
    const again = await roomSnapshot(server, id);
    check(
      again.version === edited.version && canonical(again.session) === canonical(edited.session),
      'after a restart: the edits are there',
    );
    console.log(`  restarted: version ${again.version}, layout ${onDisk.layout} on disk (was ${layoutBefore})`);
  } finally {
    await stopServer(server);
  }
  if (problems.length) throw new Error(`the upgraded state is not what it should be:\n  ${problems.join('\n  ')}`);
  console.log(`${dir}: every session and beat opened in model ${MODEL_VERSION} with every value intact, and took edits`);
}

try {
  const run = options['check-dev-state'] ? checkDevState : options['dev-state'] ? writeDevState : writeFixtures;
  await withTimeout(run(), 15 * 60_000, 'make-fixtures');
  process.exit(0);
} catch (error) {
  console.error(`make-fixtures: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
