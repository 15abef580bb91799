import { expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { describeContract } from '../store/backends.js';
import { allRuns, engineFor, MIN, schedule, SEC, seedHttp, T0, until } from './harness.js';

describeContract('scheduler', (backend) => {
  it('reports the next due instant after each tick, so the browser pool can pre-warm for it', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1'), T0);
    const clock = new FakeClock(T0);
    const seen: number[] = [];
    const scheduler = new Scheduler({ store, clock, logger: silentLogger(), onNextDue: (at) => seen.push(at) });
    const stop = new AbortController();
    const loop = scheduler.run(stop.signal);
    await until(() => seen.length >= 1);
    expect(seen[0]).toBe(T0 + 10 * SEC);
    await clock.advanceTo(T0 + 10 * SEC);
    await until(() => seen.includes(T0 + 20 * SEC));
    stop.abort();
    await loop;
    expect((await allRuns(store, 's1')).map((r) => r.nominalTime)).toEqual([T0 + 10 * SEC]);
  });

  it('fires each occurrence exactly once and advances the cursor', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1'), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    for (let i = 1; i <= 6; i++) {
      await clock.advanceTo(T0 + i * 10 * SEC + 3);
      await scheduler.tick();
      await scheduler.tick(); // a second tick at the same instant finds nothing due
    }
    const runs = await allRuns(store, 's1');
    expect(runs.map((r) => (r.nominalTime - T0) / SEC)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(runs.every((r) => r.trigger === 'schedule' && r.idempotencyKey === `s1@${new Date(r.nominalTime).toISOString()}`)).toBe(true);
    expect((await store.schedules.get('o1', 's1'))!.nextNominalTime).toBe(T0 + 70 * SEC);
    expect(await store.schedules.nextDueAt()).toBe(T0 + 70 * SEC);
  });

  it('catch-up latest: after an outage runs the latest occurrence and records every other as missed', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { spec: { every: '1m' }, nextNominalTime: T0 + MIN }), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 30 * MIN + 5 * SEC); // down for half an hour
    const result = await scheduler.tick();
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(30);
    expect(runs.map((r) => (r.nominalTime - T0) / MIN)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(runs.filter((r) => r.status === 'queued').map((r) => (r.nominalTime - T0) / MIN)).toEqual([30]);
    expect(runs.filter((r) => r.status === 'missed')).toHaveLength(29);
    expect(runs.every((r) => r.status === 'queued' || (r.reason ?? '').length > 0)).toBe(true);
    // One transaction records the stale occurrences and runs the latest: a scheduler that keeps
    // falling behind still runs something each time it reaches the schedule.
    expect(result).toMatchObject({ schedules: 1, queued: 1, missed: 29 });
  });

  it('catch-up all: runs each occurrence within the window, bounded by the buffer limit', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(
      schedule('s1', { spec: { every: '1m' }, nextNominalTime: T0 + MIN, policies: { overlap: 'allow', catchup: { policy: 'all', window: '10m', bufferLimit: 5 } } }),
      T0,
    );
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 30 * MIN + 5 * SEC);
    await scheduler.tick();
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(30);
    const queued = runs.filter((r) => r.status === 'queued').map((r) => (r.nominalTime - T0) / MIN);
    expect(queued).toEqual([21, 22, 23, 24, 25]); // the window starts at minute 20:05
  });

  it('a long outage of a per-second schedule is recorded in bounded chunks, every occurrence once', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { spec: { cron: '* * * * * *' }, nextNominalTime: T0 + SEC }), T0);
    const clock = new FakeClock(T0);
    const scheduler = new Scheduler({ store, clock, logger: silentLogger(), chunkSize: 250 });
    await clock.advanceTo(T0 + 1200 * SEC + 500);
    await scheduler.tick();
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(1200);
    expect(new Set(runs.map((r) => r.nominalTime)).size).toBe(1200);
    expect(runs.filter((r) => r.status === 'queued')).toHaveLength(1);
  });

  it('overlap skip: an occurrence while the previous run is active is recorded as skipped', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1'), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, clock.now());
    await clock.advanceTo(T0 + 20 * SEC);
    await scheduler.tick();
    const runs = await allRuns(store, 's1');
    expect(runs.map((r) => r.status)).toEqual(['running', 'skipped']);
    expect(runs[1]!.reason).toContain(runs[0]!.id);
  });

  it('overlap buffer_one queues one run behind the active one and skips the rest; cancel_other cancels', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('b1', { policies: { overlap: 'buffer_one' } }), T0);
    await store.schedules.create(schedule('c1', { policies: { overlap: 'cancel_other' } }), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await store.runs.claim({ workerId: 'w', limit: 2, leaseMs: 5 * MIN }, clock.now());
    for (const t of [20, 30]) {
      await clock.advanceTo(T0 + t * SEC);
      await scheduler.tick();
    }
    expect((await allRuns(store, 'b1')).map((r) => r.status)).toEqual(['running', 'queued', 'skipped']);
    expect((await allRuns(store, 'c1')).map((r) => r.status)).toEqual(['cancelled', 'cancelled', 'queued']);
    // The buffered run does not start while the first one runs (one per schedule).
    const claimed = await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: MIN }, clock.now());
    expect(claimed.map((c) => c.run.scheduleId)).toEqual(['c1']);
  });

  it('a paused schedule does not fire; on resume its past occurrences go through catch-up', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { spec: { every: '1m' }, nextNominalTime: T0 + MIN }), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    await store.schedules.setPaused('o1', 's1', true, 'maintenance', T0);
    await clock.advanceTo(T0 + 10 * MIN + SEC);
    await scheduler.tick();
    expect(await allRuns(store, 's1')).toEqual([]);
    await store.schedules.setPaused('o1', 's1', false, null, clock.now());
    await scheduler.tick();
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(10);
    expect(runs.filter((r) => r.status === 'queued')).toHaveLength(1);
  });

  it('remaining runs: the schedule stops after its count', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { remainingRuns: 2, policies: { overlap: 'allow' } }), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    for (let i = 1; i <= 4; i++) {
      await clock.advanceTo(T0 + i * 10 * SEC);
      await scheduler.tick();
    }
    expect(await allRuns(store, 's1')).toHaveLength(2);
    const s = (await store.schedules.get('o1', 's1'))!;
    expect(s).toMatchObject({ remainingRuns: 0, nextNominalTime: null });
  });

  it('deterministic jitter delays availability, never past the next occurrence', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { spec: { every: '10s', jitter: '1m' } }), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0));
    for (let i = 1; i <= 5; i++) {
      await clock.advanceTo(T0 + i * 10 * SEC);
      await scheduler.tick();
    }
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(5);
    for (const r of runs) {
      expect(r.availableAt).toBeGreaterThanOrEqual(r.nominalTime);
      expect(r.availableAt).toBeLessThan(r.nominalTime + 10 * SEC);
    }
  });

  it('two schedulers on one database never create a second run for an occurrence', async () => {
    const a = await backend().open();
    const b = await backend().openPeer();
    await seedHttp(a);
    for (let i = 0; i < 10; i++) await a.schedules.create(schedule(`s${i}`, { policies: { overlap: 'allow' } }), T0);
    const clock = new FakeClock(T0);
    const sa = new Scheduler({ store: a, clock, logger: silentLogger() });
    const sb = new Scheduler({ store: b, clock, logger: silentLogger() });
    for (let i = 1; i <= 5; i++) {
      await clock.advanceTo(T0 + i * 10 * SEC);
      await Promise.all([sa.tick(), sb.tick(), sa.tick()]);
    }
    const runs = await allRuns(a);
    expect(runs).toHaveLength(50);
    expect(new Set(runs.map((r) => `${r.scheduleId}@${r.nominalTime}`)).size).toBe(50);
  });

  it('a scheduler that lost the race for a cursor undoes its cancels (cancel_other)', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { policies: { overlap: 'cancel_other' } }), T0);
    const clock = new FakeClock(T0 + 10 * SEC);
    const snapshot = (await store.schedules.get('o1', 's1'))!;
    // Scheduler B fires the occurrence first.
    await new Scheduler({ store, clock, logger: silentLogger() }).tick();
    // Scheduler A still holds the schedule as it was before B's tick.
    const stale = Object.create(store, {
      schedules: { value: Object.assign(Object.create(store.schedules), { due: async () => [snapshot] }) },
    }) as typeof store;
    const lateA = await new Scheduler({ store: stale, clock, logger: silentLogger() }).tick();
    expect(lateA.queued).toBe(0);
    expect((await allRuns(store, 's1')).map((r) => r.status)).toEqual(['queued']);
  });

  it('a tick stops between schedules once shutdown begins', async () => {
    const store = await backend().open();
    await seedHttp(store);
    for (let i = 0; i < 3; i++) await store.schedules.create(schedule(`s${i}`), T0);
    const { scheduler, clock } = engineFor(store, new FakeClock(T0 + 10 * SEC));
    const stop = new AbortController();
    stop.abort();
    expect(await scheduler.tick(stop.signal)).toMatchObject({ schedules: 0 });
    expect(await allRuns(store)).toEqual([]);
    expect((await scheduler.tick()).schedules).toBe(3);
    void clock;
  });
});
