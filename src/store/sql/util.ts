import type { Db, Queryable, Row, SqlValue } from '../db.js';
import type { Json } from '../types.js';

/** Runs `fn` in a transaction: a new one on a Db, or the caller's when `db` is already in one. */
export function inTransaction<T>(db: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const maybeDb = db as Partial<Db>;
  return typeof maybeDb.transaction === 'function' ? maybeDb.transaction(fn) : fn(db);
}

/** `FOR UPDATE` on PostgreSQL (row lock); nothing on SQLite, whose transactions hold the write lock. */
export function forUpdate(db: Queryable, skipLocked = false): string {
  if (db.dialect !== 'postgres') return '';
  return skipLocked ? ' FOR UPDATE SKIP LOCKED' : ' FOR UPDATE';
}

/** SQL for the text of a top-level field of a JSON document stored as TEXT (null when absent). */
export function jsonText(db: Queryable, column: string, key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new RangeError(`jsonText: unsafe key ${JSON.stringify(key)}`);
  return db.dialect === 'postgres' ? `(${column}::jsonb ->> '${key}')` : `json_extract(${column}, '$.${key}')`;
}

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

export function toJson(value: Json | undefined): string {
  return JSON.stringify(value === undefined ? null : value);
}

export function toJsonOrNull(value: Json | null | undefined): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

export function fromJson<T = Json>(value: unknown): T {
  if (value === null || value === undefined) return null as T;
  return JSON.parse(String(value)) as T;
}

export function str(value: unknown): string {
  return String(value);
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function num(value: unknown): number {
  return Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function bool(value: unknown): boolean {
  return Number(value) === 1 || value === true;
}

export function first<T extends Row>(rows: T[]): T | null {
  return rows[0] ?? null;
}

/** JSON with object keys sorted, so equal documents compare equal whatever their key order. */
export function canonicalJson(value: Json | undefined): string {
  return JSON.stringify(sortKeys(value ?? null));
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Builds a WHERE clause from optional filters, as listings take them: an `undefined` value
 * leaves its condition out; a list becomes `column IN (…)`, and an empty list matches nothing
 * (`matchesNothing`, so callers can return early without a query).
 */
export class Filters {
  private readonly clauses: string[] = [];
  readonly params: SqlValue[] = [];
  matchesNothing = false;

  /** `sql` holds one `?` per value; skipped when `value` is undefined. */
  where(sql: string, value: SqlValue | undefined, ...more: SqlValue[]): this {
    if (value === undefined) return this;
    this.clauses.push(sql);
    this.params.push(value, ...more);
    return this;
  }

  in(column: string, values: readonly SqlValue[] | undefined): this {
    if (values === undefined) return this;
    if (values.length === 0) this.matchesNothing = true;
    else this.where(`${column} IN (${placeholders(values.length)})`, ...(values as [SqlValue, ...SqlValue[]]));
    return this;
  }

  get sql(): string {
    return this.clauses.length > 0 ? this.clauses.join(' AND ') : '1 = 1';
  }
}
