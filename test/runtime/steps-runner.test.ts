import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { parse } from 'yaml';
import { DEMO_PASSWORD, startDemoSite } from '../../examples/demo/site.js';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { SystemClock } from '../../src/clock.js';
import { Worker } from '../../src/engine/worker.js';
import { FileArtifactStore } from '../../src/runtime/artifacts.js';
import { BrowserPool } from '../../src/runtime/browser-pool.js';
import { EnvSecretSource } from '../../src/runtime/secrets.js';
import { splitBrowserOptions, StepsRunner } from '../../src/runtime/steps-runner.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { Json, Run } from '../../src/store/types.js';
import { capturingLogger, chromiumDescendants, describeBrowser, PageServer, waitFor } from './browser-harness.js';

const SECRET = 'pa55-w0rd&more';
const ORG = 'default';

describeBrowser('steps runner under the worker (real Chromium)', () => {
  const server = new PageServer();
  const clock = new SystemClock();
  const { log, lines } = capturingLogger();
  let pool: BrowserPool;
  let dir: string;
  let store: Store;
  let artifacts: FileArtifactStore;
  let worker: Worker;

  beforeAll(async () => {
    await server.start();
    server.html('/login', '<form action="/do-login"><input id="password" name="pw" type="password"><button id="go">Log in</button></form>');
    server.routes.set('/do-login', (req, res) => {
      const ok = new URL(req.url ?? '/', 'http://x').searchParams.get('pw') === SECRET;
      res.writeHead(302, { location: '/dashboard', ...(ok ? { 'set-cookie': 'session=ok; Path=/' } : {}) });
      res.end();
    });
    server.routes.set('/dashboard', (req, res) => {
      const loggedIn = /(^|;\s*)session=ok/.test(req.headers.cookie ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<h1 id="status">${loggedIn ? 'welcome' : 'login required'}</h1><span id="visits">3</span>`);
    });
    server.routes.set('/logout', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'session=; Path=/; Max-Age=0' });
      res.end('<h1 id="status">bye</h1>');
    });
    server.html('/hang', '<p id="p">hanging</p><script>setTimeout(() => { for (;;) {} }, 50)</script>');
    pool = new BrowserPool({ logger: log, clock, browsers: 1, closeTimeoutMs: 3000 });
    process.env[EnvSecretSource.variableFor('shop_password')] = SECRET;
  });

  afterAll(async () => {
    await pool?.close();
    await server.stop();
    delete process.env[EnvSecretSource.variableFor('shop_password')];
    await waitFor(() => chromiumDescendants().length === 0, 60_000, 'chromium processes to exit');
  }, 120_000);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcron-steps-'));
    store = await openStore(join(dir, 'db.sqlite'));
    await store.orgs.create({ id: ORG, name: 'default' }, clock.now());
    artifacts = new FileArtifactStore(join(dir, 'artifacts'));
    const runner = new StepsRunner({ pool: () => pool, store, clock, secrets: new EnvSecretSource(), profilePollMs: 100 });
    worker = new Worker({ store, clock, logger: log, runners: [runner], workerId: 'test', slots: 4, artifacts });
    lines.length = 0;
  });

  afterEach(async () => {
    await worker.idle();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function template(id: string, definition: Json): Promise<void> {
    new StepsRunner(null).validate(definition);
    await store.templates.put({ orgId: ORG, templateId: id, kind: 'steps', definition }, clock.now());
  }

  async function run(templateId: string, options: { deadlineMs?: number; profile?: string; params?: Json } = {}): Promise<Run> {
    const created = await store.runs.create(
      {
        orgId: ORG,
        templateId,
        templateVersion: 1,
        params: options.params ?? { base: server.url },
        nominalTime: clock.now(),
        trigger: 'manual',
        profile: options.profile ?? null,
        ...(options.deadlineMs ? { deadline: clock.now() + options.deadlineMs } : {}),
      },
      clock.now(),
    );
    return created;
  }

  async function finished(id: string, ms = 120_000): Promise<Run> {
    await waitFor(async () => {
      await worker.poll();
      const r = await store.runs.get(ORG, id);
      return r !== null && !['queued', 'running'].includes(r.status);
    }, ms, `run ${id} to finish`);
    await worker.idle();
    return (await store.runs.get(ORG, id))!;
  }

  const loginTemplate: Json = {
    profile: 'shop',
    steps: [
      { goto: '{{ params.base }}/login' },
      { fill: { selector: '#password', value: '{{ secrets.shop_password }}' } },
      { click: '#go' },
      { extract: { status: '#status' } },
    ],
  };
  const dashboardSteps: Json[] = [{ goto: '{{ params.base }}/dashboard' }, { extract: { status: '#status', visits: { selector: '#visits', type: 'number' } } }, { assert: { text: 'welcome', selector: '#status' } }];
  const dashboardTemplate: Json = { profile: 'shop', steps: dashboardSteps };

  it('runs a steps template: output, trace/screenshot/console artifacts, browser time; the secret is in none of them', async () => {
    await template('login', loginTemplate);
    const done = await finished((await run('login')).id);
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ status: 'welcome' });
    expect(done.browserMs).toBeGreaterThan(0);
    expect((await store.runs.attempts(done.id))[0]!.browserMs).toBe(done.browserMs);

    const rows = await store.artifacts.list(ORG, done.id);
    expect(rows.map((a) => [a.name, a.kind])).toEqual([
      ['console.json', 'console'],
      ['final.png', 'screenshot'],
      ['trace.zip', 'trace'],
    ]);
    for (const row of rows) expect(existsSync(artifacts.localPath(row.storageKey))).toBe(true);
    const trace = readFileSync(artifacts.localPath(rows.find((a) => a.kind === 'trace')!.storageKey));
    const zip = await JSZip.loadAsync(trace);
    let text = '';
    for (const entry of Object.values(zip.files)) text += (await entry.async('nodebuffer')).toString('latin1');
    expect(text).toContain('#password');
    expect(text).not.toContain('pa55-w0rd');
    expect(text).not.toContain(encodeURIComponent(SECRET));
    expect(lines.join('')).not.toContain('pa55-w0rd');
    expect(JSON.stringify(done.output)).not.toContain('pa55-w0rd');
  });

  it('a profile carries a login over to later runs, is saved only after a success, and makes a second attempt wait for its lock', async () => {
    await template('login', loginTemplate);
    await template('dashboard', dashboardTemplate);
    await template('dashboard-anonymous', { steps: dashboardSteps });
    await template('logout-then-fail', {
      profile: 'shop',
      steps: [{ goto: '{{ params.base }}/logout' }, { assert: { text: 'never there', selector: '#status' }, timeout: '300ms' }],
    });

    expect((await finished((await run('login')).id)).status).toBe('succeeded');
    const saved = await store.profiles.get(ORG, 'shop');
    expect(saved?.version).toBe(1);
    expect(JSON.stringify(saved?.state)).toContain('"session"');

    const dashboard = await finished((await run('dashboard')).id);
    expect(dashboard.status).toBe('succeeded');
    expect(dashboard.output).toMatchObject({ status: 'welcome', visits: 3 });
    // Without the profile the same steps see a logged-out page.
    expect((await finished((await run('dashboard-anonymous')).id)).status).toBe('failed');

    // A failed attempt that logged out does not overwrite the profile.
    const failed = await finished((await run('logout-then-fail')).id);
    expect(failed.status).toBe('failed');
    const versionAfterFailure = (await store.profiles.get(ORG, 'shop'))!.version;
    expect((await finished((await run('dashboard')).id)).output).toMatchObject({ status: 'welcome' });

    // A manual trigger may name the profile for a template that has none.
    expect((await finished((await run('dashboard-anonymous', { profile: 'shop' })).id)).output).toMatchObject({ status: 'welcome' });

    // Another run holds the lock: the attempt waits, then proceeds once it is released.
    expect(await store.profiles.acquire(ORG, 'shop', 'someone-else', 60_000, clock.now())).toBe(true);
    const waiting = await run('dashboard');
    await worker.poll();
    await new Promise((r) => setTimeout(r, 1500));
    expect((await store.runs.get(ORG, waiting.id))?.status).toBe('running');
    expect(await store.artifacts.list(ORG, waiting.id)).toEqual([]);
    await store.profiles.release(ORG, 'shop', 'someone-else');
    const after = await finished(waiting.id);
    expect(after.status).toBe('succeeded');
    expect((await store.profiles.get(ORG, 'shop'))!.lockedByRunId).toBeNull();
    expect((await store.profiles.get(ORG, 'shop'))!.version).toBeGreaterThan(versionAfterFailure);
  });

  it('reads and writes template state across runs', async () => {
    await template('remember', {
      state: { last: 'none' },
      steps: [{ goto: '{{ params.base }}/x' }, { set: { vars: { previous: '{{ state.last }}' } } }, { set: { state: { last: '{{ params.tag }}' } } }],
      output: { previous: '{{ vars.previous }}' },
    });
    expect((await finished((await run('remember', { params: { base: server.url, tag: 'first' } })).id)).output).toEqual({ previous: 'none' });
    expect((await finished((await run('remember', { params: { base: server.url, tag: 'second' } })).id)).output).toEqual({ previous: 'first' });
    expect(await store.state.get(ORG, 'remember', 'last')).toBe('second');
  });

  it('a hanging page times out at the run deadline while another run completes', async () => {
    await template('hang', { steps: [{ goto: '{{ params.base }}/hang' }, { wait: { time: '1s' } }, { extract: { p: '#p' } }] });
    await template('quick', { steps: [{ goto: '{{ params.base }}/quick' }, { extract: { title: '#title' } }] });
    const hung = await run('hang', { deadlineMs: 4000 });
    const quick = await run('quick');
    const [hungDone, quickDone] = await Promise.all([finished(hung.id), finished(quick.id)]);
    expect(quickDone.status).toBe('succeeded');
    expect(quickDone.output).toEqual({ title: 'page /quick' });
    expect(hungDone.status).toBe('timed_out');
    // The hung attempt's session was still closed and its artifacts kept.
    await waitFor(async () => (await store.artifacts.list(ORG, hung.id)).some((a) => a.name === 'console.json'), 60_000, 'hung artifacts');
    // And the pool serves the next run.
    expect((await finished((await run('quick')).id)).status).toBe('succeeded');
  });

  it('the demo dashboard template, given a profile, logs in on its first run only and extracts the metrics each time', async () => {
    const site = await startDemoSite();
    process.env[EnvSecretSource.variableFor('DEMO_PASSWORD')] = DEMO_PASSWORD;
    try {
      const text = readFileSync(new URL('../../examples/demo/templates/dashboard-report.yaml', import.meta.url), 'utf8');
      const { id: _id, kind: _kind, description: _description, ...definition } = parse(text) as Record<string, Json>;
      await template('dashboard-report', { ...definition, profile: 'demo-dashboard' });
      const params = { base: site.url };
      const first = await finished((await run('dashboard-report', { params })).id);
      expect(first.status).toBe('succeeded');
      const second = await finished((await run('dashboard-report', { params })).id);
      expect(second.status).toBe('succeeded');
      const outputs = [first.output, second.output] as Array<{ loggedIn: boolean; metrics: Array<{ metric: string; value: number }> }>;
      expect(outputs.map((o) => o.loggedIn)).toEqual([true, false]);
      for (const o of outputs) expect(o.metrics.length).toBeGreaterThan(0);
      expect((await store.artifacts.list(ORG, second.id)).map((a) => a.name)).toContain('dashboard.png');
    } finally {
      delete process.env[EnvSecretSource.variableFor('DEMO_PASSWORD')];
      await site.close();
    }
  });

  it('rejects bad browser options with the path and value', () => {
    expect(() => splitBrowserOptions({ steps: [], isolation: 'total' })).toThrow(/isolation: .*"total"/);
    expect(() => splitBrowserOptions({ steps: [], network: { deny: ['http://x/'] } })).toThrow(/network\.deny\.0/);
    expect(() => new StepsRunner(null).validate({ profile: 'shop', network: { allow: ['shop.test'] }, steps: [{ goto: 'https://shop.test' }] })).not.toThrow();
  });
});
