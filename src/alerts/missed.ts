import { missedAfter, resolveAlertPolicy, type AlertPolicy } from '../policy/health.js';
import type { Store } from '../store/store.js';
import type { Run } from '../store/types.js';
import { onRunFinished } from './health.js';

/** Runs examined per call: the oldest first, so a backlog drains over a few monitor ticks. */
const BATCH = 500;

/**
 * Missed-run detection (issue 7): a scheduled run still queued, never started, a grace period
 * after its planned start (nominal time plus jitter) becomes `missed` with a reason, and counts
 * as a failure of its schedule in the same transaction.
 *
 * The scheduler already records occurrences it never queued (catch-up) as missed; this adds the
 * runs it queued that no worker picked up in time (all slots busy, no worker running). A run
 * waiting because its schedule has a run in progress (overlap `buffer_one`/`buffer_all`, or a
 * concurrency limit) is waiting by policy, not missed, and is left alone. `notBefore` is when
 * this node started: runs left queued by an outage get a full grace to be claimed after it.
 */
export async function markMissedRuns(store: Store, now: number, options: { notBefore?: number } = {}): Promise<Run[]> {
  const notBefore = options.notBefore ?? Number.NEGATIVE_INFINITY;
  const candidates = await store.runs.unstarted(now, BATCH);
  const policies = new Map<string, { policy: AlertPolicy; busy: boolean }>();
  const missed: Run[] = [];
  for (const run of candidates) {
    if (run.scheduleId === null) continue;
    let known = policies.get(run.scheduleId);
    if (!known) {
      const schedule = await store.schedules.get(run.orgId, run.scheduleId);
      const active = await store.runs.active(run.orgId, run.scheduleId);
      known = { policy: resolveAlertPolicy(schedule?.policies ?? {}), busy: active.some((r) => r.status === 'running') };
      policies.set(run.scheduleId, known);
    }
    // A run cannot be blamed for not starting while agentcron was not running: after a restart,
    // the grace counts from the start (the outage itself is reported once, by detectOutage).
    const from = Math.max(run.availableAt, notBefore);
    if (known.busy || now <= missedAfter(from, known.policy)) continue;
    const reason = `not started within the missed grace of ${known.policy.missedGraceMs} ms after its planned start ${new Date(run.availableAt).toISOString()}${from > run.availableAt ? ` (counted from agentcron's start at ${new Date(from).toISOString()})` : ''}`;
    const marked = await store.transaction(async (tx) => {
      const updated = await tx.runs.markMissed(run.id, reason, now);
      if (updated) await onRunFinished(tx, updated, now);
      return updated;
    });
    if (marked) missed.push(marked);
  }
  return missed;
}
