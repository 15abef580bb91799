import { FAILURE_STREAK_INCIDENT } from '../policy/health.js';
import type { Store } from '../store/store.js';
import type { Incident, RunStatus } from '../store/types.js';
import { readBreaker } from './breaker.js';

export type HealthState = 'ok' | 'failing' | 'incident' | 'paused' | 'breaker_open' | 'no_runs';

export interface ScheduleHealthRow {
  scheduleId: string;
  state: HealthState;
  pauseNote: string | null;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  /** Successes over counted outcomes (failed, timed-out and missed runs are failures); null before any. */
  successRate: number | null;
  /**
   * Occurrences that came due (every one has a scheduled run row: DESIGN.md invariant 2) and
   * how many of them actually started a run (the rest were skipped, missed, cancelled or wait).
   */
  expectedFires: number;
  actualFires: number;
  openIncident: Pick<Incident, 'id' | 'summary' | 'openedAt'> | null;
}

const STARTED: readonly RunStatus[] = ['running', 'succeeded', 'failed', 'timed_out'];

/** A health row per schedule of the organisation, in schedule id order. */
export async function healthReport(store: Store, orgId: string): Promise<ScheduleHealthRow[]> {
  const rows: ScheduleHealthRow[] = [];
  for (const schedule of await store.schedules.list(orgId)) {
    const health = await store.health.get(schedule.id);
    const incident = await store.incidents.openFor(schedule.id, FAILURE_STREAK_INCIDENT);
    const breaker = await readBreaker(store, schedule.id);
    const counts = await store.runs.countByStatus(orgId, schedule.id, 'schedule');
    const expectedFires = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    const actualFires = STARTED.reduce((a, s) => a + (counts[s] ?? 0), 0);
    const total = health ? health.totalSucceeded + health.totalFailed : 0;
    const state: HealthState = schedule.paused
      ? breaker.state === 'closed'
        ? 'paused'
        : 'breaker_open'
      : incident
        ? 'incident'
        : !health || total === 0
          ? 'no_runs'
          : health.consecutiveFailures > 0
            ? 'failing'
            : 'ok';
    rows.push({
      scheduleId: schedule.id,
      state,
      pauseNote: schedule.pauseNote,
      consecutiveFailures: health?.consecutiveFailures ?? 0,
      consecutiveSuccesses: health?.consecutiveSuccesses ?? 0,
      lastSuccessAt: health?.lastSuccessAt ?? null,
      lastFailureAt: health?.lastFailureAt ?? null,
      successRate: total > 0 ? health!.totalSucceeded / total : null,
      expectedFires,
      actualFires,
      openIncident: incident ? { id: incident.id, summary: incident.summary, openedAt: incident.openedAt } : null,
    });
  }
  return rows;
}
