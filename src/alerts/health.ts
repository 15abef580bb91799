import { decideBreaker, type BreakerAction } from '../policy/breaker.js';
import {
  decideIncident,
  FAILURE_STREAK_INCIDENT,
  outcomeOf,
  renotifyDue,
  resolveAlertPolicy,
  streakSummary,
  type AlertPolicy,
  type IncidentDecision,
  type RunOutcome,
} from '../policy/health.js';
import type { Store } from '../store/store.js';
import type { Incident, Json, Run, Schedule, ScheduleHealth } from '../store/types.js';
import { readBreaker, writeBreaker } from './breaker.js';
import { enqueueAlert, type AlertEvent } from './events.js';

export interface HealthUpdate {
  health: ScheduleHealth;
  incident: IncidentDecision;
  breaker: BreakerAction;
}

/**
 * Counts a run's terminal state into its schedule's health and acts on it: opens, re-notifies
 * or resolves the failure-streak incident, trips or closes the circuit breaker, and enqueues the
 * events for the schedule's alert destinations. Call it with the transaction that wrote the
 * run's terminal state (DESIGN.md invariant 4), once per run. Runs without a schedule, and
 * skipped or cancelled runs, change nothing (null).
 */
export async function onRunFinished(tx: Store, run: Run, now: number): Promise<HealthUpdate | null> {
  const outcome = outcomeOf(run.status);
  if (run.scheduleId === null || outcome === null) return null;
  return recordOutcome(tx, { orgId: run.orgId, scheduleId: run.scheduleId, outcome, run, at: run.finishedAt ?? now }, now);
}

/**
 * Counts one outcome (of a run, or of an occurrence that never got a run, such as one missed
 * during an outage when the schedule counts those) and acts on the new counters.
 */
export async function recordOutcome(
  tx: Store,
  input: { orgId: string; scheduleId: string; outcome: RunOutcome; run: Run | null; at: number },
  now: number,
): Promise<HealthUpdate> {
  const { outcome, run } = input;
  const health = await tx.health.record(input.scheduleId, outcome === 'success', input.at);
  const schedule = await tx.schedules.get(input.orgId, input.scheduleId);
  // A deleted schedule keeps its health history; there is nobody left to alert.
  if (!schedule) return { health, incident: 'none', breaker: 'none' };
  const policy = resolveAlertPolicy(schedule.policies);

  const open = await tx.incidents.openFor(schedule.id, FAILURE_STREAK_INCIDENT);
  const incident = decideIncident({ outcome, health, open, policy, now });
  await applyIncident(tx, incident, { schedule, run, health, open, policy, now });

  const breaker = await readBreaker(tx, schedule.id);
  const decision = decideBreaker({
    breaker,
    policy: policy.breaker,
    outcome,
    consecutiveFailures: health.consecutiveFailures,
    paused: schedule.paused,
    runId: run?.id ?? null,
    now,
  });
  if (JSON.stringify(decision.next) !== JSON.stringify(breaker)) await writeBreaker(tx, schedule.orgId, schedule.id, decision.next, now);
  if (decision.action === 'pause' || decision.action === 'repause') {
    const note = decision.note ?? 'circuit breaker';
    await tx.schedules.setPaused(schedule.orgId, schedule.id, true, note, now);
    await enqueueAlert(
      tx,
      {
        eventId: `schedule.${schedule.id}.paused.${now}`,
        type: 'schedule.paused',
        orgId: schedule.orgId,
        scheduleId: schedule.id,
        run,
        occurredAt: now,
        data: { note, by: 'circuit_breaker', consecutiveFailures: health.consecutiveFailures, probeAt: probeAtOf(decision.next) },
      },
      policy.destinations,
      now,
    );
  } else if (decision.action === 'resume') {
    await tx.schedules.setPaused(schedule.orgId, schedule.id, false, null, now);
  }
  return { health, incident, breaker: decision.action };
}

function probeAtOf(state: { state: string; probeAt?: number | null }): Json {
  return state.probeAt === undefined || state.probeAt === null ? null : new Date(state.probeAt).toISOString();
}

interface IncidentContext {
  schedule: Schedule;
  run: Run | null;
  health: ScheduleHealth;
  open: Incident | null;
  policy: AlertPolicy;
  now: number;
}

