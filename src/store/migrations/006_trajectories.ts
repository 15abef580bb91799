import type { Migration } from '../migrations.js';

/**
 * Migration 6: the agent trajectory cache. A successful agent run stores the actions it took
 * (with robust locators) so the next run of the same template version, with the same parameter
 * NAMES, replays them without the model. One entry per (template, version, parameter names);
 * a replay that diverges rewrites it. Entries are bound to a template version, so a new version
 * starts cold and old versions' entries are simply never read again (or invalidated by the CLI).
 */
const ddl = `
CREATE TABLE trajectories (
  org_id           TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  template_id      TEXT    NOT NULL,
  template_version INTEGER NOT NULL,
  param_key        TEXT    NOT NULL,
  start_url        TEXT    NOT NULL,
  actions          TEXT    NOT NULL,
  hits             BIGINT  NOT NULL DEFAULT 0,
  rewrites         BIGINT  NOT NULL DEFAULT 0,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL,
  last_hit_at      BIGINT,
  PRIMARY KEY (org_id, template_id, template_version, param_key)
);
`;

export const migration006: Migration = {
  version: 6,
  name: 'trajectories',
  sqlite: ddl,
  postgres: ddl,
};
