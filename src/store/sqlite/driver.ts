import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Queryable, Row, SqlValue } from '../db.js';

/** A FIFO async mutex: `run` executes its function once every earlier holder has finished. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    try {
      await previous;
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Connections to one file in one process share a mutex. better-sqlite3 is synchronous: if a
 * second connection in this process waited for the file's write lock (busy_timeout), it would
 * block the event loop and the transaction holding the lock could never finish. Sharing the
 * mutex makes such connections queue in-process instead; other processes still wait on the
 * file lock via busy_timeout, which is what BEGIN IMMEDIATE is for.
 */
const fileMutexes = new Map<string, { mutex: Mutex; users: number }>();

export interface SqliteOptions {
  /** How long a statement waits for another process's write lock, in ms (default 10 s). */
  busyTimeoutMs?: number;
}

interface TxState {
  db: SqliteDb;
  mutex: Mutex;
  tx: SqliteTx;
  active: boolean;
}

/** The transaction the current async context runs in, whichever SqliteDb opened it. */
const als = new AsyncLocalStorage<TxState>();

/**
 * The SQLite driver: better-sqlite3 in WAL mode. Every statement and transaction passes through
 * an in-process mutex so that an async transaction never interleaves with other work on the
 * same connection; `transaction` starts with BEGIN IMMEDIATE so processes sharing the file
 * serialise on the write lock instead of failing on a lock upgrade. Code running inside a
 * transaction that calls this Db directly (instead of the transaction's Queryable) joins the
 * transaction rather than deadlocking on the mutex.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly conn: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly mutex: Mutex;
  private readonly mutexKey: string | undefined;
  private closed = false;

  constructor(path: string, options: SqliteOptions = {}) {
    const memory = path === ':memory:' || path === '';
    if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
    this.conn = new Database(path);
    this.conn.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 10_000))}`);
    if (!memory) this.conn.pragma('journal_mode = WAL');
    this.conn.pragma('synchronous = NORMAL');
    this.conn.pragma('foreign_keys = ON');
    if (memory) {
      this.mutex = new Mutex();
    } else {
      this.mutexKey = resolve(path);
      let entry = fileMutexes.get(this.mutexKey);
      if (!entry) fileMutexes.set(this.mutexKey, (entry = { mutex: new Mutex(), users: 0 }));
      entry.users++;
      this.mutex = entry.mutex;
    }
  }

  /** Runs one statement now (the caller holds the mutex or is inside the transaction). */
  runNow<T extends Row>(sql: string, params: readonly SqlValue[] | undefined): { rows: T[]; changes: number } {
    if (this.closed) throw new Error('SQLite store is closed');
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.conn.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, stmt);
    }
    const args = params ?? [];
    if (stmt.reader) {
      const rows = stmt.all(...args) as T[];
      return { rows, changes: rows.length };
    }
    const info = stmt.run(...args);
    return { rows: [], changes: info.changes };
  }

  private activeTx(): TxState | undefined {
    const state = als.getStore();
    if (!state || !state.active) return undefined;
    if (state.db === this) return state;
    if (state.mutex === this.mutex) {
      // Another connection to this file holds the lock we would queue for: fail, don't hang.
      throw new Error('SQLite: a second connection to the same file was used inside a transaction; use the transaction\'s Store');
    }
    return undefined;
  }

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    if (this.activeTx()) return this.runNow<T>(sql, params).rows;
    return this.mutex.run(() => this.runNow<T>(sql, params).rows);
  }

  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    if (this.activeTx()) return this.runNow(sql, params).changes;
    return this.mutex.run(() => this.runNow(sql, params).changes);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const current = this.activeTx();
    if (current) return fn(current.tx);
    return this.mutex.run(async () => {
      const tx = new SqliteTx(this);
      const state: TxState = { db: this, mutex: this.mutex, tx, active: true };
      this.runNow('BEGIN IMMEDIATE', undefined);
      try {
        const result = await als.run(state, () => fn(tx));
        state.active = false;
        this.runNow('COMMIT', undefined);
        return result;
      } catch (err) {
        state.active = false;
        if (this.conn.inTransaction) {
          try {
            this.runNow('ROLLBACK', undefined);
          } catch {
            // keep the original error; SQLite rolls back on its own when the connection closes
          }
        }
        throw err;
      } finally {
        tx.done = true;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.mutex.run(() => {
      this.closed = true;
      this.statements.clear();
      this.conn.close();
    });
    if (this.mutexKey) {
      const entry = fileMutexes.get(this.mutexKey);
      if (entry && --entry.users <= 0) fileMutexes.delete(this.mutexKey);
    }
  }
}

/** The Queryable handed to a transaction's function; nested transactions join it. */
class SqliteTx implements Db {
  readonly dialect = 'sqlite' as const;
  done = false;

  constructor(private readonly db: SqliteDb) {}

  private check(): void {
    if (this.done) throw new Error('SQLite transaction already finished: use the Store outside the transaction callback');
  }

  async query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    this.check();
    return this.db.runNow<T>(sql, params).rows;
  }

  async execute(sql: string, params?: readonly SqlValue[]): Promise<number> {
    this.check();
    return this.db.runNow(sql, params).changes;
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.check();
    return fn(this);
  }

  async close(): Promise<void> {
    throw new Error('cannot close a transaction; close the Store that opened it');
  }
}
