import { expect, it } from 'vitest';
import { ConflictError } from '../../src/store/store.js';
import type { Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);
const LEASE = 60_000;

async function setup(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two' }, T0);
}

describeContract('profiles', (backend) => {
  it('acquire creates an empty profile and locks it for one run', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.profiles.get('o1', 'shop')).toBeNull();
    expect(await store.profiles.acquire('o1', 'shop', 'run-a', LEASE, T0)).toBe(true);
    expect(await store.profiles.get('o1', 'shop')).toEqual({
      orgId: 'o1',
      name: 'shop',
      state: null,
      version: 0,
      lockedByRunId: 'run-a',
      lockExpiresAt: T0 + LEASE,
      updatedAt: T0,
    });
    // Another run is refused while the lock holds.
    expect(await store.profiles.acquire('o1', 'shop', 'run-b', LEASE, T0 + 1)).toBe(false);
    expect(await store.profiles.acquire('o1', 'shop', 'run-b', LEASE, T0 + LEASE - 1)).toBe(false);
    // The holder renews.
    expect(await store.profiles.acquire('o1', 'shop', 'run-a', LEASE, T0 + 10)).toBe(true);
    expect((await store.profiles.get('o1', 'shop'))?.lockExpiresAt).toBe(T0 + 10 + LEASE);
    // Release by someone else is a no-op; by the holder frees it.
    await store.profiles.release('o1', 'shop', 'run-b');
    expect((await store.profiles.get('o1', 'shop'))?.lockedByRunId).toBe('run-a');
    await store.profiles.release('o1', 'shop', 'run-a');
    expect(await store.profiles.get('o1', 'shop')).toMatchObject({ lockedByRunId: null, lockExpiresAt: null });
    expect(await store.profiles.acquire('o1', 'shop', 'run-b', LEASE, T0 + 20)).toBe(true);
  });

  it('an expired lock can be taken over', async () => {
    const store = await backend().open();
    await setup(store);
    expect(await store.profiles.acquire('o1', 'shop', 'run-a', LEASE, T0)).toBe(true);
    expect(await store.profiles.acquire('o1', 'shop', 'run-b', LEASE, T0 + LEASE)).toBe(true);
    expect(await store.profiles.get('o1', 'shop')).toMatchObject({ lockedByRunId: 'run-b', lockExpiresAt: T0 + 2 * LEASE });
    // The old holder's release no longer frees it.
    await store.profiles.release('o1', 'shop', 'run-a');
    expect((await store.profiles.get('o1', 'shop'))?.lockedByRunId).toBe('run-b');
  });

  it('racing acquires on two peers: exactly one run wins', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    await setup(one);
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).profiles.acquire('o1', 'shop', `run-${i}`, LEASE, T0)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    const holder = (await one.profiles.get('o1', 'shop'))?.lockedByRunId;
    expect(holder).toBe(`run-${wins.indexOf(true)}`);
  });

  it('versioned saves detect a writer that got there first', async () => {
    const store = await backend().open();
    await setup(store);
    const state1 = { cookies: [{ name: 'sid', value: 'a' }], origins: [] };
    const v1 = await store.profiles.save('o1', 'shop', state1, T0);
    expect(v1).toEqual({ orgId: 'o1', name: 'shop', state: state1, version: 1, lockedByRunId: null, lockExpiresAt: null, updatedAt: T0 });

    const v2 = await store.profiles.save('o1', 'shop', { n: 2 }, T0 + 1, 1);
    expect(v2).toMatchObject({ version: 2, state: { n: 2 }, updatedAt: T0 + 1 });
    await expect(store.profiles.save('o1', 'shop', { n: 3 }, T0 + 2, 1)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.profiles.save('o1', 'shop', { n: 3 }, T0 + 2, 0)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.profiles.get('o1', 'shop')).toEqual(v2);

    // Unversioned save overwrites and still bumps.
    expect((await store.profiles.save('o1', 'shop', { n: 4 }, T0 + 3)).version).toBe(3);

    // A missing profile counts as version 0.
    await expect(store.profiles.save('o1', 'new', {}, T0, 4)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.profiles.get('o1', 'new')).toBeNull();
    expect((await store.profiles.save('o1', 'new', { a: 1 }, T0, 0)).version).toBe(1);
  });

  it('saving keeps the lock, and an acquired empty profile saves from version 0', async () => {
    const store = await backend().open();
    await setup(store);
    await store.profiles.acquire('o1', 'shop', 'run-a', LEASE, T0);
    const saved = await store.profiles.save('o1', 'shop', { cookies: [] }, T0 + 5, 0);
    expect(saved).toEqual({
      orgId: 'o1',
      name: 'shop',
      state: { cookies: [] },
      version: 1,
      lockedByRunId: 'run-a',
      lockExpiresAt: T0 + LEASE,
      updatedAt: T0 + 5,
    });
    // Acquiring an existing profile does not touch its state.
    await store.profiles.release('o1', 'shop', 'run-a');
    await store.profiles.acquire('o1', 'shop', 'run-b', LEASE, T0 + 10);
    expect(await store.profiles.get('o1', 'shop')).toMatchObject({ state: { cookies: [] }, version: 1, updatedAt: T0 + 5 });
  });

  it('lists, deletes, and scopes by organisation', async () => {
    const store = await backend().open();
    await setup(store);
    await store.profiles.save('o1', 'b', 1, T0);
    await store.profiles.save('o1', 'a', 2, T0);
    await store.profiles.acquire('o2', 'a', 'run-x', LEASE, T0);
    expect((await store.profiles.list('o1')).map((p) => p.name)).toEqual(['a', 'b']);
    expect((await store.profiles.list('o2')).map((p) => [p.name, p.state])).toEqual([['a', null]]);
    // The same name in another organisation is another profile, with its own lock.
    expect(await store.profiles.acquire('o1', 'a', 'run-y', LEASE, T0)).toBe(true);
    expect(await store.profiles.get('o2', 'b')).toBeNull();

    expect(await store.profiles.delete('o2', 'b')).toBe(false);
    expect(await store.profiles.delete('o1', 'b')).toBe(true);
    expect(await store.profiles.delete('o1', 'b')).toBe(false);
    expect((await store.profiles.list('o1')).map((p) => p.name)).toEqual(['a']);
  });
});
