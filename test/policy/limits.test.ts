import { describe, expect, it } from 'vitest';
import { checkConcurrentRuns, checkScheduleCount, checkScheduleInterval, LimitExceededError, limitsFor, smallestGap } from '../../src/policy/limits.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function refusal(fn: () => void): LimitExceededError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LimitExceededError) return error;
    throw error;
  }
  throw new Error('expected a LimitExceededError');
}

describe('tier limits', () => {
  it('has no limits self-hosted (the default, also for the older "free" name) and refuses unknown tiers', () => {
    expect(limitsFor('self-hosted')).toEqual({ minScheduleIntervalMs: null, maxConcurrentRuns: null, maxSchedules: null });
    expect(limitsFor('free')).toEqual(limitsFor('self-hosted'));
    expect(() => limitsFor('platinum')).toThrow(/unknown tier "platinum"; known tiers: self-hosted, standard, enterprise/);
    expect(() => checkScheduleInterval('self-hosted', { every: '1s' }, T0)).not.toThrow();
    expect(() => checkConcurrentRuns('self-hosted', 10 ** 9, 1)).not.toThrow();
  });

  it('measures the smallest gap from real occurrences', () => {
    expect(smallestGap({ every: '10m' }, T0)).toBe(10 * MIN);
    expect(smallestGap({ cron: '0,1 * * * *' }, T0)).toBe(MIN);
    expect(smallestGap({ cron: '0 9,17 * * *', timezone: 'Europe/London' }, T0)).toBe(8 * 60 * MIN);
    expect(smallestGap({ at: '2026-02-01T00:00:00Z' }, T0)).toBeNull();
  });

  it('minimum interval: 5 min standard, 1 min enterprise, named with its value', () => {
    const e = refusal(() => checkScheduleInterval('standard', { cron: '*/2 * * * *' }, T0));
    expect({ limit: e.limit, value: e.value }).toEqual({ limit: 'minScheduleIntervalMs', value: 5 * MIN });
    expect(e.message).toMatch(/standard tier allows schedules at most every 5m; this spec has occurrences 2m apart/);
    expect(() => checkScheduleInterval('standard', { every: '5m' }, T0)).not.toThrow();
    expect(() => checkScheduleInterval('enterprise', { cron: '*/2 * * * *' }, T0)).not.toThrow();
    expect(refusal(() => checkScheduleInterval('enterprise', { cron: '*/30 * * * * *' }, T0)).value).toBe(MIN);
  });

  it('schedules and concurrent runs: at the limit is fine, past it is refused', () => {
    expect(() => checkScheduleCount('standard', 999)).not.toThrow();
    expect(refusal(() => checkScheduleCount('standard', 1000))).toMatchObject({ limit: 'maxSchedules', value: 1000 });
    expect(() => checkConcurrentRuns('standard', 9_999, 1)).not.toThrow();
    expect(refusal(() => checkConcurrentRuns('standard', 9_999, 2))).toMatchObject({ limit: 'maxConcurrentRuns', value: 10_000 });
    expect(refusal(() => checkConcurrentRuns('enterprise', 100_000, 1))).toMatchObject({ limit: 'maxConcurrentRuns', value: 100_000 });
  });
});
