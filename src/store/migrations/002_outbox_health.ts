import type { Migration } from '../migrations.js';

/**
 * Migration 2: the outbox (deliveries and their attempt log), incidents, schedule health,
 * browser profiles, per-template state, secrets and system meta.
 *
 * Instants are BIGINT epoch milliseconds, JSON is TEXT, so both dialects read rows back the
 * same way. Organisation-owned rows go with their organisation (ON DELETE CASCADE), as in
 * migration 1. Rows that point at schedules or runs carry their ids without foreign keys: runs
 * keep their history and a schedule may be deleted while its deliveries, incidents and health
 * stay. Schedule ids are unique across organisations (migration 1), so health and incidents
 * key on the schedule id alone.
 * The SQL is one text for both dialects; the statements it uses (partial unique indexes,
 * CHECK constraints, BIGINT) mean the same in SQLite and PostgreSQL.
 */
const ddl = `
CREATE TABLE deliveries (
  id               TEXT    PRIMARY KEY,
  org_id           TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  event_id         TEXT    NOT NULL,
  event_type       TEXT    NOT NULL,
  destination_id   TEXT    NOT NULL,
  run_id           TEXT,
  schedule_id      TEXT,
  payload          TEXT    NOT NULL,
  status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT  NOT NULL,
  lease_expires_at BIGINT,
  last_error       TEXT,
  created_at       BIGINT  NOT NULL,
  delivered_at     BIGINT
);
CREATE INDEX deliveries_claim ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_org_created ON deliveries (org_id, created_at);
CREATE INDEX deliveries_run ON deliveries (run_id);

CREATE TABLE delivery_attempts (
  delivery_id TEXT    NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  number      INTEGER NOT NULL,
  at          BIGINT  NOT NULL,
  status_code INTEGER,
  error       TEXT,
  latency_ms  INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, number)
);

CREATE TABLE incidents (
  id               TEXT   PRIMARY KEY,
  org_id           TEXT   NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  schedule_id      TEXT   NOT NULL,
  kind             TEXT   NOT NULL,
  status           TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
  summary          TEXT   NOT NULL,
  details          TEXT   NOT NULL DEFAULT 'null',
  opened_at        BIGINT NOT NULL,
  resolved_at      BIGINT,
  last_notified_at BIGINT
);
CREATE UNIQUE INDEX incidents_one_open ON incidents (schedule_id, kind) WHERE status = 'open';
CREATE INDEX incidents_org_opened ON incidents (org_id, opened_at);

CREATE TABLE schedule_health (
  schedule_id           TEXT    PRIMARY KEY,
  consecutive_failures  INTEGER NOT NULL DEFAULT 0,
  consecutive_successes INTEGER NOT NULL DEFAULT 0,
  last_success_at       BIGINT,
  last_failure_at       BIGINT,
  total_succeeded       BIGINT  NOT NULL DEFAULT 0,
  total_failed          BIGINT  NOT NULL DEFAULT 0,
  updated_at            BIGINT  NOT NULL
);

CREATE TABLE profiles (
  org_id           TEXT    NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name             TEXT    NOT NULL,
  state            TEXT    NOT NULL DEFAULT 'null',
  version          INTEGER NOT NULL DEFAULT 0,
  locked_by_run_id TEXT,
  lock_expires_at  BIGINT,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL,
  PRIMARY KEY (org_id, name)
);

CREATE TABLE template_state (
  org_id      TEXT   NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  template_id TEXT   NOT NULL,
  key         TEXT   NOT NULL,
  value       TEXT   NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (org_id, template_id, key)
);

CREATE TABLE secrets (
  org_id     TEXT   NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  name       TEXT   NOT NULL,
  ciphertext TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, name)
);

CREATE TABLE meta (
  key        TEXT   PRIMARY KEY,
  value      TEXT   NOT NULL,
  updated_at BIGINT NOT NULL
);
`;

export const migration002: Migration = {
  version: 2,
  name: 'outbox_health',
  sqlite: ddl,
  postgres: ddl,
};
