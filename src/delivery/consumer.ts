import type { Db, Queryable } from '../store/db.js';
import { PostgresDb } from '../store/postgres/driver.js';
import { SqliteDb } from '../store/sqlite/driver.js';

/**
 * The receiving side of invariant 5: a consumer that records the ids it has handled in its own
 * database, so a redelivered event (same `webhook-id`, `Nats-Msg-Id`, AMQP `messageId`) is
 * handled once. `handleOnce(id, fn)` records the id and runs `fn` in ONE transaction and hands
 * `fn` that transaction: when the consumer's own write goes through it, the write and the
 * "seen" mark commit together, so a crash can neither lose the write nor apply it twice.
 */
export interface IdempotentConsumer {
  /**
   * Runs `fn` unless `eventId` was handled before. `fn` throwing rolls everything back (the id
   * is not recorded, so the redelivery is handled). Concurrent calls with one id run `fn` once.
   */
  handleOnce<T>(eventId: string, fn: (tx: Queryable) => Promise<T>): Promise<{ handled: true; result: T } | { handled: false }>;
  /** Whether `eventId` has been handled. */
  seen(eventId: string): Promise<boolean>;
  /** The consumer's database, for its own reads and for set-up such as creating its tables. */
  readonly db: Db;
  close(): Promise<void>;
}

export interface IdempotentConsumerOptions {
  /** A SQLite file path, or a postgres:// URL. */
  db: string;
  /** Table of handled ids (created when missing). */
  table?: string;
}

const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export async function createIdempotentConsumer(options: IdempotentConsumerOptions): Promise<IdempotentConsumer> {
  const table = options.table ?? 'agentcron_handled_events';
  if (!TABLE_NAME.test(table)) throw new Error(`createIdempotentConsumer: table ${JSON.stringify(table)} must be letters, digits and underscores`);
  const db: Db = /^postgres(ql)?:\/\//i.test(options.db) ? await PostgresDb.connect(options.db) : new SqliteDb(options.db);
  await db.execute(`CREATE TABLE IF NOT EXISTS ${table} (event_id TEXT PRIMARY KEY, handled_at BIGINT NOT NULL)`);
  return {
    db,
    async handleOnce(eventId, fn) {
      if (typeof eventId !== 'string' || eventId === '') throw new Error('handleOnce: the event id must be a non-empty string (use the webhook-id header)');
      return db.transaction(async (tx) => {
        // On PostgreSQL a concurrent insert of the same id waits for the other transaction and
        // then inserts nothing; SQLite transactions run one at a time.
        const inserted = await tx.execute(`INSERT INTO ${table} (event_id, handled_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING`, [eventId, Date.now()]);
        if (inserted === 0) return { handled: false as const };
        return { handled: true as const, result: await fn(tx) };
      });
    },
    async seen(eventId) {
      const rows = await db.query(`SELECT 1 AS hit FROM ${table} WHERE event_id = ?`, [eventId]);
      return rows.length > 0;
    },
    close: () => db.close(),
  };
}
