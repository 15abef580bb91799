import { expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { migrate, SchemaVersionError, splitStatements, validateMigrations, type Migration } from '../../src/store/migrations.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { PostgresDb } from '../../src/store/postgres/driver.js';
import { SqliteDb } from '../../src/store/sqlite/driver.js';
import { describeContract, type Backend } from './backends.js';
import { newRun, seed, T0 } from './fixtures.js';

/** A raw driver on the backend's database (the schema must exist for PostgreSQL: open() first). */
async function rawDb(b: Backend): Promise<Db> {
  return b.name === 'sqlite' ? new SqliteDb(b.target) : PostgresDb.connect(b.target, { schema: b.schema! });
}

describeContract('migrations', (backend) => {
  it('applies every migration once; reopening applies nothing and keeps the data', async () => {
    const b = backend();
    const store = await b.open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    await store.close();

    const again = await b.open();
    expect(await again.runs.get('o1', run.id)).toEqual(run);
    await again.close();

    const db = await rawDb(b);
    try {
      const rows = await db.query<{ version: number; name: string; applied_at: number }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => [r.version, r.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
      expect(typeof rows[0]!.applied_at).toBe('number');
      expect(await migrate(db)).toEqual({ applied: [], version: MIGRATIONS.length });
    } finally {
      await db.close();
    }
  });

  it('two clients migrating a fresh database at once apply each migration once', async () => {
    const b = backend();
    const [s1, s2] = await Promise.all([b.open(), b.openPeer()]);
    await seed(s1);
    expect(await s2.orgs.get('o1')).not.toBeNull();
    const db = await rawDb(b);
    try {
      const rows = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM schema_migrations');
      expect(rows[0]!.n).toBe(MIGRATIONS.length);
    } finally {
      await db.close();
    }
  });

  it('refuses to open a database with a migration newer than the code knows', async () => {
    const b = backend();
    await (await b.open()).close();
    const db = await rawDb(b);
    try {
      await db.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        MIGRATIONS.length + 1,
        'from_the_future',
        T0,
      ]);
    } finally {
      await db.close();
    }
    const opening = b.name === 'sqlite' ? openStore(b.target) : openStore(b.target, { schema: b.schema! });
    await expect(opening).rejects.toBeInstanceOf(SchemaVersionError);
    await expect(b.open()).rejects.toThrow(/from_the_future.*knows migrations up to/);
  });

  it('a failing migration rolls back entirely', async () => {
    const b = backend();
    await (await b.open()).close();
    const db = await rawDb(b);
    try {
      const bad: Migration = {
        version: MIGRATIONS.length + 1,
        name: 'bad',
        sqlite: 'CREATE TABLE extra_ok (id TEXT PRIMARY KEY); CREATE TABLE extra_ok (id TEXT)',
        postgres: 'CREATE TABLE extra_ok (id TEXT PRIMARY KEY); CREATE TABLE extra_ok (id TEXT)',
      };
      await expect(migrate(db, [...MIGRATIONS, bad])).rejects.toThrow(/migration \d+ \(bad\) failed/);
      const rows = await db.query('SELECT version FROM schema_migrations WHERE name = ?', ['bad']);
      expect(rows).toEqual([]);
      // the first statement was rolled back too
      await expect(db.query('SELECT * FROM extra_ok')).rejects.toThrow();
      const good: Migration = { ...bad, name: 'good', sqlite: 'CREATE TABLE extra_ok (id TEXT)', postgres: 'CREATE TABLE extra_ok (id TEXT)' };
      expect(await migrate(db, [...MIGRATIONS, good])).toEqual({ applied: [MIGRATIONS.length + 1], version: MIGRATIONS.length + 1 });
    } finally {
      await db.close();
    }
  });
});

it('the migration list is numbered 1..n and its scripts split into statements', () => {
  expect(() => validateMigrations(MIGRATIONS)).not.toThrow();
  expect(() => validateMigrations([{ version: 2, name: 'x', sqlite: '', postgres: '' }])).toThrow(/out of order/);
  expect(splitStatements(`-- note; not a statement\nCREATE TABLE a (x TEXT DEFAULT 'a;b');\n/* c; */ INSERT INTO a VALUES ('it''s;');\n;`)).toEqual([
    "-- note; not a statement\nCREATE TABLE a (x TEXT DEFAULT 'a;b')",
    "/* c; */ INSERT INTO a VALUES ('it''s;')",
  ]);
  for (const m of MIGRATIONS) {
    expect(splitStatements(m.sqlite).length).toBe(splitStatements(m.postgres).length);
  }
});
