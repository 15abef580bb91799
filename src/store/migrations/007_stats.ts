import type { Migration } from '../migrations.js';

/**
 * Migration 7: the dashboard's aggregations (src/store/sql/stats.ts) read only the index. The
 * per-schedule history index of migration 1, (org_id, schedule_id, nominal_time DESC, id DESC),
 * gains the columns the stats queries read — status, trigger, start, finish, browser time — so
 * counts, percentiles, success rates and daily cost over a schedule's range never visit the
 * table: at 1,000,000 runs, one schedule's rows are spread over as many table pages as it has
 * runs. Run listings keep using the same leading columns. PostgreSQL carries the extra columns
 * as INCLUDE (not part of the key); SQLite has no INCLUDE, so they trail the key.
 *
 * The new index is built under another name before the old one is dropped: on PostgreSQL the
 * build holds a SHARE lock (writes wait, reads go on), and the ACCESS EXCLUSIVE lock of the
 * drop and rename lasts only from then to the commit, instead of through the whole build.
 */
const COLUMNS = 'org_id, schedule_id, nominal_time DESC, id DESC';
const STATS_COLUMNS = 'status, triggered_by, started_at, finished_at, browser_ms';

const postgres = `
CREATE INDEX runs_org_schedule_time_covering ON runs (${COLUMNS}) INCLUDE (${STATS_COLUMNS});
DROP INDEX runs_org_schedule_time;
ALTER INDEX runs_org_schedule_time_covering RENAME TO runs_org_schedule_time;
`;

// SQLite cannot rename an index, and a migration holds its one write lock throughout anyway.
// ANALYZE gives the planner the new index's statistics, so it picks the covering index.
const sqlite = `
DROP INDEX runs_org_schedule_time;
CREATE INDEX runs_org_schedule_time ON runs (${COLUMNS}, ${STATS_COLUMNS});
ANALYZE runs;
`;

export const migration007: Migration = {
  version: 7,
  name: 'stats',
  sqlite,
  postgres,
};
