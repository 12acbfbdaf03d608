// HTTP soak: every route × every method, with and without bodies (JSON, text, form,
// 10 MiB), shuffled over a few keep-alive connections, plus WebSocket upgrades and
// CONNECT, against the dev server (`vite dev`) and the built app (`vite preview`).
// Fails on any 5xx, any dropped connection, any 405 without Allow, and any answer
// that shows a stack trace or a path on this machine.
//
//   node scripts/http-soak.ts                  both servers, each started here with throwaway state
//   node scripts/http-soak.ts dev              only `vite dev` (or: preview; preview needs `vite build` first)
//   node scripts/http-soak.ts http://host:port a server already running
//
// Writes test-results/http-soak.json (one entry per server) for scripts/test-all.mjs.
// Runs on Node 24 (npm scripts pin it), which runs this TypeScript file as it is.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIG = 10 * 1024 * 1024;
const CONNECTIONS = 4;
const SEED = Number(process.env.SOAK_SEED ?? 20261202);
const STACK_FRAME = /\n\s*at \S[^\n]*:\d+:\d+\)?/;
const MACHINE_PATHS = [process.cwd(), tmpdir(), 'file://', '/node_modules/'];

interface Probe {
  method: string;
  path: string;
  body: 'none' | 'json' | 'text' | 'form' | 'json-untyped' | 'big';
}
interface Failure extends Probe {
  status: number | string;
  problem: string;
}
interface ServerReport {
  name: string;
  url: string;
  requests: number;
  byStatus: Record<string, number>;
  failures: Failure[];
}

const BODIES: Record<Exclude<Probe['body'], 'none' | 'big'>, { type: string | null; text: string }> = {
  json: { type: 'application/json', text: '{"template":"empty"}' },
  text: { type: 'text/plain', text: '{"template":"empty"}' },
  form: { type: 'application/x-www-form-urlencoded', text: 'template=empty' },
  'json-untyped': { type: null, text: '{"template":"empty"}' },
};

// ---- one server ---------------------------------------------------------------------

async function soak(name: string, base: string): Promise<ServerReport> {
  const report: ServerReport = { name, url: base, requests: 0, byStatus: {}, failures: [] };
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const fail = (probe: Probe, status: number | string, problem: string) => report.failures.push({ ...probe, status, problem });
  const tally = (status: number | string) => {
    report.requests += 1;
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
  };

  // Something to address: a session, and a beat published from it.
  const created = await send(agent, base, { method: 'POST', path: '/api/sessions', body: 'json' });
  if (created.status !== 201) throw new Error(`${name}: creating a session answered ${created.status} ${created.text}`);
  const sessionId = (JSON.parse(created.text) as { id: string }).id;
  const published = await send(agent, base, { method: 'POST', path: `/api/sessions/${sessionId}/publish`, body: 'none' });
  if (published.status !== 201) throw new Error(`${name}: publishing answered ${published.status} ${published.text}`);
  const beatId = (JSON.parse(published.text) as { beatId: string }).beatId;

  const paths = [
    '/',
    '/index.html',
    `/s/${sessionId}`,
    '/no/such/page',
    '/no-such-file.js',
    '/favicon.svg',
    '/api/sessions',
    `/api/sessions/${sessionId}`,
    `/api/sessions/${randomUUID()}`,
    '/api/sessions/not-a-uuid',
    `/api/sessions/${sessionId}/ws`,
    `/api/sessions/${sessionId}/publish`,
    `/api/sessions/${sessionId}/remix`,
    `/api/sessions/${sessionId}/nope`,
    `/api/sessions/${sessionId}/sounds`,
    `/api/sounds/${'a'.repeat(64)}`,
    '/api/sounds/nope',
    '/api/beats',
    `/api/beats/${beatId}`,
    `/api/beats/${beatId}/remix`,
    `/api/beats/${beatId}/nope`,
    '/api/beats/zzzzzzzzzzzzzzzz',
    '/api/nope',
    `/b/${beatId}`,
    `/b/${beatId}/preview.png`,
    `/embed/${beatId}`,
    `/oembed?url=${encodeURIComponent(`${base}/b/${beatId}`)}&format=json`,
  ];
  const withBodies = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];
  const probes: Probe[] = [];
  for (const path of paths) {
    for (const method of ['GET', 'HEAD', ...withBodies, 'TRACE', 'LINK', 'FOO']) {
      probes.push({ method, path, body: 'none' });
      if (withBodies.includes(method) || method === 'GET') probes.push({ method, path, body: 'json' });
      if (withBodies.includes(method)) probes.push({ method, path, body: 'json-untyped' });
      if (method === 'POST' || method === 'PUT') probes.push({ method, path, body: 'text' });
      if (method === 'POST') probes.push({ method, path, body: 'form' });
      // 10 MiB: every write to the API, and the refused writes that hurt most before.
      if ((method === 'POST' && path.startsWith('/api/')) || (method === 'PUT' && path.includes('/beats/')))
        probes.push({ method, path, body: 'big' });
    }
  }
  // Refused bodies interleaved with innocent requests: what failed was often the next
  // request on a connection after a refused one.
  shuffle(probes, SEED);

  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < probes.length) {
        const probe = probes[next++]!;
        const answer = await send(agent, base, probe).catch((e: Error) => ({ status: `error: ${e.message}`, text: '', headers: {} }));
        tally(answer.status);
        const problem = judge(probe, answer);
        if (problem) fail(probe, answer.status, problem);
      }
    }),
  );

  for (const check of upgradeChecks(sessionId)) {
    const outcome = await upgrade(base, check.path, check.origin).catch((e: Error) => `error: ${e.message}`);
    tally(outcome);
    if (!check.accept.includes(outcome))
      fail({ method: 'UPGRADE', path: `${check.path} (${check.what})`, body: 'none' }, outcome, `expected ${check.accept.join(' or ')}`);
  }
  const connect = await connectMethod(base).catch((e: Error) => `error: ${e.message}`);
  tally(connect);
  if (connect !== 405) fail({ method: 'CONNECT', path: 'example.com:443', body: 'none' }, connect, 'expected 405');
  agent.destroy();
  return report;
}

