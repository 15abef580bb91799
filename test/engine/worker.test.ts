import { expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { describeContract } from '../store/backends.js';
import { allRuns, engineFor, schedule, SEC, seedHttp, T0, until, useTarget } from './harness.js';

describeContract('worker', (backend) => {
  const local = useTarget();

  it('runs an http check and stores its extracted output', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store, { request: { url: '{{ params.url }}/price' }, extract: { price: { json: 'price' } } });
    await store.schedules.create(schedule('s1', { params: { url } }), T0);
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    expect(await worker.poll()).toBe(1);
    await worker.idle();
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1, output: { status: 200, price: 42 } });
    expect(target.requests.map((r) => r.url)).toEqual(['/price']);
  });

  it('retries a transient failure with backoff, each attempt recorded, until it succeeds', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(
      schedule('s1', { params: { url }, policies: { retry: { maxAttempts: 4, initialInterval: '10s', backoffCoefficient: 2 } } }),
      T0,
    );
    target.script([503, 502]);
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await worker.poll();
    await worker.idle();
    let [run] = await allRuns(store, 's1');
    // Full jitter with random 0.5: half of 10 s after attempt 1.
    expect(run).toMatchObject({ status: 'queued', attempts: 1, availableAt: clock.now() + 5 * SEC });
    expect(await worker.poll()).toBe(0); // not yet due
    await clock.advance(5 * SEC);
    await worker.poll();
    await worker.idle();
    [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'queued', attempts: 2, availableAt: clock.now() + 10 * SEC });
    await clock.advance(10 * SEC);
    await worker.poll();
    await worker.idle();
    [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'succeeded', attempts: 3 });
    const attempts = await store.runs.attempts(run!.id);
    expect(attempts.map((a) => a.status)).toEqual(['failed', 'failed', 'succeeded']);
    expect(attempts[0]!.error).toMatchObject({ kind: 'http.status', retryable: true });
  });

  it('does not retry a failed assertion', async () => {
    const { url } = local;
    const store = await backend().open();
    await seedHttp(store, { request: { url: '{{ params.url }}' }, assert: { json: { price: 41 } } });
    await store.schedules.create(schedule('s1', { params: { url }, policies: { retry: { maxAttempts: 5 } } }), T0);
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await worker.poll();
    await worker.idle();
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'assertion', retryable: false } });
    expect((run!.error as { message: string }).message).toContain('price');
  });

  it('gives up after maxAttempts and records the last error', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { params: { url }, policies: { retry: { maxAttempts: 2, initialInterval: '1s' } } }), T0);
    target.script([500, 500, 500]);
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    for (let i = 0; i < 3; i++) {
      await worker.poll();
      await worker.idle();
      await clock.advance(SEC);
    }
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'failed', attempts: 2, error: { kind: 'http.status' } });
  });

  it('a run past its deadline is killed and recorded timed_out', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store, { request: { url: '{{ params.url }}', timeout: '1h' } });
    await store.schedules.create(schedule('s1', { params: { url }, policies: { timeout: '30s', retry: { maxAttempts: 3 } } }), T0);
    target.handler = () => {}; // never answers
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await worker.poll();
    await until(() => target.requests.length === 1);
    await clock.advance(30 * SEC);
    await worker.idle();
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'timed_out', attempts: 1, error: { kind: 'timeout' } });
  });

  it('an attempt whose worker died loses its lease and the run is retried by another worker', async () => {
    const { url } = local;
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { params: { url }, policies: { retry: { maxAttempts: 2 } } }), T0);
    const clock = new FakeClock(T0);
    const { scheduler } = engineFor(store, clock);
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    // A worker that claims and then vanishes (no heartbeat, no result).
    const [ghost] = await store.runs.claim({ workerId: 'ghost', limit: 1, leaseMs: 30 * SEC }, clock.now());
    const survivor = engineFor(store, clock, { workerId: 'w2' }).worker;
    await clock.advance(31 * SEC);
    await survivor.poll();
    await survivor.idle();
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    const attempts = await store.runs.attempts(run!.id);
    expect(attempts.map((a) => [a.status, a.workerId])).toEqual([['lost', 'ghost'], ['succeeded', 'w2']]);
    // The ghost comes back: its result is fenced out.
    expect(await store.runs.completeAttempt({ runId: run!.id, attempt: ghost!.attempt.number, status: 'failed' }, clock.now())).toBe(false);
    expect((await allRuns(store, 's1'))[0]!.status).toBe('succeeded');
  });

  it('heartbeats keep a long attempt alive past its first lease', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store, { request: { url: '{{ params.url }}', timeout: '1h' } });
    await store.schedules.create(schedule('s1', { params: { url }, policies: { timeout: '10m' } }), T0);
    let release: () => void = () => {};
    target.handler = (_req, res) => {
      release = () => res.end('{}');
    };
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0), { leaseMs: 30 * SEC });
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await worker.poll();
    await until(() => target.requests.length === 1);
    for (let i = 0; i < 12; i++) {
      // 2 minutes in 10 s steps (four leases), each once the heartbeat loop is parked again.
      await until(() => clock.pendingSleeps === 2);
      await clock.advance(10 * SEC);
    }
    expect(await store.runs.expireLeases(clock.now())).toEqual([]);
    release();
    await worker.idle();
    expect((await allRuns(store, 's1'))[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('respects the worker slot limit', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store);
    for (let i = 0; i < 5; i++) await store.schedules.create(schedule(`s${i}`, { params: { url } }), T0);
    const held: Array<() => void> = [];
    target.handler = (_req, res) => held.push(() => res.end('{}'));
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0), { slots: 2 });
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    expect(await worker.poll()).toBe(2);
    expect(await worker.poll()).toBe(0);
    await until(() => held.length === 2);
    target.script([]);
    held.forEach((answer) => answer());
    await worker.idle();
    expect(await worker.poll()).toBe(2);
    await worker.idle();
    expect(await worker.poll()).toBe(1);
    await worker.idle();
    expect((await allRuns(store)).every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('graceful shutdown releases an attempt that outlives the grace period, without spending an attempt', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store, { request: { url: '{{ params.url }}', timeout: '1h' } });
    await store.schedules.create(schedule('s1', { params: { url }, policies: { timeout: '1h', retry: { maxAttempts: 1 } } }), T0);
    target.handler = () => {}; // never answers
    const { scheduler, worker, clock } = engineFor(store, new FakeClock(T0));
    await clock.advanceTo(T0 + 10 * SEC);
    await scheduler.tick();
    await worker.poll();
    await until(() => target.requests.length === 1);
    const stopping = worker.shutdown(5 * SEC);
    await clock.advance(5 * SEC);
    await stopping;
    const [run] = await allRuns(store, 's1');
    expect(run).toMatchObject({ status: 'queued', attempts: 1, maxAttempts: 2 });
    expect(await worker.poll()).toBe(0); // a stopped worker claims nothing
  });
});
