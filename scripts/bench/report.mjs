// @ts-check
// The bench's outputs: a console table and docs/BENCHMARKS.md, both from the raw results.
import { core } from '../core.mjs';
import { fmt, kb } from './lib.mjs';

/** @import * as Server from './server.mjs' */
/** @import * as Browser from './browser.mjs' */
import { lighthouseMarkdown, lighthouseRows } from './lighthouse.mjs';
/** @import * as Sounds from './sounds.mjs' */
/** @import * as Rendering from './rendering.mjs' */
import { renderingRows, renderingSection } from './rendering.mjs';
/** @typedef {import('../../app/audio/meter.ts').Levels & { seconds: number, renderMs: number }} MixLevels */

/**
 * The room's constants, as the bench Worker reports them from the room's own modules
 * (`/__bench/constants`): the report follows the code it measured.
 * @typedef {{ kvBackstopMs: number, logSlots: number, compactEvery: number, storageLayout: number, relayReportMs?: number }} RoomConstants
 */

/**
 * Everything one run measured (bench-results/bench.json).
 * @typedef {{
 *   machine: ReturnType<typeof import('./lib.mjs').machineInfo>,
 *   contention: Record<string, { busy: number, ours: number, others: number }>,
 *   command: string,
 *   ports: number[],
 *   limits: { perSecond: number, burst: number, editors: number },
 *   room?: RoomConstants,
 *   buildMs?: number | null,
 *   durationMs?: number,
 *   rtt?: Awaited<ReturnType<typeof Server.benchRoundTrip>>,
 *   fanout?: Awaited<ReturnType<typeof Server.benchFanout>>,
 *   throughput?: Awaited<ReturnType<typeof Server.benchThroughput>>,
 *   storage?: Awaited<ReturnType<typeof Server.benchStorage>>,
 *   flood?: Awaited<ReturnType<typeof Server.benchFlood>>,
 *   audience?: Awaited<ReturnType<typeof Server.benchAudience>>,
 *   relays?: Awaited<ReturnType<typeof Server.benchAudience>>,
 *   sounds?: Awaited<ReturnType<typeof Sounds.benchSounds>>,
 *   cold?: Awaited<ReturnType<typeof Server.measureColdWake>>,
 *   load?: Awaited<ReturnType<typeof Server.benchLoad>>,
 *   sizes?: Awaited<ReturnType<typeof Browser.benchSizes>>,
 *   browser?: Awaited<ReturnType<typeof Browser.benchBrowser>>,
 *   lighthouse?: import('./lighthouse.mjs').LighthouseResults,
 *   rendering?: Awaited<ReturnType<typeof Rendering.benchRendering>>,
 *   benches?: readonly string[],
 *   options?: readonly string[],
 * }} Results
 */

// ---- prices (Cloudflare Workers Paid, USD, as published on developers.cloudflare.com) ----------

export const PRICES = {
  base: 5, // Workers Paid, per month
  workerRequests: { included: 10e6, perMillion: 0.3 },
  doRequests: { included: 1e6, perMillion: 0.15 }, // incoming WebSocket messages count 20:1
  doDurationGBs: { included: 400_000, perMillion: 12.5 }, // 128 MB per object
  sqliteRowsWritten: { included: 50e6, perMillion: 1.0 }, // each setAlarm() counts as one row written
  sqliteRowsRead: { included: 25e9, perMillion: 0.001 },
  sqliteStoredGBMonth: { included: 5, perUnit: 0.2 },
  kvReads: { included: 10e6, perMillion: 0.5 },
  kvWrites: { included: 1e6, perMillion: 5.0 },
  kvStoredGBMonth: { included: 1, perUnit: 0.5 },
};

/** The session the projection assumes (the seeds' "150 mutations per session" average). */
export const PROFILE = {
  sessions: 1e6,
  editors: 2,
  minutes: 10,
  mutations: 150,
  presencePerSecond: 0.5, // cursor frames per editor, averaged over the session
  clockEverySeconds: core.CLIENT_CADENCE.clockRefreshMs / 1000, // while playing (the whole session, pessimistically)
  pingEverySeconds: core.CLIENT_CADENCE.keepaliveMs / 1000,
  kvWriteWallMs: 100, // assumed wall time of one KV put from the DO (not measurable locally)
};

/** The bill issue 11 asks for, per PROFILE.sessions a month. */
export const BILL_GOAL = 130;
/** Issue 10 §4: honest editors beside a flooder keep getting acks within this. */
export const FLOOD_ACK_GOAL_MS = 1000;

/**
 * @param {number} usage
 * @param {{ included: number, perMillion: number }} price
 */
const cost = (usage, { included, perMillion }) => (Math.max(0, usage - included) / 1e6) * perMillion;
/**
 * @param {number} usage
 * @param {{ included: number, perUnit: number }} price
 */
const costUnit = (usage, { included, perUnit }) => Math.max(0, usage - included) * perUnit;
/** @param {number} x */
const cents = (x) => `$${x.toFixed(2)}`;
/** @param {number} x */
const money = (x) => `$${x >= 100 ? x.toFixed(0) : x.toFixed(2)}`;
/** @param {number | null | undefined} x */
const ms = (x, d = 2) => `${fmt(x, d)} ms`;
/** @param {number | null | undefined} x */
const ratio = (x, d = 2) => `${fmt(x, d)}×`;
/** @param {number | null | undefined} x */
const count = (x) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US'));
/** @param {boolean | null} ok */
const met = (ok) => (ok === null ? '—' : ok ? '**met**' : '**missed**');
/** @param {number} n @param {string} one @param {string} [many] */
const plural = (n, one, many = `${one}s`) => `${fmt(n, Number.isInteger(n) ? 0 : 1)} ${n === 1 ? one : many}`;

/**
 * Monthly bill per PROFILE.sessions, from measured figures: the rows, KV writes and
 * bytes of one session's life (bench 4), the workerd CPU per incoming frame under load
 * (bench 6) and the room's own constants. Null unless all three were measured.
 * @param {Results} results
 */
export function projectCost(results) {
  const { load, storage, room } = results;
  if (!load || !storage || !room) return null;
  const life = storage.life;
  const P = PROFILE;
  const seconds = P.minutes * 60;
  const gap = seconds / P.mutations;
  const backstopSeconds = room.kvBackstopMs / 1000;
  // The backstop alarm publishes backstopSeconds after the first unpublished change; edits keep coming.
  const alarmPublishes = Math.floor(seconds / (backstopSeconds + gap));
  // Every publish folds the log; between publishes, every compactEvery versions fold it too.
  const segments = alarmPublishes + 1;
  const compactions = segments * Math.floor(P.mutations / segments / room.compactEvery);
  const rowsPerEdit = storage.full.rows.p50;
  const rowsPerCompaction = life.rowsPerCompaction ?? 0;
  // The first change after each publish schedules the next backstop (measured: alarms the edits set).
  const alarmsSet = life.creation.alarmsSet + segments * life.editing.alarmsSet;
  const rows = {
    creation: life.creation.rows,
    edits: P.mutations * rowsPerEdit,
    compactions: compactions * rowsPerCompaction,
    backstops: alarmPublishes * life.backstop.rows,
    leave: life.leave.rows,
    alarms: alarmsSet,
  };
  const rowsPerSession = Object.values(rows).reduce((a, b) => a + b, 0);
  const kvWritesPerSession = life.creation.kvWrites + alarmPublishes * life.backstop.kvWrites + life.leave.kvWrites;
  const wsIn =
    P.mutations + P.editors * (1 + P.presencePerSecond * seconds + (9 + seconds / P.clockEverySeconds) + seconds / P.pingEverySeconds);
  const doRequestsPerSession = wsIn / 20 + P.editors /* upgrades */ + 1 /* create RPC */ + alarmPublishes;
  const activeSeconds = (wsIn * load.cpu.msPerIncoming) / 1000 + (kvWritesPerSession * P.kvWriteWallMs) / 1000;
  const gbs = activeSeconds * 0.125;
  const gbsNoHibernation = seconds * 0.125;
  const workerRequestsPerSession = 1 + P.editors * 2; // create + (page + upgrade) per editor
  const sqliteBytes = life.databaseSize;
  const kvBytes = life.kvDocBytes;
  const n = P.sessions;
  const lines = [
    {
      key: 'rows',
      item: 'DO SQLite rows written (setAlarm included)',
      perSession: rowsPerSession,
      usage: rowsPerSession * n,
      cost: cost(rowsPerSession * n, PRICES.sqliteRowsWritten),
      price: '$1.00/M after 50 M',
    },
    {
      key: 'kv',
      item: 'KV writes',
      perSession: kvWritesPerSession,
      usage: kvWritesPerSession * n,
      cost: cost(kvWritesPerSession * n, PRICES.kvWrites),
      price: '$5.00/M after 1 M',
    },
    {
      key: 'requests',
      item: 'DO requests (WS messages ÷ 20, upgrades, create, alarms)',
      perSession: doRequestsPerSession,
      usage: doRequestsPerSession * n,
      cost: cost(doRequestsPerSession * n, PRICES.doRequests),
      price: '$0.15/M after 1 M',
    },
    {
      key: 'duration',
      item: 'DO duration (hibernating between events), GB-s',
      perSession: gbs,
      usage: gbs * n,
      cost: cost(gbs * n, PRICES.doDurationGBs),
      price: '$12.50/M GB-s after 400 k',
    },
    {
      key: 'worker',
      item: 'Worker requests',
      perSession: workerRequestsPerSession,
      usage: workerRequestsPerSession * n,
      cost: cost(workerRequestsPerSession * n, PRICES.workerRequests),
      price: '$0.30/M after 10 M',
    },
    {
      key: 'sqlite',
      item: 'DO SQLite stored, GB-month (first month)',
      perSession: sqliteBytes,
      usage: (sqliteBytes * n) / 1024 ** 3,
      cost: costUnit((sqliteBytes * n) / 1024 ** 3, PRICES.sqliteStoredGBMonth),
      price: '$0.20/GB-month after 5 GB',
      bytes: true,
    },
    {
      key: 'kvStored',
      item: 'KV stored, GB-month (first month)',
      perSession: kvBytes,
      usage: (kvBytes * n) / 1024 ** 3,
      cost: costUnit((kvBytes * n) / 1024 ** 3, PRICES.kvStoredGBMonth),
      price: '$0.50/GB-month after 1 GB',
      bytes: true,
    },
  ];
  const total = PRICES.base + lines.reduce((a, l) => a + l.cost, 0);
  const worstDuration = cost(gbsNoHibernation * n, PRICES.doDurationGBs);
  // The seeds' own method: writes only, DO writes at $1/M after 1 M, KV at $5/M after 1 M.
  const seedMethod = {
    do: (Math.max(0, rowsPerSession * n - 1e6) / 1e6) * 1.0,
    kv: (Math.max(0, kvWritesPerSession * n - 1e6) / 1e6) * 5.0,
  };
  // What one more unit per session adds to the month (past what is included).
  const marginal = {
    row: (n / 1e6) * PRICES.sqliteRowsWritten.perMillion,
    kvWrite: (n / 1e6) * PRICES.kvWrites.perMillion,
    sqliteKiB: ((n * 1024) / 1024 ** 3) * PRICES.sqliteStoredGBMonth.perUnit,
    wsMessage: (n / 20 / 1e6) * PRICES.doRequests.perMillion,
  };
  return {
    profile: P,
    backstopSeconds,
    alarmPublishes,
    compactions,
    rows,
    rowsPerEdit,
    rowsPerCompaction,
    alarmsSet,
    kvWritesPerSession,
    rowsPerSession,
    measuredLifeRows: life.total.rows + life.total.alarmsSet,
    wsIn,
    doRequestsPerSession,
    activeSeconds,
    gbs,
    lines,
    /** @param {string} key */
    line: (key) => /** @type {(typeof lines)[number]} */ (lines.find((l) => l.key === key)),
    total,
    worstDuration,
    seedMethod,
    marginal,
  };
}

// ---- goals -----------------------------------------------------------------------------------

/** @param {Results} r */
function goals(r) {
  const c = projectCost(r);
  const f = r.flood;
  return {
    rtt: r.rtt ? r.rtt.ratioP50 <= 1.25 : null,
    // Issue 17 (group commit): against the echo that writes one durable row per frame.
    throughput: r.throughput ? r.throughput.roomVsDurable >= 0.9 : null,
    fanout: r.fanout ? r.fanout.ratioP50 <= 1.25 : null,
    loadLatency: r.load && r.rtt ? r.load.latency.p99 / r.rtt.room.p99 <= 5 : null,
    load: r.load
      ? r.load.unacked === 0 &&
        r.load.errors === 0 &&
        r.load.gaps === 0 &&
        r.load.cellMismatches === 0 &&
        r.load.versionMismatches === 0 &&
        r.load.closedEarly === 0
      : null,
    bill: c ? c.total <= BILL_GOAL : null,
    flood: f ? f.during.max <= FLOOD_ACK_GOAL_MS && f.honestUnacked === 0 && f.flooder.closed?.code === core.CLOSE.abuse : null,
  };
}

// ---- console ---------------------------------------------------------------------------------

