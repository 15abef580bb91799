import type { Queryable, Row } from '../db.js';
import { newId } from '../ids.js';
import { ConflictError, type ApiKeyRepo } from '../store.js';
import type { ApiKey, Instant, Role } from '../types.js';
import { first, num, numOrNull, str } from './util.js';

export function rowToApiKey(row: Row): ApiKey {
  return {
    id: str(row.id),
    orgId: str(row.org_id),
    name: str(row.name),
    role: str(row.role) as Role,
    prefix: str(row.prefix),
    hash: str(row.hash),
    createdAt: num(row.created_at),
    lastUsedAt: numOrNull(row.last_used_at),
    revokedAt: numOrNull(row.revoked_at),
  };
}

export class SqlApiKeyRepo implements ApiKeyRepo {
  constructor(private readonly db: Queryable) {}

  async create(
    input: { orgId: string; name: string; role: Role; prefix: string; hash: string },
    now: Instant,
  ): Promise<ApiKey> {
    const rows = await this.db.query(
      `INSERT INTO api_keys (id, org_id, name, role, prefix, hash, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      [newId(), input.orgId, input.name, input.role, input.prefix, input.hash, now],
    );
    const row = first(rows);
    if (!row) throw new ConflictError('an API key with this hash exists already');
    return rowToApiKey(row);
  }

  async findByHash(hash: string): Promise<ApiKey | null> {
    const row = first(await this.db.query('SELECT * FROM api_keys WHERE hash = ?', [hash]));
    return row ? rowToApiKey(row) : null;
  }

  async list(orgId: string): Promise<ApiKey[]> {
    const rows = await this.db.query('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at, id', [orgId]);
    return rows.map(rowToApiKey);
  }

  async revoke(orgId: string, id: string, now: Instant): Promise<boolean> {
    const changed = await this.db.execute(
      'UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL',
      [now, orgId, id],
    );
    return changed > 0;
  }

  async touch(id: string, now: Instant): Promise<void> {
    await this.db.execute('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [now, id]);
  }
}
