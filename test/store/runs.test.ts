import { expect, it } from 'vitest';
import type { Run, RunStatus } from '../../src/store/types.js';
import { describeContract } from './backends.js';
import { MIN, newRun, newSchedule, occurrence, seed, T0 } from './fixtures.js';

const LEASE = 30_000;

describeContract('runs', (backend) => {
  it('liveCounts: queued runs due now and running runs, across organisations', async () => {
    const store = await backend().open();
    await seed(store);
    await store.templates.put({ orgId: 'o2', templateId: 't1', kind: 'steps', definition: { steps: [] } }, T0);
    expect(await store.runs.liveCounts(T0)).toEqual({ queuedDue: 0, running: 0 });
    await store.runs.create(newRun({ availableAt: T0 }), T0);
    await store.runs.create(newRun({ orgId: 'o2', availableAt: T0 }), T0);
    await store.runs.create(newRun({ availableAt: T0 + MIN }), T0); // a retry backing off: not due yet
    await store.runs.create(newRun({ status: 'skipped' }), T0);
    const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0);
    expect(await store.runs.liveCounts(T0)).toEqual({ queuedDue: 1, running: 1 });
    expect(await store.runs.liveCounts(T0 + MIN)).toEqual({ queuedDue: 2, running: 1 });
    await store.runs.completeAttempt({ runId: claimed!.run.id, attempt: 1, status: 'succeeded', output: null }, T0);
    expect(await store.runs.liveCounts(T0 + MIN)).toEqual({ queuedDue: 2, running: 0 });
  });

  it('create fills defaults: one attempt, available now, queued', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun({ nominalTime: T0 + 5 }), T0 + 10);
    expect(run).toEqual({
      id: expect.any(String),
      orgId: 'o1',
      scheduleId: null,
      templateId: 't1',
      templateVersion: 1,
      params: {},
      nominalTime: T0 + 5,
      trigger: 'manual',
      status: 'queued',
      reason: null,
      idempotencyKey: null,
      attempts: 0,
      maxAttempts: 1,
      availableAt: T0 + 10,
      deadline: null,
      parentRunId: null,
      backfillId: null,
      concurrencyKey: null,
      concurrencyLimit: null,
      output: null,
      error: null,
      createdAt: T0 + 10,
      startedAt: null,
      finishedAt: null,
      profile: null,
      browserMs: 0,
    });
    expect(await store.runs.get('o1', run.id)).toEqual(run);
    const child = await store.runs.create(
      newRun({ trigger: 'parent', parentRunId: run.id, deadline: T0 + MIN, params: { deep: { a: [1, null, 'x'] } } }),
      T0,
    );
    expect(await store.runs.get('o1', child.id)).toMatchObject({ parentRunId: run.id, deadline: T0 + MIN, params: { deep: { a: [1, null, 'x'] } } });
  });

  it('lists newest first with cursor pagination and filters', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const made: Run[] = [];
    for (let i = 0; i < 23; i++) {
      // several runs share a nominal time, so the id breaks ties
      made.push(await store.runs.create(newRun({ nominalTime: T0 + Math.floor(i / 3) * MIN, scheduleId: i % 2 ? 's1' : null }), T0));
    }
    await store.runs.create(newRun({ orgId: 'o2' }), T0);
    const expected = [...made].sort((a, b) => b.nominalTime - a.nominalTime || (a.id < b.id ? 1 : -1)).map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await store.runs.list({ orgId: 'o1', limit: 5, ...(cursor ? { cursor } : {}) });
      pages++;
      seen.push(...page.runs.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(pages).toBe(5);
    expect(seen).toEqual(expected);

    const s1 = await store.runs.list({ orgId: 'o1', scheduleId: 's1', limit: 100 });
    expect(s1.runs.map((r) => r.id)).toEqual(expected.filter((id) => made.find((r) => r.id === id)?.scheduleId === 's1'));
    expect(s1.nextCursor).toBeNull();

    const ranged = await store.runs.list({ orgId: 'o1', from: T0 + 2 * MIN, to: T0 + 4 * MIN });
    expect(ranged.runs).toHaveLength(6);
    expect(ranged.runs.every((r) => r.nominalTime >= T0 + 2 * MIN && r.nominalTime < T0 + 4 * MIN)).toBe(true);

    await store.runs.cancel('o1', made[0]!.id, 'test', T0);
    expect((await store.runs.list({ orgId: 'o1', status: ['cancelled'] })).runs.map((r) => r.id)).toEqual([made[0]!.id]);
    expect((await store.runs.list({ orgId: 'o1', status: ['queued', 'cancelled'] })).runs).toHaveLength(23);
    expect((await store.runs.list({ orgId: 'o1', status: [] })).runs).toEqual([]);
    expect((await store.runs.list({ orgId: 'o1', trigger: ['api'] })).runs).toEqual([]);
    expect((await store.runs.list({ orgId: 'o1', trigger: ['manual'], limit: 1000 })).runs).toHaveLength(23);
    await expect(store.runs.list({ orgId: 'o1', cursor: 'not-a-cursor' })).rejects.toThrow(/cursor/);
  });

  it('createIdempotent returns the same run within the window and a new one after it', async () => {
    const store = await backend().open();
    await seed(store);
    const input = { ...newRun({ trigger: 'api' }), idempotencyKey: 'req-1' };
    const a = await store.runs.createIdempotent(input, 10 * MIN, T0);
    expect(a.created).toBe(true);
    expect(a.run.idempotencyKey).toBe('req-1');
    const b = await store.runs.createIdempotent({ ...input, params: { different: true } }, 10 * MIN, T0 + 10 * MIN - 1);
    expect(b).toEqual({ run: a.run, created: false });
    // the same key in another organisation is unrelated
    const other = await store.runs.createIdempotent({ ...input, orgId: 'o2' }, 10 * MIN, T0 + 1);
    expect(other.created).toBe(true);
    // after the window the key is free again
    const c = await store.runs.createIdempotent(input, 10 * MIN, T0 + 10 * MIN);
    expect(c.created).toBe(true);
    expect(c.run.id).not.toBe(a.run.id);
    const d = await store.runs.createIdempotent(input, 10 * MIN, T0 + 15 * MIN);
    expect(d).toEqual({ run: c.run, created: false });
  });

  it('concurrent createIdempotent with one key creates one run', async () => {
    const b = backend();
    const s1 = await b.open();
    const s2 = await b.openPeer();
    await seed(s1);
    const input = { ...newRun({ trigger: 'api' }), idempotencyKey: 'k' };
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? s1 : s2).runs.createIdempotent(input, MIN, T0)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.run.id)).size).toBe(1);
    expect((await s1.runs.list({ orgId: 'o1' })).runs).toHaveLength(1);
  });

  it('claim: due queued runs, earliest first, up to the limit, with a leased attempt', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const later = await store.runs.create(newRun({ availableAt: T0 + 2 * MIN }), T0);
    const first = await store.runs.create(newRun({ availableAt: T0 + MIN }), T0);
    const future = await store.runs.create(newRun({ availableAt: T0 + 10 * MIN }), T0);
    const skipped = await store.runs.create(occurrence('s1', T0, { status: 'skipped', reason: 'overlap: skip' }), T0);
    const other = await store.runs.create(newRun({ orgId: 'o2', availableAt: T0 + 3 * MIN }), T0);

    const now = T0 + 5 * MIN;
    const claimed = await store.runs.claim({ workerId: 'w1', limit: 2, leaseMs: LEASE }, now);
    expect(claimed.map((c) => c.run.id)).toEqual([first.id, later.id]);
    expect(claimed[0]!.run).toMatchObject({ status: 'running', attempts: 1, startedAt: now });
    expect(claimed[0]!.attempt).toEqual({
      runId: first.id,
      number: 1,
      status: 'running',
      workerId: 'w1',
      leaseExpiresAt: now + LEASE,
      heartbeatAt: now,
      startedAt: now,
      finishedAt: null,
      error: null,
      browserMs: 0,
    });
    // across organisations; not the future or skipped one
    const rest = await store.runs.claim({ workerId: 'w2', limit: 10, leaseMs: LEASE }, now);
    expect(rest.map((c) => c.run.id)).toEqual([other.id]);
    expect(await store.runs.claim({ workerId: 'w2', limit: 10, leaseMs: LEASE }, now)).toEqual([]);
    expect((await store.runs.get('o1', future.id))?.status).toBe('queued');
    expect((await store.runs.get('o1', skipped.id))?.status).toBe('skipped');
    expect(await store.runs.attempts(first.id)).toEqual([claimed[0]!.attempt]);
  });

  it('claim can be restricted to schedules', async () => {
    const store = await backend().open();
    await seed(store);
    const a = await store.runs.create(occurrence('sa', T0), T0);
    await store.runs.create(occurrence('sb', T0), T0);
    expect(await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: LEASE, scheduleIds: [] }, T0)).toEqual([]);
    const got = await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: LEASE, scheduleIds: ['sa', 'zz'] }, T0);
    expect(got.map((c) => c.run.id)).toEqual([a.id]);
  });

  it('active lists queued and running runs of a schedule', async () => {
    const store = await backend().open();
    await seed(store);
    const r = await store.runs.create(occurrence('s1', T0), T0);
    const q = await store.runs.create(occurrence('s1', T0 + MIN), T0);
    await store.runs.create(occurrence('s1', T0 + 2 * MIN, { status: 'skipped' }), T0);
    await store.runs.create(occurrence('s2', T0), T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE, scheduleIds: ['s1'] }, T0);
    const active = await store.runs.active('o1', 's1');
    expect(active.map((x) => [x.id, x.status])).toEqual([
      [r.id, 'running'],
      [q.id, 'queued'],
    ]);
    expect(await store.runs.active('o2', 's1')).toEqual([]);
  });

  it('heartbeat extends the live lease only', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    const [c] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0);
    expect(c).toBeDefined();
    expect(await store.runs.heartbeat(run.id, 1, LEASE, T0 + 10_000)).toBe(true);
    expect((await store.runs.attempts(run.id))[0]).toMatchObject({ leaseExpiresAt: T0 + 10_000 + LEASE, heartbeatAt: T0 + 10_000 });
    expect(await store.runs.heartbeat(run.id, 2, LEASE, T0 + 10_000)).toBe(false);
    expect(await store.runs.heartbeat('nope', 1, LEASE, T0 + 10_000)).toBe(false);
    // not reaped yet at T0+45s (lease until T0+40s+...): still renewable only while not lost
    expect(await store.runs.expireLeases(T0 + 10_000 + LEASE)).toEqual([]);
    expect(await store.runs.expireLeases(T0 + 10_000 + LEASE + 1)).toEqual([{ orgId: 'o1', runId: run.id, attempt: 1, requeued: false }]);
    expect(await store.runs.heartbeat(run.id, 1, LEASE, T0 + 50_000)).toBe(false);
  });

  it('completeAttempt: success is terminal with output; stale attempts are fenced out', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0);
    expect(await store.runs.completeAttempt({ runId: run.id, attempt: 2, status: 'succeeded', output: { x: 1 } }, T0 + 1)).toBe(false);
    expect(await store.runs.completeAttempt({ runId: 'nope', attempt: 1, status: 'succeeded' }, T0 + 1)).toBe(false);
    expect(
      await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'succeeded', output: { price: 9.5, items: ['a'] } }, T0 + 2),
    ).toBe(true);
    expect(await store.runs.get('o1', run.id)).toMatchObject({
      status: 'succeeded',
      output: { price: 9.5, items: ['a'] },
      error: null,
      attempts: 1,
      finishedAt: T0 + 2,
    });
    expect((await store.runs.attempts(run.id))[0]).toMatchObject({ status: 'succeeded', finishedAt: T0 + 2 });
    // completing twice is rejected
    expect(await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'failed' }, T0 + 3)).toBe(false);
    expect((await store.runs.get('o1', run.id))?.status).toBe('succeeded');
  });

  it('a failed attempt with retryAt requeues while attempts remain, then fails for good', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun({ maxAttempts: 2 }), T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0);
    const err1 = { message: 'navigation timeout', retryable: true };
    expect(await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'failed', error: err1, retryAt: T0 + MIN }, T0 + 5)).toBe(true);
    expect(await store.runs.get('o1', run.id)).toMatchObject({ status: 'queued', attempts: 1, availableAt: T0 + MIN, error: err1, finishedAt: null });
    expect(await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0 + MIN - 1)).toEqual([]);
    const [second] = await store.runs.claim({ workerId: 'w2', limit: 1, leaseMs: LEASE }, T0 + MIN);
    expect(second?.attempt).toMatchObject({ number: 2, workerId: 'w2' });
    expect(second?.run).toMatchObject({ attempts: 2, startedAt: T0 });
    // the first attempt's worker is fenced out
    expect(await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'succeeded' }, T0 + MIN + 1)).toBe(false);
    const err2 = { message: 'again' };
    expect(await store.runs.completeAttempt({ runId: run.id, attempt: 2, status: 'failed', error: err2, retryAt: T0 + 2 * MIN }, T0 + MIN + 2)).toBe(true);
    expect(await store.runs.get('o1', run.id)).toMatchObject({ status: 'failed', attempts: 2, error: err2, finishedAt: T0 + MIN + 2 });
    expect((await store.runs.attempts(run.id)).map((a) => [a.number, a.status, a.error])).toEqual([
      [1, 'failed', err1],
      [2, 'failed', err2],
    ]);
  });

  it('a failed attempt without retryAt, or a timed-out one, is terminal', async () => {
    const store = await backend().open();
    await seed(store);
    const a = await store.runs.create(newRun({ maxAttempts: 3 }), T0);
    const b = await store.runs.create(newRun({ maxAttempts: 3 }), T0);
    await store.runs.claim({ workerId: 'w', limit: 2, leaseMs: LEASE }, T0);
    await store.runs.completeAttempt({ runId: a.id, attempt: 1, status: 'failed', error: { message: 'assertion' } }, T0 + 1);
    await store.runs.completeAttempt({ runId: b.id, attempt: 1, status: 'timed_out' }, T0 + 1);
    expect((await store.runs.get('o1', a.id))?.status).toBe('failed');
    expect((await store.runs.get('o1', b.id))?.status).toBe('timed_out');
  });

  it('expireLeases: lost attempts requeue their runs while attempts remain, else the run fails', async () => {
    const store = await backend().open();
    await seed(store);
    const retry = await store.runs.create(newRun({ maxAttempts: 2 }), T0);
    const once = await store.runs.create(newRun(), T0);
    const fresh = await store.runs.create(newRun(), T0);
    await store.runs.claim({ workerId: 'w', limit: 2, leaseMs: LEASE }, T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 10 * LEASE }, T0);
    const now = T0 + LEASE + 1;
    const expired = await store.runs.expireLeases(now);
    expect(expired.sort((x, y) => (x.runId < y.runId ? -1 : 1))).toEqual(
      [
        { orgId: 'o1', runId: retry.id, attempt: 1, requeued: true },
        { orgId: 'o1', runId: once.id, attempt: 1, requeued: false },
      ].sort((x, y) => (x.runId < y.runId ? -1 : 1)),
    );
    expect(await store.runs.get('o1', retry.id)).toMatchObject({ status: 'queued', availableAt: now, attempts: 1 });
    expect(await store.runs.get('o1', once.id)).toMatchObject({ status: 'failed', finishedAt: now });
    expect((await store.runs.get('o1', once.id))?.error).toMatchObject({ type: 'lease_expired' });
    expect((await store.runs.get('o1', fresh.id))?.status).toBe('running');
    expect((await store.runs.attempts(retry.id))[0]).toMatchObject({ status: 'lost', finishedAt: now });
    // nothing more to expire; the lost worker is fenced out
    expect(await store.runs.expireLeases(now)).toEqual([]);
    expect(await store.runs.completeAttempt({ runId: retry.id, attempt: 1, status: 'succeeded' }, now + 1)).toBe(false);
    const [again] = await store.runs.claim({ workerId: 'w2', limit: 1, leaseMs: LEASE }, now);
    expect(again?.run.id).toBe(retry.id);
    expect(again?.attempt.number).toBe(2);
  });

  it('cancel: a queued run at once, a running run fences its attempt, a finished run is unchanged', async () => {
    const store = await backend().open();
    await seed(store);
    const queued = await store.runs.create(newRun({ availableAt: T0 + MIN }), T0);
    const running = await store.runs.create(newRun(), T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0);

    const c1 = await store.runs.cancel('o1', queued.id, 'user asked', T0 + 1);
    expect(c1).toMatchObject({ status: 'cancelled', reason: 'user asked', finishedAt: T0 + 1 });
    expect(await store.runs.claim({ workerId: 'w', limit: 5, leaseMs: LEASE }, T0 + 2 * MIN)).toEqual([]);

    const c2 = await store.runs.cancel('o1', running.id, 'cancel_other', T0 + 2);
    expect(c2).toMatchObject({ status: 'cancelled', reason: 'cancel_other', finishedAt: T0 + 2 });
    expect(await store.runs.heartbeat(running.id, 1, LEASE, T0 + 3)).toBe(false);
    expect(await store.runs.completeAttempt({ runId: running.id, attempt: 1, status: 'succeeded' }, T0 + 3)).toBe(false);
    expect((await store.runs.attempts(running.id))[0]).toMatchObject({ status: 'cancelled', finishedAt: T0 + 2 });
    expect(await store.runs.expireLeases(T0 + 10 * LEASE)).toEqual([]);

    const again = await store.runs.cancel('o1', running.id, 'twice', T0 + 4);
    expect(again).toMatchObject({ status: 'cancelled', reason: 'cancel_other', finishedAt: T0 + 2 });
    expect(await store.runs.cancel('o1', 'nope', 'x', T0)).toBeNull();
  });

  it('run events append in order and page by sequence', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    const e1 = await store.events.append({ runId: run.id, type: 'run.queued' }, T0);
    expect(e1).toEqual({ seq: expect.any(Number), runId: run.id, attempt: null, at: T0, type: 'run.queued', data: null });
    for (let i = 0; i < 4; i++) await store.events.append({ runId: run.id, attempt: 1, type: 'step', data: { i } }, T0 + i + 1);
    const all = await store.events.list(run.id);
    expect(all.map((e) => e.type)).toEqual(['run.queued', 'step', 'step', 'step', 'step']);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => a - b));
    const page = await store.events.list(run.id, { afterSeq: all[1]!.seq, limit: 2 });
    expect(page.map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }]);
    expect(await store.events.list('nope')).toEqual([]);
    await expect(store.events.append({ runId: 'nope', type: 'x' }, T0)).rejects.toThrow();
  });

  it('store.transaction commits or rolls back everything; nested transactions join', async () => {
    const store = await backend().open();
    await seed(store);
    const ids: string[] = [];
    await expect(
      store.transaction(async (tx) => {
        ids.push((await tx.runs.create(newRun(), T0)).id);
        await tx.transaction(async (inner) => {
          ids.push((await inner.runs.create(newRun(), T0)).id);
          // claim opens its own transaction internally: it joins this one
          expect(await inner.runs.claim({ workerId: 'w', limit: 5, leaseMs: LEASE }, T0)).toHaveLength(2);
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    for (const id of ids) expect(await store.runs.get('o1', id)).toBeNull();

    const made = await store.transaction(async (tx) => {
      const r = await tx.runs.create(newRun(), T0);
      await tx.events.append({ runId: r.id, type: 'x' }, T0);
      return r;
    });
    expect(await store.runs.get('o1', made.id)).toEqual(made);
    expect(await store.events.list(made.id)).toHaveLength(1);
  });

  it('statuses round-trip through every filter value', async () => {
    const store = await backend().open();
    await seed(store);
    const statuses = ['queued', 'skipped', 'missed'] as const satisfies readonly RunStatus[];
    for (const status of statuses) await store.runs.create(newRun({ status }), T0);
    for (const status of statuses) {
      expect((await store.runs.list({ orgId: 'o1', status: [status] })).runs.map((r) => r.status)).toEqual([status]);
    }
  });

  it('claim never starts more runs of a concurrency key than its limit, and does not let them starve others', async () => {
    const store = await backend().open();
    await seed(store);
    const keyed = (n: number, limit: number | null) =>
      store.runs.create(newRun({ nominalTime: T0 + n, availableAt: T0 + n, concurrencyKey: 's1', concurrencyLimit: limit }), T0);
    for (let i = 0; i < 5; i++) await keyed(i, 1);
    const other = await store.runs.create(newRun({ nominalTime: T0 + 100, availableAt: T0 + 100 }), T0);
    const first = await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: LEASE }, T0 + MIN);
    expect(first).toHaveLength(2);
    expect(first.map((c) => c.run.nominalTime)).toEqual([T0, T0 + 100]);
    expect(first[1]!.run.id).toBe(other.id);
    // The key is full while its run is running: nothing more of it starts.
    expect(await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: LEASE }, T0 + MIN)).toEqual([]);
    await store.runs.completeAttempt({ runId: first[0]!.run.id, attempt: 1, status: 'succeeded' }, T0 + MIN);
    const next = await store.runs.claim({ workerId: 'w', limit: 10, leaseMs: LEASE }, T0 + MIN);
    expect(next.map((c) => c.run.nominalTime)).toEqual([T0 + 1]);
  });

  it('two claimers on one concurrency key start one run between them', async () => {
    const a = await backend().open();
    const b = await backend().openPeer();
    await seed(a);
    for (let i = 0; i < 20; i++) {
      await a.runs.create(newRun({ nominalTime: T0 + i, availableAt: T0, concurrencyKey: 'k', concurrencyLimit: 1 }), T0);
    }
    const [x, y] = await Promise.all([
      a.runs.claim({ workerId: 'a', limit: 5, leaseMs: LEASE }, T0 + MIN),
      b.runs.claim({ workerId: 'b', limit: 5, leaseMs: LEASE }, T0 + MIN),
    ]);
    expect(x.length + y.length).toBe(1);
  });

  it('release gives the attempt back: the run is queued again without spending an attempt', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun({ maxAttempts: 1 }), T0);
    const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0);
    expect(await store.runs.release(run.id, claimed!.attempt.number, T0 + 5)).toBe(true);
    expect(await store.runs.release(run.id, claimed!.attempt.number, T0 + 5)).toBe(false);
    const again = (await store.runs.get('o1', run.id))!;
    expect(again).toMatchObject({ status: 'queued', attempts: 1, maxAttempts: 2, availableAt: T0 + 5 });
    expect((await store.runs.attempts(run.id)).map((a) => a.status)).toEqual(['lost']);
    const [second] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: LEASE }, T0 + 5);
    expect(second!.attempt.number).toBe(2);
  });
});
