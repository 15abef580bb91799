import { expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);

async function setup(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two' }, T0);
}

const failing = { orgId: 'o1', scheduleId: 's1', kind: 'consecutive_failures', summary: '3 failures in a row' };

describeContract('incidents', (backend) => {
  it('countOpen counts open incidents of every organisation, not resolved ones', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.incidents.countOpen()).toBe(0);
    const { incident } = await store.incidents.open(failing, T0);
    await store.incidents.open({ ...failing, orgId: 'o2', scheduleId: 's2' }, T0);
    await store.incidents.open({ ...failing, kind: 'missed_runs' }, T0);
    expect(await store.incidents.countOpen()).toBe(3);
    await store.incidents.resolve(incident.id, T0 + 1);
    expect(await store.incidents.countOpen()).toBe(2);
  });

  it('opening twice keeps one open incident', async () => {
    const store = await backend().open();
    await setup(store);
    const first = await store.incidents.open({ ...failing, details: { failures: 3 } }, T0);
    expect(first.opened).toBe(true);
    expect(first.incident).toMatchObject({
      orgId: 'o1',
      scheduleId: 's1',
      kind: 'consecutive_failures',
      status: 'open',
      summary: '3 failures in a row',
      openedAt: T0,
      resolvedAt: null,
      lastNotifiedAt: null,
      details: { failures: 3 },
    });
    const second = await store.incidents.open({ ...failing, summary: 'again' }, T0 + 1);
    expect(second).toEqual({ incident: first.incident, opened: false });
    expect(await store.incidents.list('o1')).toHaveLength(1);
    expect(await store.incidents.openFor('s1', 'consecutive_failures')).toEqual(first.incident);
    expect(await store.incidents.get('o1', first.incident.id)).toEqual(first.incident);
  });

  it('resolve then open starts a new incident', async () => {
    const store = await backend().open();
    await setup(store);
    const { incident } = await store.incidents.open(failing, T0);
    const resolved = await store.incidents.resolve(incident.id, T0 + 100);
    expect(resolved).toMatchObject({ id: incident.id, status: 'resolved', resolvedAt: T0 + 100 });
    // Resolving again returns it unchanged.
    expect(await store.incidents.resolve(incident.id, T0 + 200)).toEqual(resolved);
    expect(await store.incidents.resolve('missing', T0)).toBeNull();
    expect(await store.incidents.openFor('s1', failing.kind)).toBeNull();

    const next = await store.incidents.open(failing, T0 + 300);
    expect(next.opened).toBe(true);
    expect(next.incident.id).not.toBe(incident.id);
    expect((await store.incidents.list('o1')).map((i) => [i.id, i.status])).toEqual([
      [next.incident.id, 'open'],
      [incident.id, 'resolved'],
    ]);
    expect((await store.incidents.list('o1', { status: 'resolved' })).map((i) => i.id)).toEqual([incident.id]);
    expect((await store.incidents.list('o1', { status: 'open' })).map((i) => i.id)).toEqual([next.incident.id]);
  });

  it('racing opens on two peers produce one incident', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    await setup(one);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).incidents.open(failing, T0 + i)),
    );
    expect(results.filter((r) => r.opened)).toHaveLength(1);
    expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
    expect(await one.incidents.list('o1')).toHaveLength(1);
  });

  it('kinds and schedules are independent; markNotified; filters', async () => {
    const store = await backend().open();
    await setup(store);
    const a = await store.incidents.open(failing, T0);
    const b = await store.incidents.open({ ...failing, kind: 'missed_runs', summary: 'missed' }, T0 + 1);
    const c = await store.incidents.open({ ...failing, scheduleId: 's2' }, T0 + 2);
    expect([a.opened, b.opened, c.opened]).toEqual([true, true, true]);

    await store.incidents.markNotified(a.incident.id, T0 + 50);
    expect((await store.incidents.get('o1', a.incident.id))?.lastNotifiedAt).toBe(T0 + 50);

    expect((await store.incidents.list('o1')).map((i) => i.id)).toEqual([c.incident.id, b.incident.id, a.incident.id]);
    expect((await store.incidents.list('o1', { scheduleId: 's1' })).map((i) => i.id)).toEqual([
      b.incident.id,
      a.incident.id,
    ]);
    expect((await store.incidents.list('o1', { limit: 1 })).map((i) => i.id)).toEqual([c.incident.id]);
    expect((await store.incidents.get('o1', b.incident.id))?.details).toBeNull();
  });

  it('scopes reads to the organisation', async () => {
    const store = await backend().open();
    await setup(store);
    const { incident } = await store.incidents.open(failing, T0);
    expect(await store.incidents.get('o2', incident.id)).toBeNull();
    expect(await store.incidents.list('o2')).toEqual([]);
    expect(await store.incidents.list('o2', { scheduleId: 's1' })).toEqual([]);
  });
});
