import type { Queryable, Row } from '../db.js';
import { newId } from '../ids.js';
import { ConflictError, type OrgRepo } from '../store.js';
import type { Instant, Org } from '../types.js';
import { first, num, str } from './util.js';

export function rowToOrg(row: Row): Org {
  return { id: str(row.id), name: str(row.name), tier: str(row.tier), createdAt: num(row.created_at) };
}

export class SqlOrgRepo implements OrgRepo {
  constructor(private readonly db: Queryable) {}

  async create(input: { id?: string; name: string; tier?: string }, now: Instant): Promise<Org> {
    const id = input.id ?? newId();
    const rows = await this.db.query(
      'INSERT INTO orgs (id, name, tier, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *',
      [id, input.name, input.tier ?? 'self-hosted', now],
    );
    const row = first(rows);
    if (!row) throw new ConflictError(`organisation ${JSON.stringify(id)} already exists`);
    return rowToOrg(row);
  }

  async get(id: string): Promise<Org | null> {
    const row = first(await this.db.query('SELECT * FROM orgs WHERE id = ?', [id]));
    return row ? rowToOrg(row) : null;
  }

  async list(): Promise<Org[]> {
    const rows = await this.db.query('SELECT * FROM orgs ORDER BY created_at, id');
    return rows.map(rowToOrg);
  }
}
