/**
 * The reusable part of the scheduling benchmark: what a workload is, what a system under test
 * must do, how the figures are computed and printed, and where its databases come from. Nothing
 * here knows agentcron; `agentcron.ts` is one adapter, and a BullMQ or pg-boss adapter plugs into
 * the same `measure()` with the same workloads and the same measurements (docs/benchmarks.md).
 *
 * Times are wall-clock epoch milliseconds (Date.now()) taken in this process; every system under
 * test runs in this process, so there is no cross-machine clock skew in any figure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------
// Workloads

/** One recurring schedule: fires at `phaseMs + k * everyMs` (epoch grid), from `firstNominal` on. */
export interface ScheduleDef {
  /** Stable id, also usable as a job/queue name by other systems. */
  id: string;
  everyMs: number;
  /** Offset of the grid from the Unix epoch, 0 <= phaseMs < everyMs. */
  phaseMs: number;
  /** The first nominal time to fire (a grid point at or after the workload's start). */
  firstNominal: number;
}

export interface Workload {
  name: 'steady' | 'burst';
  /** One line for the report, e.g. "10,000 schedules every 10 s, phases spread". */
  description: string;
  schedules: ScheduleDef[];
  /** No occurrence is due before this instant; systems are started just before it. */
  startAt: number;
  /** Occurrences whose nominal time is in [from, to) are measured. */
  window: { from: number; to: number };
  /** How many occurrences fall in the window (what a perfect scheduler creates and starts). */
  expected: number;
  /** After `window.to`, how long to wait at most for measured occurrences to finish. */
  drainMs: number;
}

function firstGridPoint(everyMs: number, phaseMs: number, atOrAfter: number): number {
  return phaseMs + Math.ceil((atOrAfter - phaseMs) / everyMs) * everyMs;
}

function countInWindow(s: ScheduleDef, from: number, to: number): number {
  const first = Math.max(s.firstNominal, firstGridPoint(s.everyMs, s.phaseMs, from));
  return first >= to ? 0 : Math.floor((to - 1 - first) / s.everyMs) + 1;
}

/**
 * `n` schedules firing every `everyMs`, their phases spread evenly over the interval, so the
 * offered load is a constant n / everyMs occurrences per ms; measured for `seconds` of nominal time.
 */
export function steadyWorkload(opts: { schedules: number; everyMs: number; seconds: number; startAt: number; drainMs: number }): Workload {
  const { schedules: n, everyMs, startAt } = opts;
  const schedules: ScheduleDef[] = [];
  for (let i = 0; i < n; i++) {
    const phaseMs = Math.floor((i * everyMs) / n);
    schedules.push({ id: `steady-${String(i).padStart(6, '0')}`, everyMs, phaseMs, firstNominal: firstGridPoint(everyMs, phaseMs, startAt) });
  }
  const window = { from: startAt, to: startAt + opts.seconds * 1000 };
  return {
    name: 'steady',
    description: `${fmtInt(n)} schedules every ${fmtMs(everyMs)}, phases spread evenly (${fmtRate((n * 1000) / everyMs)} occurrences/s offered), ${opts.seconds} s measured`,
    schedules,
    startAt,
    window,
    expected: schedules.reduce((sum, s) => sum + countInWindow(s, window.from, window.to), 0),
    drainMs: opts.drainMs,
  };
}

/**
 * `n` schedules whose first occurrence is the same instant `startAt` (their next one an hour
 * later), so the whole batch is due at once: how fast are n occurrences created and started?
 */
export function burstWorkload(opts: { schedules: number; startAt: number; drainMs: number }): Workload {
  const everyMs = 3_600_000;
  const startAt = Math.ceil(opts.startAt / 1000) * 1000;
  const phaseMs = ((startAt % everyMs) + everyMs) % everyMs;
  const schedules: ScheduleDef[] = [];
  for (let i = 0; i < opts.schedules; i++) {
    schedules.push({ id: `burst-${String(i).padStart(6, '0')}`, everyMs, phaseMs, firstNominal: startAt });
  }
  return {
    name: 'burst',
    description: `${fmtInt(opts.schedules)} schedules all due at the same instant`,
    schedules,
    startAt,
    window: { from: startAt, to: startAt + 1 },
    expected: opts.schedules,
    drainMs: opts.drainMs,
  };
}

