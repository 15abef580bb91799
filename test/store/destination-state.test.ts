import { expect, it } from 'vitest';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);

describeContract('destination state and the next due delivery', (backend) => {
  it('registers, disables with a reason, lists, enables', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    await store.destinations.register('o1', 'hook', 'webhook', T0);
    await store.destinations.register('o1', 'hook', 'webhook', T0 + 1);
    expect(await store.destinations.list('o1')).toEqual([{ orgId: 'o1', destinationId: 'hook', type: 'webhook', disabledAt: null, disabledReason: null, updatedAt: T0 }]);
    await store.destinations.disable('o1', 'hook', 'webhook', '410 Gone', T0 + 5);
    await store.destinations.register('o1', 'hook', 'webhook', T0 + 6); // a re-apply keeps the state
    expect(await store.destinations.get('o1', 'hook')).toMatchObject({ disabledAt: T0 + 5, disabledReason: '410 Gone' });
    expect((await store.destinations.disabled()).map((d) => d.destinationId)).toEqual(['hook']);
    expect(await store.destinations.enable('o1', 'hook', T0 + 7)).toBe(true);
    expect(await store.destinations.enable('o1', 'hook', T0 + 8)).toBe(false);
    expect(await store.destinations.disabled()).toEqual([]);
    // A destination first seen by the relay (not applied) is created by disable.
    await store.destinations.disable('o1', 'chat', 'slack', 'revoked', T0 + 9);
    expect((await store.destinations.list('o1')).map((d) => [d.destinationId, d.type, d.disabledReason])).toEqual([
      ['chat', 'slack', 'revoked'],
      ['hook', 'webhook', null],
    ]);
  });

  it('nextDueAt: the earliest pending due time of the given destinations, a lease counting as its end', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    const d = (id: string, destinationId: string, at: number) => ({ id, orgId: 'o1', eventId: id, eventType: 'run.succeeded', destinationId, payload: {}, nextAttemptAt: at });
    await store.deliveries.enqueue([d('a', 'x', T0 + 100), d('b', 'x', T0 + 50), d('c', 'y', T0 + 10)], T0);
    expect(await store.deliveries.nextDueAt(['x'])).toBe(T0 + 50);
    expect(await store.deliveries.nextDueAt(['x', 'y'])).toBe(T0 + 10);
    expect(await store.deliveries.nextDueAt([])).toBeNull();
    const [claimed] = await store.deliveries.claim({ limit: 1, leaseMs: 1000, destinationId: 'y' }, T0 + 20);
    expect(claimed?.id).toBe('c');
    expect(await store.deliveries.nextDueAt(['y'])).toBe(T0 + 1020);
    await store.deliveries.record({ id: 'c', attempt: 1, statusCode: 200, error: null, latencyMs: 3, outcome: 'delivered' }, T0 + 30);
    expect(await store.deliveries.nextDueAt(['y'])).toBeNull();
  });
});
