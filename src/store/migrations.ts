import type { Db, Dialect, Queryable } from './db.js';
import { MIGRATIONS } from './migrations/index.js';

/** One forward-only schema change, with its SQL for each dialect (statements separated by `;`). */
export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

/** The database holds a schema this code does not know (it was migrated by a newer agentcron). */
export class SchemaVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaVersionError';
  }
}

/** Checks that a migration list is numbered 1, 2, 3, ... with names. */
export function validateMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is out of order: position ${i + 1} holds version ${m.version}`);
    if (!m.name) throw new Error(`migration ${m.version} has no name`);
  });
}

/**
 * Splits a script into statements at `;`, ignoring semicolons inside quotes and comments.
 * Statements that are empty or only comments are dropped.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  let meaningful = false;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (meaningful && text) out.push(text);
    meaningful = false;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      meaningful = true;
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl === -1 ? sql.length : nl + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === ';') {
      push(i);
      i++;
      start = i;
    } else {
      if (!/\s/.test(c)) meaningful = true;
      i++;
    }
  }
  push(sql.length);
  return out;
}

export interface MigrateResult {
  /** Versions applied by this call (empty when the schema was up to date). */
  applied: number[];
  /** The schema version after the call. */
  version: number;
}

/**
 * Brings the database up to the latest migration, in one transaction: SQLite's BEGIN IMMEDIATE
 * and PostgreSQL's transaction-scoped advisory lock (per schema) make nodes that start together
 * apply each migration once. Refuses, changing nothing, when the database records a migration
 * this code does not know.
 */
export async function migrate(
  db: Db,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): Promise<MigrateResult> {
  validateMigrations(migrations);
  return db.transaction(async (tx) => {
    if (db.dialect === 'postgres') {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('agentcron.migrate.' || current_schema()))`);
    }
    await tx.execute(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version     INTEGER PRIMARY KEY,
         name        TEXT NOT NULL,
         applied_at  BIGINT NOT NULL
       )`,
    );
    const rows = await tx.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    const known = migrations.length;
    const unknown = rows.filter((r) => Number(r.version) > known);
    if (unknown.length > 0) {
      const newest = unknown[unknown.length - 1]!;
      throw new SchemaVersionError(
        `the database schema is at migration ${newest.version} (${newest.name}) but this agentcron knows migrations up to ${known}: ` +
          'it was upgraded by a newer agentcron; run that version (or a newer one) against this database',
      );
    }
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await applyOne(tx, db.dialect, m, now());
      applied.push(m.version);
    }
    return { applied, version: known };
  });
}

async function applyOne(tx: Queryable, dialect: Dialect, m: Migration, at: number): Promise<void> {
  const script = dialect === 'sqlite' ? m.sqlite : m.postgres;
  for (const statement of splitStatements(script)) {
    try {
      await tx.execute(statement);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`migration ${m.version} (${m.name}) failed: ${message}\n  in: ${statement.slice(0, 200)}`, { cause: err });
    }
  }
  await tx.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, at]);
}
