/**
 * Crash tests of the scheduling engine with real processes (DESIGN.md invariants 1–3):
 *
 *   While 50 schedules fire every second, `kill -9` the `serve` process at random moments at
 *   least 20 times and restart it. Afterwards every occurrence in the window has exactly one row
 *   (a run, or `skipped`/`missed` per policy), no run is stuck `running`, and retries happened
 *   per policy. The same with two `serve` processes sharing PostgreSQL, killed independently:
 *   no occurrence gets two runs.
 *
 * Real time, real processes, real SIGKILL: this is not logic under the fake clock. Each test
 * chaos-kills (mostly while serving, some during start-up, some during a graceful SIGTERM
 * shutdown; a few SIGTERM stops complete and must exit 0), then settles (one last server per lane runs until every orphaned lease has
 * expired and been reclaimed, the schedules are paused so the cursors stop, the queue drains, and
 * the servers stop gracefully), then reads the database and checks every occurrence and attempt.
 *
 * CRASH_SEED=<n> replays a kill pattern (timings still vary); logs and the database (SQLite file
 * or PostgreSQL schema) of a failed test are kept and printed, of every test with CRASH_KEEP=1.
 * About 100 s on two cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { createBackend, PG_URL, postgresReachable, type Backend } from '../store/backends.js';
import {
  activeRunCount,
  allRuns,
  chaosLane,
  crashSchedules,
  killAllChildren,
  logTail,
  pauseAll,
  runCli,
  seededRandom,
  ServeProcess,
  sleep,
  startTargetSite,
  verifyStore,
  waitFor,
  writeCrashConfig,
  type LaneResult,
  type TargetSite,
  type Verification,
} from './harness.js';

const LEASE_MS = 2_000;
const PG_OK = await postgresReachable();
if (!PG_OK) console.log(`PostgreSQL at ${PG_URL} not reachable: the two-server PostgreSQL crash test is skipped`);

function pickSeed(): number {
  const env = process.env.CRASH_SEED;
  return env !== undefined && /^\d+$/.test(env) ? Number(env) : Math.floor(Math.random() * 2 ** 31);
}

/** How long the last servers run undisturbed before the schedules are paused. */
const STEADY_MS = 4_000;

/**
 * Lets the last servers run undisturbed for a while (longer than a lease: the attempts orphaned
 * by the last kill expire and are reclaimed, and scheduling is back to normal), pauses every
 * schedule (the final cursor stays put), waits until no run is queued or running, then stops the
 * servers with SIGTERM: each must exit 0 within its grace.
 */
async function settle(store: Store, servers: ServeProcess[]): Promise<void> {
  await Promise.all(servers.map((s) => s.ready));
  await sleep(STEADY_MS);
  await pauseAll(store);
  await waitFor('every run to be terminal', async () => (await activeRunCount(store)) === 0, 30_000, 250);
  const exits = await Promise.all(servers.map((s) => s.terminate()));
  for (const [i, e] of exits.entries()) {
    expect(e, `graceful stop of serve pid ${servers[i]!.pid}`).toEqual({ code: 0, signal: null, forced: false });
  }
}

function summary(label: string, seed: number, lanes: LaneResult[], v: Verification, startedAt: number): string {
  const s = v.stats;
  return (
    `${label} (seed ${seed}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s): ` +
    lanes
      .map((l) => `${l.name}: ${l.kills} SIGKILLs (${l.killedWhileStarting} while starting, ${l.killedWhileStopping} during a graceful stop), ${l.gracefulStops} graceful stops`)
      .join('; ') +
    `; ${s.occurrences} occurrences ${JSON.stringify(s.byStatus)}; ${s.attempts} attempts, ${s.lostAttempts} lost ` +
    `(${s.releasedAttempts} released), ${s.retriedAfterFailure} runs retried after a failure, ` +
    `${s.recoveredByRetry} recovered by a retry, ${s.exhaustedRetries} exhausted; ${s.workerIds.size} worker ids`
  );
}

/** What every crash test demands of the database, on top of the verifier's per-run checks. */
function expectGuarantees(v: Verification, lanes: LaneResult[]): void {
  for (const lane of lanes) expect(lane.unexpectedExits, `${lane.name}: servers that died on their own`).toEqual([]);
  expect(v.violations).toEqual([]);
  const s = v.stats;
  // The run was a real test: occurrences of every kind, kills that caught attempts mid-flight,
  // retries that recovered and retries that ran out.
  // (Restarts cost CPU: on two cores, with two servers restarting every couple of seconds, the
  // schedulers fall behind and record many occurrences as missed; that is policy, not a fault.)
  expect(s.byStatus.succeeded ?? 0).toBeGreaterThan(150);
  expect(s.byStatus.skipped ?? 0, 'overlap skip (slow runs, retries)').toBeGreaterThan(0);
  expect(s.byStatus.missed ?? 0, 'catch-up after outages').toBeGreaterThan(0);
  expect(s.lostAttempts, 'attempts lost to kill -9 and reclaimed after their lease').toBeGreaterThan(0);
  expect(s.recoveredByRetry, 'flaky runs that succeeded on a retry').toBeGreaterThan(0);
  expect(s.exhaustedRetries, 'runs that failed after maxAttempts failed attempts').toBeGreaterThan(0);
}

