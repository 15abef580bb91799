import { afterEach, expect, it } from 'vitest';
import { describeContract } from '../store/backends.js';
import { apiHarness, HTTP_TEMPLATE, problemOf, type ApiHarness } from './harness.js';

describeContract('api templates', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('creates, reads, versions on change only, lists and deletes', async () => {
    h = await apiHarness(backend());
    const created = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'price', kind: 'http', definition: HTTP_TEMPLATE });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'price', version: 1, kind: 'http', definition: HTTP_TEMPLATE, createdAt: '2026-01-01T00:00:00.000Z' });

    const same = await h.call(h.keys.admin, 'PUT', '/v1/templates/price', { kind: 'http', definition: HTTP_TEMPLATE });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ created: false, template: { version: 1 } });
    const changed = { ...HTTP_TEMPLATE, assert: { status: 204 } };
    const v2 = await h.call(h.keys.admin, 'PUT', '/v1/templates/price', { kind: 'http', definition: changed });
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({ created: true, template: { version: 2, definition: changed } });

    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/price')).json()).toMatchObject({ version: 2 });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/price/versions/1')).json()).toMatchObject({ version: 1, definition: HTTP_TEMPLATE });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/price/versions')).json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates')).json().templates.map((t: { id: string }) => t.id)).toEqual(['price']);

    const dup = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'price', kind: 'http', definition: HTTP_TEMPLATE });
    expect(dup.statusCode).toBe(409);
    expect(problemOf(dup).detail).toMatch(/exists/);

    expect((await h.call(h.keys.admin, 'DELETE', '/v1/templates/price')).statusCode).toBe(204);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/price')).statusCode).toBe(404);
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/templates/price')).statusCode).toBe(404);
  });

  it('a template deleted and created again goes on counting versions', async () => {
    h = await apiHarness(backend());
    await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'x', kind: 'http', definition: HTTP_TEMPLATE });
    await h.call(h.keys.admin, 'PUT', '/v1/templates/x', { kind: 'http', definition: { ...HTTP_TEMPLATE, assert: { status: 201 } } });
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/templates/x')).statusCode).toBe(204);
    const again = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'x', kind: 'http', definition: HTTP_TEMPLATE });
    expect(again.statusCode).toBe(201);
    expect(again.json().version).toBe(3);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/x/versions')).json().versions.map((v: { version: number }) => v.version)).toEqual([3]);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/x/versions/1')).statusCode).toBe(404);
  });

  it('refuses invalid input with the path of each invalid field', async () => {
    h = await apiHarness(backend());
    const bad = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: '-bad id', kind: 'nope', definition: {}, extra: 1 });
    expect(bad.statusCode).toBe(400);
    const p = problemOf(bad);
    expect(p.type).toBe('https://agentcron.dev/problems/validation');
    expect(p.errors?.map((e) => e.path).sort()).toEqual(['body.extra', 'body.id', 'body.kind']);

    // The kind's own validation names the field inside the definition.
    const def = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'y', kind: 'http', definition: { request: { url: 'http://x', method: 'FETCH' } } });
    expect(def.statusCode).toBe(400);
    expect(problemOf(def).errors).toEqual([expect.objectContaining({ path: 'body.definition.request.method' })]);

    const unavailable = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'y', kind: 'agent', definition: 'find the price' });
    expect(problemOf(unavailable).errors).toEqual([expect.objectContaining({ path: 'body.kind', message: expect.stringMatching(/not available/) })]);

    const json = await h.call(h.keys.admin, 'POST', '/v1/templates', '{"id": ', { 'content-type': 'application/json' });
    expect(json.statusCode).toBe(400);
    expect(problemOf(json).status).toBe(400);
  });

  it('needs an admin key to write and any key to read; another organisation sees nothing', async () => {
    h = await apiHarness(backend());
    await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 'x', kind: 'http', definition: HTTP_TEMPLATE });
    const asOperator = await h.call(h.keys.operator, 'PUT', '/v1/templates/x', { kind: 'http', definition: HTTP_TEMPLATE });
    expect(asOperator.statusCode).toBe(403);
    expect(problemOf(asOperator).detail).toMatch(/needs the admin role; this key has operator/);
    expect((await h.call(h.keys.viewer, 'DELETE', '/v1/templates/x')).statusCode).toBe(403);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/templates/x')).statusCode).toBe(200);

    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/templates/x')).statusCode).toBe(404);
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/templates/x/versions')).statusCode).toBe(404);
    expect((await h.call(h.keys.otherAdmin, 'DELETE', '/v1/templates/x')).statusCode).toBe(404);
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/templates')).json().templates).toEqual([]);
    // globex may use the same id for its own template.
    expect((await h.call(h.keys.otherAdmin, 'POST', '/v1/templates', { id: 'x', kind: 'http', definition: HTTP_TEMPLATE })).statusCode).toBe(201);
  });
});
