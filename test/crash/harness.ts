/**
 * Helpers of the crash tests: a local HTTP target, the agentcron.yaml they serve, real `agentcron
 * serve` processes that are killed with SIGKILL and restarted, and a verifier that reads the
 * database afterwards and lists every broken guarantee (DESIGN.md invariants 1–3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstAtOrAfter } from '../../src/config/apply.js';
import { occurrencesBetween, parseSpec } from '../../src/spec/index.js';
import type { Store } from '../../src/store/store.js';
import type { Attempt, Run, RunStatus, Schedule } from '../../src/store/types.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'src/cli/main.ts');
const DIE_WITH_PARENT = fileURLToPath(new URL('./die-with-parent.ts', import.meta.url));

export const ORG = 'default';
export const MAX_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// Randomness and time

/** A small seeded PRNG (mulberry32), so a failing run's kill pattern can be named by its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The target site and the config

/**
 * The endpoints the schedules hit. `/flaky/<id>` fails two requests out of three per path (so a
 * run normally needs three attempts), `/down` always answers 503 (retryable: runs exhaust their
 * attempts), `/slow` answers after 1.5 s (runs overlap the next occurrences, and kills often
 * catch them mid-attempt).
 */
export type Group = 'ok' | 'flaky' | 'down' | 'slow';

export interface TargetSite {
  url: string;
  requests(): number;
  close(): Promise<void>;
}

export async function startTargetSite(): Promise<TargetSite> {
  const hits = new Map<string, number>();
  let total = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    total++;
    const answer = (status: number) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status === 200, n }));
    };
    if (path.startsWith('/ok/')) return answer(200);
    if (path.startsWith('/flaky/')) return answer(n % 3 === 0 ? 200 : 503);
    if (path.startsWith('/down/')) return answer(503);
    if (path.startsWith('/slow/')) return void setTimeout(() => answer(200), 1500);
    return answer(404);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => total,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CrashSchedule {
  id: string;
  group: Group;
}

/** 50 schedules firing every second: 30 ok, 10 flaky, 5 down, 5 slow. */
export function crashSchedules(): CrashSchedule[] {
  const out: CrashSchedule[] = [];
  for (let i = 0; i < 50; i++) {
    const group: Group = i < 30 ? 'ok' : i < 40 ? 'flaky' : i < 45 ? 'down' : 'slow';
    out.push({ id: `s${String(i).padStart(2, '0')}`, group });
  }
  return out;
}

