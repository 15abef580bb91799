import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { resolveSecrets } from '../../src/config/secrets.js';
import { buildApi } from '../../src/api/server.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { describeContract, type Backend } from '../store/backends.js';
import { apiHarness, problemOf, type ApiHarness } from './harness.js';

const VALUE = 'sk-live-7f3a9c2e-do-not-leak';

/** The secrets table as stored, read with a separate connection (not through the Store). */
async function rawSecretRows(backend: Backend): Promise<Array<Record<string, unknown>>> {
  if (backend.name === 'sqlite') {
    const db = new Database(backend.target, { readonly: true });
    try {
      return db.prepare('SELECT * FROM secrets').all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: backend.target });
  await client.connect();
  try {
    return (await client.query(`SELECT * FROM "${backend.schema}".secrets`)).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

describeContract('api secrets', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('are write-only: stored encrypted, never returned, resolvable by the runtime', async () => {
    h = await apiHarness(backend());
    const put = await h.call(h.keys.admin, 'PUT', '/v1/secrets/SHOP_TOKEN', { value: VALUE });
    expect(put.statusCode).toBe(204);
    expect(put.body).toBe('');
    const list = await h.call(h.keys.admin, 'GET', '/v1/secrets');
    expect(list.json()).toEqual({ names: ['SHOP_TOKEN'] });
    expect(list.body).not.toContain(VALUE);

    const rows = await rawSecretRows(backend());
    expect(rows).toHaveLength(1);
    const raw = JSON.stringify(rows);
    expect(raw).not.toContain(VALUE);
    expect(raw).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(String(rows[0]!.ciphertext)).toMatch(/^v1\.[0-9a-f]{8}\./);

    expect(await resolveSecrets(h.store, h.box, 'acme', ['SHOP_TOKEN'])).toEqual({ SHOP_TOKEN: VALUE });
    // Another organisation neither sees nor deletes it, and cannot resolve it.
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/secrets')).json()).toEqual({ names: [] });
    expect((await h.call(h.keys.otherAdmin, 'DELETE', '/v1/secrets/SHOP_TOKEN')).statusCode).toBe(404);
    await expect(resolveSecrets(h.store, h.box, 'globex', ['SHOP_TOKEN'])).rejects.toThrow(/no secret named "SHOP_TOKEN"/);

    // Overwrite, then delete.
    await h.call(h.keys.admin, 'PUT', '/v1/secrets/SHOP_TOKEN', { value: 'v2' });
    expect(await resolveSecrets(h.store, h.box, 'acme', ['SHOP_TOKEN'])).toEqual({ SHOP_TOKEN: 'v2' });
    expect((await h.call(h.keys.admin, 'DELETE', '/v1/secrets/SHOP_TOKEN')).statusCode).toBe(204);
    expect((await h.call(h.keys.admin, 'GET', '/v1/secrets')).json()).toEqual({ names: [] });
  });

  it('validate names and values, need an admin key, and answer 503 without a master key', async () => {
    h = await apiHarness(backend());
    const bad = await h.call(h.keys.admin, 'PUT', '/v1/secrets/1-bad', { value: '' });
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((e) => e.path).sort()).toEqual(['body.value', 'params.name']);
    expect((await h.call(h.keys.operator, 'PUT', '/v1/secrets/A', { value: 'x' })).statusCode).toBe(403);
    expect((await h.call(h.keys.operator, 'GET', '/v1/secrets')).statusCode).toBe(403);

    const keyless = await buildApi({ store: h.store, clock: h.clock, runners: [new HttpRunner()], secretBox: null, rateLimit: false });
    try {
      const res = await keyless.inject({ method: 'PUT', url: '/v1/secrets/A', headers: { authorization: `Bearer ${h.keys.admin}` }, payload: { value: 'x' } });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res).detail).toMatch(/AGENTCRON_MASTER_KEY/);
    } finally {
      await keyless.close();
    }
    expect(await h.store.secrets.names('acme')).toEqual([]);
  });
});