describe('agentcron serve under kill -9', () => {
  let dir: string;
  let site: TargetSite;
  let pgBackend: Backend | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-crash-'));
    site = await startTargetSite();
  });

  afterEach(async ({ task }) => {
    await killAllChildren();
    await site.close();
    const backend = pgBackend;
    pgBackend = undefined;
    if (task.result?.state === 'fail' || process.env.CRASH_KEEP) {
      console.log(`crash test: logs and database kept in ${dir}${backend ? ` (PostgreSQL schema ${backend.schema})` : ''}`);
    } else {
      rmSync(dir, { recursive: true, force: true });
      await backend?.cleanup();
    }
  });

  it('SQLite: 50 per-second schedules, kill -9 and restart 22 times: one row per occurrence, nothing stuck, retries per policy', async () => {
    const startedAt = Date.now();
    const seed = pickSeed();
    const random = seededRandom(seed);
    const schedules = crashSchedules();
    const config = writeCrashConfig(dir, site.url, schedules);
    const db = join(dir, 'agentcron.db');
    const logFile = join(dir, 'serve.log');
    const start = () => new ServeProcess({ db, config, logFile, lease: `${LEASE_MS}ms`, grace: '1s' });

    const lane = await chaosLane({ name: 'sqlite', kills: 22, random, start });
    const last = start();
    lane.pids.push(last.pid);
    await last.ready.catch((e: Error) => {
      throw new Error(`${e.message}\n${logTail(logFile)}`);
    });
    const store = await openStore(db);
    try {
      await settle(store, [last]);
      const v = await verifyStore(store, schedules);
      console.log(summary('SQLite crash test', seed, [lane], v, startedAt));
      expectGuarantees(v, [lane]);
      expect(lane.kills).toBeGreaterThanOrEqual(20);
    } finally {
      await store.close();
    }
  }, 150_000);

  it.skipIf(!PG_OK)(
    'PostgreSQL: two servers on one schema, each killed 12 times independently: no occurrence gets two runs',
    async () => {
      const startedAt = Date.now();
      const seed = pickSeed();
      const schedules = crashSchedules();
      const config = writeCrashConfig(dir, site.url, schedules);
      const backend = createBackend('postgres');
      pgBackend = backend;
      let store: Store | undefined;
      try {
        // The CLI can only take a URL: the schema travels as ?schema=.
        const url = new URL(PG_URL);
        const schema = backend.schema!;
        url.searchParams.set('schema', schema);
        const db = url.toString();
        // Create the schema, tables, templates and schedules once, so the two servers' config
        // applies at start are no-ops and the kills are about scheduling, not first setup.
        await runCli(['apply', '-f', config, '--db', db], join(dir, 'apply.log'));
        const lanes = ['a', 'b'].map((name, i) => ({
          name,
          logFile: join(dir, `serve-${name}.log`),
          random: seededRandom(seed + i),
        }));
        const start = (l: (typeof lanes)[number]) => () => new ServeProcess({ db, config, logFile: l.logFile, lease: `${LEASE_MS}ms`, grace: '1s' });

        const results = await Promise.all(lanes.map((l) => chaosLane({ name: `postgres-${l.name}`, kills: 12, random: l.random, start: start(l) })));
        const finals = lanes.map((l) => start(l)());
        finals.forEach((p, i) => results[i]!.pids.push(p.pid));
        await Promise.all(
          finals.map((p, i) =>
            p.ready.catch((e: Error) => {
              throw new Error(`${e.message}\n${logTail(lanes[i]!.logFile)}`);
            }),
          ),
        );
        store = await openStore(db);
        await settle(store, finals);
        const v = await verifyStore(store, schedules);
        console.log(summary('PostgreSQL two-server crash test', seed, results, v, startedAt));
        expectGuarantees(v, results);
        for (const r of results) expect(r.kills).toBeGreaterThanOrEqual(10);

        // No (schedule, nominal time) has two runs: the verifier checked it from the rows, and
        // the occurrence key must agree (it is what the unique index holds).
        const runs = await allRuns(store);
        expect(runs.filter((r) => r.idempotencyKey !== `${r.scheduleId}@${new Date(r.nominalTime).toISOString()}`)).toEqual([]);

        // Both servers did the work: each lane's processes started attempts.
        const host = hostname();
        for (const r of results) {
          const mine = r.pids.map((pid) => `${host}:${pid}`).filter((id) => v.stats.workerIds.has(id));
          expect(mine.length, `${r.name} processes that started attempts`).toBeGreaterThan(0);
        }
      } finally {
        await killAllChildren();
        await store?.close();
      }
    },
    150_000,
  );
});
