import type { Queryable, SqlValue } from '../db.js';
import type { DeletedRuns, RetentionRepo } from '../store.js';
import { TERMINAL_RUN_STATUSES, type Instant } from '../types.js';
import { forUpdate, inTransaction, jsonText, placeholders, str } from './util.js';

const TERMINAL = TERMINAL_RUN_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * The condition "run `r` is expired" (see RetentionRepo), with its parameters: the cutoff (three
 * times) and now. `available_at < cutoff` adds nothing for runs that ran (they became available
 * before they finished) but lets both backends range-scan the (status, available_at) index
 * instead of reading every run; a run cancelled while waiting for a later start is pruned once
 * that start is past the cutoff too.
 */
function expiredRunSql(db: Queryable): string {
  return `r.status IN (${TERMINAL}) AND r.available_at < ? AND r.finished_at < ?
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = r.id AND d.status = 'pending')
    AND NOT (r.status = 'succeeded' AND r.schedule_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM runs s WHERE s.org_id = r.org_id AND s.schedule_id = r.schedule_id AND s.status = 'succeeded'
        AND (s.nominal_time > r.nominal_time OR (s.nominal_time = r.nominal_time AND s.id > r.id))))
    AND NOT EXISTS (
      SELECT 1 FROM incidents i WHERE i.schedule_id = r.schedule_id AND i.status = 'open'
        AND (${jsonText(db, 'i.details', 'lastRunId')} = r.id OR NOT EXISTS (
          SELECT 1 FROM runs s WHERE s.org_id = r.org_id AND s.schedule_id = r.schedule_id AND s.status = 'succeeded'
            AND s.nominal_time > r.nominal_time AND s.finished_at <= i.opened_at)))
    AND NOT EXISTS (
      SELECT 1 FROM idempotency_keys k
      WHERE k.org_id = r.org_id AND k.key = r.idempotency_key AND k.run_id = r.id AND k.expires_at > ?)`;
}

function expiredRunParams(before: Instant, now: Instant): SqlValue[] {
  return [before, before, now];
}

/** Pruning queries over the SQL schema; both backends run the same statements. */
export class SqlRetentionRepo implements RetentionRepo {
  constructor(private readonly db: Queryable) {}

  async expiredRuns(before: Instant, now: Instant, limit: number): Promise<Array<{ id: string; orgId: string }>> {
    const rows = await this.db.query(`SELECT r.id, r.org_id FROM runs r WHERE ${expiredRunSql(this.db)} LIMIT ?`, [
      ...expiredRunParams(before, now),
      limit,
    ]);
    return rows.map((row) => ({ id: str(row.id), orgId: str(row.org_id) }));
  }

  async deleteRuns(ids: readonly string[], before: Instant, now: Instant): Promise<DeletedRuns> {
    const none: DeletedRuns = { counts: { runs: 0, attempts: 0, events: 0, artifacts: 0, deliveries: 0, deliveryAttempts: 0 }, runIds: [], artifactKeys: [] };
    if (ids.length === 0) return none;
    return inTransaction(this.db, async (tx) => {
      // Checked again under lock: a delivery may have been redelivered since expiredRuns.
      const still = await tx.query(
        `SELECT r.id FROM runs r WHERE r.id IN (${placeholders(ids.length)}) AND ${expiredRunSql(tx)}${forUpdate(tx, true)}`,
        [...ids, ...expiredRunParams(before, now)],
      );
      const gone = still.map((row) => str(row.id));
      if (gone.length === 0) return none;
      const inGone = `IN (${placeholders(gone.length)})`;
      // Locks the deliveries that go, so a concurrent redeliver waits and then finds them gone.
      const settled = `SELECT id FROM deliveries WHERE run_id ${inGone} AND status <> 'pending'`;
      if (tx.dialect === 'postgres') await tx.query(`${settled}${forUpdate(tx)}`, gone);
      const deliveryAttempts = await tx.execute(`DELETE FROM delivery_attempts WHERE delivery_id IN (${settled})`, gone);
      const deliveries = await tx.execute(`DELETE FROM deliveries WHERE run_id ${inGone} AND status <> 'pending'`, gone);
      const artifactRows = await tx.query(`DELETE FROM artifacts WHERE run_id ${inGone} RETURNING storage_key`, gone);
      const events = await tx.execute(`DELETE FROM run_events WHERE run_id ${inGone}`, gone);
      const attempts = await tx.execute(`DELETE FROM attempts WHERE run_id ${inGone}`, gone);
      const runs = await tx.execute(`DELETE FROM runs WHERE id ${inGone}`, gone);
      return {
        counts: { runs, attempts, events, artifacts: artifactRows.length, deliveries, deliveryAttempts },
        runIds: gone,
        artifactKeys: artifactRows.map((row) => str(row.storage_key)),
      };
    });
  }

  async deleteDeliveries(before: Instant, limit: number): Promise<{ deliveries: number; attempts: number }> {
    return inTransaction(this.db, async (tx) => {
      // next_attempt_at is when the last attempt was due (a delivered one finished just after it):
      // the (status, next_attempt_at) index finds them; delivered_at makes delivered ones exact.
      const rows = await tx.query(
        `SELECT id FROM deliveries
         WHERE status IN ('delivered', 'dead') AND next_attempt_at < ? AND COALESCE(delivered_at, next_attempt_at) < ?
         LIMIT ?${forUpdate(tx, true)}`,
        [before, before, limit],
      );
      const ids = rows.map((row) => str(row.id));
      if (ids.length === 0) return { deliveries: 0, attempts: 0 };
      const inIds = `IN (${placeholders(ids.length)})`;
      const attempts = await tx.execute(`DELETE FROM delivery_attempts WHERE delivery_id ${inIds}`, ids);
      const deliveries = await tx.execute(`DELETE FROM deliveries WHERE id ${inIds} AND status <> 'pending'`, ids);
      return { deliveries, attempts };
    });
  }

  async deleteExpiredIdempotencyKeys(now: Instant, limit: number): Promise<number> {
    return this.db.execute(
      `DELETE FROM idempotency_keys WHERE (org_id, key) IN (
         SELECT org_id, key FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`,
      [now, limit],
    );
  }
}
