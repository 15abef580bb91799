import { beforeAll, afterAll, expect, it } from 'vitest';
import { apiHarness } from '../api/harness.js';
import { FakeClock } from '../../src/clock.js';
import { createDeliveryPipeline } from '../../src/delivery/pipeline.js';
import { Engine } from '../../src/engine/engine.js';
import { BrowserPool } from '../../src/runtime/browser-pool.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { EnvSecretSource } from '../../src/runtime/secrets.js';
import { StepsRunner } from '../../src/runtime/steps-runner.js';
import type { Store } from '../../src/store/store.js';
import type { Json } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { startTracing, tracesEndpoint } from '../../src/telemetry/tracing.js';
import { destinationConfig } from '../delivery/pipeline-harness.js';
import { secret } from '../delivery/fixtures.js';
import { MIN, SEC, T0, useTarget } from '../engine/harness.js';
import { capturingLogger, describeBrowser, PageServer } from '../runtime/browser-harness.js';
import { describeContract } from '../store/backends.js';
import { receivedSpans, useTracing, type OtlpSpan } from './otlp.js';

const ORG = 'default';

it('the OTLP endpoint: --otlp wins, then the traces variable as is, then the generic one with /v1/traces; none means off', () => {
  expect(tracesEndpoint({ otlpUrl: 'http://collector:4318/', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' } })).toBe('http://collector:4318/v1/traces');
  expect(tracesEndpoint({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' } })).toBe('http://c:4318/custom');
  expect(tracesEndpoint({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' } })).toBe('http://c:4318/v1/traces');
  expect(tracesEndpoint({ env: {} })).toBeNull();
});

it('a configured endpoint that is not an http(s) URL is refused by name', async () => {
  await expect(startTracing({ otlpUrl: 'collector:4318', env: {} })).rejects.toThrow(/OTLP traces endpoint must be an http\(s\) URL, got "collector:4318\/v1\/traces"/);
});

/**
 * Spans exported over OTLP/HTTP (JSON) to a local receiver by a real engine, relay and Chromium:
 * tick → schedule fire → run → attempt → steps, and the run's delivery under the run.
 */
describeBrowser('tracing', () => {
  const site = new PageServer();
  let pool: BrowserPool;
  beforeAll(async () => {
    await site.start();
    pool = new BrowserPool({ logger: capturingLogger().log, clock: new FakeClock(T0), browsers: 1 });
  });
  afterAll(async () => {
    await pool.close();
    await site.stop();
  });

  describeContract('spans', (backend) => {
    const traced = useTracing();

    async function seed(store: Store) {
      await store.orgs.create({ id: ORG, name: ORG }, T0);
      const steps = (check: string): Json => ({ steps: [{ goto: '{{ params.base }}/shop' }, { assert: { text: check, selector: '#title' }, timeout: '1s' }] });
      await store.templates.put({ orgId: ORG, templateId: 'shop-ok', kind: 'steps', definition: steps('page /shop') }, T0);
      await store.templates.put({ orgId: ORG, templateId: 'shop-broken', kind: 'steps', definition: steps('sold out') }, T0);
      const policies = { retry: { maxAttempts: 1 }, destinations: ['hook'], emit: 'always' as const };
      for (const [id, templateId] of [['watch', 'shop-ok'], ['broken', 'shop-broken']] as const) {
        await store.schedules.create({ id, orgId: ORG, templateId, params: { base: site.url }, spec: { every: '10s' }, policies, nextNominalTime: T0 + 10 * SEC }, T0);
      }
    }

    it('tick → fire → run → attempt → step and run → delivery, with attributes, errors and trace ids in logs', async () => {
      const otlp = await traced.receiver();
      const hook = await traced.receiver();
      const tracing = await traced.start(otlp);
      const store = await backend().open();
      await seed(store);
      const clock = new FakeClock(T0);
      const { log, lines } = capturingLogger();
      const pipeline = createDeliveryPipeline({ store, clock, logger: log, destinations: [destinationConfig({ id: 'hook', type: 'webhook', url: hook.url, secret: secret(3) })] });
      const runner = new StepsRunner({ pool: () => pool, store, clock, secrets: new EnvSecretSource() });
      const engine = new Engine({ store, clock, logger: log, runners: [runner], pollMs: 3_600_000, workerId: 'n1', onRunFinished: pipeline.listener });

      await clock.advanceTo(T0 + 10 * SEC);
      await engine.scheduler.tick();
      await engine.worker.poll();
      await engine.worker.idle();
      while ((await pipeline.relay.pump()) > 0) await pipeline.relay.idle();
      // A run created outside a tick (as the API does) starts a trace of its own.
      const manual = await store.runs.create({ orgId: ORG, templateId: 'shop-ok', templateVersion: 1, params: { base: site.url }, nominalTime: clock.now(), trigger: 'manual' }, clock.now());
      await engine.worker.poll();
      await engine.worker.idle();
      await tracing.flush();

      const spans = receivedSpans(otlp);
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const parentOf = (span: OtlpSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
      const named = (name: string) => spans.filter((s) => s.name === name);
      expect(spans.every((s) => s.resource['service.name'] === 'agentcron')).toBe(true);

      const [tick] = named('agentcron.tick');
      expect(named('agentcron.tick')).toHaveLength(1);
      expect(tick!.parentSpanId ?? '').toBe('');
      expect(tick!.attributes).toMatchObject({ 'tick.schedules': 2, 'tick.queued': 2 });
      const fires = named('agentcron.schedule.fire');
      expect(fires.map((f) => f.attributes['schedule.id']).sort()).toEqual(['broken', 'watch']);
      expect(fires.every((f) => parentOf(f) === tick)).toBe(true);

      const runs = await store.runs.list({ orgId: ORG });
      for (const scheduleId of ['watch', 'broken']) {
        const run = runs.runs.find((r) => r.scheduleId === scheduleId)!;
        const runSpan = named('agentcron.run').find((s) => s.attributes['run.id'] === run.id)!;
        expect(parentOf(runSpan)?.attributes['schedule.id']).toBe(scheduleId);
        expect(runSpan.attributes).toMatchObject({ 'schedule.id': scheduleId, 'org.id': ORG, 'run.nominal_time': new Date(T0 + 10 * SEC).toISOString(), status: 'queued' });

        const attempt = named('agentcron.attempt').find((s) => s.attributes['run.id'] === run.id)!;
        expect(parentOf(attempt)).toBe(runSpan);
        expect(attempt.traceId).toBe(tick!.traceId);
        expect(attempt.attributes).toMatchObject({ 'schedule.id': scheduleId, 'org.id': ORG, attempt: 1, 'template.id': run.templateId, status: run.status });

        const steps = spans.filter((s) => parentOf(s) === attempt);
        expect(steps.map((s) => [s.name, s.attributes['step.path']])).toEqual([
          ['agentcron.step goto', 'steps[0]'],
          ['agentcron.step assert', 'steps[1]'],
        ]);

        const [delivery] = await store.deliveries.list({ orgId: ORG, runId: run.id });
        const deliverySpan = named('agentcron.delivery').find((s) => s.attributes['run.id'] === run.id)!;
        expect(parentOf(deliverySpan)).toBe(runSpan);
        expect(deliverySpan.attributes).toMatchObject({ 'delivery.id': delivery!.id, 'destination.type': 'webhook', status: 'delivered', 'http.response.status_code': 200 });

        // Every line logged inside the attempt carries its trace id.
        const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.runId === run.id);
        expect(logged.map((l) => l.msg)).toContain('attempt started');
        expect(logged.every((l) => l.trace_id === attempt.traceId)).toBe(true);
        expect(logged.find((l) => l.msg === 'attempt started')?.span_id).toBe(attempt.spanId);
        expect(logged.filter((l) => l.msg === 'step').map((l) => l.span_id)).toEqual(steps.filter((s) => s.status.code !== 2).map((s) => s.spanId));
      }
      expect(runs.runs.find((r) => r.scheduleId === 'watch')?.status).toBe('succeeded');

      // The failure is recorded on the failing step and on the attempt (status ERROR, an exception event).
      const failed = named('agentcron.attempt').find((s) => s.attributes['schedule.id'] === 'broken')!;
      expect(failed.attributes.status).toBe('failed');
      expect(failed.status.code).toBe(2);
      expect(failed.events.map((e) => e.name)).toContain('exception');
      const failedStep = spans.find((s) => parentOf(s) === failed && s.name === 'agentcron.step assert')!;
      const brokenRun = runs.runs.find((r) => r.scheduleId === 'broken')!;
      expect(brokenRun.status).toBe('failed');
      expect(failedStep.status).toEqual({ code: 2, message: (brokenRun.error as { message: string }).message });

      const manualAttempt = named('agentcron.attempt').find((s) => s.attributes['run.id'] === manual.id)!;
      expect(manualAttempt.parentSpanId ?? '').toBe('');
      expect(manualAttempt.attributes).toMatchObject({ 'run.trigger': 'manual', status: 'succeeded' });
    });
  });
});

/**
 * API requests over a real store, engine and relay: the request's span joins the caller's trace
 * (W3C traceparent) and the runs it creates continue it through their attempts and deliveries.
 */
describeContract('API request spans', (backend) => {
  const web = useTarget();
  const traced = useTracing();

  it('trigger with a traceparent: http span under the caller\'s, then run → attempt → delivery in that trace; backfill runs too; a 4xx is not an error', async () => {
    const otlp = await traced.receiver();
    const hook = await traced.receiver();
    web.target.handler = (_req, res) => res.end('ok');
    const tracing = await traced.start(otlp);
    const h = await apiHarness(backend());
    const logger = silentLogger();
    const pipeline = createDeliveryPipeline({ store: h.store, clock: h.clock, logger, destinations: [destinationConfig({ id: 'hook', type: 'webhook', url: hook.url, secret: secret(5) })] });
    const engine = new Engine({ store: h.store, clock: h.clock, logger, runners: [new HttpRunner()], pollMs: 3_600_000, workerId: 'n1', onRunFinished: pipeline.listener });
    await h.store.templates.put({ orgId: 'acme', templateId: 'ping', kind: 'http', definition: { request: { url: web.url } } }, h.clock.now());
    const policies = { retry: { maxAttempts: 1 }, destinations: ['hook'], emit: 'always' as const };
    await h.store.schedules.create({ id: 'ping', orgId: 'acme', templateId: 'ping', params: {}, spec: { every: '10m' }, policies, nextNominalTime: h.clock.now() + 10 * MIN }, h.clock.now());
    const runAll = async () => {
      while ((await engine.worker.poll()) > 0) await engine.worker.idle();
      while ((await pipeline.relay.pump()) > 0) await pipeline.relay.idle();
    };

    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpan = '00f067aa0ba902b7';
    // Over a real socket (the other calls are injected): the run must still see the request's span.
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as { port: number };
    const triggered = await fetch(`http://127.0.0.1:${port}/v1/schedules/ping/trigger`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.keys.operator}`, 'content-type': 'application/json', traceparent: `00-${callerTrace}-${callerSpan}-01` },
      body: '{}',
    });
    expect(triggered.status).toBe(201);
    const runId = ((await triggered.json()) as { run: { id: string } }).run.id;
    const backfilled = await h.call(h.keys.operator, 'POST', '/v1/schedules/ping/backfill', { from: new Date(h.clock.now() - 20 * MIN).toISOString(), to: new Date(h.clock.now()).toISOString() });
    expect(backfilled.statusCode).toBe(201);
    const backfillRunIds = (backfilled.json() as { runs: Array<{ id: string }> }).runs.map((r) => r.id);
    expect(backfillRunIds).toHaveLength(2);
    expect((await h.call(h.keys.operator, 'POST', '/v1/schedules/nope/trigger', {})).statusCode).toBe(404);
    expect((await h.call(null, 'GET', '/healthz')).statusCode).toBe(200);
    await runAll();
    await runAll();
    await tracing.flush();
    await h.app.close();

    const spans = receivedSpans(otlp);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: OtlpSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const httpSpans = spans.filter((s) => s.name.startsWith('agentcron.http '));
    // Probes are not traced; every other request is, by its route pattern.
    expect(httpSpans.map((s) => s.name)).toEqual([
      'agentcron.http POST /v1/schedules/:id/trigger',
      'agentcron.http POST /v1/schedules/:id/backfill',
      'agentcron.http POST /v1/schedules/:id/trigger',
    ]);
    const [trigger, backfill, notFound] = httpSpans;

    expect(trigger!.traceId).toBe(callerTrace);
    expect(trigger!.parentSpanId).toBe(callerSpan);
    expect(trigger!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/schedules/:id/trigger', 'http.response.status_code': 201, 'url.path': '/v1/schedules/ping/trigger' });
    const runSpan = spans.find((s) => s.name === 'agentcron.run' && s.attributes['run.id'] === runId)!;
    expect(parentOf(runSpan)).toBe(trigger);
    expect(runSpan.attributes).toMatchObject({ 'run.trigger': 'api', 'schedule.id': 'ping', status: 'queued' });
    const attempt = spans.find((s) => s.name === 'agentcron.attempt' && s.attributes['run.id'] === runId)!;
    expect(parentOf(attempt)).toBe(runSpan);
    expect(attempt.attributes.status).toBe('succeeded');
    const delivery = spans.find((s) => s.name === 'agentcron.delivery' && s.attributes['run.id'] === runId)!;
    expect(parentOf(delivery)).toBe(runSpan);
    expect(delivery.traceId).toBe(callerTrace);
    expect(delivery.attributes.status).toBe('delivered');

    // Without a traceparent the request starts a trace, and each backfilled run continues it.
    expect(backfill!.parentSpanId ?? '').toBe('');
    expect(backfill!.traceId).not.toBe(callerTrace);
    for (const id of backfillRunIds) {
      const backfillRun = spans.find((s) => s.name === 'agentcron.run' && s.attributes['run.id'] === id)!;
      expect(parentOf(backfillRun)).toBe(backfill);
      const backfillAttempt = spans.find((s) => s.name === 'agentcron.attempt' && s.attributes['run.id'] === id)!;
      expect(parentOf(backfillAttempt)).toBe(backfillRun);
    }

    // A 404 is the caller's mistake: recorded with its status code, not as a server error.
    expect(notFound!.attributes['http.response.status_code']).toBe(404);
    expect(notFound!.status.code ?? 0).toBe(0);
  });

  it('a request that fails on the server is an error span with its exception', async () => {
    const otlp = await traced.receiver();
    const tracing = await traced.start(otlp);
    const h = await apiHarness(backend());
    await h.store.close();
    expect((await h.call(h.keys.admin, 'GET', '/v1/schedules')).statusCode).toBe(500);
    await tracing.flush();
    await h.app.close();
    const [span] = receivedSpans(otlp).filter((s) => s.name === 'agentcron.http GET /v1/schedules');
    expect(span!.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    expect(span!.status.code).toBe(2);
    expect(span!.events.map((e) => e.name)).toContain('exception');
  });
});
