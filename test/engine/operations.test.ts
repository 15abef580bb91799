import { expect, it } from 'vitest';
import { backfill, IDEMPOTENCY_WINDOW_MS, triggerRun } from '../../src/engine/operations.js';
import { describeContract } from '../store/backends.js';
import { MIN, schedule, SEC, seedHttp, T0 } from './harness.js';

describeContract('operations', (backend) => {
  it('trigger queues a manual run; the same idempotency key within 24 h returns the same run', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { policies: { overlap: 'allow' } }), T0);
    const first = await triggerRun(store, { orgId: 'o1', scheduleId: 's1', idempotencyKey: 'k1' }, T0);
    expect(first).toMatchObject({ created: true, run: { trigger: 'manual', status: 'queued', nominalTime: T0 } });
    const again = await triggerRun(store, { orgId: 'o1', scheduleId: 's1', idempotencyKey: 'k1' }, T0 + 23 * 60 * MIN);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });
    const later = await triggerRun(store, { orgId: 'o1', scheduleId: 's1', idempotencyKey: 'k1' }, T0 + IDEMPOTENCY_WINDOW_MS + 1);
    expect(later.created).toBe(true);
    expect(later.run.id).not.toBe(first.run.id);
    expect(later.run.profile).toBeNull();
    const withProfile = await triggerRun(store, { orgId: 'o1', scheduleId: 's1', profile: 'shop-login' }, T0);
    expect(withProfile.run.profile).toBe('shop-login');
  });

  it('trigger honours the overlap policy unless overridden', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1'), T0);
    await triggerRun(store, { orgId: 'o1', scheduleId: 's1' }, T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0);
    const skipped = await triggerRun(store, { orgId: 'o1', scheduleId: 's1' }, T0 + SEC);
    expect(skipped.run).toMatchObject({ status: 'skipped', reason: expect.stringContaining('skip') });
    const forced = await triggerRun(store, { orgId: 'o1', scheduleId: 's1', overlap: 'allow' }, T0 + 2 * SEC);
    expect(forced.run).toMatchObject({ status: 'queued', concurrencyLimit: null });
    await expect(triggerRun(store, { orgId: 'o1', scheduleId: 'nope' }, T0)).rejects.toThrow(/schedule "nope" not found/);
  });

  it('backfill over [from, to): dry-run lists, a real one queues runs that respect the concurrency cap', async () => {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { spec: { cron: '0 * * * *' } }), T0);
    const from = Date.UTC(2026, 0, 1, 0, 0);
    const to = Date.UTC(2026, 0, 1, 6, 0);
    const dry = await backfill(store, { orgId: 'o1', scheduleId: 's1', from, to, dryRun: true }, T0);
    expect(dry.occurrences.map((t) => new Date(t).getUTCHours())).toEqual([0, 1, 2, 3, 4, 5]);
    expect((await store.runs.list({ orgId: 'o1' })).runs).toEqual([]);
    const real = await backfill(store, { orgId: 'o1', scheduleId: 's1', from, to, concurrency: 2 }, T0);
    expect(real.runs).toHaveLength(6);
    expect(real.runs.every((r) => r.trigger === 'backfill' && r.backfillId === real.backfillId)).toBe(true);
    const claimed = await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: MIN }, T0);
    expect(claimed).toHaveLength(2);
    await expect(backfill(store, { orgId: 'o1', scheduleId: 's1', from: to, to: from }, T0)).rejects.toThrow(/empty/);
  });
});
