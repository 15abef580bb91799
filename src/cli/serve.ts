/** `agentcron serve`: run a node (scheduler, workers and the HTTP API). */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { RateLimitOptions } from '../api/server.js';
import { SystemClock } from '../clock.js';
import { applyConfig } from '../config/apply.js';
import { loadConfigFile } from '../config/load.js';
import { SecretKeyError, secretBoxFromEnv, type SecretBox } from '../config/secrets.js';
import { createDeliveryPipeline } from '../delivery/pipeline.js';
import { detectOutage } from '../alerts/outage.js';
import { Engine } from '../engine/engine.js';
import { parseDuration } from '../spec/index.js';
import { FileArtifactStore } from '../runtime/artifacts.js';
import { runRetentionJob } from '../engine/retention.js';
import { describeRetention, resolveRetention, type RetentionPeriods } from '../policy/retention.js';
import type { Config } from '../config/schema.js';
import { BrowserPool, type PoolStats } from '../runtime/browser-pool.js';
import { HttpRunner } from '../runtime/http.js';
import type { TemplateRunner } from '../runtime/runner.js';
import { StoredSecretSource, type SecretSource } from '../runtime/secrets.js';
import { StepsRunner } from '../runtime/steps-runner.js';
import { ScriptRunner } from '../runtime/script/script-runner.js';
import { AgentRunner } from '../agent/agent-runner.js';
import type { Clock } from '../clock.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { createLogger } from '../telemetry/logger.js';
import { Metrics } from '../telemetry/metrics.js';
import { startTracing, type Tracing } from '../telemetry/tracing.js';
import { UsageError, type CliContext } from './context.js';
import { DEFAULT_DB, DEFAULT_ORG, withArtifactsOption, withDbOption, type DbOptions } from './store-option.js';

/** Starts Chromium only when the first steps attempt needs it; close() is a no-op if it never did. */
export class LazyBrowserPool {
  private pool: BrowserPool | null = null;

  constructor(private readonly make: () => BrowserPool) {}

  get(): BrowserPool {
    this.pool ??= this.make();
    return this.pool;
  }

  /** The pool's numbers, or null while no browser template has run. */
  stats(): PoolStats | null {
    return this.pool?.stats() ?? null;
  }

