import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { Db, Queryable, Row, SqlValue } from '../db.js';

export interface PostgresOptions {
  /** Schema to work in (created when missing); every pooled connection gets it as search_path. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
  /** How many times a transaction is retried after a serialization failure or deadlock (default 5). */
  maxRetries?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Checks a schema name: lower-case letters, digits and underscores, so it needs no quoting. */
export function validateSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use lower-case letters, digits and underscores (at most 63, not starting with a digit)`,
    );
  }
  return schema;
}

/** Per-pool type parsers: int8 (COUNT, BIGINT columns) as JS numbers; epoch ms are far below 2^53. */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

const placeholderCache = new Map<string, string>();

/**
 * Rewrites `?` placeholders to `$1, $2, ...`, leaving `?` inside string literals, quoted
 * identifiers and comments alone.
 */
export function toPositional(sql: string): string {
  const cached = placeholderCache.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = skipQuoted(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? sql.length : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '?') {
      out += `$${++n}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (placeholderCache.size > 2000) placeholderCache.clear();
  placeholderCache.set(sql, out);
  return out;
}

function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote is an escaped quote
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

const RETRYABLE = new Set(['40001', '40P01']);

function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '');
}

function values(params: readonly SqlValue[] | undefined): unknown[] {
  return params ? [...params] : [];
}

/**
 * The PostgreSQL driver over a `pg.Pool`. Statements outside a transaction run on any pooled
 * connection; `transaction` checks one connection out for BEGIN..COMMIT and runs the whole
 * function again (a few times, with a short random pause) when PostgreSQL reports a
 * serialization failure or a deadlock, so callers' functions must only touch the database.
 * As with the SQLite driver, code running inside a transaction's function that calls this Db
 * directly (instead of the transaction's Queryable) joins the transaction: it would otherwise
 * run on another connection and could wait forever on the transaction's own row locks.
 */
export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private readonly maxRetries: number;
  private readonly als = new AsyncLocalStorage<PostgresTx>();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    maxRetries: number,
  ) {
    this.maxRetries = maxRetries;
  }

  static async connect(url: string, options: PostgresOptions = {}): Promise<PostgresDb> {
    const schema = options.schema === undefined ? undefined : validateSchemaName(options.schema);
    if (schema) await ensureSchema(url, schema);
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      types,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new PostgresDb(pool, options.maxRetries ?? 5);
    try {
      await db.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return db;
  }

  private activeTx(): PostgresTx | undefined {
    const tx = this.als.getStore();
    return tx && !tx.done ? tx : undefined;
  }

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    const tx = this.activeTx();
    if (tx) return tx.query<T>(sql, params);
    const res = await this.pool.query(toPositional(sql), values(params));
    return res.rows as T[];
  }

  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    const tx = this.activeTx();
    if (tx) return tx.execute(sql, params);
    const res = await this.pool.query(toPositional(sql), values(params));
    return res.rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const current = this.activeTx();
    if (current) return fn(current);
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      const tx = new PostgresTx(client);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await this.als.run(tx, () => fn(tx));
        tx.done = true;
        await client.query('COMMIT');
        return result;
      } catch (err) {
        tx.done = true;
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable; destroy it instead of returning it to the pool.
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        }
        if (attempt >= this.maxRetries || !isRetryable(err)) throw err;
      } finally {
        client.release(broken);
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * (attempt + 1)));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Creates the schema if it is missing; tolerates another node creating it at the same moment. */
async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount) return;
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

class PostgresTx implements Db {
  readonly dialect = 'postgres' as const;
  done = false;

  constructor(private readonly client: pg.PoolClient) {}

  private check(): void {
    if (this.done) throw new Error('PostgreSQL transaction already finished: use the Store outside the transaction callback');
  }

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.check();
    const res = await this.client.query(toPositional(sql), values(params));
    return res.rows as T[];
  }

  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    this.check();
    const res = await this.client.query(toPositional(sql), values(params));
    return res.rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.check();
    return fn(this);
  }

  async close(): Promise<void> {
    throw new Error('cannot close a transaction; close the Store that opened it');
  }
}
