import { expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDb, toPositional, validateSchemaName } from '../../src/store/postgres/driver.js';
import { SqliteDb } from '../../src/store/sqlite/driver.js';
import { describeContract, type Backend } from './backends.js';

async function rawDb(b: Backend): Promise<Db> {
  await (await b.open()).close(); // creates and migrates the database (and the schema)
  return b.name === 'sqlite' ? new SqliteDb(b.target) : PostgresDb.connect(b.target, { schema: b.schema! });
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeContract('drivers', (backend) => {
  it('interleaved async transactions on one Db never mix', async () => {
    const db = await rawDb(backend());
    try {
      await db.execute('CREATE TABLE t_mix (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      const failing = db.transaction(async (tx) => {
        await tx.execute('INSERT INTO t_mix (id, n) VALUES (?, ?)', ['a', 1]);
        await delay(30);
        await tx.execute('INSERT INTO t_mix (id, n) VALUES (?, ?)', ['a2', 1]);
        throw new Error('roll me back');
      });
      const passing = (async () => {
        await delay(5);
        return db.transaction(async (tx) => {
          await tx.execute('INSERT INTO t_mix (id, n) VALUES (?, ?)', ['b', 2]);
          await delay(10);
          return tx.query<{ id: string }>('SELECT id FROM t_mix ORDER BY id');
        });
      })();
      const outside = (async () => {
        await delay(10);
        return db.execute('INSERT INTO t_mix (id, n) VALUES (?, ?)', ['c', 3]);
      })();
      await expect(failing).rejects.toThrow('roll me back');
      const seenInB = await passing;
      expect(await outside).toBe(1);
      expect(seenInB.map((r) => r.id)).not.toContain('a');
      const rows = await db.query<{ id: string; n: number }>('SELECT id, n FROM t_mix ORDER BY id');
      expect(rows).toEqual([
        { id: 'b', n: 2 },
        { id: 'c', n: 3 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('nested transactions join the outer one; the tx handle is dead after it ends', async () => {
    const db = await rawDb(backend());
    try {
      await db.execute('CREATE TABLE t_nest (id TEXT PRIMARY KEY)');
      let leaked: Db | undefined;
      await expect(
        db.transaction(async (tx) => {
          leaked = tx as Db;
          await tx.execute('INSERT INTO t_nest (id) VALUES (?)', ['outer']);
          await (tx as Db).transaction(async (inner) => {
            await inner.execute('INSERT INTO t_nest (id) VALUES (?)', ['inner']);
          });
          expect(await tx.query('SELECT id FROM t_nest')).toHaveLength(2);
          throw new Error('undo both');
        }),
      ).rejects.toThrow('undo both');
      expect(await db.query('SELECT id FROM t_nest')).toEqual([]);
      await expect(leaked!.query('SELECT 1')).rejects.toThrow(/transaction already finished/);
    } finally {
      await db.close();
    }
  });

  it('calls on the Db itself from inside a transaction join it instead of waiting on it', async () => {
    const db = await rawDb(backend());
    try {
      await db.execute('CREATE TABLE t_join (id TEXT PRIMARY KEY, n INTEGER NOT NULL)');
      await db.execute('INSERT INTO t_join (id, n) VALUES (?, ?)', ['x', 0]);
      await expect(
        db.transaction(async (tx) => {
          await tx.execute('UPDATE t_join SET n = 1 WHERE id = ?', ['x']);
          // the row is locked by this transaction: on another connection this would hang
          await db.execute('UPDATE t_join SET n = n + 1 WHERE id = ?', ['x']);
          await db.transaction((inner) => inner.execute('INSERT INTO t_join (id, n) VALUES (?, ?)', ['y', 1]));
          expect(await db.query('SELECT n FROM t_join WHERE id = ?', ['x'])).toEqual([{ n: 2 }]);
          throw new Error('undo');
        }),
      ).rejects.toThrow('undo');
      expect(await db.query('SELECT id, n FROM t_join')).toEqual([{ id: 'x', n: 0 }]);
      // after the transaction, work started inside it goes back to normal connections
      let later: Promise<number> | undefined;
      await db.transaction(async () => {
        later = delay(20).then(() => db.execute('UPDATE t_join SET n = 5 WHERE id = ?', ['x']));
      });
      expect(await later).toBe(1);
      expect(await db.query('SELECT n FROM t_join')).toEqual([{ n: 5 }]);
    } finally {
      await db.close();
    }
  });

  it('reads counts and BIGINT instants as numbers, placeholders inside strings untouched', async () => {
    const db = await rawDb(backend());
    try {
      await db.execute('CREATE TABLE t_num (id TEXT PRIMARY KEY, at BIGINT NOT NULL, note TEXT)');
      const big = Date.UTC(2100, 0, 1);
      await db.execute("INSERT INTO t_num (id, at, note) VALUES (?, ?, 'what?')", ['x', big]);
      const rows = await db.query<{ at: number; n: number; note: string }>(
        "SELECT at, note, (SELECT COUNT(*) FROM t_num WHERE note = 'what?' AND id = ?) AS n FROM t_num",
        ['x'],
      );
      expect(rows).toEqual([{ at: big, note: 'what?', n: 1 }]);
      expect(await db.execute('UPDATE t_num SET note = ? WHERE id = ?', ['y', 'nope'])).toBe(0);
    } finally {
      await db.close();
    }
  });
});

it('rewrites ? placeholders outside literals, identifiers and comments', () => {
  expect(toPositional('SELECT ?, ?')).toBe('SELECT $1, $2');
  expect(toPositional(`SELECT '?', "a?b", ? -- why?\n, ? /* ? */, 'it''s ?', ?`)).toBe(
    `SELECT '?', "a?b", $1 -- why?\n, $2 /* ? */, 'it''s ?', $3`,
  );
});

it('validates input: schema names and targets', async () => {
  expect(validateSchemaName('t_abc1')).toBe('t_abc1');
  expect(() => validateSchemaName('x; DROP TABLE runs')).toThrow(/invalid PostgreSQL schema name/);
  expect(() => validateSchemaName('Upper')).toThrow();
  await expect(openStore('')).rejects.toThrow(/SQLite file path/);
  await expect(openStore('mysql://u:secret@host/db')).rejects.toThrow(/unsupported database URL/);
  await expect(openStore('mysql://u:secret@host/db')).rejects.not.toThrow(/secret/);
  await expect(openStore(':memory:', { schema: 'x' })).rejects.toThrow(/PostgreSQL only/);
  await expect(openStore('postgres://postgres@127.0.0.1:5432/test', { schema: 'Bad Name' })).rejects.toThrow(/schema name/);
  const mem = await openStore(':memory:');
  expect(mem.dialect).toBe('sqlite');
  await mem.orgs.create({ id: 'o', name: 'o' }, 1);
  expect(await mem.orgs.list()).toHaveLength(1);
  await mem.close();
});
