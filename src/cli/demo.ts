/**
 * `agentcron demo`: the product's front door. Starts the demo site (examples/demo), a local
 * webhook sink that verifies Standard Webhooks signatures, and a node serving the example steps
 * templates on schedules, until Ctrl-C. Everything it writes stays under `.agentcron/`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { verifyWebhook } from '../delivery/webhook.js';
import { chromiumExecutable } from '../runtime/browser-pool.js';
import { parseDuration } from '../spec/index.js';
import { createApiKey } from '../api/keys.js';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';
import { parseListen, serve } from './serve.js';
import { DEFAULT_ORG, ensureOrg, usingStore } from './store-option.js';

const DEMO_DIR = new URL('../../examples/demo/', import.meta.url);
const DEMO_DB = '.agentcron/demo.db';
const DEMO_ARTIFACTS = '.agentcron/artifacts';
/** The generated config: regenerated at every start (the webhook secret changes each time). */
const DEMO_CONFIG = '.agentcron/demo.yaml';
/** The name of the key the demo makes at each start to log in to the dashboard. */
export const DEMO_KEY_NAME = 'demo-dashboard';
/** How often the demo shop's prices move on its own clock (examples/demo/pages.ts). */
const PRICE_PERIOD_MS = 10 * 60_000;

interface DemoOptions {
  db: string;
  artifacts: string;
  every: string;
  listen: string;
  sitePort: string;
  sinkPort: string;
}

interface DemoSiteModule {
  DEMO_PASSWORD: string;
  startDemoSite(port: number, options: { clock: { now(): number } }): Promise<{ url: string; close(): Promise<void> }>;
}

export function registerDemoCommands(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('start the demo shop, a webhook sink and a node running the example browser templates, until Ctrl-C')
    .option('--db <file>', 'SQLite database of the demo', DEMO_DB)
    .option('--artifacts <dir>', 'artifact directory (traces, screenshots)', DEMO_ARTIFACTS)
    .option('--every <duration>', 'interval of the price monitor and dashboard report (the inventory check runs at twice it); the shop\'s prices move once per interval', '1m')
    .option('--listen <host:port>', 'where the API listens', '127.0.0.1:8080')
    .option('--site-port <port>', 'port of the demo site (0: any free one)', '0')
    .option('--sink-port <port>', 'port of the webhook sink (0: any free one)', '0')
    .action((opts: DemoOptions) => demo(opts, ctx));
}

function port(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d{1,5}$/.test(text) || value > 65_535) throw new UsageError(`${flag} must be a port number from 0 to 65535, got ${JSON.stringify(text)}`);
  return value;
}

/** The example templates, as config entries, from examples/demo/templates. */
function exampleTemplates(): Record<string, unknown>[] {
  const dir = fileURLToPath(new URL('templates/', DEMO_DIR));
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>);
}

/** The demo's agentcron.yaml: four steps schedules (one fails every third run), one http check, one webhook destination. */
export function demoConfig(siteUrl: string, sinkUrl: string, hookSecret: string, everyMs: number): unknown {
  const every = `${everyMs}ms`;
  const templates = exampleTemplates().map((t) =>
    // The dashboard logs in once; the profile carries the session cookie to the next runs.
    t.id === 'dashboard-report' ? { ...t, profile: 'demo-dashboard' } : t,
  );
  return {
    templates: [
      ...templates,
      { id: 'http-check', kind: 'http', description: 'GET a URL and expect a 2xx answer', request: { url: '{{ params.url }}', timeout: '5s' } },
    ],
    destinations: [{ id: 'demo-sink', type: 'webhook', url: sinkUrl, secret: hookSecret, timeout: '5s' }],
    schedules: [
      { id: 'price-monitor', template: 'price-monitor', params: { base: siteUrl, sku: 'widget' }, every, destinations: ['demo-sink'], emit: 'on_change' },
      { id: 'dashboard-report', template: 'dashboard-report', params: { base: siteUrl }, every },
      { id: 'inventory-check', template: 'inventory-check', params: { base: siteUrl, threshold: 10 }, every: `${everyMs * 2}ms` },
      { id: 'site-health', template: 'http-check', params: { url: `${siteUrl}/health` }, every },
      // Fails every third run at its assert step (the flaky page): something to find in the dashboard.
      { id: 'status-check', template: 'status-check', params: { base: siteUrl }, every, retry: { maxAttempts: 1 } },
    ],
  };
}

/** Prices read better with two decimals: 131.5 -> 131.50. */
const showValue = (value: unknown): string =>
  typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(2) : JSON.stringify(value ?? null);

