import { describe, expect, it } from 'vitest';
import { planCatchup } from '../../src/policy/catchup.js';

const minute = 60_000;
const now = 100 * minute;
// An outage of 5 minutes on a 1-minute schedule: occurrences at 95..100.
const due = [95, 96, 97, 98, 99, 100].map((m) => m * minute);

describe('catch-up policy', () => {
  it('runs a just-due occurrence under every policy', () => {
    for (const policy of ['latest', 'all', 'none'] as const) {
      expect(planCatchup({ policy, windowMs: minute, bufferLimit: 1000, due: [now - 5], now })).toEqual({ run: [now - 5], missed: [] });
    }
  });

  it('latest runs the most recent in the window and records every other one as missed', () => {
    const plan = planCatchup({ policy: 'latest', windowMs: 3 * minute, bufferLimit: 1000, due, now });
    expect(plan.run).toEqual([100 * minute]);
    expect(plan.missed.map((m) => m.nominal / minute)).toEqual([95, 96, 97, 98, 99]);
    expect(plan.missed[0]!.reason).toMatch(/window/);
    expect(plan.missed.at(-1)!.reason).toMatch(/superseded/);
  });

  it('all runs each occurrence in the window, up to the buffer limit', () => {
    const plan = planCatchup({ policy: 'all', windowMs: 3 * minute, bufferLimit: 2, due, now });
    expect(plan.run.map((n) => n / minute)).toEqual([97, 98]);
    expect(plan.missed.map((m) => m.nominal / minute)).toEqual([95, 96, 99, 100]);
  });

  it('none records late occurrences as missed', () => {
    const plan = planCatchup({ policy: 'none', windowMs: 10 * minute, bufferLimit: 1000, due: due.slice(0, 5), now });
    expect(plan.run).toEqual([]);
    expect(plan.missed).toHaveLength(5);
  });

  it('never uses a window below 10 s', () => {
    const plan = planCatchup({ policy: 'latest', windowMs: 1, bufferLimit: 1000, due: [now - 9_000], now });
    expect(plan.run).toEqual([now - 9_000]);
  });

  it('accounts for every due occurrence exactly once', () => {
    for (const policy of ['latest', 'all', 'none'] as const) {
      const plan = planCatchup({ policy, windowMs: 2 * minute, bufferLimit: 3, due, now });
      const all = [...plan.run, ...plan.missed.map((m) => m.nominal)].sort((a, b) => a - b);
      expect(all).toEqual(due);
    }
  });
});