interface Answer {
  status: number | string;
  text: string;
  headers: http.IncomingHttpHeaders;
}

function judge(probe: Probe, answer: Answer): string | null {
  const { status, text, headers } = answer;
  if (typeof status !== 'number') return 'no answer (connection dropped)';
  if (STACK_FRAME.test(text)) return 'the answer shows a stack trace';
  const path = MACHINE_PATHS.find((p) => text.includes(p));
  if (path) return `the answer shows a path on this machine (${path})`;
  if (status === 405 && !headers.allow) return '405 without an Allow header';
  if (status >= 500) return 'server error';
  // Node's own parser answers 400 to a method it does not know; everything the app
  // does not serve is refused, never served.
  if (!['GET', 'HEAD', 'POST'].includes(probe.method) && ![404, 405].includes(status) && !(probe.method === 'FOO' && status === 400)) {
    return `${probe.method} was not refused`;
  }
  return null;
}

function send(agent: http.Agent, base: string, probe: Probe): Promise<Answer> {
  const url = new URL(probe.path, base);
  const headers: Record<string, string | number> = {};
  let payload: Buffer | null = null;
  if (probe.body === 'big') {
    payload = Buffer.alloc(BIG, 0x20);
    headers['Content-Type'] = 'application/json';
  } else if (probe.body !== 'none') {
    const { type, text } = BODIES[probe.body];
    payload = Buffer.from(text);
    if (type) headers['Content-Type'] = type;
  }
  // Always framed: Node sends an unframed body for DELETE and OPTIONS otherwise.
  if (payload) headers['Content-Length'] = payload.byteLength;
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: probe.method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: response.headers }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.setTimeout(60_000, () => request.destroy(new Error('no answer within 60 s')));
    request.end(payload ?? undefined);
  });
}

// ---- WebSocket upgrades and CONNECT ------------------------------------------------

interface UpgradeCheck {
  what: string;
  path: string;
  origin?: string;
  /** Outcomes accepted: an HTTP status, 'open' (101, and the keepalive answered) or 'close <code>'. */
  accept: (number | string)[];
}

function upgradeChecks(sessionId: string): UpgradeCheck[] {
  // An unknown session is a 404, or, behind Vite's proxy, a socket closed with 4004 (docs/PROTOCOL.md §2).
  return [
    { what: 'live session', path: `/api/sessions/${sessionId}/ws`, accept: ['open'] },
    { what: 'live session, own origin', path: `/api/sessions/${sessionId}/ws`, origin: 'self', accept: ['open'] },
    { what: 'unknown session', path: `/api/sessions/${randomUUID()}/ws`, accept: [404, 'close 4004'] },
    { what: 'malformed id', path: '/api/sessions/not-a-uuid/ws', accept: [404, 'close 4004'] },
    { what: 'foreign origin', path: `/api/sessions/${sessionId}/ws`, origin: 'https://elsewhere.example', accept: [403, 'close 1008'] },
    { what: 'not a socket route', path: '/api/sessions', accept: [405, 'close 1008'] },
  ];
}

