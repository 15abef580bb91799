import { expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { DAY, HOUR, MIN, newSchedule, play, seed, T0, unstarted } from './fixtures.js';

async function setup(store: Store): Promise<void> {
  await seed(store);
  await store.templates.put({ orgId: 'o2', templateId: 't1', kind: 'steps', definition: { steps: [] } }, T0);
  for (const id of ['s1', 's2', 's3']) await store.schedules.create(newSchedule(id), T0);
  await store.schedules.create(newSchedule('x1', { orgId: 'o2' }), T0);
}

describeContract('stats', (backend) => {
  it('window: counts by status, nearest-rank percentiles of duration and of scheduled start lateness', async () => {
    const store = await backend().open();
    await setup(store);
    // 100 scheduled runs j = 1..100, played in a shuffled order: duration 1000 + 10j, lateness 3(101 − j).
    for (let i = 0; i < 100; i++) {
      const j = ((i * 37) % 100) + 1;
      const status = j % 10 === 0 ? 'failed' : j === 7 || j === 77 ? 'timed_out' : 'succeeded';
      await play(store, { scheduleId: 's1', nominal: T0 + i * MIN, late: 3 * (101 - j), duration: 1000 + 10 * j, status, browserMs: 100 });
    }
    // A manual run: the longest duration, and an hour "late" that must not count as lateness.
    await play(store, { scheduleId: 's1', trigger: 'manual', nominal: T0 + 200 * MIN, late: HOUR, duration: 5000, browserMs: 100 });
    // Outside the window [T0, T0 + 1 day): just before it and exactly at its end.
    await play(store, { scheduleId: 's1', nominal: T0 - 1, late: 999_999, duration: 999_999, browserMs: 7 });
    await play(store, { scheduleId: 's1', nominal: T0 + DAY, late: 999_999, duration: 999_999, status: 'failed', browserMs: 7 });
    // A scheduled run still running: it started (lateness counts), it has no duration yet.
    await play(store, { scheduleId: 's1', nominal: T0 + 300 * MIN, late: 10_000, browserMs: 50 });
    await unstarted(store, 's1', T0 + 301 * MIN, 'skipped');
    await unstarted(store, 's1', T0 + 302 * MIN, 'missed');
    const cancelled = await unstarted(store, 's1', T0 + 303 * MIN, 'queued');
    await store.runs.cancel('o1', cancelled, 'test', T0 + 303 * MIN);
    await unstarted(store, 's1', T0 + 304 * MIN, 'queued');
    // Another schedule of the organisation, and another organisation's schedule, in the window.
    await play(store, { scheduleId: 's2', nominal: T0 + MIN, late: 999_999, duration: 999_999, browserMs: 7 });
    await play(store, { scheduleId: 'x1', orgId: 'o2', nominal: T0 + MIN, late: 999_999, duration: 999_999, browserMs: 7 });

    const stats = await store.stats.window('o1', 's1', T0, T0 + DAY);
    expect(stats).toEqual({
      scheduleId: 's1',
      from: T0,
      to: T0 + DAY,
      counts: { succeeded: 89, failed: 10, timed_out: 2, running: 1, skipped: 1, missed: 1, cancelled: 1, queued: 1 },
      // 101 durations: 1010..2000 in steps of 10, then 5000; ranks ceil(p·101) = 51, 96, 100.
      duration: { count: 101, p50: 1510, p95: 1960, p99: 2000, max: 5000 },
      // 101 latenesses: 3..300 in steps of 3, then 10000 (the running run); ranks 51, 96, 100.
      lateness: { count: 101, p50: 153, p95: 288, p99: 300, max: 10_000 },
      browserMs: 101 * 100 + 50,
    });
  });

  it('window: percentiles take the value at rank ceil(p·n), never a rounded or interpolated rank', async () => {
    const store = await backend().open();
    await setup(store);
    await play(store, { scheduleId: 's2', nominal: T0, late: 40, duration: 700 });
    expect(await store.stats.window('o1', 's2', T0, T0 + HOUR)).toMatchObject({
      counts: { succeeded: 1 },
      duration: { count: 1, p50: 700, p95: 700, p99: 700, max: 700 },
      lateness: { count: 1, p50: 40, p95: 40, p99: 40, max: 40 },
    });
    for (let i = 1; i < 60; i++) await play(store, { scheduleId: 's2', nominal: T0 + i * MIN, late: 0, duration: 1000 - i });
    // n = 60: 700, then 941..999 (rank k ≥ 2 holds 939 + k); ranks 30, 57, 60 (p99 rounded would be 59).
    expect((await store.stats.window('o1', 's2', T0, T0 + DAY)).duration).toEqual({ count: 60, p50: 969, p95: 996, p99: 999, max: 999 });
    for (let k = 13; k >= 1; k--) await play(store, { scheduleId: 's3', nominal: T0 + k * MIN, late: 0, duration: 10 * k });
    // n = 13: ranks 7, 13, 13 (p95 rounded would be 12, interpolated 124).
    expect((await store.stats.window('o1', 's3', T0, T0 + DAY)).duration).toEqual({ count: 13, p50: 70, p95: 130, p99: 130, max: 130 });
  });

  it('window: empty ranges, other schedules and other organisations give zeros and nulls', async () => {
    const store = await backend().open();
    await setup(store);
    await play(store, { scheduleId: 's1', nominal: T0, late: 5, duration: 50, browserMs: 9 });
    await play(store, { scheduleId: 'x1', orgId: 'o2', nominal: T0, late: 5, duration: 50, browserMs: 9 });
    const empty = { counts: {}, duration: null, lateness: null, browserMs: 0 };
    expect(await store.stats.window('o1', 's1', T0 + 1, T0 + DAY)).toEqual({ scheduleId: 's1', from: T0 + 1, to: T0 + DAY, ...empty });
    expect(await store.stats.window('o1', 's1', T0, T0)).toMatchObject(empty);
    expect(await store.stats.window('o1', 's3', T0 - DAY, T0 + DAY)).toMatchObject(empty);
    expect(await store.stats.window('o1', 'x1', T0 - DAY, T0 + DAY)).toMatchObject(empty);
    expect(await store.stats.window('o2', 's1', T0 - DAY, T0 + DAY)).toMatchObject(empty);
    expect(await store.stats.window('o2', 'x1', T0 - DAY, T0 + DAY)).toMatchObject({ counts: { succeeded: 1 }, browserMs: 9 });
  });

  it('window and dailyCost reject a range that ends before it starts', async () => {
    const store = await backend().open();
    await setup(store);
    await expect(store.stats.window('o1', 's1', T0 + 1, T0)).rejects.toThrow(/ends .* before it starts/);
    await expect(store.stats.dailyCost('o1', 's1', T0 + 1, T0)).rejects.toThrow(RangeError);
    await expect(store.stats.window('o1', 's1', Number.NaN, T0)).rejects.toThrow(/from must be an instant/);
  });

  it('summaries: one per schedule in the order given, last run, newest-first strip, success rate since', async () => {
    const store = await backend().open();
    await setup(store);
    // s1: before `since` a success; after it: succeeded, failed, timed_out, missed, skipped, cancelled, succeeded, running.
    const since = T0 + HOUR;
    await play(store, { scheduleId: 's1', nominal: T0, late: 1, duration: 10 });
    const ids: string[] = [];
    ids.push(await play(store, { scheduleId: 's1', nominal: since, late: 1, duration: 10 }));
    ids.push(await play(store, { scheduleId: 's1', nominal: since + MIN, late: 1, duration: 10, status: 'failed' }));
    ids.push(await play(store, { scheduleId: 's1', nominal: since + 2 * MIN, late: 1, duration: 10, status: 'timed_out' }));
    ids.push(await unstarted(store, 's1', since + 3 * MIN, 'missed'));
    ids.push(await unstarted(store, 's1', since + 4 * MIN, 'skipped'));
    const cancelled = await unstarted(store, 's1', since + 5 * MIN, 'queued');
    await store.runs.cancel('o1', cancelled, 'test', since + 5 * MIN);
    ids.push(cancelled);
    ids.push(await play(store, { scheduleId: 's1', nominal: since + 6 * MIN, late: 1, duration: 10 }));
    const running = await play(store, { scheduleId: 's1', nominal: since + 7 * MIN, late: 1 });
    ids.push(running);
    // s2: two manual runs at the same nominal time, so the strip breaks the tie by id, newest first.
    const a = await play(store, { scheduleId: 's2', trigger: 'manual', nominal: since, late: 0, duration: 5 });
    const b = await play(store, { scheduleId: 's2', trigger: 'manual', nominal: since, late: 0, duration: 5, status: 'failed' });
    await play(store, { scheduleId: 'x1', orgId: 'o2', nominal: since, late: 0, duration: 5 });

    const got = await store.stats.summaries('o1', ['s3', 's1', 'x1', 's2'], { recent: 4, since });
    expect(got.map((s) => s.scheduleId)).toEqual(['s3', 's1', 'x1', 's2']);
    expect(got[0]).toEqual({ scheduleId: 's3', lastRun: null, recent: [], successRate: null });
    expect(got[2]).toEqual({ scheduleId: 'x1', lastRun: null, recent: [], successRate: null });
    const newest = [...ids].reverse();
    const byId = new Map((await store.runs.list({ orgId: 'o1', scheduleId: 's1', limit: 100 })).runs.map((r) => [r.id, r]));
    expect(got[1]).toEqual({
      scheduleId: 's1',
      lastRun: { id: running, status: 'running', nominalTime: since + 7 * MIN, finishedAt: null },
      recent: newest.slice(0, 4).map((id) => ({ id, status: byId.get(id)!.status, nominalTime: byId.get(id)!.nominalTime })),
      // succeeded 2 of (succeeded 2 + failed + timed_out + missed); skipped, cancelled, running left out.
      successRate: 2 / 5,
    });
    expect(got[1]!.recent.map((r) => r.status)).toEqual(['running', 'succeeded', 'cancelled', 'skipped']);
    const [later, earlier] = a > b ? [a, b] : [b, a];
    expect(got[3]!.recent.map((r) => r.id)).toEqual([later, earlier]);
    expect(got[3]!.lastRun).toMatchObject({ id: later, finishedAt: since + 5 });
    expect(got[3]!.successRate).toBe(1 / 2);

    // A strip longer than the history holds all of it; recent: 0 still reports the last run.
    const all = await store.stats.summaries('o1', ['s1'], { recent: 50, since: T0 });
    expect(all[0]!.recent).toHaveLength(9);
    expect(all[0]!.successRate).toBe(3 / 6);
    const none = await store.stats.summaries('o1', ['s1', 's1'], { recent: 0, since: since + DAY });
    expect(none).toEqual([
      { scheduleId: 's1', lastRun: expect.objectContaining({ id: running }), recent: [], successRate: null },
      { scheduleId: 's1', lastRun: expect.objectContaining({ id: running }), recent: [], successRate: null },
    ]);
    expect(await store.stats.summaries('o2', ['s1', 'x1'], { recent: 3, since })).toMatchObject([
      { scheduleId: 's1', lastRun: null, recent: [] },
      { scheduleId: 'x1', lastRun: { status: 'succeeded' }, successRate: 1 },
    ]);
    expect(await store.stats.summaries('o1', [], { recent: 3, since })).toEqual([]);
    await expect(store.stats.summaries('o1', ['s1'], { recent: -1, since })).rejects.toThrow(/recent must be/);
  });

  it('dailyCost: runs and browser time per UTC day, split at midnight, oldest first, empty days left out', async () => {
    const store = await backend().open();
    await setup(store);
    await play(store, { scheduleId: 's1', nominal: T0 - 1, late: 0, duration: 1, browserMs: 1 }); // 2025-12-31, before `from`
    await play(store, { scheduleId: 's1', nominal: T0, late: 0, duration: 1, browserMs: 10 });
    await play(store, { scheduleId: 's1', nominal: T0 + DAY - 1, late: 5_000, duration: 1, browserMs: 20 }); // starts on day 2, counted on day 1
    await play(store, { scheduleId: 's1', nominal: T0 + DAY, late: 0, duration: 1, browserMs: 300 });
    await unstarted(store, 's1', T0 + DAY + HOUR, 'skipped');
    // 2026-01-03 has no runs.
    await play(store, { scheduleId: 's1', nominal: T0 + 3 * DAY + 5 * HOUR, late: 0, duration: 1, browserMs: 4_000 });
    await play(store, { scheduleId: 's1', nominal: T0 + 4 * DAY, late: 0, duration: 1, browserMs: 1 }); // at `to`: left out
    await play(store, { scheduleId: 's2', nominal: T0 + HOUR, late: 0, duration: 1, browserMs: 99 });
    await play(store, { scheduleId: 'x1', orgId: 'o2', nominal: T0 + HOUR, late: 0, duration: 1, browserMs: 99 });

    expect(await store.stats.dailyCost('o1', 's1', T0, T0 + 4 * DAY)).toEqual([
      { day: '2026-01-01', runs: 2, browserMs: 30 },
      { day: '2026-01-02', runs: 2, browserMs: 300 },
      { day: '2026-01-04', runs: 1, browserMs: 4_000 },
    ]);
    // A window starting mid-day counts only that day's runs from its start.
    expect(await store.stats.dailyCost('o1', 's1', T0 + 1, T0 + DAY + 1)).toEqual([
      { day: '2026-01-01', runs: 1, browserMs: 20 },
      { day: '2026-01-02', runs: 1, browserMs: 300 },
    ]);
    expect(await store.stats.dailyCost('o1', 's3', T0, T0 + 4 * DAY)).toEqual([]);
    expect(await store.stats.dailyCost('o2', 's1', T0, T0 + 4 * DAY)).toEqual([]);
  });
});
