import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdempotentConsumer, type IdempotentConsumer } from '../../src/delivery/consumer.js';
import { PG_URL, postgresReachable } from '../store/backends.js';

const PG_OK = await postgresReachable();
if (!PG_OK) console.warn(`PostgreSQL not reachable at ${PG_URL}: skipping the PostgreSQL idempotent-consumer tests`);

const targets: Array<{ name: string; ok: boolean; open: () => { db: string; cleanup: () => void } }> = [
  {
    name: 'sqlite',
    ok: true,
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'agentcron-consumer-'));
      return { db: join(dir, 'consumer.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  { name: 'postgres', ok: PG_OK, open: () => ({ db: PG_URL, cleanup: () => {} }) },
];

for (const target of targets) {
  (target.ok ? describe : describe.skip)(`idempotent consumer [${target.name}]`, () => {
    let consumer: IdempotentConsumer;
    let cleanup: () => void = () => {};
    // A table of its own per test, so tests sharing the PostgreSQL database do not see each other.
    const suffix = () => randomBytes(4).toString('hex');
    let handled: string;
    let orders: string;

    async function open(): Promise<IdempotentConsumer> {
      const t = target.open();
      cleanup = t.cleanup;
      handled = `handled_${suffix()}`;
      orders = `orders_${suffix()}`;
      consumer = await createIdempotentConsumer({ db: t.db, table: handled });
      await consumer.db.execute(`CREATE TABLE ${orders} (event_id TEXT NOT NULL, amount INTEGER NOT NULL)`);
      return consumer;
    }
    afterEach(async () => {
      if (target.name === 'postgres') {
        await consumer.db.execute(`DROP TABLE IF EXISTS ${handled}`);
        await consumer.db.execute(`DROP TABLE IF EXISTS ${orders}`);
      }
      await consumer.close();
      cleanup();
    });

    const write = (id: string, amount: number) => (tx: Parameters<Parameters<IdempotentConsumer['handleOnce']>[1]>[0]) =>
      tx.execute(`INSERT INTO ${orders} (event_id, amount) VALUES (?, ?)`, [id, amount]);

    it('handles an event id once; the write and the mark commit together', async () => {
      const c = await open();
      expect(await c.handleOnce('evt-1', write('evt-1', 5))).toEqual({ handled: true, result: 1 });
      expect(await c.handleOnce('evt-1', write('evt-1', 5))).toEqual({ handled: false });
      expect(await c.seen('evt-1')).toBe(true);
      expect(await c.db.query(`SELECT event_id, amount FROM ${orders}`)).toEqual([{ event_id: 'evt-1', amount: 5 }]);
    });

    it('a handler that fails records nothing, so the redelivery is handled', async () => {
      const c = await open();
      await expect(
        c.handleOnce('evt-2', async (tx) => {
          await write('evt-2', 7)(tx);
          throw new Error('downstream failed');
        }),
      ).rejects.toThrow('downstream failed');
      expect(await c.seen('evt-2')).toBe(false);
      expect(await c.db.query(`SELECT * FROM ${orders}`)).toEqual([]);
      expect(await c.handleOnce('evt-2', write('evt-2', 7))).toMatchObject({ handled: true });
      expect(await c.db.query(`SELECT amount FROM ${orders}`)).toEqual([{ amount: 7 }]);
    });

    it('the same id arriving several times at once is handled once', async () => {
      const c = await open();
      const results = await Promise.all(Array.from({ length: 8 }, () => c.handleOnce('evt-3', write('evt-3', 1))));
      expect(results.filter((r) => r.handled)).toHaveLength(1);
      expect(await c.db.query(`SELECT event_id FROM ${orders}`)).toEqual([{ event_id: 'evt-3' }]);
    });
  });
}