/** @param {Results} r */
export function renderTable(r) {
  /** @type {string[][]} */
  const rows = [['#', 'measure', 'result', 'baseline (same run)', 'ratio / goal']];
  const g = goals(r);
  if (r.rtt) {
    rows.push([
      '1',
      'sync round trip p50 / p99',
      `${ms(r.rtt.room.p50)} / ${ms(r.rtt.room.p99)}`,
      `bare echo ${ms(r.rtt.echo.p50)} / ${ms(r.rtt.echo.p99)}`,
      `${ratio(r.rtt.ratioP50)} (≤1.25×: ${g.rtt ? 'met' : 'missed'})`,
    ]);
    rows.push([
      '1',
      '  vs echo + 1 durable row',
      `${ms(r.rtt.room.p50)}`,
      `durable echo ${ms(r.rtt.durable.p50)} / ${ms(r.rtt.durable.p99)}`,
      ratio(r.rtt.roomVsDurableP50),
    ]);
  }
  if (r.fanout)
    rows.push([
      '2',
      'fan-out to 10, last has it p50 / p99',
      `${ms(r.fanout.room.p50)} / ${ms(r.fanout.room.p99)}`,
      `echo to 10 ${ms(r.fanout.echo.p50)} / ${ms(r.fanout.echo.p99)}`,
      ratio(r.fanout.ratioP50),
    ]);
  if (r.fanout)
    rows.push([
      '2',
      '  vs echo to 10 + 1 durable row',
      `${ms(r.fanout.room.p50)}`,
      `durable echo to 10 ${ms(r.fanout.durableEcho.p50)} / ${ms(r.fanout.durableEcho.p99)}`,
      ratio(r.fanout.durableRatioP50),
    ]);
  if (r.throughput) {
    const t = r.throughput;
    rows.push([
      '3',
      'throughput, 5 clients (limit off, bench only)',
      `${count(t.unlimited.rate)}/s`,
      `bare echo ${count(t.echo.rate)}/s`,
      `${ratio(t.ratio)} (≥0.7×: ${g.throughput ? 'met' : 'missed'})`,
    ]);
    rows.push([
      '3',
      '  vs echo + 1 durable row',
      `${count(t.unlimited.rate)}/s`,
      `durable echo ${count(t.durable.rate)}/s`,
      ratio(t.roomVsDurable),
    ]);
    rows.push([
      '3',
      '  production room, clients at the limit',
      `${count(t.limited.rate)}/s`,
      `limit ${t.clients}×${r.limits.perSecond}/s`,
      ratio(t.limited.rate / (t.clients * r.limits.perSecond)),
    ]);
  }
  if (r.storage) {
    const s = r.storage;
    const life = s.life;
    rows.push([
      '4',
      'rows / bytes per step edit, empty',
      `${s.empty.rows.p50} row, ${s.empty.bytes.p50} B`,
      `whole doc ${s.empty.docBytes} B`,
      ratio(s.empty.bytes.p50 / s.empty.docBytes, 3),
    ]);
    rows.push([
      '4',
      'rows / bytes per step edit, full 16×128',
      `${s.full.rows.p50} row, ${s.full.bytes.p50} B`,
      `whole doc ${s.full.docBytes} B`,
      ratio(s.full.bytes.p50 / s.full.docBytes, 4),
    ]);
    rows.push([
      '4',
      `rows: creation / ${life.mutations} edits / leave / backstop`,
      `${life.creation.rows} / ${life.editing.rows} / ${life.leave.rows} / ${life.backstop.rows}`,
      `${life.compactions.length} compaction(s) in the edits; alarms set ${life.total.alarmsSet}`,
      `${life.total.rows} rows`,
    ]);
    rows.push([
      '4',
      `KV writes / SQLite / KV doc per session`,
      `${life.total.kvWrites} / ${kb(life.databaseSize)} / ${kb(life.kvDocBytes)}`,
      `log ${life.logRows} rows, snapshot ${life.snapshotBytes} B`,
      '',
    ]);
  }
  if (r.throughput)
    rows.push([
      '4',
      'rows per mutation incl. compaction (long session)',
      fmt(r.throughput.unlimited.rowsPerMutation, 3),
      '1 row per mutation (seeds)',
      ratio(r.throughput.unlimited.rowsPerMutation, 3),
    ]);
  if (r.load)
    rows.push([
      '4',
      `rows per mutation incl. compaction (load sessions)`,
      fmt(r.load.rowsPerMutation, 3),
      '1 row per mutation (seeds)',
      ratio(r.load.rowsPerMutation, 3),
    ]);
  if (r.load)
    rows.push([
      '4',
      `KV writes per session (${r.load.seconds} s of editing)`,
      fmt(r.load.kvWritesPerSession.mean, 2),
      '1 per session (seeds)',
      ratio(r.load.kvWritesPerSession.mean),
    ]);
  const c = projectCost(r);
  if (c) {
    rows.push([
      '4',
      'bill per 1 M sessions / month',
      money(c.total),
      'seeds: $149 (hybrid)',
      `${ratio(c.total / 149)} (≤$${BILL_GOAL}: ${g.bill ? 'met' : 'missed'})`,
    ]);
    for (const l of c.lines)
      if (l.cost > 0)
        rows.push([
          '4',
          `  ${l.item}`,
          money(l.cost),
          l.bytes ? kb(l.perSession) : fmt(l.perSession, l.perSession < 10 ? 2 : 0),
          'per session',
        ]);
  }
  if (r.cold)
    rows.push([
      '5',
      'cold wake → snapshot, full session p50',
      ms(r.cold.cold.p50),
      `warm ${ms(r.cold.warm.p50)}; new echo DO ${ms(r.cold.echoCold.p50)}`,
      `${ratio(r.cold.ratioWarm)} / ${ratio(r.cold.ratioEcho)}`,
    ]);
  if (r.load) {
    const l = r.load;
    rows.push([
      '6',
      `load ${l.sessions}×${l.clients}, ${l.seconds} s: acked/sent`,
      `${l.acked}/${l.sent}`,
      `lost ${l.unacked}, errors ${l.errors}, gaps ${l.gaps}, bad cells ${l.cellMismatches}`,
      l.unacked + l.errors + l.gaps + l.cellMismatches === 0 ? 'ok' : 'FAILED',
    ]);
    rows.push([
      '6',
      '  ack latency under load p50 / p99',
      `${ms(l.latency.p50)} / ${ms(l.latency.p99)}`,
      r.rtt ? `idle ${ms(r.rtt.room.p50)}` : '',
      l.latencyVsIdle ? ratio(l.latencyVsIdle) : '',
    ]);
    rows.push([
      '6',
      '  workerd CPU, RSS peak',
      `${fmt(l.cpu.percentOfOneCore, 0)}% of a core, ${kb(l.rss.max / 1024, 0).replace('KiB', 'MiB')}`,
      `idle ${kb(l.rss.idle / 1024, 0).replace('KiB', 'MiB')}`,
      ratio(l.rss.max / l.rss.idle),
    ]);
  }
  if (r.sizes) {
    const s = r.sizes;
    rows.push([
      '7',
      'gzipped initial JS: editor / published / embed',
      `${kb(s.editor.jsGzip)} / ${kb(s.beat.jsGzip)} / ${s.embed ? kb(s.embed.jsGzip) : 'n/a'}`,
      'editor',
      s.embed && s.embedVsEditor !== null ? ratio(s.embedVsEditor, 3) : '',
    ]);
  }
  if (r.browser) {
    const b = r.browser;
    rows.push([
      '7',
      'Play click → first onset p50, alone (first Play)',
      `${ms(b.play.warm.p50, 0)} (${ms(b.play.first?.onsetMs, 0)})`,
      `≤ 30 ms (issue 12)`,
      ratio(b.play.warm.p50 / 30),
    ]);
    rows.push([
      '7',
      'Play click → first onset p50, joining others (first Play of the page)',
      `${ms(b.play.rejoin?.p50, 0)} (${ms(b.play.join?.p50, 0)})`,
      `120 ms lead + ½ step = ${ms(b.play.joinFloorMs, 0)}`,
      ratio((b.play.rejoin?.p50 ?? Number.NaN) / b.play.joinFloorMs),
    ]);
    rows.push([
      '8',
      'offline render onset error p50 / p99 / max',
      `${ms(b.render.p50, 3)} / ${ms(b.render.p99, 3)} / ${ms(b.render.max, 3)}`,
      `1 sample = ${ms(b.render.sampleMs, 4)}`,
      ratio(b.render.p99 / b.render.sampleMs, 1),
    ]);
    if (b.mix)
      rows.push([
        '8',
        'master chain: dense session true peak / LUFS; starter crest / LUFS',
        `${fmt(b.mix.dense.truePeakDb, 2)} dBTP / ${fmt(b.mix.dense.lufs, 1)}; ${fmt(b.mix.starter.crestDb, 1)} dB / ${fmt(b.mix.starter.lufs, 1)}`,
        'targets ≤ −1 dBTP, ~−12 LUFS; ≥ 13.2 dB, ≥ −20 LUFS',
        '—',
      ]);
    rows.push([
      '8',
      'cross-client step alignment median / max',
      `${ms(b.alignment.all.p50)} / ${ms(b.alignment.all.max)}`,
      `one step ${ms(b.alignment.stepMs, 1)}`,
      ratio(b.alignment.all.p50 / b.alignment.stepMs, 3),
    ]);
    rows.push([
      '8',
      'cross-client pattern launch alignment median / max',
      `${ms(b.launch?.p50)} / ${ms(b.launch?.max)}`,
      '≤ 10 ms (issue 12)',
      ratio((b.launch?.p50 ?? Number.NaN) / 10, 3),
    ]);
  }
  if (r.flood) {
    const f = r.flood;
    rows.push([
      '9',
      `honest acks during a ${f.floodPerSecond}/s flood p50 / p99 / max`,
      `${ms(f.during.p50, 0)} / ${ms(f.during.p99, 0)} / ${ms(f.during.max, 0)}`,
      `idle p50 ${ms(f.idle.p50, 0)}`,
      `${ratio(f.duringVsIdleP50, 1)} (max ≤${FLOOD_ACK_GOAL_MS} ms: ${g.flood ? 'met' : 'missed'})`,
    ]);
    rows.push([
      '9',
      '  flooder answered / sent, then closed',
      `${f.flooder.answered} / ${f.flooder.sent} (${f.flooder.acked} acked)`,
      f.flooder.closed ? `closed ${f.flooder.closed.code} after ${ms(f.flooder.closed.afterMs, 0)}` : 'never closed',
      '',
    ]);
  }
  if (r.audience) {
    const a = r.audience;
    rows.push([
      '10',
      `audience: ${a.listeners} listeners join / last listener p50 / p99`,
      `${ms(a.joinMs, 0)} / ${ms(a.lastListener.p50)} / ${ms(a.lastListener.p99)}`,
      'issue 17: 500 joined in 85 s; 100: p99 48 ms',
      `join ≤ 10 s: ${a.joinMs <= AUDIENCE_GOALS.joinMs ? 'met' : 'missed'}; p99 ≤ 250 ms: ${a.lastListener.p99 <= AUDIENCE_GOALS.p99Ms ? 'met' : 'missed'}`,
    ]);
    rows.push([
      '10',
      '  every change to every listener, in order; presence per listener',
      `${a.delivered}/${a.expectedDeliveries}, ${a.gaps} gaps, ${a.duplicates} dup; ${fmt(a.presenceBytesPerListenerPerMinute / 1024, 1)} KiB/min`,
      'issue 17: 511 KiB of peers per listener in 8 s (100 listeners)',
      a.delivered === a.expectedDeliveries && a.gaps === 0 && a.duplicates === 0 ? 'complete' : 'INCOMPLETE',
    ]);
  }
  if (r.relays) {
    const a = r.relays;
    const { room, relay } = a.tiers;
    rows.push([
      '14',
      `relays: ${a.relays} relays, ${relay.listeners} + ${room.listeners} direct: join / last listener p50 (relay, direct)`,
      `${ms(a.joinMs, 0)} / ${ms(relay.lastListener.p50, 0)}, ${ms(room.lastListener.p50, 0)}`,
      'the room-direct listeners, same run',
      `relay hop at p50: ${ms(relay.delivery.p50 - room.delivery.p50, 0)}`,
    ]);
    rows.push([
      '14',
      '  every change to every listener, in order (relay; direct)',
      `${relay.delivered}/${relay.expectedDeliveries}; ${room.delivered}/${room.expectedDeliveries}; ${a.gaps} gaps, ${a.duplicates} dup, ${a.leakedEditingId} leaked`,
      `editors heard ${a.editorsHeardListeners} of ${a.listeners}`,
      a.delivered === a.expectedDeliveries && a.gaps === 0 && a.duplicates === 0 && a.listenersBehind === 0 ? 'complete' : 'INCOMPLETE',
    ]);
  }
  if (r.lighthouse) for (const row of lighthouseRows(r.lighthouse)) rows.push(['11', ...row]);
  if (r.sounds) {
    const s = r.sounds;
    rows.push([
      '12',
      `upload of a ${s.seconds} s sound (${kb(s.bytes)} WAV) p50 / p90`,
      `${ms(s.upload.p50, 0)} / ${ms(s.upload.p90, 0)}`,
      `a session created: p50 ${ms(s.createSession.p50, 0)}`,
      `${ratio(s.upload.p50 / s.createSession.p50, 1)}; stored ${kb(s.bytes)} a sound`,
    ]);
  }
  if (r.rendering) rows.push(...renderingRows(r.rendering));
  if (r.contention)
    rows.push([
      '',
      'machine: CPU of other processes per phase',
      Object.entries(r.contention)
        .map(([k, c]) => `${k} ${fmt(c.others, 0)}%`)
        .join(', '),
      '',
      '',
    ]);
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  /** @param {string[]} row */
  const line = (row) => row.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  ');
  return (
    [line(rows[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n') +
    `\n\nbench duration ${fmt((r.durationMs ?? NaN) / 1000, 1)} s`
  );
}

// ---- markdown --------------------------------------------------------------------------------

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/**
 * The master chain's figures (section 8).
 * @param {{ dense: MixLevels, starter: MixLevels }} mix
 */
function mixSection(mix) {
  /** @param {string} label @param {MixLevels} l */
  const row = (label, l) => [
    label,
    `${fmt(l.samplePeakDb, 2)} dBFS`,
    `${fmt(l.truePeakDb, 2)} dBTP`,
    `${fmt(l.rmsDb, 2)} dBFS`,
    `${fmt(l.crestDb, 1)} dB`,
    `${fmt(l.lufs, 1)} LUFS`,
    String(l.overs),
    `${fmt(l.seconds, 1)} s in ${fmt(l.renderMs / 1000, 1)} s`,
  ];
  return [
    '**Master chain: peaks and loudness.** The dense session (16 tracks — three kicks, three snares, a clap, three hats, three basses, a pad, two leads — 128 steps all on at velocity 127, every track at full volume, 180 BPM, one loop) and the starter beat (four loops), rendered offline at 44.1 kHz through `renderSession` with the master volume at its default 0.8, then measured in the page by `app/audio/meter.ts`: true peak by 4× windowed-sinc oversampling (48 taps per phase), loudness by ITU-R BS.1770-4 (K-weighting, 400 ms blocks, −70 LUFS absolute and −10 LU relative gates), crest factor = sample peak − RMS of the blocks within 20 LU of the mean. ' +
      'Targets: the dense session at about −12 LUFS integrated with a true peak ≤ −1 dBTP (the glue compressor brings a wall of sixteen tracks down; the limiter keeps every peak, between samples too, under the ceiling); the starter unchanged within 1 LU and 2 dB of crest factor. ' +
      'Before the chain (a soft clipper only, same renders): dense 0.00 dBFS peak, +3.02 dBTP, RMS −3.96 dBFS, crest 3.4 dB, −1.8 LUFS; starter −4.13 dBFS, −4.09 dBTP, RMS −20.17 dBFS, crest 15.2 dB, −19.0 LUFS.',
    '',
    table(
      ['', 'sample peak', 'true peak', 'RMS', 'crest', 'loudness', 'samples > 1', 'render'],
      [row('dense session', mix.dense), row('starter', mix.starter)],
    ),
    '',
  ];
}

/** @param {Results} r */
export function renderMarkdown(r) {
  const m = r.machine;
  const g = goals(r);
  const c = projectCost(r);
  /** @type {string[]} */
  const out = [];
  /** @param {...string} lines */
  const p = (...lines) => out.push(lines.join('\n'), '');

  p(
    '# Keyboardia benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench.mjs); do not edit by hand: rerun it. -->',
    '',
    `Run ${m.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} cores (${m.cpuModel}), ${fmt(m.ramGiB, 1)} GiB RAM, ${m.platform}, Node ${m.node}. ` +
      `The whole bench took ${fmt((r.durationMs ?? NaN) / 1000, 0)} s. Reproduce with \`npm run bench\` (options: \`--only=${(r.benches ?? []).join(',')}\`, ${(r.options ?? []).map((o) => `\`--${o}=N\``).join(', ')}, \`--no-write\`, \`--through-proxy\`, \`BENCH_PORT=<port>\`; raw figures land in \`bench-results/bench.json\`).`,
    '',
    'Every figure is a percentile or a ratio taken in this one run against a baseline measured on the same machine in the same run. ' +
      'Everything runs locally on loopback: the Worker, the Durable Objects and KV in workerd under `wrangler dev` (which puts a proxy workerd process in front of the one running the Worker), ' +
      "with a load generator (Node) on the same cores. Absolute numbers are a laptop-class dev runtime, not Cloudflare's edge; the ratios are what to track. " +
      "`wrangler dev` runs without its local explorer and observability collector (`X_LOCAL_EXPLORER=false`, `X_LOCAL_OBSERVABILITY=false`): on by default, they stream every event of every Durable Object to a collector in the same process (measured while writing this: the bare echo's round trip 1.2 ms with them, 0.4–0.5 ms without; the runtime under the load of section 6 at 71–89 % of a core with them, 42 % without), a cost of the dev tools that Cloudflare's runtime does not have. " +
      "The bench's WebSocket clients do not offer permessage-deflate: the Worker declines it (docs/PROTOCOL.md §2), but miniflare's dev-only entry worker in front of it would accept a client's offer anyway.",
    '',
    '**Baselines.** The server benches run a bench-only Worker (`scripts/bench/echo-worker.mjs` + `scripts/bench/wrangler.bench.jsonc`, bundled once into a temporary folder and never deployed): ' +
      'the real Worker and `SessionRoom` (plus a read-only probe of its storage, a count of the alarms it sets, and a way to bring its backstop alarm forward), and `EchoRoom`, a bare SQLite-class Durable Object using the same WebSocket Hibernation API that echoes each frame to its sender (`?all`: to every socket; `?durable`: after upserting the frame as one SQLite row, the floor of any design that acknowledges only after a durable write). ' +
      '`UnlimitedSessionRoom` is `SessionRoom` with the per-socket rate limit switched off, used only to measure what the runtime could sustain past the limit; figures from it are labelled "limit off". ' +
      'The client benches run the production build (`vite build` → `dist/`) under `wrangler dev`, in system Chromium via Playwright.',
  );

  if (r.contention && Object.keys(r.contention).length) {
    /** @type {Record<string, string>} */
    const names = {
      rtt: '1',
      fanout: '2',
      throughput: '3',
      storage: '4',
      flood: '9',
      cold: '5',
      load: '6',
      audience: '10',
      browser: '7–8',
      lighthouse: '11',
      sounds: '12',
      render: '13',
      relays: '14',
    };
    const entries = Object.entries(r.contention);
    const busiest = Math.max(...entries.map(([, c]) => c.others));
    p(
      '**The machine during the run** (from /proc/stat: % of all cores, per phase; "others" is every process that is not the bench, its runtimes or its browser — the machine is shared): ' +
        entries.map(([k, c]) => `${names[k] ?? k}: bench ${fmt(c.ours, 0)} %, others ${fmt(c.others, 0)} %`).join('; ') +
        '.' +
        (busiest > 20
          ? ' Phases where others took more than a fifth of the machine are noisier than the rest; the interleaved ratios (1–3) suffer least.'
          : ''),
    );
  }

  // ---- summary ----
  /** @type {string[][]} */
  const rows = [];
  if (r.rtt) {
    rows.push([
      '1',
      'Sync round trip: mutation → durable ack, p50 / p99',
      `${ms(r.rtt.room.p50)} / ${ms(r.rtt.room.p99)}`,
      `bare echo ${ms(r.rtt.echo.p50)} / ${ms(r.rtt.echo.p99)}`,
      `${ratio(r.rtt.ratioP50)} / ${ratio(r.rtt.ratioP99)}`,
      `p50 ≤ 1.25×: ${met(g.rtt)}`,
    ]);
    rows.push([
      '1',
      '… against the echo that writes one durable row first',
      ms(r.rtt.room.p50),
      `durable echo ${ms(r.rtt.durable.p50)} / ${ms(r.rtt.durable.p99)}`,
      ratio(r.rtt.roomVsDurableP50),
      '—',
    ]);
  }
  if (r.fanout)
    rows.push([
      '2',
      'Fan-out: one mutation until the last of 10 clients has it, p50 / p99',
      `${ms(r.fanout.room.p50)} / ${ms(r.fanout.room.p99)}`,
      `echo to 10 sockets ${ms(r.fanout.echo.p50)} / ${ms(r.fanout.echo.p99)}`,
      `${ratio(r.fanout.ratioP50)} / ${ratio(r.fanout.ratioP99)}`,
      `p50 ≤ 1.25× (issue 17): ${met(g.fanout)}`,
    ]);
  if (r.fanout)
    rows.push([
      '2',
      '… against the echo to 10 that writes one durable row first',
      ms(r.fanout.room.p50),
      `durable echo to 10 sockets ${ms(r.fanout.durableEcho.p50)} / ${ms(r.fanout.durableEcho.p99)}`,
      ratio(r.fanout.durableRatioP50),
      '—',
    ]);
  if (r.throughput) {
    const t = r.throughput;
    rows.push([
      '3',
      'Throughput, 1 session × 5 clients, persisted mutations/s (limit off)',
      `${count(t.unlimited.rate)}/s`,
      `bare echo ${count(t.echo.rate)}/s`,
      ratio(t.ratio),
      '—',
    ]);
    rows.push([
      '3',
      `… against the durable echo (group commit: ${fmt(t.unlimited.mutationsPerCommit ?? 1, 1)} mutations per commit)`,
      `${count(t.unlimited.rate)}/s`,
      `durable echo ${count(t.durable.rate)}/s`,
      ratio(t.roomVsDurable),
      `≥ 0.9× (issue 17): ${met(g.throughput)}`,
    ]);
    rows.push([
      '3',
      '… production room, 5 clients at the rate limit',
      `${count(t.limited.rate)}/s`,
      `what the limit allows: ${t.clients} × ${r.limits.perSecond}/s`,
      ratio(t.limited.rate / (t.clients * r.limits.perSecond)),
      '—',
    ]);
  }
  if (r.storage) {
    const s = r.storage;
    rows.push([
      '4',
      'DO storage per step edit, empty session',
      `${s.empty.rows.p50} row, ${s.empty.bytes.p50} B`,
      `whole document ${s.empty.docBytes} B`,
      ratio(s.empty.bytes.p50 / s.empty.docBytes, 3),
      '1 row per edit: **met**',
    ]);
    rows.push([
      '4',
      'DO storage per step edit, full session (16 × 128, all on)',
      `${s.full.rows.p50} row, ${s.full.bytes.p50} B`,
      `whole document ${s.full.docBytes} B`,
      ratio(s.full.bytes.p50 / s.full.docBytes, 4),
      '1 row per edit: **met**',
    ]);
    const life = s.life;
    rows.push([
      '4',
      `Rows written over a session's life: creation, ${life.mutations} edits by 2 editors, last editor leaving`,
      `${life.total.rows} (${life.creation.rows} + ${life.editing.rows} + ${life.leave.rows}), and ${plural(life.total.alarmsSet, 'alarm')} set`,
      `${life.mutations} edits at 1 row each`,
      ratio(life.total.rows / life.mutations, 3),
      '—',
    ]);
    rows.push([
      '4',
      'KV writes, SQLite database and KV document per session (the same session)',
      `${life.total.kvWrites}; ${kb(life.databaseSize)}; ${kb(life.kvDocBytes)}`,
      'seeds: 1 KV write',
      ratio(life.total.kvWrites),
      '—',
    ]);
  }
  if (r.throughput)
    rows.push([
      '4',
      'Rows written per mutation incl. compaction, one long session',
      fmt(r.throughput.unlimited.rowsPerMutation, 3),
      "1 (the seeds' model)",
      ratio(r.throughput.unlimited.rowsPerMutation, 3),
      '—',
    ]);
  if (r.load) {
    rows.push([
      '4',
      `Rows written per mutation incl. compaction, the ${r.load.sessions} load sessions`,
      fmt(r.load.rowsPerMutation, 3),
      "1 (the seeds' model)",
      ratio(r.load.rowsPerMutation, 3),
      '—',
    ]);
    rows.push([
      '4',
      `KV writes per editing session (${r.load.seconds} s of editing, creation excluded)`,
      `mean ${fmt(r.load.kvWritesPerSession.mean, 2)}, max ${r.load.kvWritesPerSession.max}`,
      "1 (the seeds' hybrid)",
      ratio(r.load.kvWritesPerSession.mean),
      '—',
    ]);
  }
  if (c)
    rows.push([
      '4',
      'Projected bill per 1 M sessions / month (profile below)',
      money(c.total),
      "seeds' hybrid: $149",
      ratio(c.total / 149),
      `≤ $${BILL_GOAL} (issue 11): ${met(g.bill)}`,
    ]);
  if (r.cold)
    rows.push([
      '5',
      'Cold wake: evicted DO → first snapshot of a full session, p50 / max',
      `${ms(r.cold.cold.p50)} / ${ms(r.cold.cold.max)}`,
      `warm ${ms(r.cold.warm.p50)}; a new (empty) echo DO ${ms(r.cold.echoCold.p50)}`,
      `${ratio(r.cold.ratioWarm)} / ${ratio(r.cold.ratioEcho)}`,
      '—',
    ]);
  if (r.load) {
    const l = r.load;
    rows.push([
      '6',
      `Load: ${l.sessions} sessions × ${l.clients} clients, ${l.seconds} s`,
      `${count(l.acked)} of ${count(l.sent)} acked; lost ${l.unacked}, errors ${l.errors}, version gaps ${l.gaps}, wrong cells ${l.cellMismatches}/${count(l.cellsChecked)}`,
      'every mutation acked, none lost',
      l.unacked === 0 ? '1.00' : fmt(l.acked / l.sent, 4),
      `no loss, no errors: ${met(g.load)}`,
    ]);
    rows.push([
      '6',
      '… ack latency under load p50 / p99',
      `${ms(l.latency.p50)} / ${ms(l.latency.p99)}`,
      r.rtt ? `idle ${ms(r.rtt.room.p50)} / ${ms(r.rtt.room.p99)}` : '—',
      r.rtt ? `${ratio(l.latency.p50 / r.rtt.room.p50)} / ${ratio(l.latency.p99 / r.rtt.room.p99)}` : '—',
      `p99 ≤ 5× idle p99 (issue 17): ${met(g.loadLatency)}`,
    ]);
    rows.push([
      '6',
      '… workerd CPU and RSS',
      `${fmt(l.cpu.percentOfOneCore, 0)} % of one core; RSS p50 ${fmt(l.rss.p50 / 2 ** 20, 0)} MiB, max ${fmt(l.rss.max / 2 ** 20, 0)} MiB`,
      `before the load ${fmt(l.rss.idle / 2 ** 20, 0)} MiB`,
      ratio(l.rss.max / l.rss.idle),
      '—',
    ]);
  }
  if (r.sizes) {
    const s = r.sizes;
    rows.push([
      '7',
      'Gzipped initial JS: editor / published page / embed player',
      `${kb(s.editor.jsGzip)} / ${kb(s.beat.jsGzip)} / ${s.embed ? kb(s.embed.jsGzip) : 'n/a'}`,
      'the editor',
      s.embed ? `embed ${ratio(s.embedVsEditor, 3)}` : '—',
      '—',
    ]);
  }
  if (r.browser?.editorJsByFirstSound) {
    const b = r.browser;
    rows.push([
      '7',
      'Gzipped JS fetched until the page plays: editor / embed player',
      `${kb(b.editorJsByFirstSound.gzip)} / ${b.embed ? kb(b.embed.js.gzip) : 'n/a'}`,
      'the editor',
      b.embed ? `embed ${ratio(b.embed.js.gzip / b.editorJsByFirstSound.gzip, 3)}` : '—',
      '—',
    ]);
  }
  if (r.browser) {
    const b = r.browser;
    rows.push([
      '7',
      'Play click → first scheduled onset alone, p50 / max (first Play of the page)',
      `${ms(b.play.warm.p50, 0)} / ${ms(b.play.warm.max, 0)} (${ms(b.play.first.onsetMs, 0)})`,
      `design floor: ${ms(b.play.designFloorMs, 0)} lead`,
      ratio(b.play.warm.p50 / b.play.designFloorMs),
      `≤ 30 ms p50 (issue 12): ${met(b.play.warm.p50 <= 30)}`,
    ]);
    rows.push([
      '7',
      'Play click → first scheduled onset joining others, p50 / max (first Play of a fresh page, p50)',
      `${ms(b.play.rejoin.p50, 0)} / ${ms(b.play.rejoin.max, 0)} (${ms(b.play.join.p50, 0)}; ${b.play.rejoin.n} joins each)`,
      `design floor: 120 ms lead + ½ step = ${ms(b.play.joinFloorMs, 0)}`,
      ratio(b.play.rejoin.p50 / b.play.joinFloorMs),
      '—',
    ]);
    rows.push([
      '8',
      'Offline render onset error, p50 / p99 / max',
      `${ms(b.render.p50, 3)} / ${ms(b.render.p99, 3)} / ${ms(b.render.max, 3)} (${b.render.n} onsets, ${b.render.missing} missing)`,
      `one sample at 44.1 kHz = ${ms(b.render.sampleMs, 4)}`,
      `p99 = ${fmt(b.render.p99 / b.render.sampleMs, 1)} samples`,
      `within 1 ms (the timing test): ${met(b.render.max <= 1 && b.render.missing === 0)}`,
    ]);
    if (b.mix) {
      const { dense, starter } = b.mix;
      rows.push([
        '8',
        'Master chain: dense session (16 tracks, all steps on) true peak / loudness',
        `${fmt(dense.truePeakDb, 2)} dBTP / ${fmt(dense.lufs, 1)} LUFS`,
        'before the chain: +3.02 dBTP / −1.8 LUFS (hard-clipped)',
        '—',
        `≤ −1 dBTP and about −12 LUFS (±1.5): ${met(dense.truePeakDb <= -1 && Math.abs(dense.lufs + 12) <= 1.5)}`,
      ]);
      rows.push([
        '8',
        'Master chain: starter beat crest factor / loudness',
        `${fmt(starter.crestDb, 1)} dB / ${fmt(starter.lufs, 1)} LUFS`,
        'before the chain: 15.2 dB / −19.0 LUFS',
        '—',
        `crest within 2 dB and loudness within 1 LU of before: ${met(starter.crestDb >= 13.2 && starter.lufs >= -20)}`,
      ]);
    }
    rows.push([
      '8',
      'Cross-client alignment of a shared global step, median / max',
      `${ms(b.alignment.all.p50)} / ${ms(b.alignment.all.max)} (${b.alignment.shared} steps, ${b.alignment.runs} pairs)`,
      `one step = ${ms(b.alignment.stepMs, 1)}`,
      ratio(b.alignment.all.p50 / b.alignment.stepMs, 3),
      '—',
    ]);
    rows.push([
      '8',
      '… step 1 of each bar only, median / max',
      `${ms(b.alignment.step1.p50)} / ${ms(b.alignment.step1.max)} (${b.alignment.step1.n} bars)`,
      `one step = ${ms(b.alignment.stepMs, 1)}`,
      ratio(b.alignment.step1.p50 / b.alignment.stepMs, 3),
      '—',
    ]);
    rows.push([
      '8',
      'Cross-client alignment of a pattern launch (first step of the launched pattern), median / max',
      `${ms(b.launch.p50)} / ${ms(b.launch.max)} (${b.launch.n} launches, ${b.launchesMissed} on different steps)`,
      `one step = ${ms(b.alignment.stepMs, 1)}`,
      ratio(b.launch.p50 / b.alignment.stepMs, 3),
      `≤ 10 ms (issue 12): ${met(b.launch.max <= 10 && b.launchesMissed === 0)}`,
    ]);
  }
  if (r.flood) {
    const f = r.flood;
    rows.push([
      '9',
      `A socket flooding at ${f.floodPerSecond}/s beside ${f.honest} honest editors: their ack latency during the flood, p50 / p99 / max`,
      `${ms(f.during.p50, 0)} / ${ms(f.during.p99, 0)} / ${ms(f.during.max, 0)}`,
      `the same editors before the flood: p50 ${ms(f.idle.p50, 0)}`,
      ratio(f.duringVsIdleP50, 1),
      `within ${FLOOD_ACK_GOAL_MS / 1000} s (issue 10 §4): ${met(g.flood)}`,
    ]);
    rows.push([
      '9',
      '… the flooder: frames answered before the room closed it, and when',
      `${f.flooder.answered} answered (${f.flooder.acked} applied, ${f.flooder.refused} refused) of ${f.flooder.sent} sent; ${f.flooder.closed ? `closed ${f.flooder.closed.code} after ${ms(f.flooder.closed.afterMs, 0)}` : 'never closed'}`,
      `${f.flooder.wouldHaveSent} frames in ${f.floodMs / 1000} s`,
      '—',
      `closed with ${core.CLOSE.abuse}: ${met(f.flooder.closed?.code === core.CLOSE.abuse)}`,
    ]);
  }
  if (r.audience) {
    const a = r.audience;
    rows.push([
      '10',
      `A live audience: ${a.editors} editors jamming, ${count(a.listeners)} listeners on the listen link: joining all / edit → last listener p50 / p99`,
      `${fmt(a.joinMs / 1000, 1)} s / ${ms(a.lastListener.p50, 0)} / ${ms(a.lastListener.p99, 0)}; ${count(a.delivered)} of ${count(a.expectedDeliveries)} delivered, ${a.gaps} out of order, ${a.duplicates} twice`,
      'issue 17, before listen links: 500 joined in 85 s; 100: p99 48 ms',
      '—',
      `join ≤ 10 s, p99 ≤ 250 ms (issue 17): ${met(a.joinMs <= AUDIENCE_GOALS.joinMs && a.lastListener.p99 <= AUDIENCE_GOALS.p99Ms)}`,
    ]);
  }
  if (r.relays) {
    const a = r.relays;
    const { room, relay } = a.tiers;
    rows.push([
      '14',
      `Relays: 1 room → ${a.relays} relays → ${count(relay.listeners)} listeners (+ ${count(room.listeners)} on the room): a delivery p50 / p99 behind a relay`,
      `${ms(relay.delivery.p50, 0)} / ${ms(relay.delivery.p99, 0)}; ${count(relay.delivered)} of ${count(relay.expectedDeliveries)} delivered, ${a.gaps} out of order, ${a.duplicates} twice`,
      `room-direct, same run: ${ms(room.delivery.p50, 0)} / ${ms(room.delivery.p99, 0)}`,
      ratio(relay.delivery.p50 / room.delivery.p50),
      `every change, in order: ${met(a.delivered === a.expectedDeliveries && a.gaps === 0 && a.duplicates === 0 && a.listenersBehind === 0)}`,
    ]);
  }
  if (r.lighthouse) {
    for (const [measure, result, before, goal] of lighthouseRows(r.lighthouse))
      rows.push(['11', String(measure), String(result), String(before), '—', String(goal)]);
  }
  if (r.sounds) {
    const s = r.sounds;
    rows.push([
      '12',
      `Upload of a ${s.seconds} s own sound (16-bit PCM mono WAV at ${s.sampleRate / 1000} kHz, ${kb(s.bytes)}): sent, checked, hashed, put in R2, p50 / p90 (${s.upload.n} uploads)`,
      `${ms(s.upload.p50, 0)} / ${ms(s.upload.p90, 0)}; the same bytes again (200, not put) ${ms(s.uploadAgain.p50, 0)}; download ${ms(s.download.p50, 0)}`,
      `a JSON POST creating a session: p50 ${ms(s.createSession.p50, 0)}`,
      ratio(s.upload.p50 / s.createSession.p50, 1),
      `stored: ${kb(s.bytes)} a ${s.seconds} s sound, ${kb(s.maxBytes)} at most (10 s)`,
    ]);
  }
  p('## Results', '', table(['#', 'measure', 'result', 'baseline (same run)', 'ratio', 'goal'], rows));

  // ---- goals missed ----
  const missed = [];
  if (r.rtt && !g.rtt) {
    missed.push(
      `**Sync round trip (goal p50 ≤ 1.25× the bare echo; measured ${ratio(r.rtt.ratioP50)}).** The gap is the durable write, not the room's code: the echo that upserts one SQLite row before answering — nothing else — already takes ${ratio(r.rtt.durableRatioP50)} the bare echo, and the real room is ${ratio(r.rtt.roomVsDurableP50)} that durable echo. ` +
        "The room acknowledges only after the row is durable (the output gate holds the `change` until the commit), and local workerd commits every event's implicit transaction on its own, with a rollback journal: an strace of workerd while writing this bench showed about 15 `pwrite`s, 12 `fcntl` locks and 2 `fsync`s per committed frame. " +
        'A goal of 1.25× the bare echo therefore sits below the floor of any design that keeps invariant 1 ("acknowledged only after it is durable") on this runtime. ' +
        `What would close it: nothing in the room — its own work (validation, reducer, JSON, broadcast) is the ${ratio(r.rtt.roomVsDurableP50)} above the durable floor` +
        (r.rtt.roomVsDurableP50 <= 1.25 ? ', so measured against the durable echo the room is within 1.25×. ' : '. ') +
        'On Cloudflare the commit is confirmed by storage replicas instead of a local fsync, so the ratio there depends on replication latency; re-measure with a deployed echo DO before setting a production goal.',
    );
  }
  if (r.throughput && !g.throughput) {
    const t = r.throughput;
    missed.push(
      `**Throughput (goal ≥ 0.9× the durable echo, issue 17; measured ${ratio(t.roomVsDurable)}, against the bare echo ${ratio(t.ratio)}, rounds ${t.ratioRounds.map((x) => fmt(x, 2)).join(', ')}).** The room commits in groups (${fmt(t.unlimited.mutationsPerCommit ?? 1, 1)} mutations per commit in this run). The durable echo reaches ${ratio(t.durableRatio)} of the bare echo and the room ${ratio(t.roomVsDurable)} of the durable echo; ` +
        `workerd CPU per frame was ${ms(t.echo.cpuMsPerAck, 3)} (bare echo), ${ms(t.durable.cpuMsPerAck, 3)} (durable echo) and ${ms(t.unlimited.cpuMsPerAck, 3)} (room, which also broadcasts each change to all ${t.clients} sockets; the echo broadcasting to all ${t.clients} reached ${count(t.echoAll.rate)}/s). ` +
        "A CPU profile (perf) of workerd under this kind of load, taken while writing this bench, put under 1 % of samples in JavaScript (the room's code) and most in the runtime's event loop, WebSocket plumbing and, until the Worker declined it, permessage-deflate. " +
        (t.unlimited.rate > t.clients * r.limits.perSecond
          ? `The product never gets near this: the per-socket limit caps a session at ${t.clients} × ${r.limits.perSecond} = ${t.clients * r.limits.perSecond} mutations/s with ${t.clients} editors (measured ${count(t.limited.rate)}/s), ${fmt(t.unlimited.rate / (t.clients * r.limits.perSecond), 1)}× below what one room sustains. `
          : `On this run the room sustained only ${count(t.unlimited.rate)}/s with the limit off, under the ${t.clients} × ${r.limits.perSecond} = ${t.clients * r.limits.perSecond} mutations/s the per-socket limit allows ${t.clients} editors (paced at the limit: ${count(t.limited.rate)}/s): the machine, not the limit, was the bound (see the contention above). `) +
        "What would close it: less work per frame in the runtime (the room's broadcast to every socket costs what the echo to all sockets costs), since the commits are already shared.",
    );
  }
  if (r.fanout && !g.fanout) {
    const f = r.fanout;
    missed.push(
      `**Fan-out (goal p50 ≤ 1.25× the echo to 10 sockets, issue 17; measured ${ratio(f.ratioP50)}, p99 ${ratio(f.ratioP99)}).** One mutation at a time: nothing is in flight when it arrives, so group commit flushes it at once and its commit is its own. ` +
        `The floor is that one durable commit, measured beside it: the echo to 10 that upserts the frame as one row before sending it took ${ms(f.durableEcho.p50)} at p50, ${ratio(f.durableEcho.p50 / f.echo.p50)} of the bare echo to 10 already, above the goal before any room code runs; the room is ${ratio(f.durableRatioP50)} of that floor, its own work (validation, reducer, one JSON per frame kind, each socket's attachment read) and the machine's noise. ` +
        'What would close it: nothing that keeps "acknowledged only after durable" on a local SQLite commit; on Cloudflare the commit is a replica confirmation instead of an fsync, so re-measure there.',
    );
  }
  if (r.load && r.rtt && !g.loadLatency) {
    const l = r.load;
    missed.push(
      `**Ack p99 under the ${l.sessions} × ${l.clients} load (goal ≤ 5× the idle p99, issue 17; measured ${ms(l.latency.p99)} against ${ms(r.rtt.room.p99)} idle, ${ratio(l.latency.p99 / r.rtt.room.p99)}).** Every room of the load sees about ${fmt(l.clients * l.editsPerSecond, 1)} edits/s, so its commits are rarely shared: the ${l.sessions} rooms' commits (separate SQLite files, each with its own fsync on the one workerd thread) queue behind one another and behind the presence fan-out, which is most of the incoming frames. ` +
        "What would close it: fewer fsyncs per second on this runtime (not in the room's hands: one database per session) and less presence work per frame (issue 17, presence that scales).",
    );
  }
  if (c && !g.bill) {
    const P = c.profile;
    const rowsLine = c.line('rows');
    const editsAlone = cost(c.rows.edits * P.sessions, PRICES.sqliteRowsWritten);
    const others = c.total - rowsLine.cost;
    const around = c.rowsPerSession - c.rows.edits;
    const over = c.total - BILL_GOAL;
    const parts = /** @type {const} */ (['creation', 'compactions', 'backstops', 'leave', 'alarms'])
      .filter((k) => c.rows[k] > 0)
      .map((k) => `${k} ${fmt(c.rows[k], 0)}`);
    missed.push(
      `**Bill (goal ≤ $${BILL_GOAL} per 1 M sessions a month, issue 11; projected ${cents(c.total)}, ${cents(over)} over).** The rows line is ${cents(rowsLine.cost)}: the ${P.mutations} edits' own rows — one each, the floor the issue keeps — cost ${cents(editsAlone)} on their own (${count((c.rows.edits * P.sessions) / 1e6)} M rows a month, 50 M of them included), and the ${fmt(around, 0)} rows around them (${parts.join(', ')}) ${cents(rowsLine.cost - editsAlone)}. ` +
        `Everything else adds ${money(others)}: the $${PRICES.base} base, KV writes ${money(c.line('kv').cost)} (${fmt(c.kvWritesPerSession, 0)} per session, the first million included), DO requests ${money(c.line('requests').cost)}, SQLite stored ${money(c.line('sqlite').cost)} (${kb(c.line('sqlite').perSession)} per session), KV stored ${money(c.line('kvStored').cost)}. ` +
        `So with one row per edit the bill cannot fall under ${cents(editsAlone + others)} unless those lines shrink too. Priced from these figures, per session and month: a row written $${fmt(c.marginal.row, 2)}, a KV write past the first million $${fmt(c.marginal.kvWrite, 2)}, a KiB of SQLite kept $${fmt(c.marginal.sqliteKiB, 3)}, an incoming WebSocket message $${fmt(c.marginal.wsMessage, 4)} (presence frames are ${fmt(((P.editors * P.presencePerSecond * P.minutes * 60) / c.wsIn) * 100, 0)} % of them).`,
    );
  }
  if (r.flood && !g.flood) {
    const f = r.flood;
    const closed = f.flooder.closed;
    const busy = r.contention.flood;
    missed.push(
      `**Honest editors beside a flooder (goal: acked within ${FLOOD_ACK_GOAL_MS / 1000} s, issue 10 §4; measured max ${ms(f.during.max, 0)}, p50 ${ms(f.during.p50, 0)} against ${ms(f.idle.p50, 0)} idle).** ` +
        (closed
          ? `The room closed the flooder with ${closed.code} after answering ${f.flooder.answered} of its frames (${f.flooder.acked} applied: the burst of ${f.limits.burst} plus ${f.limits.perSecond}/s; ${f.flooder.refused} refused) — a bounded number, as the issue asks — but answering them took ${ms(closed.afterMs, 0)}, ${ms(closed.afterMs / Math.max(1, f.flooder.answered), 1)} per frame` +
            (busy ? ` on a machine where other processes took ${fmt(busy.others, 0)} % of the CPU during this phase` : '') +
            ". Honest edits wait behind the flooder's frames in the room's single input queue, and every frame the room applies is a durable commit and a broadcast to every socket, so their wait is the time the room spends on the flooder's applied frames. " +
            `Once it was closed their acks came back in p50 ${ms(f.afterClose.p50, 0)} (max ${ms(f.afterClose.max, 0)}). What would bound the wait on a slow machine: fewer of a flooder's frames reaching a commit before the close (the ${f.limits.burst}-frame burst and the refill are what it spends; refusals are cheap).`
          : 'The room never closed the flooder.'),
    );
  }
  if (r.audience && r.audience.lastListener.p99 > AUDIENCE_GOALS.p99Ms) {
    const a = r.audience;
    const busy = r.contention?.audience;
    missed.push(
      `**A live audience: last listener p99 (goal ≤ ${AUDIENCE_GOALS.p99Ms} ms with ${count(a.listeners)} listeners, issue 17; measured ${ms(a.lastListener.p99, 0)}, p50 ${ms(a.lastListener.p50, 0)}).** ` +
        `Every change reached every listener, in order; the time is a queue in front of a saturated machine, not a hop. The room sends each listener a frame of its own, and here one workerd thread does that for ${count(a.listeners)} sockets while the bench's own Node process drives and parses all of them on the same two cores` +
        (busy ? ` (other processes took ${fmt(busy.others, 0)} % of the machine during this phase)` : '') +
        `. Since protocol 4 each listener gets at most one frame every ${core.LISTENER_BATCH_MS} ms (${1000 / core.LISTENER_BATCH_MS}/s instead of up to ${a.editors * a.editsPerSecond + 1000 / core.AUDIENCE_INTERVAL_MS}/s), which also sets a floor: a change can wait up to ${core.LISTENER_BATCH_MS} ms for its frame. ` +
        'What would close it: in production the relay tier (section 14) spreads the sends over several Durable Objects, each with a thread of its own, and no load generator shares their cores; on this machine, fewer sends per listener (a longer batching interval, at the cost of that floor).',
    );
  }
  if (r.load && !g.load)
    missed.push('**Load:** some mutations were lost, refused or out of order; see the load section and bench-results/bench.json.');
  if (missed.length) p('## Goals missed, why, and what would close them', '', ...missed.flatMap((x) => [x, '']));

  // ---- details ----
  if (r.rtt) {
    p(
      '## 1. Sync round trip',
      '',
      `${r.rtt.room.n} samples each, after ${r.rtt.sockets} × 10 warm-up. ${r.rtt.sockets} sessions of the starter template, one client each (so each socket stays under the rate limit at one mutation per 40 ms), ` +
        `and ${r.rtt.sockets} bare echo rooms and ${r.rtt.sockets} durable echo rooms; every sample times the same ${r.rtt.frameBytes}-byte \`mutate\` frame on all three, in a rotating order, ` +
        "from `send` until the author's `change` (its ack; sent only once the log row is durable) or the echoed frame arrives.",
      '',
      table(
        ['', 'p50', 'p90', 'p99', 'max'],
        [
          ['SessionRoom, mutation → durable ack', ms(r.rtt.room.p50), ms(r.rtt.room.p90), ms(r.rtt.room.p99), ms(r.rtt.room.max)],
          ['EchoRoom, bare echo', ms(r.rtt.echo.p50), ms(r.rtt.echo.p90), ms(r.rtt.echo.p99), ms(r.rtt.echo.max)],
          [
            'EchoRoom, one durable row then echo',
            ms(r.rtt.durable.p50),
            ms(r.rtt.durable.p90),
            ms(r.rtt.durable.p99),
            ms(r.rtt.durable.max),
          ],
        ],
      ),
    );
  }
  if (r.fanout) {
    p(
      '## 2. Fan-out',
      '',
      `One session, ${r.fanout.clients} clients; each mutation (sent by each client in turn, ${r.fanout.room.n} in all) is timed until the last of the ${r.fanout.clients} has its \`change\` (the author's copy is its ack). ` +
        `Baselines: an echo room that sends each frame to all ${r.fanout.clients} of its sockets, and one that first upserts it as one SQLite row (the floor of a room that tells no one before the write is durable), timed the same way; the three run in a rotating order. The first *other* client had it after p50 ${ms(r.fanout.firstOther.p50)}.`,
      '',
      table(
        ['', 'p50', 'p90', 'p99', 'max'],
        [
          ['last of 10 has the change', ms(r.fanout.room.p50), ms(r.fanout.room.p90), ms(r.fanout.room.p99), ms(r.fanout.room.max)],
          ['echo to 10 sockets, last has it', ms(r.fanout.echo.p50), ms(r.fanout.echo.p90), ms(r.fanout.echo.p99), ms(r.fanout.echo.max)],
          [
            'echo to 10 after one durable row, last has it',
            ms(r.fanout.durableEcho.p50),
            ms(r.fanout.durableEcho.p90),
            ms(r.fanout.durableEcho.p99),
            ms(r.fanout.durableEcho.max),
          ],
        ],
      ),
    );
  }
  if (r.throughput) {
    const t = r.throughput;
    p(
      '## 3. Throughput',
      '',
      `${t.clients} clients, each keeping ${t.window} frames in flight, ${t.rounds} rounds of ${t.durationMs / 1000} s (after 0.5 s warm-up) alternating between the three rooms; the figure is the median round. ` +
        "Rates count acks (the author's own `change`, or the echoed frame). Nothing was lost: every frame sent was acknowledged.",
      '',
      table(
        ['', 'median rate', 'rounds', 'workerd CPU per ack', 'sent / acked'],
        [
          [
            'SessionRoom, limit off (bench only)',
            `${count(t.unlimited.rate)}/s`,
            t.unlimited.rates.map(count).join(', '),
            ms(t.unlimited.cpuMsPerAck, 3),
            `${t.unlimited.sent} / ${t.unlimited.acked}`,
          ],
          [
            'bare echo',
            `${count(t.echo.rate)}/s`,
            t.echo.rates.map(count).join(', '),
            ms(t.echo.cpuMsPerAck, 3),
            `${t.echo.sent} / ${t.echo.acked}`,
          ],
          [
            'durable echo (one row per frame)',
            `${count(t.durable.rate)}/s`,
            t.durable.rates.map(count).join(', '),
            ms(t.durable.cpuMsPerAck, 3),
            `${t.durable.sent} / ${t.durable.acked}`,
          ],
          [
            `echo to all ${t.clients} sockets`,
            `${count(t.echoAll.rate)}/s`,
            '1 round',
            ms(t.echoAll.cpuMsPerAck, 3),
            `${t.echoAll.sent} / ${t.echoAll.acked}`,
          ],
          [
            `SessionRoom as shipped, each client paced at ${r.limits.perSecond - 1}/s`,
            `${count(t.limited.rate)}/s`,
            '1 round of 3 s',
            ms(t.limited.cpuMsPerAck, 3),
            `${t.limited.sent} / ${t.limited.acked}, ${t.limited.errors} refused`,
          ],
        ],
      ),
      '',
      `The rate limit (${r.limits.perSecond} messages/s per socket, bursts of ${r.limits.burst}, at most ${r.limits.editors} editors) allows at most ${r.limits.perSecond * r.limits.editors} mutations/s per session; the runtime sustains ${count(t.unlimited.rate)}/s for one session on this machine.`,
    );
  }
  if (r.storage) {
    const s = r.storage;
    const life = s.life;
    const room = r.room;
    const layout = room ? `storage layout ${room.storageLayout}` : 'the storage layout';
    p(
      '## 4. Storage and cost',
      '',
      `Rows come from the room's own SQLite cursor counts (\`stats().rowsWritten\`) read before and after each of ${s.edits} \`set_step\` edits; bytes are the size of the log row written (its text columns as stored, from SQLite's \`length()\`, plus 8 bytes for each of its 5 numbers). ` +
        `The "empty" session has one empty track; the "full" one 16 tracks × 128 steps, all on, built over the socket. A step edit writes one row of about ${s.full.bytes.p50} B in both, against ${s.full.docBytes} B for the whole full document (what the anchor wrote on every click). ` +
        `In ${layout} the whole session is one \`snapshot\` row of the \`state\` table (the session, each writer's last clientSeq and the KV counters): ${s.full.snapshotRowBytes} B for the full session, whose SQLite database is ${kb(s.full.databaseSize)}.`,
      '',
      table(
        ['', 'rows per edit p50 / max', 'bytes per edit p50 / max', 'whole document'],
        [
          [
            'empty session (1 empty track)',
            `${s.empty.rows.p50} / ${s.empty.rows.max}`,
            `${s.empty.bytes.p50} / ${s.empty.bytes.max}`,
            `${s.empty.docBytes} B`,
          ],
          [
            'full session (16 × 128, all on)',
            `${s.full.rows.p50} / ${s.full.rows.max}`,
            `${s.full.bytes.p50} / ${s.full.bytes.max}`,
            `${s.full.docBytes} B`,
          ],
        ],
      ),
      '',
      `**A session's life: the rows around the edits.** One session of the starter template, created over HTTP, edited ${life.mutations} times by two editors taking turns (the bill's profile below, without its ten minutes), then left by both; the room is probed between the steps. ` +
        'Rows are the room\'s SQL rows; "alarms" are the `setAlarm()` and `deleteAlarm()` calls of its KV backstop, which the room\'s own count does not see (the bench Worker counts them; Cloudflare bills each `setAlarm()` as a row written).',
      '',
      table(
        ['step', 'rows written', 'KV writes', 'alarms set / deleted', 'what is written'],
        [
          [
            'creation (`POST /api/sessions`)',
            String(life.creation.rows),
            String(life.creation.kvWrites),
            `${life.creation.alarmsSet} / 0`,
            `the \`state\` and \`log\` tables (their CREATE TABLE statements count as rows written), the \`layout\` and \`snapshot\` rows, then the snapshot again with the KV counters once KV holds the first document (tables then: ${life.creation.tables.map((t) => `\`${t}\``).join(', ')})`,
          ],
          [
            'two editors join',
            String(life.joining.rows),
            String(life.joining.kvWrites),
            `${life.joining.alarmsSet} / ${life.joining.alarmsDeleted}`,
            "nothing: presence and the sockets' data live in their attachments",
          ],
          [
            `${life.mutations} edits`,
            String(life.editing.rows),
            String(life.editing.kvWrites),
            `${life.editing.alarmsSet} / ${life.editing.alarmsDeleted}`,
            `one log row each (an upsert into slot \`version mod ${room?.logSlots ?? 'LOG_SLOTS'}\`); ${life.compactions.length ? life.compactions.map((k) => `the edit to version ${k.version} wrote ${k.rows}: its log row and the snapshot row (the log folded, every ${room?.compactEvery ?? 'COMPACT_EVERY'} versions)`).join('; ') : 'no compaction'}; the first edit scheduled the backstop alarm`,
          ],
          [
            'the last editor leaves',
            String(life.leave.rows),
            String(life.leave.kvWrites),
            `${life.leave.alarmsSet} / ${life.leave.alarmsDeleted}`,
            'KV brought up to date, then one row: the snapshot with the log folded in and the new KV counters; the pending backstop alarm deleted',
          ],
          [
            '**in all**',
            `**${life.total.rows}**`,
            `**${life.total.kvWrites}**`,
            `${life.total.alarmsSet} / ${life.total.alarmsDeleted}`,
            `${fmt(life.total.rows / life.mutations, 3)} rows per edit`,
          ],
        ],
      ),
      '',
      `The session then holds ${kb(life.databaseSize)} of SQLite: tables ${life.tables.map((t) => `\`${t}\``).join(', ')} (\`__miniflare_do_name\` is the local runtime's own; no \`refusals\` table, which is created with the first refusal), ${life.logRows} log rows and a snapshot row of ${life.snapshotBytes} B; its KV document is ${life.kvDocBytes} B. ` +
        `**A backstop publish** (a second session, an editor still connected): the alarm the first edit had scheduled, due in ${fmt(life.backstop.wasDueInMs / 60_000, 1)} min, was brought forward to now. It wrote ${plural(life.backstop.rows, 'row')} (the snapshot: log folded in, KV counters updated) and ${plural(life.backstop.kvWrites, 'KV write')}; the next edit wrote ${plural(life.backstop.nextEditRows, 'row')} and set ${plural(life.backstop.nextEditAlarmsSet, 'new alarm')}.`,
      '',
      r.throughput
        ? `**Amortised over longer runs.** The throughput session (${count(r.throughput.unlimited.applied)} mutations, compacted every ${room?.compactEvery ?? 'COMPACT_EVERY'} versions and when the last editor left) wrote ${fmt(r.throughput.unlimited.rowsPerMutation, 3)} rows per mutation` +
            (r.throughput.unlimited.evicted
              ? ` (counted over its rounds only: ${plural(r.throughput.unlimited.evicted, 'stretch', 'stretches')} left out, where the runtime had restarted the room — evicted or reset — which restarts its in-memory counters)`
              : '') +
            '. '
        : '',
      r.load
        ? `The ${r.load.sessions} load sessions (${fmt(r.load.mutationsPerSession, 0)} mutations each over ${r.load.seconds} s, five editors at a rapid-jam rate) wrote ${fmt(r.load.rowsPerMutation, 3)} rows per mutation: one log row per edit, ${r.load.rowsPerAlarmPublish === null ? `no backstop publish while editing (it is due ${room ? `${fmt(room.kvBackstopMs / 60_000, 0)} minutes` : 'later'} after the first unpublished change)` : `${fmt(r.load.rowsPerAlarmPublish, 1)} row(s) per backstop publish while editing`}, and ${fmt(r.load.rowsPerLeave, 1)} when the last editor left. ` +
            (r.load.evicted
              ? `(${plural(r.load.evicted, 'room')} of ${r.load.sessions} came back as a new instance between the joins and the leave — evicted or reset by the runtime, which restarts their in-memory row counters — and ${r.load.evicted === 1 ? 'is' : 'are'} left out of these row figures.) `
              : '') +
            `Creating each wrote ${fmt(r.load.creationRows, 0)} rows and ${r.load.creationKvWrites} KV write; KV writes per editing session after that: mean ${fmt(r.load.kvWritesPerSession.mean, 2)} (max ${r.load.kvWritesPerSession.max}).`
        : '',
    );
  }
  if (c && r.load) {
    const P = c.profile;
    const rowsText = [
      `${fmt(c.rows.creation, 0)} at creation`,
      `${P.mutations} edits × ${c.rowsPerEdit}`,
      `${c.compactions} compaction${c.compactions === 1 ? '' : 's'} × ${fmt(c.rowsPerCompaction, 0)}`,
      `${c.alarmPublishes} backstop publish${c.alarmPublishes === 1 ? '' : 'es'} × ${fmt(r.storage?.life.backstop.rows, 0)}`,
      `${fmt(c.rows.leave, 0)} when the last editor leaves`,
      `${c.alarmsSet} setAlarm()`,
    ].join(' + ');
    p(
      '### Projected monthly bill per 1,000,000 sessions',
      '',
      `Assumed session profile: ${P.editors} editors for ${P.minutes} minutes, ${P.mutations} mutations (the seeds' average), each editor sending ${P.presencePerSecond} presence frames/s, a clock sample every ${P.clockEverySeconds} s (playing throughout), a keepalive ping every ${P.pingEverySeconds} s. ` +
        `Derived from the measurements above and the room's own constants (a KV backstop ${fmt(c.backstopSeconds / 60, c.backstopSeconds % 60 ? 1 : 0)} minutes after the first unpublished change, a compaction every ${r.room?.compactEvery} versions): ${fmt(c.rowsPerSession, 0)} rows written per session (${rowsText}; the session measured above wrote ${c.measuredLifeRows} in all, alarm included), ` +
        `${fmt(c.kvWritesPerSession, 0)} KV writes (creation, ${c.alarmPublishes} backstop alarm${c.alarmPublishes === 1 ? '' : 's'}, last editor leaving), ${kb(c.line('sqlite').perSession)} of SQLite and ${kb(c.line('kvStored').perSession)} of KV per session (the measured session), ${fmt(c.wsIn, 0)} incoming WebSocket messages. ` +
        `DO duration assumes the room hibernates between events (it has no timers): events × the measured workerd CPU per incoming message under load (${ms(r.load.cpu.msPerIncoming, 2)}, a local-runtime overestimate) + ${P.kvWriteWallMs} ms per KV write (assumed) = ${fmt(c.activeSeconds, 2)} s active per session.`,
      '',
      'Prices (Workers Paid, USD, developers.cloudflare.com pricing pages for Workers, Durable Objects and KV): $5/month base; Worker requests $0.30/M after 10 M; Durable Object requests $0.15/M after 1 M, incoming WebSocket messages billed 20:1, alarm invocations count; duration $12.50/M GB-s after 400,000 GB-s (128 MB per object); SQLite rows written $1.00/M after 50 M (each `setAlarm()` counts as one), rows read $0.001/M after 25 billion, stored $0.20/GB-month after 5 GB; KV reads $0.50/M after 10 M, writes $5.00/M after 1 M, stored $0.50/GB-month after 1 GB.',
      '',
      table(
        ['item', 'per session', 'per 1 M sessions', 'price', 'monthly'],
        [
          ...c.lines.map((l) => [
            l.item,
            l.bytes ? `${fmt(l.perSession / 1024, 1)} KiB` : fmt(l.perSession, l.perSession < 10 ? 2 : 0),
            l.bytes ? `${fmt(l.usage, 1)} GB` : count(l.usage),
            l.price,
            money(l.cost),
          ]),
          ['Workers Paid base', '', '', '', money(PRICES.base)],
          ['**total**', '', '', '', `**${money(c.total)}**`],
        ],
      ),
      '',
      `Rows read on wake (the snapshot row and the log tail) cost under a cent at $0.001/M. If rooms never hibernated while a session is open, duration alone would be ${money(c.worstDuration)}/month (${P.minutes} min × 0.125 GB per session): hibernation is what keeps it out of the bill. ` +
        'Stored data accumulates: every month of 1 M new sessions adds the storage lines again unless old sessions are deleted.',
      '',
      "**Beside the seeds' cost table** (seeds/003, 1,000,000 sessions/month, writes only):",
      '',
      table(
        ['', 'DO writes / session', 'KV writes / session', 'DO writes $', 'KV writes $', 'total'],
        [
          ['seeds: KV debounced (before)', '0', '30', '$0', '$145', '$145'],
          ['seeds: hybrid (DO per mutation + KV on disconnect)', '150', '1', '$149', '$0', '$149'],
          [
            "Keyboardia measured, seeds' method ($1/M after 1 M; $5/M after 1 M)",
            fmt(c.rowsPerSession, 0),
            fmt(c.kvWritesPerSession, 0),
            money(c.seedMethod.do),
            money(c.seedMethod.kv),
            money(c.seedMethod.do + c.seedMethod.kv),
          ],
          [
            'Keyboardia measured, current SQLite prices (50 M rows included)',
            fmt(c.rowsPerSession, 0),
            fmt(c.kvWritesPerSession, 0),
            money(c.line('rows').cost),
            money(c.line('kv').cost),
            money(c.line('rows').cost + c.line('kv').cost),
          ],
        ],
      ),
      '',
      `What the seeds did not count: the rows around the edits (${fmt(c.rowsPerSession - c.rows.edits, 0)} per session: creation, compaction, the last editor's leave, the backstop alarm), ${fmt(c.rowsPerSession / P.mutations, 3)} rows per mutation instead of 1, and the KV document written at creation. ` +
        `In ${r.room ? `storage layout ${r.room.storageLayout}` : 'this storage layout'} a compaction and a publish are the same single row (the snapshot holds the session, the writers' last clientSeqs and the KV counters), so folding the log costs one row however large the session. ` +
        `**The backstop trade-off.** The KV backstop alarm publishes ${fmt(c.backstopSeconds / 60, c.backstopSeconds % 60 ? 1 : 0)} minutes after the first change KV does not hold yet, so a ${P.minutes}-minute session writes KV ${fmt(c.kvWritesPerSession, 0)} times (creation and the last editor leaving; ${money(c.line('kv').cost)}/month with 1 M writes included), and \`GET /api/sessions/<id>\` — the KV copy, which only REST readers see; editors get the state from the room — may trail a live session by up to ${fmt(c.backstopSeconds / 60, c.backstopSeconds % 60 ? 1 : 0)} minutes while someone stays connected (or after a crash before the close event). ` +
        'The backstop was 30 s when this bench was written (19 KV writes per such session, $90/month), then 2 minutes (6 KV writes, $25/month).',
    );
  }
  if (r.cold) {
    p(
      '## 5. Cold wake',
      '',
      `${r.cold.sessions} full sessions (${r.cold.tracks} tracks × 128 steps, ${kb(r.cold.snapshotBytes)} snapshot frame) were built, then the runtime was stopped and started again on the same persisted state, so every Durable Object was evicted. ` +
        "After one request that loads the Worker's script without touching any room (a 404), each session is timed from opening its WebSocket to receiving its `snapshot`; the room's constructor reads its `state` rows (the snapshot) and replays the log entries after it on that first request. " +
        `Warm baseline: the same join to the same rooms while they were in memory, before the restart. Second baseline: a never-used echo room (a Durable Object with nothing to load) from connect to its first echo, in the restarted runtime. The SQLite files were in the OS page cache (a warm disk).`,
      '',
      table(
        ['', 'p50', 'p90', 'max'],
        [
          ['cold: evicted room → snapshot', ms(r.cold.cold.p50), ms(r.cold.cold.p90), ms(r.cold.cold.max)],
          ['… of which the WebSocket upgrade (room constructed)', ms(r.cold.connect.p50), ms(r.cold.connect.p90), ms(r.cold.connect.max)],
          ['warm: room in memory → snapshot', ms(r.cold.warm.p50), ms(r.cold.warm.p90), ms(r.cold.warm.max)],
          ['new echo room → first echo', ms(r.cold.echoCold.p50), ms(r.cold.echoCold.p90), ms(r.cold.echoCold.max)],
        ],
      ),
    );
  }
  if (r.load) {
    const l = r.load;
    /** @param {number} x */
    const mib = (x) => `${fmt(x / 2 ** 20, 0)} MiB`;
    p(
      '## 6. Load',
      '',
      `${l.sessions} sessions (starter template) × ${l.clients} clients = ${l.sessions * l.clients} WebSockets from one Node process on loopback, for ${l.seconds} s. ` +
        `Each client edits at ${l.editsPerSecond}/s (Poisson arrivals; ${l.editsPerSecond * l.clients} per session per second, about the seeds' "rapid jam session") and sends ${l.presencePerSecond} presence (cursor) frames/s, which the room fans out as \`peers\`: ${fmt(l.incomingPerSecond, 0)} incoming frames/s in all. ` +
        `Setup (creating ${l.sessions} sessions and joining ${l.sessions * l.clients} clients) took ${fmt(l.setupMs / 1000, 1)} s.`,
      '',
      "Checks: every mutation acknowledged (its author's `change`); every client saw every version in order (no gaps); no `error` frames; no socket closed by the server; after everyone left, a fresh `snapshot` of each room has exactly the version of the last acked change, and every cell of every track equals the value of the last acked change to it (or the template's value); the KV document of each session carries that same version (the last editor's leave published it).",
      '',
      table(
        ['check', 'result'],
        [
          ['mutations sent / acknowledged / never acknowledged', `${count(l.sent)} / ${count(l.acked)} / ${l.unacked}`],
          [
            'duplicate acks, error frames, server-closed sockets',
            `${l.dupAcks}, ${l.errors}${l.errorCodes.length ? ` (${l.errorCodes.join(', ')})` : ''}, ${l.closedEarly}`,
          ],
          ['version gaps seen by clients', String(l.gaps)],
          [
            'cells checked / wrong; rooms at the wrong version; KV documents behind',
            `${count(l.cellsChecked)} / ${l.cellMismatches}; ${l.versionMismatches}; ${l.kvBehind}`,
          ],
          [
            'ack latency p50 / p90 / p99 / max',
            `${ms(l.latency.p50)} / ${ms(l.latency.p90)} / ${ms(l.latency.p99)} / ${ms(l.latency.max)}`,
          ],
          ['acked mutations per second', fmt(l.throughput, 0)],
          [
            'workerd CPU (both processes)',
            `${fmt(l.cpu.percentOfOneCore, 0)} % of one core; ${ms(l.cpu.msPerIncoming, 3)} per incoming frame, ${ms(l.cpu.msPerMutation, 2)} per mutation (presence included)`,
          ],
          ['load generator (Node) CPU, same machine', `${fmt(l.cpu.nodeClientPercent, 0)} % of one core`],
          [
            'workerd RSS before the load / 500 echo sockets / sessions joined / p50 / max / after everyone left',
            `${mib(l.rss.idle)} / ${mib(l.rss.echoConnected)} / ${mib(l.rss.connected)} / ${mib(l.rss.p50)} / ${mib(l.rss.max)} / ${mib(l.rss.afterLeave)}`,
          ],
          [
            'RSS added per socket: 500 bare echo sockets / then 500 session editors (reusing the memory the echo sockets freed)',
            `${kb(l.rss.echoPerSocket)} / ${kb(l.rss.sessionPerSocket)}`,
          ],
        ],
      ),
      '',
      `RSS is summed over the ${l.workerdProcesses} workerd processes of \`wrangler dev\` (the proxy and the runtime) from /proc; most of it is per-socket state in the runtime (no permessage-deflate contexts since the Worker declines compression: with them, 1,000 listeners held about 230 KiB more each), which the bare echo rooms show too. Memory is not returned to the OS after the sockets close (allocator), so "after" stays near the peak.`,
    );
  }
  if (r.sizes || r.browser) {
    const s = r.sizes;
    const lines = ['## 7. Client', ''];
    if (s) {
      lines.push(
        "Initial JavaScript = the entry module and its `modulepreload`s named by the page the browser first receives (gzip level 9 of the built files). The published page is the same single-page app as the editor, served by the Worker with the beat inlined; the embed page is its own small entry. Lazy chunks (Tone.js and the voices, the offline renderer, the embed's playback) load later and are not counted.",
        '',
        table(
          ['page', 'initial JS gzip', 'raw', 'files', 'CSS gzip', 'HTML gzip'],
          [s.editor, s.beat, ...(s.embed ? [s.embed] : [])].map((x) => [
            x.label,
            kb(x.jsGzip),
            kb(x.jsRaw),
            x.files.map((f) => `\`${f.src.replace('/assets/', '')}\` ${kb(f.gzip)}`).join(', '),
            kb(x.cssGzip),
            kb(x.htmlGzip),
          ]),
        ),
        '',
      );
      const b = r.browser;
      if (b?.editorJsByFirstSound) {
        /** @param {{ files: { src: string, gzip: number }[] }} js */
        const list = (js) => js.files.map((f) => `\`${f.src.replace('/assets/', '')}\` ${kb(f.gzip)}`).join(', ');
        lines.push(
          'What a page has fetched by the time it plays (lazy chunks included; recorded by Chromium while the Play benches below ran):',
          '',
          table(
            ['page', 'JS gzip', 'raw', 'files'],
            [
              ['editor, through Play', kb(b.editorJsByFirstSound.gzip), kb(b.editorJsByFirstSound.raw), list(b.editorJsByFirstSound)],
              ...(b.embed ? [['embed player, through Play', kb(b.embed.js.gzip), kb(b.embed.js.raw), list(b.embed.js)]] : []),
            ],
          ),
          '',
          b.embed
            ? `The embed player went from the Play click to playing (samples decoded, transport started) in ${ms(b.embed.playingMs, 0)} on its first Play.`
            : '',
          '',
        );
      }
    }
    if (r.browser) {
      const b = r.browser;
      lines.push(
        `**Play click → first scheduled onset.** Chromium clicks Play on a starter session (${fmt(60000 / b.play.stepMs / 4, 0)} BPM, a step is ${ms(b.play.stepMs, 1)}); the time runs from the pointer-down (read as server time through the page's clock estimate) to the server time of the first step the engine scheduled (\`engine.scheduled[0].serverMs\`, which includes the output latency). ` +
          `Stop and Play again, ${b.play.warm.n + 1} times. Alone in the session, Play starts the pattern from its step 1 at once: the shared timeline moves to 16 ms after the engine has the audio clock (12 ms, plus the master chain's 3.3 ms latency by which notes start early) (\`PLAY_AT_ONCE_LEAD_MS\`, \`start_transport\`). ` +
          `Joining others (the second browser of each alignment run below, which joins as its page's first Play and then, after the launch, stops and joins again: ${b.play.join.n} times each), Play starts at the first step boundary at least 120 ms after the click (\`START_LEAD_MS\`), so its floor is 120 ms plus on average half a step.`,
        '',
        table(
          ['', 'p50', 'p90', 'max'],
          [
            ['Play → first onset (after the first Play)', ms(b.play.warm.p50, 1), ms(b.play.warm.p90, 1), ms(b.play.warm.max, 1)],
            ['first Play of the page (starts the AudioContext)', ms(b.play.first.onsetMs, 1), '', ''],
            ['Play joining another player', ms(b.play.rejoin.p50, 1), ms(b.play.rejoin.p90, 1), ms(b.play.rejoin.max, 1)],
            ['… as the first Play of a freshly opened page', ms(b.play.join.p50, 1), ms(b.play.join.p90, 1), ms(b.play.join.max, 1)],
          ],
        ),
        '',
        '## 8. Audio',
        '',
        `**Onset error in an offline render.** Through the page's \`window.__keyboardiaAudio.renderSession\` (the same mixer, voices and transport-driven step clock as live playback, in an OfflineAudioContext at 44.1 kHz): ${b.render.renders} renders — the test click at 60/120/173 BPM × swing 0/33/66 % × 16 and 7 steps, and four sharp drums (sampled and synthesised) at 120 BPM swing 66 % and 173 BPM swing 33 %. Onsets are found in the samples (first sample above 2 % of the peak after 20 ms of quiet, reaching 25 % within 5 ms) and compared with the grid computed from first principles.`,
        '',
        table(
          ['', 'p50', 'p90', 'p99', 'max', 'onsets', 'missing'],
          [
            [
              'onset error',
              ms(b.render.p50, 4),
              ms(b.render.p90, 4),
              ms(b.render.p99, 4),
              ms(b.render.max, 4),
              String(b.render.n),
              String(b.render.missing),
            ],
          ],
        ),
        '',
        ...(b.mix ? mixSection(b.mix) : []),
        `**Cross-client alignment.** Two browser contexts play one session (as the jam test's late joiner: the second opens the session 1.5 s after the first started playing and presses Play), ${b.alignment.runs} times. For every global step both scheduled, the difference between the server times at which each scheduled it. ` +
          `Each also sits ${ms(b.alignment.timelineError.p50)} (p50, max ${ms(b.alignment.timelineError.max)}) from the shared timeline (anchor + step × step length); clock-sync round trip ${ms(b.alignment.rtt)}; drift corrections (re-joins) during the runs: ${b.alignment.realignments}. ` +
          `Then the first browser launches pattern B on the next bar (\`launch_pattern\`); the first step each browser scheduled in pattern B is compared: ${b.launch.n} launches, median ${ms(b.launch.p50)}, max ${ms(b.launch.max)}, ${b.launchesMissed} switched on different steps.`,
        '',
        table(
          ['', 'p50', 'p90', 'max', 'steps'],
          [
            ['every shared step', ms(b.alignment.all.p50), ms(b.alignment.all.p90), ms(b.alignment.all.max), String(b.alignment.all.n)],
            [
              'step 1 of each bar',
              ms(b.alignment.step1.p50),
              ms(b.alignment.step1.p90),
              ms(b.alignment.step1.max),
              String(b.alignment.step1.n),
            ],
          ],
        ),
      );
    }
    p(...lines);
  }
  if (r.flood) {
    const f = r.flood;
    const closed = f.flooder.closed;
    p(
      '## 9. A flooding socket beside honest editors',
      '',
      `One session of the starter template. ${f.honest} honest editors each send a \`set_step\` every ${f.honestEveryMs} ms; after ${fmt(f.idleMs / 1000, 0)} s (their idle baseline, in the same run) one more socket floods valid \`set_step\` mutations (its clientSeqs 1, 2, 3…) at ${f.floodPerSecond}/s for ${fmt(f.floodMs / 1000, 0)} s, or until the room closes it. ` +
        `The room's limits (\`core/limits.ts\`): ${f.limits.perSecond} messages/s per socket with bursts of ${f.limits.burst}; each refusal spends one of ${f.limits.floodRefusals} refusals of patience, which come back at ${f.limits.forgivenPerSecond}/s; a socket out of patience is closed with ${core.CLOSE.abuse}. ` +
        "Each honest edit is timed from its send to its ack (the author's own `change`).",
      '',
      table(
        ["honest editors' ack latency", 'edits', 'p50', 'p90', 'p99', 'max'],
        [
          ['before the flood (idle)', String(f.idle.n), ms(f.idle.p50, 1), ms(f.idle.p90, 1), ms(f.idle.p99, 1), ms(f.idle.max, 1)],
          [
            `during the ${fmt(f.floodMs / 1000, 0)} s of the flood`,
            String(f.during.n),
            ms(f.during.p50, 1),
            ms(f.during.p90, 1),
            ms(f.during.p99, 1),
            ms(f.during.max, 1),
          ],
          [
            '… sent before the flooder was closed',
            String(f.beforeClose.n),
            ms(f.beforeClose.p50, 1),
            ms(f.beforeClose.p90, 1),
            ms(f.beforeClose.p99, 1),
            ms(f.beforeClose.max, 1),
          ],
          [
            '… sent after it was closed',
            String(f.afterClose.n),
            ms(f.afterClose.p50, 1),
            ms(f.afterClose.p90, 1),
            ms(f.afterClose.p99, 1),
            ms(f.afterClose.max, 1),
          ],
        ],
      ),
      '',
      `The flooder sent ${f.flooder.sent} frames (of the ${f.flooder.wouldHaveSent} a ${fmt(f.floodMs / 1000, 0)} s flood would send) and got ${f.flooder.answered} answered before it was closed: ${f.flooder.acked} applied and acknowledged, ${f.flooder.refused} refused (${
        Object.entries(f.flooder.codes)
          .map(([code, n]) => `${n} \`${code}\``)
          .join(', ') || 'none'
      }). ` +
        (closed
          ? `The room closed it with ${closed.code} ("${closed.reason}") ${ms(closed.afterMs, 0)} after the flood began` +
            (closed.afterMs > f.floodMs
              ? ` — after the flooder had stopped sending: the room was still working through the frames queued before`
              : '') +
            '; the frames still queued were dropped unread. '
          : 'The room did not close it within a minute of the flood. ') +
        `The honest editors sent ${f.honestSent} edits: ${f.honestUnacked} never acknowledged, ${f.honestErrors} error frames.`,
    );
  }
  if (r.audience) p(...audienceSection(r.audience, r.contention?.audience));
  if (r.lighthouse) p(...lighthouseMarkdown(r.lighthouse));
  if (r.sounds) p(...soundsSection(r.sounds));
  if (r.rendering) p(...renderingSection(r.rendering));
  if (r.relays) p(...relaysSection(r.relays, r.contention?.relays, r.room));
  p(
    '## How the bench works',
    '',
    '- `npm run bench` runs `node scripts/bench.mjs`: `vite build`, a private copy of `dist/` (others may rebuild it meanwhile), and the bench Worker bundled once (`wrangler deploy --dry-run`) into a temporary folder, so edits made during the run cannot reload the runtime.',
    `- Runtimes are \`wrangler dev --no-bundle --ip 127.0.0.1 --persist-to <tmp>\` children in their own process group (ports ${r.ports.join(' and ')}: \`BENCH_PORT\` and \`BENCH_PORT\` + 2, inspectors 1000 above), killed with the group on exit; CPU and RSS come from /proc of the workerd processes in that group.`,
    "- The clients speak the protocol and model versions of `core/` (`scripts/bench/wsclient.mjs`), one clientId per socket, each writer's clientSeqs following one another; the limits, templates, instruments and the room's constants come from `core/` and from the room's own modules (through `/__bench/constants`). Two figures are the client's and repeated here: the 120 ms Play lead (`app/audio/AudioEngine.ts`) and the profile's clock and keepalive cadences (`app/sync/`).",
    '- Phases: benches 1–4 and 9 (and building the full sessions for 5) on one runtime; it is stopped and started again on the same state for 5 (every room evicted) and then 6 (a runtime that has served nothing else); 7 and 8 run the production build in a second runtime with Chromium (`/usr/bin/chromium --no-sandbox --disable-gpu --autoplay-policy=no-user-gesture-required`).',
    '- The bench-only pieces never ship: the production build (`vite build`, `wrangler deploy`) uses `wrangler.jsonc` and `worker/index.ts`, which know nothing of `EchoRoom`, `UnlimitedSessionRoom` or the `/__bench/` routes.',
    '- Every wait has a timeout; loops are bounded; the load phase has a fixed duration.',
  );
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

