import { expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);

async function setup(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two' }, T0);
}

const entry = (over: Partial<{ templateId: string; templateVersion: number; paramKey: string; orgId: string }> = {}) => ({
  orgId: 'o1',
  templateId: 'shop',
  templateVersion: 1,
  paramKey: 'product',
  startUrl: 'http://demo/{{ params.product }}',
  actions: [{ tool: 'click', step: 0, target: { role: 'link', name: 'Products' } }],
  ...over,
});

describeContract('trajectories', (backend) => {
  it('stores an entry per template version and parameter names, counts hits and rewrites', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.trajectories.get('o1', 'shop', 1, 'product')).toBeNull();

    const stored = await store.trajectories.put(entry(), T0);
    expect(stored).toMatchObject({ templateVersion: 1, paramKey: 'product', hits: 0, rewrites: 0, createdAt: T0, updatedAt: T0, lastHitAt: null });
    expect(stored.actions).toEqual(entry().actions);

    await store.trajectories.recordHit('o1', 'shop', 1, 'product', T0 + 5);
    await store.trajectories.recordHit('o1', 'shop', 1, 'product', T0 + 9);
    const rewritten = await store.trajectories.put({ ...entry(), actions: [{ tool: 'navigate', step: 0 }] }, T0 + 10);
    expect(rewritten).toMatchObject({ hits: 2, rewrites: 1, createdAt: T0, updatedAt: T0 + 10, lastHitAt: T0 + 9 });
    expect(rewritten.actions).toEqual([{ tool: 'navigate', step: 0 }]);

    // Another version, other parameter names, another template, another org: separate entries.
    await store.trajectories.put(entry({ templateVersion: 2 }), T0);
    await store.trajectories.put(entry({ paramKey: 'product,size' }), T0);
    await store.trajectories.put(entry({ templateId: 'other' }), T0);
    await store.trajectories.put(entry({ orgId: 'o2' }), T0);
    expect((await store.trajectories.list('o1')).map((t) => `${t.templateId}@${t.templateVersion}/${t.paramKey}`)).toEqual([
      'other@1/product',
      'shop@1/product',
      'shop@1/product,size',
      'shop@2/product',
    ]);
    expect(await store.trajectories.list('o1', { templateId: 'other' })).toHaveLength(1);

    expect(await store.trajectories.invalidate('o1', 'shop')).toBe(3);
    expect(await store.trajectories.list('o1', { templateId: 'shop' })).toEqual([]);
    expect(await store.trajectories.get('o2', 'shop', 1, 'product')).not.toBeNull();
    await store.close();
  });
});