/** Writes agentcron.yaml (JSON is YAML) into `dir` and returns its path. */
export function writeCrashConfig(dir: string, siteUrl: string, schedules: readonly CrashSchedule[]): string {
  const config = {
    templates: [{ id: 'check', kind: 'http', description: 'crash test target', request: { url: '{{ params.url }}', timeout: '5s' } }],
    schedules: schedules.map((s) => ({
      id: s.id,
      template: 'check',
      params: { url: `${siteUrl}/${s.group}/${s.id}` },
      cron: '* * * * * *',
      retry: { maxAttempts: MAX_ATTEMPTS, initialInterval: '200ms' },
      timeout: '5s',
    })),
  };
  const file = join(dir, 'agentcron.yaml');
  writeFileSync(file, `# written by test/crash/serve-crash.test.ts\n${JSON.stringify(config, null, 2)}\n`);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Real processes

/** Every child started here, so a failing test can still kill them all. */
const children = new Set<ChildProcess>();

/** A port nothing listens on right now, for a child process to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** SIGKILLs every child process still alive (afterEach/afterAll). */
export async function killAllChildren(): Promise<void> {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  children.clear();
}

function spawnCli(args: string[], logFile: string): { child: ChildProcess; log: WriteStream } {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', DIE_WITH_PARENT, CLI, ...args], {
    cwd: REPO_ROOT,
    detached: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AGENTCRON_DB: undefined, AGENTCRON_LOG_LEVEL: process.env.AGENTCRON_LOG_LEVEL ?? 'info' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stdout?.on('data', (d: Buffer) => log.write(d));
  return { child, log };
}

/** Runs a CLI command to completion (e.g. `apply`); rejects on a non-zero exit. */
export async function runCli(args: string[], logFile: string, timeoutMs = 30_000): Promise<void> {
  const { child, log } = spawnCli(args, logFile);
  child.stderr?.on('data', (d: Buffer) => log.write(d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  log.end();
  if (code !== 0) throw new Error(`agentcron ${args[0]} exited with ${code}; see ${logFile}`);
}

export interface ServeArgs {
  db: string;
  config: string;
  logFile: string;
  lease?: string;
  grace?: string;
  slots?: number;
  /** More serve options, e.g. ['--delivery-lease', '3s']. */
  extraArgs?: string[];
  /** Serve the HTTP API at this host:port; without it the server runs with --no-api. */
  listen?: string;
}

/** One `agentcron serve` process. */
export class ServeProcess {
  readonly pid: number;
  /** Resolves when the server said it is serving; rejects if it exits first. */
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private stopping = false;
  private isReady = false;

  constructor(readonly args: ServeArgs) {
    const { child, log } = spawnCli(
      ['serve', ...(args.listen ? ['--listen', args.listen] : ['--no-api']), '-c', args.config, '--db', args.db, '--lease', args.lease ?? '2s', '--grace', args.grace ?? '1s', '--slots', String(args.slots ?? 16), ...(args.extraArgs ?? [])],
      args.logFile,
    );
    this.child = child;
    this.log = log;
    if (child.pid === undefined) throw new Error('agentcron serve did not start');
    this.pid = child.pid;
    log.write(`\n=== crash test: started serve pid ${this.pid} at ${new Date().toISOString()}\n`);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        log.write(`=== crash test: pid ${this.pid} exited (code ${code}, signal ${signal}) at ${new Date().toISOString()}\n`);
        log.end();
        resolve({ code, signal });
      }),
    );
    this.ready = new Promise<void>((resolve, reject) => {
      let seen = '';
      child.stderr?.on('data', (d: Buffer) => {
        log.write(d);
        if (this.isReady) return;
        seen = (seen + d.toString('utf8')).slice(-4096);
        if (seen.includes('agentcron serving')) {
          this.isReady = true;
          resolve();
        }
      });
      void this.exited.then(({ code, signal }) => reject(new Error(`serve pid ${this.pid} exited (code ${code}, signal ${signal}) before it was serving`)));
    });
    // A kill before readiness is expected; the rejection is observed where it matters.
    this.ready.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Whether the process exited although the test never signalled it. */
  async unexpectedExit(): Promise<string | null> {
    if (this.alive || this.stopping) return null;
    const { code, signal } = await this.exited;
    return `serve pid ${this.pid} exited on its own (code ${code}, signal ${signal}); log: ${this.args.logFile}`;
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(): Promise<void> {
    this.stopping = true;
    if (this.alive) {
      this.log.write(`=== crash test: SIGKILL pid ${this.pid} (${this.isReady ? 'serving' : 'starting'}) at ${new Date().toISOString()}\n`);
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** Sends SIGTERM and returns at once (graceful shutdown begins). */
  sigterm(): void {
    this.stopping = true;
    if (!this.alive) return;
    this.log.write(`=== crash test: SIGTERM pid ${this.pid} at ${new Date().toISOString()}\n`);
    this.child.kill('SIGTERM');
  }

  /** SIGTERM (graceful shutdown); resolves with the exit, SIGKILLs after `timeoutMs`. */
  async terminate(timeoutMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; forced: boolean }> {
    this.stopping = true;
    if (!this.alive) return { ...(await this.exited), forced: false };
    this.sigterm();
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.child.kill('SIGKILL');
    }, timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return { ...result, forced };
  }
}

export interface LaneOptions {
  name: string;
  /** SIGKILLs to deliver (graceful stops come on top). */
  kills: number;
  random: () => number;
  start: () => ServeProcess;
  /** Chance that a kill lands during start-up (migrations, config apply, first tick). */
  earlyKillChance?: number;
  /** Chance that a serving process is stopped with SIGTERM instead (then half the time SIGKILLed during its grace). */
  termChance?: number;
}

export interface LaneResult {
  name: string;
  pids: number[];
  /** SIGKILLs delivered. */
  kills: number;
  killedWhileStarting: number;
  /** SIGKILLs delivered during a graceful shutdown (after SIGTERM, within the grace). */
  killedWhileStopping: number;
  /** SIGTERM stops that completed: each must exit 0 within its grace. */
  gracefulStops: number;
  /** Processes that exited although nobody killed them, or stopped badly: each one is a bug. */
  unexpectedExits: string[];
}

/**
 * Starts a server, stops it at a random moment, restarts it, until it has been SIGKILLed `kills`
 * times. Most stops are a SIGKILL 300–1500 ms after the server said it is serving; some are a
 * SIGKILL during start-up; some are a SIGTERM (graceful: live attempts get the grace, then are
 * released), half of those interrupted by a SIGKILL before the shutdown finished.
 */
export async function chaosLane(options: LaneOptions): Promise<LaneResult> {
  const result: LaneResult = { name: options.name, pids: [], kills: 0, killedWhileStarting: 0, killedWhileStopping: 0, gracefulStops: 0, unexpectedExits: [] };
  const rnd = options.random;
  while (result.kills < options.kills) {
    const p = options.start();
    result.pids.push(p.pid);
    const early = rnd() < (options.earlyKillChance ?? 0.15);
    if (early) {
      await Promise.race([sleep(rnd() * 1500), p.exited]);
      result.killedWhileStarting++;
    } else {
      await Promise.race([p.ready, sleep(30_000)]).catch(() => undefined);
      await Promise.race([sleep(300 + rnd() * 1200), p.exited]);
    }
    const unexpected = await p.unexpectedExit();
    if (unexpected) result.unexpectedExits.push(unexpected);
    // SIGTERM only once the server said it is serving (its signal handlers are installed then).
    const graceful = !early && p.alive && !unexpected && rnd() < (options.termChance ?? 0.2);
    if (graceful && rnd() < 0.5) {
      const exit = await p.terminate();
      if (exit.code !== 0 || exit.forced) result.unexpectedExits.push(`serve pid ${p.pid} did not stop cleanly on SIGTERM (${JSON.stringify(exit)}); log: ${p.args.logFile}`);
      result.gracefulStops++;
    } else {
      if (graceful) {
        p.sigterm();
        await Promise.race([sleep(rnd() * 1200), p.exited]);
        if (p.alive) result.killedWhileStopping++;
      }
      await p.kill9();
      result.kills++;
    }
    // Restart at once or after a short pause (the outage makes the catch-up path work).
    if (rnd() < 0.5) await sleep(rnd() * 800);
  }
  return result;
}

export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the database

export async function allRuns(store: Store, scheduleId?: string): Promise<Run[]> {
  const out: Run[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.runs.list({ orgId: ORG, limit: 1000, ...(scheduleId ? { scheduleId } : {}), ...(cursor ? { cursor } : {}) });
    out.push(...page.runs);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

export async function activeRunCount(store: Store): Promise<number> {
  return (await store.runs.list({ orgId: ORG, status: ['queued', 'running'], limit: 1000 })).runs.length;
}

/** Pauses every schedule, so the final cursor stays put while the last runs drain. */
export async function pauseAll(store: Store): Promise<void> {
  for (const s of await store.schedules.list(ORG)) {
    if (!s.paused) await store.schedules.setPaused(ORG, s.id, true, 'crash test: settling', Date.now());
  }
}

// ---------------------------------------------------------------------------------------------
// The verifier

const TERMINAL_EXPECTED: readonly RunStatus[] = ['succeeded', 'failed', 'timed_out', 'skipped', 'missed'];

export interface Verification {
  /** Every broken guarantee, as a sentence naming the schedule, occurrence and run. */
  violations: string[];
  stats: {
    occurrences: number;
    byStatus: Record<string, number>;
    attempts: number;
    lostAttempts: number;
    releasedAttempts: number;
    /** Runs that needed more than one attempt because an attempt failed (not lost). */
    retriedAfterFailure: number;
    /** Flaky runs that failed at first and succeeded on a retry. */
    recoveredByRetry: number;
    /** Down runs that used every attempt, each of them failing. */
    exhaustedRetries: number;
    workerIds: Set<string>;
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/**
 * Checks, for every schedule, that its runs are exactly its occurrences from the first one to
 * the final cursor, one row each, all terminal, with consistent attempts. Returns violations
 * rather than throwing so that one failing run shows every problem at once.
 */
export async function verifyStore(store: Store, schedules: readonly CrashSchedule[]): Promise<Verification> {
  const violations: string[] = [];
  const stats: Verification['stats'] = {
    occurrences: 0,
    byStatus: {},
    attempts: 0,
    lostAttempts: 0,
    releasedAttempts: 0,
    retriedAfterFailure: 0,
    recoveredByRetry: 0,
    exhaustedRetries: 0,
    workerIds: new Set(),
  };
  const bad = (msg: string) => {
    if (violations.length < 200) violations.push(msg);
  };

  const stored = new Map<string, Schedule>((await store.schedules.list(ORG)).map((s) => [s.id, s]));
  const everyRun = await allRuns(store);
  const known = new Set(schedules.map((s) => s.id));
  for (const r of everyRun) {
    if (r.scheduleId === null || !known.has(r.scheduleId)) bad(`run ${r.id} belongs to no crash-test schedule (${r.scheduleId})`);
    if (!TERMINAL_EXPECTED.includes(r.status)) bad(`run ${r.id} (${r.scheduleId} @ ${iso(r.nominalTime)}) ended ${r.status}`);
  }

  for (const cs of schedules) {
    const schedule = stored.get(cs.id);
    if (!schedule) {
      bad(`schedule ${cs.id} does not exist`);
      continue;
    }
    const runs = everyRun.filter((r) => r.scheduleId === cs.id).sort((a, b) => a.nominalTime - b.nominalTime);
    const spec = parseSpec(schedule.spec);
    const first = firstAtOrAfter(schedule.spec, schedule.createdAt);
    const cursor = schedule.nextNominalTime;
    if (first === null || cursor === null) {
      bad(`schedule ${cs.id}: no first occurrence or no cursor (${first}, ${cursor})`);
      continue;
    }
    // Invariants 1 and 2: the scheduled runs are exactly the occurrences in [first, cursor).
    const expected = occurrencesBetween(spec, first, cursor, 100_000).occurrences.map((o) => o.nominal);
    stats.occurrences += expected.length;
    const byNominal = new Map<number, Run[]>();
    for (const r of runs) {
      if (r.trigger !== 'schedule') bad(`schedule ${cs.id}: run ${r.id} has trigger ${r.trigger}`);
      byNominal.set(r.nominalTime, [...(byNominal.get(r.nominalTime) ?? []), r]);
    }
    for (const [nominal, rs] of byNominal) {
      if (rs.length > 1) bad(`schedule ${cs.id} @ ${iso(nominal)}: ${rs.length} runs (${rs.map((r) => r.id).join(', ')})`);
    }
    const expectedSet = new Set(expected);
    const missing = expected.filter((n) => !byNominal.has(n));
    const extra = [...byNominal.keys()].filter((n) => !expectedSet.has(n));
    if (missing.length > 0) bad(`schedule ${cs.id}: ${missing.length} occurrence(s) without a row, first ${iso(missing[0]!)} (window ${iso(first)} .. ${iso(cursor)})`);
    if (extra.length > 0) bad(`schedule ${cs.id}: ${extra.length} row(s) outside its occurrences, first ${iso(extra[0]!)} (window ${iso(first)} .. ${iso(cursor)})`);

    for (const run of runs) {
      stats.byStatus[run.status] = (stats.byStatus[run.status] ?? 0) + 1;
      const where = `schedule ${cs.id} @ ${iso(run.nominalTime)} (run ${run.id}, ${run.status})`;
      const attempts = await store.runs.attempts(run.id);
      if (run.status === 'skipped' || run.status === 'missed') {
        if (!run.reason) bad(`${where}: no reason`);
        if (run.attempts !== 0 || attempts.length !== 0) bad(`${where}: has ${attempts.length} attempt row(s), attempts=${run.attempts}`);
        continue;
      }
      verifyAttempts(cs, run, attempts, where, bad, stats);
    }
  }
  return { violations, stats };
}

function verifyAttempts(
  cs: CrashSchedule,
  run: Run,
  attempts: Attempt[],
  where: string,
  bad: (msg: string) => void,
  stats: Verification['stats'],
): void {
  stats.attempts += attempts.length;
  // Invariant 3: attempts numbered 1..n, one at a time, none left running.
  const numbers = attempts.map((a) => a.number);
  if (attempts.length !== run.attempts || numbers.some((n, i) => n !== i + 1)) {
    bad(`${where}: attempt numbers [${numbers.join(', ')}] but run.attempts=${run.attempts}`);
  }
  if (attempts.length === 0) {
    bad(`${where}: terminal ${run.status} without any attempt`);
    return;
  }
  const released = attempts.filter((a) => errorType(a) === 'released').length;
  stats.releasedAttempts += released;
  stats.lostAttempts += attempts.filter((a) => a.status === 'lost').length;
  for (const a of attempts) stats.workerIds.add(a.workerId);
  if (attempts.some((a) => a.status === 'running' || a.finishedAt === null)) bad(`${where}: an attempt is still running`);
  if (attempts.filter((a) => a.status === 'succeeded').length > 1) bad(`${where}: more than one succeeded attempt`);
  for (let i = 1; i < attempts.length; i++) {
    const prev = attempts[i - 1]!;
    const next = attempts[i]!;
    if (prev.finishedAt !== null && prev.finishedAt > next.startedAt) {
      bad(`${where}: attempt ${next.number} started at ${iso(next.startedAt)} while attempt ${prev.number} ran until ${iso(prev.finishedAt)}`);
    }
    if (prev.status !== 'failed' && prev.status !== 'lost') bad(`${where}: attempt ${prev.number} is ${prev.status} but another attempt followed it`);
  }
  // A kill costs the attempt it interrupted (it counts against maxAttempts); a release on
  // graceful shutdown does not (release raises maxAttempts by one).
  if (run.maxAttempts !== MAX_ATTEMPTS + released) bad(`${where}: maxAttempts ${run.maxAttempts}, expected ${MAX_ATTEMPTS} + ${released} released`);
  if (run.attempts > run.maxAttempts) bad(`${where}: ${run.attempts} attempts > maxAttempts ${run.maxAttempts}`);

  const last = attempts[attempts.length - 1]!;
  const lastOk =
    run.status === 'succeeded' ? last.status === 'succeeded' : run.status === 'timed_out' ? last.status === 'timed_out' : last.status === 'failed' || last.status === 'lost';
  if (!lastOk) bad(`${where}: last attempt is ${last.status}`);
  if (run.status === 'failed' && last.status === 'lost' && run.attempts < run.maxAttempts) {
    bad(`${where}: failed after a lost attempt ${last.number} although attempts remained (${run.maxAttempts})`);
  }

  const failed = attempts.filter((a) => a.status === 'failed');
  if (failed.length > 0 && attempts.length > 1) stats.retriedAfterFailure++;
  switch (cs.group) {
    case 'ok':
    case 'slow':
      // These endpoints never fail: every extra attempt comes from a kill.
      if (failed.length > 0) bad(`${where}: an attempt against a healthy endpoint failed: ${JSON.stringify(failed[0]!.error)}`);
      break;
    case 'flaky':
      if (run.status === 'succeeded' && failed.length > 0) stats.recoveredByRetry++;
      break;
    case 'down':
      if (run.status === 'succeeded') bad(`${where}: succeeded against an endpoint that always fails`);
      if (run.status === 'failed' && failed.length === run.maxAttempts && attempts.length === run.maxAttempts) stats.exhaustedRetries++;
      break;
  }
  // A retryable failure with attempts left and time left must have been retried.
  if (run.status === 'failed' && last.status === 'failed' && run.attempts < run.maxAttempts) {
    // The worker retries unless now + backoff (at most 200 ms × 2^(n-1)) reaches the 5 s deadline.
    const deadline = (run.startedAt ?? attempts[0]!.startedAt) + 5_000;
    if (last.finishedAt !== null && last.finishedAt + 200 * 2 ** (run.attempts - 1) < deadline - 100) {
      bad(`${where}: gave up after attempt ${run.attempts} of ${run.maxAttempts} well before its deadline: ${JSON.stringify(last.error)}`);
    }
  }
}

function errorType(a: Attempt): string | null {
  const e = a.error as { type?: unknown } | null;
  return e && typeof e === 'object' && typeof e.type === 'string' ? e.type : null;
}
