/**
 * `npm run bench` — the scheduling benchmark (docs/benchmarks.md). Prints figures, not pass/fail.
 *
 *   npm run bench                                   # 10,000 schedules, SQLite and PostgreSQL
 *   npm run bench -- --schedules 1000 --seconds 10  # a quick run
 *   npm run bench -- --backend sqlite --workload burst
 *   npm run bench -- stats                          # dashboard aggregations over 1,000,000 runs (bench/stats.ts)
 *   npm run bench -- dashboard                      # dashboard page views over the same runs (bench/dashboard.ts)
 *
 * For each backend: a baseline (raw run-row inserts through the store), then each workload in a
 * fresh database and its own child process (see isolated()). Every database it creates (temp
 * SQLite files, `bench_*` PostgreSQL schemas) is removed at the end, on failure and on Ctrl-C.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { agentcronSystem } from './agentcron.js';
import { browserBench } from './browser.js';
import { retentionBench } from './retention.js';
import {
  burstWorkload,
  cleanupAll,
  fmtInt,
  fmtMs,
  fmtRate,
  fmtRatio,
  machineInfo,
  measure,
  postgresBackend,
  rateOf,
  sqliteBackend,
  steadyWorkload,
  table,
  type Backend,
  type BaselineResult,
  type Stats,
  type System,
  type Workload,
  type WorkloadResult,
} from './harness.js';

/**
 * The systems that can be benchmarked. A BullMQ or pg-boss adapter is one more line here (and a
 * Backend for Redis in backendFor), see docs/benchmarks.md.
 */
const SYSTEMS: Record<string, (opts: Options) => System> = {
  agentcron: (o) => agentcronSystem({ slots: o.slots, pollMs: o.pollMs }),
};

function backendFor(name: string, opts: Options): Backend {
  if (name === 'sqlite') return sqliteBackend();
  if (name === 'postgres') return postgresBackend(opts.pgUrl);
  throw new Error(`unknown backend ${name}`);
}

const USAGE = `usage: npm run bench -- [options]
  --suite scheduling|browser|retention|all
                                  (default all; browser: see bench/browser.ts, BENCH_RUNS scales it;
                                  retention: bench/retention.ts, BENCH_RETENTION_RUNS scales it)
  --system agentcron              (default agentcron)
  --backend sqlite|postgres|all   (default all)
  --workload steady|burst|all     (default all)
  --schedules N                   schedules per workload (default 10000)
  --seconds S                     steady workload: nominal seconds measured (default 30)
  --every-ms MS                   steady workload: interval of every schedule (default 60000: 10,000
                                  schedules then offer 167 occurrences/s; 10000 offers 1,000/s)
  --slots N                       worker slots of the engine node (default 64)
  --poll-ms MS                    worker poll interval (default 100)
  --drain S                       seconds to wait for measured runs to finish after the window (default 120)
  --lead-ms MS                    time between start of setup and the first due occurrence (default: from the baseline)
  --pg-url URL                    (default $AGENTCRON_BENCH_PG_URL, else postgres://postgres@127.0.0.1:5432/test)`;

