/**
 * `npm run bench -- stats [--schedules N] [--runs N] [--samples N] [--backend sqlite|postgres|all]`
 * — the dashboard's aggregation queries at scale (docs/benchmarks.md). Seeds N schedules × N runs
 * (default 1,000 × 1,000 = 1,000,000 run rows, interleaved in time as a real history is) with
 * bulk multi-row INSERTs, then times `store.stats.summaries` for a page of 50 schedules,
 * `window` and `dailyCost` over 30 days, each against a baseline measured in the same run: one
 * indexed `runs.list` page of 50 runs of a schedule. Finally prints the query plan of every
 * statement the stats queries issue and whether any of them scans the whole runs table.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Db, Queryable, Row, SqlValue } from '../src/store/db.js';
import { migrate } from '../src/store/migrations.js';
import { PostgresDb } from '../src/store/postgres/driver.js';
import { SqlStore } from '../src/store/sql/sql-store.js';
import { SqliteDb } from '../src/store/sqlite/driver.js';
import type { Store } from '../src/store/store.js';
import type { RunStatus } from '../src/store/types.js';
import { seededRandom } from '../test/crash/harness.js';
import { fmtInt, fmtMs, fmtRatio, machineInfo, percentile, postgresBackend, sqliteBackend, table, type Backend, type BenchDatabase } from './harness.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
export const ORG = 'bench';
const PAGE = 50;
/** Schedules fire every 10 minutes, hourly or every 6 hours, in turn: histories of 7, 42 and 250 days. */
const INTERVALS = [10 * MIN, HOUR, 6 * HOUR];
/** Rows per INSERT statement (×9 parameters stays under both databases' limits). */
const ROWS_PER_INSERT = 1000;
/** Rows per transaction while seeding. */
const ROWS_PER_TX = 50_000;

export interface Options {
  schedules: number;
  runs: number;
  samples: number;
  backends: Array<'sqlite' | 'postgres'>;
  pgUrl: string;
}

