/**
 * `agentcron doctor`: checks what agentcron needs around it (Node, Chromium, the database, the
 * master key, the services a config file names) and says how to fix each problem. Read-only: it
 * never creates or migrates a database.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import pg from 'pg';
import { parseDocument } from 'yaml';
import { expandEnv, loadConfigFile } from '../config/load.js';
import { secretBoxFromEnv } from '../config/secrets.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { ExitStatus, type CliContext } from './context.js';
import { withDbOption, type DbOptions } from './store-option.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  /** How to fix it, for warn and fail. */
  fix?: string;
}

interface DoctorOptions extends DbOptions {
  file?: string;
  json?: boolean;
}

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 5000;

export function registerDoctorCommands(program: Command, ctx: CliContext): void {
  withDbOption(
    program
      .command('doctor')
      .description('check Node, Chromium, the database, the master key and the services of a config file; say how to fix each problem')
      .option('-f, --file <file>', 'also check this agentcron.yaml and the destinations it names')
      .option('--json', 'print JSON'),
  ).action(async (opts: DoctorOptions) => {
    const env = ctx.env ?? process.env;
    const results = [
      checkNode(),
      await checkChromium(env.AGENTCRON_CHROMIUM || DEFAULT_CHROMIUM),
      await checkDatabase(opts.db),
      checkMasterKey(env),
      ...(opts.file ? await checkConfig(opts.file, env) : []),
    ];
    const failed = results.filter((r) => r.status === 'fail').length;
    if (opts.json) ctx.stdout(`${JSON.stringify({ ok: failed === 0, checks: results }, null, 2)}\n`);
    else {
      const width = Math.max(...results.map((r) => r.check.length));
      for (const r of results) {
        ctx.stdout(`${r.status.padEnd(4)}  ${r.check.padEnd(width)}  ${r.detail}\n`);
        if (r.fix && r.status !== 'ok') ctx.stdout(`${' '.repeat(6 + width)}  fix: ${r.fix}\n`);
      }
      const warned = results.filter((r) => r.status === 'warn').length;
      ctx.stdout(`\n${failed} failed, ${warned} warning(s), ${results.length - failed - warned} ok\n`);
    }
    if (failed > 0) throw new ExitStatus(1);
  });
}

export function checkNode(version = process.versions.node): CheckResult {
  const require = createRequire(import.meta.url);
  const range = (require('../../package.json') as { engines?: { node?: string } }).engines?.node ?? '>=20';
  const [wantMajor = 0, wantMinor = 0] = (/(\d+)(?:\.(\d+))?/.exec(range) ?? []).slice(1).map((n) => Number(n ?? 0));
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > wantMajor || (major === wantMajor && minor >= wantMinor);
  return ok
    ? { check: 'node', status: 'ok', detail: `v${version} (needs ${range})` }
    : { check: 'node', status: 'fail', detail: `v${version} is too old (needs ${range})`, fix: `install Node ${wantMajor}.${wantMinor} or later (e.g. from nodejs.org or your distribution's nodejs package)` };
}

export async function checkChromium(path: string): Promise<CheckResult> {
  const fix = `install Chromium (Debian/Ubuntu: apt-get install chromium) or set AGENTCRON_CHROMIUM to a Chromium binary`;
  if (!existsSync(path)) return { check: 'chromium', status: 'fail', detail: `${path} not found`, fix };
  return new Promise((resolve) => {
    execFile(path, ['--version'], { timeout: 20_000 }, (error, stdout, stderr) => {
      const version = stdout.split('\n').find((line) => /\d+\.\d+/.test(line))?.trim();
      if (error || !version) {
        const why = error ? (error.killed ? 'did not answer --version within 20 s' : error.message.split('\n')[0]) : `printed no version (${stderr.trim().slice(0, 200)})`;
        resolve({ check: 'chromium', status: 'fail', detail: `${path}: ${why}`, fix });
      } else {
        resolve({ check: 'chromium', status: 'ok', detail: `${path}: ${version}` });
      }
    });
  });
}

/** The database answers and its schema is this agentcron's (migrated, or older and migratable). */
export async function checkDatabase(target: string): Promise<CheckResult> {
  const known = MIGRATIONS.length;
  let versions: number[] | null;
  try {
    versions = /^postgres(ql)?:\/\//i.test(target) ? await postgresVersions(target) : sqliteVersions(target);
  } catch (error) {
    const fix = /^postgres/i.test(target)
      ? 'check the URL (user, password, host, port, database) and that PostgreSQL is running and reachable'
      : 'point --db (or AGENTCRON_DB) at an agentcron SQLite file, or at a path where a new one may be created';
    return { check: 'database', status: 'fail', detail: `${redact(target)}: ${(error as Error).message.split('\n')[0]}`, fix };
  }
  if (versions === null) return { check: 'database', status: 'ok', detail: `${redact(target)} does not exist yet; it is created and migrated on first use` };
  const newest = Math.max(0, ...versions);
  if (newest > known) {
    return { check: 'database', status: 'fail', detail: `${redact(target)} is at schema ${newest} but this agentcron knows up to ${known}`, fix: 'run the newer agentcron that migrated it (or a newer one)' };
  }
  if (newest < known) return { check: 'database', status: 'ok', detail: `${redact(target)} is at schema ${newest} of ${known}; the next start migrates it` };
  return { check: 'database', status: 'ok', detail: `${redact(target)} is migrated (schema ${known})` };
}