// ---------------------------------------------------------------------------------------------
// The system under test

/** What happened to one occurrence, as far as the system can tell. Null: did not happen (yet). */
export interface OccurrenceRecord {
  scheduleId: string;
  nominal: number;
  /** The system's status word; `queued`/`running`/`succeeded` ... or `skipped`/`missed`. */
  status: string;
  /** Whether the system decided not to run it (recorded as skipped or missed). */
  notRun: boolean;
  /** When the occurrence became durable (committed), observed by the adapter. */
  createdAt: number | null;
  /** When the system says the run started (its own start timestamp, e.g. the claim time). */
  startedAt: number | null;
  /** When the no-op job body was entered. */
  enteredAt: number | null;
  finishedAt: number | null;
}

export interface Progress {
  /** Measured occurrences (nominal in the window) committed so far. */
  created: number;
  /** ...of which the system decided not to run. */
  notRun: number;
  /** ...whose job body finished. */
  finished: number;
}

/**
 * A scheduler on one backend, driven through one workload. Lifecycle: setup → start → (the
 * harness watches progress) → stop → collect → close. `close` must remove everything it created.
 */
export interface SchedulerUnderTest {
  /** e.g. "agentcron", "bullmq", "pg-boss". */
  readonly system: string;
  /** Settings worth printing next to the figures, e.g. "64 slots, poll 100 ms". */
  readonly settings: string;
  /** Creates the workload's schedules with a no-op job; nothing may fire before workload.startAt. */
  setup(workload: Workload): Promise<void>;
  start(): Promise<void>;
  /** Cheap, in-memory counters about the measured window (polled every 100 ms). */
  progress(): Progress;
  /** Stops scheduling and lets running jobs finish; may return a note for the report. */
  stop(): Promise<string | void>;
  /** Every occurrence whose nominal time is in the window, read back from the system's storage. */
  collect(window: { from: number; to: number }): Promise<OccurrenceRecord[]>;
  close(): Promise<void>;
}

/** The raw write cost of the same backend, measured in the same run: the ratio's denominator. */
export interface BaselineResult {
  /** Short key, e.g. "bulk" (all rows in one transaction) or "each" (one transaction per row). */
  key: string;
  /** e.g. "10,000 run rows, one transaction". */
  label: string;
  rows: number;
  ms: number;
}

/** A system that can be benchmarked: agentcron today, BullMQ or pg-boss later. */
export interface System {
  readonly name: string;
  /** Names of the backends it runs on (`Backend.name`), e.g. ["sqlite", "postgres"] or ["redis"]. */
  readonly backends: readonly string[];
  /** The scheduler, on a fresh database of the backend (it closes the database in `close`). */
  scheduler(db: BenchDatabase): SchedulerUnderTest;
  /**
   * The cost of writing `rows` job rows straight through the system's storage layer, in a fresh
   * database: `bulk` (one transaction / one batch) and `each` (one transaction per row).
   */
  baseline(db: BenchDatabase, rows: number): Promise<BaselineResult[]>;
}

// ---------------------------------------------------------------------------------------------
// Databases

