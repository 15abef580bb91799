import type { Db } from './db.js';
import { migrate } from './migrations.js';
import { PostgresDb, validateSchemaName } from './postgres/driver.js';
import { SqlStore } from './sql/sql-store.js';
import { SqliteDb } from './sqlite/driver.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /**
   * PostgreSQL only: the schema to use (created when missing). A `?schema=<name>` query
   * parameter on the URL does the same, so a schema can be chosen where only a URL can be
   * given (the CLI's `--db`, AGENTCRON_DB).
   */
  schema?: string;
}

const PG_URL = /^postgres(ql)?:\/\//i;
const OTHER_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Opens the store and brings its schema up to date. `target` is a `postgres://` or
 * `postgresql://` URL (optionally with `?schema=<name>`), or else a SQLite file path (its
 * directory is created; `:memory:` for a throw-away database).
 */
export async function openStore(target: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new Error('openStore: give a SQLite file path (e.g. .agentcron/agentcron.db) or a postgres:// URL');
  }
  let db: Db;
  if (PG_URL.test(target)) {
    const { url, schema: urlSchema } = splitSchemaParam(target);
    if (options.schema !== undefined && urlSchema !== undefined && options.schema !== urlSchema) {
      throw new Error(`openStore: the URL names schema ${JSON.stringify(urlSchema)} but the schema option is ${JSON.stringify(options.schema)}`);
    }
    const schema = options.schema ?? urlSchema;
    if (schema !== undefined) validateSchemaName(schema);
    db = await PostgresDb.connect(url, schema === undefined ? {} : { schema });
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

/** Takes `schema` out of a PostgreSQL URL's query (the driver would ignore it). */
function splitSchemaParam(target: string): { url: string; schema: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return { url: target, schema: undefined };
  }
  const schema = parsed.searchParams.get('schema');
  if (schema === null) return { url: target, schema: undefined };
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}