/**
 * How sections 10 and 14 reached the Worker.
 * @param {NonNullable<Results['audience']>} a
 */
function socketsNote(a) {
  if (a.sockets === 'direct')
    return " Sockets connect to the Worker's workerd directly; the dev proxy in front of it is skipped, as production has none.";
  if (a.sockets === 'proxy')
    return " Sockets connect through wrangler dev's proxy workerd, a second process every frame crosses (production has none).";
  return '';
}

/** Issue 17's goals for one room with a live audience. */
export const AUDIENCE_GOALS = { joinMs: 10_000, p99Ms: 250 };

/**
 * Section 10 of docs/BENCHMARKS.md: a live audience on the listen link.
 * @param {NonNullable<Results['audience']>} a
 * @param {{ busy: number, ours: number, others: number } | undefined} contention
 * @returns {string[]}
 */
export function audienceSection(a, contention) {
  const complete = a.delivered === a.expectedDeliveries && a.gaps === 0 && a.duplicates === 0 && a.listenersBehind === 0;
  return [
    `## 10. A live audience: ${a.editors} editors, ${count(a.listeners)} listeners on the listen link`,
    '',
    `One session; ${a.editors} editors each edit at ${a.editsPerSecond}/s (Poisson; the seeds' rapid jam is 120 mutations a minute: here each editor jams at that rate, ${a.editors * a.editsPerSecond} a second in all) and send ${a.presencePerSecond} presence frames/s (a cursor move, playing on or off at random), while ${a.listeners} sockets listen through the session's listen link (\`/api/listen/<listenId>/ws\`, joined ${a.joinConcurrency} at a time) for ${fmt(a.seconds, 0)} s. ${a.listenerThreads ? `The listener sockets run in ${a.listenerThreads} worker threads of the bench's Node process (the editors on its main thread), on the same two cores as workerd` : 'One Node process runs every socket on the same two cores as workerd'}` +
      (contention ? ` (others took ${fmt(contention.others, 0)} % of the machine during this phase)` : '') +
      '.' +
      socketsNote(a),
    '',
    table(
      ['measure', 'this run', 'goal (issue 17)', 'baseline (issue 17, before listen links)'],
      [
        [
          `joining ${a.listeners} listeners`,
          `${fmt(a.joinMs / 1000, 1)} s`,
          '≤ 10 s',
          '500 listeners: 85 s (each join sent the whole peer list to everyone)',
        ],
        [
          'edit → last listener has it, p50 / p99 / max',
          `${ms(a.lastListener.p50)} / ${ms(a.lastListener.p99)} / ${ms(a.lastListener.max)}`,
          'p99 ≤ 250 ms',
          '100 listeners: p50 34.5 ms, p99 48 ms; 500: p50 3.5 s, p99 6.8 s',
        ],
        [
          'deliveries (changes × listeners)',
          `${a.delivered} of ${a.expectedDeliveries}; ${a.gaps} out of order, ${a.duplicates} twice, ${a.listenersBehind} listeners behind at the end`,
          'every change, in order',
          '500: 9,500 of 20,000 missing 3 s after the last send',
        ],
        [
          'presence bytes per listener',
          `${fmt(a.presenceBytesPerListenerPerMinute / 1024, 1)} KiB a minute`,
          'reported, bounded',
          '100: 511 KiB in 8 s (≈ 3.8 MiB a minute); 500: 1.27 MB in 8 s',
        ],
        ['frames naming the editing id', String(a.leakedEditingId), '0', '—'],
        [
          'workerd CPU, % of one core (joining / jamming)',
          `${fmt(a.cpu.joinPercentOfOneCore, 0)} / ${fmt(a.cpu.jamPercentOfOneCore, 0)}`,
          '',
          '',
        ],
      ],
    ),
    '',
    `${a.changes} changes (${a.edits} edits sent, ${a.presenceSent} presence frames). ${complete ? 'Every listener received every change exactly once and in order.' : '**Not every listener received every change in order: see the counts above.**'} ` +
      "Presence no longer scales with the audience: editors see each other as `peers` (editors only, with the count of listeners), and listeners get an `audience` frame at most every 200 ms with only what changed among the editors (no cursors) and the count, so a listener joining costs its own snapshot and one full `audience` frame, and everyone else at most one small frame per 200 ms however many join (docs/PROTOCOL.md §2.2). The room mirrors its sockets' attachments in memory, so a change broadcast to 1,000 sockets does not deserialise 1,000 attachments. " +
      `And since protocol 4 it sends each listener at most one frame every ${core.LISTENER_BATCH_MS} ms (\`LISTENER_BATCH_MS\`, worker/room/ListenerOutbox.ts): a message that finds the last frame older goes at once, alone; faster ones go together as one JSON array. Each send to each socket is what costs the room: this jam's ${a.editors * a.editsPerSecond} changes and ≤ ${1000 / core.AUDIENCE_INTERVAL_MS} audience messages a second were up to ${a.editors * a.editsPerSecond + 1000 / core.AUDIENCE_INTERVAL_MS} frames a second to every listener, now at most ${1000 / core.LISTENER_BATCH_MS}.`,
    '',
  ];
}

