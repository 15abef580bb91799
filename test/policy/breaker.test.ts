import { describe, expect, it } from 'vitest';
import { CLOSED_BREAKER, decideBreaker, probeDue, type BreakerState } from '../../src/policy/breaker.js';
import type { BreakerPolicy, RunOutcome } from '../../src/policy/health.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const ON: BreakerPolicy = { after: 3, cooldownMs: 10 * MIN };

function step(breaker: BreakerState, outcome: RunOutcome, failures: number, over: { paused?: boolean; runId?: string; now?: number; policy?: BreakerPolicy } = {}) {
  return decideBreaker({
    breaker,
    policy: over.policy ?? ON,
    outcome,
    consecutiveFailures: failures,
    paused: over.paused ?? false,
    runId: over.runId ?? 'r',
    now: over.now ?? T0,
  });
}

describe('circuit breaker', () => {
  it('is off by default: any number of failures changes nothing', () => {
    expect(step(CLOSED_BREAKER, 'failure', 50, { policy: { after: null, cooldownMs: null } })).toEqual({ next: CLOSED_BREAKER, action: 'none' });
  });

  it('pauses after K consecutive failures, with a note and the probe instant', () => {
    expect(step(CLOSED_BREAKER, 'failure', 2).action).toBe('none');
    const trip = step(CLOSED_BREAKER, 'failure', 3);
    expect(trip.action).toBe('pause');
    expect(trip.next).toEqual({ state: 'open', openedAt: T0, probeAt: T0 + 10 * MIN, trips: 1 });
    expect(trip.note).toMatch(/circuit breaker: paused after 3 consecutive failures \(breaker after 3\)/);
    expect(trip.note).toContain(new Date(T0 + 10 * MIN).toISOString());
  });

  it('without a cooldown it stays paused until a person resumes', () => {
    const trip = step(CLOSED_BREAKER, 'failure', 3, { policy: { after: 3, cooldownMs: null } });
    expect(trip.next).toMatchObject({ state: 'open', probeAt: null });
    expect(trip.note).toMatch(/resume it when the cause is fixed/);
    expect(probeDue(trip.next, { paused: true, note: trip.note! }, T0 + 1000 * MIN)).toBe(false);
  });

  it('probes after the cooldown while paused by the breaker; not before, not when a person resumed or paused it', () => {
    const open: BreakerState = { state: 'open', openedAt: T0, probeAt: T0 + 10 * MIN, trips: 1 };
    const byBreaker = { paused: true, note: 'circuit breaker: paused after 3 consecutive failures' };
    expect(probeDue(open, byBreaker, T0 + 10 * MIN - 1)).toBe(false);
    expect(probeDue(open, byBreaker, T0 + 10 * MIN)).toBe(true);
    expect(probeDue(open, { paused: false, note: null }, T0 + 10 * MIN)).toBe(false);
    expect(probeDue(open, { paused: true, note: 'maintenance until Monday' }, T0 + 10 * MIN)).toBe(false);
    expect(probeDue(CLOSED_BREAKER, byBreaker, T0 + 10 * MIN)).toBe(false);
  });

  it('a successful probe resumes; a failed probe re-pauses with a new cooldown', () => {
    const probing: BreakerState = { state: 'probing', openedAt: T0, probeRunId: 'probe', trips: 1 };
    expect(step(probing, 'success', 0, { paused: true, runId: 'probe' })).toEqual({ next: CLOSED_BREAKER, action: 'resume' });
    const again = step(probing, 'failure', 4, { paused: true, runId: 'probe', now: T0 + 20 * MIN });
    expect(again.action).toBe('repause');
    expect(again.next).toEqual({ state: 'open', openedAt: T0, probeAt: T0 + 30 * MIN, trips: 2 });
    expect(again.note).toMatch(/the probe run failed/);
  });

  it('a run that was in flight when the breaker opened is counted but changes nothing', () => {
    const open: BreakerState = { state: 'open', openedAt: T0, probeAt: T0 + 10 * MIN, trips: 1 };
    expect(step(open, 'failure', 4, { paused: true })).toEqual({ next: open, action: 'none' });
    expect(step(open, 'success', 0, { paused: true })).toEqual({ next: open, action: 'none' });
    const probing: BreakerState = { state: 'probing', openedAt: T0, probeRunId: 'probe', trips: 1 };
    expect(step(probing, 'success', 0, { paused: true, runId: 'other' })).toEqual({ next: probing, action: 'none' });
  });

  it('after a person resumes, the count starts again: one more failure does not re-trip', () => {
    const open: BreakerState = { state: 'open', openedAt: T0, probeAt: null, trips: 1 };
    // Resumed (not paused) with 3 failures behind; this failure makes 4 in the health record.
    const first = step(open, 'failure', 4, { paused: false });
    expect(first).toEqual({ next: { state: 'closed', streakBase: 3 }, action: 'none' });
    expect(step(first.next, 'failure', 5).action).toBe('none');
    expect(step(first.next, 'failure', 6).action).toBe('pause');
    // A success clears the base.
    expect(step(first.next, 'success', 0).next).toEqual(CLOSED_BREAKER);
  });
});
