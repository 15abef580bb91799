import { afterEach, expect, it } from 'vitest';
import type { Run } from '../../src/store/types.js';
import { describeContract } from '../store/backends.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

const MIN = 60_000;

/** Five scheduled runs of s1 at T0 + 0..4 minutes, the last two failed. */
async function seedRuns(h: ApiHarness): Promise<Run[]> {
  await seedSchedule(h);
  const runs: Run[] = [];
  for (let i = 0; i < 5; i++) {
    runs.push(await h.store.runs.create({ orgId: 'acme', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0 + i * MIN, trigger: 'schedule' }, T0));
  }
  const [claimed] = await h.store.runs.claim({ workerId: 'w1', limit: 1, leaseMs: MIN }, T0);
  await h.store.runs.completeAttempt({ runId: claimed!.run.id, attempt: 1, status: 'failed', error: { message: 'boom' } }, T0 + 1);
  await h.store.events.append({ runId: claimed!.run.id, attempt: 1, type: 'attempt.started' }, T0);
  await h.store.events.append({ runId: claimed!.run.id, attempt: 1, type: 'attempt.failed', data: { message: 'boom' } }, T0 + 1);
  return runs;
}

describeContract('api runs', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  it('lists with filters and cursor pagination, newest first', async () => {
    h = await apiHarness(backend());
    const runs = await seedRuns(h);
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await h.call(h.keys.viewer, 'GET', `/v1/runs?scheduleId=s1&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json() as { runs: Array<{ id: string }>; nextCursor: string | null };
      ids.push(...page.runs.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(ids).toEqual(runs.map((r) => r.id).reverse());

    const failed = (await h.call(h.keys.viewer, 'GET', '/v1/runs?status=failed,succeeded')).json().runs;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 'failed', error: { message: 'boom' }, nominalTime: '2026-01-01T00:00:00.000Z' });
    const window = (await h.call(h.keys.viewer, 'GET', '/v1/runs?from=2026-01-01T00:01:00Z&to=2026-01-01T00:03:00Z')).json().runs;
    expect(window.map((r: { nominalTime: string }) => r.nominalTime)).toEqual(['2026-01-01T00:02:00.000Z', '2026-01-01T00:01:00.000Z']);

    const bad = await h.call(h.keys.viewer, 'GET', '/v1/runs?status=sleeping&limit=5000&cursor=zzz');
    expect(bad.statusCode).toBe(400);
    expect(problemOf(bad).errors?.map((e) => e.path).sort()).toEqual(['query.limit', 'query.status']);
    const cursorBad = await h.call(h.keys.viewer, 'GET', '/v1/runs?cursor=zzz');
    expect(problemOf(cursorBad).errors?.[0]?.path).toBe('query.cursor');
  });

  it('gets a run with its attempts and events, cancels a queued run (operator), refuses to cancel a finished one', async () => {
    h = await apiHarness(backend());
    const runs = await seedRuns(h);
    const failedId = runs[0]!.id;
    const detail = (await h.call(h.keys.viewer, 'GET', `/v1/runs/${failedId}`)).json();
    expect(detail.run).toMatchObject({ id: failedId, status: 'failed', attempts: 1 });
    expect(detail.attempts).toEqual([expect.objectContaining({ number: 1, status: 'failed', workerId: 'w1' })]);
    const events = (await h.call(h.keys.viewer, 'GET', `/v1/runs/${failedId}/events`)).json().events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['attempt.started', 'attempt.failed']);
    const after = (await h.call(h.keys.viewer, 'GET', `/v1/runs/${failedId}/events?afterSeq=${events[0].seq}`)).json().events;
    expect(after.map((e: { type: string }) => e.type)).toEqual(['attempt.failed']);

    const queuedId = runs[4]!.id;
    expect((await h.call(h.keys.viewer, 'POST', `/v1/runs/${queuedId}/cancel`, {})).statusCode).toBe(403);
    const cancelled = await h.call(h.keys.operator, 'POST', `/v1/runs/${queuedId}/cancel`, { reason: 'wrong params' });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', reason: 'wrong params' });
    const again = await h.call(h.keys.operator, 'POST', `/v1/runs/${failedId}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(problemOf(again).detail).toMatch(/already finished \(failed\)/);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/runs/no-such-run')).statusCode).toBe(404);
  });

  it('another organisation\'s runs answer 404 and never appear in its listings or export', async () => {
    h = await apiHarness(backend());
    const runs = await seedRuns(h);
    const id = runs[4]!.id;
    for (const [method, url] of [
      ['GET', `/v1/runs/${id}`],
      ['GET', `/v1/runs/${id}/events`],
      ['POST', `/v1/runs/${id}/cancel`],
    ] as const) {
      expect({ url, status: (await h.call(h.keys.otherAdmin, method, url)).statusCode }).toEqual({ url, status: 404 });
    }
    expect((await h.call(h.keys.otherAdmin, 'GET', '/v1/runs')).json().runs).toEqual([]);
    const exported = await h.call(h.keys.otherAdmin, 'GET', '/v1/export/runs?since=2025-01-01T00:00:00Z');
    expect(exported.body).toBe('');
    expect((await h.store.runs.get('acme', id))?.status).toBe('queued');
  });

  it('exports every run since an instant as NDJSON, across pages', async () => {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const total = 1203; // more than two export pages
    for (let i = 0; i < total; i++) {
      await h.store.runs.create({ orgId: 'acme', templateId: 't1', templateVersion: 1, nominalTime: T0 - 10 * MIN + i * 1000, trigger: 'api' }, T0);
    }
    const res = await h.call(h.keys.viewer, 'GET', '/v1/export/runs?since=2026-01-01T00:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; nominalTime: string });
    // Runs at or after T0: i * 1000 >= 600 000 → i = 600 … 1202.
    expect(lines).toHaveLength(total - 600);
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    expect(lines.every((l) => l.nominalTime >= '2026-01-01T00:00:00.000Z')).toBe(true);
    expect(problemOf(await h.call(h.keys.viewer, 'GET', '/v1/export/runs')).errors?.[0]?.path).toBe('query.since');
  }, 120_000);
});