/**
 * Bench 12 (issue 16): the upload of an own sound.
 * @param {NonNullable<Results['sounds']>} s
 * @returns {string[]}
 */
export function soundsSection(s) {
  const row = (/** @type {string} */ what, /** @type {import('./lib.mjs').Summary} */ x) => [
    what,
    String(x.n),
    ms(x.p50, 0),
    ms(x.p90, 0),
    ms(x.max, 0),
  ];
  return [
    '## 12. Own sounds: uploading a sample',
    '',
    `A ${s.seconds} s sound as the browser sends it (\`core/wav.ts\`: 16-bit PCM mono WAV at ${s.sampleRate / 1000} kHz, ${s.bytes.toLocaleString('en')} bytes), ` +
      'each to a session of its own (the per-session upload limit never refuses one), timed from the first byte sent to the answer: ' +
      "the Worker asks the session's room to count the upload, reads the body counting its bytes, checks every byte of the WAV, hashes it (SHA-256), " +
      "looks the key up in R2 and puts it there. The same bytes again answer 200 without a put. The baseline is the same runtime's cheapest write, a JSON POST creating a session.",
    '',
    table(
      ['', 'n', 'p50', 'p90', 'max'],
      [
        row(`upload of a new ${s.seconds} s sound (201)`, s.upload),
        row('the same bytes again (200: hashed and looked up, not stored again)', s.uploadAgain),
        row('download, `GET /api/sounds/<key>`', s.download),
        row('baseline: `POST /api/sessions` (JSON)', s.createSession),
      ],
    ),
    '',
    `Bytes stored in R2: the WAV as uploaded, byte for byte: ${s.bytes.toLocaleString('en')} bytes (${kb(s.bytes)}) for ${s.seconds} s, ` +
      `${s.maxBytes.toLocaleString('en')} (${kb(s.maxBytes)}) for the longest sound (10 s); one object per distinct recording, whatever the number of sessions, beats and remixes that use it. ` +
      'The session document holds only the key, name and length (about 120 bytes a sound).',
  ];
}

