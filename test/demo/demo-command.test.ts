/**
 * `agentcron demo` as a real process: the demo site, the webhook sink and a node running the
 * example steps templates on a short interval, until SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO_ROOT, 'src/cli/main.ts');
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const chromiumMissing = existsSync('/usr/bin/chromium') ? undefined : '/usr/bin/chromium is not installed';
if (chromiumMissing) console.warn(`skipping the demo command test: ${chromiumMissing}`);

const STEPS_SCHEDULES = ['price-monitor', 'dashboard-report', 'inventory-check'];

describe.skipIf(chromiumMissing)('agentcron demo', () => {
  // The demo writes only under .agentcron/ of its working directory: a scratch one here.
  const cwd = mkdtempSync(join(tmpdir(), 'agentcron-demo-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('runs every example template, delivers a signed run event to its sink, and stops cleanly on SIGTERM', { timeout: 90_000 }, async () => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'demo', '--every', '4s', '--listen', '127.0.0.1:0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AGENTCRON_DB: undefined, AGENTCRON_MASTER_KEY: undefined, AGENTCRON_SECRET_DEMO_PASSWORD: undefined, AGENTCRON_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const db = join(cwd, '.agentcron/demo.db');
      const deadline = Date.now() + 75_000;
      let pending = [...STEPS_SCHEDULES];
      while (pending.length > 0 || !/^webhook: run\.changed price-monitor .*price \d+\.\d\d → \d+\.\d\d/m.test(stdout)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`still waiting for ${pending.join(', ') || 'a webhook event'}; stdout:\n${stdout}\nstderr:\n${stderr.slice(-4000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (existsSync(db) && pending.length > 0) {
          const store = await openStore(db);
          try {
            const done: string[] = [];
            for (const scheduleId of pending) {
              const { runs } = await store.runs.list({ orgId: 'default', scheduleId, status: ['succeeded'], limit: 1 });
              if (runs.length > 0) done.push(scheduleId);
            }
            pending = pending.filter((id) => !done.includes(id));
          } finally {
            await store.close();
          }
        }
      }
      expect(stderr).toMatch(/^demo site +http:\/\/127\.0\.0\.1:\d+/m);
      expect(stderr).toMatch(/^webhook sink +http:\/\/127\.0\.0\.1:\d+\/hooks/m);
      expect(stderr).toContain('runs ls --db .agentcron/demo.db');
      expect(stderr).toMatch(/API http:\/\/127\.0\.0\.1:\d+\/v1/);
      // The printed key logs in to the printed dashboard.
      const dashboard = /^dashboard (http:\/\/127\.0\.0\.1:\d+\/dashboard\/)/m.exec(stderr)?.[1];
      const key = /^api key +(ac_\S+)/m.exec(stderr)?.[1];
      expect(dashboard && key).toBeTruthy();
      const login = await fetch(`${dashboard}login`, { method: 'POST', body: new URLSearchParams({ key: key! }), redirect: 'manual' });
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const overview = await fetch(dashboard!, { headers: { cookie } });
      expect(await overview.text()).toContain('data-schedule="price-monitor"');
      expect(stdout).not.toContain('webhook: rejected');
      // Nothing outside .agentcron/ in the working directory.
      const { readdirSync } = await import('node:fs');
      expect(readdirSync(cwd)).toEqual(['.agentcron']);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
