import { expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);

async function setup(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two' }, T0);
}

describeContract('template state', (backend) => {
  it('sets, reads, overwrites and deletes JSON values per template', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.state.get('o1', 't1', 'last')).toBeUndefined();
    expect(await store.state.all('o1', 't1')).toEqual({});

    await store.state.set('o1', 't1', 'last', { price: 12.5, seen: ['a', 'b'] }, T0);
    await store.state.set('o1', 't1', 'count', 3, T0);
    await store.state.set('o1', 't1', 'nothing', null, T0);
    await store.state.set('o1', 't1', 'flag', true, T0);
    await store.state.set('o1', 't1', 'name', 'héllo "quoted" ?', T0);
    expect(await store.state.get('o1', 't1', 'last')).toEqual({ price: 12.5, seen: ['a', 'b'] });
    expect(await store.state.get('o1', 't1', 'nothing')).toBeNull();
    expect(await store.state.all('o1', 't1')).toEqual({
      count: 3,
      flag: true,
      last: { price: 12.5, seen: ['a', 'b'] },
      name: 'héllo "quoted" ?',
      nothing: null,
    });

    await store.state.set('o1', 't1', 'count', 4, T0 + 1);
    expect(await store.state.get('o1', 't1', 'count')).toBe(4);

    // Other templates and organisations are separate.
    await store.state.set('o1', 't2', 'count', 100, T0);
    await store.state.set('o2', 't1', 'count', 200, T0);
    expect(await store.state.get('o1', 't1', 'count')).toBe(4);
    expect(await store.state.all('o2', 't1')).toEqual({ count: 200 });
    expect(await store.state.get('o2', 't1', 'last')).toBeUndefined();

    expect(await store.state.delete('o1', 't1', 'count')).toBe(true);
    expect(await store.state.delete('o1', 't1', 'count')).toBe(false);
    expect(await store.state.get('o1', 't1', 'count')).toBeUndefined();
    expect(await store.state.get('o1', 't2', 'count')).toBe(100);
  });
});

describeContract('secrets', (backend) => {
  it('stores ciphertext per organisation and lists names only', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.secrets.get('o1', 'API_TOKEN')).toBeNull();
    await store.secrets.put({ orgId: 'o1', name: 'API_TOKEN', ciphertext: 'v1:ct-one' }, T0);
    await store.secrets.put({ orgId: 'o1', name: 'DB_PASSWORD', ciphertext: 'v1:ct-two' }, T0);
    await store.secrets.put({ orgId: 'o2', name: 'OTHER', ciphertext: 'v1:ct-three' }, T0);
    expect(await store.secrets.get('o1', 'API_TOKEN')).toEqual({
      orgId: 'o1',
      name: 'API_TOKEN',
      ciphertext: 'v1:ct-one',
      updatedAt: T0,
    });

    const names = await store.secrets.names('o1');
    expect(names).toEqual(['API_TOKEN', 'DB_PASSWORD']);
    expect(names.every((n) => typeof n === 'string')).toBe(true);
    expect(JSON.stringify(names)).not.toContain('ct-');

    await store.secrets.put({ orgId: 'o1', name: 'API_TOKEN', ciphertext: 'v1:rotated' }, T0 + 5);
    expect(await store.secrets.get('o1', 'API_TOKEN')).toMatchObject({ ciphertext: 'v1:rotated', updatedAt: T0 + 5 });

    expect(await store.secrets.get('o2', 'API_TOKEN')).toBeNull();
    expect(await store.secrets.get('o1', 'OTHER')).toBeNull();
    expect(await store.secrets.names('o2')).toEqual(['OTHER']);
    expect(await store.secrets.delete('o2', 'API_TOKEN')).toBe(false);
    expect(await store.secrets.delete('o1', 'API_TOKEN')).toBe(true);
    expect(await store.secrets.names('o1')).toEqual(['DB_PASSWORD']);
  });
});

describeContract('meta', (backend) => {
  it('gets and sets system-wide JSON values', async () => {
    const store = await backend().open();
    expect(await store.meta.get('lastSeenAt')).toBeUndefined();
    await store.meta.set('lastSeenAt', T0, T0);
    expect(await store.meta.get('lastSeenAt')).toBe(T0);
    await store.meta.set('lastSeenAt', T0 + 1000, T0 + 1000);
    expect(await store.meta.get('lastSeenAt')).toBe(T0 + 1000);
    await store.meta.set('nodes', { a: { at: T0 } }, T0);
    expect(await store.meta.get('nodes')).toEqual({ a: { at: T0 } });
    await store.meta.set('cleared', null, T0);
    expect(await store.meta.get('cleared')).toBeNull();
  });

  it('is shared between peers', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    await one.meta.set('k', 'v', T0);
    expect(await two.meta.get('k')).toBe('v');
  });

  it('setIfAbsent keeps the first value and returns what is stored', async () => {
    const store = await backend().open();
    expect(await store.meta.setIfAbsent('secret', 'first', T0)).toBe('first');
    expect(await store.meta.setIfAbsent('secret', 'second', T0 + 1)).toBe('first');
    expect(await store.meta.get('secret')).toBe('first');
    await store.meta.set('secret', 'replaced', T0 + 2);
    expect(await store.meta.setIfAbsent('secret', 'third', T0 + 3)).toBe('replaced');
  });

  it('two clients racing setIfAbsent end up with one value', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    for (let round = 0; round < 10; round++) {
      const key = `race.${round}`;
      const [a, c] = await Promise.all([one.meta.setIfAbsent(key, `one-${round}`, T0), two.meta.setIfAbsent(key, `two-${round}`, T0)]);
      expect(a).toBe(c);
      expect([`one-${round}`, `two-${round}`]).toContain(a);
      expect(await one.meta.get(key)).toBe(a);
    }
  });

  it('deletes a key, saying whether it existed', async () => {
    const store = await backend().open();
    await store.meta.set('gone', 1, T0);
    await store.meta.set('kept', 2, T0);
    expect(await store.meta.delete('gone')).toBe(true);
    expect(await store.meta.delete('gone')).toBe(false);
    expect(await store.meta.get('gone')).toBeUndefined();
    expect(await store.meta.get('kept')).toBe(2);
  });
});
