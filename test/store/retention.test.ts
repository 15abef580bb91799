import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { pruneHistory } from '../../src/engine/retention.js';
import type { RetentionPeriods } from '../../src/policy/retention.js';
import { FileArtifactStore, saveArtifact } from '../../src/runtime/artifacts.js';
import type { NewRun, Store } from '../../src/store/store.js';
import type { Json, Run } from '../../src/store/types.js';
import { describeContract } from './backends.js';
import { newRun, occurrence, seed, T0 } from './fixtures.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const RUNS_30D: RetentionPeriods = { runs: 30 * DAY, artifacts: null, deliveries: null };

let dir: string;
let files: FileArtifactStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentcron-retention-'));
  files = new FileArtifactStore(join(dir, 'artifacts'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Creates a run available at the clock's time, claims it and finishes it one second later. */
async function finishedRun(store: Store, clock: FakeClock, over: Partial<NewRun>, status: 'succeeded' | 'failed' = 'failed', output: Json = null): Promise<Run> {
  const run = await store.runs.create(newRun({ nominalTime: clock.now(), availableAt: clock.now(), ...over }), clock.now());
  const claimed = await store.runs.claim({ workerId: 'w1', limit: 1, leaseMs: 60_000 }, clock.now());
  expect(claimed.map((c) => c.run.id)).toEqual([run.id]);
  await store.runs.completeAttempt({ runId: run.id, attempt: 1, status, output, error: status === 'failed' ? { message: 'boom' } : null }, clock.now() + 1000);
  return (await store.runs.get(run.orgId, run.id))!;
}

/** A delivery of `runId` that ends `delivered`, `dead` or stays `pending`, with one attempt logged unless pending. */
async function deliveryOf(store: Store, runId: string, id: string, outcome: 'delivered' | 'dead' | 'pending', at: number): Promise<void> {
  await store.deliveries.enqueue([{ id, orgId: 'o1', eventId: `ev-${id}`, eventType: 'run.failed', destinationId: 'hook', runId, scheduleId: null, payload: { id }, nextAttemptAt: at }], at);
  if (outcome !== 'pending') await store.deliveries.record({ id, attempt: 1, statusCode: outcome === 'delivered' ? 200 : 400, error: null, latencyMs: 5, outcome }, at + 10);
}

async function exists(store: Store, run: Run): Promise<boolean> {
  return (await store.runs.get(run.orgId, run.id)) !== null;
}

describeContract('retention', (backend) => {
  /** A fresh seeded store and a fake clock at T0. */
  async function seeded(): Promise<{ store: Store; clock: FakeClock }> {
    const store = await backend().open();
    await seed(store);
    return { store, clock: new FakeClock(T0) };
  }

  it('prunes an expired run with its attempts, events, artifacts (rows and bytes), deliveries and delivery attempts; keeps recent and unfinished runs', async () => {
    const { store, clock } = await seeded();
    const old = await finishedRun(store, clock, {});
    await store.events.append({ runId: old.id, attempt: 1, type: 'step', data: { n: 1 } }, clock.now());
    const artifact = await saveArtifact({ store, artifacts: files }, { orgId: 'o1', runId: old.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('zip') }, clock.now());
    await deliveryOf(store, old.id, 'd-delivered', 'delivered', clock.now());
    await deliveryOf(store, old.id, 'd-dead', 'dead', clock.now());
    const queued = await store.runs.create(newRun({ nominalTime: clock.now(), availableAt: clock.now() + 365 * DAY }), clock.now());

    await clock.advance(29 * DAY);
    const recent = await finishedRun(store, clock, {});
    expect(await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now())).toMatchObject({ runs: { runs: 0 } });

    await clock.advance(2 * DAY); // old finished 31 days ago, recent 2 days ago
    const report = await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now());
    expect(report.runs).toEqual({ runs: 1, attempts: 1, events: 1, artifacts: 1, deliveries: 2, deliveryAttempts: 2 });
    expect(await exists(store, old)).toBe(false);
    expect(await store.runs.attempts(old.id)).toEqual([]);
    expect(await store.events.list(old.id)).toEqual([]);
    expect(await store.artifacts.list('o1', old.id)).toEqual([]);
    expect(existsSync(files.localPath(artifact.storageKey))).toBe(false);
    expect(await store.deliveries.list({ orgId: 'o1', runId: old.id })).toEqual([]);
    expect(await store.deliveries.attempts('d-delivered')).toEqual([]);
    expect(await exists(store, recent)).toBe(true);
    expect(await store.runs.attempts(recent.id)).toHaveLength(1);
    expect(await exists(store, queued)).toBe(true);
  });

  it('never prunes a run with a pending delivery; prunes it once the delivery is delivered', async () => {
    const { store, clock } = await seeded();
    const run = await finishedRun(store, clock, {});
    await deliveryOf(store, run.id, 'd1', 'pending', clock.now());
    await clock.advance(40 * DAY);
    expect((await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now())).runs.runs).toBe(0);
    expect(await exists(store, run)).toBe(true);
    await store.deliveries.record({ id: 'd1', attempt: 1, statusCode: 200, error: null, latencyMs: 5, outcome: 'delivered' }, clock.now());
    expect((await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now())).runs).toMatchObject({ runs: 1, deliveries: 1, deliveryAttempts: 1 });
    expect(await exists(store, run)).toBe(false);
  });

  it("keeps each schedule's latest successful run however old (on_change diffs against it), and prunes the older ones", async () => {
    const { store, clock } = await seeded();
    const first = await finishedRun(store, clock, occurrence('s1', clock.now()), 'succeeded', { price: 1 });
    await clock.advance(HOUR);
    const latest = await finishedRun(store, clock, occurrence('s1', clock.now()), 'succeeded', { price: 2 });
    await clock.advance(HOUR);
    const failedAfter = await finishedRun(store, clock, occurrence('s1', clock.now()));
    const otherSchedule = await finishedRun(store, clock, occurrence('s2', clock.now() + 1), 'succeeded', { price: 9 });
    const adHoc = await finishedRun(store, clock, { nominalTime: clock.now() + 2 }, 'succeeded', { ok: true });

    await clock.advance(60 * DAY);
    expect((await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now())).runs.runs).toBe(3);
    expect(await exists(store, first)).toBe(false);
    expect(await exists(store, failedAfter)).toBe(false);
    expect(await exists(store, adHoc)).toBe(false); // no schedule: nothing diffs against it
    expect(await exists(store, latest)).toBe(true);
    expect(await exists(store, otherSchedule)).toBe(true);
  });

  it("keeps the runs of an open incident's streak and the run it names; a resolved incident keeps nothing", async () => {
    const { store, clock } = await seeded();
    const beforeStreak = await finishedRun(store, clock, occurrence('s1', clock.now()));
    await clock.advance(HOUR);
    const success = await finishedRun(store, clock, occurrence('s1', clock.now()), 'succeeded');
    const streak: Run[] = [];
    for (let i = 0; i < 3; i++) {
      await clock.advance(HOUR);
      streak.push(await finishedRun(store, clock, occurrence('s1', clock.now())));
    }
    await store.incidents.open({ orgId: 'o1', scheduleId: 's1', kind: 'failure_streak', summary: 's1 failed 3 times', details: { lastRunId: streak[2]!.id } }, clock.now() + 2000);

    // s2: the incident names a run that a later success (finished before it opened) left out of the streak.
    const named = await finishedRun(store, clock, occurrence('s2', clock.now()));
    const unnamed = await finishedRun(store, clock, occurrence('s2', clock.now() + 1));
    await finishedRun(store, clock, occurrence('s2', clock.now() + 2), 'succeeded');
    await store.incidents.open({ orgId: 'o1', scheduleId: 's2', kind: 'failure_streak', summary: 'named', details: { lastRunId: named.id } }, clock.now() + 5000);

    // s3: the same shape as s1, but its incident is resolved.
    const resolvedStreak = await finishedRun(store, clock, occurrence('s3', clock.now()));
    const { incident } = await store.incidents.open({ orgId: 'o1', scheduleId: 's3', kind: 'failure_streak', summary: 'over', details: { lastRunId: resolvedStreak.id } }, clock.now() + 2000);
    await store.incidents.resolve(incident.id, clock.now() + 3000);

    await clock.advance(60 * DAY);
    await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now());
    expect(await exists(store, beforeStreak)).toBe(false);
    expect(await exists(store, success)).toBe(true); // also s1's latest success
    for (const run of streak) expect(await exists(store, run)).toBe(true);
    expect(await exists(store, named)).toBe(true);
    expect(await exists(store, unnamed)).toBe(false);
    expect(await exists(store, resolvedStreak)).toBe(false);
  });

  it('keeps a run whose idempotency key is inside its window, and prunes it and the key after', async () => {
    const { store, clock } = await seeded();
    const { run } = await store.runs.createIdempotent({ ...newRun({ nominalTime: clock.now() }), idempotencyKey: 'k1' }, DAY, clock.now());
    await store.runs.claim({ workerId: 'w1', limit: 1, leaseMs: 60_000 }, clock.now());
    await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'succeeded' }, clock.now());
    const oneHour: RetentionPeriods = { runs: HOUR, artifacts: null, deliveries: null };

    await clock.advance(2 * HOUR);
    expect(await pruneHistory({ store, artifacts: files }, oneHour, clock.now())).toMatchObject({ runs: { runs: 0 }, idempotencyKeys: 0 });
    expect((await store.runs.createIdempotent({ ...newRun(), idempotencyKey: 'k1' }, DAY, clock.now())).created).toBe(false);

    await clock.advance(DAY);
    expect(await pruneHistory({ store, artifacts: files }, oneHour, clock.now())).toMatchObject({ runs: { runs: 1 }, idempotencyKeys: 1 });
    expect(await exists(store, run)).toBe(false);
  });

  it('deleteRuns checks the rules again: a delivery redelivered after expiredRuns keeps its run; it returns only what it deleted', async () => {
    const { store, clock } = await seeded();
    const a = await finishedRun(store, clock, {});
    const b = await finishedRun(store, clock, {});
    const bTrace = await saveArtifact({ store, artifacts: files }, { orgId: 'o1', runId: b.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('b') }, clock.now());
    await saveArtifact({ store, artifacts: files }, { orgId: 'o1', runId: a.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('a') }, clock.now());
    await deliveryOf(store, a.id, 'd-a', 'dead', clock.now());
    await clock.advance(40 * DAY);
    const before = clock.now() - 30 * DAY;
    const expired = await store.retention.expiredRuns(before, clock.now(), 10);
    expect(expired.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    await store.deliveries.redeliver('o1', 'd-a', clock.now());
    const deleted = await store.retention.deleteRuns([a.id, b.id], before, clock.now());
    expect(deleted.counts).toMatchObject({ runs: 1, deliveries: 0, artifacts: 1 });
    expect(deleted.runIds).toEqual([b.id]);
    expect(deleted.artifactKeys).toEqual([bTrace.storageKey]);
    expect(await exists(store, a)).toBe(true);
    expect((await store.deliveries.get('o1', 'd-a'))?.status).toBe('pending');
    expect(await exists(store, b)).toBe(false);
  });

  it("pruning deletes artifact files only of the runs it deleted: a run redelivered during the pass keeps its rows and bytes", async () => {
    const { store, clock } = await seeded();
    const kept = await finishedRun(store, clock, {});
    const pruned = await finishedRun(store, clock, {});
    const keptTrace = await saveArtifact({ store, artifacts: files }, { orgId: 'o1', runId: kept.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('kept bytes') }, clock.now());
    const prunedTrace = await saveArtifact({ store, artifacts: files }, { orgId: 'o1', runId: pruned.id, attempt: 1 }, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('pruned bytes') }, clock.now());
    await deliveryOf(store, kept.id, 'd-kept', 'dead', clock.now());
    await clock.advance(40 * DAY);
    // A redelivery lands between the pass finding the expired runs and deleting them.
    const retention = store.retention;
    const racing: Store = Object.assign(Object.create(store) as Store, {
      retention: {
        expiredRuns: async (...args: Parameters<typeof retention.expiredRuns>) => {
          const found = await retention.expiredRuns(...args);
          await store.deliveries.redeliver('o1', 'd-kept', clock.now());
          return found;
        },
        deleteRuns: retention.deleteRuns.bind(retention),
        deleteDeliveries: retention.deleteDeliveries.bind(retention),
        deleteExpiredIdempotencyKeys: retention.deleteExpiredIdempotencyKeys.bind(retention),
      },
    });
    const report = await pruneHistory({ store: racing, artifacts: files }, RUNS_30D, clock.now());
    expect(report.runs).toMatchObject({ runs: 1, artifacts: 1 });
    expect(await exists(store, kept)).toBe(true);
    expect((await store.artifacts.list('o1', kept.id)).map((x) => x.id)).toEqual([keptTrace.id]);
    expect((await files.get(keptTrace.storageKey))?.toString()).toBe('kept bytes');
    expect(await exists(store, pruned)).toBe(false);
    expect(existsSync(files.localPath(prunedTrace.storageKey))).toBe(false);
  });

  it('prunes in bounded batches until nothing expired is left', async () => {
    const { store, clock } = await seeded();
    for (let i = 0; i < 7; i++) await finishedRun(store, clock, {});
    await store.runs.create(newRun({ status: 'skipped', reason: 'overlap', nominalTime: clock.now() }), clock.now());
    await clock.advance(31 * DAY);
    expect(await store.retention.expiredRuns(clock.now() - 30 * DAY, clock.now(), 3)).toHaveLength(3);
    const report = await pruneHistory({ store, artifacts: files }, RUNS_30D, clock.now(), 3);
    expect(report.runs).toMatchObject({ runs: 8, attempts: 7 });
    expect((await store.runs.list({ orgId: 'o1' })).runs).toEqual([]);
  });

  it('prunes delivered and dead deliveries by the delivery retention, never pending ones, whatever happens to their runs', async () => {
    const { store, clock } = await seeded();
    const run = await finishedRun(store, clock, {});
    await deliveryOf(store, run.id, 'old-delivered', 'delivered', clock.now());
    await deliveryOf(store, run.id, 'old-dead', 'dead', clock.now());
    await deliveryOf(store, run.id, 'old-pending', 'pending', clock.now());
    await deliveryOf(store, 'gone-run', 'no-run', 'delivered', clock.now());
    await clock.advance(20 * DAY);
    await deliveryOf(store, run.id, 'recent', 'delivered', clock.now());
    await clock.advance(11 * DAY);

    const periods: RetentionPeriods = { runs: null, artifacts: null, deliveries: 30 * DAY };
    const report = await pruneHistory({ store, artifacts: files }, periods, clock.now(), 2);
    expect(report.deliveries).toEqual({ deliveries: 3, attempts: 3 });
    expect(report.runs.runs).toBe(0);
    const left = await store.deliveries.list({ orgId: 'o1' });
    expect(left.map((d) => d.id).sort()).toEqual(['old-pending', 'recent']);
    expect(await store.deliveries.attempts('old-dead')).toEqual([]);
    expect(await store.deliveries.attempts('recent')).toHaveLength(1);
    expect(await exists(store, run)).toBe(true);
  });

  it('off keeps everything', async () => {
    const { store, clock } = await seeded();
    const run = await finishedRun(store, clock, {});
    await deliveryOf(store, run.id, 'd1', 'delivered', clock.now());
    await clock.advance(400 * DAY);
    const report = await pruneHistory({ store, artifacts: files }, { runs: null, artifacts: null, deliveries: null }, clock.now());
    expect(report.runs.runs + report.deliveries.deliveries + report.artifacts).toBe(0);
    expect(await exists(store, run)).toBe(true);
  });
});
