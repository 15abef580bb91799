import { expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { MIN, newRun, newSchedule, occurrence, seed, T0 } from './fixtures.js';

describeContract('schedules', (backend) => {
  it('creates with defaults, gets, lists with filters; a duplicate id is a conflict', async () => {
    const store = await backend().open();
    await seed(store);
    const s = await store.schedules.create(newSchedule('s1'), T0);
    expect(s).toEqual({
      id: 's1',
      orgId: 'o1',
      templateId: 't1',
      templateVersion: null,
      params: {},
      spec: { cron: '* * * * *', timezone: 'UTC' },
      policies: {},
      nextNominalTime: T0 + MIN,
      paused: false,
      pauseNote: null,
      remainingRuns: null,
      revision: 1,
      createdAt: T0,
      updatedAt: T0,
    });
    const full = await store.schedules.create(
      newSchedule('s2', {
        templateVersion: 1,
        params: { q: 'x', n: [1, 2] },
        policies: { overlap: 'buffer_one', retry: { maxAttempts: 3 }, extra: { a: true } },
        paused: true,
        pauseNote: 'imported paused',
        remainingRuns: 5,
        templateId: 't2',
      }),
      T0,
    );
    expect(await store.schedules.get('o1', 's2')).toEqual(full);
    expect(full).toMatchObject({ templateVersion: 1, paused: true, pauseNote: 'imported paused', remainingRuns: 5 });
    await expect(store.schedules.create(newSchedule('s1'), T0)).rejects.toBeInstanceOf(ConflictError);
    // ids are unique across organisations
    await expect(store.schedules.create(newSchedule('s1', { orgId: 'o2' }), T0)).rejects.toBeInstanceOf(ConflictError);

    expect((await store.schedules.list('o1')).map((x) => x.id)).toEqual(['s1', 's2']);
    expect((await store.schedules.list('o1', { paused: true })).map((x) => x.id)).toEqual(['s2']);
    expect((await store.schedules.list('o1', { paused: false })).map((x) => x.id)).toEqual(['s1']);
    expect((await store.schedules.list('o1', { templateId: 't2' })).map((x) => x.id)).toEqual(['s2']);
  });

  it('update bumps the revision; a stale expected revision conflicts; a missing schedule is not found', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const u1 = await store.schedules.update('o1', 's1', { params: { a: 1 }, spec: { every: '5m' }, templateVersion: 1 }, T0 + 1, 1);
    expect(u1).toMatchObject({ params: { a: 1 }, spec: { every: '5m' }, templateVersion: 1, revision: 2, updatedAt: T0 + 1, createdAt: T0 });
    const u2 = await store.schedules.update('o1', 's1', { templateVersion: null, nextNominalTime: null, remainingRuns: 3 }, T0 + 2);
    expect(u2).toMatchObject({ templateVersion: null, nextNominalTime: null, remainingRuns: 3, revision: 3, params: { a: 1 } });
    await expect(store.schedules.update('o1', 's1', { params: {} }, T0 + 3, 2)).rejects.toBeInstanceOf(ConflictError);
    expect((await store.schedules.get('o1', 's1'))?.revision).toBe(3);
    await expect(store.schedules.update('o1', 'nope', { params: {} }, T0)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.schedules.update('o2', 's1', { params: {} }, T0, 3)).rejects.toBeInstanceOf(NotFoundError);
    // an empty patch still counts as a write
    expect((await store.schedules.update('o1', 's1', {}, T0 + 4, 3)).revision).toBe(4);
  });

  it('pause and resume with a note; delete keeps the runs', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const p = await store.schedules.setPaused('o1', 's1', true, 'breaker: 5 failures', T0 + 1);
    expect(p).toMatchObject({ paused: true, pauseNote: 'breaker: 5 failures', revision: 2, updatedAt: T0 + 1 });
    const r = await store.schedules.setPaused('o1', 's1', false, null, T0 + 2);
    expect(r).toMatchObject({ paused: false, pauseNote: null, revision: 3 });
    await expect(store.schedules.setPaused('o1', 'nope', true, null, T0)).rejects.toBeInstanceOf(NotFoundError);

    const run = await store.runs.create(occurrence('s1', T0 + MIN), T0);
    expect(await store.schedules.delete('o1', 's1')).toBe(true);
    expect(await store.schedules.delete('o1', 's1')).toBe(false);
    expect(await store.schedules.get('o1', 's1')).toBeNull();
    expect((await store.runs.get('o1', run.id))?.scheduleId).toBe('s1');
  });

  it('due: unpaused schedules with a cursor at or before now, earliest first, across orgs; nextDueAt', async () => {
    const store = await backend().open();
    await seed(store);
    expect(await store.schedules.nextDueAt()).toBeNull();
    await store.schedules.create(newSchedule('late', { nextNominalTime: T0 + 3 * MIN }), T0);
    await store.schedules.create(newSchedule('b', { nextNominalTime: T0 + MIN }), T0);
    await store.schedules.create(newSchedule('a', { nextNominalTime: T0 + MIN }), T0);
    await store.schedules.create(newSchedule('other-org', { orgId: 'o2', nextNominalTime: T0 + 2 * MIN }), T0);
    await store.schedules.create(newSchedule('paused', { nextNominalTime: T0, paused: true }), T0);
    await store.schedules.create(newSchedule('done', { nextNominalTime: null }), T0);

    expect(await store.schedules.nextDueAt()).toBe(T0 + MIN);
    expect(await store.schedules.due(T0 + MIN - 1, 10)).toEqual([]);
    expect((await store.schedules.due(T0 + MIN, 10)).map((s) => s.id)).toEqual(['a', 'b']);
    expect((await store.schedules.due(T0 + 2 * MIN, 10)).map((s) => s.id)).toEqual(['a', 'b', 'other-org']);
    expect((await store.schedules.due(T0 + 10 * MIN, 2)).map((s) => s.id)).toEqual(['a', 'b']);
    await store.schedules.setPaused('o1', 'paused', false, null, T0);
    expect(await store.schedules.nextDueAt()).toBe(T0);
  });

  it('fire: inserts the runs and moves the cursor when the cursor is unchanged; otherwise nothing', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1', { remainingRuns: 10 }), T0);
    const t1 = T0 + MIN;
    const res = await store.schedules.fire(
      {
        orgId: 'o1',
        scheduleId: 's1',
        expectedCursor: t1,
        runs: [
          occurrence('s1', t1, { status: 'missed', reason: 'catch-up: latest' }),
          occurrence('s1', t1 + MIN, { maxAttempts: 3, params: { x: 1 }, idempotencyKey: `s1:${t1 + MIN}`, availableAt: t1 + MIN + 7 }),
        ],
        nextCursor: t1 + 2 * MIN,
        remainingRuns: 9,
      },
      t1 + MIN + 1,
    );
    expect(res.fired).toBe(true);
    expect(res.runs.map((r) => [r.nominalTime, r.status])).toEqual([
      [t1, 'missed'],
      [t1 + MIN, 'queued'],
    ]);
    expect(res.runs[0]).toMatchObject({ reason: 'catch-up: latest', finishedAt: t1 + MIN + 1, scheduleId: 's1', trigger: 'schedule' });
    expect(res.runs[1]).toMatchObject({
      maxAttempts: 3,
      params: { x: 1 },
      idempotencyKey: `s1:${t1 + MIN}`,
      availableAt: t1 + MIN + 7,
      attempts: 0,
      finishedAt: null,
    });
    const after = await store.schedules.get('o1', 's1');
    expect(after).toMatchObject({ nextNominalTime: t1 + 2 * MIN, remainingRuns: 9, revision: 2 });

    // a second scheduler holding the old cursor loses and changes nothing
    const stale = await store.schedules.fire(
      { orgId: 'o1', scheduleId: 's1', expectedCursor: t1, runs: [occurrence('s1', t1 + 5 * MIN)], nextCursor: t1 + 9 * MIN },
      t1 + MIN + 2,
    );
    expect(stale).toEqual({ fired: false, runs: [] });
    expect(await store.schedules.get('o1', 's1')).toEqual(after);
    expect((await store.runs.list({ orgId: 'o1', scheduleId: 's1' })).runs).toHaveLength(2);

    // exhausted spec: cursor null, and firing a null cursor never matches
    const last = await store.schedules.fire(
      { orgId: 'o1', scheduleId: 's1', expectedCursor: t1 + 2 * MIN, runs: [occurrence('s1', t1 + 2 * MIN)], nextCursor: null },
      t1 + 2 * MIN,
    );
    expect(last.fired).toBe(true);
    expect((await store.schedules.get('o1', 's1'))?.nextNominalTime).toBeNull();
    expect((await store.schedules.get('o1', 's1'))?.remainingRuns).toBe(9);
    expect(await store.schedules.due(t1 + 100 * MIN, 10)).toEqual([]);
  });

  it('fire does nothing on a paused or missing schedule', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1', { paused: true }), T0);
    const req = { orgId: 'o1', scheduleId: 's1', expectedCursor: T0 + MIN, runs: [occurrence('s1', T0 + MIN)], nextCursor: T0 + 2 * MIN };
    expect(await store.schedules.fire(req, T0 + MIN)).toEqual({ fired: false, runs: [] });
    expect(await store.schedules.fire({ ...req, scheduleId: 'nope', runs: [] }, T0 + MIN)).toEqual({ fired: false, runs: [] });
    expect((await store.runs.list({ orgId: 'o1' })).runs).toEqual([]);
  });

  it('one run per occurrence: a second scheduled run for the same nominal time is refused or ignored', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const t1 = T0 + MIN;
    await store.runs.create(occurrence('s1', t1), T0);
    await expect(store.runs.create(occurrence('s1', t1), T0)).rejects.toBeInstanceOf(ConflictError);
    // manual and backfill runs at the same instant are separate runs
    await store.runs.create(newRun({ scheduleId: 's1', nominalTime: t1, trigger: 'manual' }), T0);
    await store.runs.create(newRun({ scheduleId: 's1', nominalTime: t1, trigger: 'backfill', backfillId: 'b1' }), T0);
    // fire skips the existing occurrence and still moves the cursor
    const res = await store.schedules.fire(
      { orgId: 'o1', scheduleId: 's1', expectedCursor: t1, runs: [occurrence('s1', t1), occurrence('s1', t1 + MIN)], nextCursor: t1 + 2 * MIN },
      t1,
    );
    expect(res.fired).toBe(true);
    expect(res.runs.map((r) => r.nominalTime)).toEqual([t1 + MIN]);
    const all = (await store.runs.list({ orgId: 'o1', scheduleId: 's1', trigger: ['schedule'] })).runs;
    expect(all.map((r) => r.nominalTime)).toEqual([t1 + MIN, t1]);
  });

  it('fire inside a store transaction rolls back with it', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1'), T0);
    const t1 = T0 + MIN;
    await expect(
      store.transaction(async (tx) => {
        const r = await tx.schedules.fire({ orgId: 'o1', scheduleId: 's1', expectedCursor: t1, runs: [occurrence('s1', t1)], nextCursor: t1 + MIN }, t1);
        expect(r.fired).toBe(true);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await store.schedules.get('o1', 's1'))?.nextNominalTime).toBe(t1);
    expect((await store.runs.list({ orgId: 'o1' })).runs).toEqual([]);
  });
});
