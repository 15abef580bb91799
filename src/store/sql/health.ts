import type { Queryable, Row } from '../db.js';
import type { HealthRepo } from '../store.js';
import type { Instant, ScheduleHealth } from '../types.js';
import { num, numOrNull, placeholders } from './util.js';

function toHealth(row: Row): ScheduleHealth {
  return {
    scheduleId: String(row.schedule_id),
    consecutiveFailures: num(row.consecutive_failures),
    consecutiveSuccesses: num(row.consecutive_successes),
    lastSuccessAt: numOrNull(row.last_success_at),
    lastFailureAt: numOrNull(row.last_failure_at),
    totalSucceeded: num(row.total_succeeded),
    totalFailed: num(row.total_failed),
  };
}

/** Per-schedule streaks and totals that the alerting policy reads (health thresholds, breaker). */
export class SqlHealthRepo implements HealthRepo {
  constructor(private readonly db: Queryable) {}

  async get(scheduleId: string): Promise<ScheduleHealth | null> {
    const rows = await this.db.query('SELECT * FROM schedule_health WHERE schedule_id = ?', [scheduleId]);
    return rows[0] ? toHealth(rows[0]) : null;
  }

  async many(scheduleIds: readonly string[]): Promise<ScheduleHealth[]> {
    const out: ScheduleHealth[] = [];
    // Chunks keep the statement under SQLite's bound-parameter limit whatever the page size.
    for (let i = 0; i < scheduleIds.length; i += 500) {
      const ids = scheduleIds.slice(i, i + 500);
      const rows = await this.db.query(`SELECT * FROM schedule_health WHERE schedule_id IN (${placeholders(ids.length)})`, [...ids]);
      out.push(...rows.map(toHealth));
    }
    return out;
  }

  /**
   * One statement, so concurrent outcomes never lose an increment: the inserted row is the
   * outcome as a first record (1/0 counters), and on conflict it is folded into the stored
   * row — a success extends the success streak and breaks the failure streak, and vice versa.
   */
  async record(scheduleId: string, success: boolean, at: Instant): Promise<ScheduleHealth> {
    const s = success ? 1 : 0;
    const f = success ? 0 : 1;
    const rows = await this.db.query(
      `INSERT INTO schedule_health
         (schedule_id, consecutive_failures, consecutive_successes, last_success_at, last_failure_at,
          total_succeeded, total_failed, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (schedule_id) DO UPDATE SET
         consecutive_failures = CASE WHEN excluded.total_failed > 0
           THEN schedule_health.consecutive_failures + 1 ELSE 0 END,
         consecutive_successes = CASE WHEN excluded.total_succeeded > 0
           THEN schedule_health.consecutive_successes + 1 ELSE 0 END,
         last_success_at = COALESCE(excluded.last_success_at, schedule_health.last_success_at),
         last_failure_at = COALESCE(excluded.last_failure_at, schedule_health.last_failure_at),
         total_succeeded = schedule_health.total_succeeded + excluded.total_succeeded,
         total_failed = schedule_health.total_failed + excluded.total_failed,
         updated_at = excluded.updated_at
       RETURNING *`,
      [scheduleId, f, s, success ? at : null, success ? null : at, s, f, at],
    );
    const row = rows[0];
    if (!row) throw new Error(`schedule_health upsert for ${scheduleId} returned no row`);
    return toHealth(row);
  }
}
