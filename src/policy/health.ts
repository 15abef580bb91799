import { parseDuration } from '../spec/duration.js';
import type { RunStatus, ScheduleHealth, SchedulePolicies } from '../store/types.js';

/**
 * Health thresholds and incident decisions (DESIGN.md "Health"). Pure: the alerts module reads
 * the health record and the open incident, asks these functions what to do, and writes the
 * answer in the transaction that records the run's terminal state.
 */

/** A schedule's `alerts` policy as stored in its policies (durations as text, like the config). */
export interface AlertsPolicyInput {
  failureThreshold?: number;
  recoveryThreshold?: number;
  missedGrace?: string;
  renotify?: string;
  destinations?: string[];
  breaker?: { after?: number; cooldown?: string };
  /** Count occurrences missed while agentcron itself was down as the schedule's failures. */
  countOutages?: boolean;
}

export interface AlertPolicy {
  failureThreshold: number;
  recoveryThreshold: number;
  missedGraceMs: number;
  /** Re-notify an open incident this often; null = notify once. */
  renotifyMs: number | null;
  destinations: string[];
  breaker: BreakerPolicy;
  countOutages: boolean;
}

export interface BreakerPolicy {
  /** Pause after this many consecutive failures; null = breaker off (the default). */
  after: number | null;
  /** Re-probe this long after pausing; null = stay paused until a person resumes. */
  cooldownMs: number | null;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  failureThreshold: 3,
  recoveryThreshold: 1,
  missedGraceMs: 60_000,
  renotifyMs: null,
  destinations: [],
  breaker: { after: null, cooldownMs: null },
  countOutages: false,
};

/** The one incident kind health opens: a streak of failed, timed-out or missed runs. */
export const FAILURE_STREAK_INCIDENT = 'failure_streak';

export function resolveAlertPolicy(policies: SchedulePolicies): AlertPolicy {
  const input = (policies.alerts ?? {}) as AlertsPolicyInput;
  const d = DEFAULT_ALERT_POLICY;
  return {
    failureThreshold: input.failureThreshold ?? d.failureThreshold,
    recoveryThreshold: input.recoveryThreshold ?? d.recoveryThreshold,
    missedGraceMs: input.missedGrace !== undefined ? parseDuration(input.missedGrace, 'alerts.missedGrace') : d.missedGraceMs,
    renotifyMs: input.renotify !== undefined ? parseDuration(input.renotify, 'alerts.renotify') : null,
    destinations: input.destinations ?? [],
    breaker: {
      after: input.breaker?.after ?? null,
      cooldownMs: input.breaker?.cooldown !== undefined ? parseDuration(input.breaker.cooldown, 'alerts.breaker.cooldown') : null,
    },
    countOutages: input.countOutages ?? false,
  };
}

export type RunOutcome = 'success' | 'failure';

/** Failed, timed-out and missed runs are failures; skipped and cancelled runs count for nothing. */
export function outcomeOf(status: RunStatus): RunOutcome | null {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'timed_out':
    case 'missed':
      return 'failure';
    default:
      return null;
  }
}

/**
 * The counters after one outcome. The store folds outcomes with the same rule in one SQL
 * statement (so concurrent outcomes lose no increment); a contract test checks they agree.
 */
export function countOutcome(previous: ScheduleHealth | null, scheduleId: string, outcome: RunOutcome, at: number): ScheduleHealth {
  const p = previous ?? {
    scheduleId,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    lastSuccessAt: null,
    lastFailureAt: null,
    totalSucceeded: 0,
    totalFailed: 0,
  };
  const success = outcome === 'success';
  return {
    scheduleId,
    consecutiveFailures: success ? 0 : p.consecutiveFailures + 1,
    consecutiveSuccesses: success ? p.consecutiveSuccesses + 1 : 0,
    lastSuccessAt: success ? at : p.lastSuccessAt,
    lastFailureAt: success ? p.lastFailureAt : at,
    totalSucceeded: p.totalSucceeded + (success ? 1 : 0),
    totalFailed: p.totalFailed + (success ? 0 : 1),
  };
}

export interface OpenIncidentView {
  openedAt: number;
  lastNotifiedAt: number | null;
}

export type IncidentDecision = 'open' | 'resolve' | 'renotify' | 'none';

/**
 * What one outcome does to the schedule's failure-streak incident, given the counters AFTER the
 * outcome. One incident per streak: a failure with an incident already open never opens a second
 * one; it re-notifies only when the re-notification interval has passed.
 */
export function decideIncident(input: {
  outcome: RunOutcome;
  health: Pick<ScheduleHealth, 'consecutiveFailures' | 'consecutiveSuccesses'>;
  open: OpenIncidentView | null;
  policy: AlertPolicy;
  now: number;
}): IncidentDecision {
  const { outcome, health, open, policy } = input;
  if (outcome === 'success') {
    return open && health.consecutiveSuccesses >= policy.recoveryThreshold ? 'resolve' : 'none';
  }
  if (!open) return health.consecutiveFailures >= policy.failureThreshold ? 'open' : 'none';
  return renotifyDue(open, policy, input.now) ? 'renotify' : 'none';
}

/** An open incident is due for another notification (time-based; checked by the monitor too). */
export function renotifyDue(open: OpenIncidentView, policy: AlertPolicy, now: number): boolean {
  if (policy.renotifyMs === null) return false;
  return now - (open.lastNotifiedAt ?? open.openedAt) >= policy.renotifyMs;
}

/**
 * The instant after which a queued, never-started run counts as missed: the grace period runs
 * from its planned start (the nominal time plus the schedule's deterministic jitter).
 */
export function missedAfter(plannedStart: number, policy: AlertPolicy): number {
  return plannedStart + policy.missedGraceMs;
}

/** A human summary of a failure streak, for incident titles and PagerDuty summaries. */
export function streakSummary(scheduleId: string, failures: number, lastStatus: RunStatus): string {
  return `schedule ${scheduleId}: ${failures} consecutive failed runs (last: ${lastStatus})`;
}
