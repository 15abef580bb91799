import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AgentRunner } from '../../src/agent/agent-runner.js';
import { FakeClock, SystemClock } from '../../src/clock.js';
import { BrowserPool } from '../../src/runtime/browser-pool.js';
import type { AttemptContext } from '../../src/runtime/runner.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { Json, RunEvent } from '../../src/store/types.js';
import { startDemoSite, type DemoSite } from '../../examples/demo/site.js';

export const DEMO_NOW = Date.UTC(2026, 2, 1, 12);

/**
 * The real parts an agent test needs: a SQLite store in a temp dir, a browser pool on Debian's
 * Chromium, the demo site on a fixed clock (known prices), and a proxy in front of it that can
 * rewrite pages (a "changed site").
 */
export class AgentWorld {
  store!: Store;
  pool!: BrowserPool;
  site!: DemoSite;
  siteClock = new FakeClock(DEMO_NOW);
  /** Rewrites each HTML page the proxy serves; identity by default. */
  rewrite: (path: string, html: string) => string = (_p, html) => html;
  proxyUrl = '';
  private proxy!: Server;
  private dir = '';
  private runs = 0;
  readonly log = pino({ level: 'silent' });

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'agentcron-agent-'));
    this.store = await openStore(join(this.dir, 'store.db'));
    await this.store.orgs.create({ id: 'o1', name: 'one' }, DEMO_NOW);
    this.pool = new BrowserPool({ logger: this.log, clock: new SystemClock(), browsers: 1 });
    this.site = await startDemoSite(0, { clock: this.siteClock });
    this.proxy = createServer((req, res) => {
      void fetch(`${this.site.url}${req.url ?? '/'}`, { redirect: 'manual' }).then(async (upstream) => {
        const type = upstream.headers.get('content-type') ?? 'text/plain';
        const body = await upstream.text();
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        res.writeHead(upstream.status, { 'content-type': type, ...(upstream.headers.get('location') ? { location: upstream.headers.get('location')! } : {}) });
        res.end(type.startsWith('text/html') ? this.rewrite(path, body) : body);
      }, (error: unknown) => res.writeHead(502).end(String(error)));
    });
    await new Promise<void>((r) => this.proxy.listen(0, '127.0.0.1', r));
    this.proxyUrl = `http://127.0.0.1:${(this.proxy.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await this.pool?.close();
    this.proxy?.closeAllConnections();
    await new Promise<void>((r) => (this.proxy ? this.proxy.close(() => r()) : r()));
    await this.site?.close();
    await this.store?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  /** A run row (events need one) and the attempt context the worker would build for it. */
  async attempt(templateId: string, params: Record<string, Json>, version = 1, signal: AbortSignal = new AbortController().signal): Promise<AttemptContext & { orgId: string; templateId: string; templateVersion: number }> {
    this.runs++;
    if (!(await this.store.templates.get('o1', templateId))) await this.store.templates.put({ orgId: 'o1', templateId, kind: 'agent', definition: {} }, DEMO_NOW);
    const run = await this.store.runs.create({ orgId: 'o1', templateId, templateVersion: version, nominalTime: DEMO_NOW + this.runs, trigger: 'manual', params }, DEMO_NOW);
    return {
      runId: run.id,
      attempt: 1,
      scheduleId: null,
      params,
      signal,
      log: this.log,
      orgId: 'o1',
      templateId,
      templateVersion: version,
      nominalTime: run.nominalTime,
      trigger: run.trigger,
      profile: null,
      deadline: DEMO_NOW + 10 * 60_000,
      recordBrowserTime: (ms) => this.store.runs.addBrowserTime(run.id, 1, ms),
      // Artifacts are the browser runtime's concern (test/runtime); these tests read run events.
      saveArtifact: () => Promise.resolve(),
    };
  }

  runner(): AgentRunner {
    return new AgentRunner({ pool: () => this.pool, store: this.store, clock: new SystemClock() });
  }

  async events(runId: string, type?: string): Promise<RunEvent[]> {
    const all = await this.store.events.list(runId);
    return type ? all.filter((e) => e.type === type) : all;
  }
}
