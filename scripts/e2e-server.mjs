// @ts-check
// Builds the app and serves it with `vite preview` (the Worker, the Durable Object
// and KV in workerd) on the given port, with fresh state in a temporary folder.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WITHOUT_DEV_TOOLS } from './quietRuntime.mjs';

const port = process.argv[2] ?? '4317';
const stateDir = mkdtempSync(join(tmpdir(), 'keyboardia-e2e-'));
const env = { ...process.env, ...WITHOUT_DEV_TOOLS, KEYBOARDIA_STATE_DIR: stateDir, PORT: port };
if (!process.env.E2E_SKIP_BUILD) {
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const server = spawn('npx', ['vite', 'preview', '--port', port, '--strictPort'], { stdio: 'inherit', env });
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
