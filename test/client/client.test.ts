/** The typed client against a real server listening on a random port (SQLite and PostgreSQL). */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { AgentcronClient, ApiError, type Run } from '../../src/client/index.js';
import { FakeClock } from '../../src/clock.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { Store } from '../../src/store/store.js';
import { describeContract } from '../store/backends.js';

const NOW = Date.parse('2026-03-07T12:00:00Z');
const DEFINITION = { request: { url: 'http://127.0.0.1:9/health' } };

describeContract('agentcron/client', (backend) => {
  let store: Store;
  let app: FastifyInstance;
  let client: AgentcronClient;
  let baseUrl: string;
  let viewerKey: string;

  beforeEach(async () => {
    store = await backend().open();
    await store.orgs.create({ id: 'acme', name: 'Acme' }, NOW);
    const admin = await createApiKey(store, { orgId: 'acme', name: 'admin', role: 'admin' }, NOW);
    viewerKey = (await createApiKey(store, { orgId: 'acme', name: 'viewer', role: 'viewer' }, NOW)).key;
    app = await buildApi({ store, clock: new FakeClock(NOW), runners: [new HttpRunner()], rateLimit: false, validateResponses: true });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new AgentcronClient({ baseUrl: `${baseUrl}/`, apiKey: admin.key });
    await client.call('createTemplate', { body: { id: 'check', kind: 'http', definition: DEFINITION } });
    await client.call('createSchedule', { body: { id: 'hourly', template: 'check', spec: { cron: '0 * * * *' } } });
  });
  afterEach(async () => {
    await app.close();
  });

  it('calls endpoints by name with typed params, bodies and results', async () => {
    const schedule = await client.getSchedule('hourly');
    expect(schedule).toMatchObject({ id: 'hourly', template: 'check', paused: false, nextRunAt: '2026-03-07T12:00:00.000Z' });
    const paused = await client.pauseSchedule('hourly', 'maintenance');
    expect(paused).toMatchObject({ paused: true, pauseNote: 'maintenance' });
    expect((await client.resumeSchedule('hourly')).paused).toBe(false);
    expect((await client.listSchedules()).map((s) => s.id)).toEqual(['hourly']);
    expect((await client.listTemplates()).map((t) => [t.id, t.version])).toEqual([['check', 1]]);
    const put = await client.call('putTemplate', { params: { id: 'check' }, body: { kind: 'http', definition: DEFINITION } });
    expect(put.created).toBe(false);
  });

  it('reads a schedule\'s stats over a window given as a duration or as instants', async () => {
    const week = await client.scheduleStats('hourly', { window: '7d' });
    expect(week).toMatchObject({ scheduleId: 'hourly', from: '2026-02-28T12:00:00.000Z', to: '2026-03-07T12:00:00.000Z', counts: {}, duration: null, projected: null });
    const ranged = await client.scheduleStats('hourly', { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', price: 1 });
    expect(ranged).toMatchObject({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z', pricePerAgentMinute: 1, dailyCost: [] });
    expect(await client.scheduleStats('hourly', { window: 'a week' }).catch((e: unknown) => e)).toMatchObject({ status: 400, fieldErrors: [expect.objectContaining({ path: 'query.window' })] });
  });

  it('surfaces problems as ApiError with the status and the path of each invalid field', async () => {
    const invalid = await client.call('createSchedule', { body: { id: 'bad', template: 'check', spec: { cron: '61 * * * *' } } }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ApiError);
    const error = invalid as ApiError;
    expect(error.status).toBe(400);
    expect(error.problem.type).toMatch(/validation/);
    expect(error.fieldErrors.map((e) => e.path)).toContain('body.spec.cron');
    expect(error.message).toContain('POST /v1/schedules: 400');

    const missing = (await client.getSchedule('nope').catch((e: unknown) => e)) as ApiError;
    expect(missing).toMatchObject({ status: 404, problem: { detail: 'schedule "nope" not found' } });

    const viewer = new AgentcronClient({ baseUrl, apiKey: viewerKey });
    expect(await viewer.pauseSchedule('hourly').catch((e: unknown) => e)).toMatchObject({ status: 403 });
    expect(await new AgentcronClient({ baseUrl }).listSchedules().catch((e: unknown) => e)).toMatchObject({ status: 401 });
  });

  it('sends the Idempotency-Key on trigger: the same key gives the same run', async () => {
    const first = await client.trigger('hourly', { idempotencyKey: 'deploy-1' });
    const again = await client.trigger('hourly', { idempotencyKey: 'deploy-1' });
    const other = await client.trigger('hourly', { idempotencyKey: 'deploy-2', overlap: 'allow' });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, run: { id: first.run.id } });
    expect(other.created).toBe(true);
    expect(other.run.id).not.toBe(first.run.id);
    expect((await client.getRun(first.run.id)).run.idempotencyKey).toBe('deploy-1');
  });

  it('iterates over every run page by page, newest first, without repeats', async () => {
    const backfilled = await client.backfill('hourly', { from: '2026-03-01T00:00:00Z', to: '2026-03-02T01:00:00Z' });
    expect(backfilled.runs).toHaveLength(25);
    const seen: Run[] = [];
    for await (const run of client.iterateRuns({ scheduleId: 'hourly', limit: 10 })) seen.push(run);
    expect(seen).toHaveLength(25);
    expect(new Set(seen.map((r) => r.id)).size).toBe(25);
    const nominal = seen.map((r) => r.nominalTime);
    expect(nominal).toEqual([...nominal].sort().reverse());
    const firstPage = await client.listRuns({ scheduleId: 'hourly', limit: 10 });
    expect(firstPage.runs).toHaveLength(10);
    expect(firstPage.nextCursor).not.toBeNull();
    // Filters go in the query string; status lists comma-separated.
    expect(await client.listRuns({ status: 'succeeded,failed' })).toEqual({ runs: [], nextCursor: null });
  });

  it('reads run events and cancels runs', async () => {
    const { run } = await client.trigger('hourly');
    await store.events.append({ runId: run.id, type: 'attempt.started', data: { n: 1 } }, NOW + 1);
    await store.events.append({ runId: run.id, type: 'attempt.failed', data: { n: 2 } }, NOW + 2);
    expect((await client.runEvents(run.id)).map((e) => e.type)).toEqual(['attempt.started', 'attempt.failed']);
    expect((await client.cancelRun(run.id, 'no longer needed')).status).toBe('cancelled');
    expect(await client.cancelRun(run.id).catch((e: unknown) => e)).toMatchObject({ status: 409 });
  });
});

it('refuses a base URL that is not http(s)', () => {
  expect(() => new AgentcronClient({ baseUrl: '127.0.0.1:8080' })).toThrow(/baseUrl/);
});

it('turns a non-JSON error response into a problem with the status', async () => {
  const client = new AgentcronClient({ baseUrl: 'http://agentcron.invalid', fetch: async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }) });
  const error = (await client.listSchedules().catch((e: unknown) => e)) as ApiError;
  expect(error).toBeInstanceOf(ApiError);
  expect(error.problem).toEqual({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'bad gateway' });
});
