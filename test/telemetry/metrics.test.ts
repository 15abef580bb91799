import type { FastifyInstance } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { Engine } from '../../src/engine/engine.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { createPriceSchedule, destinationConfig, ORG, seedPriceCheck } from '../delivery/pipeline-harness.js';
import { secret } from '../delivery/fixtures.js';
import { useReceiver } from '../delivery/receiver.js';
import { SEC, T0, useTarget } from '../engine/harness.js';
import { describeContract } from '../store/backends.js';
import { parsePrometheus } from './prometheus.js';

/**
 * /metrics of a real API over a real engine, relay and webhook receiver, on a fake clock: runs
 * driven through the scheduler and worker show up in the counters, histograms and gauges.
 */
describeContract('metrics', (backend) => {
  const web = useTarget();
  const hook = useReceiver(T0);
  let api: FastifyInstance | null = null;
  afterEach(async () => {
    await api?.close();
    api = null;
  });

  async function node(store: Store) {
    const { clock } = hook;
    const logger = silentLogger();
    const metrics = new Metrics({ store, clock, pool: () => ({ browsers: 1, live: 3, warm: 1, rssBytes: 123_456_789 }) });
    const pipeline = createDeliveryPipeline({
      store,
      clock,
      logger,
      destinations: [destinationConfig({ id: 'hook', type: 'webhook', url: hook.receiver.url, secret: secret(7) })],
      random: () => 0.5,
      metrics,
    });
    const engine = new Engine({ store, clock, logger, runners: [new HttpRunner()], pollMs: 3_600_000, workerId: 'n1', onRunFinished: pipeline.listener, metrics });
    api = await buildApi({ store, clock, runners: [new HttpRunner()], rateLimit: false, metrics });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address() as { port: number };
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await response.text());
    };
    const runDue = async () => {
      await engine.worker.poll();
      await engine.worker.idle();
      while ((await pipeline.relay.pump()) > 0) await pipeline.relay.idle();
    };
    const post = (path: string, key: string, body: object = {}) =>
      fetch(`http://127.0.0.1:${address.port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const cancel = (runId: string, key: string) => post(`/v1/runs/${runId}/cancel`, key);
    return { clock, engine, scrape, runDue, post, cancel };
  }

  it('counts runs, attempts, lateness, deliveries and ticks, and reads queue depth and open incidents from the store', async () => {
    web.target.handler = (req, res) => {
      res.statusCode = req.url === '/broken' ? 500 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ price: 42 }));
    };
    // The first event is delivered, the second answered 503 and retried later.
    let posts = 0;
    hook.receiver.answer = () => (++posts === 2 ? { status: 503 } : { status: 200 });
    const store = await backend().open();
    await seedPriceCheck(store, T0);
    const policies = { retry: { maxAttempts: 1 }, destinations: ['hook'], emit: 'always' as const, alerts: { failureThreshold: 1 } };
    await createPriceSchedule(store, 'ok', `${web.url}/ok`, T0 + 10 * SEC, policies, '10s');
    await createPriceSchedule(store, 'broken', `${web.url}/broken`, T0 + 10 * SEC, policies, '10s');
    const { clock, engine, scrape, runDue } = await node(store);

    let m = await scrape();
    expect(m.value('agentcron_runs_queued')).toBe(0);
    expect(m.value('agentcron_scheduler_ticks_total')).toBe(0);
    expect(m.types.get('agentcron_runs_finished_total')).toBe('counter');
    expect(m.types.get('agentcron_run_duration_seconds')).toBe('histogram');
    expect(m.value('agentcron_process_resident_memory_bytes')).toBeGreaterThan(0); // Node default metrics, prefixed

    await clock.advanceTo(T0 + 10 * SEC);
    await engine.scheduler.tick();
    m = await scrape();
    expect(m.value('agentcron_runs_queued')).toBe(2);
    expect(m.value('agentcron_runs_active')).toBe(0);
    expect(m.value('agentcron_scheduler_ticks_total')).toBe(1);
    expect(m.value('agentcron_scheduler_tick_duration_seconds_count')).toBe(1);

    // The worker starts both 0.3 s after their nominal time; the receiver takes 2 s to be reached.
    await clock.advanceTo(T0 + 10 * SEC + 300);
    await engine.worker.poll();
    await engine.worker.idle();
    await clock.advanceTo(T0 + 12 * SEC + 300);
    await runDue();
    m = await scrape();
    expect(m.value('agentcron_runs_queued')).toBe(0);
    expect(m.value('agentcron_runs_finished_total', { status: 'succeeded', trigger: 'schedule' })).toBe(1);
    expect(m.value('agentcron_runs_finished_total', { status: 'failed', trigger: 'schedule' })).toBe(1);
    expect(m.value('agentcron_attempts_total', { outcome: 'succeeded' })).toBe(1);
    expect(m.value('agentcron_attempts_total', { outcome: 'failed' })).toBe(1);
    expect(m.value('agentcron_run_duration_seconds_count', { status: 'failed' })).toBe(1);
    expect(m.value('agentcron_run_start_lateness_seconds_count')).toBe(2);
    expect(m.value('agentcron_run_start_lateness_seconds_sum')).toBeCloseTo(0.6);
    expect(m.value('agentcron_run_start_lateness_seconds_bucket', { le: '0.25' })).toBe(0);
    expect(m.value('agentcron_run_start_lateness_seconds_bucket', { le: '0.5' })).toBe(2);
    expect(m.value('agentcron_run_start_lateness_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(m.value('agentcron_deliveries_total', { outcome: 'delivered', destination_type: 'webhook' })).toBe(1);
    expect(m.value('agentcron_deliveries_total', { outcome: 'retry', destination_type: 'webhook' })).toBe(1);
    expect(m.value('agentcron_delivery_latency_seconds_bucket', { destination_type: 'webhook', le: '1' })).toBe(0);
    expect(m.value('agentcron_delivery_latency_seconds_bucket', { destination_type: 'webhook', le: '2.5' })).toBe(1);
    expect(m.value('agentcron_incidents_open')).toBe(1);
    // The pool's numbers as given: 3 contexts, one of them warm.
    expect(m.value('agentcron_browser_sessions')).toBe(2);
    expect(m.value('agentcron_browser_rss_bytes')).toBe(123_456_789);

    // Next occurrence: a node that dies after claiming `ok` leaves it running, `broken` stays
    // queued, and the occurrence after that is skipped for both (overlap policy skip).
    await clock.advanceTo(T0 + 20 * SEC);
    await engine.scheduler.tick();
    await store.runs.claim({ workerId: 'dead-node', limit: 1, leaseMs: 60 * SEC, scheduleIds: ['ok'] }, clock.now());
    m = await scrape();
    expect(m.value('agentcron_runs_queued')).toBe(1);
    expect(m.value('agentcron_runs_active')).toBe(1);
    await clock.advanceTo(T0 + 30 * SEC);
    await engine.scheduler.tick();
    await engine.monitor.tick();
    m = await scrape();
    expect(m.value('agentcron_runs_finished_total', { status: 'skipped', trigger: 'schedule' })).toBe(2);
    expect(m.value('agentcron_scheduler_ticks_total')).toBe(3);
    expect((await store.runs.list({ orgId: ORG, scheduleId: 'ok' })).runs.map((r) => r.status).sort()).toEqual(['running', 'skipped', 'succeeded']);
    expect(m.find('agentcron_runs_finished_total', { status: 'missed' })).toEqual([]);

    // `broken`'s queued run never starts: a minute (the missed grace) after the monitor began, it is missed.
    await clock.advanceTo(T0 + 91 * SEC);
    await engine.monitor.tick();
    m = await scrape();
    expect(m.value('agentcron_runs_finished_total', { status: 'missed', trigger: 'schedule' })).toBe(1);
    expect(m.value('agentcron_runs_queued')).toBe(0);
  });

  it('runs cancelled over the API count once as cancelled, queued or running; the worker that loses the cancelled attempt adds nothing', async () => {
    const held: ServerResponse[] = [];
    web.target.handler = (_req, res) => held.push(res);
    const store = await backend().open();
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'slow', `${web.url}/slow`, T0 + 10 * SEC, { retry: { maxAttempts: 1 } }, '10s');
    await createPriceSchedule(store, 'later', `${web.url}/later`, T0 + 20 * SEC, { retry: { maxAttempts: 1 } }, '10s');
    const { key } = await createApiKey(store, { orgId: ORG, name: 'ops', role: 'operator' }, T0);
    const { clock, engine, scrape, cancel } = await node(store);

    // `slow` starts and hangs on its target; `later` is queued and never claimed.
    await clock.advanceTo(T0 + 10 * SEC);
    await engine.scheduler.tick();
    await engine.worker.poll();
    await clock.advanceTo(T0 + 20 * SEC);
    await engine.scheduler.tick();
    const running = (await store.runs.list({ orgId: ORG, scheduleId: 'slow', status: ['running'] })).runs[0]!;
    const queued = (await store.runs.list({ orgId: ORG, scheduleId: 'later' })).runs[0]!;
    expect(queued.status).toBe('queued');

    await clock.advanceTo(T0 + 25 * SEC);
    expect((await cancel(running.id, key)).status).toBe(200);
    expect((await cancel(queued.id, key)).status).toBe(200);
    // Already finished: 409, and not counted again.
    expect((await cancel(queued.id, key)).status).toBe(409);
    let m = await scrape();
    expect(m.value('agentcron_runs_finished_total', { status: 'cancelled', trigger: 'schedule' })).toBe(2);
    // Only the run that had started has a duration: 15 s from its start to the cancel.
    expect(m.value('agentcron_run_duration_seconds_count', { status: 'cancelled' })).toBe(1);
    expect(m.value('agentcron_run_duration_seconds_sum', { status: 'cancelled' })).toBe(15);

    // The worker's next heartbeat finds its attempt fenced out and stops it: no second count.
    await clock.advanceTo(T0 + 60 * SEC);
    await engine.worker.idle();
    for (const res of held.splice(0)) res.end('{}');
    m = await scrape();
    expect(m.value('agentcron_attempts_total', { outcome: 'lease_lost' })).toBe(1);
    expect(m.value('agentcron_runs_finished_total', { status: 'cancelled', trigger: 'schedule' })).toBe(2);
    expect((await store.runs.get(ORG, running.id))!.status).toBe('cancelled');
  });

  it('runs superseded by overlap policy cancel_other count as cancelled, by the scheduler and by an API trigger', async () => {
    const store = await backend().open();
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'latest', `${web.url}/latest`, T0 + 10 * SEC, { overlap: 'cancel_other' }, '10s');
    const { key } = await createApiKey(store, { orgId: ORG, name: 'ops', role: 'operator' }, T0);
    const { clock, engine, scrape, post } = await node(store);

    // Nothing claims the runs: each occurrence cancels the queued one before it.
    await clock.advanceTo(T0 + 10 * SEC);
    await engine.scheduler.tick();
    await clock.advanceTo(T0 + 20 * SEC);
    await engine.scheduler.tick();
    let m = await scrape();
    expect(m.value('agentcron_runs_finished_total', { status: 'cancelled', trigger: 'schedule' })).toBe(1);

    expect((await post('/v1/schedules/latest/trigger', key)).status).toBe(201);
    m = await scrape();
    expect(m.value('agentcron_runs_finished_total', { status: 'cancelled', trigger: 'schedule' })).toBe(2);
    expect((await store.runs.list({ orgId: ORG, scheduleId: 'latest' })).runs.map((r) => `${r.trigger}:${r.status}`).sort()).toEqual(['api:queued', 'schedule:cancelled', 'schedule:cancelled']);
  });

  it('the API has no /metrics unless given a registry, and /metrics needs no API key', async () => {
    const store = await backend().open();
    const { clock } = hook;
    const bare = await buildApi({ store, clock, runners: [new HttpRunner()], rateLimit: false });
    expect((await bare.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    await bare.close();
    const withMetrics = await buildApi({ store, clock, runners: [new HttpRunner()], rateLimit: false, metrics: new Metrics({ store, clock, defaultMetrics: false }) });
    const res = await withMetrics.inject({ method: 'GET', url: '/metrics' });
    await withMetrics.close();
    expect(res.statusCode).toBe(200);
    const m = parsePrometheus(res.body);
    // No pool yet (LazyBrowserPool before the first browser template): zeros, not errors.
    expect(m.value('agentcron_browsers')).toBe(0);
    expect(m.find('agentcron_process_resident_memory_bytes')).toEqual([]);
  });
});
