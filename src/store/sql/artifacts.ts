import type { Queryable, Row } from '../db.js';
import { newId } from '../ids.js';
import type { ArtifactRepo, NewArtifact } from '../store.js';
import type { Artifact, ArtifactKind, Instant } from '../types.js';
import { first, num, placeholders, str } from './util.js';

function toArtifact(row: Row): Artifact {
  return {
    id: str(row.id),
    orgId: str(row.org_id),
    runId: str(row.run_id),
    attempt: num(row.attempt),
    name: str(row.name),
    kind: str(row.kind) as ArtifactKind,
    contentType: str(row.content_type),
    size: num(row.size),
    storageKey: str(row.storage_key),
    createdAt: num(row.created_at),
  };
}

/** Artifact rows (migration 3). Unique per (run, attempt, name): saving a name again replaces it. */
export class SqlArtifactRepo implements ArtifactRepo {
  constructor(private readonly db: Queryable) {}

  async add(input: NewArtifact, now: Instant): Promise<Artifact> {
    const rows = await this.db.query(
      `INSERT INTO artifacts (id, org_id, run_id, attempt, name, kind, content_type, size, storage_key, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, attempt, name) DO UPDATE SET
         kind = excluded.kind, content_type = excluded.content_type, size = excluded.size,
         storage_key = excluded.storage_key, created_at = excluded.created_at
       RETURNING *`,
      [newId(), input.orgId, input.runId, input.attempt, input.name, input.kind, input.contentType, input.size, input.storageKey, now],
    );
    return toArtifact(rows[0]!);
  }

  async get(orgId: string, runId: string, attempt: number, name: string): Promise<Artifact | null> {
    const row = first(
      await this.db.query('SELECT * FROM artifacts WHERE org_id = ? AND run_id = ? AND attempt = ? AND name = ?', [orgId, runId, attempt, name]),
    );
    return row ? toArtifact(row) : null;
  }

  async list(orgId: string, runId: string, attempt?: number): Promise<Artifact[]> {
    const rows =
      attempt === undefined
        ? await this.db.query('SELECT * FROM artifacts WHERE org_id = ? AND run_id = ? ORDER BY attempt, name', [orgId, runId])
        : await this.db.query('SELECT * FROM artifacts WHERE org_id = ? AND run_id = ? AND attempt = ? ORDER BY name', [orgId, runId, attempt]);
    return rows.map(toArtifact);
  }

  async createdBefore(before: Instant, limit: number): Promise<Artifact[]> {
    const rows = await this.db.query('SELECT * FROM artifacts WHERE created_at < ? ORDER BY created_at, id LIMIT ?', [before, limit]);
    return rows.map(toArtifact);
  }

  async ofRuns(runIds: readonly string[]): Promise<Artifact[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db.query(`SELECT * FROM artifacts WHERE run_id IN (${placeholders(runIds.length)}) ORDER BY run_id, attempt, name`, [...runIds]);
    return rows.map(toArtifact);
  }

  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.execute(`DELETE FROM artifacts WHERE id IN (${placeholders(ids.length)})`, [...ids]);
  }
}
