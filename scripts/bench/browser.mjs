// @ts-check
// Client-side benchmarks: bundle sizes of the built pages, and in system Chromium
// (Playwright) the time from the Play click to the first scheduled onset, onset error
// in offline renders, and cross-client alignment of one global step.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { core } from '../core.mjs';
import { cpuMonitor, median, sleep, summary } from './lib.mjs';

/** @import { Browser, BrowserContext, Page } from '@playwright/test' */
/** @import { Session } from '../../core/index.ts' */
/** @import { Scheduled } from './page-globals.d.ts' */
/** @import { Runtime } from './runtime.mjs' */

/** @param {Buffer} buffer */
const gz = (buffer) => gzipSync(buffer, { level: 9 }).length;

/**
 * Scripts an HTML page loads before it runs: module entry + modulepreloads (+ CSS, reported apart).
 * @param {string} html
 */
function initialAssets(html) {
  /** @type {Set<string>} */
  const js = new Set();
  /** @type {Set<string>} */
  const css = new Set();
  for (const m of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) js.add(String(m[1]));
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) js.add(String(m[1]));
  for (const m of html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)) css.add(String(m[1]));
  return { js: [...js], css: [...css] };
}

/**
 * @param {string} clientDir
 * @param {string} html
 * @param {string} label
 */
