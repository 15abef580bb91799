/**
 * The small SQL surface both backends provide, so every repository is written once.
 * SQL is written with `?` placeholders; the PostgreSQL driver rewrites them to `$n`.
 * Both dialects store instants as BIGINT epoch milliseconds, JSON as TEXT and booleans as
 * 0/1 integers, so rows read back identically on either backend.
 */
export type Dialect = 'sqlite' | 'postgres';
export type SqlValue = string | number | bigint | null | Buffer;
export type Row = Record<string, unknown>;

export interface Queryable {
  readonly dialect: Dialect;
  /** Runs a statement and returns its rows (empty for statements without RETURNING). */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Db extends Queryable {
  /**
   * Runs `fn` in one transaction, committed when it resolves and rolled back when it throws.
   * SQLite takes the write lock up front (BEGIN IMMEDIATE) so two processes serialise instead
   * of failing on a lock upgrade; PostgreSQL uses a dedicated pooled connection.
   * Nested calls on the transaction's Queryable join the outer transaction.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
