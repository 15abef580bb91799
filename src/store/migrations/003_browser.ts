import type { Migration } from '../migrations.js';

/**
 * Migration 3: the browser runtime. Artifacts (traces, screenshots, console logs, downloads)
 * are files in an ArtifactStore; their rows here let the API list them and the retention job
 * find what to prune. Cost accounting: each attempt's active browser time, summed on its run.
 * A run may name a browser profile (manual triggers); templates name theirs in the definition.
 *
 * Artifact rows carry the run id without a foreign key, like deliveries: pruning removes files
 * and rows together by age, whatever happened to the run.
 */
const ddl = `
CREATE TABLE artifacts (
  id           TEXT    PRIMARY KEY,
  org_id       TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  run_id       TEXT    NOT NULL,
  attempt      INTEGER NOT NULL,
  name         TEXT    NOT NULL,
  kind         TEXT    NOT NULL CHECK (kind IN ('trace', 'screenshot', 'console', 'download', 'other')),
  content_type TEXT    NOT NULL,
  size         BIGINT  NOT NULL,
  storage_key  TEXT    NOT NULL,
  created_at   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX artifacts_name ON artifacts (run_id, attempt, name);
CREATE INDEX artifacts_created ON artifacts (created_at);

ALTER TABLE attempts ADD COLUMN browser_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN browser_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN profile TEXT;
`;

export const migration003: Migration = {
  version: 3,
  name: 'browser',
  sqlite: ddl,
  postgres: ddl,
};
