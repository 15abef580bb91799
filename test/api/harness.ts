/**
 * An API on a fresh database (either backend) with a FakeClock, two organisations and a key of
 * every role: `acme` (admin, operator, viewer, and a revoked admin key) and `globex` (admin).
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildApi, type ApiOptions } from '../../src/api/server.js';
import { createApiKey } from '../../src/api/keys.js';
import { FakeClock } from '../../src/clock.js';
import { SecretBox } from '../../src/config/secrets.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { Store } from '../../src/store/store.js';
import type { Backend } from '../store/backends.js';

export const T0 = Date.UTC(2026, 0, 1);

export const HTTP_TEMPLATE = { request: { url: 'http://127.0.0.1:9/health' }, assert: { status: 200 } };

export interface ApiHarness {
  app: FastifyInstance;
  store: Store;
  clock: FakeClock;
  box: SecretBox;
  keys: { admin: string; operator: string; viewer: string; revoked: string; otherAdmin: string };
  /** `app.inject` with the given key (null: no Authorization header). */
  call(key: string | null, method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export async function apiHarness(backend: Backend, options: Partial<ApiOptions> & { tier?: string } = {}): Promise<ApiHarness> {
  const store = await backend.open();
  const clock = new FakeClock(T0);
  const box = new SecretBox(randomBytes(32));
  await store.orgs.create({ id: 'acme', name: 'Acme', ...(options.tier ? { tier: options.tier } : {}) }, T0);
  await store.orgs.create({ id: 'globex', name: 'Globex' }, T0);
  const key = async (orgId: string, role: 'admin' | 'operator' | 'viewer') => (await createApiKey(store, { orgId, name: `${orgId}-${role}`, role }, T0)).key;
  const revokedKey = await createApiKey(store, { orgId: 'acme', name: 'old', role: 'admin' }, T0);
  await store.apiKeys.revoke('acme', revokedKey.apiKey.id, T0);
  const keys = {
    admin: await key('acme', 'admin'),
    operator: await key('acme', 'operator'),
    viewer: await key('acme', 'viewer'),
    revoked: revokedKey.key,
    otherAdmin: await key('globex', 'admin'),
  };
  const app = await buildApi({ store, clock, runners: [new HttpRunner()], secretBox: box, rateLimit: false, validateResponses: true, ...options });
  await app.ready();
  const call: ApiHarness['call'] = (k, method, url, body, headers = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...headers },
      ...(body !== undefined ? { payload: body as InjectOptions['payload'] } : {}),
    });
  return { app, store, clock, box, keys, call };
}

/** Creates template `t1` (http kind) and schedule `s1` (every 10 minutes) in acme with the admin key. */
export async function seedSchedule(h: ApiHarness, spec: Record<string, string> = { every: '10m' }): Promise<void> {
  const t = await h.call(h.keys.admin, 'POST', '/v1/templates', { id: 't1', kind: 'http', definition: HTTP_TEMPLATE });
  if (t.statusCode !== 201) throw new Error(`seed template: ${t.statusCode} ${t.body}`);
  const s = await h.call(h.keys.admin, 'POST', '/v1/schedules', { id: 's1', template: 't1', spec });
  if (s.statusCode !== 201) throw new Error(`seed schedule: ${s.statusCode} ${s.body}`);
}

export function problemOf(res: LightMyRequestResponse): { type: string; title: string; status: number; detail?: string; errors?: Array<{ path: string; message: string }>; limit?: string; value?: number } {
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) {
    throw new Error(`expected application/problem+json, got ${String(res.headers['content-type'])}: ${res.body}`);
  }
  return res.json();
}
