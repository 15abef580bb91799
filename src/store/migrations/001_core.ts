import type { Migration } from '../migrations.js';

/**
 * Core tables: organisations, API keys, template versions, schedules, runs, attempts, run
 * events and idempotency keys. Conventions (see ../db.ts): instants are BIGINT epoch ms, JSON is
 * TEXT, booleans are INTEGER 0/1; both dialects share this SQL except for the event sequence.
 */
function core(dialect: 'sqlite' | 'postgres'): string {
  const serial = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY';
  return `
CREATE TABLE orgs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  tier        TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL,
  prefix        TEXT NOT NULL,
  hash          TEXT NOT NULL UNIQUE,
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT,
  revoked_at    BIGINT
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

CREATE TABLE template_versions (
  org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  template_id  TEXT NOT NULL,
  version      INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  definition   TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (org_id, template_id, version)
);

-- Schedule ids are unique across organisations: health, incidents and claims name a schedule by id alone.
CREATE TABLE schedules (
  id                 TEXT PRIMARY KEY,
  org_id             TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  template_id        TEXT NOT NULL,
  template_version   INTEGER,
  params             TEXT NOT NULL,
  spec               TEXT NOT NULL,
  policies           TEXT NOT NULL,
  next_nominal_time  BIGINT,
  paused             INTEGER NOT NULL DEFAULT 0,
  pause_note         TEXT,
  remaining_runs     INTEGER,
  revision           INTEGER NOT NULL,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL
);
CREATE INDEX schedules_org ON schedules (org_id, id);
CREATE INDEX schedules_template ON schedules (org_id, template_id);
CREATE INDEX schedules_due ON schedules (next_nominal_time) WHERE paused = 0;

-- Runs keep their schedule id after the schedule is deleted (history), so no foreign key to schedules.
CREATE TABLE runs (
  id                TEXT PRIMARY KEY,
  org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  schedule_id       TEXT,
  template_id       TEXT NOT NULL,
  template_version  INTEGER NOT NULL,
  params            TEXT NOT NULL,
  nominal_time      BIGINT NOT NULL,
  triggered_by      TEXT NOT NULL,
  status            TEXT NOT NULL,
  reason            TEXT,
  idempotency_key   TEXT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  max_attempts      INTEGER NOT NULL DEFAULT 1,
  available_at      BIGINT NOT NULL,
  deadline          BIGINT,
  parent_run_id     TEXT,
  backfill_id       TEXT,
  concurrency_key   TEXT,
  concurrency_limit INTEGER,
  output            TEXT,
  error             TEXT,
  created_at        BIGINT NOT NULL,
  started_at        BIGINT,
  finished_at       BIGINT
);
-- DESIGN invariant 1: exactly one run per occurrence.
CREATE UNIQUE INDEX runs_occurrence ON runs (schedule_id, nominal_time) WHERE triggered_by = 'schedule';
CREATE INDEX runs_claim ON runs (status, available_at);
CREATE INDEX runs_org_schedule_time ON runs (org_id, schedule_id, nominal_time DESC, id DESC);
CREATE INDEX runs_org_time ON runs (org_id, nominal_time DESC, id DESC);
CREATE INDEX runs_active ON runs (schedule_id, status) WHERE status IN ('queued', 'running');
CREATE INDEX runs_running_by_key ON runs (concurrency_key) WHERE status = 'running';

CREATE TABLE attempts (
  run_id            TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  number            INTEGER NOT NULL,
  status            TEXT NOT NULL,
  worker_id         TEXT NOT NULL,
  lease_expires_at  BIGINT NOT NULL,
  heartbeat_at      BIGINT NOT NULL,
  started_at        BIGINT NOT NULL,
  finished_at       BIGINT,
  error             TEXT,
  PRIMARY KEY (run_id, number)
);
CREATE INDEX attempts_lease ON attempts (lease_expires_at) WHERE status = 'running';

CREATE TABLE run_events (
  seq      ${serial},
  run_id   TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  attempt  INTEGER,
  at       BIGINT NOT NULL,
  type     TEXT NOT NULL,
  data     TEXT NOT NULL
);
CREATE INDEX run_events_run ON run_events (run_id, seq);

-- The key is claimed before its run is inserted (same transaction), so run_id has no foreign key.
CREATE TABLE idempotency_keys (
  org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  key         TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  expires_at  BIGINT NOT NULL,
  PRIMARY KEY (org_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
`;
}

export const migration001: Migration = {
  version: 1,
  name: 'core',
  sqlite: core('sqlite'),
  postgres: core('postgres'),
};
