import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

/** Debian's Chromium when it is installed (CI, these machines); Playwright's own elsewhere. */
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const PORT = Number(process.env.E2E_PORT ?? 4317);

export default defineConfig({
  testDir: 'e2e',
  // Screenshot baselines (e2e/screenshots.spec.ts) without the platform in their names: CI on
  // Linux compares with the files committed from this Linux machine.
  snapshotPathTemplate: '{testDir}/__screenshots__/{testFilePath}/{arg}{ext}',
  // Per port, so that two runs on one machine never delete each other's artifacts.
  outputDir: `test-results/playwright-${PORT}`,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // Two workers (this machine and CI have 2 cores), each running whole files in order: a
  // file's tests share a worker and its browser, files run side by side. One worker took
  // 16½ min of the 21-min `npm test`; two run the same tests in about half the time (see
  // README, "Test it"). Every test makes its own session, beat and sounds (per-session rate
  // limits, content-addressed sounds), and the only shared list a test reads, the landing
  // page's newest 12 published beats, is read right after the test's own publish: files do
  // not share server state. What made two workers slow at first was a leak, not a race: pages that a
  // test opened with `browser.newContext()` outlived it and kept playing for the rest of the
  // worker (e2e/helpers.ts's `test` now closes them). E2E_WORKERS overrides the count (1 to
  // see a test alone).
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  // A test that passes only on a second try is a failing test: no retries, and if
  // someone turns them back on, a flaky result still fails the run.
  retries: 0,
  failOnFlakyTests: true,
  reporter: [['list'], ['json', { outputFile: process.env.E2E_REPORT ?? `test-results/e2e-${PORT}.json` }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    // Traces keep the action log, DOM snapshots, console and network, but no screencast:
    // with software rendering it tripled Chromium's CPU time (measured: 72 clicks in three
    // contexts, 21 CPU-seconds with it, 8 without), and on a busy machine that starved the
    // tests' own pages past their timeouts.
    trace: { mode: 'retain-on-failure', screenshots: false },
    launchOptions: {
      executablePath: systemChromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: {
    // The production build, served by the real Worker in workerd, with throwaway state.
    command: `node scripts/e2e-server.mjs ${PORT}`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
