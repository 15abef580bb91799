import { afterEach, expect, it } from 'vitest';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

const MIN = 60_000;

/** Deliveries to `hook` created at T0 + i minutes: d0 delivered, d1 and d2 dead, d3 dead to `archive`, d4 pending. */
async function seedDeliveries(h: ApiHarness): Promise<void> {
  await seedSchedule(h);
  const outcomes = [['d0', 'hook', 'delivered'], ['d1', 'hook', 'dead'], ['d2', 'hook', 'dead'], ['d3', 'archive', 'dead'], ['d4', 'hook', 'pending']] as const;
  for (const [i, [id, destinationId, outcome]] of outcomes.entries()) {
    const at = T0 + i * MIN;
    await h.store.deliveries.enqueue([{ id, orgId: 'acme', eventId: `e${i}`, eventType: 'run.failed', destinationId, scheduleId: 's1', payload: { i }, nextAttemptAt: at }], at);
    if (outcome === 'pending') continue;
    const [claimed] = await h.store.deliveries.claim({ limit: 1, leaseMs: MIN, destinationId }, at);
    await h.store.deliveries.record({ id: claimed!.id, attempt: 1, statusCode: outcome === 'dead' ? 410 : 200, error: outcome === 'dead' ? 'gone' : null, latencyMs: 5, outcome }, at);
  }
}

