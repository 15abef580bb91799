import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { deliveryId, runEventId } from '../../src/delivery/outbox.js';
import { Worker } from '../../src/engine/worker.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { describeContract } from '../store/backends.js';
import { until, useTarget } from '../engine/harness.js';
import { T0 } from './fixtures.js';
import { createPriceSchedule, deliveryNode, destinationConfig, ORG, seedPriceCheck } from './pipeline-harness.js';

const MIN = 60_000;

describeContract('outbox: a run terminal state and its deliveries commit together', (backend) => {
  const local = useTarget();

  it('a failure after the run completed but before the enqueue commits neither; the retry after the lease expiry commits both', async () => {
    const store = await backend().open();
    const clock = new FakeClock(T0);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'prices', local.url, T0 + 30 * MIN, { destinations: ['log'] });
    const node = deliveryNode(store, clock, [destinationConfig({ id: 'log', type: 'file', path: '/dev/null' })]);
    await clock.advanceTo(T0 + 30 * MIN);
    await node.scheduler.tick();

    // A worker whose outbox hook fails once the run's terminal state is written.
    let injected = 0;
    const failing = new Worker({
      store,
      clock,
      logger: silentLogger(),
      runners: [new HttpRunner()],
      workerId: 'w-fail',
      leaseMs: 60_000,
      onRunFinished: {
        async onTerminal(tx, run) {
          injected++;
          expect((await tx.runs.get(ORG, run.id))?.status).toBe('succeeded'); // written, not committed
          throw new Error('injected failure before enqueue');
        },
      },
    });
    expect(await failing.poll()).toBe(1);
    await failing.idle();
    expect(injected).toBe(1);
    let [run] = (await store.runs.list({ orgId: ORG, scheduleId: 'prices' })).runs;
    expect(run).toMatchObject({ status: 'running', output: null, finishedAt: null });
    expect(await store.deliveries.list({ orgId: ORG })).toEqual([]);

    // The attempt's lease expires; the run is retried by the healthy node and then both commit.
    await clock.advance(61_000);
    await node.step();
    [run] = (await store.runs.list({ orgId: ORG, scheduleId: 'prices' })).runs;
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    const deliveries = await store.deliveries.list({ orgId: ORG });
    expect(deliveries.map((d) => [d.id, d.eventId, d.status])).toEqual([[deliveryId(runEventId(run!.id, 'run.succeeded'), 'log'), `run.${run!.id}.run.succeeded`, 'delivered']]);
  });

  it('a run failed by an expired lease with no attempts left enqueues run.failed in the same transaction', async () => {
    const store = await backend().open();
    const clock = new FakeClock(T0);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'prices', local.url, T0 + 30 * MIN, { destinations: ['log'], retry: { maxAttempts: 1 } });
    const node = deliveryNode(store, clock, [destinationConfig({ id: 'log', type: 'file', path: '/dev/null' })]);
    await clock.advanceTo(T0 + 30 * MIN);
    await node.scheduler.tick();
    // A worker that dies mid-attempt: claim, never finish.
    const claimed = await store.runs.claim({ workerId: 'dead', limit: 1, leaseMs: 30_000 }, clock.now());
    expect(claimed).toHaveLength(1);
    await clock.advance(31_000);
    await node.step();
    const [run] = (await store.runs.list({ orgId: ORG, scheduleId: 'prices' })).runs;
    expect(run).toMatchObject({ status: 'failed', attempts: 1 });
    const deliveries = await store.deliveries.list({ orgId: ORG });
    expect(deliveries.map((d) => d.eventType)).toEqual(['run.failed']);
    expect((deliveries[0]!.payload as { run: { error: { message: string } } }).run.error.message).toMatch(/lease/);
  });

  it('enqueueing twice for one run keeps one row per (event, destination)', async () => {
    const store = await backend().open();
    const clock = new FakeClock(T0);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'prices', local.url, T0 + 30 * MIN, { destinations: ['a', 'b'] });
    const node = deliveryNode(store, clock, [destinationConfig({ id: 'a', type: 'file', path: '/dev/null' }), destinationConfig({ id: 'b', type: 'file', path: '/dev/null' })]);
    await clock.advanceTo(T0 + 30 * MIN);
    await node.step();
    const [run] = (await store.runs.list({ orgId: ORG, scheduleId: 'prices' })).runs;
    await store.transaction((tx) => node.pipeline.outbox.onRunFinished(tx, run!, clock.now()));
    const deliveries = await store.deliveries.list({ orgId: ORG });
    expect(deliveries.map((d) => d.destinationId).sort()).toEqual(['a', 'b']);
    expect(new Set(deliveries.map((d) => d.eventId))).toEqual(new Set([`run.${run!.id}.run.succeeded`]));
  });

  it('the relay, asleep on its idle poll, is woken as soon as a finished run commits its deliveries', async () => {
    const store = await backend().open();
    const clock = new FakeClock(T0);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'prices', local.url, T0 + 30 * MIN, { destinations: ['log'] });
    const dir = mkdtempSync(join(tmpdir(), 'agentcron-wake-'));
    const file = join(dir, 'events.ndjson');
    const node = deliveryNode(store, clock, [destinationConfig({ id: 'log', type: 'file', path: file })]);
    const stop = new AbortController();
    try {
      await clock.advanceTo(T0 + 30 * MIN);
      const loop = node.pipeline.relay.run(stop.signal);
      await until(() => clock.nextWakeAt === clock.now() + 30_000); // the relay's idle poll
      await node.scheduler.tick();
      await node.worker.poll();
      await node.worker.idle();
      await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('run.succeeded'));
      expect(clock.now()).toBe(T0 + 30 * MIN);
      stop.abort();
      await loop;
    } finally {
      stop.abort();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
