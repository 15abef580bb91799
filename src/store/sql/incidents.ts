import { newId } from '../ids.js';
import type { Queryable, Row } from '../db.js';
import type { IncidentRepo } from '../store.js';
import type { Incident, IncidentStatus, Instant, Json } from '../types.js';
import { Filters, fromJson, num, numOrNull, toJson } from './util.js';

const DEFAULT_LIST_LIMIT = 100;
/** How often `open` retries when the open incident it collided with was resolved meanwhile. */
const OPEN_RETRIES = 5;

function toIncident(row: Row): Incident {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    scheduleId: String(row.schedule_id),
    kind: String(row.kind),
    status: String(row.status) as IncidentStatus,
    summary: String(row.summary),
    openedAt: num(row.opened_at),
    resolvedAt: numOrNull(row.resolved_at),
    lastNotifiedAt: numOrNull(row.last_notified_at),
    details: fromJson(row.details),
  };
}

/**
 * Incidents: at most one open incident per (schedule, kind), enforced by a partial unique
 * index, so two evaluators racing to open the same alert end up with one incident.
 */
export class SqlIncidentRepo implements IncidentRepo {
  constructor(private readonly db: Queryable) {}

  async open(
    input: { orgId: string; scheduleId: string; kind: string; summary: string; details?: Json },
    now: Instant,
  ): Promise<{ incident: Incident; opened: boolean }> {
    for (let i = 0; i < OPEN_RETRIES; i++) {
      const inserted = await this.db.query(
        `INSERT INTO incidents
           (id, org_id, schedule_id, kind, status, summary, details, opened_at, resolved_at, last_notified_at)
         VALUES (?, ?, ?, ?, 'open', ?, ?, ?, NULL, NULL)
         ON CONFLICT (schedule_id, kind) WHERE status = 'open' DO NOTHING
         RETURNING *`,
        [
          newId(),
          input.orgId,
          input.scheduleId,
          input.kind,
          input.summary,
          toJson(input.details),
          now,
        ],
      );
      if (inserted[0]) return { incident: toIncident(inserted[0]), opened: true };
      const existing = await this.openFor(input.scheduleId, input.kind);
      if (existing) return { incident: existing, opened: false };
      // The open incident we collided with was resolved in between: try again.
    }
    throw new Error(`incident ${input.kind} for schedule ${input.scheduleId}: could not open (contention)`);
  }

  /** Resolves an open incident; a resolved one is returned unchanged; null when unknown. */
  async resolve(id: string, now: Instant): Promise<Incident | null> {
    const rows = await this.db.query(
      `UPDATE incidents SET status = 'resolved', resolved_at = ? WHERE id = ? AND status = 'open' RETURNING *`,
      [now, id],
    );
    if (rows[0]) return toIncident(rows[0]);
    const current = await this.db.query('SELECT * FROM incidents WHERE id = ?', [id]);
    return current[0] ? toIncident(current[0]) : null;
  }

  async openFor(scheduleId: string, kind: string): Promise<Incident | null> {
    const rows = await this.db.query(
      `SELECT * FROM incidents WHERE schedule_id = ? AND kind = ? AND status = 'open'`,
      [scheduleId, kind],
    );
    return rows[0] ? toIncident(rows[0]) : null;
  }

  async markNotified(id: string, now: Instant): Promise<void> {
    await this.db.execute('UPDATE incidents SET last_notified_at = ? WHERE id = ?', [now, id]);
  }

  async get(orgId: string, id: string): Promise<Incident | null> {
    const rows = await this.db.query('SELECT * FROM incidents WHERE org_id = ? AND id = ?', [orgId, id]);
    return rows[0] ? toIncident(rows[0]) : null;
  }

  /** Newest first. */
  async list(
    orgId: string,
    filter: { status?: IncidentStatus; scheduleId?: string; limit?: number } = {},
  ): Promise<Incident[]> {
    const where = new Filters().where('org_id = ?', orgId).where('status = ?', filter.status).where('schedule_id = ?', filter.scheduleId);
    const rows = await this.db.query(
      `SELECT * FROM incidents WHERE ${where.sql} ORDER BY opened_at DESC, id DESC LIMIT ?`,
      [...where.params, filter.limit ?? DEFAULT_LIST_LIMIT],
    );
    return rows.map(toIncident);
  }

  async countOpen(): Promise<number> {
    // The partial index incidents_one_open holds exactly the open ones.
    const rows = await this.db.query(`SELECT COUNT(*) AS n FROM incidents WHERE status = 'open'`, []);
    return num(rows[0]?.n ?? 0);
  }
}
