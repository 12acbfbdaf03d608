// @ts-check
// The local runtime (wrangler dev → workerd) as a child process group, on loopback.
import { readFileSync } from 'node:fs';
import { processesInGroup, sleep, spawnGroup, stopGroup } from './lib.mjs';

/**
 * @typedef {{ child: import('node:child_process').ChildProcess, base: string, ws: string, port: number, startMs: number,
 *   workerdPids: () => number[], stop: () => Promise<void> }} Runtime
 */

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
    env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', NO_UPDATE_NOTIFIER: '1', CI: '1' },
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
      await response.arrayBuffer();
      if (response.status < 500) {
        const runtime = {
          child,
          base,
          ws: base.replace('http', 'ws'),
          port,
          startMs: performance.now() - startedAt,
          /** The workerd processes serving this runtime. */
          workerdPids: () => (child.pid === undefined ? [] : processesInGroup(child.pid, 'workerd').map((p) => p.pid)),
          stop: () => stopGroup(child),
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