  /** Pre-warms only a pool that exists: an idle node with no steps templates starts no browser. */
  prewarm(count: number, at: number): void {
    this.pool?.prewarm(count, at);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/**
 * The template kinds this build can run. Without runtime dependencies (e.g. `apply`, which only
 * validates), steps templates are validated but cannot run.
 */
export function defaultRunners(runtime?: { store: Store; clock: Clock; pool: LazyBrowserPool; secrets?: SecretSource; templatesDir?: string }): TemplateRunner[] {
  if (!runtime) return [new HttpRunner(), new StepsRunner(null), new ScriptRunner(null), new AgentRunner(null)];
  const { store, clock, pool } = runtime;
  const secrets = runtime.secrets ?? new StoredSecretSource(store, null);
  return [
    new HttpRunner(),
    new StepsRunner({ store, clock, pool: () => pool.get(), secrets }),
    new ScriptRunner({ templatesDir: runtime.templatesDir ?? 'templates', store, clock, secrets: (orgId, names) => secrets.resolve(orgId, names) }),
    new AgentRunner({ pool: () => pool.get(), store, clock }),
  ];
}

export function registerServeCommands(program: Command, ctx: CliContext): void {
  withArtifactsOption(withDbOption(
    program
      .command('serve')
      .description('run the scheduler and workers until SIGTERM/SIGINT')
      .option('-c, --config <file>', 'apply this agentcron.yaml before starting')
      .option('--slots <n>', 'attempts this node runs at once', '8')
      .option('--grace <duration>', 'on shutdown, how long live attempts may finish before they are released', '30s')
      .option('--lease <duration>', 'attempt lease, renewed by heartbeat', '30s')
      .option('--listen <host:port>', 'where the HTTP API listens', '127.0.0.1:8080')
      .option('--no-api', 'run the scheduler and workers without the HTTP API')
      .option('--no-dashboard', 'serve the HTTP API without the web dashboard (/dashboard/)')
      .option('--rate-limit <n/duration>', 'requests per API key per window, or "off"', '600/1m')
      .option('--trust-proxy <list>', 'comma-separated addresses or CIDR ranges (or loopback, linklocal, uniquelocal) of reverse proxies whose X-Forwarded-* headers are believed')
      .option('--delivery-lease <duration>', 'how long a claimed delivery stays with this node; longer than the slowest destination timeout', '60s')
      .option('--browsers <n>', 'long-lived Chromium processes shared by steps attempts', '2')
      .option('--retention-runs <duration|off>', 'how long finished runs (with their attempts, events and deliveries) are kept; default off: kept forever')
      .option('--retention-artifacts <duration|off>', 'how long artifacts (traces, screenshots) are kept; default 30d')
      .option('--retention <duration|off>', 'the older name of --retention-artifacts')
      .option('--retention-deliveries <duration|off>', 'how long delivered and dead deliveries and their attempt logs are kept; default 30d')
      .option('--metrics <on|off>', 'serve Prometheus metrics at /metrics on the API listener (no API key)', 'on')
      .option('--otlp <url>', 'export OpenTelemetry traces to this OTLP/HTTP receiver (default: OTEL_EXPORTER_OTLP_ENDPOINT)'),
  )).action((opts: ServeOptions) => serve(opts, ctx));
}

export interface ServeOptions extends DbOptions {
  config?: string;
  slots: string;
  grace: string;
  lease: string;
  listen: string;
  api: boolean;
  /** The web dashboard next to the API (default on). */
  dashboard?: boolean;
  rateLimit: string;
  trustProxy?: string;
  deliveryLease: string;
  browsers: string;
  retentionRuns?: string;
  retentionArtifacts?: string;
  /** The older name of retentionArtifacts. */
  retention?: string;
  retentionDeliveries?: string;
  artifacts: string;
  metrics: string;
  otlp?: string;
}

/**
 * Retention from the flags, then the config file's `retention:`, then the defaults
 * (docs/configuration.md#retention).
 */
export function serveRetention(opts: Pick<ServeOptions, 'retentionRuns' | 'retentionArtifacts' | 'retention' | 'retentionDeliveries'>, config?: Pick<Config, 'retention'>): RetentionPeriods {
  if (opts.retention !== undefined && opts.retentionArtifacts !== undefined && opts.retention !== opts.retentionArtifacts) {
    throw new UsageError(`--retention is the older name of --retention-artifacts; give one of them (got ${opts.retention} and ${opts.retentionArtifacts})`);
  }
  return resolveRetention([
    { prefix: '--retention-', values: { runs: opts.retentionRuns, artifacts: opts.retentionArtifacts ?? opts.retention, deliveries: opts.retentionDeliveries } },
    { prefix: 'retention.', values: config?.retention ?? {} },
  ]);
}

/** Pruning runs this often; retention is counted in days, so hourly is plenty. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** `host:port` (IPv6 in brackets: `[::1]:8080`); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new UsageError(`--listen must be host:port (e.g. 127.0.0.1:8080 or [::1]:8080), got ${JSON.stringify(text)}`);
  return { host: (match[1] ?? match[2])!, port };
}

/** `600/1m` or `off`. */
export function parseRateLimit(text: string): RateLimitOptions | false {
  if (text === 'off') return false;
  const match = /^(\d+)\/(.+)$/.exec(text);
  const max = match ? Number(match[1]) : 0;
  if (!match || max < 1) throw new UsageError(`--rate-limit must be <requests>/<duration> (e.g. 600/1m) or off, got ${JSON.stringify(text)}`);
  return { max, windowMs: parseDuration(match[2]!, '--rate-limit') };
}

const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `127.0.0.1,10.0.0.0/8`: each an IP address, a CIDR range or one of proxy-addr's named ranges. */
export function parseTrustProxy(text: string): string[] {
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!PROXY_RANGES.has(entry) && (family === 0 || !validBits || extra !== undefined)) {
      throw new UsageError(`--trust-proxy takes addresses or CIDR ranges separated by commas (e.g. 127.0.0.1,10.0.0.0/8) or loopback, linklocal, uniquelocal; ${JSON.stringify(entry)} is none of these`);
    }
  }
  return entries;
}