/** One line per event: the type, the schedule and what changed (`price 129 → 131.5`). */
export function describeEvent(envelope: { type?: string; schedule?: { id: string } | null; run?: { status?: string; diff?: unknown } | null }): string {
  const changes = Array.isArray(envelope.run?.diff)
    ? (envelope.run.diff as { path?: string; before?: unknown; after?: unknown }[])
        .map((c) => `${String(c.path ?? '').replace(/^\//, '')} ${showValue(c.before)} → ${showValue(c.after)}`)
        .join(', ')
    : (envelope.run?.status ?? '');
  return `webhook: ${envelope.type ?? '?'} ${envelope.schedule?.id ?? '-'} ${changes}`.trimEnd();
}

/** A tiny receiver: verifies each POST's signature, prints it in one line, answers 204 (401 if forged). */
function startWebhookSink(secret: string, sinkPort: number, print: (line: string) => void): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        verifyWebhook(secret, req.headers, body);
      } catch (error) {
        print(`webhook: rejected a request: ${(error as Error).message}`);
        res.writeHead(401).end();
        return;
      }
      try {
        print(describeEvent(JSON.parse(body.toString('utf8')) as Parameters<typeof describeEvent>[0]));
      } catch {
        print('webhook: received a body that is not JSON');
      }
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(sinkPort, '127.0.0.1', () => resolve(server));
  });
}

/**
 * A fresh admin key for the dashboard login. The previous demo keys are revoked, so the key
 * printed last is the one that works (keys are stored hashed: an old one cannot be shown again).
 */
export async function demoKey(db: string, now: number): Promise<string> {
  return usingStore({ db }, async (store) => {
    await ensureOrg(store, DEFAULT_ORG, now);
    for (const old of await store.apiKeys.list(DEFAULT_ORG)) {
      if (old.name === DEMO_KEY_NAME && old.revokedAt === null) await store.apiKeys.revoke(DEFAULT_ORG, old.id, now);
    }
    return (await createApiKey(store, { orgId: DEFAULT_ORG, name: DEMO_KEY_NAME, role: 'admin' }, now)).key;
  });
}

async function demo(opts: DemoOptions, ctx: CliContext): Promise<void> {
  const everyMs = parseDuration(opts.every, '--every');
  if (everyMs < 1000) throw new UsageError(`--every must be at least 1s, got ${opts.every}`);
  parseListen(opts.listen);
  const sitePort = port(opts.sitePort, '--site-port');
  const sinkPort = port(opts.sinkPort, '--sink-port');
  const siteModule = (await import(new URL('site.js', DEMO_DIR).href)) as DemoSiteModule;
  // The shop's clock runs fast so its price moves between two runs of the price monitor.
  const speed = PRICE_PERIOD_MS / everyMs;
  const startedAt = Date.now();
  const site = await siteModule.startDemoSite(sitePort, { clock: { now: () => startedAt + (Date.now() - startedAt) * speed } });
  const hookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const sink = await startWebhookSink(hookSecret, sinkPort, (line) => ctx.stdout(`${line}\n`));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hooks`;
  try {
    mkdirSync('.agentcron', { recursive: true });
    writeFileSync(DEMO_CONFIG, `# Generated by agentcron demo at each start.\n${stringify(demoConfig(site.url, sinkUrl, hookSecret, everyMs))}`);
    // The dashboard template reads its password from a secret; the environment is a secret source.
    process.env.AGENTCRON_SECRET_DEMO_PASSWORD ??= siteModule.DEMO_PASSWORD;
    const db = `--db ${opts.db}`;
    mkdirSync(dirname(opts.db), { recursive: true });
    const key = await demoKey(opts.db, Date.now());
    ctx.stderr(
      [
        `api key       ${key}  (admin, new at each start: log in to the dashboard URL printed below with it)`,
        `demo site     ${site.url}  (shop, ${siteModule.DEMO_PASSWORD}/${siteModule.DEMO_PASSWORD} dashboard, inventory)`,
        `webhook sink  ${sinkUrl}  (verifies signatures, prints each event)`,
        `config        ${DEMO_CONFIG}`,
        `watch runs    npm run agentcron -- runs ls ${db}`,
        `replay one    npm run agentcron -- runs replay RUN ${db} --artifacts ${opts.artifacts}`,
        ...(existsSync(chromiumExecutable())
          ? []
          : [`warning       no Chromium at ${chromiumExecutable()}: the browser templates will fail; install it (Debian/Ubuntu: apt-get install -y chromium) or set AGENTCRON_CHROMIUM`]),
        '',
      ].join('\n'),
    );
    await serve(
      { config: DEMO_CONFIG, db: opts.db, artifacts: opts.artifacts, listen: opts.listen, api: true, slots: '4', grace: '10s', lease: '30s', rateLimit: '600/1m', deliveryLease: '60s', browsers: '1', retentionArtifacts: '7d', metrics: 'on' },
      ctx,
    );
  } finally {
    const sinkClosed = new Promise<void>((resolve) => sink.close(() => resolve()));
    sink.closeAllConnections();
    await sinkClosed;
    await site.close();
  }
}
