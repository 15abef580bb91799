import type { Queryable } from '../db.js';
import type { TemplateStateRepo } from '../store.js';
import type { Instant, Json } from '../types.js';
import { fromJson, toJson } from './util.js';

/** Per-template key/value state (`{{ state.x }}`), one row per key, values as JSON text. */
export class SqlTemplateStateRepo implements TemplateStateRepo {
  constructor(private readonly db: Queryable) {}

  async get(orgId: string, templateId: string, key: string): Promise<Json | undefined> {
    const rows = await this.db.query(
      'SELECT value FROM template_state WHERE org_id = ? AND template_id = ? AND key = ?',
      [orgId, templateId, key],
    );
    return rows[0] ? fromJson(rows[0].value) : undefined;
  }

  async all(orgId: string, templateId: string): Promise<Record<string, Json>> {
    const rows = await this.db.query(
      'SELECT key, value FROM template_state WHERE org_id = ? AND template_id = ? ORDER BY key',
      [orgId, templateId],
    );
    const out: Record<string, Json> = {};
    for (const row of rows) out[String(row.key)] = fromJson(row.value);
    return out;
  }

  async set(orgId: string, templateId: string, key: string, value: Json, now: Instant): Promise<void> {
    await this.db.execute(
      `INSERT INTO template_state (org_id, template_id, key, value, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_id, template_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [orgId, templateId, key, toJson(value), now],
    );
  }

  async delete(orgId: string, templateId: string, key: string): Promise<boolean> {
    const changed = await this.db.execute(
      'DELETE FROM template_state WHERE org_id = ? AND template_id = ? AND key = ?',
      [orgId, templateId, key],
    );
    return changed > 0;
  }
}
