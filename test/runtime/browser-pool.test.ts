import JSZip from 'jszip';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeClock, SystemClock } from '../../src/clock.js';
import { BrowserPool } from '../../src/runtime/browser-pool.js';
import { RunFailure } from '../../src/runtime/failure.js';
import { Session } from '../../src/runtime/session.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { capturingLogger, chromiumDescendants, describeBrowser, isAlive, PageServer, waitFor } from './browser-harness.js';

const log = silentLogger();

describeBrowser('browser pool and sessions (real Chromium)', () => {
  const server = new PageServer();
  let pool: BrowserPool;
  let before: number;

  beforeAll(async () => {
    before = chromiumDescendants().length;
    await server.start();
    server.html('/set-cookie', '<script>localStorage.setItem("seen", "yes")</script><p>set</p>', { 'set-cookie': 'visited=1; Path=/' });
    server.html('/login-form', '<input id="password" type="password"><input id="user"><a href="/done">go</a>');
    server.html('/hang', '<p>about to hang</p><script>setTimeout(() => { for (;;) {} }, 50)</script>');
    server.routes.set('/report.csv', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="report.csv"' });
      res.end('price\n42\n');
    });
    server.html('/downloads', '<a id="get" href="/report.csv" download>report</a>');
    pool = new BrowserPool({ logger: log, clock: new SystemClock(), browsers: 1, closeTimeoutMs: 3000 });
  });

  afterAll(async () => {
    await pool?.close();
    await server.stop();
    // No Chromium (live or defunct) is left below this process once every pool is closed.
    await waitFor(() => chromiumDescendants().length <= before, 60_000, 'chromium processes to exit');
    expect(chromiumDescendants()).toEqual([]);
  }, 120_000);

  it('gives every session a fresh context: a cookie and localStorage set in one are absent in the next', async () => {
    const first = await Session.open(pool, { log });
    await first.page.goto(`${server.url}/set-cookie`);
    expect((await first.context.cookies()).map((c) => c.name)).toEqual(['visited']);
    const firstPid = first.browserPid;
    await first.close();

    const second = await Session.open(pool, { log });
    await second.page.goto(`${server.url}/other`);
    expect(await second.context.cookies()).toEqual([]);
    expect(await second.page.evaluate('localStorage.getItem("seen")')).toBeNull();
    // Same long-lived browser, different context.
    expect(second.browserPid).toBe(firstPid);
    expect(firstPid).not.toBeNull();
    await second.close();
  });

  it('strict isolation runs the session in a browser process of its own, gone after close', async () => {
    const shared = await Session.open(pool, { log });
    const strict = await Session.open(pool, { log, isolation: 'strict' });
    expect(strict.browserPid).not.toBeNull();
    expect(strict.browserPid).not.toBe(shared.browserPid);
    await strict.page.goto(`${server.url}/set-cookie`);
    await strict.close();
    await waitFor(() => !isAlive(strict.browserPid!), 60_000, 'the strict browser to exit');
    expect(isAlive(shared.browserPid!)).toBe(true);
    await shared.close();
  });

  it('records a trace, screenshot and console log with every secret masked', async () => {
    const secret = 'hunter2-S3cr3t"&<x>';
    const { log: captured, lines } = capturingLogger();
    const session = await Session.open(pool, { log: captured, secrets: [secret] });
    await session.page.goto(`${server.url}/login-form?token=${encodeURIComponent(secret)}`);
    await session.page.fill('#password', secret);
    await session.page.fill('#user', `plain-marker ${secret}`);
    await session.page.evaluate((s) => console.log('the secret is', s), secret);
    await session.page.evaluate(() => fetch('http://169.254.169.254/latest/meta-data/').catch(() => null));
    const result = await session.close();
    const byName = new Map(result.artifacts.map((a) => [a.name, a]));
    expect([...byName.keys()].sort()).toEqual(['console.json', 'final.png', 'trace.zip']);
    expect(result.browserMs).toBeGreaterThan(0);

    const zip = await JSZip.loadAsync(byName.get('trace.zip')!.body);
    const names = Object.keys(zip.files);
    expect(names.some((n) => n.endsWith('.trace'))).toBe(true);
    let all = '';
    for (const name of names) all += (await zip.files[name]!.async('nodebuffer')).toString('latin1');
    expect(all).toContain('plain-marker'); // the trace holds the page's actions
    for (const spelling of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), 'hunter2']) {
      expect(all.includes(spelling), spelling).toBe(false);
    }
    const consoleJson = byName.get('console.json')!.body.toString();
    expect(consoleJson).toContain('the secret is ***');
    expect(consoleJson).toContain('169.254.169.254');
    expect(consoleJson).not.toContain('hunter2');
    expect(lines.join('')).not.toContain('hunter2');
    expect(byName.get('final.png')!.body.subarray(1, 4).toString()).toBe('PNG');
  });

  it('blocks file: URLs, metadata addresses and denied hosts; other hosts load', async () => {
    const session = await Session.open(pool, { log, network: { deny: ['localhost'] } });
    await session.page.goto(`${server.url}/allowed`);
    expect(await session.page.textContent('#title')).toBe('page /allowed');
    await expect(session.page.goto(`http://localhost:${server.port}/x`)).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await session.page.waitForURL(/^chrome-error:/);
    await expect(session.page.goto('http://169.254.169.254/latest/meta-data/')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await session.page.waitForURL(/^chrome-error:/);
    await expect(session.page.goto('file:///etc/hostname')).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    expect(session.page.url()).not.toMatch(/^file:/);
    expect(session.blockedRequests.map((b) => b.reason)).toEqual([
      'localhost is denied by the template (deny: localhost)',
      '169.254.169.254 is a link-local / cloud-metadata address',
      'file: URLs are blocked',
    ]);
    await session.close();

    const allowOnly = await Session.open(pool, { log, network: { allow: ['localhost'] } });
    await expect(allowOnly.page.goto(`${server.url}/x`)).rejects.toThrow(/ERR_BLOCKED_BY_CLIENT/);
    await allowOnly.page.waitForURL(/^chrome-error:/);
    await allowOnly.page.goto(`http://localhost:${server.port}/y`);
    await allowOnly.close();
  });

  it('captures downloads as artifacts', async () => {
    const session = await Session.open(pool, { log });
    await session.page.goto(`${server.url}/downloads`);
    await Promise.all([session.page.waitForEvent('download'), session.page.click('#get')]);
    const result = await session.close();
    const download = result.artifacts.find((a) => a.kind === 'download');
    expect(download?.name).toBe('download-report.csv');
    expect(download?.body.toString()).toBe('price\n42\n');
  });

  it('a hung page is abandoned at its timeout while another session keeps working', async () => {
    const hung = await Session.open(pool, { log, closeStepTimeoutMs: 1000 });
    const other = await Session.open(pool, { log });
    await hung.page.goto(`${server.url}/hang`);
    const stuck = hung.page.evaluate('document.title').then(() => 'answered', () => 'failed');
    const timeout = new Promise((r) => setTimeout(() => r('timed out'), 1500));
    expect(await Promise.race([stuck, timeout])).toBe('timed out');

    // The other context in the same browser is unaffected.
    await other.page.goto(`${server.url}/still-fine`);
    expect(await other.page.textContent('#title')).toBe('page /still-fine');

    const started = Date.now();
    const result = await hung.close();
    console.log('hung session closed in', Date.now() - started, 'ms');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.artifacts.map((a) => a.name)).toContain('console.json');
    await other.close();

    const after = await Session.open(pool, { log });
    await after.page.goto(`${server.url}/after-hang`);
    expect(await after.page.textContent('#title')).toBe('page /after-hang');
    await after.close();
  });

  it('a crashed renderer fails only that session, retryably; the pool keeps serving', async () => {
    const crashing = await Session.open(pool, { log });
    const bystander = await Session.open(pool, { log });
    await crashing.page.goto(`${server.url}/x`);
    const cdp = await crashing.context.newCDPSession(crashing.page);
    void cdp.send('Page.crash').catch(() => undefined);
    await waitFor(() => crashing.failed.aborted, 60_000, 'the crash to be seen');
    const reason = crashing.failed.reason as RunFailure;
    expect(reason).toBeInstanceOf(RunFailure);
    expect(reason).toMatchObject({ kind: 'browser.crashed', retryable: true });
    const result = await crashing.close();
    expect(result.artifacts.map((a) => a.name)).toContain('console.json');

    await bystander.page.goto(`${server.url}/bystander`);
    expect(bystander.failed.aborted).toBe(false);
    await bystander.close();
  });

  it('a browser killed with SIGKILL fails its sessions retryably and is replaced', async () => {
    const recycles: string[] = [];
    const own = new BrowserPool({ logger: log, clock: new SystemClock(), browsers: 1, metrics: { browserRecycled: (reason) => recycles.push(reason) } });
    try {
      const victim = await Session.open(own, { log });
      await victim.page.goto(`${server.url}/x`);
      const pid = victim.browserPid!;
      process.kill(pid, 'SIGKILL');
      await waitFor(() => victim.failed.aborted, 60_000, 'the disconnect to be seen');
      expect(victim.failed.reason).toMatchObject({ kind: 'browser.disconnected', retryable: true });
      await victim.close();
      expect(own.stats().crashed).toBe(1);
      expect(recycles).toEqual(['crashed']);

      const next = await Session.open(own, { log });
      expect(next.browserPid).not.toBe(pid);
      await next.page.goto(`${server.url}/after-kill`);
      expect(await next.page.textContent('#title')).toBe('page /after-kill');
      await next.close();
      await waitFor(() => !isAlive(pid), 60_000, 'the killed browser to be reaped');
    } finally {
      await own.close();
    }
  });

  it('recycles a browser after N sessions', async () => {
    const recycles: string[] = [];
    const own = new BrowserPool({ logger: log, clock: new SystemClock(), browsers: 1, maxSessionsPerBrowser: 3, metrics: { browserRecycled: (reason) => recycles.push(reason) } });
    try {
      const pids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const s = await Session.open(own, { log });
        pids.push(s.browserPid!);
        await s.close();
      }
      expect(new Set(pids.slice(0, 3)).size).toBe(1);
      expect(pids[3]).not.toBe(pids[0]);
      expect(own.stats()).toMatchObject({ recycled: 1, browsers: 1 });
      expect(recycles).toEqual(['max_sessions']);
      await waitFor(() => !isAlive(pids[0]!), 60_000, 'the recycled browser to exit');
    } finally {
      await own.close();
    }
  });

  it('pre-warms contexts shortly before the instant the scheduler gives, and hands them out', async () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const own = new BrowserPool({ logger: log, clock, browsers: 1, prewarmLeadMs: 2000 });
    try {
      own.prewarm(2, clock.now() + 10_000);
      await clock.advance(7_000);
      expect(own.stats().warm).toBe(0);
      await clock.advance(1_500); // now 1.5 s before the due instant: inside the lead
      await waitFor(() => own.stats().warm === 2, 60_000, 'two warm contexts');
      const a = await Session.open(own, { log });
      const b = await Session.open(own, { log });
      const c = await Session.open(own, { log });
      expect([a.warm, b.warm, c.warm]).toEqual([true, true, false]);
      await a.page.goto(`${server.url}/warm`);
      expect(await a.context.cookies()).toEqual([]);
      await Promise.all([a.close(), b.close(), c.close()]);
    } finally {
      await own.close();
    }
  });
});
