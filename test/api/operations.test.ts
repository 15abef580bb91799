import { afterEach, expect, it } from 'vitest';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

/** A dead delivery (d1), an open incident on s1, and a profile `shop` in acme. */
async function seedOutbox(h: ApiHarness): Promise<{ incidentId: string }> {
  await seedSchedule(h);
  await h.store.deliveries.enqueue(
    [{ id: 'd1', orgId: 'acme', eventId: 'e1', eventType: 'run.failed', destinationId: 'hook', scheduleId: 's1', payload: { n: 1 }, nextAttemptAt: T0 }],
    T0,
  );
  const [claimed] = await h.store.deliveries.claim({ limit: 1, leaseMs: 60_000 }, T0);
  await h.store.deliveries.record({ id: claimed!.id, attempt: 1, statusCode: 500, error: 'HTTP 500', latencyMs: 12, outcome: 'dead' }, T0);
  const { incident } = await h.store.incidents.open({ orgId: 'acme', scheduleId: 's1', kind: 'consecutive_failures', summary: '3 failures in a row' }, T0);
  await h.store.profiles.save('acme', 'shop', { cookies: [{ name: 'sid', value: 'secret-cookie' }] }, T0);
  return { incidentId: incident.id };
}

describeContract('api deliveries, incidents, profiles', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('lists and gets deliveries with attempts; an operator redelivers a dead one', async () => {
    h = await apiHarness(backend());
    await seedOutbox(h);
    const list = (await h.call(h.keys.viewer, 'GET', '/v1/deliveries?status=dead')).json().deliveries;
    expect(list).toEqual([expect.objectContaining({ id: 'd1', status: 'dead', attempts: 1, lastError: 'HTTP 500', payload: { n: 1 } })]);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/deliveries?status=pending')).json().deliveries).toEqual([]);
    const detail = (await h.call(h.keys.viewer, 'GET', '/v1/deliveries/d1')).json();
    expect(detail.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 500, error: 'HTTP 500', latencyMs: 12 })]);
    expect((await h.call(h.keys.viewer, 'POST', '/v1/deliveries/d1/redeliver')).statusCode).toBe(403);
    const again = await h.call(h.keys.operator, 'POST', '/v1/deliveries/d1/redeliver');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: 'd1', status: 'pending' });
    expect(problemOf(await h.call(h.keys.viewer, 'GET', '/v1/deliveries?status=lost')).errors?.[0]?.path).toBe('query.status');
  });

  it('lists and gets incidents; lists profiles without their state and deletes them (admin)', async () => {
    h = await apiHarness(backend());
    const { incidentId } = await seedOutbox(h);
    const incidents = (await h.call(h.keys.viewer, 'GET', '/v1/incidents?status=open')).json().incidents;
    expect(incidents).toEqual([expect.objectContaining({ id: incidentId, scheduleId: 's1', kind: 'consecutive_failures', status: 'open' })]);
    expect((await h.call(h.keys.viewer, 'GET', `/v1/incidents/${incidentId}`)).json()).toMatchObject({ summary: '3 failures in a row' });

    const profiles = await h.call(h.keys.viewer, 'GET', '/v1/profiles');
    expect(profiles.json().profiles).toEqual([{ name: 'shop', version: 1, locked: false, updatedAt: '2026-01-01T00:00:00.000Z' }]);
    expect(profiles.body).not.toContain('secret-cookie');
    expect((await h.call(h.keys.operator, 'DELETE', '/v1/profiles/shop')).statusCode).toBe(403);
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/profiles/shop')).statusCode).toBe(204);
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/profiles/shop')).statusCode).toBe(404);
  });

  it('another organisation\'s deliveries, incidents and profiles answer 404', async () => {
    h = await apiHarness(backend());
    const { incidentId } = await seedOutbox(h);
    for (const [method, url] of [
      ['GET', '/v1/deliveries/d1'],
      ['POST', '/v1/deliveries/d1/redeliver'],
      ['GET', `/v1/incidents/${incidentId}`],
      ['DELETE', '/v1/profiles/shop'],
    ] as const) {
      expect({ url, status: (await h.call(h.keys.otherAdmin, method, url)).statusCode }).toEqual({ url, status: 404 });
    }
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/deliveries')).json().deliveries).toEqual([]);
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/incidents')).json().incidents).toEqual([]);
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/profiles')).json().profiles).toEqual([]);
    expect((await h.store.deliveries.get('acme', 'd1'))?.status).toBe('dead');
    expect(await h.store.profiles.get('acme', 'shop')).not.toBeNull();
  });
});
