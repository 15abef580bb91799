/**
 * The harness of the store contract suite: every contract test runs once per backend.
 *
 *   describeContract('runs', (backend) => {
 *     it('claims once', async () => {
 *       const store = await backend().open();
 *       ...
 *     });
 *   });
 *
 * registers `runs [sqlite]` and `runs [postgres]`. Every TEST gets a fresh, empty, migrated
 * database (SQLite: a file in a new temp directory; PostgreSQL: a new schema `t_<random>` in the
 * test database), created lazily by the first `open()`/`openPeer()` and dropped after the test.
 * Call `backend()` inside a test or a `beforeEach` hook (not at describe time or in `beforeAll`).
 * Every store opened through the backend is closed by the harness after the test; closing it
 * yourself first is fine.
 *
 * PostgreSQL is probed once (2 s timeout); when it does not answer, the postgres blocks are
 * skipped with a printed notice. `AGENTCRON_TEST_PG_URL` overrides the default URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

export const PG_URL = process.env.AGENTCRON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** What `openStore` takes: the SQLite file path or the PostgreSQL URL. */
  readonly target: string;
  /** The PostgreSQL schema of this test's database (undefined for SQLite). */
  readonly schema: string | undefined;
  /** Opens (and on first call creates and migrates) this test's database. */
  open(): Promise<Store>;
  /** A second independent client on the same database (own connection / pool). */
  openPeer(): Promise<Store>;
  /** Closes every store opened here and drops the database; idempotent, the harness calls it. */
  cleanup(): Promise<void>;
}

async function probePostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

let pgProbe: Promise<boolean> | undefined;
/** Whether PostgreSQL answers (probed once per test file). */
export function postgresReachable(): Promise<boolean> {
  pgProbe ??= probePostgres(PG_URL).then((ok) => {
    if (!ok) console.log(`PostgreSQL at ${hostPort(PG_URL)} not reachable: postgres contract tests skipped`);
    return ok;
  });
  return pgProbe;
}

function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
  } catch {
    return 'the configured URL';
  }
}

const PG_OK = await postgresReachable();

function randomName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

class BaseBackend {
  protected stores: Store[] = [];
  protected track(store: Store): Store {
    this.stores.push(store);
    return store;
  }
  protected async closeAll(): Promise<void> {
    const stores = this.stores;
    this.stores = [];
    for (const s of stores) await s.close().catch(() => {});
  }
}

class SqliteBackend extends BaseBackend implements Backend {
  readonly name = 'sqlite' as const;
  readonly schema = undefined;
  private dir: string | undefined;
  private file: string | undefined;

  get target(): string {
    if (!this.file) {
      this.dir = mkdtempSync(join(tmpdir(), 'agentcron-store-'));
      this.file = join(this.dir, 'agentcron.db');
    }
    return this.file;
  }
  async open(): Promise<Store> {
    return this.track(await openStore(this.target));
  }
  async openPeer(): Promise<Store> {
    return this.track(await openStore(this.target));
  }
  async cleanup(): Promise<void> {
    await this.closeAll();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.file = undefined;
  }
}

class PostgresBackend extends BaseBackend implements Backend {
  readonly name = 'postgres' as const;
  readonly target = PG_URL;
  private schemaName: string | undefined;

  get schema(): string {
    this.schemaName ??= randomName();
    return this.schemaName;
  }
  async open(): Promise<Store> {
    return this.track(await openStore(this.target, { schema: this.schema }));
  }
  async openPeer(): Promise<Store> {
    return this.track(await openStore(this.target, { schema: this.schema }));
  }
  async cleanup(): Promise<void> {
    await this.closeAll();
    const schema = this.schemaName;
    this.schemaName = undefined;
    if (!schema) return;
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Creates a backend outside the contract blocks (benchmarks, ad-hoc tests); call cleanup() yourself. */
export function createBackend(name: 'sqlite' | 'postgres'): Backend {
  return name === 'sqlite' ? new SqliteBackend() : new PostgresBackend();
}

export function describeContract(title: string, fn: (backend: () => Backend) => void): void {
  for (const name of ['sqlite', 'postgres'] as const) {
    const block = name === 'postgres' && !PG_OK ? describe.skip : describe;
    block(`${title} [${name}]`, () => {
      let current: Backend | undefined;
      beforeEach(() => {
        current = createBackend(name);
      });
      afterEach(async () => {
        const b = current;
        current = undefined;
        await b?.cleanup();
      });
      fn(() => {
        if (!current) throw new Error('backend() is available inside tests and beforeEach/afterEach hooks only');
        return current;
      });
    });
  }
}
