import type { Queryable, Row, SqlValue } from '../db.js';
import { ConflictError } from '../store.js';
import type { DeliveryRepo, DeliveryResult, NewDelivery } from '../store.js';
import type { Delivery, DeliveryAttempt, DeliveryStatus, Instant } from '../types.js';
import { Filters, forUpdate, fromJson, inTransaction, num, numOrNull, placeholders, str, strOrNull, toJson } from './util.js';

const DEFAULT_LIST_LIMIT = 100;
/** Rows per INSERT: 10 parameters each, well below SQLite's and PostgreSQL's parameter limits. */
const ENQUEUE_CHUNK = 200;

function toDelivery(row: Row): Delivery {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    eventId: String(row.event_id),
    eventType: String(row.event_type),
    destinationId: String(row.destination_id),
    runId: strOrNull(row.run_id),
    scheduleId: strOrNull(row.schedule_id),
    payload: fromJson(row.payload),
    status: String(row.status) as DeliveryStatus,
    attempts: num(row.attempts),
    nextAttemptAt: num(row.next_attempt_at),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    lastError: strOrNull(row.last_error),
    createdAt: num(row.created_at),
    deliveredAt: numOrNull(row.delivered_at),
  };
}

function toAttempt(row: Row): DeliveryAttempt {
  return {
    deliveryId: String(row.delivery_id),
    number: num(row.number),
    at: num(row.at),
    statusCode: numOrNull(row.status_code),
    error: strOrNull(row.error),
    latencyMs: num(row.latency_ms),
  };
}

