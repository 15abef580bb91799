import type { Queryable, Row } from '../db.js';
import type { SecretRepo } from '../store.js';
import type { Instant, SecretRecord } from '../types.js';
import { num } from './util.js';

function toSecret(row: Row): SecretRecord {
  return {
    orgId: String(row.org_id),
    name: String(row.name),
    ciphertext: String(row.ciphertext),
    updatedAt: num(row.updated_at),
  };
}

/** Encrypted secrets: the store only ever sees ciphertext, and listings carry names only. */
export class SqlSecretRepo implements SecretRepo {
  constructor(private readonly db: Queryable) {}

  async put(input: { orgId: string; name: string; ciphertext: string }, now: Instant): Promise<void> {
    await this.db.execute(
      `INSERT INTO secrets (org_id, name, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (org_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      [input.orgId, input.name, input.ciphertext, now, now],
    );
  }

  async get(orgId: string, name: string): Promise<SecretRecord | null> {
    const rows = await this.db.query('SELECT * FROM secrets WHERE org_id = ? AND name = ?', [orgId, name]);
    return rows[0] ? toSecret(rows[0]) : null;
  }

  async names(orgId: string): Promise<string[]> {
    const rows = await this.db.query('SELECT name FROM secrets WHERE org_id = ? ORDER BY name', [orgId]);
    return rows.map((row) => String(row.name));
  }

  async delete(orgId: string, name: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM secrets WHERE org_id = ? AND name = ?', [orgId, name])) > 0;
  }
}
