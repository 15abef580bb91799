import type { Queryable, Row, SqlValue } from '../db.js';
import type { ScheduleSpecInput } from '../../spec/types.js';
import {
  ConflictError,
  NotFoundError,
  type FireRequest,
  type NewSchedule,
  type SchedulePatch,
  type ScheduleRepo,
} from '../store.js';
import type { Instant, Run, Schedule, SchedulePolicies } from '../types.js';
import { insertRun } from './runs.js';
import { bool, first, forUpdate, fromJson, inTransaction, num, numOrNull, str, strOrNull, toJson } from './util.js';

export function rowToSchedule(row: Row): Schedule {
  return {
    id: str(row.id),
    orgId: str(row.org_id),
    templateId: str(row.template_id),
    templateVersion: numOrNull(row.template_version),
    params: fromJson(row.params),
    spec: fromJson<ScheduleSpecInput>(row.spec),
    policies: fromJson<SchedulePolicies>(row.policies) ?? {},
    nextNominalTime: numOrNull(row.next_nominal_time),
    paused: bool(row.paused),
    pauseNote: strOrNull(row.pause_note),
    remainingRuns: numOrNull(row.remaining_runs),
    revision: num(row.revision),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** Patch fields and how each is stored. */
const PATCH_COLUMNS: { [K in keyof Required<SchedulePatch>]: { column: string; encode: (v: SchedulePatch[K]) => SqlValue } } = {
  templateId: { column: 'template_id', encode: (v) => v as string },
  templateVersion: { column: 'template_version', encode: (v) => v ?? null },
  params: { column: 'params', encode: (v) => toJson(v) },
  spec: { column: 'spec', encode: (v) => JSON.stringify(v ?? {}) },
  policies: { column: 'policies', encode: (v) => JSON.stringify(v ?? {}) },
  nextNominalTime: { column: 'next_nominal_time', encode: (v) => v ?? null },
  remainingRuns: { column: 'remaining_runs', encode: (v) => v ?? null },
};

export class SqlScheduleRepo implements ScheduleRepo {
  constructor(private readonly db: Queryable) {}

  async create(input: NewSchedule, now: Instant): Promise<Schedule> {
    const rows = await this.db.query(
      `INSERT INTO schedules (id, org_id, template_id, template_version, params, spec, policies, next_nominal_time,
         paused, pause_note, remaining_runs, revision, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      [
        input.id,
        input.orgId,
        input.templateId,
        input.templateVersion ?? null,
        toJson(input.params ?? {}),
        JSON.stringify(input.spec),
        JSON.stringify(input.policies ?? {}),
        input.nextNominalTime,
        input.paused ? 1 : 0,
        input.pauseNote ?? null,
        input.remainingRuns ?? null,
        now,
        now,
      ],
    );
    const row = first(rows);
    if (!row) throw new ConflictError(`schedule ${JSON.stringify(input.id)} already exists`);
    return rowToSchedule(row);
  }

  async get(orgId: string, id: string): Promise<Schedule | null> {
    const row = first(await this.db.query('SELECT * FROM schedules WHERE org_id = ? AND id = ?', [orgId, id]));
    return row ? rowToSchedule(row) : null;
  }

  async list(orgId: string, filter: { paused?: boolean; templateId?: string } = {}): Promise<Schedule[]> {
    const where = ['org_id = ?'];
    const params: SqlValue[] = [orgId];
    if (filter.paused !== undefined) {
      where.push('paused = ?');
      params.push(filter.paused ? 1 : 0);
    }
    if (filter.templateId !== undefined) {
      where.push('template_id = ?');
      params.push(filter.templateId);
    }
    const rows = await this.db.query(`SELECT * FROM schedules WHERE ${where.join(' AND ')} ORDER BY id`, params);
    return rows.map(rowToSchedule);
  }

  async update(orgId: string, id: string, patch: SchedulePatch, now: Instant, expectedRevision?: number): Promise<Schedule> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const key of Object.keys(PATCH_COLUMNS) as Array<keyof SchedulePatch>) {
      if (!(key in patch) || patch[key] === undefined) continue;
      const { column, encode } = PATCH_COLUMNS[key] as { column: string; encode: (v: unknown) => SqlValue };
      sets.push(`${column} = ?`);
      params.push(encode(patch[key]));
    }
    return this.write(orgId, id, sets, params, now, expectedRevision);
  }

  async setPaused(orgId: string, id: string, paused: boolean, note: string | null, now: Instant): Promise<Schedule> {
    return this.write(orgId, id, ['paused = ?', 'pause_note = ?'], [paused ? 1 : 0, note], now);
  }

  private async write(
    orgId: string,
    id: string,
    sets: string[],
    params: SqlValue[],
    now: Instant,
    expectedRevision?: number,
  ): Promise<Schedule> {
    const where = ['org_id = ?', 'id = ?'];
    const whereParams: SqlValue[] = [orgId, id];
    if (expectedRevision !== undefined) {
      where.push('revision = ?');
      whereParams.push(expectedRevision);
    }
    const rows = await this.db.query(
      `UPDATE schedules SET ${[...sets, 'revision = revision + 1', 'updated_at = ?'].join(', ')}
       WHERE ${where.join(' AND ')} RETURNING *`,
      [...params, now, ...whereParams],
    );
    const row = first(rows);
    if (row) return rowToSchedule(row);
    const current = await this.get(orgId, id);
    if (!current) throw new NotFoundError('schedule', id);
    throw new ConflictError(
      `schedule ${JSON.stringify(id)} was changed by someone else (revision ${current.revision}, expected ${expectedRevision ?? '?'})`,
    );
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM schedules WHERE org_id = ? AND id = ?', [orgId, id])) > 0;
  }

  async count(orgId: string): Promise<number> {
    const rows = await this.db.query('SELECT COUNT(*) AS n FROM schedules WHERE org_id = ?', [orgId]);
    return num(rows[0]?.n ?? 0);
  }

  async due(now: Instant, limit: number): Promise<Schedule[]> {
    if (limit <= 0) return [];
    const rows = await this.db.query(
      `SELECT * FROM schedules WHERE paused = 0 AND next_nominal_time IS NOT NULL AND next_nominal_time <= ?
       ORDER BY next_nominal_time, id LIMIT ?`,
      [now, Math.floor(limit)],
    );
    return rows.map(rowToSchedule);
  }

  async nextDueAt(): Promise<Instant | null> {
    const row = first(await this.db.query('SELECT MIN(next_nominal_time) AS t FROM schedules WHERE paused = 0'));
    return row ? numOrNull(row.t) : null;
  }

  async fire(request: FireRequest, now: Instant): Promise<{ fired: boolean; runs: Run[] }> {
    for (const run of request.runs) {
      if (run.orgId !== request.orgId || (run.scheduleId != null && run.scheduleId !== request.scheduleId)) {
        throw new RangeError(`fire: run for ${JSON.stringify(run.scheduleId)} in ${JSON.stringify(run.orgId)} does not belong to the schedule`);
      }
    }
    return inTransaction(this.db, async (tx) => {
      // The row lock (PostgreSQL) or the write lock (SQLite) makes the check-and-move atomic.
      const row = first(
        await tx.query(`SELECT next_nominal_time, paused FROM schedules WHERE org_id = ? AND id = ?${forUpdate(tx)}`, [
          request.orgId,
          request.scheduleId,
        ]),
      );
      if (!row || bool(row.paused) || numOrNull(row.next_nominal_time) !== request.expectedCursor) {
        return { fired: false, runs: [] };
      }
      const runs: Run[] = [];
      for (const input of request.runs) {
        const run = await insertRun(tx, { ...input, scheduleId: request.scheduleId }, now, true);
        if (run) runs.push(run);
      }
      const sets = ['next_nominal_time = ?', 'revision = revision + 1', 'updated_at = ?'];
      const params: SqlValue[] = [request.nextCursor, now];
      if (request.remainingRuns !== undefined) {
        sets.push('remaining_runs = ?');
        params.push(request.remainingRuns);
      }
      const moved = await tx.execute(
        `UPDATE schedules SET ${sets.join(', ')} WHERE org_id = ? AND id = ? AND next_nominal_time = ?`,
        [...params, request.orgId, request.scheduleId, request.expectedCursor],
      );
      if (moved !== 1) throw new Error(`fire: schedule ${request.scheduleId} cursor moved under its lock`);
      return { fired: true, runs };
    });
  }
}
