import type { Db } from './db.js';
import { migrate } from './migrations.js';
import { PostgresDb, validateSchemaName } from './postgres/driver.js';
import { SqlStore } from './sql/sql-store.js';
import { SqliteDb } from './sqlite/driver.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** PostgreSQL only: the schema to use (created when missing). */
  schema?: string;
}

const PG_URL = /^postgres(ql)?:\/\//i;
const OTHER_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Opens the store and brings its schema up to date. `target` is a `postgres://` or
 * `postgresql://` URL, or else a SQLite file path (its directory is created; `:memory:` for a
 * throw-away database).
 */
export async function openStore(target: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new Error('openStore: give a SQLite file path (e.g. .agentcron/agentcron.db) or a postgres:// URL');
  }
  let db: Db;
  if (PG_URL.test(target)) {
    if (options.schema !== undefined) validateSchemaName(options.schema);
    db = await PostgresDb.connect(target, options.schema === undefined ? {} : { schema: options.schema });
  } else {
    if (OTHER_URL.test(target)) {
      throw new Error(`openStore: unsupported database URL ${JSON.stringify(target.replace(/\/\/[^@/]*@/, '//***@'))}: use postgres:// or a SQLite file path`);
    }
    if (options.schema !== undefined) throw new Error('openStore: the schema option applies to PostgreSQL only');
    db = new SqliteDb(target);
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return new SqlStore(db);
}
