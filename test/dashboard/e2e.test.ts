/**
 * The dashboard end to end in real headless Chromium: a node (engine + API + dashboard) on
 * SQLite runs the demo's dashboard-report template against the demo site with a wrong password,
 * so it fails at a named step; then a browser logs in with a key, finds the failing schedule
 * first, opens the failed run, reads the failing step and opens the replay in the trace viewer
 * served by agentcron. Screenshots go to test-results/dashboard/.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDemoSite, type DemoSite } from '../../examples/demo/site.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { SystemClock } from '../../src/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { FileArtifactStore } from '../../src/runtime/artifacts.js';
import { BrowserPool, CHROMIUM_ARGS, chromiumExecutable } from '../../src/runtime/browser-pool.js';
import { EnvSecretSource } from '../../src/runtime/secrets.js';
import { StepsRunner } from '../../src/runtime/steps-runner.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { Json } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { describeBrowser } from '../runtime/browser-harness.js';

const ORG = 'default';
const SHOTS = 'test-results/dashboard';
const PASSWORD_VARIABLE = EnvSecretSource.variableFor('DEMO_PASSWORD');

/** An example template as `apply` stores it, with a shorter step timeout (the wrong login waits it out). */
function exampleTemplate(name: string): Json {
  const { id: _id, kind: _kind, description: _d, ...definition } = parse(readFileSync(new URL(`../../examples/demo/templates/${name}.yaml`, import.meta.url), 'utf8')) as Record<string, Json>;
  return { ...definition, defaults: { timeout: '4s' } };
}

describeBrowser('dashboard in Chromium', () => {
  const clock = new SystemClock();
  let dir: string;
  let site: DemoSite;
  let store: Store;
  let pool: BrowserPool;
  let api: FastifyInstance;
  let browser: Browser;
  let base: string;
  let key: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'agentcron-dashboard-e2e-'));
    site = await startDemoSite(0);
    store = await openStore(join(dir, 'db.sqlite'));
    const artifacts = new FileArtifactStore(join(dir, 'artifacts'));
    const now = clock.now();
    await store.orgs.create({ id: ORG, name: ORG }, now);
    key = (await createApiKey(store, { orgId: ORG, name: 'e2e', role: 'operator' }, now)).key;
    for (const id of ['dashboard-report', 'inventory-check']) await store.templates.put({ orgId: ORG, templateId: id, kind: 'steps', definition: exampleTemplate(id) }, now);
    const hourly = { every: '1h', timezone: 'UTC' };
    // Both were due at the start of this hour (a point of their grid): one tick fires each once.
    const due = Math.floor(now / 3_600_000) * 3_600_000;
    await store.schedules.create({ id: 'dashboard-report', orgId: ORG, templateId: 'dashboard-report', params: { base: site.url }, spec: hourly, policies: { retry: { maxAttempts: 1 } }, nextNominalTime: due }, now);
    await store.schedules.create({ id: 'inventory-check', orgId: ORG, templateId: 'inventory-check', params: { base: site.url, threshold: 10 }, spec: hourly, nextNominalTime: due }, now);

    // The wrong password: the login is refused and the assert after it fails.
    process.env[PASSWORD_VARIABLE] = 'not-the-password';
    pool = new BrowserPool({ logger: silentLogger(), clock, browsers: 1 });
    const runners = [new StepsRunner({ store, clock, pool: () => pool, secrets: new EnvSecretSource() })];
    const engine = new Engine({ store, clock, logger: silentLogger(), runners, slots: 2, artifacts, workerId: 'e2e' });
    await engine.scheduler.tick();
    await engine.worker.poll();
    await engine.worker.idle();

    api = await buildApi({ store, clock, runners, rateLimit: false, dashboard: { artifacts } });
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
    browser = await chromium.launch({ executablePath: chromiumExecutable(), args: [...CHROMIUM_ARGS] });
  }, 150_000);

  afterAll(async () => {
    delete process.env[PASSWORD_VARIABLE];
    await browser?.close();
    await api?.close();
    await pool?.close();
    await store?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a newcomer logs in, finds the failed schedule first, the failing step, and watches the replay', async () => {
    const runs = (await store.runs.list({ orgId: ORG })).runs;
    expect(runs.map((r) => `${r.scheduleId}:${r.status}`).sort()).toEqual(['dashboard-report:failed', 'inventory-check:succeeded']);
    const failed = runs.find((r) => r.status === 'failed')!;
    expect(failed.error).toMatchObject({ details: { step: 'steps[1].if.then[3]', stepKind: 'assert' } });

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await expect.poll(() => page.url()).toContain('/dashboard/login');
    await page.fill('#key', 'ac_wrong_key');
    await page.click('#login-submit');
    expect(await page.textContent('#login-problem')).toMatch(/not an agentcron API key/);
    await page.fill('#key', key);
    await page.screenshot({ path: `${SHOTS}/1-login.png` });
    await page.click('#login-submit');
    await page.waitForSelector('#schedules');
    await page.screenshot({ path: `${SHOTS}/2-schedules.png`, fullPage: true });

    // The failing schedule is the first row, marked failing, with its failing step.
    const rows = page.locator('#schedules tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-schedule')).toBe('dashboard-report');
    expect(await rows.nth(0).getAttribute('class')).toContain('failing');
    expect(await rows.nth(0).textContent()).toContain('steps[1].if.then[3]');
    expect(await page.textContent('#failing-banner')).toMatch(/1 failing/);

    await rows.nth(0).locator('a .badge.s-failed').click();
    await page.waitForSelector('#failing-step');
    expect(page.url()).toBe(`${base}/dashboard/runs/${failed.id}`);
    expect(await page.textContent('#failing-step')).toBe('steps[1].if.then[3]');
    expect(await page.textContent('#run-error')).toMatch(/the login was refused/);
    expect(await page.textContent('#run-error')).toMatch(/Wrong user name or password/);
    // The failure screenshot is shown inline.
    const shot = page.locator('.shots img').first();
    expect(await shot.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await page.screenshot({ path: `${SHOTS}/3-failed-run.png`, fullPage: true });

    const [viewer] = await Promise.all([context.waitForEvent('page'), page.click('#open-replay')]);
    await viewer.waitForLoadState();
    expect(new URL(viewer.url()).pathname).toBe('/replay/viewer/index.html');
    // The trace viewer lists the attempt's actions: the refused login's fill and click are there.
    const actions = viewer.locator('.action-title');
    await actions.first().waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await actions.allTextContents()).join(' | '), { timeout: 30_000 }).toMatch(/Fill/i);
    const titles = (await actions.allTextContents()).join(' | ');
    expect(titles).toMatch(/Click/i);
    expect(titles).toMatch(/#login-submit/);
    await viewer.screenshot({ path: `${SHOTS}/4-replay.png` });

    // The schedule's page: counts, percentiles and the run in its history.
    await page.click('nav.crumbs a[href="/dashboard/schedules/dashboard-report"]');
    await page.waitForSelector('#runs');
    expect(await page.locator('#runs tbody tr').count()).toBe(1);
    expect(await page.textContent('.percentiles')).toMatch(/Duration/);
    await page.screenshot({ path: `${SHOTS}/5-schedule.png`, fullPage: true });
    await context.close();
  });
});
