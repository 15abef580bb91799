import type { Queryable, Row } from '../db.js';
import type { RunEventRepo } from '../store.js';
import type { Instant, Json, RunEvent } from '../types.js';
import { fromJson, num, numOrNull, str, toJson } from './util.js';

export function rowToEvent(row: Row): RunEvent {
  return {
    seq: num(row.seq),
    runId: str(row.run_id),
    attempt: numOrNull(row.attempt),
    at: num(row.at),
    type: str(row.type),
    data: fromJson(row.data),
  };
}

export class SqlRunEventRepo implements RunEventRepo {
  constructor(private readonly db: Queryable) {}

  async append(input: { runId: string; attempt?: number | null; type: string; data?: Json }, now: Instant): Promise<RunEvent> {
    const rows = await this.db.query(
      'INSERT INTO run_events (run_id, attempt, at, type, data) VALUES (?, ?, ?, ?, ?) RETURNING *',
      [input.runId, input.attempt ?? null, now, input.type, toJson(input.data ?? null)],
    );
    return rowToEvent(rows[0]!);
  }

  async list(runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 1000)), 10_000);
    const rows = await this.db.query('SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', [
      runId,
      options.afterSeq ?? 0,
      limit,
    ]);
    return rows.map(rowToEvent);
  }
}
