import { expect, it } from 'vitest';
import { ConflictError } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { newSchedule, T0 } from './fixtures.js';

describeContract('templates', (backend) => {
  it('versions on change only: an identical put (any key order) returns the latest', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    const def = { steps: [{ goto: 'https://example.com' }], output: { a: 1, b: [1, 2] } };
    const first = await store.templates.put({ orgId: 'o1', templateId: 'news', kind: 'steps', definition: def }, T0);
    expect(first.created).toBe(true);
    expect(first.version).toEqual({ orgId: 'o1', templateId: 'news', version: 1, kind: 'steps', definition: def, createdAt: T0 });

    const same = await store.templates.put(
      { orgId: 'o1', templateId: 'news', kind: 'steps', definition: { output: { b: [1, 2], a: 1 }, steps: [{ goto: 'https://example.com' }] } },
      T0 + 1,
    );
    expect(same).toEqual({ version: first.version, created: false });

    const changed = await store.templates.put({ orgId: 'o1', templateId: 'news', kind: 'steps', definition: { steps: [] } }, T0 + 2);
    expect(changed.created).toBe(true);
    expect(changed.version.version).toBe(2);
    const kind = await store.templates.put({ orgId: 'o1', templateId: 'news', kind: 'script', definition: { steps: [] } }, T0 + 3);
    expect(kind.version.version).toBe(3);

    expect((await store.templates.get('o1', 'news'))?.version).toBe(3);
    expect((await store.templates.get('o1', 'news', 1))?.definition).toEqual(def);
    expect(await store.templates.get('o1', 'news', 9)).toBeNull();
    expect((await store.templates.versions('o1', 'news')).map((v) => v.version)).toEqual([1, 2, 3]);

    await store.templates.put({ orgId: 'o1', templateId: 'alpha', kind: 'agent', definition: 'find the price' }, T0);
    expect((await store.templates.list('o1')).map((t) => [t.templateId, t.version])).toEqual([
      ['alpha', 1],
      ['news', 3],
    ]);
  });

  it('concurrent identical puts create one version', async () => {
    const b = backend();
    const s1 = await b.open();
    const s2 = await b.openPeer();
    await s1.orgs.create({ id: 'o1', name: 'one' }, T0);
    const input = { orgId: 'o1', templateId: 'x', kind: 'steps' as const, definition: { n: 1 } };
    const results = await Promise.all([s1.templates.put(input, T0), s2.templates.put(input, T0), s1.templates.put(input, T0)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await s1.templates.versions('o1', 'x')).toHaveLength(1);
  });

  it('delete refuses while a schedule uses the template', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    await store.templates.put({ orgId: 'o1', templateId: 't1', kind: 'steps', definition: {} }, T0);
    await store.schedules.create(newSchedule('s1'), T0);
    await expect(store.templates.delete('o1', 't1')).rejects.toBeInstanceOf(ConflictError);
    await expect(store.templates.delete('o1', 't1')).rejects.toThrow(/s1/);
    await store.schedules.delete('o1', 's1');
    expect(await store.templates.delete('o1', 't1')).toBe(true);
    expect(await store.templates.get('o1', 't1')).toBeNull();
    expect(await store.templates.delete('o1', 't1')).toBe(false);
  });

  it('a template deleted and put again continues its version numbers; deleted versions are hidden', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    await store.templates.put({ orgId: 'o1', templateId: 't', kind: 'steps', definition: { n: 1 } }, T0);
    await store.templates.put({ orgId: 'o1', templateId: 't', kind: 'steps', definition: { n: 2 } }, T0);
    expect(await store.templates.delete('o1', 't')).toBe(true);
    expect(await store.templates.list('o1')).toEqual([]);
    expect(await store.templates.versions('o1', 't')).toEqual([]);
    expect(await store.templates.get('o1', 't', 1)).toBeNull();
    // Same definition as the deleted latest: still a new version, numbered after the deleted ones.
    const again = await store.templates.put({ orgId: 'o1', templateId: 't', kind: 'steps', definition: { n: 2 } }, T0 + 1);
    expect(again).toMatchObject({ created: true, version: { version: 3 } });
    expect((await store.templates.versions('o1', 't')).map((v) => v.version)).toEqual([3]);
    expect((await store.templates.list('o1')).map((t) => [t.templateId, t.version])).toEqual([['t', 3]]);
  });
});
