import { Validator } from '@seriousme/openapi-schema-validator';
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { endpoints } from '../../src/api/schemas.js';
import { notFound } from '../../src/api/problem.js';
import type { ApiExtension } from '../../src/api/server.js';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, type ApiHarness } from './harness.js';

describeContract('api access', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('refuses requests without a valid, live key with 401 problems', async () => {
    h = await apiHarness(backend());
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no key', {}, /send an API key/],
      ['not bearer', { authorization: 'Basic dXNlcjpwYXNz' }, /must be "Bearer <API key>"/],
      ['not a key', { authorization: 'Bearer hunter2' }, /not an agentcron API key/],
      ['unknown key', { authorization: `Bearer ${h.keys.admin.slice(0, -4)}AAAA` }, /unknown API key/],
      ['revoked key', { authorization: `Bearer ${h.keys.revoked}` }, /was revoked/],
    ];
    for (const [name, headers, detail] of cases) {
      const res = await h.app.inject({ method: 'GET', url: '/v1/schedules', headers });
      expect({ name, status: res.statusCode }).toEqual({ name, status: 401 });
      expect(problemOf(res)).toMatchObject({ type: 'https://agentcron.dev/problems/unauthorized', status: 401, detail: expect.stringMatching(detail) });
    }
  });

  it('every endpoint refuses roles below its own with 403', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const below = { viewer: [] as string[], operator: [h.keys.viewer], admin: [h.keys.viewer, h.keys.operator] };
    let checked = 0;
    for (const e of Object.values(endpoints)) {
      if (e.role === null) continue;
      const url = e.path.replace(':id', 's1').replace(':name', 'X').replace(':version', '1');
      for (const key of below[e.role]) {
        const res = await h.call(key, e.method, url, e.method === 'GET' || e.method === 'DELETE' ? undefined : {});
        expect({ endpoint: `${e.method} ${e.path}`, status: res.statusCode }).toEqual({ endpoint: `${e.method} ${e.path}`, status: 403 });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('keys: created by an admin, shown once, stored hashed, listed without the key, revoked', async () => {
    h = await apiHarness(backend());
    const created = await h.call(h.keys.admin, 'POST', '/v1/keys', { name: 'ci', role: 'operator' });
    expect(created.statusCode).toBe(201);
    const { apiKey, key } = created.json() as { apiKey: { id: string; prefix: string; role: string }; key: string };
    expect(key).toMatch(/^ac_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`${apiKey.prefix}_`)).toBe(true);
    const stored = (await h.store.apiKeys.list('acme')).find((k) => k.id === apiKey.id)!;
    expect(stored.hash).toBe(createHash('sha256').update(key).digest('hex'));

    const list = await h.call(h.keys.admin, 'GET', '/v1/keys');
    expect(list.body).not.toContain(key);
    expect(list.body).not.toContain(stored.hash);
    expect(list.json().keys.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['ci', 'acme-admin', 'old']));

    expect((await h.call(key, 'POST', '/v1/schedules/none/pause')).statusCode).toBe(404); // operator: allowed, no such schedule
    expect((await h.call(key, 'GET', '/v1/keys')).statusCode).toBe(403);
    expect((await h.call(h.keys.otherAdmin, 'DELETE', `/v1/keys/${apiKey.id}`)).statusCode).toBe(404);
    expect((await h.call(h.keys.admin, 'DELETE', `/v1/keys/${apiKey.id}`)).statusCode).toBe(204);
    expect((await h.call(key, 'GET', '/v1/schedules')).statusCode).toBe(401);
    expect(problemOf(await h.call(h.keys.admin, 'POST', '/v1/keys', { name: '', role: 'root' })).errors?.map((e) => e.path).sort()).toEqual(['body.name', 'body.role']);
  });

  it('rate-limits per key with 429 and Retry-After; other keys are unaffected', async () => {
    h = await apiHarness(backend(), { rateLimit: { max: 3, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules')).statusCode).toBe(200);
    const limited = await h.call(h.keys.viewer, 'GET', '/v1/schedules');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(problemOf(limited)).toMatchObject({ type: 'https://agentcron.dev/problems/rate-limited', status: 429 });
    expect((await h.call(h.keys.admin, 'GET', '/v1/schedules')).statusCode).toBe(200);
    // Health checks are not limited.
    for (let i = 0; i < 5; i++) expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('serves a valid OpenAPI 3.1 document covering every endpoint; health and readiness', async () => {
    h = await apiHarness(backend());
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(operations.sort()).toEqual(Object.keys(endpoints).sort());
    expect(doc.paths['/v1/schedules/{id}/trigger']?.post).toMatchObject({ parameters: expect.arrayContaining([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]) });
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');

    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const missing = await h.call(h.keys.viewer, 'GET', '/v1/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(problemOf(missing).status).toBe(404);
    await h.store.close();
    const notReady = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('extensions add routes with the same validation, roles, org scoping and OpenAPI entry', async () => {
    const screenshots: ApiExtension = (router, ctx) =>
      router.add(
        {
          method: 'GET',
          path: '/v1/runs/:id/screenshots',
          name: 'listRunScreenshots',
          tag: 'runs',
          summary: 'screenshots of a run',
          role: 'operator',
          params: z.strictObject({ id: z.string() }),
          query: z.strictObject({ kind: z.enum(['trace', 'screenshot']).optional() }),
          status: 200,
          response: z.object({ runId: z.string(), screenshots: z.array(z.string()) }),
        },
        async ({ params }, { caller }) => {
          const { id } = params as { id: string };
          if (!(await ctx.store.runs.get(caller.orgId, id))) throw notFound('run', id);
          return { runId: id, screenshots: ['final.png'] };
        },
      );
    h = await apiHarness(backend(), { extensions: [screenshots] });
    await seedSchedule(h);
    const run = (await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/trigger')).json().run as { id: string };
    expect((await h.call(h.keys.operator, 'GET', `/v1/runs/${run.id}/screenshots`)).json()).toEqual({ runId: run.id, screenshots: ['final.png'] });
    expect((await h.call(h.keys.viewer, 'GET', `/v1/runs/${run.id}/screenshots`)).statusCode).toBe(403);
    expect(problemOf(await h.call(h.keys.operator, 'GET', `/v1/runs/${run.id}/screenshots?kind=video`)).errors?.[0]?.path).toBe('query.kind');
    expect(problemOf(await h.call(h.keys.otherAdmin, 'GET', `/v1/runs/${run.id}/screenshots`))).toMatchObject({ status: 404, type: 'https://agentcron.dev/problems/not-found' });
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/v1/runs/{id}/screenshots'].get.operationId).toBe('listRunScreenshots');
    expect((await new Validator().validate(doc)).valid).toBe(true);
  });

  it('reads an empty JSON body as no options; an organisation with an unknown tier gets a clear 500', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const paused = await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/pause', '', { 'content-type': 'application/json' });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ paused: true, pauseNote: null });

    await h.store.orgs.create({ id: 'odd', name: 'Odd', tier: 'platinum' }, 0);
    const { createApiKey } = await import('../../src/api/keys.js');
    const key = (await createApiKey(h.store, { orgId: 'odd', name: 'k', role: 'admin' }, 0)).key;
    const res = await h.call(key, 'GET', '/v1/schedules');
    expect(res.statusCode).toBe(500);
    expect(problemOf(res).detail).toMatch(/unknown tier "platinum"/);
  });
});
