import { describe, expect, it } from 'vitest';
import { estimateCost, unusualDays } from '../../src/policy/cost.js';
import { occurrencesBetween, parseSpec, type ScheduleSpecInput } from '../../src/spec/index.js';

const at = (iso: string) => Date.parse(iso);
const estimate = (spec: ScheduleSpecInput, durationMs: number, from: string, price = 0.3) =>
  estimateCost({ spec: parseSpec(spec), durationMs, pricePerAgentMinute: price, from: at(from) });

describe('estimateCost', () => {
  it('*/5 for 30 s at $0.30: 288 runs, 144 agent-minutes, $43.20 a day; $1,296 a 30-day month', () => {
    const e = estimate({ cron: '*/5 * * * *' }, 30_000, '2026-06-10T15:42:00Z');
    expect(e.perDay).toEqual({ runs: 288, agentMinutes: 144, dollars: 43.2 });
    expect(e.perMonth).toEqual({ runs: 8640, agentMinutes: 4320, dollars: 1296 });
    expect(e.daysDiffer).toBe(false);
    expect(e.days).toHaveLength(30);
    expect(e.days[0]).toEqual({ date: '2026-06-10', hours: 24, runs: 288 });
  });

  it('counts a spring-forward day in the zone as the 23 hours it has', () => {
    const e = estimate({ cron: '*/5 * * * *', timezone: 'Europe/London' }, 30_000, '2026-03-20T12:00:00Z');
    const dst = e.days.find((d) => d.date === '2026-03-29');
    expect(dst).toEqual({ date: '2026-03-29', hours: 23, runs: 276 });
    expect(e.daysDiffer).toBe(true);
    expect(e.perMonth.runs).toBe(29 * 288 + 276);
    expect(e.perDay.runs).toBeCloseTo((29 * 288 + 276) / 30, 10);
    expect(unusualDays(e.days)).toEqual({ usualRuns: 288, unusual: [dst] });
  });

  it('counts a fall-back day as 25 hours, and matches the listed occurrences on every day', () => {
    const spec = parseSpec({ cron: '*/15 * * * *', timezone: 'America/New_York' });
    const e = estimateCost({ spec, durationMs: 60_000, pricePerAgentMinute: 0.3, from: at('2026-10-20T12:00:00Z') });
    expect(e.days.find((d) => d.date === '2026-11-01')).toMatchObject({ hours: 25, runs: 100 });
    // The computed counts of plain days agree with listing every occurrence of the month.
    const first = at('2026-10-20T04:00:00Z'); // local midnight, EDT
    const listed = occurrencesBetween(spec, first, first + 30 * 86_400_000 + 3_600_000, 100_000).occurrences.length;
    expect(e.perMonth.runs).toBe(listed);
  });

  it('a fixed time in the spring-forward gap fires once when shifted and not at all when skipped', () => {
    const shifted = estimate({ cron: '30 1 * * *', timezone: 'Europe/London' }, 60_000, '2026-03-20T12:00:00Z');
    expect(shifted.days.find((d) => d.date === '2026-03-29')?.runs).toBe(1);
    expect(shifted.daysDiffer).toBe(false);
    const skipped = estimate({ cron: '30 1 * * *', timezone: 'Europe/London', dstGap: 'skip' }, 60_000, '2026-03-20T12:00:00Z');
    expect(skipped.days.find((d) => d.date === '2026-03-29')?.runs).toBe(0);
    expect(skipped.perMonth.runs).toBe(29);
  });

  it('counts every grids and weekly crons, whose days differ', () => {
    const every = estimate({ every: '7m' }, 30_000, '2026-06-10T00:00:00Z');
    const listed = occurrencesBetween(parseSpec({ every: '7m' }), at('2026-06-10T00:00:00Z'), at('2026-07-10T00:00:00Z'), 100_000);
    expect(every.perMonth.runs).toBe(listed.occurrences.length);
    const weekly = estimate({ cron: '0 9 * * 1' }, 600_000, '2026-06-10T00:00:00Z', 0.5);
    expect(weekly.perMonth).toEqual({ runs: 4, agentMinutes: 40, dollars: 20 });
    expect(weekly.daysDiffer).toBe(true);
  });

  it('rejects a non-positive duration and a negative price', () => {
    expect(() => estimate({ every: '1h' }, 0, '2026-06-10T00:00:00Z')).toThrow(/duration/);
    expect(() => estimate({ every: '1h' }, 1000, '2026-06-10T00:00:00Z', -1)).toThrow(/price/);
  });
});
