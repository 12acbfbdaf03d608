#!/usr/bin/env node
// @ts-check
// `npm run bench`: Keyboardia's benchmarks, each against a baseline measured on this
// machine in the same run. Prints a table and writes docs/BENCHMARKS.md (and the raw
// figures to bench-results/bench.json).
//
//   1 sync round trip vs a bare echo Durable Object    5 cold wake of a full session
//   2 fan-out to 10 clients                             6 load: 100 sessions × 5 clients
//   3 throughput, 5 clients, vs the echo                7 client bundle sizes, Play → onset
//   4 storage and cost per edit and per session         8 audio onset error, cross-client alignment
//   9 a flooding socket beside honest editors          10 a live audience: 10 editors + 1,000 listeners
//  11 Lighthouse (mobile) on the four pages            12 own sounds: upload of a 5 s sample
//  13 the grid rendering while it plays (frame times)  14 relays: 1 room → 4 relays → 2,000 listeners
//
// Options: --only=<BENCHES below, comma-separated>   --no-write   --<NUMBER_OPTIONS below>=N
//          --through-proxy (10 and 14: sockets through wrangler dev's proxy workerd, not straight to the Worker's)
// Runtimes are `wrangler dev` children on 127.0.0.1:8790 and :8792 (inspector on +1000;
// override the base with BENCH_PORT), state in a temporary folder; every child's process
// group is killed on exit. About 2.5 minutes on 2 idle cores; longer on a shared machine
// (the report says how busy it was during each phase).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBrowser, benchSizes } from './bench/browser.mjs';
import { benchLighthouse } from './bench/lighthouse.mjs';
import { benchRendering } from './bench/rendering.mjs';
import { cpuMonitor, killAllChildren, machineInfo, runSync, sleep } from './bench/lib.mjs';
import { PROFILE, renderMarkdown, renderTable } from './bench/report.mjs';
import { startRuntime } from './bench/runtime.mjs';
import {
  benchAudience,
  benchFanout,
  benchFlood,
  benchLoad,
  benchRoundTrip,
  benchStorage,
  benchThroughput,
  measureColdWake,
  prepareColdWake,
} from './bench/server.mjs';
import { benchSounds } from './bench/sounds.mjs';
import { core } from './core.mjs';