/** Applied migration versions; null when the file does not exist. Opened read-only. */
function sqliteVersions(path: string): number[] | null {
  if (path === ':memory:') return [];
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!table) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
      if (tables.n > 0) throw new Error('holds tables but no schema_migrations: it is not an agentcron database');
      return [];
    }
    return (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => Number(r.version));
  } finally {
    db.close();
  }
}

async function postgresVersions(target: string): Promise<number[]> {
  const url = new URL(target);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: TIMEOUT_MS });
  client.on('error', () => {});
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [schema, 'schema_migrations']);
    if (found.rowCount === 0) return [];
    const rows = await client.query(`SELECT version FROM "${schema.replace(/"/g, '""')}".schema_migrations`);
    return rows.rows.map((r: { version: number }) => Number(r.version));
  } finally {
    await client.end().catch(() => {});
  }
}

export function checkMasterKey(env: NodeJS.ProcessEnv): CheckResult {
  const fix = 'export AGENTCRON_MASTER_KEY="$(openssl rand -base64 32)" (or put it in a file named by AGENTCRON_MASTER_KEY_FILE), and keep a copy: secrets cannot be read without it';
  try {
    const box = secretBoxFromEnv(env);
    if (!box) return { check: 'master key', status: 'warn', detail: 'AGENTCRON_MASTER_KEY is not set: secrets cannot be stored or given to runs', fix };
    const previous = (env.AGENTCRON_MASTER_KEY_PREVIOUS ?? '').split(',').filter((s) => s.trim() !== '').length;
    return { check: 'master key', status: 'ok', detail: `set (${env.AGENTCRON_MASTER_KEY_FILE ? `from ${env.AGENTCRON_MASTER_KEY_FILE}` : 'AGENTCRON_MASTER_KEY'})${previous ? `, ${previous} previous key(s) for rotation` : ''}` };
  } catch (error) {
    return { check: 'master key', status: 'fail', detail: (error as Error).message, fix };
  }
}

/** The config file is valid, and every destination it names answers on its host and port. */
export async function checkConfig(file: string, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const config = loadConfigFile(file, env);
    results.push({ check: 'config', status: 'ok', detail: `${file}: ${config.templates.length} template(s), ${config.schedules.length} schedule(s)` });
  } catch (error) {
    results.push({ check: 'config', status: 'fail', detail: (error as Error).message, fix: `correct ${file} at the paths named (agentcron apply -f ${file} --dry-run checks it too)` });
  }
  let endpoints: Endpoint[];
  try {
    endpoints = destinationEndpoints(parseDocument(expandEnv(readFileSync(file, 'utf8'), env, file)).toJS());
  } catch {
    return results; // the config check above says what is wrong with the file
  }
  for (const e of endpoints) {
    const reached = await reachable(e.host, e.port);
    results.push(
      reached === true
        ? { check: `destination ${e.name}`, status: 'ok', detail: `${e.host}:${e.port} answers` }
        : { check: `destination ${e.name}`, status: 'fail', detail: `${e.host}:${e.port} (${e.url}): ${reached}`, fix: `start the service or correct the address of destinations ${e.name} in ${file}` },
    );
  }
  return results;
}

interface Endpoint {
  name: string;
  url: string;
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'amqp:': 5672, 'amqps:': 5671, 'nats:': 4222, 'tls:': 4222, 'redis:': 6379, 'rediss:': 6380, 'mqtt:': 1883, 'mqtts:': 8883, 'postgres:': 5432, 'postgresql:': 5432 };

/**
 * The network addresses of a config's destinations: every URL-valued string inside each entry of
 * `destinations` (a list with ids/names, or a map keyed by name), whatever the destination type
 * calls the field (url, endpoint, servers, …), so new destination types are checked too.
 */
export function destinationEndpoints(doc: unknown): Endpoint[] {
  const destinations = (doc as { destinations?: unknown } | null)?.destinations;
  if (!destinations || typeof destinations !== 'object') return [];
  const entries: Array<[string, unknown]> = Array.isArray(destinations)
    ? destinations.map((d, i) => [String((d as { id?: unknown; name?: unknown })?.id ?? (d as { name?: unknown })?.name ?? i), d])
    : Object.entries(destinations);
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  const visit = (name: string, value: unknown) => {
    if (typeof value === 'string') {
      for (const text of value.split(',')) {
        let url: URL;
        try {
          url = new URL(text.trim());
        } catch {
          continue;
        }
        const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
        if (!url.hostname || port === undefined) continue;
        const key = `${name} ${url.hostname}:${port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ name, url: `${url.protocol}//${url.host}`, host: url.hostname.replace(/^\[|\]$/g, ''), port });
      }
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) visit(name, v);
    }
  };
  for (const [name, value] of entries) visit(name, value);
  return out;
}

/** true when a TCP connection opens within the timeout; else why not. */
function reachable(host: string, port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(`no answer within ${TIMEOUT_MS / 1000} s`);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function redact(target: string): string {
  return target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
