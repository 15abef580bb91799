import type { Queryable, SqlValue } from '../db.js';
import type { StatsRepo } from '../store.js';
import type { DailyCost, Instant, Percentiles, RunStatus, RunWindowStats, ScheduleSummary } from '../types.js';
import { num, numOrNull, str } from './util.js';

const DAY_MS = 86_400_000;
/** The longest run-history strip a summary returns. */
export const MAX_RECENT = 500;
/** The most schedules one `summaries` call takes (a page of the overview). */
export const MAX_SUMMARIES = 500;

/**
 * The range of one schedule's runs, by nominal time, as every query here starts: a range scan of
 * the index runs_org_schedule_time (org_id, schedule_id, nominal_time DESC, id DESC), which since
 * migration 7 also carries every column read here, so no query visits the table.
 */
const SCHEDULE_RANGE = 'org_id = ? AND schedule_id = ? AND nominal_time >= ? AND nominal_time < ?';

/**
 * Nearest-rank percentiles (the value at rank ceil(p·n) of the sorted values) of `value` over
 * the rows `where` selects, in one pass. The rank is computed in integer arithmetic,
 * ceil(P·n / 100) = (P·n + 99) / 100 with P in percent, so both databases pick the same row
 * without floating-point rounding (PostgreSQL's percentile_disc multiplies in float8).
 * No rows give no result row.
 */
function percentileSql(value: string, where: string): string {
  const at = (percent: number): string => `MAX(CASE WHEN rn = (${percent} * n + 99) / 100 THEN v END)`;
  return `SELECT n, ${at(50)} AS p50, ${at(95)} AS p95, ${at(99)} AS p99, MAX(v) AS max
    FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS rn, COUNT(*) OVER () AS n
          FROM (SELECT ${value} AS v FROM runs WHERE ${where}) AS vals) AS ranked
    GROUP BY n`;
}

const DURATION_SQL = percentileSql(
  'finished_at - started_at',
  `${SCHEDULE_RANGE} AND started_at IS NOT NULL AND finished_at IS NOT NULL`,
);
const LATENESS_SQL = percentileSql('started_at - nominal_time', `${SCHEDULE_RANGE} AND triggered_by = 'schedule' AND started_at IS NOT NULL`);

/**
 * One schedule's success rate since an instant: succeeded / (succeeded + failed + timed_out +
 * missed); skipped and cancelled runs say nothing about its health. Always one row. `schedule`
 * is a placeholder or, in a LATERAL join, the outer column.
 */
const rateSql = (schedule: string): string => `SELECT SUM(CASE WHEN status = 'succeeded' THEN 1 ELSE 0 END) AS succeeded, COUNT(*) AS rated
  FROM runs WHERE org_id = ? AND schedule_id = ${schedule} AND nominal_time >= ? AND status IN ('succeeded', 'failed', 'timed_out', 'missed')`;

/** One schedule's newest runs (newest nominal time first, then id), as `runs.list` pages them. */
const latestSql = (schedule: string): string => `SELECT id, status, nominal_time, finished_at FROM runs
  WHERE org_id = ? AND schedule_id = ${schedule} ORDER BY nominal_time DESC, id DESC LIMIT ?`;

function checkRange(from: Instant, to: Instant): void {
  if (!Number.isSafeInteger(from)) throw new RangeError(`from must be an instant in epoch ms, got ${from}`);
  if (!Number.isSafeInteger(to)) throw new RangeError(`to must be an instant in epoch ms, got ${to}`);
  if (to < from) throw new RangeError(`the window ends (${new Date(to).toISOString()}) before it starts (${new Date(from).toISOString()})`);
}

/** `YYYY-MM-DD` of a UTC day number (days since 1970-01-01). */
function utcDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Dashboard aggregations over `runs`, written once for both databases. Every query is bounded by
 * one schedule's index range; `summaries` runs one LATERAL query on PostgreSQL and two small
 * queries per schedule on SQLite.
 */
export class SqlStatsRepo implements StatsRepo {
  constructor(private readonly db: Queryable) {}

  async summaries(orgId: string, scheduleIds: readonly string[], options: { recent: number; since: Instant }): Promise<ScheduleSummary[]> {
    const { recent, since } = options;
    if (!Number.isSafeInteger(recent) || recent < 0 || recent > MAX_RECENT) {
      throw new RangeError(`recent must be a whole number from 0 to ${MAX_RECENT}, got ${recent}`);
    }
    if (!Number.isSafeInteger(since)) throw new RangeError(`since must be an instant in epoch ms, got ${since}`);
    if (scheduleIds.length > MAX_SUMMARIES) throw new RangeError(`at most ${MAX_SUMMARIES} schedules per call, got ${scheduleIds.length}`);
    if (scheduleIds.length === 0) return [];
    const unique = [...new Set(scheduleIds)];
    // The strip needs at least one run: the newest is also the summary's last run.
    const limit = Math.max(recent, 1);
    const found = this.db.dialect === 'postgres' ? await this.summaryRowsLateral(orgId, unique, limit, since) : await this.summaryRowsEach(orgId, unique, limit, since);
    return scheduleIds.map((scheduleId) => {
      const { runs, rated, succeeded } = found.get(scheduleId) ?? { runs: [], rated: 0, succeeded: 0 };
      const last = runs[0];
      return {
        scheduleId,
        lastRun: last ? { id: last.id, status: last.status, nominalTime: last.nominalTime, finishedAt: last.finishedAt } : null,
        recent: runs.slice(0, recent).map(({ id, status, nominalTime }) => ({ id, status, nominalTime })),
        successRate: rated > 0 ? succeeded / rated : null,
      };
    });
  }