function parse() {
  const { values } = parseArgs({
    options: {
      system: { type: 'string', default: 'agentcron' },
      backend: { type: 'string', default: 'all' },
      workload: { type: 'string', default: 'all' },
      schedules: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '30' },
      'every-ms': { type: 'string', default: '60000' },
      slots: { type: 'string', default: '64' },
      'poll-ms': { type: 'string', default: '100' },
      drain: { type: 'string', default: '120' },
      'lead-ms': { type: 'string' },
      'pg-url': { type: 'string', default: process.env.AGENTCRON_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
      suite: { type: 'string', default: 'all' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}\n${USAGE}`);
    return n;
  };
  const oneOf = <T extends string>(name: string, text: string, allowed: readonly T[]): T[] => {
    if (text === 'all') return [...allowed];
    if (!(allowed as readonly string[]).includes(text)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, all; got ${JSON.stringify(text)}\n${USAGE}`);
    return [text as T];
  };
  if (!Object.hasOwn(SYSTEMS, values.system)) throw new Error(`--system must be one of ${Object.keys(SYSTEMS).join(', ')}; got ${JSON.stringify(values.system)}\n${USAGE}`);
  return {
    system: values.system,
    suites: oneOf('suite', values.suite, ['scheduling', 'browser', 'retention'] as const),
    backends: oneOf('backend', values.backend, ['sqlite', 'postgres'] as const),
    workloads: oneOf('workload', values.workload, ['steady', 'burst'] as const),
    schedules: int('schedules', values.schedules, 1),
    seconds: int('seconds', values.seconds, 1),
    everyMs: int('every-ms', values['every-ms'], 1),
    slots: int('slots', values.slots, 1),
    pollMs: int('poll-ms', values['poll-ms'], 1),
    drainMs: int('drain', values.drain, 0) * 1000,
    leadMs: values['lead-ms'] === undefined ? undefined : int('lead-ms', values['lead-ms'], 500),
    pgUrl: values['pg-url'],
  };
}

type Options = ReturnType<typeof parse>;

const log = (line: string) => console.log(line);

function latency(s: Stats): string[] {
  return [fmtMs(s.p50), fmtMs(s.p99), fmtMs(s.max)];
}

/** What a child process needs to run one workload (everything JSON-serialisable). */
interface ChildJob {
  backend: string;
  db: { target: string; schema?: string };
  workload: 'steady' | 'burst';
  opts: Options;
  leadMs: number;
}

const CHILD_ENV = 'AGENTCRON_BENCH_CHILD';

function buildWorkload(name: 'steady' | 'burst', opts: Options, startAt: number): Workload {
  return name === 'steady'
    ? steadyWorkload({ schedules: opts.schedules, everyMs: opts.everyMs, seconds: opts.seconds, startAt, drainMs: opts.drainMs })
    : burstWorkload({ schedules: opts.schedules, startAt, drainMs: opts.drainMs });
}

/** In the child: run the workload and send the result to the parent. The parent owns the database. */
async function child(job: ChildJob): Promise<void> {
  const system = SYSTEMS[job.opts.system]!(job.opts);
  const sut = system.scheduler({ ...job.db, cleanup: async () => {} });
  const workload = buildWorkload(job.workload, job.opts, Date.now() + job.leadMs);
  log(`  ${job.workload}: ${workload.description}; ${sut.settings}`);
  try {
    const r = await measure(sut, job.backend, workload, log);
    log(
      `    ${fmtInt(r.created)} of ${fmtInt(r.expected)} occurrences created (${fmtInt(r.notRun)} not run), ${fmtInt(r.finished)} finished; ` +
        `start lateness p50 ${fmtMs(r.startLateness.p50)}, p99 ${fmtMs(r.startLateness.p99)}, max ${fmtMs(r.startLateness.max)}; ` +
        `${fmtRate(r.createdPerSec)} occurrences/s`,
    );
    await new Promise<void>((resolve, reject) => process.send!({ result: r }, (err: Error | null) => (err ? reject(err) : resolve())));
  } finally {
    await sut.close();
  }
}

let current: ChildProcess | null = null;
/** Set by Ctrl-C: stop starting work, print nothing more. */
let interrupted = false;

/**
 * Each workload runs in a child process with a hard time limit: when the engine saturates a
 * single-threaded backend it can stop yielding to the event loop (docs/benchmarks.md), and then
 * no timer in that process, the harness's included, fires again. The parent kills it and still
 * removes its database.
 */
async function isolated(job: Omit<ChildJob, 'db'>, backend: Backend): Promise<WorkloadResult | null> {
  const db = await backend.fresh();
  const window = job.workload === 'steady' ? job.opts.seconds * 1000 : 0;
  const limitMs = job.leadMs + window + job.opts.drainMs + 60_000;
  try {
    return await new Promise<WorkloadResult | null>((resolve, reject) => {
      const full: ChildJob = { ...job, db: { target: db.target, ...(db.schema !== undefined ? { schema: db.schema } : {}) } };
      const proc = fork(fileURLToPath(import.meta.url), [], {
        execArgv: process.execArgv,
        serialization: 'advanced',
        env: { ...process.env, [CHILD_ENV]: JSON.stringify(full) },
      });
      current = proc;
      let result: WorkloadResult | null = null;
      const timer = setTimeout(() => {
        log(`    no result within ${fmtMs(limitMs)}: the benchmark process stopped answering (event loop blocked?); killed`);
        proc.kill('SIGKILL');
      }, limitMs);
      proc.on('message', (m: { result?: WorkloadResult }) => {
        if (m.result) result = m.result;
      });
      proc.on('error', reject);
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        current = null;
        if (!result && signal !== 'SIGKILL') log(`    the workload failed (exit ${code ?? signal})`);
        resolve(result);
      });
    });
  } finally {
    await db.cleanup();
  }
}

interface BackendResults {
  backend: string;
  baseline: BaselineResult[];
  results: WorkloadResult[];
}

async function benchBackend(system: System, backend: Backend, opts: Options): Promise<BackendResults> {
  log(`\n== ${system.name} on ${backend.name}: ${await backend.version()}`);
  log(`  baseline: ${fmtInt(opts.schedules)} occurrence-shaped run rows through the store`);
  const baseline = await system.baseline(await backend.fresh(), opts.schedules);
  for (const b of baseline) log(`    ${b.label}: ${fmtMs(b.ms)} (${fmtRate(rateOf(b))} rows/s)`);
  // Setup writes one schedule row per schedule, in transactions of 1,000: about the cost of the
  // bulk baseline. Give it that twice over, plus three seconds to start a process and the engine.
  const bulk = baseline.find((b) => b.key === 'bulk');
  const leadMs = opts.leadMs ?? Math.ceil(3000 + 2 * (bulk?.ms ?? opts.schedules));

  const results: WorkloadResult[] = [];
  for (const workload of opts.workloads) {
    if (interrupted) break;
    const r = await isolated({ backend: backend.name, workload, opts, leadMs }, backend);
    if (r) results.push(r);
  }
  return { backend: backend.name, baseline, results };
}

