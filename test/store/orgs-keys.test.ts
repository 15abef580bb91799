import { expect, it } from 'vitest';
import { ConflictError } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { newRun, newSchedule, seed, T0 } from './fixtures.js';

describeContract('orgs and api keys', (backend) => {
  it('creates, gets and lists organisations; a duplicate id is a conflict', async () => {
    const store = await backend().open();
    const a = await store.orgs.create({ id: 'acme', name: 'Acme' }, T0);
    expect(a).toEqual({ id: 'acme', name: 'Acme', tier: 'self-hosted', createdAt: T0 });
    const b = await store.orgs.create({ name: 'Generated', tier: 'pro' }, T0 + 1);
    expect(b.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await store.orgs.get('acme')).toEqual(a);
    expect(await store.orgs.get('nope')).toBeNull();
    expect((await store.orgs.list()).map((o) => o.id)).toEqual(['acme', b.id]);
    await expect(store.orgs.create({ id: 'acme', name: 'again' }, T0)).rejects.toBeInstanceOf(ConflictError);
  });

  it('api keys: found by hash across orgs, listed per org, revoked and touched only in their org', async () => {
    const store = await backend().open();
    await seed(store);
    const k1 = await store.apiKeys.create({ orgId: 'o1', name: 'ci', role: 'operator', prefix: 'ac_1234', hash: 'h1' }, T0);
    await store.apiKeys.create({ orgId: 'o2', name: 'other', role: 'admin', prefix: 'ac_9999', hash: 'h2' }, T0);
    expect(k1).toMatchObject({ orgId: 'o1', name: 'ci', role: 'operator', prefix: 'ac_1234', hash: 'h1', createdAt: T0, lastUsedAt: null, revokedAt: null });
    expect(await store.apiKeys.findByHash('h1')).toEqual(k1);
    expect(await store.apiKeys.findByHash('nope')).toBeNull();
    expect((await store.apiKeys.list('o1')).map((k) => k.name)).toEqual(['ci']);
    expect((await store.apiKeys.list('o2')).map((k) => k.name)).toEqual(['other']);
    await expect(
      store.apiKeys.create({ orgId: 'o2', name: 'dup', role: 'viewer', prefix: 'x', hash: 'h1' }, T0),
    ).rejects.toBeInstanceOf(ConflictError);

    await store.apiKeys.touch(k1.id, T0 + 5);
    expect((await store.apiKeys.findByHash('h1'))?.lastUsedAt).toBe(T0 + 5);

    expect(await store.apiKeys.revoke('o2', k1.id, T0 + 10)).toBe(false);
    expect(await store.apiKeys.revoke('o1', k1.id, T0 + 10)).toBe(true);
    expect(await store.apiKeys.revoke('o1', k1.id, T0 + 11)).toBe(false);
    expect((await store.apiKeys.findByHash('h1'))?.revokedAt).toBe(T0 + 10);
  });

  it("another organisation's templates, schedules and runs are invisible", async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const run = await store.runs.create(newRun(), T0);

    expect(await store.templates.get('o2', 't1')).toBeNull();
    expect(await store.templates.list('o2')).toEqual([]);
    expect(await store.templates.versions('o2', 't1')).toEqual([]);
    expect(await store.schedules.get('o2', 's1')).toBeNull();
    expect(await store.schedules.list('o2')).toEqual([]);
    expect(await store.runs.get('o2', run.id)).toBeNull();
    expect((await store.runs.list({ orgId: 'o2' })).runs).toEqual([]);
    expect(await store.runs.cancel('o2', run.id, 'nope', T0)).toBeNull();
    expect(await store.schedules.delete('o2', 's1')).toBe(false);
    expect(await store.templates.delete('o2', 't1')).toBe(false);
    await expect(store.schedules.setPaused('o2', 's1', true, null, T0)).rejects.toThrow(/not found/);
    // still there for their owner
    expect(await store.runs.get('o1', run.id)).not.toBeNull();
    expect(await store.schedules.get('o1', 's1')).not.toBeNull();
  });
});