  async window(orgId: string, scheduleId: string, from: Instant, to: Instant): Promise<RunWindowStats> {
    checkRange(from, to);
    const range: SqlValue[] = [orgId, scheduleId, from, to];
    const countRows = await this.db.query(
      `SELECT status, COUNT(*) AS n, SUM(browser_ms) AS browser_ms FROM runs WHERE ${SCHEDULE_RANGE} GROUP BY status`,
      range,
    );
    const counts: Partial<Record<RunStatus, number>> = {};
    let browserMs = 0;
    for (const row of countRows) {
      counts[str(row.status) as RunStatus] = num(row.n);
      browserMs += num(row.browser_ms ?? 0);
    }
    return {
      scheduleId,
      from,
      to,
      counts,
      duration: await this.percentiles(DURATION_SQL, range),
      lateness: await this.percentiles(LATENESS_SQL, range),
      browserMs,
    };
  }

  async dailyCost(orgId: string, scheduleId: string, from: Instant, to: Instant): Promise<DailyCost[]> {
    checkRange(from, to);
    // Integer division floors for instants after 1970, which every run's nominal time is.
    const rows = await this.db.query(
      `SELECT nominal_time / ${DAY_MS} AS day, COUNT(*) AS n, SUM(browser_ms) AS browser_ms
       FROM runs WHERE ${SCHEDULE_RANGE} GROUP BY nominal_time / ${DAY_MS} ORDER BY day`,
      [orgId, scheduleId, from, to],
    );
    return rows.map((row) => ({ day: utcDate(num(row.day)), runs: num(row.n), browserMs: num(row.browser_ms ?? 0) }));
  }

  private async percentiles(sql: string, params: SqlValue[]): Promise<Percentiles | null> {
    const row = (await this.db.query(sql, params))[0];
    if (!row) return null;
    return { count: num(row.n), p50: num(row.p50), p95: num(row.p95), p99: num(row.p99), max: num(row.max) };
  }

  /**
   * PostgreSQL, one round trip: per schedule, a LATERAL aggregate over its runs since `since`
   * and a LATERAL page of its newest runs, each an index range of runs_org_schedule_time.
   */
  private async summaryRowsLateral(orgId: string, scheduleIds: string[], limit: number, since: Instant): Promise<Map<string, SummaryRows>> {
    const rows = await this.db.query(
      `SELECT s.schedule_id, rate.succeeded, rate.rated, r.id, r.status, r.nominal_time, r.finished_at
       FROM (VALUES ${scheduleIds.map(() => '(?)').join(', ')}) AS s(schedule_id)
       CROSS JOIN LATERAL (${rateSql('s.schedule_id')}) AS rate
       LEFT JOIN LATERAL (${latestSql('s.schedule_id')}) AS r ON TRUE`,
      [...scheduleIds, orgId, since, orgId, limit],
    );
    const found = new Map<string, SummaryRows>();
    for (const row of rows) {
      const scheduleId = str(row.schedule_id);
      let entry = found.get(scheduleId);
      if (!entry) found.set(scheduleId, (entry = { runs: [], rated: num(row.rated ?? 0), succeeded: num(row.succeeded ?? 0) }));
      if (row.id !== null && row.id !== undefined) entry.runs.push(toRecentRun(row));
    }
    // LATERAL keeps each page's order, but the join's output order is not promised.
    for (const entry of found.values()) entry.runs.sort(newestFirst);
    return found;
  }

  /** SQLite, in-process (no round trips to save): the same two index ranges, schedule by schedule. */
  private async summaryRowsEach(orgId: string, scheduleIds: string[], limit: number, since: Instant): Promise<Map<string, SummaryRows>> {
    const found = new Map<string, SummaryRows>();
    for (const scheduleId of scheduleIds) {
      const [rate] = await this.db.query(rateSql('?'), [orgId, scheduleId, since]);
      const runs = await this.db.query(latestSql('?'), [orgId, scheduleId, limit]);
      found.set(scheduleId, { runs: runs.map(toRecentRun), rated: num(rate?.rated ?? 0), succeeded: num(rate?.succeeded ?? 0) });
    }
    return found;
  }
}

interface SummaryRows {
  runs: RecentRun[];
  rated: number;
  succeeded: number;
}

interface RecentRun {
  id: string;
  status: RunStatus;
  nominalTime: Instant;
  finishedAt: Instant | null;
}

function toRecentRun(row: Record<string, unknown>): RecentRun {
  return { id: str(row.id), status: str(row.status) as RunStatus, nominalTime: num(row.nominal_time), finishedAt: numOrNull(row.finished_at) };
}

function newestFirst(a: RecentRun, b: RecentRun): number {
  return b.nominalTime - a.nominalTime || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

