import { expect, it } from 'vitest';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);

describeContract('health', (backend) => {
  it('reads the health of many schedules at once, leaving out those never counted', async () => {
    const store = await backend().open();
    expect(await store.health.many([])).toEqual([]);
    await store.health.record('a', false, T0);
    await store.health.record('b', true, T0);
    await store.health.record('a', false, T0 + 1);
    const ids = ['a', 'b', 'never', ...Array.from({ length: 1200 }, (_, i) => `x${i}`)];
    const found = (await store.health.many(ids)).sort((x, y) => x.scheduleId.localeCompare(y.scheduleId));
    expect(found).toMatchObject([
      { scheduleId: 'a', consecutiveFailures: 2, totalFailed: 2 },
      { scheduleId: 'b', consecutiveSuccesses: 1, totalSucceeded: 1 },
    ]);
  });

  it('counts streaks and totals', async () => {
    const store = await backend().open();
    expect(await store.health.get('s1')).toBeNull();

    let h = await store.health.record('s1', false, T0 + 1);
    expect(h).toEqual({
      scheduleId: 's1',
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      lastSuccessAt: null,
      lastFailureAt: T0 + 1,
      totalSucceeded: 0,
      totalFailed: 1,
    });
    await store.health.record('s1', false, T0 + 2);
    h = await store.health.record('s1', false, T0 + 3);
    expect(h).toMatchObject({ consecutiveFailures: 3, consecutiveSuccesses: 0, totalFailed: 3, lastFailureAt: T0 + 3 });

    h = await store.health.record('s1', true, T0 + 4);
    expect(h).toEqual({
      scheduleId: 's1',
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      lastSuccessAt: T0 + 4,
      lastFailureAt: T0 + 3,
      totalSucceeded: 1,
      totalFailed: 3,
    });
    h = await store.health.record('s1', true, T0 + 5);
    expect(h).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 2, totalSucceeded: 2 });
    h = await store.health.record('s1', false, T0 + 6);
    expect(h).toEqual({
      scheduleId: 's1',
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      lastSuccessAt: T0 + 5,
      lastFailureAt: T0 + 6,
      totalSucceeded: 2,
      totalFailed: 4,
    });
    expect(await store.health.get('s1')).toEqual(h);

    // Another schedule starts from scratch; a first success.
    expect(await store.health.record('s2', true, T0 + 7)).toEqual({
      scheduleId: 's2',
      consecutiveFailures: 0,
      consecutiveSuccesses: 1,
      lastSuccessAt: T0 + 7,
      lastFailureAt: null,
      totalSucceeded: 1,
      totalFailed: 0,
    });
    expect((await store.health.get('s1'))?.totalFailed).toBe(4);
  });

  it('concurrent records on two peers lose no increment', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).health.record('s1', false, T0 + i)));
    const h = await one.health.get('s1');
    expect(h).toMatchObject({ consecutiveFailures: 20, totalFailed: 20, totalSucceeded: 0 });
  });

  it('rolls back with the transaction it joins', async () => {
    const store = await backend().open();
    await store.health.record('s1', false, T0);
    await expect(
      store.transaction(async (tx) => {
        await tx.health.record('s1', false, T0 + 1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect((await store.health.get('s1'))?.consecutiveFailures).toBe(1);
  });
});
