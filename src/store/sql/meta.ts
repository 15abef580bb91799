import type { Queryable } from '../db.js';
import type { MetaRepo } from '../store.js';
import type { Instant, Json } from '../types.js';
import { fromJson, toJson } from './util.js';

/** System-wide facts (e.g. the last instant a node was seen alive), one JSON value per key. */
export class SqlMetaRepo implements MetaRepo {
  constructor(private readonly db: Queryable) {}

  async get(key: string): Promise<Json | undefined> {
    const rows = await this.db.query('SELECT value FROM meta WHERE key = ?', [key]);
    return rows[0] ? fromJson(rows[0].value) : undefined;
  }

  async set(key: string, value: Json, now: Instant): Promise<void> {
    await this.db.execute(
      `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, toJson(value), now],
    );
  }

  async setIfAbsent(key: string, value: Json, now: Instant): Promise<Json> {
    // Insert-or-ignore, then read back: a concurrent insert makes ours a no-op (PostgreSQL waits for
    // the other transaction), so every racer reads the one row that won.
    await this.db.execute('INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING', [key, toJson(value), now]);
    const stored = await this.get(key);
    if (stored === undefined) throw new Error(`meta key ${JSON.stringify(key)} vanished between insert and read`);
    return stored;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.db.execute('DELETE FROM meta WHERE key = ?', [key])) > 0;
  }

  async list(prefix: string): Promise<Array<{ key: string; value: Json }>> {
    // substr rather than LIKE (no escaping of `%`/`_`) or a key range (collation-dependent on PostgreSQL).
    const rows = await this.db.query('SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key', [prefix.length, prefix]);
    return rows.map((row) => ({ key: String(row.key), value: fromJson(row.value) }));
  }
}
