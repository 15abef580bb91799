import type { Migration } from '../migrations.js';

/**
 * Migration 5: deleting a template hides its versions instead of removing them, so a template
 * created again under the same id goes on counting versions (runs name template versions, and a
 * reused number would point old runs at a definition they never ran). Also an index to count an
 * organisation's active runs (tier limits).
 */
const ddl = `
ALTER TABLE template_versions ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX runs_org_active ON runs (org_id) WHERE status IN ('queued', 'running');
`;

export const migration005: Migration = { version: 5, name: 'template_soft_delete', sqlite: ddl, postgres: ddl };
