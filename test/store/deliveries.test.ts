import { expect, it } from 'vitest';
import { redeliverRange } from '../../src/delivery/outbox.js';
import { ConflictError } from '../../src/store/store.js';
import type { NewDelivery, Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';

const T0 = Date.UTC(2026, 0, 1);
const LEASE = 30_000;

async function setup(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two' }, T0);
}

function delivery(id: string, over: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id,
    orgId: 'o1',
    eventId: `ev-${id}`,
    eventType: 'run.succeeded',
    destinationId: 'hook',
    runId: 'r1',
    scheduleId: 's1',
    payload: { id, n: 1 },
    nextAttemptAt: T0,
    ...over,
  };
}

describeContract('deliveries', (backend) => {
  it('enqueue is idempotent: the same id twice keeps one row and the first payload', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1', { payload: { v: 'first' } })], T0);
    await store.deliveries.enqueue([delivery('d1', { payload: { v: 'second' }, nextAttemptAt: T0 + 5 })], T0 + 1);
    const d = await store.deliveries.get('o1', 'd1');
    expect(d).toMatchObject({
      id: 'd1',
      orgId: 'o1',
      eventId: 'ev-d1',
      eventType: 'run.succeeded',
      destinationId: 'hook',
      runId: 'r1',
      scheduleId: 's1',
      payload: { v: 'first' },
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0,
      leaseExpiresAt: null,
      lastError: null,
      createdAt: T0,
      deliveredAt: null,
    });
    expect(await store.deliveries.list({ orgId: 'o1' })).toHaveLength(1);
  });

  it('enqueues large batches, with repeated ids inside one call, keeping the first of each', async () => {
    const store = await backend().open();
    await setup(store);
    const batch = Array.from({ length: 450 }, (_, i) => delivery(`d${i % 300}`, { payload: { i } }));
    await store.deliveries.enqueue(batch, T0);
    await store.deliveries.enqueue([], T0);
    expect(await store.deliveries.list({ orgId: 'o1', limit: 1000 })).toHaveLength(300);
    expect((await store.deliveries.get('o1', 'd5'))?.payload).toEqual({ i: 5 });
    expect((await store.deliveries.get('o1', 'd299'))?.payload).toEqual({ i: 299 });
  });

  it('claims due deliveries earliest first, leases them, and re-offers them when the lease expires', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue(
      [
        delivery('a', { nextAttemptAt: T0 + 2 }),
        delivery('b', { nextAttemptAt: T0 }),
        delivery('c', { nextAttemptAt: T0 + 1 }),
        delivery('future', { nextAttemptAt: T0 + 60_000 }),
        delivery('other-dest', { nextAttemptAt: T0 + 3, destinationId: 'slack', orgId: 'o2' }),
      ],
      T0,
    );
    const now = T0 + 10;
    const first = await store.deliveries.claim({ limit: 2, leaseMs: LEASE }, now);
    expect(first.map((d) => d.id)).toEqual(['b', 'c']);
    for (const d of first) expect(d.leaseExpiresAt).toBe(now + LEASE);
    expect(first.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);

    const second = await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, now);
    expect(second.map((d) => d.id)).toEqual(['a', 'other-dest']);
    expect(await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, now + 1)).toEqual([]);

    // Destination filter, across organisations.
    const later = now + LEASE;
    const slack = await store.deliveries.claim({ limit: 10, leaseMs: LEASE, destinationId: 'slack' }, later);
    expect(slack.map((d) => d.id)).toEqual(['other-dest']);
    // Leases that expired are claimable again (at exactly the expiry instant).
    const again = await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, later);
    expect(again.map((d) => d.id)).toEqual(['b', 'c', 'a']);
    expect(await store.deliveries.claim({ limit: 0, leaseMs: LEASE }, later + LEASE)).toEqual([]);
  });

  it('record is fenced: a stale or early attempt number is rejected and changes nothing', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1')], T0);
    const [claimed] = await store.deliveries.claim({ limit: 1, leaseMs: LEASE }, T0);
    expect(claimed?.id).toBe('d1');

    const base = { id: 'd1', statusCode: 200, error: null, latencyMs: 12, outcome: 'delivered' as const };
    await expect(store.deliveries.record({ ...base, attempt: 2 }, T0 + 1)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.deliveries.record({ ...base, attempt: 0 }, T0 + 1)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.deliveries.get('o1', 'd1')).toEqual(claimed);
    expect(await store.deliveries.attempts('d1')).toEqual([]);

    const retried = await store.deliveries.record(
      { ...base, attempt: 1, statusCode: 503, error: 'HTTP 503', outcome: 'retry', nextAttemptAt: T0 + 5000 },
      T0 + 2,
    );
    expect(retried.attempts).toBe(1);
    // The same attempt reported twice (a relay that lost its lease): the second is rejected.
    await expect(store.deliveries.record({ ...base, attempt: 1 }, T0 + 3)).rejects.toBeInstanceOf(ConflictError);
    expect(await store.deliveries.get('o1', 'd1')).toEqual(retried);
    expect(await store.deliveries.attempts('d1')).toHaveLength(1);

    await expect(store.deliveries.record({ ...base, id: 'nope', attempt: 1 }, T0)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('moves through retry, dead and delivered, logging every attempt', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1'), delivery('d2')], T0);
    await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, T0);

    const retry = await store.deliveries.record(
      { id: 'd1', attempt: 1, statusCode: 500, error: 'HTTP 500', latencyMs: 40, outcome: 'retry', nextAttemptAt: T0 + 5000 },
      T0 + 100,
    );
    expect(retry).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: T0 + 5000,
      leaseExpiresAt: null,
      lastError: 'HTTP 500',
      deliveredAt: null,
    });
    // Not due yet, even though its lease was cleared.
    expect((await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, T0 + 4999)).map((d) => d.id)).toEqual([]);
    expect((await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, T0 + 5000)).map((d) => d.id)).toEqual(['d1']);

    const dead = await store.deliveries.record(
      { id: 'd1', attempt: 2, statusCode: null, error: 'connection refused', latencyMs: 3, outcome: 'dead' },
      T0 + 5100,
    );
    expect(dead).toMatchObject({ status: 'dead', attempts: 2, lastError: 'connection refused', leaseExpiresAt: null });
    // A dead letter is never offered again; d2, whose lease expired, is.
    expect((await store.deliveries.claim({ limit: 10, leaseMs: LEASE }, T0 + 10 * LEASE)).map((d) => d.id)).toEqual(['d2']);
    await expect(
      store.deliveries.record({ id: 'd1', attempt: 3, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' }, T0),
    ).rejects.toBeInstanceOf(ConflictError);

    expect(await store.deliveries.attempts('d1')).toEqual([
      { deliveryId: 'd1', number: 1, at: T0 + 100, statusCode: 500, error: 'HTTP 500', latencyMs: 40 },
      { deliveryId: 'd1', number: 2, at: T0 + 5100, statusCode: null, error: 'connection refused', latencyMs: 3 },
    ]);

    const delivered = await store.deliveries.record(
      { id: 'd2', attempt: 1, statusCode: 204, error: null, latencyMs: 7, outcome: 'delivered' },
      T0 + 200,
    );
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1, deliveredAt: T0 + 200, lastError: null });
    expect(await store.deliveries.get('o1', 'd2')).toEqual(delivered);
  });

  it('a retry without nextAttemptAt is refused', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1')], T0);
    await expect(
      store.deliveries.record({ id: 'd1', attempt: 1, statusCode: 500, error: 'x', latencyMs: 1, outcome: 'retry' }, T0),
    ).rejects.toThrow(/nextAttemptAt/);
    expect((await store.deliveries.get('o1', 'd1'))?.attempts).toBe(0);
  });

  it('redelivers a dead letter with the same id, due now, continuing the attempt log', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1')], T0);
    await store.deliveries.record(
      { id: 'd1', attempt: 1, statusCode: 400, error: 'HTTP 400', latencyMs: 5, outcome: 'dead' },
      T0 + 1,
    );
    expect(await store.deliveries.redeliver('o2', 'd1', T0 + 2)).toBeNull();
    expect(await store.deliveries.redeliver('o1', 'missing', T0 + 2)).toBeNull();
    expect((await store.deliveries.get('o1', 'd1'))?.status).toBe('dead');

    const again = await store.deliveries.redeliver('o1', 'd1', T0 + 1000);
    expect(again).toMatchObject({ id: 'd1', status: 'pending', attempts: 1, nextAttemptAt: T0 + 1000, leaseExpiresAt: null });
    // Redelivering a pending delivery leaves it as it is.
    expect(await store.deliveries.redeliver('o1', 'd1', T0 + 2000)).toEqual(again);

    const [claimed] = await store.deliveries.claim({ limit: 5, leaseMs: LEASE }, T0 + 1000);
    expect(claimed?.id).toBe('d1');
    const ok = await store.deliveries.record(
      { id: 'd1', attempt: 2, statusCode: 200, error: null, latencyMs: 9, outcome: 'delivered' },
      T0 + 1001,
    );
    expect(ok).toMatchObject({ status: 'delivered', attempts: 2, deliveredAt: T0 + 1001 });
    expect((await store.deliveries.attempts('d1')).map((a) => a.number)).toEqual([1, 2]);

    // A delivered one can be sent again too.
    const resend = await store.deliveries.redeliver('o1', 'd1', T0 + 3000);
    expect(resend).toMatchObject({ status: 'pending', deliveredAt: null, nextAttemptAt: T0 + 3000 });
  });

  /** `n` dead deliveries d00.., created a millisecond apart (d00 oldest), plus one pending and one of another org. */
  async function deadLetters(store: Store, n: number): Promise<string[]> {
    await setup(store);
    const ids = Array.from({ length: n }, (_, i) => `d${String(i).padStart(2, '0')}`);
    for (const [i, id] of ids.entries()) {
      await store.deliveries.enqueue([delivery(id)], T0 + i);
      await store.deliveries.record({ id, attempt: 1, statusCode: 400, error: 'HTTP 400', latencyMs: 5, outcome: 'dead' }, T0 + 100);
    }
    await store.deliveries.enqueue([delivery('still-pending'), delivery('theirs', { orgId: 'o2' })], T0);
    return ids;
  }
  const RANGE = { orgId: 'o1', from: T0, to: T0 + 1000, status: ['dead'] as const };

  it('range redelivery works in set-based batches, newest first, up to the limit, and says when more match', async () => {
    const store = await backend().open();
    const ids = await deadLetters(store, 7);
    const newestFirst = [...ids].reverse();
    expect(await redeliverRange(store, { ...RANGE, limit: 5 }, T0 + 2000, 2)).toEqual({ ids: newestFirst.slice(0, 5), more: true });
    for (const id of newestFirst.slice(0, 5)) expect(await store.deliveries.get('o1', id)).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 2000, attempts: 1 });
    expect((await store.deliveries.get('o1', 'd01'))?.status).toBe('dead');
    expect(await redeliverRange(store, { ...RANGE, limit: 5 }, T0 + 3000, 2)).toEqual({ ids: ['d01', 'd00'], more: false });
    expect(await redeliverRange(store, { ...RANGE, limit: 5 }, T0 + 4000, 2)).toEqual({ ids: [], more: false });
    expect((await store.deliveries.get('o2', 'theirs'))?.status).toBe('pending');
    // A status nothing has changes nothing.
    expect(await store.deliveries.redeliverBatch({ ...RANGE, status: ['delivered'], limit: 10 }, T0)).toEqual({ matched: 0, ids: [] });
  });

  it('two peers redelivering the same range at once report disjoint ids: only deliveries each actually changed', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    const ids = await deadLetters(one, 40);
    const [a, c] = await Promise.all([redeliverRange(one, { ...RANGE, limit: 100 }, T0 + 2000, 3), redeliverRange(two, { ...RANGE, limit: 100 }, T0 + 2000, 3)]);
    expect([...a.ids, ...c.ids].sort()).toEqual(ids);
    for (const id of ids) expect((await one.deliveries.get('o1', id))?.status).toBe('pending');
  });

  it('two peers claiming the same 100 due deliveries concurrently get disjoint sets', async () => {
    const b = backend();
    const one = await b.open();
    const two = await b.openPeer();
    await setup(one);
    const all = Array.from({ length: 100 }, (_, i) => delivery(`d${String(i).padStart(3, '0')}`, { nextAttemptAt: T0 + i }));
    await one.deliveries.enqueue(all, T0);
    const now = T0 + 1000;

    async function drain(store: Store): Promise<string[]> {
      const got: string[] = [];
      for (;;) {
        const batch = await store.deliveries.claim({ limit: 7, leaseMs: LEASE }, now);
        if (batch.length === 0) return got;
        got.push(...batch.map((d) => d.id));
      }
    }
    const results = await Promise.all([drain(one), drain(two), drain(one), drain(two)]);
    const ids = results.flat();
    // Both peers took part.
    expect(results[0]!.length + results[2]!.length).toBeGreaterThan(0);
    expect(results[1]!.length + results[3]!.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all.map((d) => d.id).sort());
  });

  it('scopes reads to the organisation', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('d1'), delivery('d2', { orgId: 'o2' })], T0);
    expect(await store.deliveries.get('o2', 'd1')).toBeNull();
    expect(await store.deliveries.get('o1', 'd2')).toBeNull();
    expect((await store.deliveries.list({ orgId: 'o1' })).map((d) => d.id)).toEqual(['d1']);
    expect((await store.deliveries.list({ orgId: 'o2' })).map((d) => d.id)).toEqual(['d2']);
  });

  it('lists newest first with filters', async () => {
    const store = await backend().open();
    await setup(store);
    await store.deliveries.enqueue([delivery('a', { destinationId: 'hook', runId: 'r1' })], T0);
    await store.deliveries.enqueue([delivery('b', { destinationId: 's3', runId: 'r2' })], T0 + 10);
    await store.deliveries.enqueue([delivery('c', { destinationId: 'hook', runId: 'r2', scheduleId: null })], T0 + 20);
    await store.deliveries.record({ id: 'b', attempt: 1, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' }, T0 + 30);

    const ids = async (f: Omit<Parameters<Store['deliveries']['list']>[0], 'orgId'>) =>
      (await store.deliveries.list({ orgId: 'o1', ...f })).map((d) => d.id);
    expect(await ids({})).toEqual(['c', 'b', 'a']);
    expect(await ids({ status: ['pending'] })).toEqual(['c', 'a']);
    expect(await ids({ status: ['delivered', 'dead'] })).toEqual(['b']);
    expect(await ids({ status: [] })).toEqual([]);
    expect(await ids({ destinationId: 'hook' })).toEqual(['c', 'a']);
    expect(await ids({ runId: 'r2' })).toEqual(['c', 'b']);
    expect(await ids({ runIds: ['r1', 'r2'] })).toEqual(['c', 'b', 'a']);
    expect(await ids({ runIds: ['r1', 'r9'] })).toEqual(['a']);
    expect(await ids({ runIds: [] })).toEqual([]);
    expect(await ids({ from: T0 + 10, to: T0 + 20 })).toEqual(['b']);
    expect(await ids({ limit: 2 })).toEqual(['c', 'b']);
    expect((await store.deliveries.get('o1', 'c'))?.scheduleId).toBeNull();
  });

  it('enqueue inside a rolled-back transaction leaves nothing behind', async () => {
    const store = await backend().open();
    await setup(store);
    await expect(
      store.transaction(async (tx) => {
        await tx.deliveries.enqueue([delivery('d1')], T0);
        expect(await tx.deliveries.get('o1', 'd1')).not.toBeNull();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.deliveries.get('o1', 'd1')).toBeNull();

    // record inside an outer transaction joins it.
    await store.deliveries.enqueue([delivery('d2')], T0);
    await expect(
      store.transaction(async (tx) => {
        await tx.deliveries.record({ id: 'd2', attempt: 1, statusCode: 200, error: null, latencyMs: 1, outcome: 'delivered' }, T0);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect((await store.deliveries.get('o1', 'd2'))?.status).toBe('pending');
    expect(await store.deliveries.attempts('d2')).toEqual([]);
  });
});
