import { planCatchup } from '../policy/catchup.js';
import { resolveAlertPolicy } from '../policy/health.js';
import { resolvePolicies } from '../policy/schedule.js';
import { occurrencesBetween, parseSpec, periodOf } from '../spec/index.js';
import type { Store } from '../store/store.js';
import { enqueueAlert } from './events.js';
import { recordOutcome } from './health.js';

/** The meta key a serving node refreshes (HealthMonitor) and a starting node reads. */
export const LAST_ALIVE_KEY = 'system.lastAliveAt';
/** Written first by a starting node, so two nodes starting together check one after the other. */
const CHECK_LOCK_KEY = 'system.outageCheck';
/** A gap above this between the last heartbeat and a start is an outage. */
export const DEFAULT_OUTAGE_THRESHOLD_MS = 2 * 60_000;
/** Occurrences counted per schedule; beyond it the report says `truncated`. */
const MAX_COUNTED = 100_000;

export interface OutageSchedule {
  scheduleId: string;
  /** Occurrences whose nominal time fell in the window. */
  occurrences: number;
  /** Of those, how many the schedule's catch-up policy still runs and how many it records as missed. */
  caughtUp: number;
  missed: number;
  truncated: boolean;
  /** Whether the missed occurrences were counted as the schedule's failures (`alerts.countOutages`). */
  countedAsFailures: boolean;
}

export interface OutageReport {
  orgId: string;
  from: number;
  to: number;
  schedules: OutageSchedule[];
}

export async function recordAlive(store: Store, now: number): Promise<void> {
  await store.meta.set(LAST_ALIVE_KEY, now, now);
}

/**
 * Run once when a node starts, before its scheduler: when the last heartbeat of any node is
 * older than `thresholdMs`, agentcron itself was down. Each organisation with schedules gets ONE
 * `system.outage` event (to the union of its schedules' alert destinations) with the window and
 * the occurrences each schedule missed; those are not the schedules' failures unless a schedule
 * sets `alerts.countOutages`. The event id derives from the window, so a second node reporting
 * the same outage enqueues nothing new. Returns the reports (empty when there was no outage).
 */
export async function detectOutage(store: Store, now: number, thresholdMs = DEFAULT_OUTAGE_THRESHOLD_MS): Promise<OutageReport[]> {
  return store.transaction(async (tx) => {
    await tx.meta.set(CHECK_LOCK_KEY, now, now);
    const last = await tx.meta.get(LAST_ALIVE_KEY);
    await tx.meta.set(LAST_ALIVE_KEY, now, now);
    if (typeof last !== 'number' || now - last <= thresholdMs) return [];
    const reports: OutageReport[] = [];
    for (const org of await tx.orgs.list()) {
      const report: OutageReport = { orgId: org.id, from: last, to: now, schedules: [] };
      const destinations = new Set<string>();
      for (const schedule of await tx.schedules.list(org.id, { paused: false })) {
        // A schedule whose spec or remaining runs are exhausted owed nothing in the window.
        if (schedule.nextNominalTime === null) continue;
        const spec = parseSpec(schedule.spec);
        const { occurrences, truncated } = occurrencesBetween(spec, last + 1, now + 1, MAX_COUNTED);
        const alerts = resolveAlertPolicy(schedule.policies);
        alerts.destinations.forEach((d) => destinations.add(d));
        if (occurrences.length === 0) continue;
        const policies = resolvePolicies(schedule.policies, periodOf(spec, now));
        const plan = planCatchup({
          policy: policies.catchup.policy,
          windowMs: policies.catchup.windowMs,
          bufferLimit: policies.catchup.bufferLimit,
          due: occurrences.map((o) => o.nominal),
          now,
        });
        report.schedules.push({
          scheduleId: schedule.id,
          occurrences: occurrences.length,
          caughtUp: plan.run.length,
          missed: plan.missed.length,
          truncated,
          countedAsFailures: alerts.countOutages,
        });
        if (alerts.countOutages) {
          for (const m of plan.missed) {
            await recordOutcome(tx, { orgId: org.id, scheduleId: schedule.id, outcome: 'failure', run: null, at: m.nominal }, now);
          }
        }
      }
      if (report.schedules.length === 0) continue;
      reports.push(report);
      await enqueueAlert(
        tx,
        {
          eventId: `system.outage.${last}`,
          type: 'system.outage',
          orgId: org.id,
          scheduleId: null,
          run: null,
          occurredAt: now,
          data: {
            from: new Date(last).toISOString(),
            to: new Date(now).toISOString(),
            durationMs: now - last,
            schedules: report.schedules.map((s) => ({ ...s })),
          },
        },
        [...destinations],
        now,
      );
    }
    return reports;
  });
}