/** A fresh, empty database on some backend; `cleanup` removes it. */
export interface BenchDatabase {
  readonly target: string;
  /** PostgreSQL: the schema created for this database. */
  readonly schema?: string;
  cleanup(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  /** Null when usable, else why not (printed as "skipped: ..."). */
  unavailable(): Promise<string | null>;
  /** Server/library version for the report header. */
  version(): Promise<string>;
  /** A fresh database; registered so that an interrupted run still removes it. */
  fresh(): Promise<BenchDatabase>;
}

const live = new Set<BenchDatabase>();

/** Removes every database still registered (normal end, or Ctrl-C). */
export async function cleanupAll(): Promise<void> {
  for (const db of [...live]) await db.cleanup().catch(() => undefined);
}

function track(db: BenchDatabase): BenchDatabase {
  live.add(db);
  const cleanup = db.cleanup.bind(db);
  return {
    ...db,
    cleanup: async () => {
      live.delete(db);
      await cleanup();
    },
  };
}

/** SQLite: a new file in a new temp directory (WAL files included), removed with the directory. */
export function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    unavailable: async () => null,
    version: async () => {
      const db = new Database(':memory:');
      try {
        const row = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
        return `SQLite ${row.v} (better-sqlite3, WAL, synchronous=NORMAL)`;
      } finally {
        db.close();
      }
    },
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentcron-bench-'));
      return track({ target: join(dir, 'bench.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) });
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>, timeoutMs = 5000): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** PostgreSQL: a new schema `bench_<random>` in the given database, dropped with CASCADE. */
export function postgresBackend(url: string): Backend {
  return {
    name: 'postgres',
    unavailable: async () => {
      try {
        await withClient(url, (c) => c.query('SELECT 1'), 2000);
        return null;
      } catch (err) {
        return `PostgreSQL at ${hostPort(url)} not reachable (${err instanceof Error ? err.message : String(err)})`;
      }
    },
    version: async () =>
      withClient(url, async (c) => {
        const r = await c.query<{ v: string; sync: string }>("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sync");
        const row = r.rows[0];
        return `PostgreSQL ${row?.v ?? '?'} at ${hostPort(url)} (synchronous_commit=${row?.sync ?? '?'})`;
      }),
    fresh: async () => {
      const schema = `bench_${randomBytes(6).toString('hex')}`;
      return track({
        target: url,
        schema,
        cleanup: () => withClient(url, async (c) => void (await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))),
      });
    },
  };
}

function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'the configured URL';
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

export interface WorkloadResult {
  system: string;
  backend: string;
  workload: Workload['name'];
  description: string;
  settings: string;
  expected: number;
  /** Measured occurrences recorded by the system, whatever their status. */
  created: number;
  /** Recorded as not run (skipped/missed): each one is a scheduling failure under this load. */
  notRun: number;
  /** Run occurrences whose job body was entered / finished by the end of the drain. */
  started: number;
  finished: number;
  /** Commit time − nominal time. */
  creationLag: Stats;
  /** The system's start timestamp − nominal time (agentcron: runs.started_at − runs.nominal_time). */
  startLateness: Stats;
  /** Job body entered − nominal time. */
  bodyLateness: Stats;
  /** Occurrences committed per second: steady = over the window; burst = from the due instant to the last commit. */
  createdPerSec: number;
  /** Jobs finished per second, over the same span as `createdPerSec` (burst: to the last finish). */
  finishedPerSec: number;
  /** Wall time from the due instant to the last commit / last finish (burst). */
  lastCreatedAfterMs: number;
  lastFinishedAfterMs: number;
  /**
   * Event-loop delay of the process running the system, from start to stop (p99, max): how long
   * timers, heartbeats and (in a server) HTTP requests had to wait.
   */
  loopDelay: { p99: number; max: number };
}

export type Log = (line: string) => void;

/**
 * Runs one workload on one system: setup, start just before the first due instant, wait for the
 * window to pass and its occurrences to finish (or the drain to time out), stop, read back.
 */
export async function measure(sut: SchedulerUnderTest, backend: string, workload: Workload, log: Log): Promise<WorkloadResult> {
  const t0 = Date.now();
  await sut.setup(workload);
  const setupMs = Date.now() - t0;
  if (Date.now() > workload.startAt - 200) {
    throw new Error(`setup took ${fmtMs(setupMs)} and ran into the workload's start; give it more lead time (--lead)`);
  }
  log(`    setup ${fmtMs(setupMs)}; first occurrence due in ${fmtMs(workload.startAt - Date.now())}`);
  await sleep(Math.max(0, workload.startAt - 500 - Date.now()));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await sut.start();

  const deadline = workload.window.to + workload.drainMs;
  let lastReport = Date.now();
  for (;;) {
    await sleep(100);
    const now = Date.now();
    const p = sut.progress();
    const done = now >= workload.window.to && p.created >= workload.expected && p.finished + p.notRun >= p.created;
    if (done || now >= deadline) {
      if (!done) log(`    drain timed out after ${fmtMs(workload.drainMs)}: ${fmtInt(p.created)} created, ${fmtInt(p.finished)} finished of ${fmtInt(workload.expected)}`);
      break;
    }
    if (now - lastReport >= 5000) {
      lastReport = now;
      log(`    ${fmtMs(now - workload.startAt)}: ${fmtInt(p.created)} created, ${fmtInt(p.finished)} finished, ${fmtInt(p.notRun)} not run (of ${fmtInt(workload.expected)} measured)`);
    }
  }
  const note = await sut.stop();
  loop.disable();
  if (note) log(`    ${note}`);
  const records = await sut.collect(workload.window);
  // The histogram is in nanoseconds.
  return summarise(sut, backend, workload, records, { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
}

function summarise(
  sut: SchedulerUnderTest,
  backend: string,
  w: Workload,
  records: OccurrenceRecord[],
  loopDelay: WorkloadResult['loopDelay'],
): WorkloadResult {
  const created = records.filter((r) => r.createdAt !== null);
  const run = records.filter((r) => !r.notRun);
  const lag = (pick: (r: OccurrenceRecord) => number | null, from: OccurrenceRecord[]) =>
    from.map((r) => {
      const t = pick(r);
      return t === null ? null : t - r.nominal;
    }).filter((v): v is number => v !== null);
  const latest = (ts: number[]) => ts.reduce((a, b) => Math.max(a, b), -Infinity);
  const lastCreated = latest(created.map((r) => r.createdAt!));
  const finishedAt = run.map((r) => r.finishedAt).filter((t): t is number => t !== null);
  const lastFinished = finishedAt.length ? latest(finishedAt) : NaN;
  const windowSec = (w.window.to - w.window.from) / 1000;
  const burst = w.name === 'burst';
  const createdSpan = (lastCreated - w.startAt) / 1000;
  const finishedSpan = (lastFinished - w.startAt) / 1000;
  return {
    system: sut.system,
    backend,
    workload: w.name,
    description: w.description,
    settings: sut.settings,
    expected: w.expected,
    created: created.length,
    notRun: records.filter((r) => r.notRun).length,
    started: run.filter((r) => r.enteredAt !== null).length,
    finished: finishedAt.length,
    creationLag: stats(lag((r) => r.createdAt, created)),
    startLateness: stats(lag((r) => r.startedAt, run)),
    bodyLateness: stats(lag((r) => r.enteredAt, run)),
    createdPerSec: created.length / (burst ? createdSpan : windowSec),
    finishedPerSec: finishedAt.length / (burst ? finishedSpan : windowSec),
    lastCreatedAfterMs: lastCreated - w.startAt,
    lastFinishedAfterMs: lastFinished - w.startAt,
    loopDelay,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// Reporting

export function machineInfo(): string[] {
  const list = cpus();
  const model = list[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  return [
    `cores: ${list.length} (${model})`,
    `memory: ${Math.round(totalmem() / 2 ** 30)} GiB; ${platform()} ${release()} ${arch()}; node ${process.version}`,
    `load average: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other work on the machine skews the figures)`,
  ];
}

export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–';
}

export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 100 ? fmtInt(n) : n.toFixed(1);
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '–';
  if (r > 0 && r < 0.001) return '<0.001×';
  return r >= 10 ? `${r.toFixed(0)}×` : r >= 0.1 ? `${r.toFixed(2)}×` : `${r.toFixed(3)}×`;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function rateOf(b: BaselineResult): number {
  return (b.rows * 1000) / b.ms;
}