/** The benchmark's command-line options; the page-view benchmark takes fewer samples by default. */
export function parseOptions(args: string[], defaultSamples = '100'): Options {
  const { values } = parseArgs({
    args,
    options: {
      schedules: { type: 'string', default: '1000' },
      runs: { type: 'string', default: '1000' },
      samples: { type: 'string', default: defaultSamples },
      backend: { type: 'string', default: 'all' },
      'pg-url': { type: 'string', default: process.env.AGENTCRON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    },
    strict: true,
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  if (!['sqlite', 'postgres', 'all'].includes(values.backend)) throw new Error(`--backend must be sqlite, postgres or all; got ${JSON.stringify(values.backend)}`);
  return {
    schedules: int('schedules', values.schedules, PAGE),
    runs: int('runs', values.runs, 1),
    samples: int('samples', values.samples, 1),
    backends: values.backend === 'all' ? ['sqlite', 'postgres'] : [values.backend as 'sqlite' | 'postgres'],
    pgUrl: values['pg-url'],
  };
}

export function scheduleId(k: number): string {
  return `s${String(k).padStart(5, '0')}`;
}

async function openDb(db: BenchDatabase): Promise<Db> {
  const raw: Db = db.schema === undefined ? new SqliteDb(db.target) : await PostgresDb.connect(db.target, { schema: db.schema });
  await migrate(raw);
  return raw;
}

/**
 * Writes the history: run i of schedule k at now − (runs − i) × interval(k), all rows in nominal
 * time order across schedules (as a live system writes them, so one schedule's rows are spread
 * over the table), with ids in insertion order (as UUIDv7 ids are). 90% succeed, 6% fail, 2% time out, 1% are skipped, 1% missed; started runs
 * are 0–2 s late and take 1–60 s.
 */
async function seed(db: Db, store: Store, opts: Options, now: number): Promise<void> {
  await store.orgs.create({ id: ORG, name: 'bench' }, now);
  await store.templates.put({ orgId: ORG, templateId: 't', kind: 'http', definition: { url: 'http://127.0.0.1/' } }, now);
  await store.transaction(async (tx) => {
    for (let k = 0; k < opts.schedules; k++) {
      await tx.schedules.create({ id: scheduleId(k), orgId: ORG, templateId: 't', spec: { every: '1h' }, nextNominalTime: now }, now);
    }
  });
  const total = opts.schedules * opts.runs;
  const nominal = new Float64Array(total);
  for (let k = 0; k < opts.schedules; k++) {
    const every = INTERVALS[k % INTERVALS.length]!;
    for (let i = 0; i < opts.runs; i++) nominal[k * opts.runs + i] = now - (opts.runs - i) * every;
  }
  const order = Uint32Array.from({ length: total }, (_, j) => j).sort((a, b) => nominal[a]! - nominal[b]! || a - b);
  const rand = seededRandom(42); // the same history every run
  const columns = 'id, schedule_id, nominal_time, status, available_at, created_at, started_at, finished_at, browser_ms';
  const tuple = `(?, ?, ?, ?, ?, ?, ?, ?, ?, '${ORG}', 't', 1, '{}', 'schedule', 1, 1)`;
  const insertSql = (rows: number) =>
    `INSERT INTO runs (${columns}, org_id, template_id, template_version, params, triggered_by, attempts, max_attempts) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
  const fullInsert = insertSql(ROWS_PER_INSERT);
  for (let start = 0; start < total; start += ROWS_PER_TX) {
    await db.transaction(async (tx) => {
      const end = Math.min(total, start + ROWS_PER_TX);
      for (let from = start; from < end; from += ROWS_PER_INSERT) {
        const to = Math.min(end, from + ROWS_PER_INSERT);
        const params: SqlValue[] = [];
        for (let j = from; j < to; j++) {
          const row = order[j]!;
          const k = Math.floor(row / opts.runs);
          const t = nominal[row]!;
          const roll = rand();
          const status: RunStatus = roll < 0.9 ? 'succeeded' : roll < 0.96 ? 'failed' : roll < 0.98 ? 'timed_out' : roll < 0.99 ? 'skipped' : 'missed';
          const started = status === 'skipped' || status === 'missed' ? null : t + Math.floor(rand() * rand() * 2000);
          const finished = started === null ? t : started + 1000 + Math.floor(rand() * 59_000);
          const browserMs = started === null ? 0 : Math.floor((finished - started) * 0.8);
          params.push(`r${String(j).padStart(8, '0')}`, scheduleId(k), t, status, t, t, started, finished, browserMs);
        }
        await tx.execute(to - from === ROWS_PER_INSERT ? fullInsert : insertSql(to - from), params);
      }
    });
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  // A live database's autovacuum keeps settled rows all-visible, which index-only scans need.
  if (db.dialect === 'postgres') await db.execute('VACUUM ANALYZE runs');
  else await db.execute('ANALYZE');
}

interface Timing {
  label: string;
  samples: number[];
}

export async function time(label: string, samples: number, fn: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < Math.min(5, samples); i++) await fn(i); // warm up caches and statement plans
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return { label, samples: out.sort((a, b) => a - b) };
}

/** Records every statement a repository issues, so their plans can be printed. */
class RecordingQueryable implements Queryable {
  readonly statements = new Map<string, readonly SqlValue[]>();
  constructor(private readonly inner: Queryable) {}
  get dialect() {
    return this.inner.dialect;
  }
  query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    if (!this.statements.has(sql)) this.statements.set(sql, params);
    return this.inner.query<T>(sql, params);
  }
  execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.inner.execute(sql, params);
  }
}

/** Whether a plan reads the whole runs table instead of an index range. */
function scansRuns(dialect: string, plan: string): boolean {
  // SQLite's SCAN reads a whole table or index (SEARCH is a range); the runs table is aliased `r` in places.
  return dialect === 'postgres' ? /Seq Scan on runs/.test(plan) : /\bSCAN (runs|r)\b/.test(plan);
}

async function plans(db: Db, now: number): Promise<string[]> {
  const recorder = new RecordingQueryable(db);
  const stats = new SqlStore(recorder, false).stats;
  const ids = Array.from({ length: PAGE }, (_, k) => scheduleId(k));
  await stats.summaries(ORG, ids, { recent: 30, since: now - 7 * DAY });
  await stats.window(ORG, ids[0]!, now - 30 * DAY, now);
  await stats.dailyCost(ORG, ids[0]!, now - 30 * DAY, now);
  const out: string[] = [];
  for (const [sql, params] of recorder.statements) {
    const rows = await db.query(db.dialect === 'postgres' ? `EXPLAIN ${sql}` : `EXPLAIN QUERY PLAN ${sql}`, params);
    const plan = rows.map((r) => String(r['QUERY PLAN'] ?? r.detail)).join('\n');
    out.push(`${scansRuns(db.dialect, plan) ? 'FULL SCAN' : 'index range'}: ${sql.replace(/\s+/g, ' ').slice(0, 110)}…`, ...plan.split('\n').map((l) => `    ${l}`));
  }
  return out;
}

/**
 * A fresh database of the backend seeded with the benchmark's history, handed to `fn`, then
 * removed; a backend that cannot be reached is reported and skipped.
 */
export async function withSeededHistory(backend: Backend, opts: Options, fn: (db: Db, store: Store, now: number) => Promise<void>): Promise<void> {
  const why = await backend.unavailable();
  if (why) {
    console.log(`\n== ${backend.name}: skipped: ${why}`);
    return;
  }
  console.log(`\n== ${backend.name}: ${await backend.version()}`);
  const database = await backend.fresh();
  const db = await openDb(database);
  try {
    const store = new SqlStore(db, false);
    const now = Date.UTC(2026, 0, 1);
    const seedStart = performance.now();
    process.stdout.write(`  seeding ${fmtInt(opts.schedules)} schedules × ${fmtInt(opts.runs)} runs `);
    await seed(db, store, opts, now);
    const seedMs = performance.now() - seedStart;
    console.log(`  seeded ${fmtInt(opts.schedules * opts.runs)} runs in ${fmtMs(seedMs)} (${fmtInt((opts.schedules * opts.runs * 1000) / seedMs)} rows/s)`);
    await fn(db, store, now);
  } finally {
    await db.close();
    await database.cleanup();
  }
}

async function benchBackend(backend: Backend, opts: Options): Promise<void> {
  await withSeededHistory(backend, opts, async (db, store, now) => {
    const rand = seededRandom(7);
    const pick = () => scheduleId(Math.floor(rand() * opts.schedules));
    const pages = Math.floor(opts.schedules / PAGE);
    const baseline = await time(`runs.list: one schedule's newest ${PAGE} runs (baseline)`, opts.samples, () =>
      store.runs.list({ orgId: ORG, scheduleId: pick(), limit: PAGE }),
    );
    const timings = [
      await time(`stats.summaries: a page of ${PAGE} schedules, strip of 30, rate over 7 days`, opts.samples, (i) => {
        const page = i % pages;
        const ids = Array.from({ length: PAGE }, (_, j) => scheduleId(page * PAGE + j));
        return store.stats.summaries(ORG, ids, { recent: 30, since: now - 7 * DAY });
      }),
      await time('stats.window: one schedule, 30 days', opts.samples, () => store.stats.window(ORG, pick(), now - 30 * DAY, now)),
      await time('stats.dailyCost: one schedule, 30 days', opts.samples, () => store.stats.dailyCost(ORG, pick(), now - 30 * DAY, now)),
    ];
    const b50 = percentile(baseline.samples, 50);
    const b95 = percentile(baseline.samples, 95);
    const rows = [baseline, ...timings].map((t) => {
      const p50 = percentile(t.samples, 50);
      const p95 = percentile(t.samples, 95);
      return [t.label, fmtMs2(p50), fmtMs2(p95), fmtRatio(p50 / b50), fmtRatio(p95 / b95)];
    });
    console.log(`\n  ${opts.samples} samples each, ${backend.name}:`);
    console.log(table(['query', 'p50', 'p95', 'p50 ÷ baseline', 'p95 ÷ baseline'], rows).replace(/^/gm, '  '));
    console.log(`\n  query plans (${backend.name}):`);
    for (const line of await plans(db, now)) console.log(`  ${line}`);
  });
}

/** Milliseconds with a decimal below 10 ms (these queries are fast). */
export function fmtMs2(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)} ms` : fmtMs(ms);
}

export async function statsBench(args: string[]): Promise<void> {
  const opts = parseOptions(args);
  console.log(`# agentcron stats benchmark — ${new Date().toISOString()}`);
  for (const line of machineInfo()) console.log(line);
  console.log(`command: npm run bench -- stats ${args.join(' ')}`.trimEnd());
  for (const name of opts.backends) await benchBackend(name === 'sqlite' ? sqliteBackend() : postgresBackend(opts.pgUrl), opts);
}
