import type { Queryable, Row } from '../db.js';
import { newId } from '../ids.js';
import {
  ConflictError,
  type AttemptOutcome,
  type ClaimedRun,
  type NewRun,
  type RunFilter,
  type RunRepo,
} from '../store.js';
import type { Attempt, AttemptStatus, Instant, Json, Run, RunStatus, RunTrigger } from '../types.js';
import {
  Filters,
  first,
  forUpdate,
  fromJson,
  inTransaction,
  num,
  numOrNull,
  placeholders,
  str,
  strOrNull,
  toJson,
  toJsonOrNull,
} from './util.js';

export function rowToRun(row: Row): Run {
  return {
    id: str(row.id),
    orgId: str(row.org_id),
    scheduleId: strOrNull(row.schedule_id),
    templateId: str(row.template_id),
    templateVersion: num(row.template_version),
    params: fromJson(row.params),
    nominalTime: num(row.nominal_time),
    trigger: str(row.triggered_by) as RunTrigger,
    status: str(row.status) as RunStatus,
    reason: strOrNull(row.reason),
    idempotencyKey: strOrNull(row.idempotency_key),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    availableAt: num(row.available_at),
    deadline: numOrNull(row.deadline),
    parentRunId: strOrNull(row.parent_run_id),
    backfillId: strOrNull(row.backfill_id),
    concurrencyKey: strOrNull(row.concurrency_key),
    concurrencyLimit: numOrNull(row.concurrency_limit),
    output: fromJson(row.output),
    error: fromJson(row.error),
    createdAt: num(row.created_at),
    startedAt: numOrNull(row.started_at),
    finishedAt: numOrNull(row.finished_at),
    profile: strOrNull(row.profile),
    browserMs: num(row.browser_ms ?? 0),
  };
}

export function rowToAttempt(row: Row): Attempt {
  return {
    runId: str(row.run_id),
    number: num(row.number),
    status: str(row.status) as AttemptStatus,
    workerId: str(row.worker_id),
    leaseExpiresAt: num(row.lease_expires_at),
    heartbeatAt: num(row.heartbeat_at),
    startedAt: num(row.started_at),
    finishedAt: numOrNull(row.finished_at),
    error: fromJson(row.error),
    browserMs: num(row.browser_ms ?? 0),
  };
}

const ACTIVE: readonly RunStatus[] = ['queued', 'running'];
const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

/**
 * Inserts one run. With `ignoreConflict`, a run that would break a unique key (one run per
 * occurrence, or an id in use) is not inserted and null is returned; otherwise ConflictError.
 */
export async function insertRun(db: Queryable, input: NewRun, now: Instant, ignoreConflict = false): Promise<Run | null> {
  const status = input.status ?? 'queued';
  if (!['queued', 'skipped', 'missed'].includes(status)) throw new RangeError(`a new run cannot have status ${status}`);
  const maxAttempts = input.maxAttempts ?? 1;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  const id = input.id ?? newId();
  const rows = await db.query(
    `INSERT INTO runs (id, org_id, schedule_id, template_id, template_version, params, nominal_time, triggered_by,
       status, reason, idempotency_key, attempts, max_attempts, available_at, deadline, parent_run_id, backfill_id,
       concurrency_key, concurrency_limit, output, error, created_at, started_at, finished_at, profile)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, NULL, ?, ?)
     ON CONFLICT DO NOTHING RETURNING *`,
    [
      id,
      input.orgId,
      input.scheduleId ?? null,
      input.templateId,
      input.templateVersion,
      toJson(input.params ?? {}),
      input.nominalTime,
      input.trigger,
      status,
      input.reason ?? null,
      input.idempotencyKey ?? null,
      maxAttempts,
      input.availableAt ?? now,
      input.deadline ?? null,
      input.parentRunId ?? null,
      input.backfillId ?? null,
      input.concurrencyKey ?? null,
      input.concurrencyLimit ?? null,
      now,
      status === 'queued' ? null : now,
      input.profile ?? null,
    ],
  );
  const row = first(rows);
  if (row) return rowToRun(row);
  if (ignoreConflict) return null;
  throw new ConflictError(
    input.trigger === 'schedule' && input.scheduleId
      ? `schedule ${JSON.stringify(input.scheduleId)} already has a run for ${new Date(input.nominalTime).toISOString()}`
      : `run ${JSON.stringify(id)} already exists`,
  );
}

