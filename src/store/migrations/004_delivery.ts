import type { Migration } from '../migrations.js';

/**
 * Migration 4: the state of each destination. A destination's configuration (URL, secrets)
 * lives in agentcron.yaml, not here; this table records what the relay learnt at run time, so
 * every node and the CLI see it: a destination that answered 410 Gone is disabled (with the
 * reason) until someone enables it again, and its deliveries wait instead of being tried.
 * The pending-delivery index serves the relay's "when is the next delivery due" question.
 */
const ddl = `
CREATE TABLE destination_state (
  org_id          TEXT   NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  destination_id  TEXT   NOT NULL,
  type            TEXT   NOT NULL,
  disabled_at     BIGINT,
  disabled_reason TEXT,
  updated_at      BIGINT NOT NULL,
  PRIMARY KEY (org_id, destination_id)
);
CREATE INDEX deliveries_destination_due ON deliveries (destination_id, status, next_attempt_at);
`;

export const migration004: Migration = {
  version: 4,
  name: 'delivery',
  sqlite: ddl,
  postgres: ddl,
};
