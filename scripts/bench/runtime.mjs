// @ts-check
// The local runtime (wrangler dev → workerd) as a child process group, on loopback.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { WITHOUT_DEV_TOOLS } from '../quietRuntime.mjs';
import { processesInGroup, sleep, spawnGroup, stopGroup } from './lib.mjs';

/**
 * @typedef {{ child: import('node:child_process').ChildProcess, base: string, ws: string, port: number, startMs: number,
 *   workerdPids: () => number[], stop: () => Promise<void>,
 *   direct: { base: string, ws: string, pid: number } | null }} Runtime
 *   direct: the entry of the workerd that runs the Worker, skipping wrangler dev's proxy
 *   workerd in front of it (production has no such hop); null if it could not be found.
 */

/**
 * The TCP ports process `pid` listens on (its socket inodes matched in /proc/<pid>/net/tcp).
 * @param {number} pid
 * @returns {number[]}
 */
function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const ports = [];
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; st 0A is LISTEN; field 9 is the inode.
      if (f[3] === '0A' && inodes.has(String(f[9]))) ports.push(parseInt(String(f[1]).split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

/**
 * The entry socket of the workerd that runs the Worker (started by Miniflare with
 * `--socket-addr=entry=127.0.0.1:0`, a random port), found among its listening ports
 * (entry, inspector, debug) as the one answering `readyPath` exactly as the proxy did.
 * Miniflare's entry takes plain requests: the proxy's MF-Original-URL and
 * MF-Proxy-Shared-Secret headers are optional (they only restore the outer URL).
 * @param {number[]} pids the runtime's workerd processes
 * @param {string} readyPath
 * @param {{ status: number, body: string }} expected the proxy's answer
 */
async function findDirectEntry(pids, readyPath, expected) {
  const worker = pids.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('--socket-addr=entry=127.0.0.1:0');
    } catch {
      return false;
    }
  });
  if (worker.length !== 1) return null;
  const pid = /** @type {number} */ (worker[0]);
  for (const port of listeningPorts(pid)) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`, { signal: AbortSignal.timeout(3000) });
      const body = await response.text();
      if (response.status === expected.status && body === expected.body) {
        const base = `http://127.0.0.1:${port}`;
        return { base, ws: base.replace('http', 'ws'), pid };
      }
    } catch {
      // not HTTP (the debug port) or not answering
    }
  }
  return null;
}

/**
 * Start `wrangler dev -c <config>` on 127.0.0.1:<port> with state persisted in
 * `persistTo`; resolves once `readyPath` answers. `--no-bundle` when the entry is
 * already bundled (it is: the bench bundles once, into a folder nobody else edits,
 * so edits made by others during the run cannot reload the runtime under us).
 * @param {{ config: string, port: number, persistTo: string, logFile: string, readyPath?: string, noBundle?: boolean, timeoutMs?: number }} options
 * @returns {Promise<Runtime>}
 */
export async function startRuntime({
  config,
  port,
  persistTo,
  logFile,
  readyPath = '/api/beats?limit=1',
  noBundle = true,
  timeoutMs = 90_000,
}) {
  const args = [
    'wrangler',
    'dev',
    '-c',
    config,
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    persistTo,
    '--show-interactive-dev-session=false',
    '--inspector-port',
    String(port + 1000),
  ];
  if (noBundle) args.push('--no-bundle');
  const startedAt = performance.now();
  const child = spawnGroup('npx', args, {
    env: {
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_METRICS: 'false',
      NO_UPDATE_NOTIFIER: '1',
      CI: '1',
      ...WITHOUT_DEV_TOOLS,
    },
    logFile,
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = startedAt + timeoutMs;
  /** @type {Error | null} */
  let lastError = null;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const response = await fetch(base + readyPath, { signal: AbortSignal.timeout(3000) });
      const body = await response.text();
      if (response.status < 500) {
        const workerdPids = () => (child.pid === undefined ? [] : processesInGroup(child.pid, 'workerd').map((p) => p.pid));
        const runtime = {
          child,
          base,
          ws: base.replace('http', 'ws'),
          port,
          startMs: performance.now() - startedAt,
          /** The workerd processes serving this runtime. */
          workerdPids,
          stop: () => stopGroup(child),
          direct: await findDirectEntry(workerdPids(), readyPath, { status: response.status, body }),
        };
        return runtime;
      }
      lastError = new Error(`status ${response.status}`);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
    await sleep(250);
  }
  await stopGroup(child);
  let log = '';
  try {
    log = readFileSync(logFile, 'utf8').slice(-3000);
  } catch {
    // no log
  }
  throw new Error(`runtime on port ${port} did not start: ${lastError?.message ?? 'exited'}\n${log}`);
}