interface PageCursor {
  t: number;
  id: string;
}

function encodeCursor(run: Run): string {
  return Buffer.from(JSON.stringify([run.nominalTime, run.id])).toString('base64url');
}

function decodeCursor(cursor: string): PageCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { t: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new RangeError(`invalid runs page cursor ${JSON.stringify(cursor)}`);
}

function leaseLostError(attempt: number): Json {
  return { type: 'lease_expired', message: `attempt ${attempt} lost: its lease expired without a heartbeat` };
}

export class SqlRunRepo implements RunRepo {
  constructor(private readonly db: Queryable) {}

  async create(input: NewRun, now: Instant): Promise<Run> {
    return (await insertRun(this.db, input, now))!;
  }

  async createIdempotent(
    input: NewRun & { idempotencyKey: string },
    windowMs: number,
    now: Instant,
  ): Promise<{ run: Run; created: boolean }> {
    return inTransaction(this.db, async (tx) => {
      const runId = input.id ?? newId();
      // Claim the key first: insert it, or take over an expired one. Concurrent callers with
      // the same key queue on the key's row (PostgreSQL) or on the write lock (SQLite).
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (org_id, key, run_id, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (org_id, key) DO UPDATE SET run_id = excluded.run_id, expires_at = excluded.expires_at
         WHERE idempotency_keys.expires_at <= ?
         RETURNING run_id`,
        [input.orgId, input.idempotencyKey, runId, now + windowMs, now],
      );
      if (claimed.length > 0) {
        const run = await insertRun(tx, { ...input, id: runId }, now);
        return { run: run!, created: true };
      }
      const key = first(
        await tx.query('SELECT run_id FROM idempotency_keys WHERE org_id = ? AND key = ?', [input.orgId, input.idempotencyKey]),
      );
      const existing = key ? await this.getIn(tx, input.orgId, str(key.run_id)) : null;
      if (existing) return { run: existing, created: false };
      // The key's run is gone (deleted with its organisation's history): start over.
      await tx.execute('UPDATE idempotency_keys SET run_id = ?, expires_at = ? WHERE org_id = ? AND key = ?', [
        runId,
        now + windowMs,
        input.orgId,
        input.idempotencyKey,
      ]);
      const run = await insertRun(tx, { ...input, id: runId }, now);
      return { run: run!, created: true };
    });
  }

  private async getIn(db: Queryable, orgId: string, id: string): Promise<Run | null> {
    const row = first(await db.query('SELECT * FROM runs WHERE org_id = ? AND id = ?', [orgId, id]));
    return row ? rowToRun(row) : null;
  }

  async get(orgId: string, id: string): Promise<Run | null> {
    return this.getIn(this.db, orgId, id);
  }

  async list(filter: RunFilter): Promise<{ runs: Run[]; nextCursor: string | null }> {
    const cursor = filter.cursor ? decodeCursor(filter.cursor) : undefined;
    const where = new Filters()
      .where('org_id = ?', filter.orgId)
      .where('schedule_id = ?', filter.scheduleId)
      .in('status', filter.status)
      .in('triggered_by', filter.trigger)
      .where('nominal_time >= ?', filter.from)
      .where('nominal_time < ?', filter.to)
      .where('(nominal_time < ? OR (nominal_time = ? AND id < ?))', cursor?.t, cursor?.t ?? 0, cursor?.id ?? '');
    if (where.matchesNothing) return { runs: [], nextCursor: null };
    const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? DEFAULT_PAGE)), MAX_PAGE);
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE ${where.sql} ORDER BY nominal_time DESC, id DESC LIMIT ?`,
      [...where.params, limit + 1],
    );
    const runs = rows.slice(0, limit).map(rowToRun);
    const last = runs[runs.length - 1];
    return { runs, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async active(orgId: string, scheduleId: string): Promise<Run[]> {
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE org_id = ? AND schedule_id = ? AND status IN (${placeholders(ACTIVE.length)})
       ORDER BY nominal_time, id`,
      [orgId, scheduleId, ...ACTIVE],
    );
    return rows.map(rowToRun);
  }

  async countActive(orgId: string): Promise<number> {
    // Literal statuses, so both databases use the partial index runs_org_active.
    const rows = await this.db.query(`SELECT COUNT(*) AS n FROM runs WHERE org_id = ? AND status IN ('queued', 'running')`, [orgId]);
    return num(rows[0]?.n ?? 0);
  }

  async liveCounts(now: Instant): Promise<{ queuedDue: number; running: number }> {
    // Two counts on the runs_claim index (status, available_at); literal statuses keep it usable.
    const rows = await this.db.query(
      `SELECT (SELECT COUNT(*) FROM runs WHERE status = 'queued' AND available_at <= ?) AS queued_due,
              (SELECT COUNT(*) FROM runs WHERE status = 'running') AS running`,
      [now],
    );
    return { queuedDue: num(rows[0]?.queued_due ?? 0), running: num(rows[0]?.running ?? 0) };
  }

  async claim(
    input: { workerId: string; limit: number; leaseMs: number; scheduleIds?: string[] },
    now: Instant,
  ): Promise<ClaimedRun[]> {
    if (input.limit <= 0 || (input.scheduleIds !== undefined && input.scheduleIds.length === 0)) return [];
    const filter = input.scheduleIds ? ` AND schedule_id IN (${placeholders(input.scheduleIds.length)})` : '';
    return inTransaction(this.db, async (tx) => {
      // Eligible runs: due, and within their concurrency key's free slots. The window function
      // ranks queued runs per key so one batch never takes more of a key than it has room for.
      const eligible = `WITH due AS (
           SELECT id, available_at, concurrency_key, concurrency_limit,
             ROW_NUMBER() OVER (PARTITION BY COALESCE(concurrency_key, id) ORDER BY available_at, id) AS key_rank
           FROM runs WHERE status = 'queued' AND available_at <= ?${filter}
         )
         SELECT id FROM due
         WHERE concurrency_key IS NULL OR concurrency_limit IS NULL
            OR key_rank <= concurrency_limit - (SELECT COUNT(*) FROM runs r WHERE r.concurrency_key = due.concurrency_key AND r.status = 'running')`;
      const params = [now, ...(input.scheduleIds ?? []), Math.floor(input.limit)];
      let ids: string[];
      if (tx.dialect === 'sqlite') {
        // The transaction holds the database's write lock (BEGIN IMMEDIATE): claimers take turns.
        ids = (await tx.query(`SELECT id FROM runs WHERE id IN (${eligible}) ORDER BY available_at, id LIMIT ?`, params)).map((r) => str(r.id));
      } else {
        // Concurrent claimers take different rows (SKIP LOCKED on the outer, limited select); a
        // transaction-scoped advisory lock per concurrency key, then a recount, stops two of them
        // from each starting "the one free slot" of the same key.
        const locked = await tx.query(
          `SELECT id, concurrency_key, concurrency_limit FROM runs WHERE id IN (${eligible}) AND status = 'queued'
           ORDER BY available_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
          params,
        );
        // Batched: one statement takes the advisory locks of every limited key, a second one
        // (a new snapshot, so it sees runs committed by whoever held a lock before) counts them.
        const keys = [...new Set(locked.filter((r) => r.concurrency_limit !== null && r.concurrency_key !== null).map((r) => str(r.concurrency_key)))];
        const taken = new Map<string, number>();
        if (keys.length > 0) {
          const values = keys.map(() => '(?)').join(', ');
          const lockedKeys = (
            await tx.query(
              `SELECT k.key FROM (VALUES ${values}) AS k(key) WHERE pg_try_advisory_xact_lock(hashtext('agentcron:run-key:' || k.key))`,
              keys,
            )
          ).map((r) => str(r.key));
          if (lockedKeys.length > 0) {
            const counts = await tx.query(
              `SELECT k.key, (SELECT COUNT(*) FROM runs r WHERE r.concurrency_key = k.key AND r.status = 'running') AS n
               FROM (VALUES ${lockedKeys.map(() => '(?)').join(', ')}) AS k(key)`,
              lockedKeys,
            );
            for (const row of counts) taken.set(str(row.key), num(row.n));
          }
        }
        ids = [];
        for (const row of locked) {
          const key = strOrNull(row.concurrency_key);
          const limit = numOrNull(row.concurrency_limit);
          if (key !== null && limit !== null) {
            const running = taken.get(key);
            // No entry: another claimer holds the key's lock right now; leave it to them.
            if (running === undefined || running >= limit) continue;
            taken.set(key, running + 1);
          }
          ids.push(str(row.id));
        }
      }
      if (ids.length === 0) return [];
      const rows = await tx.query(
        `UPDATE runs SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, ?)
         WHERE status = 'queued' AND id IN (${placeholders(ids.length)}) RETURNING *`,
        [now, ...ids],
      );
      const runs = rows.map(rowToRun).sort((a, b) => a.availableAt - b.availableAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (runs.length === 0) return [];
      const attemptRows = await tx.query(
        `INSERT INTO attempts (run_id, number, status, worker_id, lease_expires_at, heartbeat_at, started_at)
         VALUES ${runs.map(() => `(?, ?, 'running', ?, ?, ?, ?)`).join(', ')} RETURNING *`,
        runs.flatMap((run) => [run.id, run.attempts, input.workerId, now + input.leaseMs, now, now]),
      );
      const attempts = new Map(attemptRows.map((row) => [str(row.run_id), rowToAttempt(row)]));
      const claimed: ClaimedRun[] = runs.map((run) => ({ run, attempt: attempts.get(run.id)! }));
      return claimed;
    });
  }

  async heartbeat(runId: string, attempt: number, leaseMs: number, now: Instant): Promise<boolean> {
    const changed = await this.db.execute(
      `UPDATE attempts SET lease_expires_at = ?, heartbeat_at = ?
       WHERE run_id = ? AND number = ? AND status = 'running'
         AND EXISTS (SELECT 1 FROM runs r WHERE r.id = ? AND r.attempts = ? AND r.status = 'running')`,
      [now + leaseMs, now, runId, attempt, runId, attempt],
    );
    return changed > 0;
  }

  async completeAttempt(outcome: AttemptOutcome, now: Instant): Promise<boolean> {
    return inTransaction(this.db, async (tx) => {
      const runRow = first(await tx.query(`SELECT * FROM runs WHERE id = ?${forUpdate(tx)}`, [outcome.runId]));
      if (!runRow) return false;
      const run = rowToRun(runRow);
      if (run.status !== 'running' || run.attempts !== outcome.attempt) return false;
      const error = toJsonOrNull(outcome.error);
      const ended = await tx.execute(
        `UPDATE attempts SET status = ?, finished_at = ?, error = ? WHERE run_id = ? AND number = ? AND status = 'running'`,
        [outcome.status, now, error, outcome.runId, outcome.attempt],
      );
      if (ended === 0) return false;
      const retry =
        outcome.status === 'failed' &&
        outcome.retryAt !== undefined &&
        outcome.retryAt !== null &&
        run.attempts < run.maxAttempts;
      if (retry) {
        await tx.execute(`UPDATE runs SET status = 'queued', available_at = ?, error = ? WHERE id = ?`, [
          outcome.retryAt!,
          error,
          run.id,
        ]);
      } else {
        await tx.execute('UPDATE runs SET status = ?, output = ?, error = ?, finished_at = ? WHERE id = ?', [
          outcome.status,
          toJsonOrNull(outcome.output),
          error,
          now,
          run.id,
        ]);
      }
      return true;
    });
  }

  async expireLeases(now: Instant): Promise<Array<{ orgId: string; runId: string; attempt: number; requeued: boolean }>> {
    return inTransaction(this.db, async (tx) => {
      const expired = await tx.query(
        `SELECT a.run_id, a.number, r.org_id, r.attempts, r.max_attempts, r.status AS run_status
         FROM attempts a JOIN runs r ON r.id = a.run_id
         WHERE a.status = 'running' AND a.lease_expires_at < ?
         ORDER BY a.lease_expires_at, a.run_id${forUpdate(tx, true)}`,
        [now],
      );
      const out: Array<{ orgId: string; runId: string; attempt: number; requeued: boolean }> = [];
      for (const row of expired) {
        const runId = str(row.run_id);
        const orgId = str(row.org_id);
        const number = num(row.number);
        const error = JSON.stringify(leaseLostError(number));
        await tx.execute(
          `UPDATE attempts SET status = 'lost', finished_at = ?, error = ? WHERE run_id = ? AND number = ? AND status = 'running'`,
          [now, error, runId, number],
        );
        const live = str(row.run_status) === 'running' && num(row.attempts) === number;
        if (!live) {
          out.push({ orgId, runId, attempt: number, requeued: false });
          continue;
        }
        const requeued = num(row.attempts) < num(row.max_attempts);
        if (requeued) {
          await tx.execute(`UPDATE runs SET status = 'queued', available_at = ?, error = ? WHERE id = ?`, [now, error, runId]);
        } else {
          await tx.execute(`UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`, [error, now, runId]);
        }
        out.push({ orgId, runId, attempt: number, requeued });
      }
      return out;
    });
  }

  async release(runId: string, attempt: number, now: Instant): Promise<boolean> {
    return inTransaction(this.db, async (tx) => {
      const ended = await tx.execute(
        `UPDATE attempts SET status = 'lost', finished_at = ?, error = ?
         WHERE run_id = ? AND number = ? AND status = 'running'
           AND EXISTS (SELECT 1 FROM runs r WHERE r.id = ? AND r.attempts = ? AND r.status = 'running')`,
        [now, JSON.stringify({ type: 'released', message: `attempt ${attempt} released on shutdown` }), runId, attempt, runId, attempt],
      );
      if (ended === 0) return false;
      // The released attempt does not count against maxAttempts: the run did nothing wrong.
      await tx.execute(`UPDATE runs SET status = 'queued', available_at = ?, max_attempts = max_attempts + 1 WHERE id = ?`, [now, runId]);
      return true;
    });
  }

  async cancel(orgId: string, id: string, reason: string, now: Instant): Promise<Run | null> {
    return inTransaction(this.db, async (tx) => {
      const row = first(await tx.query(`SELECT * FROM runs WHERE org_id = ? AND id = ?${forUpdate(tx)}`, [orgId, id]));
      if (!row) return null;
      const run = rowToRun(row);
      if (run.status !== 'queued' && run.status !== 'running') return run;
      if (run.status === 'running') {
        await tx.execute(
          `UPDATE attempts SET status = 'cancelled', finished_at = ? WHERE run_id = ? AND number = ? AND status = 'running'`,
          [now, id, run.attempts],
        );
      }
      const updated = await tx.query(
        `UPDATE runs SET status = 'cancelled', reason = ?, finished_at = ? WHERE id = ? RETURNING *`,
        [reason, now, id],
      );
      return rowToRun(updated[0]!);
    });
  }

  async attempts(runId: string): Promise<Attempt[]> {
    const rows = await this.db.query('SELECT * FROM attempts WHERE run_id = ? ORDER BY number', [runId]);
    return rows.map(rowToAttempt);
  }

  async unstarted(before: Instant, limit: number): Promise<Run[]> {
    // runs_claim (status, available_at) serves this range.
    const rows = await this.db.query(
      `SELECT * FROM runs WHERE status = 'queued' AND available_at < ? AND attempts = 0 AND triggered_by = 'schedule'
       ORDER BY available_at, id LIMIT ?`,
      [before, Math.max(1, Math.floor(limit))],
    );
    return rows.map(rowToRun);
  }

  async markMissed(id: string, reason: string, now: Instant): Promise<Run | null> {
    // Conditional on still being unstarted, so a claim that won the race keeps its run.
    const rows = await this.db.query(
      `UPDATE runs SET status = 'missed', reason = ?, finished_at = ? WHERE id = ? AND status = 'queued' AND attempts = 0 RETURNING *`,
      [reason, now, id],
    );
    const row = first(rows);
    return row ? rowToRun(row) : null;
  }

  async countByStatus(orgId: string, scheduleId: string, trigger?: RunTrigger): Promise<Partial<Record<RunStatus, number>>> {
    const where = new Filters().where('org_id = ?', orgId).where('schedule_id = ?', scheduleId).where('triggered_by = ?', trigger);
    const rows = await this.db.query(`SELECT status, COUNT(*) AS n FROM runs WHERE ${where.sql} GROUP BY status`, where.params);
    const counts: Partial<Record<RunStatus, number>> = {};
    for (const row of rows) counts[str(row.status) as RunStatus] = num(row.n);
    return counts;
  }

  async addBrowserTime(runId: string, attempt: number, ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`browser time must be a non-negative number of ms, got ${ms}`);
    const rounded = Math.round(ms);
    await inTransaction(this.db, async (tx) => {
      const changed = await tx.execute('UPDATE attempts SET browser_ms = browser_ms + ? WHERE run_id = ? AND number = ?', [rounded, runId, attempt]);
      if (changed > 0) await tx.execute('UPDATE runs SET browser_ms = browser_ms + ? WHERE id = ?', [rounded, runId]);
    });
  }
}
