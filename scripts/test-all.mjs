// @ts-check
// `npm test`: every check, in order of cost. Stops at the first failing stage and
// ends with one summary line ("N passed, N failed").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const results = { passed: 0, failed: 0 };
mkdirSync('test-results', { recursive: true });

/**
 * @param {string} title
 * @param {string} command
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function run(title, command, args, env = {}) {
  console.log(`\n━━ ${title}: ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.log(`━━ ${title} FAILED after ${seconds}s`);
    return false;
  }
  console.log(`━━ ${title} ok (${seconds}s)`);
  return true;
}

/** @param {string} file */
function countVitest(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  results.passed += report.numPassedTests ?? 0;
  results.failed += report.numFailedTests ?? 0;
}

/** @param {string} file */
function countPlaywright(file) {
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  results.passed += report.stats?.expected ?? 0;
  results.passed += report.stats?.flaky ?? 0;
  results.failed += report.stats?.unexpected ?? 0;
}

/** @param {boolean} ok */
function finish(ok) {
  console.log(`\ntests: ${results.passed} passed, ${results.failed} failed`);
  process.exit(ok && results.failed === 0 ? 0 : 1);
}

for (const f of ['test-results/vitest.json', 'test-results/e2e.json', 'test-results/crash.json']) rmSync(f, { force: true });

const stages = [
  () => run('type-check', 'npx', ['tsc', '-b']),
  () => {
    const ok = run('unit + worker tests (vitest, workerd)', 'npx', [
      'vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json',
    ]);
    countVitest('test-results/vitest.json');
    return ok;
  },
  () => run('build', 'npx', ['vite', 'build', '--logLevel', 'warn']),
  () => run('deployable bundle', 'npx', ['wrangler', 'deploy', '--dry-run']),
  () => {
    const ok = run('crash harness (SIGKILL mid-jam)', 'node', ['scripts/crash-harness.mjs']);
    if (existsSync('test-results/crash.json')) {
      const report = JSON.parse(readFileSync('test-results/crash.json', 'utf8'));
      if (report.lost === 0 && ok) results.passed += 1;
      else results.failed += 1;
    }
    return ok;
  },
  () => {
    const ok = run('end to end (Playwright, Chromium)', 'npx', ['playwright', 'test'], {
      E2E_SKIP_BUILD: '1',
      E2E_REPORT: 'test-results/e2e.json',
      CI: process.env.CI ?? '1',
    });
    countPlaywright('test-results/e2e.json');
    return ok;
  },
];

for (const stage of stages) {
  if (!stage()) finish(false);
}
finish(true);
