import { afterEach, expect, it } from 'vitest';
import { describeContract } from '../store/backends.js';
import { DAY, MIN, play, unstarted } from '../store/fixtures.js';
import { apiHarness, problemOf, seedSchedule, T0, type ApiHarness } from './harness.js';

const SECOND = 1000;

describeContract('api schedule stats', (backend) => {
  let h: ApiHarness;
  afterEach(async () => h?.app.close());

  /** Schedule s1 (every 10 minutes) with four runs on 2026-01-01 and one on 2026-01-02; now is 2026-01-03. */
  async function withHistory(): Promise<void> {
    h = await apiHarness(backend());
    await seedSchedule(h);
    const acme = { orgId: 'acme', scheduleId: 's1' };
    await play(h.store, { ...acme, nominal: T0 + 10 * MIN, late: SECOND, duration: 60 * SECOND, browserMs: 60_000 });
    await play(h.store, { ...acme, nominal: T0 + 20 * MIN, late: 3 * SECOND, duration: 120 * SECOND, status: 'failed', browserMs: 120_000 });
    await unstarted(h.store, 's1', T0 + 30 * MIN, 'skipped', 'acme');
    await play(h.store, { ...acme, nominal: T0 + DAY + 10 * MIN, late: 2 * SECOND, duration: 30 * SECOND, browserMs: 30_000 });
    h.clock.set(T0 + 2 * DAY);
  }

  it('returns counts, percentiles, daily and projected cost over [from, to) to a viewer', async () => {
    await withHistory();
    const res = await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats?from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      scheduleId: 's1',
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-03T00:00:00.000Z',
      counts: { succeeded: 2, failed: 1, skipped: 1 },
      successRate: 2 / 3,
      duration: { count: 3, p50: 60_000, p95: 120_000, p99: 120_000, max: 120_000 },
      lateness: { count: 3, p50: 2000, p95: 3000, p99: 3000, max: 3000 },
      browserMs: 210_000,
      dollars: 1.05,
      pricePerAgentMinute: 0.3,
      dailyCost: [
        { day: '2026-01-01', runs: 3, browserMs: 180_000, dollars: 0.9 },
        { day: '2026-01-02', runs: 1, browserMs: 30_000, dollars: 0.15 },
      ],
      // every 10 minutes: 144 runs a day for 30 days, at 70 s of browser time each.
      projected: { days: 30, runs: 4320, browserMsPerRun: 70_000, agentMinutes: 5040, dollars: 1512 },
    });
  });

  it('takes the window from window=, from= or nothing (the last 24 h), and a price', async () => {
    await withHistory();
    const lastDay = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats')).json();
    expect(lastDay).toMatchObject({ from: '2026-01-02T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z', counts: { succeeded: 1 }, successRate: 1 });
    const week = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats?window=7d&price=1')).json();
    expect(week).toMatchObject({ from: '2025-12-27T00:00:00.000Z', counts: { succeeded: 2, failed: 1, skipped: 1 }, dollars: 3.5, pricePerAgentMinute: 1 });
    const firstHour = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats?from=2026-01-01T00:15:00Z&window=1h')).json();
    expect(firstHour).toMatchObject({ to: '2026-01-01T01:15:00.000Z', counts: { failed: 1, skipped: 1 }, successRate: 0, duration: { count: 1, p50: 120_000 } });
    const empty = (await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats?to=2025-06-01T00:00:00Z')).json();
    expect(empty).toMatchObject({ counts: {}, successRate: null, duration: null, lateness: null, browserMs: 0, dailyCost: [], projected: null });

    await h.call(h.keys.operator, 'POST', '/v1/schedules/s1/pause', { note: 'holiday' });
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules/s1/stats?window=7d')).json()).toMatchObject({ counts: { succeeded: 2 }, projected: null });
  });

  it('names the invalid query field', async () => {
    await withHistory();
    const pathsOf = async (query: string) => {
      const res = await h.call(h.keys.viewer, 'GET', `/v1/schedules/s1/stats?${query}`);
      expect(res.statusCode).toBe(400);
      return problemOf(res).errors?.map((e) => e.path);
    };
    expect(await pathsOf('from=yesterday')).toEqual(['query.from']);
    expect(await pathsOf('window=7%20days')).toEqual(['query.window']);
    expect(await pathsOf('window=0s')).toEqual(['query.window']);
    expect(await pathsOf('from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&window=1d')).toEqual(['query.window']);
    expect(await pathsOf('from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual(['query.to']);
    expect(await pathsOf('window=400d')).toEqual(['query.window']);
    expect(await pathsOf('price=-1')).toEqual(['query.price']);
    expect(await pathsOf('bucket=hour')).toEqual(['query.bucket']);
  });

  it('answers 404 for another organisation\'s schedule and 401 without a key', async () => {
    await withHistory();
    const other = await h.call(h.keys.otherAdmin, 'GET', '/v1/schedules/s1/stats');
    expect(other.statusCode).toBe(404);
    expect(problemOf(other).detail).toMatch(/schedule "s1" not found/);
    expect((await h.call(h.keys.viewer, 'GET', '/v1/schedules/ghost/stats')).statusCode).toBe(404);
    expect((await h.call(null, 'GET', '/v1/schedules/s1/stats')).statusCode).toBe(401);
  });
});