/**
 * The assumptions of section 14's bill per 1,000 listener-hours; the prices are PRICES, the
 * cadences the client's and the room's own (core/), the rest is said where it is used.
 */
export const RELAY_BILL = {
  listenerHours: 1000,
  /** How full a relay is assumed to be (`LISTEN_RELAYS` set for the audience expected). */
  listenersPerRelay: 2500,
  /** Memory billed per Durable Object, GB (128 MB). */
  objectGB: 0.125,
  /** Incoming WebSocket messages per billed request. */
  messagesPerRequest: 20,
  /** Upgrades per listener-hour (one connection an hour assumed). */
  connectionsPerListenerHour: 1,
  keepaliveEverySeconds: core.CLIENT_CADENCE.keepaliveMs / 1000,
  /** While playing (the whole hour, pessimistically). */
  clockEverySeconds: core.CLIENT_CADENCE.clockRefreshMs / 1000,
  /** The room's `audience` frames: at most one per interval. */
  audienceEveryMs: core.AUDIENCE_INTERVAL_MS,
  /** The room sends a relay (a batched listener) at most one frame per interval (protocol 4). */
  listenerBatchMs: core.LISTENER_BATCH_MS,
  /** The jam priced when the run has none: section 10's, 10 editors at 2 edits/s. */
  changesPerSecond: 20,
  /** A relay reports its count to the room at most this often, and only when it changed. */
  relayReportMs: 200,
  /** An audience spread thin, for comparison: this many relays for this many listeners. */
  thin: { relays: 4, listeners: 400 },
};

