import type { Migration } from '../migrations.js';

/**
 * Migration 7: the dashboard's aggregations (src/store/sql/stats.ts) read only the index. The
 * per-schedule history index of migration 1, (org_id, schedule_id, nominal_time DESC, id DESC),
 * gains the columns the stats queries read — status, trigger, start, finish, browser time — so
 * counts, percentiles, success rates and daily cost over a schedule's range never visit the
 * table: at 1,000,000 runs, one schedule's rows are spread over as many table pages as it has
 * runs. Run listings keep using the same leading columns. PostgreSQL carries the extra columns
 * as INCLUDE (not part of the key); SQLite has no INCLUDE, so they trail the key.
 */
const stats = (dialect: 'sqlite' | 'postgres') => `
DROP INDEX runs_org_schedule_time;
CREATE INDEX runs_org_schedule_time ON runs (org_id, schedule_id, nominal_time DESC, id DESC${
  dialect === 'postgres'
    ? ') INCLUDE (status, triggered_by, started_at, finished_at, browser_ms)'
    : ', status, triggered_by, started_at, finished_at, browser_ms)'
};
`;

export const migration007: Migration = {
  version: 7,
  name: 'stats',
  sqlite: stats('sqlite'),
  postgres: stats('postgres'),
};