function sizeOf(clientDir, html, label) {
  const { js, css } = initialAssets(html);
  const files = js.map((src) => {
    const buffer = readFileSync(join(clientDir, src.replace(/^\//, '')));
    return { src, raw: buffer.length, gzip: gz(buffer) };
  });
  const styles = css.map((href) => {
    const buffer = readFileSync(join(clientDir, href.replace(/^\//, '')));
    return { href, raw: buffer.length, gzip: gz(buffer) };
  });
  return {
    label,
    files,
    jsRaw: files.reduce((a, f) => a + f.raw, 0),
    jsGzip: files.reduce((a, f) => a + f.gzip, 0),
    cssGzip: styles.reduce((a, f) => a + f.gzip, 0),
    htmlGzip: gz(Buffer.from(html)),
  };
}

/**
 * Gzipped initial JS of the editor (index.html), the published beat page (the same
 * SPA, served by the Worker with the beat inlined) and the embed player.
 * @param {Runtime} rt
 * @param {string} clientDir
 */
export async function benchSizes(rt, clientDir) {
  const editor = sizeOf(clientDir, readFileSync(join(clientDir, 'index.html'), 'utf8'), 'editor');
  // A published beat, to fetch its real pages.
  const create = await fetch(`${rt.base}/api/sessions`, {
    method: 'POST',
    body: '{"template":"starter"}',
    headers: { 'Content-Type': 'application/json' },
  });
  const { id } = /** @type {{ id: string }} */ (await create.json());
  const published = /** @type {{ beatId: string }} */ (
    await (await fetch(`${rt.base}/api/sessions/${id}/publish`, { method: 'POST' })).json()
  );
  const beatHtml = await (await fetch(`${rt.base}/b/${published.beatId}`)).text();
  const beat = sizeOf(clientDir, beatHtml, 'published page');
  let embed = null;
  if (existsSync(join(clientDir, 'embed.html'))) {
    const response = await fetch(`${rt.base}/embed/${published.beatId}`);
    const html = response.ok ? await response.text() : readFileSync(join(clientDir, 'embed.html'), 'utf8');
    embed = sizeOf(clientDir, html, 'embed player');
    // What Play loads on top (lazy chunks named after the embed's playback module).
  }
  const largest = [...editor.files].sort((a, b) => b.gzip - a.gzip)[0];
  return {
    editor,
    beat,
    embed,
    largestEditorChunk: largest,
    embedVsEditor: embed ? embed.jsGzip / editor.jsGzip : null,
    beatId: published.beatId,
  };
}

/**
 * The JS files (under /assets/) a page fetches from now on.
 * @param {Page} page
 */
function trackScripts(page) {
  /** @type {Set<string>} */
  const seen = new Set();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/assets/') && path.endsWith('.js')) seen.add(path);
  });
  return seen;
}

/**
 * @param {string} clientDir
 * @param {Iterable<string>} paths
 */
function gzipOfFiles(clientDir, paths) {
  const files = [...paths].map((src) => {
    const buffer = readFileSync(join(clientDir, src.replace(/^\//, '')));
    return { src, raw: buffer.length, gzip: gz(buffer) };
  });
  return { files, gzip: files.reduce((a, f) => a + f.gzip, 0), raw: files.reduce((a, f) => a + f.raw, 0) };
}

/**
 * The embed player: click Play, time until it reports playing; the JS it fetched by then.
 * @param {Browser} browser
 * @param {string} base
 * @param {string} beatId
 * @param {string} clientDir
 */
async function embedPlay(browser, base, beatId, clientDir) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const scripts = trackScripts(page);
    await page.goto(`${base}/embed/${beatId}`);
    const play = page.getByRole('button', { name: 'Play' });
    await play.waitFor({ timeout: 10_000 });
    await page.evaluate(() => {
      document.addEventListener('pointerdown', () => (window.__benchClick = performance.now()), { capture: true });
    });
    await play.click();
    await page.locator('#player[data-state="playing"]').waitFor({ timeout: 15_000 });
    const ms = await page.evaluate(() => performance.now() - window.__benchClick);
    return { playingMs: ms, js: gzipOfFiles(clientDir, scripts) };
  } finally {
    await context.close();
  }
}

/**
 * @param {BrowserContext} context
 * @param {string} base
 * @param {string} sessionPath
 */
async function openEditor(context, base, sessionPath) {
  const page = await context.newPage();
  const scripts = trackScripts(page);
  await page.goto(base + sessionPath);
  await page.getByTestId('connection-status').filter({ hasText: 'Connected' }).waitFor({ timeout: 20_000 });
  await page.waitForFunction(() => !!window.__keyboardia?.engine, null, { timeout: 10_000 });
  return { page, scripts };
}

/**
 * Record each Play click (server time and page time), from now on.
 * @param {Page} page
 */
async function recordClicks(page) {
  await page.evaluate(() => {
    window.__benchClicks = [];
    document.addEventListener(
      'pointerdown',
      () => {
        const h = window.__keyboardia;
        h.engine.scheduled.splice(0);
        window.__benchClicks.push({ serverMs: h.sync.serverNow(), perf: performance.now() });
      },
      { capture: true },
    );
  });
}

/**
 * Play click → first scheduled onset (server time) of the last click.
 * @param {Page} page
 */
function lastOnset(page) {
  return page.evaluate(() => {
    const h = window.__keyboardia;
    const click = /** @type {{ serverMs: number, perf: number }} */ (window.__benchClicks.at(-1));
    const first = /** @type {Scheduled} */ (h.engine.scheduled[0]);
    const session = h.store.getState().session;
    return { onsetMs: first.serverMs - click.serverMs, callbackMs: performance.now() - click.perf, stepMs: 60000 / session.tempo / 4 };
  });
}

/**
 * Play click → first scheduled onset (server time), repeated Stop/Play, alone in the
 * session: Play starts at once from the top (issue 12).
 * @param {Page} page
 * @param {number} runs
 */
async function playToOnset(page, runs) {
  await recordClicks(page);
  const play = page.getByRole('button', { name: 'Play', exact: true });
  const stop = page.getByRole('button', { name: 'Stop', exact: true });
  /** @type {{ onsetMs: number, callbackMs: number, stepMs: number }[]} */
  const results = [];
  for (let i = 0; i < runs; i++) {
    await play.click();
    await page.waitForFunction(() => window.__keyboardia.engine.scheduled.length > 0, null, { timeout: 10_000 });
    results.push(await lastOnset(page));
    await stop.click();
    await sleep(250);
  }
  return results;
}

/**
 * Offline renders of the click voice and sharp drums: every onset's error against the grid.
 * @param {Page} page
 */
async function onsetErrors(page) {
  /** @type {{ label: string, session: Session, steps: number, expected: number[] }[]} */
  const checks = [];
  /**
   * @param {number} g
   * @param {number} tempo
   * @param {number} swing
   */
  const grid = (g, tempo, swing) => g * (60 / tempo / 4) + (g % 2 === 1 ? (swing / 100) * 0.5 * (60 / tempo / 4) : 0);
  /**
   * @param {string} label
   * @param {string} instrument
   * @param {number} tempo
   * @param {number} swing
   * @param {number} length
   * @param {number[]} on
   * @param {number} steps
   */
  const make = (label, instrument, tempo, swing, length, on, steps) => {
    // core's model: every field of this model version, then what the check needs.
    const made = core.makeTrack({ id: 't', name: 'T', instrument, length, on });
    made.row.velocities = new Array(core.LIMITS.maxSteps).fill(core.LIMITS.maxVelocity);
    made.track.volume = 0.8;
    made.track.pan = 0;
    /** @type {Session} */
    const session = {
      ...core.sessionWithTracks(core.emptySession(0, label), [made]),
      tempo,
      swing,
      effects: { reverb: 0, delay: 0, delayFeedback: 0 },
    };
    /** @type {number[]} */
    const expected = [];
    for (let g = 0; g < steps; g++) if (on.includes(g % length)) expected.push(grid(g, tempo, swing));
    checks.push({ label, session, steps, expected });
  };
  for (const tempo of [60, 120, 173])
    for (const swing of [0, 33, 66])
      for (const length of [16, 7]) {
        const on = Array.from({ length }, (_, i) => i).filter((i) => i % 3 !== 2);
        make(`click ${tempo}/${swing}/${length}`, 'test-click', tempo, swing, length, on, 40);
      }
  for (const instrument of ['studio-kick', 'studio-snare', 'electro-kick', '808-kick'])
    for (const [tempo, swing] of /** @type {[number, number][]} */ ([
      [120, 66],
      [173, 33],
    ]))
      make(`${instrument} ${tempo}/${swing}`, instrument, tempo, swing, 11, [0], 44);
  const sampleRate = 44_100;
  return page.evaluate(
    async ({ checks, sampleRate }) => {
      const audio = window.__keyboardiaAudio;
      /** @type {number[]} */
      const errors = [];
      let missing = 0;
      let expectedTotal = 0;
      for (const c of checks) {
        const buffer = await audio.renderSession(c.session, { steps: c.steps, tailSeconds: 0.3, sampleRate });
        const left = buffer.getChannelData(0);
        const right = buffer.numberOfChannels > 1 ? buffer.getChannelData(1) : left;
        let peak = 0;
        /** @param {number} i */
        const level = (i) => Math.max(Math.abs(left[i] ?? 0), Math.abs(right[i] ?? 0));
        for (let i = 0; i < left.length; i++) peak = Math.max(peak, level(i));
        const quietFor = Math.round(0.02 * sampleRate);
        const rise = Math.round(0.005 * sampleRate);
        /** @type {number[]} */
        const onsets = [];
        let quiet = quietFor;
        for (let i = 0; i < left.length; i++) {
          if (level(i) < peak * 0.02) {
            quiet++;
            continue;
          }
          if (quiet >= quietFor) {
            let loud = false;
            for (let j = i; j < Math.min(i + rise, left.length) && !loud; j++) loud = level(j) > peak * 0.25;
            if (loud) onsets.push(i / sampleRate);
          }
          quiet = 0;
        }
        expectedTotal += c.expected.length;
        c.expected.forEach((t, k) => {
          if (onsets[k] === undefined) missing++;
          else errors.push(Math.abs(onsets[k] - t) * 1000);
        });
        if (onsets.length !== c.expected.length) missing += Math.abs(onsets.length - c.expected.length);
      }
      return { errors, missing, expectedTotal, renders: checks.length };
    },
    { checks, sampleRate },
  );
}

/**
 * Levels of the two sessions the master chain is judged by (e2e/mixSessions.ts: a dense
 * 16-track session, every step on, and the starter), rendered offline and measured in the
 * page by app/audio/meter.ts: sample and true peak, RMS, crest factor, BS.1770-4 loudness.
 * @param {Page} page
 */
async function mixLevels(page) {
  /** @type {typeof import('../../e2e/mixSessions.ts')} */
  const { denseSession, starterSession } = await import('../../e2e/mixSessions.ts');
  const measure = (/** @type {Session} */ session, /** @type {number} */ loops) =>
    page.evaluate(
      async ({ session, loops }) => {
        const audio = window.__keyboardiaAudio;
        const started = performance.now();
        const buffer = await audio.renderSession(session, { loops, tailSeconds: 2, sampleRate: 44_100 });
        const renderMs = performance.now() - started;
        return { ...(await audio.meter(buffer)), seconds: buffer.duration, renderMs };
      },
      { session, loops },
    );
  return { dense: await measure(denseSession(), 1), starter: await measure(starterSession(), 4) };
}

/**
 * Two browser contexts play one session; difference of the server time each scheduled a
 * shared global step at. The second one's Play joins the first (click → first onset,
 * joining); then the first launches pattern B on the next bar, and the server times at
 * which each scheduled the first step of B are compared.
 * @param {Browser} browser
 * @param {string} base
 * @param {() => Promise<string>} newSessionPath
 */
async function alignment(browser, base, newSessionPath) {
  const path = await newSessionPath();
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  try {
    const { page: a } = await openEditor(ctxA, base, path);
    await a.getByRole('button', { name: 'Play', exact: true }).click();
    await sleep(1500);
    const { page: b } = await openEditor(ctxB, base, path);
    await recordClicks(b);
    await b.getByRole('button', { name: 'Play', exact: true }).click();
    await b.waitForFunction(() => window.__keyboardia.engine.scheduled.length > 0, null, { timeout: 10_000 });
    const join = await lastOnset(b);
    await sleep(2500);
    // Read before the launch and the re-join below (a Play click clears the page's scheduled steps).
    /** @param {Page} p */
    const get = (p) =>
      p.evaluate(() => {
        const h = window.__keyboardia;
        const s = h.store.getState().session;
        return {
          scheduled: h.engine.scheduled.slice(),
          anchor: s.timeline.anchorMs,
          tempo: s.tempo,
          clock: h.sync.clock.estimate(),
          realignments: h.engine.realignments,
        };
      });
    const A = await get(a);
    const B = await get(b);
    // A launch: pattern B (a copy of A) on the next bar, for both.
    await a.evaluate(() => {
      const h = window.__keyboardia;
      const A = h.store.getState().session.patterns.A;
      h.edits.apply({ type: 'add_pattern', pattern: 'B', value: A });
      h.edits.apply({ type: 'launch_pattern', pattern: 'B', when: 'bar' });
    });
    /** @param {Page} p */
    const firstOfB = (p) => p.evaluate(() => window.__keyboardia.engine.scheduled.find((s) => s.pattern === 'B') ?? null);
    await a.waitForFunction(() => window.__keyboardia.engine.scheduled.some((s) => s.pattern === 'B'), null, { timeout: 15_000 });
    await b.waitForFunction(() => window.__keyboardia.engine.scheduled.some((s) => s.pattern === 'B'), null, { timeout: 15_000 });
    const [launchA, launchB] = [await firstOfB(a), await firstOfB(b)];
    const launch =
      launchA && launchB && launchA.globalStep === launchB.globalStep ? Math.abs(launchA.serverMs - launchB.serverMs) : Number.NaN;
    // B stops and joins again: a join without the page's first-Play costs.
    await b.getByRole('button', { name: 'Stop', exact: true }).click();
    await sleep(300);
    await b.getByRole('button', { name: 'Play', exact: true }).click();
    await b.waitForFunction(() => window.__keyboardia.engine.scheduled.length > 0, null, { timeout: 10_000 });
    const rejoin = await lastOnset(b);
    const byStep = new Map(A.scheduled.map((s) => [s.globalStep, s.serverMs]));
    const shared = B.scheduled.filter((s) => byStep.has(s.globalStep));
    /** @param {Scheduled} s */
    const apart = (s) => Math.abs(s.serverMs - (byStep.get(s.globalStep) ?? NaN));
    const differences = shared.map(apart);
    const step1 = shared.filter((s) => s.globalStep % 16 === 0).map(apart);
    const stepMs = 60000 / A.tempo / 4;
    const timelineError = [...A.scheduled, ...B.scheduled].map((s) => Math.abs(s.serverMs - (A.anchor + s.globalStep * stepMs)));
    return {
      differences,
      step1,
      stepMs,
      timelineError,
      rtt: [A.clock.rtt, B.clock.rtt],
      realignments: A.realignments + B.realignments,
      joinOnsetMs: join.onsetMs,
      rejoinOnsetMs: rejoin.onsetMs,
      launch,
    };
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
}

/**
 * @param {Runtime} rt
 * @param {{ clientDir: string, beatId: string | null, playRuns?: number, alignmentRuns?: number }} options
 */
export async function benchBrowser(rt, { clientDir, beatId, playRuns = 10, alignmentRuns = 3 }) {
  const { chromium } = await import('@playwright/test');
  const browser = await chromium.launch({
    executablePath: ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  // Measured before the browser closes: its processes' time is lost once they exit.
  const machine = cpuMonitor();
  const newSessionPath = async () => {
    const response = await fetch(`${rt.base}/api/sessions`, {
      method: 'POST',
      body: '{"template":"starter"}',
      headers: { 'Content-Type': 'application/json' },
    });
    return /** @type {{ url: string }} */ (await response.json()).url;
  };
  try {
    const context = await browser.newContext();
    const { page, scripts } = await openEditor(context, rt.base, await newSessionPath());
    const plays = await playToOnset(page, playRuns);
    const editorJs = gzipOfFiles(clientDir, scripts);
    const embed = beatId ? await embedPlay(browser, rt.base, beatId, clientDir) : null;
    await page.waitForFunction(() => 'renderSession' in (window.__keyboardiaAudio ?? {}), null, { timeout: 10_000 });
    const render = await onsetErrors(page);
    const mix = await mixLevels(page);
    await context.close();
    /** @type {Awaited<ReturnType<typeof alignment>>[]} */
    const runs = [];
    for (let i = 0; i < alignmentRuns; i++) runs.push(await alignment(browser, rt.base, newSessionPath));
    const differences = runs.flatMap((r) => r.differences);
    const step1 = runs.flatMap((r) => r.step1);
    const stepMs = runs[0]?.stepMs ?? NaN;
    const first = /** @type {(typeof plays)[number]} */ (plays[0]);
    const warm = plays.slice(1);
    return {
      contention: machine(),
      editorJsByFirstSound: editorJs,
      embed,
      play: {
        first,
        warm: summary(warm.map((p) => p.onsetMs)),
        stepMs: first.stepMs,
        // Alone, Play starts from step 0 PLAY_AT_ONCE_LEAD_MS (16 ms: 12 + the master chain's 3.3 ms, rounded up) after the engine has the audio clock.
        designFloorMs: 16,
        // Joining others: the first step boundary ≥ click + 120 ms (START_LEAD_MS): on average 120 ms + half a step.
        join: summary(runs.map((r) => r.joinOnsetMs)),
        rejoin: summary(runs.map((r) => r.rejoinOnsetMs)),
        joinFloorMs: 120 + first.stepMs / 2,
      },
      launch: summary(runs.map((r) => r.launch).filter((x) => Number.isFinite(x))),
      launchesMissed: runs.filter((r) => !Number.isFinite(r.launch)).length,
      render: {
        ...summary(render.errors),
        missing: render.missing,
        expected: render.expectedTotal,
        renders: render.renders,
        sampleMs: 1000 / 44_100,
      },
      mix,
      alignment: {
        runs: runs.length,
        shared: differences.length,
        all: summary(differences),
        step1: summary(step1),
        stepMs,
        timelineError: summary(runs.flatMap((r) => r.timelineError)),
        rtt: median(runs.flatMap((r) => r.rtt).filter((x) => x !== null)),
        realignments: runs.reduce((a, r) => a + r.realignments, 0),
      },
    };
  } finally {
    await browser.close();
  }
}