describeContract('api health, destinations, cache, range redelivery', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('GET /v1/health: a row per schedule of the caller\'s organisation, like agentcron health --json', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    await h.store.health.record('s1', true, T0);
    await h.store.health.record('s1', false, T0 + MIN);
    await h.store.health.record('s1', false, T0 + 2 * MIN);
    const { incident } = await h.store.incidents.open({ orgId: 'acme', scheduleId: 's1', kind: 'failure_streak', summary: '2 failures in a row' }, T0 + 2 * MIN);
    const res = await h.call(h.keys.viewer, 'GET', '/v1/health');
    expect(res.statusCode).toBe(200);
    expect(res.json().schedules).toEqual([
      {
        scheduleId: 's1',
        state: 'incident',
        pauseNote: null,
        consecutiveFailures: 2,
        consecutiveSuccesses: 0,
        lastSuccessAt: '2026-01-01T00:00:00.000Z',
        lastFailureAt: '2026-01-01T00:02:00.000Z',
        successRate: 1 / 3,
        expectedFires: 0,
        actualFires: 0,
        openIncident: { id: incident.id, summary: '2 failures in a row', openedAt: '2026-01-01T00:02:00.000Z' },
      },
    ]);
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/health')).json().schedules).toEqual([]);
    expect((await h.call(null, 'GET', '/v1/health')).statusCode).toBe(401);
  });

  it('lists destinations with their state; an operator re-enables a disabled one, once', async () => {
    h = await apiHarness(backend());
    await h.store.destinations.register('acme', 'hook', 'webhook', T0);
    await h.store.destinations.register('acme', 'archive', 's3', T0);
    await h.store.destinations.disable('acme', 'hook', 'webhook', '410 Gone from https://example.test/hook', T0 + MIN);
    const list = await h.call(h.keys.viewer, 'GET', '/v1/destinations');
    expect(list.json().destinations).toEqual([
      { id: 'archive', type: 's3', enabled: true, disabledAt: null, disabledReason: null },
      { id: 'hook', type: 'webhook', enabled: false, disabledAt: '2026-01-01T00:01:00.000Z', disabledReason: '410 Gone from https://example.test/hook' },
    ]);
    expect((await h.call(h.keys.viewer, 'POST', '/v1/destinations/hook/enable')).statusCode).toBe(403);
    expect((await h.call(h.keys.otherAdmin, 'POST', '/v1/destinations/hook/enable')).statusCode).toBe(404);
    expect((await h.store.destinations.get('acme', 'hook'))?.disabledAt).not.toBeNull();
    const enabled = await h.call(h.keys.operator, 'POST', '/v1/destinations/hook/enable');
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toEqual({ changed: true, destination: { id: 'hook', type: 'webhook', enabled: true, disabledAt: null, disabledReason: null } });
    expect((await h.call(h.keys.admin, 'POST', '/v1/destinations/hook/enable')).json().changed).toBe(false);
    expect(problemOf(await h.call(h.keys.operator, 'POST', '/v1/destinations/nope/enable')).detail).toBe('destination "nope" not found');
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/destinations')).json().destinations).toEqual([]);
  });

  it('lists cached trajectories and invalidates a template\'s (operator); unknown and foreign templates are 404', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const action = { step: 0, tool: 'click', urlPattern: 'http://shop/', args: {}, reason: 'go' };
    await h.store.trajectories.put({ orgId: 'acme', templateId: 't1', templateVersion: 1, paramKey: 'product', startUrl: 'http://shop/', actions: [action, action] }, T0);
    await h.store.trajectories.put({ orgId: 'acme', templateId: 'news', templateVersion: 3, paramKey: '', startUrl: 'http://news/', actions: [action] }, T0);
    await h.store.trajectories.recordHit('acme', 't1', 1, 'product', T0 + 1000);
    const all = (await h.call(h.keys.viewer, 'GET', '/v1/cache')).json().trajectories as Array<{ template: string }>;
    expect(all.map((t) => t.template).sort()).toEqual(['news', 't1']);
    const one = await h.call(h.keys.viewer, 'GET', '/v1/cache?template=t1');
    expect(one.json().trajectories).toEqual([{ template: 't1', version: 1, params: 'product', steps: 2, hits: 1, rewrites: 0, updatedAt: '2026-01-01T00:00:00.000Z', lastHitAt: '2026-01-01T00:00:01.000Z' }]);
    expect(problemOf(await h.call(h.keys.viewer, 'GET', '/v1/cache?templates=t1')).errors?.map((e) => e.path)).toEqual(['query.templates']);

    expect((await h.call(h.keys.viewer, 'DELETE', '/v1/cache/t1')).statusCode).toBe(403);
    expect((await h.call(h.keys.otherAdmin, 'DELETE', '/v1/cache/t1')).statusCode).toBe(404);
    expect((await h.store.trajectories.list('acme', { templateId: 't1' }))).toHaveLength(1);
    const dropped = await h.call(h.keys.operator, 'DELETE', '/v1/cache/t1');
    expect(dropped.statusCode).toBe(200);
    expect(dropped.json()).toEqual({ templateId: 't1', removed: 1 });
    // A known template with nothing cached is not an error; an unknown one is.
    expect((await h.call(h.keys.operator, 'DELETE', '/v1/cache/t1')).json()).toEqual({ templateId: 't1', removed: 0 });
    expect((await h.call(h.keys.operator, 'DELETE', '/v1/cache/nope')).statusCode).toBe(404);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/cache')).json().trajectories.map((t: { template: string }) => t.template)).toEqual(['news']);
  });

  it('POST /v1/deliveries/redeliver makes the dead deliveries of a range pending again, with a limit and filters', async () => {
    h = await apiHarness(backend());
    await seedDeliveries(h);
    const range = { since: '2026-01-01T00:00:00Z', until: '2026-01-01T00:10:00Z' };
    expect((await h.call(h.keys.viewer, 'POST', '/v1/deliveries/redeliver', range)).statusCode).toBe(403);
    // Another organisation's range finds nothing of acme's.
    expect((await h.call(h.keys.otherAdmin, 'POST', '/v1/deliveries/redeliver', range)).json()).toEqual({ count: 0, ids: [], more: false });

    const first = await h.call(h.keys.operator, 'POST', '/v1/deliveries/redeliver', { ...range, destinationId: 'hook', limit: 1 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ count: 1, ids: ['d2'], more: true });
    const rest = await h.call(h.keys.operator, 'POST', '/v1/deliveries/redeliver', { ...range, destinationId: 'hook' });
    expect(rest.json()).toEqual({ count: 1, ids: ['d1'], more: false });
    for (const id of ['d1', 'd2']) expect((await h.store.deliveries.get('acme', id))?.status).toBe('pending');
    expect((await h.store.deliveries.get('acme', 'd3'))?.status).toBe('dead');
    expect((await h.store.deliveries.get('acme', 'd0'))?.status).toBe('delivered');

    const delivered = await h.call(h.keys.operator, 'POST', '/v1/deliveries/redeliver', { ...range, status: ['delivered', 'dead'] });
    expect(delivered.json()).toEqual({ count: 2, ids: ['d3', 'd0'], more: false });
    expect((await h.store.deliveries.get('acme', 'd0'))).toMatchObject({ status: 'pending', nextAttemptAt: T0 });
  });

  it('range redelivery names each invalid field', async () => {
    h = await apiHarness(backend());
    const bad = await h.call(h.keys.operator, 'POST', '/v1/deliveries/redeliver', { since: 'yesterday', status: ['pending'], limit: 0 });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((e) => e.path).sort()).toEqual(['body.limit', 'body.since', 'body.status[0]', 'body.until']);
    const backwards = await h.call(h.keys.operator, 'POST', '/v1/deliveries/redeliver', { since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' });
    expect(problemOf(backwards).errors).toEqual([{ path: 'body.until', message: 'must be after since' }]);
  });
});
