import { describe, expect, it } from 'vitest';
import {
  countOutcome,
  decideIncident,
  DEFAULT_ALERT_POLICY,
  missedAfter,
  outcomeOf,
  renotifyDue,
  resolveAlertPolicy,
  type AlertPolicy,
  type RunOutcome,
} from '../../src/policy/health.js';
import type { ScheduleHealth } from '../../src/store/types.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

describe('outcomeOf', () => {
  it('counts failed, timed-out and missed runs as failures, and skipped or cancelled runs not at all', () => {
    expect(outcomeOf('succeeded')).toBe('success');
    expect(outcomeOf('failed')).toBe('failure');
    expect(outcomeOf('timed_out')).toBe('failure');
    expect(outcomeOf('missed')).toBe('failure');
    expect(outcomeOf('skipped')).toBeNull();
    expect(outcomeOf('cancelled')).toBeNull();
    expect(outcomeOf('queued')).toBeNull();
    expect(outcomeOf('running')).toBeNull();
  });
});

describe('resolveAlertPolicy', () => {
  it('defaults: incident after 3 failures, resolve after 1 success, 60 s grace, breaker off, no re-notification', () => {
    expect(resolveAlertPolicy({})).toEqual(DEFAULT_ALERT_POLICY);
    expect(DEFAULT_ALERT_POLICY).toMatchObject({ failureThreshold: 3, recoveryThreshold: 1, missedGraceMs: 60_000, renotifyMs: null, breaker: { after: null, cooldownMs: null } });
  });

  it('reads durations and the breaker from the stored policy', () => {
    const policy = resolveAlertPolicy({
      alerts: { failureThreshold: 5, recoveryThreshold: 2, missedGrace: '90s', renotify: '1h', destinations: ['pd'], breaker: { after: 10, cooldown: '30m' }, countOutages: true },
    });
    expect(policy).toEqual({
      failureThreshold: 5,
      recoveryThreshold: 2,
      missedGraceMs: 90_000,
      renotifyMs: 3_600_000,
      destinations: ['pd'],
      breaker: { after: 10, cooldownMs: 1_800_000 },
      countOutages: true,
    });
  });

  it('names the field of a bad duration', () => {
    expect(() => resolveAlertPolicy({ alerts: { renotify: 'soon' } })).toThrow(/alerts\.renotify/);
  });
});

describe('countOutcome', () => {
  it('extends one streak and breaks the other; totals and last instants follow', () => {
    let h: ScheduleHealth | null = null;
    const outcomes: RunOutcome[] = ['failure', 'failure', 'success', 'success', 'failure'];
    outcomes.forEach((o, i) => (h = countOutcome(h, 's1', o, T0 + i)));
    expect(h).toEqual({
      scheduleId: 's1',
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      lastSuccessAt: T0 + 3,
      lastFailureAt: T0 + 4,
      totalSucceeded: 2,
      totalFailed: 3,
    });
  });
});

/** Feeds outcomes through the counters and the incident decision, as the alerts module does. */
function simulate(outcomes: RunOutcome[], policy: AlertPolicy, step = MIN) {
  let health: ScheduleHealth | null = null;
  let open: { openedAt: number; lastNotifiedAt: number | null } | null = null;
  const decisions: string[] = [];
  outcomes.forEach((outcome, i) => {
    const now = T0 + i * step;
    health = countOutcome(health, 's1', outcome, now);
    const d = decideIncident({ outcome, health, open, policy, now });
    decisions.push(d);
    if (d === 'open') open = { openedAt: now, lastNotifiedAt: now };
    if (d === 'renotify' && open) open = { ...open, lastNotifiedAt: now };
    if (d === 'resolve') open = null;
  });
  return decisions;
}

describe('decideIncident', () => {
  const f: RunOutcome = 'failure';
  const s: RunOutcome = 'success';

  it('opens once after 3 consecutive failures and resolves after 1 success', () => {
    expect(simulate([f, f, f, f, f, s, s], DEFAULT_ALERT_POLICY)).toEqual(['none', 'none', 'open', 'none', 'none', 'resolve', 'none']);
  });

  it('a success in between restarts the count', () => {
    expect(simulate([f, f, s, f, f, f], DEFAULT_ALERT_POLICY)).toEqual(['none', 'none', 'none', 'none', 'none', 'open']);
  });

  it('one incident per streak: a new streak after recovery opens a new one', () => {
    expect(simulate([f, f, f, s, f, f, f], DEFAULT_ALERT_POLICY)).toEqual(['none', 'none', 'open', 'resolve', 'none', 'none', 'open']);
  });

  it('with recoveryThreshold 2, one success does not resolve and a failure after it does not reopen', () => {
    const policy = { ...DEFAULT_ALERT_POLICY, recoveryThreshold: 2 };
    expect(simulate([f, f, f, s, f, s, s], policy)).toEqual(['none', 'none', 'open', 'none', 'none', 'none', 'resolve']);
  });

  it('re-notifies a still-failing incident once the interval has passed since the last notification', () => {
    const policy = { ...DEFAULT_ALERT_POLICY, renotifyMs: 3 * MIN };
    // One outcome a minute: opened at minute 2, re-notified at 5 and 8.
    expect(simulate([f, f, f, f, f, f, f, f, f], policy)).toEqual(['none', 'none', 'open', 'none', 'none', 'renotify', 'none', 'none', 'renotify']);
  });

  it('renotifyDue counts from the opening when nothing was sent yet, and never without an interval', () => {
    const policy = { ...DEFAULT_ALERT_POLICY, renotifyMs: 10 * MIN };
    expect(renotifyDue({ openedAt: T0, lastNotifiedAt: null }, policy, T0 + 10 * MIN - 1)).toBe(false);
    expect(renotifyDue({ openedAt: T0, lastNotifiedAt: null }, policy, T0 + 10 * MIN)).toBe(true);
    expect(renotifyDue({ openedAt: T0, lastNotifiedAt: T0 + 5 * MIN }, policy, T0 + 10 * MIN)).toBe(false);
    expect(renotifyDue({ openedAt: T0, lastNotifiedAt: null }, DEFAULT_ALERT_POLICY, T0 + 1000 * MIN)).toBe(false);
  });
});

describe('missedAfter', () => {
  it('is the planned start plus the grace', () => {
    expect(missedAfter(T0, DEFAULT_ALERT_POLICY)).toBe(T0 + 60_000);
    expect(missedAfter(T0 + 5_000, { ...DEFAULT_ALERT_POLICY, missedGraceMs: 10_000 })).toBe(T0 + 15_000);
  });
});