/** Claim order: the most overdue first, then the oldest. */
function byDue(a: Delivery, b: Delivery): number {
  return a.nextAttemptAt - b.nextAttemptAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The outbox. A delivery is one (event, destination) pair whose id is the idempotency key sent
 * to the destination (DESIGN.md invariant 5). `attempts` counts finished attempts; a relay that
 * claimed a delivery reports attempt `attempts + 1`, and a report with any other number (a
 * relay whose lease expired and was overtaken) is rejected, so the attempt log never forks.
 */
export class SqlDeliveryRepo implements DeliveryRepo {
  constructor(private readonly db: Queryable) {}

  /**
   * Multi-row inserts (ENQUEUE_CHUNK rows per statement) in one transaction, or in the caller's;
   * an id that exists already, or repeats within the call, keeps its first row.
   */
  async enqueue(deliveries: NewDelivery[], now: Instant): Promise<void> {
    if (deliveries.length === 0) return;
    await inTransaction(this.db, async (db) => {
      for (let i = 0; i < deliveries.length; i += ENQUEUE_CHUNK) {
        const chunk = deliveries.slice(i, i + ENQUEUE_CHUNK);
        const params: SqlValue[] = [];
        for (const d of chunk) {
          params.push(
            d.id,
            d.orgId,
            d.eventId,
            d.eventType,
            d.destinationId,
            d.runId ?? null,
            d.scheduleId ?? null,
            toJson(d.payload),
            d.nextAttemptAt,
            now,
          );
        }
        const row = "(?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, NULL, NULL, ?, NULL)";
        await db.execute(
          `INSERT INTO deliveries
             (id, org_id, event_id, event_type, destination_id, run_id, schedule_id, payload,
              status, attempts, next_attempt_at, lease_expires_at, last_error, created_at, delivered_at)
           VALUES ${chunk.map(() => row).join(', ')}
           ON CONFLICT (id) DO NOTHING`,
          params,
        );
      }
    });
  }

  async claim(input: { limit: number; leaseMs: number; destinationId?: string }, now: Instant): Promise<Delivery[]> {
    if (input.limit <= 0) return [];
    const params: SqlValue[] = [now + input.leaseMs, now, now];
    let destination = '';
    if (input.destinationId !== undefined) {
      destination = ' AND destination_id = ?';
      params.push(input.destinationId);
    }
    params.push(input.limit);
    const pick = `SELECT id FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= ?
           AND (lease_expires_at IS NULL OR lease_expires_at <= ?)${destination}
         ORDER BY next_attempt_at, created_at, id
         LIMIT ?`;
    // PostgreSQL: a materialized CTE runs the locking pick exactly once (an IN sub-select may be
    // re-run and lock more rows than the limit); SKIP LOCKED lets claimers take different rows.
    // SQLite: one writer at a time.
    const rows =
      this.db.dialect === 'postgres'
        ? await this.db.query(
            `WITH picked AS MATERIALIZED (${pick}${forUpdate(this.db, true)})
             UPDATE deliveries SET lease_expires_at = ? FROM picked WHERE deliveries.id = picked.id RETURNING deliveries.*`,
            [...params.slice(1), params[0]!],
          )
        : await this.db.query(`UPDATE deliveries SET lease_expires_at = ? WHERE id IN (${pick}) RETURNING *`, params);
    return rows.map(toDelivery).sort(byDue);
  }

  async record(result: DeliveryResult, now: Instant): Promise<Delivery> {
    if (result.outcome === 'retry' && result.nextAttemptAt === undefined) {
      throw new TypeError(`delivery ${result.id}: a retry needs nextAttemptAt`);
    }
    const status: DeliveryStatus = result.outcome === 'retry' ? 'pending' : result.outcome;
    return inTransaction(this.db, async (db) => {
      // The fenced state change comes first: if it matches nothing, nothing is written.
      const rows = await db.query(
        `UPDATE deliveries
         SET attempts = attempts + 1,
             status = ?,
             next_attempt_at = COALESCE(?, next_attempt_at),
             delivered_at = COALESCE(?, delivered_at),
             last_error = ?,
             lease_expires_at = NULL
         WHERE id = ? AND status = 'pending' AND attempts = ?
         RETURNING *`,
        [
          status,
          result.outcome === 'retry' ? (result.nextAttemptAt ?? null) : null,
          result.outcome === 'delivered' ? now : null,
          result.error,
          result.id,
          result.attempt - 1,
        ],
      );
      const row = rows[0];
      if (!row) {
        const current = await db.query('SELECT status, attempts FROM deliveries WHERE id = ?', [result.id]);
        const cur = current[0];
        throw new ConflictError(
          cur
            ? `delivery ${result.id}: attempt ${result.attempt} is stale (status ${String(cur.status)}, ${num(cur.attempts)} attempts recorded)`
            : `delivery ${result.id} does not exist`,
        );
      }
      await db.execute(
        `INSERT INTO delivery_attempts (delivery_id, number, at, status_code, error, latency_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
        [result.id, result.attempt, now, result.statusCode, result.error, Math.round(result.latencyMs)],
      );
      return toDelivery(row);
    });
  }

  async get(orgId: string, id: string): Promise<Delivery | null> {
    const rows = await this.db.query('SELECT * FROM deliveries WHERE org_id = ? AND id = ?', [orgId, id]);
    return rows[0] ? toDelivery(rows[0]) : null;
  }

  async list(filter: {
    orgId: string;
    status?: DeliveryStatus[];
    destinationId?: string;
    runId?: string;
    runIds?: readonly string[];
    from?: Instant;
    to?: Instant;
    limit?: number;
  }): Promise<Delivery[]> {
    const where = new Filters()
      .where('org_id = ?', filter.orgId)
      .in('status', filter.status)
      .where('destination_id = ?', filter.destinationId)
      .where('run_id = ?', filter.runId)
      .in('run_id', filter.runIds)
      .where('created_at >= ?', filter.from)
      .where('created_at < ?', filter.to);
    if (where.matchesNothing) return [];
    const rows = await this.db.query(
      `SELECT * FROM deliveries WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...where.params, filter.limit ?? DEFAULT_LIST_LIMIT],
    );
    return rows.map(toDelivery);
  }

  async attempts(deliveryId: string): Promise<DeliveryAttempt[]> {
    const rows = await this.db.query('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY number', [
      deliveryId,
    ]);
    return rows.map(toAttempt);
  }

  /**
   * Makes a dead or delivered delivery pending again, due `now`, with the same id (consumers
   * deduplicate on it). The attempt count is kept, so the attempt log continues where it
   * stopped. A delivery that is already pending is returned unchanged.
   */
  async redeliver(orgId: string, id: string, now: Instant): Promise<Delivery | null> {
    const rows = await this.db.query(
      `UPDATE deliveries
       SET status = 'pending', next_attempt_at = ?, lease_expires_at = NULL, delivered_at = NULL
       WHERE org_id = ? AND id = ? AND status IN ('dead', 'delivered')
       RETURNING *`,
      [now, orgId, id],
    );
    return rows[0] ? toDelivery(rows[0]) : this.get(orgId, id);
  }

  async redeliverBatch(
    filter: { orgId: string; status: ReadonlyArray<Exclude<DeliveryStatus, 'pending'>>; from: Instant; to: Instant; destinationId?: string; limit: number },
    now: Instant,
  ): Promise<{ matched: number; ids: string[] }> {
    const where = new Filters()
      .where('org_id = ?', filter.orgId)
      .in('status', filter.status)
      .where('destination_id = ?', filter.destinationId)
      .where('created_at >= ?', filter.from)
      .where('created_at < ?', filter.to);
    if (where.matchesNothing) return { matched: 0, ids: [] };
    const picked = (
      await this.db.query(`SELECT id FROM deliveries WHERE ${where.sql} ORDER BY created_at DESC, id DESC LIMIT ?`, [...where.params, filter.limit])
    ).map((row) => str(row.id));
    if (picked.length === 0) return { matched: 0, ids: [] };
    // The status is checked again: a delivery the relay or another redelivery moved since is not counted.
    const changed = await this.db.query(
      `UPDATE deliveries
       SET status = 'pending', next_attempt_at = ?, lease_expires_at = NULL, delivered_at = NULL
       WHERE org_id = ? AND id IN (${placeholders(picked.length)}) AND status IN (${placeholders(filter.status.length)})
       RETURNING id`,
      [now, filter.orgId, ...picked, ...filter.status],
    );
    const changedIds = new Set(changed.map((row) => str(row.id)));
    return { matched: picked.length, ids: picked.filter((id) => changedIds.has(id)) };
  }

  async nextDueAt(destinationIds: readonly string[]): Promise<Instant | null> {
    if (destinationIds.length === 0) return null;
    const rows = await this.db.query(
      `SELECT MIN(CASE WHEN lease_expires_at IS NOT NULL AND lease_expires_at > next_attempt_at
                       THEN lease_expires_at ELSE next_attempt_at END) AS due
       FROM deliveries WHERE status = 'pending' AND destination_id IN (${placeholders(destinationIds.length)})`,
      [...destinationIds],
    );
    return numOrNull(rows[0]?.due);
  }
}
