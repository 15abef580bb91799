import { expect, it } from 'vitest';
import { countOutcome, type RunOutcome } from '../../src/policy/health.js';
import type { ScheduleHealth } from '../../src/store/types.js';
import { describeContract } from './backends.js';
import { MIN, newSchedule, occurrence, seed, T0 } from './fixtures.js';

describeContract('store for alerts', (backend) => {
  it('health.record folds outcomes exactly as the pure countOutcome does', async () => {
    const store = await backend().open();
    const outcomes: RunOutcome[] = ['failure', 'failure', 'success', 'failure', 'failure', 'failure', 'success', 'success'];
    let expected: ScheduleHealth | null = null;
    for (const [i, o] of outcomes.entries()) {
      expected = countOutcome(expected, 's1', o, T0 + i);
      expect(await store.health.record('s1', o === 'success', T0 + i)).toEqual(expected);
    }
  });

  it('runs.unstarted lists queued scheduled runs never started whose planned start has passed, oldest first', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const late = await store.runs.create(occurrence('s1', T0, { availableAt: T0 + 5 }), T0);
    const later = await store.runs.create(occurrence('s1', T0 + MIN, { availableAt: T0 + MIN }), T0);
    await store.runs.create(occurrence('s1', T0 + 2 * MIN, { availableAt: T0 + 2 * MIN }), T0);
    await store.runs.create(occurrence('s1', T0 + 3 * MIN, { status: 'skipped', reason: 'overlap' }), T0);
    await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'manual', availableAt: T0 + 10 * MIN }, T0);

    expect((await store.runs.unstarted(T0 + 2 * MIN, 10)).map((r) => r.id)).toEqual([late.id, later.id]);
    expect((await store.runs.unstarted(T0 + 2 * MIN, 1)).map((r) => r.id)).toEqual([late.id]);
    // A claimed run has started: no longer listed.
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0 + 2 * MIN);
    expect((await store.runs.unstarted(T0 + 2 * MIN, 10)).map((r) => r.id)).not.toContain(late.id);
  });

  it('runs.markMissed only takes a run that is still queued and unstarted', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const a = await store.runs.create(occurrence('s1', T0, { availableAt: T0 }), T0);
    const b = await store.runs.create(occurrence('s1', T0 + MIN, { availableAt: T0 + MIN }), T0);
    const missed = await store.runs.markMissed(a.id, 'not started in time', T0 + 2 * MIN);
    expect(missed).toMatchObject({ id: a.id, status: 'missed', reason: 'not started in time', finishedAt: T0 + 2 * MIN });
    expect(await store.runs.markMissed(a.id, 'again', T0 + 3 * MIN)).toBeNull();
    expect((await store.runs.get('o1', a.id))?.reason).toBe('not started in time');

    const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0 + 2 * MIN);
    expect(claimed?.run.id).toBe(b.id);
    expect(await store.runs.markMissed(b.id, 'too late', T0 + 3 * MIN)).toBeNull();
    expect((await store.runs.get('o1', b.id))?.status).toBe('running');
  });

  it('runs.countByStatus counts a schedule’s runs per status, optionally of one trigger', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    await store.schedules.create(newSchedule('s2'), T0);
    await store.runs.create(occurrence('s1', T0), T0);
    await store.runs.create(occurrence('s1', T0 + MIN, { status: 'missed', reason: 'x' }), T0);
    await store.runs.create(occurrence('s1', T0 + 2 * MIN, { status: 'missed', reason: 'x' }), T0);
    await store.runs.create(occurrence('s2', T0), T0);
    await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'manual' }, T0);
    expect(await store.runs.countByStatus('o1', 's1')).toEqual({ queued: 2, missed: 2 });
    expect(await store.runs.countByStatus('o1', 's1', 'schedule')).toEqual({ queued: 1, missed: 2 });
    expect(await store.runs.countByStatus('o2', 's1')).toEqual({});
  });

  it('meta.list returns the keys with a prefix, in order, and no others', async () => {
    const store = await backend().open();
    await store.meta.set('breaker.s2', { n: 2 }, T0);
    await store.meta.set('breaker.s1', { n: 1 }, T0);
    await store.meta.set('breaker_s3', { n: 3 }, T0);
    await store.meta.set('system.lastAliveAt', T0, T0);
    expect(await store.meta.list('breaker.')).toEqual([
      { key: 'breaker.s1', value: { n: 1 } },
      { key: 'breaker.s2', value: { n: 2 } },
    ]);
    expect(await store.meta.list('nothing.')).toEqual([]);
  });
});
