/**
 * The crash tests are only as good as their verifier: these fast checks make sure it passes a
 * consistent database and names every kind of broken guarantee it is meant to catch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createBackend, type Backend } from '../store/backends.js';
import { MAX_ATTEMPTS, ORG, verifyStore, type CrashSchedule } from './harness.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const SEC = 1000;
const SCHEDULES: CrashSchedule[] = [{ id: 's00', group: 'ok' }];

describe('crash-test verifier', () => {
  let backend: Backend;
  let store: Store;

  beforeEach(async () => {
    backend = createBackend('sqlite');
    store = await backend.open();
    await store.orgs.create({ id: ORG, name: ORG }, T0 - SEC);
    await store.templates.put({ orgId: ORG, templateId: 'check', kind: 'http', definition: { request: { url: 'http://x' } } }, T0 - SEC);
    // Created half a second before T0: its first occurrence is T0.
    await store.schedules.create(
      { id: 's00', orgId: ORG, templateId: 'check', spec: { cron: '* * * * * *', timezone: 'UTC' }, nextNominalTime: T0 + 5 * SEC },
      T0 - SEC / 2,
    );
  });

  afterEach(async () => {
    await backend.cleanup();
  });

  async function create(nominal: number, status: 'queued' | 'skipped' | 'missed' = 'queued', reason: string | null = null) {
    return store.runs.create(
      { orgId: ORG, scheduleId: 's00', templateId: 'check', templateVersion: 1, nominalTime: nominal, trigger: 'schedule', status, reason, maxAttempts: MAX_ATTEMPTS, availableAt: nominal },
      nominal,
    );
  }

  /** A run for `nominal` whose attempts end as listed (the last one may stay running). */
  async function run(nominal: number, outcomes: Array<'succeeded' | 'failed' | 'running'>) {
    const created = await create(nominal);
    let now = nominal + 10;
    for (const outcome of outcomes) {
      const [claimed] = await store.runs.claim({ workerId: 'w:1', limit: 1, leaseMs: 2_000, scheduleIds: ['s00'] }, now);
      expect(claimed?.run.id).toBe(created.id);
      now += 50;
      if (outcome === 'running') return created;
      const failed = outcome === 'failed';
      await store.runs.completeAttempt(
        {
          runId: created.id,
          attempt: claimed!.attempt.number,
          status: outcome,
          ...(failed ? { error: { kind: 'http.status', message: '503', retryable: true }, retryAt: now } : { output: { status: 200 } }),
        },
        now,
      );
      now += 10;
    }
    return created;
  }

  it('passes a consistent history', async () => {
    await run(T0, ['succeeded']);
    await create(T0 + SEC, 'missed', 'catch-up policy latest: superseded by a later occurrence');
    await run(T0 + 2 * SEC, ['succeeded']);
    await create(T0 + 3 * SEC, 'skipped', 'overlap policy skip: run x is still running');
    await run(T0 + 4 * SEC, ['succeeded']);
    const v = await verifyStore(store, SCHEDULES);
    expect(v.violations).toEqual([]);
    expect(v.stats.occurrences).toBe(5);
    expect(v.stats.byStatus).toEqual({ succeeded: 3, missed: 1, skipped: 1 });
  });

  it('names gaps, stuck runs, reasonless skips and failures of a healthy endpoint', async () => {
    await run(T0, ['succeeded']);
    // T0 + 1 s: no row at all
    await run(T0 + 2 * SEC, ['running']);
    await create(T0 + 3 * SEC, 'skipped', null);
    await run(T0 + 4 * SEC, ['failed', 'succeeded']);
    const v = await verifyStore(store, SCHEDULES);
    const text = v.violations.join('\n');
    expect(text).toContain('1 occurrence(s) without a row, first 2026-01-01T12:00:01.000Z');
    expect(text).toContain('@ 2026-01-01T12:00:02.000Z');
    expect(text).toMatch(/ended running/);
    expect(text).toMatch(/an attempt is still running/);
    expect(text).toMatch(/12:00:03.000Z .*: no reason/);
    expect(text).toMatch(/12:00:04.000Z .*: an attempt against a healthy endpoint failed/);
  });

  it('names rows outside the window and a cursor that skipped occurrences', async () => {
    for (let i = 0; i < 5; i++) await run(T0 + i * SEC, ['succeeded']);
    await run(T0 + 7 * SEC, ['succeeded']);
    const v = await verifyStore(store, SCHEDULES);
    expect(v.violations.join('\n')).toContain('1 row(s) outside its occurrences, first 2026-01-01T12:00:07.000Z');
  });
});
