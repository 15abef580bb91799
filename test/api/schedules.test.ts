import { afterEach, expect, it } from 'vitest';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

const MIN = 60_000;

describeContract('api schedules', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('creates with defaults stored explicitly, reads, lists, updates and deletes', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const s = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1')).json();
    expect(s).toMatchObject({
      id: 's1',
      template: 't1',
      templateVersion: null,
      params: {},
      spec: { every: '10m', timezone: 'UTC', dstGap: 'shift', dstOverlap: 'once' },
      nextRunAt: '2026-01-01T00:00:00.000Z',
      paused: false,
      revision: 1,
    });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules')).json().schedules.map((x: { id: string }) => x.id)).toEqual(['s1']);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules?paused=true')).json().schedules).toEqual([]);

    await h.clock.advance(3 * MIN);
    const updated = await h.call(h.keys.admin, 'PATCH', '/v1/schedules/s1', { spec: { cron: '0 * * * *' }, params: { sku: 'A1' }, revision: 1 });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ spec: { cron: '0 * * * *' }, params: { sku: 'A1' }, nextRunAt: '2026-01-01T01:00:00.000Z' });
    const stale = await h.call(h.keys.admin, 'PATCH', '/v1/schedules/s1', { params: {}, revision: 1 });
    expect(stale.statusCode).toBe(409);

    const dup = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's1', template: 't1', spec: { every: '1h' } });
    expect(dup.statusCode).toBe(409);
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/schedules/s1')).statusCode).toBe(204);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1')).statusCode).toBe(404);
  });

  it('names each invalid field: shape, spec semantics, template reference', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const shape = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's2', template: 't1', spec: { every: 'soon' }, policies: { retry: { maxAttempts: 0 } } });
    expect(shape.statusCode).toBe(400);
    expect(problemOf(shape).errors?.map((e) => e.path).sort()).toEqual(['body.policies.retry.maxAttempts', 'body.spec.every']);

    const cron = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's2', template: 't1', spec: { cron: '61 * * * *' } });
    expect(cron.statusCode).toBe(400);
    expect(problemOf(cron).errors).toEqual([expect.objectContaining({ path: 'body.spec.cron', message: expect.stringMatching(/minute/) })]);
    const zone = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's2', template: 't1', spec: { every: '1h', timezone: 'Mars/Olympus' } });
    expect(problemOf(zone).errors?.[0]?.path).toBe('body.spec.timezone');

    const noTemplate = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's2', template: 'ghost', spec: { every: '1h' } });
    expect(problemOf(noTemplate).errors).toEqual([{ path: 'body.template', message: 'no template with id "ghost"' }]);
    const noVersion = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's2', template: 't1', templateVersion: 7, spec: { every: '1h' } });
    expect(problemOf(noVersion).errors?.[0]?.path).toBe('body.templateVersion');
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules/s2')).statusCode).toBe(404);
  });

  it('pauses and resumes with a note (operator), triggers with an Idempotency-Key, backfills with dry-run', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    expect((await h.call(h.keys.viewer, 'POST', '/v1/schedules/s1/pause', { note: 'x' })).statusCode).toBe(403);
    const paused = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/pause', { note: 'site down for maintenance' });
    expect(paused.json()).toMatchObject({ paused: true, pauseNote: 'site down for maintenance' });
    const resumed = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/resume');
    expect(resumed.json()).toMatchObject({ paused: false });

    const first = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger', {}, { 'idempotency-key': 'deploy-42' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ created: true, run: { scheduleId: 's1', trigger: 'api', status: 'queued', idempotencyKey: 'deploy-42' } });
    await h.clock.advance(MIN);
    const again = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger', {}, { 'idempotency-key': 'deploy-42' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ created: false, run: { id: first.json().run.id } });
    // Without a key: the default overlap policy (skip) records a skipped run while the first is queued; `allow` overrides it.
    const skipped = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger');
    expect(skipped.json().run).toMatchObject({ status: 'skipped' });
    const allowed = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger', { overlap: 'allow' });
    expect(allowed.json().run).toMatchObject({ status: 'queued' });

    const range = { from: '2025-12-31T00:00:00Z', to: '2025-12-31T01:00:00Z' };
    const dry = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', { ...range, dryRun: true });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, runs: [] });
    expect(dry.json().occurrences).toHaveLength(6);
    expect(dry.json().occurrences[0]).toBe('2025-12-31T00:00:00.000Z');
    const before = (await h.call(h.keys.viewer, 'GET', '/v1/runs?trigger=backfill')).json().runs;
    expect(before).toEqual([]);
    const real = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', { ...range, concurrency: 2 });
    expect(real.statusCode).toBe(201);
    expect(real.json().runs).toHaveLength(6);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/runs?trigger=backfill')).json().runs).toHaveLength(6);

    const empty = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', { from: range.to, to: range.from });
    expect(empty.statusCode).toBe(400);
    expect(problemOf(empty).detail).toMatch(/range is empty/);
    const badTime = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', { from: 'yesterday', to: range.to });
    expect(problemOf(badTime).errors?.[0]?.path).toBe('body.from');
    const badKey = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger', {}, { 'idempotency-key': 'k'.repeat(201) });
    expect(problemOf(badKey).errors?.[0]?.path).toBe('headers.idempotency-key');
  });

  it('previews a schedule and a spec, marking DST-shifted occurrences', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const p = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/preview?count=3')).json();
    expect(p).toEqual({
      timezone: 'UTC',
      occurrences: [
        { nominal: '2026-01-01T00:10:00.000Z', local: expect.any(String), dst: null },
        { nominal: '2026-01-01T00:20:00.000Z', local: expect.any(String), dst: null },
        { nominal: '2026-01-01T00:30:00.000Z', local: expect.any(String), dst: null },
      ],
    });
    const dst = (await h.call(h.keys.viewer, 'POST', '/v1/preview', { spec: { cron: '30 2 * * *', timezone: 'America/New_York' }, after: '2026-03-07T12:00:00Z', count: 2 })).json();
    expect(dst.occurrences.map((o: { dst: string | null }) => o.dst)).toEqual(['shifted', null]);
    const bad = await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/preview?count=0');
    expect(problemOf(bad).errors?.[0]?.path).toBe('query.count');
  });

  it('another organisation\'s schedule answers 404 on every route', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const other = h.keys.otherAdmin;
    for (const [method, url, body] of [
      ['GET', '/v1/schedules/s1', undefined],
      ['PATCH', '/v1/schedules/s1', { params: {} }],
      ['POST', '/v1/schedules/s1/pause', {}],
      ['POST', '/v1/schedules/s1/resume', {}],
      ['POST', '/v1/schedules/s1/trigger', {}],
      ['POST', '/v1/schedules/s1/backfill', { from: '2025-12-31T00:00:00Z', to: '2025-12-31T01:00:00Z' }],
      ['GET', '/v1/schedules/s1/preview', undefined],
      ['DELETE', '/v1/schedules/s1', undefined],
    ] as const) {
      const res = await h.call(other, method, url, body);
      expect({ method, url, status: res.statusCode }).toEqual({ method, url, status: 404 });
      expect(problemOf(res).type).toBe('https://agentcron.dev/problems/not-found');
    }
    expect((await h.call(other, 'GET', '/v1/schedules')).json().schedules).toEqual([]);
    // Schedule ids are installation-wide: the id is taken, but the answer does not say by whom.
    await h.call(other, 'POST', '/v1/templates', { id: 't1', kind: 'http', definition: { request: { url: 'http://x' } } });
    const taken = await h.call(other, 'POST', '/v1/schedules', { id: 's1', template: 't1', spec: { every: '1h' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).not.toMatch(/acme/i);
    // Nothing changed for acme.
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1')).json()).toMatchObject({ paused: false, revision: 1 });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/runs')).json().runs).toEqual([]);
  });

  it('tier limits: minimum interval (from real occurrences, cron too), schedule count, concurrent runs', async () => {
    h = await apiHarness(backend(), { tier: 'standard' });
    await seedSchedule(h, { every: '5m' });
    const every = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 'fast', template: 't1', spec: { every: '1m' } });
    expect(every.statusCode).toBe(422);
    expect(problemOf(every)).toMatchObject({ type: 'https://agentcron.dev/problems/limit-exceeded', limit: 'minScheduleIntervalMs', value: 300_000 });
    expect(problemOf(every).detail).toMatch(/at most every 5m/);
    // Field values look harmless (two minutes of the hour) but the occurrences are 1 minute apart.
    const cron = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 'fast', template: 't1', spec: { cron: '0,1 * * * *' } });
    expect(problemOf(cron)).toMatchObject({ limit: 'minScheduleIntervalMs', value: 300_000 });
    const patch = await h.call(h.keys.admin, 'PATCH', '/v1/schedules/s1', { spec: { cron: '*/2 * * * *' } });
    expect(problemOf(patch).limit).toBe('minScheduleIntervalMs');
    expect((await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 'hourly', template: 't1', spec: { cron: '0 * * * *' } })).statusCode).toBe(201);

    // Concurrent runs: one queued run plus a backfill of 10,000 occurrences would make 10,001 active runs.
    expect((await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger')).statusCode).toBe(201);
    const from = Date.UTC(2025, 0, 1);
    const range = { from: new Date(from).toISOString(), to: new Date(from + 10_000 * 5 * MIN).toISOString() };
    const over = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', range);
    expect(over.statusCode).toBe(422);
    expect(problemOf(over)).toMatchObject({ limit: 'maxConcurrentRuns', value: 10_000 });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/runs?trigger=backfill')).json().runs).toEqual([]);
    // The dry run is not refused: it starts nothing.
    expect((await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/backfill', { ...range, dryRun: true })).json().occurrences).toHaveLength(10_000);

    // The other limits, with counts reached through the store (1,000 schedules and 10,000 runs by API would be slow).
    await h.store.orgs.create({ id: 'tiny', name: 'Tiny', tier: 'standard' }, T0);
    const { createApiKey } = await import('../../src/api/keys.js');
    const tiny = (await createApiKey(h.store, { orgId: 'tiny', name: 'k', role: 'admin' }, T0)).key;
    await h.call(tiny, 'POST', '/v1/templates', { id: 't1', kind: 'http', definition: { request: { url: 'http://x' } } });
    for (let i = 0; i < 1000; i++) {
      await h.store.schedules.create({ id: `tiny-${i}`, orgId: 'tiny', templateId: 't1', spec: { every: '1h' }, nextNominalTime: null }, T0);
    }
    const tooMany = await h.call(tiny, 'POST', '/v1/schedules', { id: 'one-more', template: 't1', spec: { every: '1h' } });
    expect(tooMany.statusCode).toBe(422);
    expect(problemOf(tooMany)).toMatchObject({ limit: 'maxSchedules', value: 1000 });
  }, 120_000);
});