function loadSecretBox(): SecretBox | null {
  try {
    return secretBoxFromEnv();
  } catch (error) {
    if (error instanceof SecretKeyError) throw new UsageError(error.message);
    throw error;
  }
}

/** True when no organisation has a live key: then nobody can call the API yet. */
async function noLiveKeys(store: Store): Promise<boolean> {
  for (const org of await store.orgs.list()) {
    if ((await store.apiKeys.list(org.id)).some((k) => k.revokedAt === null)) return false;
  }
  return true;
}

export async function serve(opts: ServeOptions, ctx: CliContext): Promise<void> {
  const slots = Number(opts.slots);
  if (!/^\d+$/.test(opts.slots) || slots < 1 || slots > 10_000) throw new UsageError(`--slots must be a whole number from 1 to 10000, got ${JSON.stringify(opts.slots)}`);
  const graceMs = parseDuration(opts.grace, '--grace');
  const leaseMs = parseDuration(opts.lease, '--lease');
  if (leaseMs < 1000) throw new UsageError(`--lease must be at least 1s, got ${opts.lease}`);
  const deliveryLeaseMs = parseDuration(opts.deliveryLease, '--delivery-lease');
  if (deliveryLeaseMs < 1000) throw new UsageError(`--delivery-lease must be at least 1s, got ${opts.deliveryLease}`);
  const browsers = Number(opts.browsers);
  if (!/^\d+$/.test(opts.browsers) || browsers < 1 || browsers > 64) throw new UsageError(`--browsers must be a whole number from 1 to 64, got ${JSON.stringify(opts.browsers)}`);
  const config = opts.config ? loadConfigFile(opts.config) : undefined;
  const retention = serveRetention(opts, config);
  const listen = opts.api ? parseListen(opts.listen) : null;
  const rateLimit = parseRateLimit(opts.rateLimit);
  const trustProxy = opts.trustProxy === undefined ? [] : parseTrustProxy(opts.trustProxy);
  const secretBox = loadSecretBox();
  if (opts.metrics !== 'on' && opts.metrics !== 'off') throw new UsageError(`--metrics must be on or off, got ${JSON.stringify(opts.metrics)}`);
  let tracing: Tracing | null;
  try {
    // First, so that every span below (config apply included) can be exported.
    tracing = await startTracing({ otlpUrl: opts.otlp ?? null, attributes: { 'service.instance.id': `${hostname()}:${process.pid}` } });
  } catch (error) {
    throw new UsageError(`${opts.otlp !== undefined ? '--otlp' : 'OTEL_EXPORTER_OTLP_ENDPOINT'}: ${(error as Error).message}`);
  }

  const logger = createLogger();
  const clock = new SystemClock();
  const store = await openStore(opts.db);
  const artifacts = new FileArtifactStore(opts.artifacts);
  // /metrics is served on the API listener: no listener, no metrics.
  const metrics: Metrics | null = opts.metrics === 'on' && listen ? new Metrics({ store, clock, pool: (): PoolStats | null => pool.stats() }) : null;
  const pool: LazyBrowserPool = new LazyBrowserPool(() => new BrowserPool({ logger, clock, browsers, metrics }));
  const runners = defaultRunners({
    store,
    clock,
    pool,
    secrets: new StoredSecretSource(store, secretBox),
    // Script modules are found relative to the config file's directory.
    ...(config?.templatesDir && opts.config ? { templatesDir: resolve(dirname(opts.config), config.templatesDir) } : {}),
  });
  if (config) {
    const plan = await applyConfig(store, config, { orgId: DEFAULT_ORG, runners, now: clock.now() }, opts.config);
    logger.info({ changes: plan.filter((p) => p.action !== 'unchanged') }, `applied ${opts.config}`);
  }
  let api: FastifyInstance | null = null;
  if (listen) {
    // Loaded only when needed: `serve --no-api` starts without Fastify.
    const { buildApi } = await import('../api/server.js');
    api = await buildApi({ store, clock, runners, secretBox, artifacts, logger, rateLimit, trustProxy, metrics, dashboard: opts.dashboard !== false });
    try {
      await api.listen({ host: listen.host, port: listen.port });
    } catch (error) {
      await api.close().catch(() => {});
      await store.close();
      throw new UsageError(`--listen ${opts.listen}: cannot listen: ${(error as Error).message}`);
    }
  }
  const delivery = createDeliveryPipeline({ store, clock, logger, destinations: config?.destinations ?? [], leaseMs: deliveryLeaseMs, metrics });
  const engine = new Engine({ store, clock, logger, runners, slots, leaseMs, artifacts, onNextDue: (at) => pool.prewarm(1, at), onRunFinished: delivery.listener, metrics });
  const stopRelay = new AbortController();
  const relayLoop = delivery.relay.run(stopRelay.signal);
  // Before the scheduler catches up: report agentcron's own downtime once (docs/alerts.md).
  for (const outage of await detectOutage(store, clock.now())) {
    logger.warn({ orgId: outage.orgId, from: new Date(outage.from).toISOString(), to: new Date(outage.to).toISOString(), schedules: outage.schedules.length }, 'agentcron was down: system.outage reported');
  }
  engine.start();
  const stopPruning = new AbortController();
  const pruning = runRetentionJob({ store, artifacts, clock, log: logger }, { periods: retention, everyMs: PRUNE_EVERY_MS }, stopPruning.signal);
  const apiUrl = api ? apiUrlOf(api) : null;
  logger.info({ db: redactUrl(opts.db), slots, api: apiUrl, metrics: metrics !== null, traces: tracing?.endpoint ?? null, secrets: secretBox !== null, retention: describeRetention(retention), pid: process.pid }, 'agentcron serving');
  ctx.stderr(`agentcron serving (db ${redactUrl(opts.db)}, ${slots} slots${apiUrl ? `, API ${apiUrl}/v1, OpenAPI ${apiUrl}/openapi.json` : ', no API'}); Ctrl-C to stop\n`);
  if (api && opts.dashboard !== false) ctx.stderr(`dashboard ${apiUrl}/dashboard/ (log in with an API key)\n`);
  if (api && !secretBox) ctx.stderr('secrets are off: set AGENTCRON_MASTER_KEY (openssl rand -base64 32) or AGENTCRON_MASTER_KEY_FILE to store secrets\n');
  if (api && (await noLiveKeys(store))) {
    ctx.stderr(`no API keys yet; create the first admin key with:\n  agentcron keys create --name admin --role admin${opts.db === DEFAULT_DB ? '' : ' --db <same database>'}\nthen call the API with: Authorization: Bearer <key>\n`);
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now; live attempts will be retried after their leases expire');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      // The API stops taking requests first; in-flight ones finish while the engine drains.
      stopRelay.abort();
      stopPruning.abort();
      Promise.resolve(api?.close())
        .then(() => Promise.all([engine.shutdown(graceMs), delivery.relay.shutdown(graceMs), relayLoop]))
        .then(() => Promise.all(runners.map((r) => (r instanceof ScriptRunner ? r.close() : undefined))))
        .then(() => pool.close())
        .then(() => pruning)
        .then(() => store.close())
        .then(() => tracing?.shutdown())
        .then(() => logger.flush())
        .finally(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function apiUrlOf(api: FastifyInstance): string {
  const address = api.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function redactUrl(target: string): string {
  return target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