/**
 * Section 14's bill, from RELAY_BILL and PRICES (marginal prices: free allowances left out).
 * @param {{ changesPerSecond?: number, relayReportMs?: number }} [run] the jam measured and the relay's report interval
 */
export function relayBill(run = {}) {
  const b = RELAY_BILL;
  const perRequest = PRICES.doRequests.perMillion / 1e6;
  const perGBs = PRICES.doDurationGBs.perMillion / 1e6;
  const relayHours = b.listenerHours / b.listenersPerRelay;
  const gbsPerRelayHour = b.objectGB * 3600;
  const listenerMessagesPerHour = 3600 / b.keepaliveEverySeconds + 3600 / b.clockEverySeconds;
  const listenerRequests = (listenerMessagesPerHour / b.messagesPerRequest) * b.listenerHours;
  const joinRequests = b.connectionsPerListenerHour * b.listenerHours;
  const changesPerSecond = run.changesPerSecond ?? b.changesPerSecond;
  // Changes and audience messages, at most one frame per batching interval.
  const feedPerSecond = Math.min(changesPerSecond + 1000 / b.audienceEveryMs, 1000 / b.listenerBatchMs);
  const feedRequestsPerRelayHour = (feedPerSecond * 3600) / b.messagesPerRequest;
  const reportMs = run.relayReportMs ?? b.relayReportMs;
  const reportsPerRelayHour = (1000 / reportMs) * 3600;
  const lines = {
    listeners: { requests: listenerRequests, cost: listenerRequests * perRequest },
    joins: { requests: joinRequests, cost: joinRequests * perRequest },
    duration: { gbs: relayHours * gbsPerRelayHour, cost: relayHours * gbsPerRelayHour * perGBs },
    feed: { requests: relayHours * feedRequestsPerRelayHour, cost: relayHours * feedRequestsPerRelayHour * perRequest },
    reports: { requests: relayHours * reportsPerRelayHour, cost: relayHours * reportsPerRelayHour * perRequest },
  };
  const low = lines.listeners.cost + lines.joins.cost + lines.duration.cost + lines.feed.cost;
  const high = low + lines.reports.cost;
  const thinRelayHours = b.listenerHours / (b.thin.listeners / b.thin.relays);
  return {
    relayHours,
    gbsPerRelayHour,
    listenerMessagesPerHour,
    changesPerSecond,
    feedPerSecond,
    feedRequestsPerRelayHour,
    reportsPerSecond: 1000 / reportMs,
    reportsPerRelayHour,
    lines,
    low,
    high,
    thin: { relayHours: thinRelayHours, gbs: thinRelayHours * gbsPerRelayHour, cost: thinRelayHours * gbsPerRelayHour * perGBs },
  };
}