/** The benches `--only=` can pick (the report's header lists these). */
const BENCHES = /** @type {const} */ ([
  'rtt',
  'fanout',
  'throughput',
  'storage',
  'flood',
  'sounds',
  'cold',
  'load',
  'audience',
  'relays',
  'browser',
  'render',
  'lighthouse',
]);
/** The numeric options (`--name=N`; the report's header lists these). */
const NUMBER_OPTIONS = /** @type {const} */ ([
  'load-seconds',
  'audience-listeners',
  'audience-seconds',
  'audience-threads',
  'relays',
  'relay-listeners',
  'relay-direct',
]);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
/** @param {string} name */
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
/** @param {string} message @returns {never} */
function usage(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
for (const a of args) {
  const name = /^--([\w-]+)/.exec(a)?.[1];
  if (a === '--no-write' || a === '--through-proxy' || name === 'only' || NUMBER_OPTIONS.some((o) => o === name)) continue;
  usage(
    `unknown option ${a} (options: --only=${BENCHES.join(',')} --no-write --through-proxy ${NUMBER_OPTIONS.map((o) => `--${o}=N`).join(' ')})`,
  );
}
for (const name of NUMBER_OPTIONS) {
  const value = option(name);
  if (value !== undefined && !(Number.isInteger(Number(value)) && Number(value) >= 0)) usage(`--${name}=${value}: want a whole number ≥ 0`);
}
const only = option('only')?.split(',') ?? null;
for (const name of only ?? []) if (!BENCHES.some((b) => b === name)) usage(`--only: unknown bench ${name} (benches: ${BENCHES.join(',')})`);
/** @param {string} name */
const wants = (name) => !only || only.includes(name);
const write = !args.includes('--no-write');
/** Sections 10 and 14 through wrangler dev's proxy workerd, as the other benches go (default: straight to the Worker's). */
const viaProxy = args.includes('--through-proxy');
const loadSeconds = Number(option('load-seconds') ?? 40);
const basePort = Number(process.env.BENCH_PORT ?? 8790);
/** Worker threads running the audience benches' listener sockets (10 and 14). */
const threads = Number(option('audience-threads') ?? 4);
const tag = Date.now().toString(36);

const { LIMITS } = core;
/** @param {...unknown} parts */
const log = (...parts) => console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s]`, ...parts);
const t0 = performance.now();

async function main() {
  const machine = machineInfo();
  const work = mkdtempSync(join(tmpdir(), 'keyboardia-bench-'));
  /** @type {Record<string, { busy: number, ours: number, others: number }>} */
  const contention = {};
  /**
   * Run one phase, noting how busy the machine was and with what.
   * @template T
   * @param {string} name
   * @param {() => Promise<T>} fn
   */
  const phase = async (name, fn) => {
    const stop = cpuMonitor();
    try {
      return await fn();
    } catch (error) {
      throw new Error(`bench ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      contention[name] = stop();
    }
  };
  /** @type {import('./bench/report.mjs').Results} */
  const results = {
    machine,
    contention,
    command: 'npm run bench',
    benches: BENCHES,
    options: NUMBER_OPTIONS,
    ports: [basePort, basePort + 2],
    limits: { perSecond: LIMITS.rateLimitPerSecond, burst: LIMITS.rateLimitBurst, editors: LIMITS.maxEditorsPerSession },
  };
  log(`machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.ramGiB.toFixed(1)} GiB, Node ${machine.node}; work dir ${work}`);

  try {
    // ---- build: the production client + Worker, and the bench Worker (real Worker + echo DO) ----
    const needServer = ['rtt', 'fanout', 'throughput', 'storage', 'flood', 'sounds', 'cold', 'load', 'audience', 'relays'].some(wants);
    const needBrowser = wants('browser') || wants('lighthouse') || wants('render');
    let buildMs = null;
    if (needBrowser) {
      log('vite build');
      const b0 = performance.now();
      runSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: root, env: { CLOUDFLARE_CF_FETCH_ENABLED: 'false' } });
      buildMs = performance.now() - b0;
      // A private copy: others may rebuild dist/ while the bench runs.
      cpSync(join(root, 'dist'), join(work, 'dist'), { recursive: true });
    }
    const benchWorkerDir = join(work, 'bench-worker');
    if (needServer) {
      log('bundle the bench Worker (scripts/bench/echo-worker.mjs)');
      runSync(
        'npx',
        ['wrangler', 'deploy', '--dry-run', '--outdir', benchWorkerDir, '-c', join(root, 'scripts/bench/wrangler.bench.jsonc')],
        {
          cwd: root,
          env: { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
        },
      );
      // Same config, pointed at the bundle (its comments are whole lines).
      const config = JSON.parse(
        readFileSync(join(root, 'scripts/bench/wrangler.bench.jsonc'), 'utf8')
          .split('\n')
          .filter((line) => !line.trim().startsWith('//'))
          .join('\n'),
      );
      writeFileSync(join(benchWorkerDir, 'wrangler.json'), JSON.stringify({ ...config, main: 'echo-worker.js' }));
    }
    results.buildMs = buildMs;

    // ---- server benches, one runtime ----
    const state = join(work, 'state');
    mkdirSync(state, { recursive: true });
    /** @type {Awaited<ReturnType<typeof prepareColdWake>> | null} */
    let prepared = null;
    if (needServer) {
      /** @param {string} logName */
      const start = (logName) =>
        startRuntime({
          config: join(benchWorkerDir, 'wrangler.json'),
          port: basePort,
          persistTo: state,
          logFile: join(work, logName),
          readyPath: '/api/sessions/x',
        });
      const rt = await start('runtime-a.log');
      log(
        `bench runtime up in ${(rt.startMs / 1000).toFixed(1)} s (workerd pids ${rt.workerdPids().join(', ')}; the Worker's own entry: ${rt.direct ? `${rt.direct.base}, pid ${rt.direct.pid}` : 'not found'})`,
      );
      try {
        // The room's own constants (backstop delay, log ring, compaction), from the code under test.
        results.room = /** @type {import('./bench/report.mjs').RoomConstants} */ (
          await (await fetch(`${rt.base}/__bench/constants`)).json()
        );
        if (wants('rtt')) {
          log('1. sync round trip vs bare echo');
          results.rtt = await phase('rtt', () => benchRoundTrip(rt, { tag }));
          log(`   room p50 ${results.rtt.room.p50.toFixed(2)} ms, p99 ${results.rtt.room.p99.toFixed(2)} ms`);
        }
        if (wants('fanout')) {
          log('2. fan-out to 10 clients');
          results.fanout = await phase('fanout', () => benchFanout(rt, { tag }));
        }
        if (wants('throughput')) {
          log('3. throughput, 5 clients');
          results.throughput = await phase('throughput', () => benchThroughput(rt, { tag, limitPerSecond: LIMITS.rateLimitPerSecond }));
        }
        if (wants('storage')) {
          log(`4. storage per edit, empty vs full; a ${PROFILE.mutations}-edit session's life; a backstop publish`);
          const compactEvery = /** @type {import('./bench/report.mjs').RoomConstants} */ (results.room).compactEvery;
          results.storage = await phase('storage', () => benchStorage(rt, { tag, lifeMutations: PROFILE.mutations, compactEvery }));
        }
        if (wants('flood')) {
          log('9. a socket flooding at 300/s beside 2 honest editors');
          results.flood = await phase('flood', () => benchFlood(rt, { tag }));
        }
        if (wants('sounds')) {
          log('12. own sounds: upload a 5 s sample (new, then again), download it');
          results.sounds = await phase('sounds', () => benchSounds(rt, { tag }));
        }
        if (wants('audience')) {
          const listeners = Number(option('audience-listeners') ?? 1000);
          const seconds = Number(option('audience-seconds') ?? 20);
          log(`10. a live audience: 10 editors jamming, ${listeners} listeners on the listen link, ${seconds} s`);
          results.audience = await phase('audience', () => benchAudience(rt, { tag, listeners, seconds, threads, viaProxy }));
        }
        if (wants('relays')) {
          const listeners = Number(option('relay-listeners') ?? 2000);
          const relays = Number(option('relays') ?? 4);
          const direct = Number(option('relay-direct') ?? 100);
          const seconds = Number(option('audience-seconds') ?? 20);
          log(`14. relays: 10 editors, 1 room → ${relays} relays → ${listeners} listeners, + ${direct} on the room, ${seconds} s`);
          results.relays = await phase('relays', () => benchAudience(rt, { tag, listeners, relays, direct, seconds, threads, viaProxy }));
        }
        if (wants('cold')) {
          log('5. cold wake: building full sessions');
          prepared = await prepareColdWake(rt, { tag });
        }
      } finally {
        await rt.stop();
      }
      if (prepared || wants('load')) {
        // A fresh runtime on the same state: every Durable Object evicted (cold wake), and
        // the load starts from a runtime that has served nothing yet.
        log('restart the runtime (every Durable Object evicted)');
        await sleep(500);
        const restarted = await start('runtime-b.log');
        try {
          const built = prepared;
          if (built) {
            log('5. cold wake');
            results.cold = await phase('cold', () => measureColdWake(restarted, built, { tag }));
          }
          if (wants('load')) {
            log(`6. load: 100 sessions × 5 clients for ${loadSeconds} s`);
            results.load = await phase('load', () =>
              benchLoad(restarted, { tag, seconds: loadSeconds, roundTripP50: results.rtt?.room.p50 }),
            );
          }
        } finally {
          await restarted.stop();
        }
      }
    }

    // ---- client benches against the production build ----
    if (wants('browser') || wants('render')) {
      log('7/8. production build in wrangler dev; sizes, Play → onset, offline render, alignment');
      const rt = await startRuntime({
        config: join(work, 'dist/keyboardia/wrangler.json'),
        port: basePort + 2,
        persistTo: join(work, 'state-web'),
        logFile: join(work, 'runtime-web.log'),
      });
      try {
        if (wants('browser')) {
          results.sizes = await benchSizes(rt, join(work, 'dist/client'));
          results.browser = await benchBrowser(rt, { clientDir: join(work, 'dist/client'), beatId: results.sizes.beatId });
          contention.browser = results.browser.contention;
        }
        if (wants('render')) {
          log('10. rendering: 16 tracks × 128 steps playing at 180 BPM for 20 s in Chromium');
          results.rendering = await benchRendering(rt);
          contention.render = results.rendering.contention;
        }
      } finally {
        await rt.stop();
      }
    }
    if (wants('lighthouse')) {
      log('10. Lighthouse, mobile, on the landing page, the editor, a published beat and the embed (3 runs each)');
      const rt = await startRuntime({
        config: join(work, 'dist/keyboardia/wrangler.json'),
        port: basePort + 4,
        persistTo: join(work, 'state-lighthouse'),
        logFile: join(work, 'runtime-lighthouse.log'),
      });
      try {
        results.lighthouse = await benchLighthouse({ base: rt.base, pgid: rt.child.pid }, { runs: 3, debugPort: basePort + 5, log });
        contention.lighthouse = results.lighthouse.contention;
      } finally {
        await rt.stop();
      }
    }

    results.durationMs = performance.now() - t0;
    log(`done in ${(results.durationMs / 1000).toFixed(1)} s`);
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(join(root, 'bench-results/bench.json'), JSON.stringify(results, null, 2));
    console.log(`\n${renderTable(results)}`);
    if (write && !only) {
      writeFileSync(join(root, 'docs/BENCHMARKS.md'), renderMarkdown(results));
      log('wrote docs/BENCHMARKS.md');
    } else if (write) {
      log('partial run (--only): docs/BENCHMARKS.md not rewritten; raw figures in bench-results/bench.json');
    }
  } finally {
    killAllChildren();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  killAllChildren();
  process.exit(1);
});