function report(all: BackendResults[]): void {
  const baselines = all.flatMap((a) => a.baseline.map((b) => ({ backend: a.backend, b })));
  const rows = all.flatMap((a) => a.results.map((r) => ({ r, baseline: a.baseline })));
  if (rows.length === 0) return;
  const key = (r: WorkloadResult) => `${r.backend} ${r.workload}`;

  log('\n## Occurrences (nominal time in the measured window)');
  log(
    table(
      ['backend / workload', 'expected', 'created', 'not run', 'started', 'finished', 'event-loop delay p99', 'max'],
      rows.map(({ r }) => [
        key(r),
        fmtInt(r.expected),
        fmtInt(r.created),
        fmtInt(r.notRun),
        fmtInt(r.started),
        fmtInt(r.finished),
        fmtMs(r.loopDelay.p99),
        fmtMs(r.loopDelay.max),
      ]),
    ),
  );

  log('\n## Lateness after the nominal time: p50 / p99 / max');
  log(
    table(
      ['backend / workload', 'created p50', 'p99', 'max', 'started p50', 'p99', 'max', 'job entered p50', 'p99', 'max'],
      rows.map(({ r }) => [key(r), ...latency(r.creationLag), ...latency(r.startLateness), ...latency(r.bodyLateness)]),
    ),
  );

  log('\n## Throughput, with ratios to the raw insert rate of the same backend (same run)');
  log(
    table(
      ['backend / workload', 'occurrences/s', '÷ bulk insert/s', '÷ 1-row-tx insert/s', 'runs finished/s', 'all created after', 'all finished after'],
      rows.map(({ r, baseline }) => {
        const bulk = baseline.find((b) => b.key === 'bulk');
        const each = baseline.find((b) => b.key === 'each');
        const burst = r.workload === 'burst';
        return [
          key(r),
          fmtRate(r.createdPerSec),
          bulk ? fmtRatio(r.createdPerSec / rateOf(bulk)) : '–',
          each ? fmtRatio(r.createdPerSec / rateOf(each)) : '–',
          fmtRate(r.finishedPerSec),
          burst ? fmtMs(r.lastCreatedAfterMs) : '',
          burst ? fmtMs(r.lastFinishedAfterMs) : '',
        ];
      }),
    ),
  );

  log('\n## Baseline: occurrence-shaped run rows inserted through the store');
  log(table(['backend', 'what', 'time', 'rows/s'], baselines.map(({ backend, b }) => [backend, b.label, fmtMs(b.ms), fmtRate(rateOf(b))])));
}

async function main(): Promise<void> {
  const opts = parse();
  const started = Date.now();
  log(`# agentcron scheduling benchmark — ${new Date(started).toISOString()}`);
  for (const line of machineInfo()) log(line);
  log(`command: npm run bench -- ${process.argv.slice(2).join(' ')}`.trimEnd());

  const system = SYSTEMS[opts.system]!(opts);
  const all: BackendResults[] = [];
  for (const name of opts.suites.includes('scheduling') ? opts.backends : []) {
    if (interrupted) return;
    if (!system.backends.includes(name)) {
      log(`\n== ${system.name} on ${name}: skipped: ${system.name} runs on ${system.backends.join(', ')}`);
      continue;
    }
    const backend = backendFor(name, opts);
    const why = await backend.unavailable();
    if (why) {
      log(`\n== ${backend.name}: skipped: ${why}`);
      continue;
    }
    all.push(await benchBackend(system, backend, opts));
  }
  if (interrupted) return;
  report(all);
  if (opts.suites.includes('browser')) await browserBench();
  if (opts.suites.includes('retention') && !interrupted) await retentionBench({ backends: opts.backends, pgUrl: opts.pgUrl });
  log('\nFigures are explained in docs/benchmarks.md.');
  log(`\ntotal ${fmtMs(Date.now() - started)}; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

const childJob = process.env[CHILD_ENV];
if (childJob !== undefined) {
  // A workload's child process (see isolated()): Ctrl-C reaches it too; the parent cleans up.
  try {
    await child(JSON.parse(childJob) as ChildJob);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
} else {
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('\ninterrupted: removing benchmark databases…');
    current?.kill('SIGKILL');
    void cleanupAll().finally(() => process.exit(130));
  });
  try {
    // `npm run bench -- agent …`: the agent trajectory-cache benchmark (bench/agent.ts).
    if (process.argv[2] === 'agent') await (await import('./agent.js')).agentBench(process.argv.slice(3));
    // `npm run bench -- stats …`: the dashboard aggregation benchmark (bench/stats.ts).
    else if (process.argv[2] === 'stats') await (await import('./stats.js')).statsBench(process.argv.slice(3));
    // `npm run bench -- dashboard …`: dashboard page views over the same history (bench/dashboard.ts).
    else if (process.argv[2] === 'dashboard') await (await import('./dashboard.js')).dashboardBench(process.argv.slice(3));
    else await main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  } finally {
    await cleanupAll();
  }
}
