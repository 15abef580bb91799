/**
 * `agentcron serve` starts the API on a real port, tells how to make the first key, and shuts down
 * on SIGTERM. Waits are long: starting node with tsx on a busy machine can take tens of seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { FileArtifactStore, saveArtifact } from '../../src/runtime/artifacts.js';
import { openStore } from '../../src/store/open.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'src/cli/main.ts');

interface Served {
  child: ChildProcess;
  stderr: () => string;
  /** The exit code, or the signal that ended the process (`SIGTERM` when no handler was there to take it). */
  exited: Promise<number | NodeJS.Signals | null>;
}

function serve(args: string[], env: Record<string, string | undefined> = {}): Served {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AGENTCRON_DB: undefined, AGENTCRON_MASTER_KEY: undefined, AGENTCRON_MASTER_KEY_FILE: undefined, AGENTCRON_LOG_LEVEL: 'warn', ...env },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal))) };
}

async function waitForText(s: Served, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(s.stderr());
    if (match) return match;
    if (s.child.exitCode !== null || Date.now() > until) throw new Error(`serve never printed ${pattern}; stderr:\n${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agentcron serve with the API', () => {
  let dir: string;
  const running: Served[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
      await s.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens, prints the bootstrap hint while there is no key, answers with a key, and stops on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-serve-api-'));
    const db = join(dir, 'agentcron.db');
    const artifacts = join(dir, 'artifacts');
    const s = serve(['--db', db, '--listen', '127.0.0.1:0', '--slots', '1', '--artifacts', artifacts], { AGENTCRON_MASTER_KEY: randomBytes(32).toString('base64') });
    running.push(s);
    const [, url] = await waitForText(s, /API (http:\/\/127\.0\.0\.1:\d+)\/v1/);
    await waitForText(s, /no API keys yet; create the first admin key with:\n {2}agentcron keys create --name admin --role admin --db <same database>/);
    expect(s.stderr()).not.toMatch(/secrets are off/);

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/schedules`)).status).toBe(401);

    const store = await openStore(db);
    try {
      await store.orgs.create({ id: 'default', name: 'default' }, Date.now());
      const { key } = await createApiKey(store, { orgId: 'default', name: 'admin', role: 'admin' }, Date.now());
      const put = await fetch(`${url}/v1/secrets/TOKEN`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ value: 'v' }) });
      expect(put.status).toBe(204);
      const res = await fetch(`${url}/v1/schedules`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ schedules: [] });

      // The API reads artifact bytes from serve's --artifacts directory.
      await store.templates.put({ orgId: 'default', templateId: 't', kind: 'http', definition: { request: { url: 'http://127.0.0.1:9/' } } }, Date.now());
      const run = await store.runs.create({ orgId: 'default', templateId: 't', templateVersion: 1, nominalTime: Date.now(), trigger: 'api', status: 'skipped', reason: 'not for the workers' }, Date.now());
      await saveArtifact({ store, artifacts: new FileArtifactStore(artifacts) }, { orgId: 'default', runId: run.id, attempt: 1 }, { name: 'console.log', kind: 'console', contentType: 'text/plain', body: Buffer.from('hello') }, Date.now());
      const download = await fetch(`${url}/v1/runs/${run.id}/artifacts/1/console.log`, { headers: { authorization: `Bearer ${key}` } });
      expect(download.status).toBe(200);
      expect(await download.text()).toBe('hello');
    } finally {
      await store.close();
    }

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 180_000);

  it('--no-api serves without listening; bad --listen, --rate-limit and master keys are usage errors', async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-serve-api-'));
    const db = join(dir, 'agentcron.db');
    const quiet = serve(['--db', db, '--no-api', '--slots', '1']);
    running.push(quiet);
    await waitForText(quiet, /agentcron serving \(.*, no API\)/);
    expect(quiet.stderr()).not.toMatch(/no API keys yet/);
    quiet.child.kill('SIGTERM');
    // With its stderr, so a rare death by signal here says what the process wrote first.
    expect({ exit: await quiet.exited, stderr: quiet.stderr().slice(-3000) }).toMatchObject({ exit: 0 });

    for (const [args, env, message] of [
      [['--listen', 'localhost'], {}, /--listen must be host:port/],
      [['--rate-limit', 'lots'], {}, /--rate-limit must be <requests>\/<duration>/],
      [[], { AGENTCRON_MASTER_KEY: 'short' }, /AGENTCRON_MASTER_KEY: a master key is 32 bytes/],
    ] as const) {
      const bad = serve(['--db', db, ...args], env);
      running.push(bad);
      expect(await bad.exited).toBe(2);
      expect(bad.stderr()).toMatch(message);
    }
  }, 180_000);
});
