import type { Queryable, Row } from '../db.js';
import type { TrajectoryRepo } from '../store.js';
import type { Instant, Json, Trajectory } from '../types.js';
import { fromJson, num, numOrNull, str, toJson } from './util.js';

const COLUMNS = 'org_id, template_id, template_version, param_key, start_url, actions, hits, rewrites, created_at, updated_at, last_hit_at';

function toTrajectory(row: Row): Trajectory {
  return {
    orgId: str(row.org_id),
    templateId: str(row.template_id),
    templateVersion: num(row.template_version),
    paramKey: str(row.param_key),
    startUrl: str(row.start_url),
    actions: fromJson(row.actions),
    hits: num(row.hits),
    rewrites: num(row.rewrites),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    lastHitAt: numOrNull(row.last_hit_at),
  };
}

/** Cached agent trajectories; the actions are JSON text the store does not interpret. */
export class SqlTrajectoryRepo implements TrajectoryRepo {
  constructor(private readonly db: Queryable) {}

  async get(orgId: string, templateId: string, templateVersion: number, paramKey: string): Promise<Trajectory | null> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM trajectories WHERE org_id = ? AND template_id = ? AND template_version = ? AND param_key = ?`,
      [orgId, templateId, templateVersion, paramKey],
    );
    return rows[0] ? toTrajectory(rows[0]) : null;
  }

  async put(
    input: { orgId: string; templateId: string; templateVersion: number; paramKey: string; startUrl: string; actions: Json },
    now: Instant,
  ): Promise<Trajectory> {
    await this.db.execute(
      `INSERT INTO trajectories (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, NULL)
       ON CONFLICT (org_id, template_id, template_version, param_key) DO UPDATE SET
         start_url = excluded.start_url, actions = excluded.actions,
         rewrites = trajectories.rewrites + 1, updated_at = excluded.updated_at`,
      [input.orgId, input.templateId, input.templateVersion, input.paramKey, input.startUrl, toJson(input.actions), now, now],
    );
    const stored = await this.get(input.orgId, input.templateId, input.templateVersion, input.paramKey);
    if (!stored) throw new Error('trajectory vanished right after it was written');
    return stored;
  }

  async recordHit(orgId: string, templateId: string, templateVersion: number, paramKey: string, now: Instant): Promise<void> {
    await this.db.execute(
      `UPDATE trajectories SET hits = hits + 1, last_hit_at = ?
       WHERE org_id = ? AND template_id = ? AND template_version = ? AND param_key = ?`,
      [now, orgId, templateId, templateVersion, paramKey],
    );
  }

  async list(orgId: string, filter: { templateId?: string } = {}): Promise<Trajectory[]> {
    const where = filter.templateId === undefined ? '' : ' AND template_id = ?';
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM trajectories WHERE org_id = ?${where} ORDER BY template_id, template_version, param_key`,
      filter.templateId === undefined ? [orgId] : [orgId, filter.templateId],
    );
    return rows.map(toTrajectory);
  }

  async invalidate(orgId: string, templateId: string): Promise<number> {
    return this.db.execute('DELETE FROM trajectories WHERE org_id = ? AND template_id = ?', [orgId, templateId]);
  }
}