/**
 * Section 14 of docs/BENCHMARKS.md: the relay tier (issue 17, docs/PROTOCOL.md §2.5), the
 * same jam as section 10 with listeners behind relays and a few on the room in one run.
 * @param {NonNullable<Results['relays']>} a
 * @param {{ busy: number, ours: number, others: number } | undefined} contention
 * @param {RoomConstants} [room] the room's constants (the relays' report interval)
 * @returns {string[]}
 */
export function relaysSection(a, contention, room) {
  const room_ = a.tiers.room;
  const relay = a.tiers.relay;
  const n = (/** @type {number} */ x) => x.toLocaleString('en-US');
  /** @param {number} x */
  const secs = (x) => (x >= 1000 ? `${fmt(x / 1000, 1)} s` : ms(x, 0));
  /** @param {import('./lib.mjs').Summary} s */
  const p50p99 = (s) => (s.n ? `${secs(s.p50)} / ${secs(s.p99)}` : 'n/a');
  /** @param {(typeof a.tiers)['room']} t */
  const complete = (t) =>
    t.expectedDeliveries !== undefined && t.delivered === t.expectedDeliveries && t.gaps === 0 && t.duplicates === 0 && t.behind === 0;
  /** @param {(typeof a.tiers)['room']} t */
  const deliveries = (t) =>
    t.delivered === undefined || t.expectedDeliveries === undefined
      ? 'n/a'
      : `${n(t.delivered)} of ${n(t.expectedDeliveries)}${t.delivered < t.expectedDeliveries ? ' when the 60 s drain gave up' : ''}`;
  /** @param {number | undefined} x */
  const maybe = (x) => (x === undefined ? 'n/a' : n(x));
  const threads = a.listenerThreads;
  const starved = (contention?.others ?? 0) > 20 || room_.delivery.p50 > AUDIENCE_GOALS.p99Ms;
  const orderHeld = a.gaps === 0 && a.duplicates === 0;
  const errors = Object.entries(a.editorErrors ?? {});
  const bill = relayBill({ changesPerSecond: a.editors * a.editsPerSecond, relayReportMs: room?.relayReportMs });
  const usd = (/** @type {number} */ x) => `$${x.toFixed(4)}`;
  const hop = relay.delivery.p50 - room_.delivery.p50;

  /** The honest reading, from the figures. */
  const reading = [];
  if (starved)
    reading.push(
      `**Read it as a starved machine, not as the tier's limit**, as section 10: even the room's own ${n(room_.listeners)} listeners were ${secs(room_.delivery.p50)} behind at p50, which is the queue in front of the bench's clients (${n(a.delivered)} change frames in ${fmt(a.seconds, 0)} s) and of one workerd thread, not the network.`,
    );
  reading.push(
    `What it shows: ${orderHeld ? `order and exactly-once held for all ${n(a.listeners)} listeners (no gap, no duplicate, also across the relays' snapshot refreshes)` : `**${a.gaps} frames out of order and ${a.duplicates} twice** among the ${n(a.listeners)} listeners`}, ` +
      `${a.leakedEditingId === 0 ? 'the editing id never reached anyone' : `**${a.leakedEditingId} listeners saw the editing id**`}, ` +
      `joins through a relay cost ${relay.join.p50 <= room_.join.p50 * 1.25 ? 'what joins to the room cost' : `more than joins to the room`} (p50 ${secs(relay.join.p50)} against ${secs(room_.join.p50)})` +
      (a.editorsHeardListeners === a.listeners
        ? `, and the room counted the relays' ${n(relay.listeners)}.`
        : `, and the editors last heard ${n(a.editorsHeardListeners)} listeners of ${n(a.listeners)}.`),
  );
  if (complete(room_) && complete(relay))
    reading.push(
      `Complete in time: every listener of both tiers had every change when the drain ended; the relay hop added ${secs(Math.max(0, hop))} to a delivery at p50${starved ? " (on this machine, mostly queueing on the one workerd thread, not a hop's cost)" : ''}.`,
    );
  else {
    const share = relay.delivered !== undefined && relay.expectedDeliveries ? (relay.delivered / relay.expectedDeliveries) * 100 : NaN;
    reading.push(
      `What it does not show: completeness in time — ${complete(relay) ? 'the room-direct listeners' : `the relay listeners were still receiving (${fmt(share, 0)} % delivered, ${maybe(relay.behind)} behind)`} when the drain gave up, and the relay hop's added latency (here ${secs(hop)} at p50) is the backlog of ${a.relays} relays on the same thread, not a hop's cost.`,
    );
  }
  reading.push(
    `Goals for a fair figure: relays in their own workerd (and the clients on other machines), which this machine cannot give; on Cloudflare each relay is its own object, so the room's fan-out is ${a.relays} sends instead of ${n(a.listeners)}.`,
  );

  return [
    `## 14. Relays: 1 room → ${a.relays} relays → ${n(relay.listeners)} listeners`,
    '',
    `Issue 17, "past one Durable Object" (docs/PROTOCOL.md §2.5). The same jam as section 10 (${a.editors} editors at ${a.editsPerSecond} edits/s and ${a.presencePerSecond} presence frames/s each, ${fmt(a.seconds, 0)} s), with ${n(relay.listeners)} listeners joining through the Worker's listen route with \`LISTEN_RELAYS=${a.relays}\` (the bench Worker's \`/__bench/relays/${a.relays}/api/listen/…\`: the production route with the var set for that request) and, in the same run, ${n(room_.listeners)} more on the room itself (\`/api/listen/…\`, the tier off), so the added latency of the relay hop is measured under one load. ` +
      'Reproduce: `npx node scripts/bench.mjs --only=relays` (`--relays=N`, `--relay-listeners=N`, `--relay-direct=N`, `--audience-seconds=N`, `--audience-threads=N`).',
    '',
    `One run (${contention ? `others took ${fmt(contention.others, 0)} % of the machine during this phase; ` : ''}` +
      (threads
        ? `the ${n(a.listeners)} listener sockets run in ${threads} worker threads of the bench's Node process, which check every frame, the editors on its main thread`
        : `the bench's one Node process drives all ${n(a.listeners + a.editors)} sockets and parses every frame`) +
      `; the ${a.relays} relays and the room share workerd's one thread, so the tier can only add work here, never spread it).` +
      socketsNote(a),
    '',
    table(
      ['measure', `room-direct (${n(room_.listeners)})`, `behind ${a.relays} relays (${n(relay.listeners)})`],
      [
        [
          'join: upgrade → snapshot, p50 / p99 / max',
          `${ms(room_.join.p50, 0)} / ${ms(room_.join.p99, 0)} / ${ms(room_.join.max, 0)}`,
          `${ms(relay.join.p50, 0)} / ${ms(relay.join.p99, 0)} / ${ms(relay.join.max, 0)}`,
        ],
        [`all ${n(a.listeners)} joined (${a.joinConcurrency} at a time)`, secs(a.joinMs), ''],
        ['edit → a listener has it, every delivery, p50 / p99', p50p99(room_.delivery), p50p99(relay.delivery)],
        [
          'edit → last listener of the tier, p50 / p99',
          `${p50p99(room_.lastListener)} (${room_.lastListener.n} changes)`,
          `${p50p99(relay.lastListener)} (${relay.lastListener.n} changes)`,
        ],
        ['deliveries', deliveries(room_), deliveries(relay)],
        ['out of order / twice', `${maybe(room_.gaps)} / ${maybe(room_.duplicates)}`, `${maybe(relay.gaps)} / ${maybe(relay.duplicates)}`],
        ['listeners behind at the end', maybe(room_.behind), maybe(relay.behind)],
        ['frames naming the editing id', maybe(room_.leakedEditingId), maybe(relay.leakedEditingId)],
        [
          'listener count editors last heard',
          `${n(a.editorsHeardListeners)}${a.editorsHeardListeners === a.listeners ? " (relays' reports included)" : ` of ${n(a.listeners)}`}`,
          '',
        ],
      ],
    ),
    '',
    `${a.edits} edits, ${a.changes} changes, ${errors.length ? `editor refusals ${errors.map(([code, k]) => `${k} \`${code}\``).join(', ')}` : 'no editor refusals'}; ` +
      `workerd at ${fmt(a.cpu.joinPercentOfOneCore, 0)} % of one core joining and ${fmt(a.cpu.jamPercentOfOneCore, 0)} % jamming${a.cpu.workerJamPercentOfOneCore != null ? ` (the Worker's own workerd ${fmt(a.cpu.workerJamPercentOfOneCore, 0)} %)` : ''}; presence ${fmt(a.presenceBytesPerListenerPerMinute / 1024, 1)} KiB per listener per minute. ` +
      reading.join(' '),
    '',
    `**The bill per ${n(RELAY_BILL.listenerHours)} listener-hours** (Cloudflare's Workers Paid prices as in section 4: Durable Object requests $${PRICES.doRequests.perMillion}/M, incoming WebSocket messages billed ${RELAY_BILL.messagesPerRequest}:1; duration $${PRICES.doDurationGBs.perMillion}/M GB-s at ${RELAY_BILL.objectGB * 1024} MB per object, billed while an object is in memory and cannot hibernate; outgoing messages are not billed; marginal prices, free allowances left out):`,
    '',
    table(
      ['item', 'arithmetic', `per ${n(RELAY_BILL.listenerHours)} listener-hours`],
      [
        [
          "listeners' own frames to their relay",
          `a keepalive every ${RELAY_BILL.keepaliveEverySeconds} s (${3600 / RELAY_BILL.keepaliveEverySeconds}/h) and, while playing, a clock sample every ${RELAY_BILL.clockEverySeconds} s (${3600 / RELAY_BILL.clockEverySeconds}/h) = ${bill.listenerMessagesPerHour} messages/h; ÷ ${RELAY_BILL.messagesPerRequest} = ${fmt(bill.listenerMessagesPerHour / RELAY_BILL.messagesPerRequest, 0)} requests per listener-hour → ${n(bill.lines.listeners.requests)}`,
          usd(bill.lines.listeners.cost),
        ],
        [
          'joining',
          `one upgrade request per connection (${RELAY_BILL.connectionsPerListenerHour} per listener-hour assumed) → ${n(bill.lines.joins.requests)}`,
          usd(bill.lines.joins.cost),
        ],
        [
          'relay duration',
          `a relay's socket to the room cannot hibernate, so a relay is billed all the time it has listeners: ${RELAY_BILL.objectGB} GB × 3,600 s = ${n(bill.gbsPerRelayHour)} GB-s per relay-hour. At ${n(RELAY_BILL.listenersPerRelay)} listeners a relay, ${n(RELAY_BILL.listenerHours)} listener-hours = ${fmt(bill.relayHours, 1)} relay-hours → ${n(bill.lines.duration.gbs)} GB-s`,
          usd(bill.lines.duration.cost),
        ],
        [
          "the room's feed, received by each relay",
          `counted as incoming messages to be safe: the jam above sends a relay ${fmt(bill.changesPerSecond, 0)} changes and ≤ ${fmt(1000 / RELAY_BILL.audienceEveryMs, 0)} audience messages a second, in at most ${fmt(bill.feedPerSecond, 0)} frames/s (one per ${RELAY_BILL.listenerBatchMs} ms, protocol 4) = ${n(bill.feedPerSecond * 3600)}/h ÷ ${RELAY_BILL.messagesPerRequest} = ${n(bill.feedRequestsPerRelayHour)} requests per relay-hour → ${fmt(bill.relayHours, 1)} × ${n(bill.feedRequestsPerRelayHour)} = ${n(bill.lines.feed.requests)}`,
          usd(bill.lines.feed.cost),
        ],
        [
          'count reports (RPC, one request each)',
          `at most ${fmt(bill.reportsPerSecond, 0)} a second per relay and only when its count changed; a steady audience sends almost none. Worst case ${fmt(bill.relayHours, 1)} × ${n(bill.reportsPerRelayHour)} = ${n(bill.lines.reports.requests)}`,
          `≤ ${usd(bill.lines.reports.cost)}`,
        ],
        ['**total**', '', `**≈ $${bill.low.toFixed(3)}–${bill.high.toFixed(3)}**`],
      ],
    ),
    '',
    `So 100,000 listeners for an hour (${fmt(100_000 / RELAY_BILL.listenersPerRelay, 0)} relays) cost about $${(bill.low * 100).toFixed(2)}–${(bill.high * 100).toFixed(2)} on top of the session itself; ` +
      `the listeners' own keepalives and clock samples are ${fmt((bill.lines.listeners.cost / bill.high) * 100, 0)}–${fmt((bill.lines.listeners.cost / bill.low) * 100, 0)} % of it, and they cost the same on the room without relays. ` +
      `What the tier adds is the relays' duration, and it is set by how full they are: an audience spread thin (${RELAY_BILL.thin.relays} relays for ${RELAY_BILL.thin.listeners} listeners: ${fmt(bill.thin.relayHours, 0)} relay-hours per ${n(RELAY_BILL.listenerHours)} listener-hours) pays ${n(bill.thin.gbs)} GB-s ($${bill.thin.cost.toFixed(3)}) per ${n(RELAY_BILL.listenerHours)} listener-hours instead of ${n(bill.lines.duration.gbs)} — one more reason \`LISTEN_RELAYS\` is set for the audience expected, not left high. ` +
      "The room's side does not grow with the audience: it sends one copy of each frame per relay, and the relays' hellos and reports are a handful of requests.",
    '',
  ];
}
