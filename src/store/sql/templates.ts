import type { Queryable, Row } from '../db.js';
import { ConflictError, type TemplateRepo } from '../store.js';
import type { Instant, Json, TemplateKind, TemplateVersion } from '../types.js';
import { canonicalJson, first, fromJson, num, str } from './util.js';

export function rowToTemplate(row: Row): TemplateVersion {
  return {
    orgId: str(row.org_id),
    templateId: str(row.template_id),
    version: num(row.version),
    kind: str(row.kind) as TemplateKind,
    definition: fromJson(row.definition),
    createdAt: num(row.created_at),
  };
}

export class SqlTemplateRepo implements TemplateRepo {
  constructor(private readonly db: Queryable) {}

  async put(
    input: { orgId: string; templateId: string; kind: TemplateKind; definition: Json },
    now: Instant,
  ): Promise<{ version: TemplateVersion; created: boolean }> {
    const wanted = canonicalJson(input.definition);
    // Optimistic: compute the next version and insert it; a concurrent writer that took the
    // same number makes the insert a no-op, and the loop compares against its version.
    for (let tries = 0; tries < 20; tries++) {
      // One read of the newest row, deleted or not: numbers are never reused (see migration 5),
      // and a concurrent writer's row is either seen here (and compared) or makes the insert a no-op.
      const top = first(
        await this.db.query('SELECT * FROM template_versions WHERE org_id = ? AND template_id = ? ORDER BY version DESC LIMIT 1', [input.orgId, input.templateId]),
      );
      const latest = top ? rowToTemplate(top) : null;
      if (latest && num(top!.deleted) === 0 && latest.kind === input.kind && canonicalJson(latest.definition) === wanted) {
        return { version: latest, created: false };
      }
      const next = (latest?.version ?? 0) + 1;
      const rows = await this.db.query(
        `INSERT INTO template_versions (org_id, template_id, version, kind, definition, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
        [input.orgId, input.templateId, next, input.kind, JSON.stringify(input.definition), now],
      );
      const row = first(rows);
      if (row) return { version: rowToTemplate(row), created: true };
    }
    throw new ConflictError(`template ${JSON.stringify(input.templateId)} is being written concurrently; try again`);
  }

  async get(orgId: string, templateId: string, version?: number): Promise<TemplateVersion | null> {
    const rows =
      version === undefined
        ? await this.db.query(
            'SELECT * FROM template_versions WHERE org_id = ? AND template_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1',
            [orgId, templateId],
          )
        : await this.db.query('SELECT * FROM template_versions WHERE org_id = ? AND template_id = ? AND version = ? AND deleted = 0', [
            orgId,
            templateId,
            version,
          ]);
    const row = first(rows);
    return row ? rowToTemplate(row) : null;
  }

  async list(orgId: string): Promise<TemplateVersion[]> {
    const rows = await this.db.query(
      `SELECT t.* FROM template_versions t
       WHERE t.org_id = ? AND t.deleted = 0 AND t.version = (
         SELECT MAX(v.version) FROM template_versions v WHERE v.org_id = t.org_id AND v.template_id = t.template_id AND v.deleted = 0)
       ORDER BY t.template_id`,
      [orgId],
    );
    return rows.map(rowToTemplate);
  }

  async versions(orgId: string, templateId: string): Promise<TemplateVersion[]> {
    const rows = await this.db.query(
      'SELECT * FROM template_versions WHERE org_id = ? AND template_id = ? AND deleted = 0 ORDER BY version',
      [orgId, templateId],
    );
    return rows.map(rowToTemplate);
  }

  async delete(orgId: string, templateId: string): Promise<boolean> {
    // Soft delete: the versions stay (hidden) so their numbers are never handed out again.
    const deleted = await this.db.execute(
      `UPDATE template_versions SET deleted = 1 WHERE org_id = ? AND template_id = ? AND deleted = 0
       AND NOT EXISTS (SELECT 1 FROM schedules s WHERE s.org_id = ? AND s.template_id = ?)`,
      [orgId, templateId, orgId, templateId],
    );
    if (deleted > 0) return true;
    const users = await this.db.query<{ id: string }>(
      'SELECT id FROM schedules WHERE org_id = ? AND template_id = ? ORDER BY id LIMIT 3',
      [orgId, templateId],
    );
    if (users.length > 0) {
      throw new ConflictError(
        `template ${JSON.stringify(templateId)} is used by schedule(s) ${users.map((u) => JSON.stringify(u.id)).join(', ')}`,
      );
    }
    return false;
  }
}
