// @ts-check
// `npm test`: every check, in order of cost. Stops at the first failing stage and
// ends with one summary line ("tests: N passed, N failed"). A test that passed only on
// a retry is flaky, and a flaky test is a failing test: it is named and counted as failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const results = { passed: 0, failed: 0 };
/** "file:line › title" of every end-to-end test that passed only on a retry. @type {string[]} */
const flakyTests = [];
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

/**
 * @typedef {{ file: string; line: number; title: string; tests?: { status: string }[] }} ReportSpec
 * @typedef {{ title?: string; file?: string; specs?: ReportSpec[]; suites?: ReportSuite[] }} ReportSuite
 */

/**
 * The specs of a Playwright JSON report's suite tree, with the titles of the suites around them.
 * @param {ReportSuite[] | undefined} suites
 * @param {string[]} [titles]
 * @returns {Generator<{ spec: ReportSpec; titles: string[] }>}
 */
function* playwrightSpecs(suites, titles = []) {
  for (const suite of suites ?? []) {
    // A file's own suite is titled with its file name, which the location already gives.
    const path = suite.title && suite.title !== suite.file ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? []) yield { spec, titles: [...path, spec.title] };
    yield* playwrightSpecs(suite.suites, path);
  }
}

/**
 * Counts the e2e report; returns how many tests were flaky (those are counted as failed).
 * @param {string} file
 */
function countPlaywright(file) {
  if (!existsSync(file)) return 0;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  results.passed += report.stats?.expected ?? 0;
  results.failed += report.stats?.unexpected ?? 0;
  const flaky = report.stats?.flaky ?? 0;
  results.failed += flaky;
  const rootDir = report.config?.rootDir ?? process.cwd();
  for (const { spec, titles } of playwrightSpecs(report.suites)) {
    if (!spec.tests?.some((t) => t.status === 'flaky')) continue;
    flakyTests.push(`${relative(process.cwd(), join(rootDir, spec.file))}:${spec.line} › ${titles.join(' › ')}`);
  }
  // Should the tree ever be unreadable, the count still says something was flaky.
  if (flakyTests.length < flaky) flakyTests.push(`${flaky - flakyTests.length} more (see ${file})`);
  return flaky;
}

/** @param {boolean} ok */
function finish(ok) {
  if (flakyTests.length > 0) {
    console.log('\nFlaky (passed only on a retry), counted as failed:');
    for (const name of flakyTests) console.log(`  ${name}`);
  }
  console.log(`\ntests: ${results.passed} passed, ${results.failed} failed`);
  process.exit(ok && results.failed === 0 ? 0 : 1);
}

for (const f of ['test-results/vitest.json', 'test-results/e2e.json', 'test-results/crash.json', 'test-results/http-soak.json']) {
  rmSync(f, { force: true });
}

const stages = [
  // Format and lint (biome.jsonc); `npm run tidy` applies the safe fixes and the formatting.
  () => run('format and lint (Biome)', 'npx', ['biome', 'check', '.']),
  () => run('type-check', 'npx', ['tsc', '-b']),
  () => {
    const ok = run('unit + worker tests (vitest, workerd)', 'npx', [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=test-results/vitest.json',
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
    // Every route × every method, with and without bodies, against `vite dev` and the
    // built app under `vite preview`: no 5xx, no stack trace. One test per server.
    const ok = run('HTTP soak (vite dev and vite preview)', 'node', ['scripts/http-soak.ts']);
    if (existsSync('test-results/http-soak.json')) {
      const report = JSON.parse(readFileSync('test-results/http-soak.json', 'utf8'));
      for (const server of report.servers) {
        if (server.failures.length === 0) results.passed += 1;
        else results.failed += 1;
      }
    } else {
      results.failed += 1;
    }
    return ok;
  },
  () => {
    // Two workers (playwright.config.ts).
    const ok = run('end to end (Playwright, Chromium)', 'npx', ['playwright', 'test'], {
      E2E_SKIP_BUILD: '1',
      CI: process.env.CI ?? '1',
      E2E_REPORT: 'test-results/e2e.json',
    });
    // Counted whatever the outcome: the summary line names the failures too.
    const flaky = countPlaywright('test-results/e2e.json');
    return ok && flaky === 0;
  },
];

for (const stage of stages) {
  if (!stage()) finish(false);
}
finish(true);