function upgrade(base: string, path: string, origin?: string): Promise<number | string> {
  const headers: Record<string, string> = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
  };
  if (origin) headers.Origin = origin === 'self' ? new URL(base).origin : origin;
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, base), { headers });
    request.on('error', reject);
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('upgrade', (_response, socket: Socket, head: Buffer) => {
      // The runtime answers the keepalive text `ping` with `pong`; a refused upgrade
      // sends a close frame first (opcode 8, then the code). Bytes that came in the
      // same packet as the 101 are in `head`, not in a 'data' event.
      if (head.byteLength) socket.unshift(head);
      socket.once('close', () => resolve('dropped after 101, without a frame'));
      socket.setTimeout(30_000, () => socket.destroy(new Error('no frame within 30 s')));
      socket.write(maskedTextFrame('ping'));
      socket.once('data', (frame: Buffer) => {
        const opcode = frame[0]! & 0x0f;
        const payload = frame.subarray(2, 2 + (frame[1]! & 0x7f));
        socket.destroy();
        if (opcode === 8) resolve(`close ${payload.readUInt16BE(0)}`);
        else resolve(opcode === 1 && payload.toString() === 'pong' ? 'open' : `unexpected frame ${opcode}`);
      });
      socket.on('error', reject);
    });
    request.end();
  });
}

/** A client frame must be masked (RFC 6455 §5.3). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  const masked = payload.map((byte, i) => byte ^ mask[i % 4]!);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.byteLength]), mask, masked]);
}

/** CONNECT reaches Node's 'connect' listeners, never the middleware. */
function connectMethod(base: string): Promise<number | string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, method: 'CONNECT', path: 'example.com:443' });
    request.on('connect', (response, socket: Socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.end();
  });
}

// ---- servers --------------------------------------------------------------------------

function shuffle<T>(items: T[], seed: number): void {
  // mulberry32: the same order on every run, so a failure can be replayed.
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Running {
  base: string;
  child: ChildProcess;
  log: string[];
  stateDir: string;
}

async function start(mode: 'dev' | 'preview'): Promise<Running> {
  const port = await freePort();
  const stateDir = mkdtempSync(join(tmpdir(), `keyboardia-soak-${mode}-`));
  const args = ['node_modules/vite/bin/vite.js', ...(mode === 'preview' ? ['preview'] : []), '--port', String(port), '--strictPort'];
  // Its own process group, so that stopping it also stops the workerd it starts.
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYBOARDIA_STATE_DIR: stateDir },
  });
  const log: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const base = `http://localhost:${port}`;
  const running = { base, child, log, stateDir };
  // Ready when the Worker itself answers (an unknown session is its 404).
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`vite ${mode} exited:\n${log.join('')}`);
    try {
      const response = await fetch(`${base}/api/sessions/${randomUUID()}`, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.status === 404) return running;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop(running);
      throw new Error(`vite ${mode} did not answer within 180 s:\n${log.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // poll interval, not a wait for an outcome
  }
}

async function stop({ child, stateDir }: Running): Promise<void> {
  if (child.exitCode === null && child.pid) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    // A server that does not close within 10 s is stopped for good.
    const stubborn = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(stubborn);
  }
  rmSync(stateDir, { recursive: true, force: true });
}

// ---- main -----------------------------------------------------------------------------

const targets = process.argv.slice(2);
const reports: ServerReport[] = [];
for (const target of targets.length ? targets : ['dev', 'preview']) {
  if (target === 'dev' || target === 'preview') {
    const running = await start(target);
    try {
      reports.push(await soak(`vite ${target}`, running.base));
    } finally {
      await stop(running);
    }
    const report = reports.at(-1)!;
    if (report.failures.length) {
      const errors = running.log
        .join('')
        .split('\n')
        .filter((line) => /error/i.test(line));
      console.log(`server log, lines with "error" (${errors.length}):\n${errors.slice(0, 20).join('\n')}`);
    }
  } else {
    reports.push(await soak(target, target));
  }
}

mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/http-soak.json', JSON.stringify({ servers: reports }, null, 2));
for (const report of reports) {
  const statuses = Object.entries(report.byStatus)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  console.log(`${report.name}: ${report.requests} requests, ${report.failures.length} failed (${statuses})`);
  for (const f of report.failures.slice(0, 30)) console.log(`  ${f.method} ${f.path} [${f.body}] → ${f.status}: ${f.problem}`);
  if (report.failures.length > 30) console.log(`  … and ${report.failures.length - 30} more`);
}
process.exit(reports.every((r) => r.failures.length === 0) ? 0 : 1);
