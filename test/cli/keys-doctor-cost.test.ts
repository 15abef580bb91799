import { chmodSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/api/keys.js';
import { destinationEndpoints } from '../../src/cli/doctor.js';
import { openStore } from '../../src/store/open.js';
import { PG_URL, postgresReachable } from '../store/backends.js';
import { runAt } from './helpers.js';
import { useScratchDb } from './capture.js';

const NOW = Date.parse('2026-06-10T15:42:00Z');
const run = (...args: string[]) => runAt(NOW, args);

const scratch = useScratchDb();

describe('agentcron keys', () => {
  it('creates a key shown once and stored only as its hash, lists it, and revokes it', async () => {
    const created = await run('keys', 'create', '--name', 'ci', '--role', 'operator', '--db', scratch.db);
    expect(created.code).toBe(0);
    const key = created.out.trim();
    expect(key).toMatch(/^ac_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toContain('not shown again');

    const store = await openStore(scratch.db);
    try {
      const [stored] = await store.apiKeys.list('default');
      expect(stored).toMatchObject({ name: 'ci', role: 'operator', hash: hashApiKey(key), revokedAt: null });
      expect(JSON.stringify(stored)).not.toContain(key.slice(12));
    } finally {
      await store.close();
    }

    const listed = JSON.parse((await run('keys', 'ls', '--json', '--db', scratch.db)).out);
    expect(listed).toEqual([expect.objectContaining({ name: 'ci', role: 'operator', prefix: key.slice(0, 11), revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);
    expect((await run('keys', 'ls', '--db', scratch.db)).out).toMatch(/ci\s+operator\s+ac_[a-z0-9]{8}\s+.*active/);

    const id = listed[0].id as string;
    expect((await run('keys', 'revoke', id, '--db', scratch.db)).out).toBe(`${id} revoked\n`);
    expect((await run('keys', 'revoke', id, '--db', scratch.db)).out).toContain('was already revoked');
    expect(JSON.parse((await run('keys', 'ls', '--json', '--db', scratch.db)).out)[0].revokedAt).toBe('2026-06-10T15:42:00.000Z');
  });

  it('refuses a bad role, an unknown organisation and an unknown key id, exit 2', async () => {
    expect(await run('keys', 'create', '--name', 'x', '--role', 'root', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('root') });
    expect(await run('keys', 'create', '--name', 'x', '--role', 'admin', '--org', 'acme', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('organisation "acme" not found') });
    expect(await run('keys', 'revoke', 'nope', '--db', scratch.db)).toMatchObject({ code: 2, err: expect.stringContaining('API key "nope" not found') });
  });
});

describe('agentcron cost', () => {
  it('prints the */5, 30 s example: 288 runs, 144 agent-minutes, $43.20 a day; $1,296.00 a month', async () => {
    const r = await run('cost', '--cron', '*/5 * * * *', '--duration', '30s');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/per day\s+288\s+144\s+\$43\.20/);
    expect(r.out).toMatch(/per 30-day month\s+8,640\s+4,320\s+\$1,296\.00/);
    expect(r.out).toContain('every day from 2026-06-10 to 2026-07-09 fires 288 runs');
    const json = JSON.parse((await run('cost', '--every', '5m', '--duration', '30s', '--price', '0.30', '--json')).out);
    expect(json).toMatchObject({ perDay: { runs: 288, agentMinutes: 144, dollars: 43.2 }, perMonth: { runs: 8640, agentMinutes: 4320, dollars: 1296 }, daysDiffer: false });
  });

  it('says when DST makes the days differ', async () => {
    const r = await runAt(Date.parse('2026-10-20T12:00:00Z'), ['cost', '--cron', '*/5 * * * *', '--duration', '30s', '--timezone', 'Europe/London']);
    expect(r.out).toContain('per day (average)');
    expect(r.out).toContain('most fire 288 runs; 2026-10-25 (25 h, DST): 300');
  });

  it('rejects missing or bad input, exit 2', async () => {
    expect(await run('cost', '--duration', '30s')).toMatchObject({ code: 2, err: expect.stringContaining('--cron or --every') });
    expect(await run('cost', '--cron', '*/5 * * * *', '--duration', 'soon')).toMatchObject({ code: 2, err: expect.stringContaining('--duration') });
    expect(await run('cost', '--cron', '*/5 * * * *', '--duration', '30s', '--price', '-1')).toMatchObject({ code: 2, err: expect.stringContaining('--price') });
    expect(await run('cost', '--cron', '61 * * * *', '--duration', '30s')).toMatchObject({ code: 2, err: expect.stringContaining('minute') });
  });
});

describe('agentcron doctor', () => {
  const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
  const doctor = (env: NodeJS.ProcessEnv, ...args: string[]) => runAt(NOW, ['doctor', '--json', ...args], env);
  const checks = (out: string) => Object.fromEntries((JSON.parse(out).checks as Array<{ check: string }>).map((c) => [c.check, c]));

  it('fails with a fix when Chromium is missing, and exits 1', async () => {
    const r = await doctor({ AGENTCRON_CHROMIUM: join(scratch.dir, 'no-chromium'), AGENTCRON_MASTER_KEY: MASTER_KEY }, '--db', scratch.db);
    expect(r.code).toBe(1);
    expect(checks(r.out).chromium).toMatchObject({ status: 'fail', detail: `${join(scratch.dir, 'no-chromium')} not found`, fix: expect.stringContaining('AGENTCRON_CHROMIUM') });
    expect(checks(r.out).node).toMatchObject({ status: 'ok' });
    expect(checks(r.out).database).toMatchObject({ status: 'ok', detail: expect.stringContaining('does not exist yet') });
  });

  it('fails for a Chromium that does not answer --version', async () => {
    const broken = join(scratch.dir, 'chromium');
    writeFileSync(broken, '#!/bin/sh\necho "cannot open display" >&2\nexit 3\n');
    chmodSync(broken, 0o755);
    const r = await doctor({ AGENTCRON_CHROMIUM: broken }, '--db', scratch.db);
    expect(checks(r.out).chromium).toMatchObject({ status: 'fail' });
  });

  it('fails for a file that is not a database and for a schema from a newer agentcron; ok for a migrated one', async () => {
    const notDb = join(scratch.dir, 'notes.db');
    writeFileSync(notDb, 'this is not a database, just text that is long enough to have a header\n'.repeat(20));
    const bad = await doctor({ AGENTCRON_MASTER_KEY: MASTER_KEY }, '--db', notDb);
    expect(bad.code).toBe(1);
    expect(checks(bad.out).database).toMatchObject({ status: 'fail', detail: expect.stringContaining('not a database'), fix: expect.stringContaining('--db') });

    const store = await openStore(scratch.db);
    await store.close();
    expect(checks((await doctor({}, '--db', scratch.db)).out).database).toMatchObject({ status: 'ok', detail: expect.stringMatching(/is migrated \(schema \d+\)/) });
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(scratch.db);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('from the future');
    raw.close();
    expect(checks((await doctor({}, '--db', scratch.db)).out).database).toMatchObject({ status: 'fail', detail: expect.stringContaining('schema 999') });
  });

  it('checks PostgreSQL without creating anything', async (ctx) => {
    if (!(await postgresReachable())) return ctx.skip('PostgreSQL is not reachable at ' + PG_URL);
    expect(checks((await doctor({}, '--db', `${PG_URL}?schema=doctor_never_created`)).out).database).toMatchObject({ status: 'ok', detail: expect.stringContaining('schema 0 of') });
    const wrong = await doctor({}, '--db', PG_URL.replace(/\/\/[^@]*@/, '//nobody@').replace(/\/test$/, '/no_such_db'));
    expect(checks(wrong.out).database).toMatchObject({ status: 'fail' });
  });

  it('warns without a master key and fails on a malformed one', async () => {
    expect(checks((await doctor({}, '--db', scratch.db)).out)['master key']).toMatchObject({ status: 'warn', fix: expect.stringContaining('openssl rand') });
    const malformed = await doctor({ AGENTCRON_MASTER_KEY: 'short' }, '--db', scratch.db);
    expect(checks(malformed.out)['master key']).toMatchObject({ status: 'fail' });
    expect(malformed.code).toBe(1);
    expect(checks((await doctor({ AGENTCRON_MASTER_KEY: MASTER_KEY }, '--db', scratch.db)).out)['master key']).toMatchObject({ status: 'ok' });
  });

  describe('with a config file', () => {
    let listening: Server;
    let open: number;
    beforeEach(async () => {
      listening = createServer((socket) => socket.end());
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      open = (listening.address() as AddressInfo).port;
    });
    afterEach(() => new Promise<void>((resolve) => listening.close(() => resolve())));

    it('checks that each destination answers, naming the one that does not', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const closed = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      const file = join(scratch.dir, 'agentcron.yaml');
      writeFileSync(
        file,
        `destinations:\n  - id: hook\n    type: webhook\n    url: http://127.0.0.1:${open}/events\n  - id: queue\n    type: rabbitmq\n    url: \${env:QUEUE_URL}\n`,
      );
      const r = await doctor({ QUEUE_URL: `amqp://guest:guest@127.0.0.1:${closed}` }, '--db', scratch.db, '-f', file);
      expect(r.code).toBe(1);
      const c = checks(r.out);
      expect(c['destination hook']).toMatchObject({ status: 'ok', detail: `127.0.0.1:${open} answers` });
      expect(c['destination queue']).toMatchObject({ status: 'fail', detail: expect.stringContaining('ECONNREFUSED'), fix: expect.stringContaining('destinations queue') });
      expect(JSON.stringify(c)).not.toContain('guest:guest');
    });

    it('reports an invalid config with its paths', async () => {
      const file = join(scratch.dir, 'agentcron.yaml');
      writeFileSync(file, 'schedules:\n  - id: s\n    template: t\n    every: often\n');
      const c = checks((await doctor({}, '--db', scratch.db, '-f', file)).out);
      expect(c.config).toMatchObject({ status: 'fail', detail: expect.stringContaining('schedules[0].every') });
    });
  });

  it('finds destination addresses whatever the field is called, in lists or maps', () => {
    expect(
      destinationEndpoints({
        destinations: { events: { type: 'nats', servers: 'nats://a:4222,nats://b' }, s3: { endpoint: 'https://s3.example' }, file: { path: '/tmp/x' } },
      }).map((e) => `${e.name} ${e.host}:${e.port}`),
    ).toEqual(['events a:4222', 'events b:4222', 's3 s3.example:443']);
    expect(destinationEndpoints({ templates: [] })).toEqual([]);
  });

  it('prints a human report with fixes', async () => {
    const r = await runAt(NOW, ['doctor', '--db', scratch.db], { AGENTCRON_CHROMIUM: join(scratch.dir, 'none') });
    expect(r.out).toMatch(/^fail\s+chromium\s+.*not found\n\s+fix: install Chromium/m);
    expect(r.out).toMatch(/1 failed, 1 warning\(s\), 2 ok/);
  });
});