async function applyIncident(tx: Store, decision: IncidentDecision, ctx: IncidentContext): Promise<void> {
  const { schedule, run, health, policy, now } = ctx;
  if (decision === 'open') {
    const failingSince = await streakStart(tx, schedule, health.consecutiveFailures, run, now);
    const { incident, opened } = await tx.incidents.open(
      {
        orgId: schedule.orgId,
        scheduleId: schedule.id,
        kind: FAILURE_STREAK_INCIDENT,
        summary: streakSummary(schedule.id, health.consecutiveFailures, run?.status ?? 'failed'),
        details: {
          failureThreshold: policy.failureThreshold,
          consecutiveFailures: health.consecutiveFailures,
          lastRunId: run?.id ?? null,
          failingSince: new Date(failingSince).toISOString(),
        },
      },
      now,
    );
    if (opened) await notify(tx, 'incident.opened', incident, ctx);
  } else if (decision === 'resolve' && ctx.open) {
    const resolved = await tx.incidents.resolve(ctx.open.id, now);
    if (resolved) await notify(tx, 'incident.resolved', resolved, ctx);
  } else if (decision === 'renotify' && ctx.open) {
    await notify(tx, 'incident.renotified', ctx.open, ctx);
  }
}

/**
 * When the failure streak began: the end of the oldest of the schedule's last `failures` failed,
 * timed-out or missed runs (an outage's misses counted as failures have no run: then the causing
 * run's end, or now).
 */
async function streakStart(tx: Store, schedule: Schedule, failures: number, run: Run | null, now: number): Promise<number> {
  const fallback = run?.finishedAt ?? now;
  if (failures < 1) return fallback;
  const { runs } = await tx.runs.list({ orgId: schedule.orgId, scheduleId: schedule.id, status: ['failed', 'timed_out', 'missed'], limit: failures });
  const oldest = runs.at(-1);
  return oldest ? Math.min(oldest.finishedAt ?? oldest.nominalTime, fallback) : fallback;
}

async function notify(
  tx: Store,
  type: 'incident.opened' | 'incident.renotified' | 'incident.resolved',
  incident: Incident,
  ctx: Pick<IncidentContext, 'schedule' | 'run' | 'health' | 'policy' | 'now'>,
): Promise<void> {
  const { schedule, now } = ctx;
  const suffix = type === 'incident.opened' ? 'opened' : type === 'incident.resolved' ? 'resolved' : `renotified.${now}`;
  const event: AlertEvent = {
    eventId: `incident.${incident.id}.${suffix}`,
    type,
    orgId: schedule.orgId,
    scheduleId: schedule.id,
    run: ctx.run,
    occurredAt: now,
    data: {
      incident: {
        id: incident.id,
        kind: incident.kind,
        status: incident.status,
        summary: incident.summary,
        openedAt: new Date(incident.openedAt).toISOString(),
        resolvedAt: incident.resolvedAt === null ? null : new Date(incident.resolvedAt).toISOString(),
        // Failures that opened it and when that streak began (stored when it opened).
        consecutiveFailures: detail(incident, 'consecutiveFailures'),
        failingSince: detail(incident, 'failingSince'),
      },
      health: {
        consecutiveFailures: ctx.health.consecutiveFailures,
        consecutiveSuccesses: ctx.health.consecutiveSuccesses,
        lastSuccessAt: ctx.health.lastSuccessAt === null ? null : new Date(ctx.health.lastSuccessAt).toISOString(),
      },
    },
  };
  await enqueueAlert(tx, event, ctx.policy.destinations, now);
  if (type !== 'incident.resolved') await tx.incidents.markNotified(incident.id, now);
}

/**
 * Re-notifies open incidents whose interval has passed without a new failure (the monitor calls
 * this; a failure outcome re-notifies through `onRunFinished`). Returns how many it re-notified.
 */
export async function renotifyOpenIncidents(store: Store, now: number): Promise<number> {
  let count = 0;
  for (const org of await store.orgs.list()) {
    for (const open of await store.incidents.list(org.id, { status: 'open', limit: 1000 })) {
      if (open.kind !== FAILURE_STREAK_INCIDENT) continue;
      // Checked outside a transaction first: most schedules never re-notify.
      const schedule = await store.schedules.get(open.orgId, open.scheduleId);
      if (!schedule || !renotifyDue(open, resolveAlertPolicy(schedule.policies), now)) continue;
      const done = await store.transaction(async (tx) => {
        const current = await tx.incidents.openFor(open.scheduleId, open.kind);
        const fresh = await tx.schedules.get(open.orgId, open.scheduleId);
        if (!fresh || !current || current.id !== open.id) return false;
        const policy = resolveAlertPolicy(fresh.policies);
        if (!renotifyDue(current, policy, now)) return false;
        const health = (await tx.health.get(fresh.id)) ?? emptyHealth(fresh.id);
        await notify(tx, 'incident.renotified', current, { schedule: fresh, run: null, health, policy, now });
        return true;
      });
      if (done) count++;
    }
  }
  return count;
}

function detail(incident: Incident, key: string): Json {
  const details = incident.details;
  return details !== null && typeof details === 'object' && !Array.isArray(details) ? (details[key] ?? null) : null;
}

function emptyHealth(scheduleId: string): ScheduleHealth {
  return { scheduleId, consecutiveFailures: 0, consecutiveSuccesses: 0, lastSuccessAt: null, lastFailureAt: null, totalSucceeded: 0, totalFailed: 0 };
}
