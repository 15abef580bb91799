import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { FileArtifactStore, saveArtifact, type ArtifactStore } from '../../src/runtime/artifacts.js';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

const TRACE = Buffer.from('PK\x03\x04 a trace zip');

/** A queued-then-claimed run of s1 whose attempt 1 saved a trace and a screenshot. */
async function seedArtifacts(h: ApiHarness, files: ArtifactStore): Promise<string> {
  await seedSchedule(h);
  const run = await h.store.runs.create({ orgId: 'acme', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'schedule' }, T0);
  await h.store.runs.claim({ workerId: 'w1', limit: 1, leaseMs: 60_000 }, T0);
  const owner = { orgId: 'acme', runId: run.id, attempt: 1 };
  await saveArtifact({ store: h.store, artifacts: files }, owner, { name: 'trace.zip', kind: 'trace', contentType: 'application/zip', body: TRACE }, T0);
  await saveArtifact({ store: h.store, artifacts: files }, owner, { name: 'final.png', kind: 'screenshot', contentType: 'image/png', body: Buffer.from('png') }, T0 + 1);
  return run.id;
}

/** The same files without a local path, as an object store would be: the route reads the bytes through get(). */
function withoutLocalPaths(files: FileArtifactStore): ArtifactStore {
  return { put: (a, b) => files.put(a, b), get: (k) => files.get(k), list: (a) => files.list(a), delete: (k) => files.delete(k) };
}

describeContract('api run artifacts', (backend) => {
  let h: ApiHarness;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-api-artifacts-'));
  });
  afterEach(async () => {
    await h?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a run\'s artifacts with filters, and validates the query with field paths', async () => {
    const files = new FileArtifactStore(dir);
    h = await apiHarness(backend(), { artifacts: files });
    const runId = await seedArtifacts(h, files);
    const list = await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts`);
    expect(list.statusCode).toBe(200);
    expect(list.json().artifacts).toEqual([
      { attempt: 1, name: 'final.png', kind: 'screenshot', contentType: 'image/png', size: 3, createdAt: '2026-01-01T00:00:00.001Z' },
      { attempt: 1, name: 'trace.zip', kind: 'trace', contentType: 'application/zip', size: TRACE.length, createdAt: '2026-01-01T00:00:00.000Z' },
    ]);
    expect((await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts?kind=trace`)).json().artifacts.map((a: { name: string }) => a.name)).toEqual(['trace.zip']);
    expect((await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts?attempt=2`)).json().artifacts).toEqual([]);
    const bad = await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts?kind=video&attempt=0`);
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((e) => e.path).sort()).toEqual(['query.attempt', 'query.kind']);
  });

  it('downloads an artifact\'s bytes with its type as an attachment, from files or through get()', async () => {
    const files = new FileArtifactStore(dir);
    h = await apiHarness(backend(), { artifacts: files });
    const runId = await seedArtifacts(h, files);
    const objectStoreApi = await buildApi({ store: h.store, clock: h.clock, runners: [], artifacts: withoutLocalPaths(files), rateLimit: false });
    for (const app of [h.app, objectStoreApi]) {
      const res = await app.inject({ method: 'GET', url: `/v1/runs/${runId}/artifacts/1/trace.zip`, headers: { authorization: `Bearer ${h.keys.viewer}` } });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(TRACE)).toBe(true);
      expect(res.headers['content-type']).toBe('application/zip');
      expect(res.headers['content-disposition']).toBe('attachment; filename="trace.zip"');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(Number(res.headers['content-length'])).toBe(TRACE.length);
    }
    await objectStoreApi.close();
  });

  it('answers 404 for unknown artifacts and for bytes that are gone, 400 for a bad attempt, 503 without an artifact store', async () => {
    const files = new FileArtifactStore(dir);
    h = await apiHarness(backend(), { artifacts: files });
    const runId = await seedArtifacts(h, files);
    expect(problemOf(await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts/1/nope.zip`)).detail).toContain(`artifact "${runId}/1/nope.zip" not found`);
    expect(problemOf(await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts/first/trace.zip`)).errors?.map((e) => e.path)).toEqual(['params.attempt']);
    const trace = (await h.store.artifacts.list('acme', runId, 1)).find((a) => a.name === 'trace.zip');
    await files.delete(trace!.storageKey);
    const gone = await h.call(h.keys.viewer, 'GET', `/v1/runs/${runId}/artifacts/1/trace.zip`);
    expect(gone.statusCode).toBe(404);
    expect(problemOf(gone).detail).toMatch(/are gone/);

    const withoutArtifacts = await buildApi({ store: h.store, clock: h.clock, runners: [], rateLimit: false });
    const unavailable = await withoutArtifacts.inject({ method: 'GET', url: `/v1/runs/${runId}/artifacts/1/final.png`, headers: { authorization: `Bearer ${h.keys.viewer}` } });
    await withoutArtifacts.close();
    expect(unavailable.statusCode).toBe(503);
    expect(problemOf(unavailable).type).toBe('https://agentcron.dev/problems/artifacts-unavailable');
  });

  it('needs a key, and another organisation\'s artifacts answer 404', async () => {
    const files = new FileArtifactStore(dir);
    h = await apiHarness(backend(), { artifacts: files });
    const runId = await seedArtifacts(h, files);
    for (const url of [`/v1/runs/${runId}/artifacts`, `/v1/runs/${runId}/artifacts/1/trace.zip`]) {
      expect({ url, status: (await h.call(null, 'GET', url)).statusCode }).toEqual({ url, status: 401 });
      expect({ url, status: (await h.call(h.keys.revoked, 'GET', url)).statusCode }).toEqual({ url, status: 401 });
      const foreign = await h.call(h.keys.otherAdmin, 'GET', url);
      expect({ url, status: foreign.statusCode }).toEqual({ url, status: 404 });
      expect(foreign.body).not.toContain('trace zip');
      for (const key of [h.keys.viewer, h.keys.operator, h.keys.admin]) expect((await h.call(key, 'GET', url)).statusCode).toBe(200);
    }
  });
});
