/**
 * The dashboard on the API harness (two organisations, a key of every role): logging in through
 * the form, reading CSRF tokens off pages, and seeding runs with a known outcome.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { FileArtifactStore, saveArtifact } from '../../src/runtime/artifacts.js';
import type { Store } from '../../src/store/store.js';
import type { Json, Run } from '../../src/store/types.js';
import type { Backend } from '../store/backends.js';
import { apiHarness, HTTP_TEMPLATE, T0, type ApiHarness } from '../api/harness.js';

export { T0 };

export interface DashboardHarness extends ApiHarness {
  artifacts: FileArtifactStore;
  /** Logs in with a key through the form; returns the Cookie header to send. */
  login(key: string): Promise<string>;
  get(url: string, cookie?: string | null): Promise<LightMyRequestResponse>;
  post(url: string, form: Record<string, string>, cookie: string | null, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  cleanup(): Promise<void>;
}

export async function dashboardHarness(backend: Backend): Promise<DashboardHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'agentcron-dashboard-'));
  const artifacts = new FileArtifactStore(join(dir, 'artifacts'));
  const h = await apiHarness(backend, { dashboard: { artifacts } });
  const get: DashboardHarness['get'] = (url, cookie) => h.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  const post: DashboardHarness['post'] = (url, form, cookie, headers = {}) =>
    h.app.inject({ method: 'POST', url, payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers } });
  const login = async (key: string) => {
    const res = await post('/dashboard/login', { key }, null);
    if (res.statusCode !== 303) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
    const setCookie = String(res.headers['set-cookie']);
    return setCookie.split(';')[0]!;
  };
  return {
    ...h,
    artifacts,
    login,
    get,
    post,
    cleanup: async () => {
      await h.app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The CSRF token of the first form on a page. */
export function csrfOf(res: LightMyRequestResponse): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(res.body);
  if (!match) throw new Error(`no CSRF token on the page: ${res.body.slice(0, 300)}`);
  return match[1]!;
}

/** Template `t1` and schedule `id` of `orgId`, every 10 minutes. */
export async function seedScheduleRow(store: Store, orgId: string, id: string, over: { paused?: boolean } = {}): Promise<void> {
  if (!(await store.templates.get(orgId, 't1'))) await store.templates.put({ orgId, templateId: 't1', kind: 'http', definition: HTTP_TEMPLATE }, T0);
  await store.schedules.create({ id, orgId, templateId: 't1', spec: { every: '10m', timezone: 'UTC' }, nextNominalTime: T0 + 600_000, paused: over.paused ?? false }, T0);
}

/** A scheduled run of `scheduleId` at `nominal` that ran one attempt and ended `status` (health counted). */
export async function seedRun(store: Store, orgId: string, scheduleId: string, nominal: number, status: 'succeeded' | 'failed', extra: { output?: Json; error?: Json } = {}): Promise<Run> {
  const run = await store.runs.create({ orgId, scheduleId, templateId: 't1', templateVersion: 1, nominalTime: nominal, trigger: 'schedule', maxAttempts: 1, availableAt: nominal }, nominal);
  const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 30_000, scheduleIds: [scheduleId] }, nominal + 1_000);
  if (!claimed || claimed.run.id !== run.id) throw new Error('seedRun: could not claim the run');
  await store.runs.completeAttempt({ runId: run.id, attempt: 1, status, output: extra.output ?? null, error: extra.error ?? null }, nominal + 3_000);
  await store.health.record(scheduleId, status === 'succeeded', nominal + 3_000);
  return (await store.runs.get(orgId, run.id))!;
}

/** A trace and a screenshot for attempt 1 of a run. */
export async function seedArtifacts(h: DashboardHarness, run: Run): Promise<void> {
  const owner = { orgId: run.orgId, runId: run.id, attempt: 1 };
  await saveArtifact({ store: h.store, artifacts: h.artifacts }, owner, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: Buffer.from('PK-not-really-a-zip') }, T0);
  await saveArtifact({ store: h.store, artifacts: h.artifacts }, owner, { name: 'final.png', kind: 'screenshot', contentType: 'image/png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) }, T0);
}
