// @ts-check
// Shared helpers for scripts/bench.mjs: statistics, child processes (the local runtime
// as a child, killed as a process group), /proc readings of workerd, machine facts.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** @param {number} ms @returns {Promise<void>} */
export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Nearest-rank percentile of an unsorted array (p in 0…100).
 * @param {number[]} values
 * @param {number} p
 * @returns {number}
 */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return /** @type {number} */ (sorted[rank - 1]);
}

/**
 * @typedef {{ n: number, p50: number, p90: number, p99: number, max: number, min: number, mean: number }} Summary
 */

/**
 * @param {number[]} values
 * @returns {Summary}
 */
export function summary(values) {
  const n = values.length;
  return {
    n,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    // (Reduced, not spread: section 14 summarises millions of deliveries.)
    max: n ? values.reduce((a, b) => Math.max(a, b), -Infinity) : NaN,
    min: n ? values.reduce((a, b) => Math.min(a, b), Infinity) : NaN,
    mean: n ? values.reduce((a, b) => a + b, 0) / n : NaN,
  };
}

/** @param {number[]} values */
export const median = (values) => percentile(values, 50);

/**
 * A number with `digits` decimals, or "n/a".
 * @param {number | null | undefined} value
 */
export function fmt(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return String(value);
  return value.toFixed(digits);
}

/** @param {number} bytes */
export function kb(bytes, digits = 1) {
  return `${(bytes / 1024).toFixed(digits)} KiB`;
}

/**
 * A seeded random source in [0, 1) (Park–Miller minimal standard): runs repeat their edits.
 * @param {number} seed
 * @returns {() => number}
 */
export function rng(seed) {
  let state = (seed % 2147483646) + 1;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

/**
 * Run `fn` over `items` with at most `limit` at once.
 * @template T, R
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T, index: number) => Promise<R>} fn
 * @returns {Promise<R[]>}
 */
export async function pool(items, limit, fn) {
  /** @type {R[]} */
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(/** @type {T} */ (items[i]), i);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, what) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    /** @type {Promise<never>} */ (
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      })
    ),
  ]);
}

// ---- machine ---------------------------------------------------------------------------

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    ramGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

// ---- child processes ----------------------------------------------------------------------

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();

/** Kill every child process group we started (synchronous: safe in 'exit'). */
export function killAllChildren(signal = 'SIGKILL') {
  for (const child of children) {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
  children.clear();
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAllChildren());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/**
 * Spawn a command in its own process group; output goes to `logFile`.
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, logFile?: string, cwd?: string }} [options]
 */
export function spawnGroup(command, args, { env = {}, logFile, cwd } = {}) {
  hookExit();
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  if (logFile) {
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  } else {
    child.stdout.resume();
    child.stderr.resume();
  }
  child.on('exit', () => children.delete(child));
  return child;
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<void>}
 */
export async function stopGroup(child, graceMs = 4000) {
  const pid = child?.pid;
  if (!child || pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return;
  }
  const exited = new Promise((done) => child.once('exit', done));
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([exited, timer])) === 'timeout') {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
    await Promise.race([exited, sleep(2000)]);
  }
  // workerd may outlive wrangler for a moment; the group kill reaches it too.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
  children.delete(child);
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, cwd?: string }} [options]
 */
export function runSync(command, args, { env = {}, cwd } = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${(result.stdout ?? '').slice(-2000)}\n${(result.stderr ?? '').slice(-4000)}`,
    );
  }
  return result;
}

// ---- /proc ----------------------------------------------------------------------------------

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const PAGE_SIZE = Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout.trim()) || 4096;

/**
 * @param {number} pid
 * @returns {{ pid: number, comm: string, pgrp: number, cpuSeconds: number, rssBytes: number } | null}
 */
function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    return {
      pid,
      comm,
      pgrp: Number(fields[2]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLK_TCK,
      rssBytes: Number(fields[21]) * PAGE_SIZE,
    };
  } catch {
    return null;
  }
}

/**
 * Processes named `comm` in process group `pgrp`.
 * @param {number} pgrp
 * @param {string} [comm]
 */
export function processesInGroup(pgrp, comm) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgrp === pgrp && (!comm || stat.comm === comm)) found.push(stat);
  }
  return found;
}

/**
 * @typedef {{ at: number, cpuSeconds: number, rssBytes: number, hwmBytes: number, perProcess: { pid: number, cpuSeconds: number, rssBytes: number }[] }} ProcessSample
 */

/**
 * CPU seconds and RSS (VmRSS, VmHWM) summed over `pids`.
 * @param {number[]} pids
 * @returns {ProcessSample}
 */
export function sampleProcesses(pids) {
  let cpuSeconds = 0;
  let rssBytes = 0;
  let hwmBytes = 0;
  /** @type {ProcessSample['perProcess']} */
  const perProcess = [];
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    cpuSeconds += stat.cpuSeconds;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+) kB/.exec(status);
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      rssBytes += rss ? Number(rss[1]) * 1024 : stat.rssBytes;
      hwmBytes += hwm ? Number(hwm[1]) * 1024 : 0;
      perProcess.push({ pid, cpuSeconds: stat.cpuSeconds, rssBytes: rss ? Number(rss[1]) * 1024 : stat.rssBytes });
    } catch {
      rssBytes += stat.rssBytes;
    }
  }
  return { at: performance.now(), cpuSeconds, rssBytes, hwmBytes, perProcess };
}

export const joinPath = join;

// ---- who uses the machine ----------------------------------------------------------------------

function machineTicks() {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), idle: (fields[3] ?? 0) + (fields[4] ?? 0) };
}

/** CPU seconds of this process and every descendant (runtimes, Chromium) now alive. */
function ourCpuSeconds() {
  const parent = new Map();
  const group = new Map();
  const cpu = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      group.set(Number(entry), Number(fields[2]));
      // utime + stime + cutime + cstime: a child that exits during a phase (the browser)
      // moves its time into its parent's cutime, so the tree's total stays whole.
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK);
    } catch {
      // gone
    }
  }
  const ours = new Set([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!ours.has(pid) && ours.has(ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  // Chromium's helpers may be re-parented away from the browser; they keep its process group.
  const groups = new Set([...ours].map((pid) => group.get(pid)).filter((g) => g && g !== group.get(1)));
  groups.delete(group.get(process.ppid));
  for (const [pid, g] of group) if (groups.has(g)) ours.add(pid);
  let total = 0;
  for (const pid of ours) total += cpu.get(pid) ?? 0;
  return total;
}

/**
 * Start watching the machine's CPU; the returned function reports, as % of all cores,
 * how busy the machine was, how much of it was this bench (and its children) and how
 * much was other processes sharing the machine.
 */
export function cpuMonitor() {
  const a = { machine: machineTicks(), ours: ourCpuSeconds() };
  return () => {
    const b = { machine: machineTicks(), ours: ourCpuSeconds() };
    const total = b.machine.total - a.machine.total;
    if (total <= 0) return { busy: NaN, ours: NaN, others: NaN };
    const busy = total - (b.machine.idle - a.machine.idle);
    const ours = Math.max(0, (b.ours - a.ours) * CLK_TCK);
    return { busy: (busy / total) * 100, ours: (Math.min(ours, busy) / total) * 100, others: (Math.max(0, busy - ours) / total) * 100 };
  };
}
