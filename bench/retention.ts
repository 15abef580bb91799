/**
 * The retention benchmark (`npm run bench -- --suite retention`, docs/benchmarks.md): how fast
 * one pruning pass deletes a large expired history, and how long its longest batch transaction
 * holds the database (what any other writer may have to wait). BENCH_RETENTION_RUNS sets the
 * number of expired runs (default 100,000); each has one attempt, two run events and one
 * delivered delivery with one attempt, all 40 days old; 1,000 recent runs are kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRUNE_BATCH, pruneHistory } from '../src/engine/retention.js';
import { FileArtifactStore } from '../src/runtime/artifacts.js';
import type { Db, SqlValue } from '../src/store/db.js';
import { openStore } from '../src/store/open.js';
import { PostgresDb } from '../src/store/postgres/driver.js';
import { SqliteDb } from '../src/store/sqlite/driver.js';
import type { RetentionRepo, Store } from '../src/store/store.js';
import { cleanupAll, fmtInt, fmtMs, fmtRate, postgresBackend, sqliteBackend, table, type Backend, type BenchDatabase } from './harness.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const CHUNK = 500;

async function rawDb(db: BenchDatabase): Promise<Db> {
  return db.schema === undefined ? new SqliteDb(db.target) : PostgresDb.connect(db.target, { schema: db.schema });
}

async function insertRows(db: Db, table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
  const row = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await db.execute(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => row).join(', ')}`, chunk.flat());
  }
}

/** `expired` runs 40 days old with their children, and 1,000 runs from yesterday. */
async function seed(db: Db, expired: number): Promise<void> {
  const total = expired + 1000;
  for (let start = 0; start < total; start += 10_000) {
    const runs: SqlValue[][] = [];
    const attempts: SqlValue[][] = [];
    const events: SqlValue[][] = [];
    const deliveries: SqlValue[][] = [];
    const deliveryAttempts: SqlValue[][] = [];
    for (let i = start; i < Math.min(start + 10_000, total); i++) {
      const at = i < expired ? NOW - 40 * DAY + i : NOW - DAY + i;
      const id = `run-${i}`;
      runs.push([id, 'o1', `s${i % 100}`, 't1', 1, '{}', at, 'schedule', 'failed', 1, at, '{"message":"boom"}', at, at, at]);
      attempts.push([id, 1, 'failed', 'w1', at, at, at, at]);
      events.push([id, 1, at, 'step', '{}'], [id, 1, at, 'step', '{}']);
      deliveries.push([`d-${i}`, 'o1', `ev-${i}`, 'run.failed', 'hook', id, '{}', 'delivered', 1, at, at, at]);
      deliveryAttempts.push([`d-${i}`, 1, at, 200, 5]);
    }
    await db.transaction(async (tx) => {
      const d = tx as Db;
      await insertRows(d, 'runs', ['id', 'org_id', 'schedule_id', 'template_id', 'template_version', 'params', 'nominal_time', 'triggered_by', 'status', 'attempts', 'available_at', 'error', 'created_at', 'started_at', 'finished_at'], runs);
      await insertRows(d, 'attempts', ['run_id', 'number', 'status', 'worker_id', 'lease_expires_at', 'heartbeat_at', 'started_at', 'finished_at'], attempts);
      await insertRows(d, 'run_events', ['run_id', 'attempt', 'at', 'type', 'data'], events);
      await insertRows(d, 'deliveries', ['id', 'org_id', 'event_id', 'event_type', 'destination_id', 'run_id', 'payload', 'status', 'attempts', 'next_attempt_at', 'created_at', 'delivered_at'], deliveries);
      await insertRows(d, 'delivery_attempts', ['delivery_id', 'number', 'at', 'status_code', 'latency_ms'], deliveryAttempts);
    });
  }
}

/** The store with its pruning batches timed: each call is one transaction. */
function timedStore(store: Store, batches: number[]): Store {
  const timed = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    const started = performance.now();
    try {
      return await fn(...args);
    } finally {
      batches.push(performance.now() - started);
    }
  };
  const r = store.retention;
  const retention: RetentionRepo = {
    expiredRuns: (...a) => r.expiredRuns(...a),
    deleteRuns: timed((...a: Parameters<RetentionRepo['deleteRuns']>) => r.deleteRuns(...a)),
    deleteDeliveries: timed((...a: Parameters<RetentionRepo['deleteDeliveries']>) => r.deleteDeliveries(...a)),
    deleteExpiredIdempotencyKeys: (...a) => r.deleteExpiredIdempotencyKeys(...a),
  };
  return Object.assign(Object.create(store) as Store, { retention });
}

async function benchOne(backend: Backend, expired: number): Promise<string[] | null> {
  const why = await backend.unavailable();
  if (why) {
    console.log(`${backend.name}: skipped: ${why}`);
    return null;
  }
  const db = await backend.fresh();
  const dir = mkdtempSync(join(tmpdir(), 'agentcron-bench-retention-'));
  const store = await openStore(db.target, db.schema !== undefined ? { schema: db.schema } : {});
  try {
    await store.orgs.create({ id: 'o1', name: 'bench' }, NOW);
    const raw = await rawDb(db);
    try {
      await seed(raw, expired);
    } finally {
      await raw.close();
    }
    const batches: number[] = [];
    const started = performance.now();
    const report = await pruneHistory(
      { store: timedStore(store, batches), artifacts: new FileArtifactStore(join(dir, 'artifacts')) },
      { runs: 30 * DAY, artifacts: 30 * DAY, deliveries: 30 * DAY },
      NOW,
    );
    const ms = performance.now() - started;
    const left = (await store.runs.list({ orgId: 'o1', limit: 2000 })).runs.length;
    const rows = Object.values(report.runs).reduce((a, b) => a + b, 0) + report.deliveries.deliveries + report.deliveries.attempts;
    batches.sort((a, b) => a - b);
    return [backend.name, fmtInt(report.runs.runs), fmtInt(rows), fmtMs(ms), fmtRate(rows / (ms / 1000)), fmtInt(batches.length), fmtMs(batches[Math.floor(batches.length / 2)] ?? NaN), fmtMs(batches.at(-1) ?? NaN), fmtInt(left)];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await db.cleanup();
  }
}

export async function retentionBench(options: { backends: readonly string[]; pgUrl: string }): Promise<void> {
  const expired = Number(process.env.BENCH_RETENTION_RUNS ?? 100_000);
  console.log(`\n## Retention: one pruning pass over ${fmtInt(expired)} expired runs (batches of ${DEFAULT_PRUNE_BATCH})`);
  const rows: string[][] = [];
  try {
    for (const name of options.backends) {
      const row = await benchOne(name === 'sqlite' ? sqliteBackend() : postgresBackend(options.pgUrl), expired);
      if (row) rows.push(row);
    }
  } finally {
    await cleanupAll();
  }
  console.log(table(['backend', 'runs pruned', 'rows deleted', 'time', 'rows/s', 'batches', 'batch p50', 'batch max', 'runs kept'], rows));
}
