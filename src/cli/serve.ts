/** `agentcron serve` and `agentcron apply`: run a node, and load config as code. */
import type { Command } from 'commander';
import { SystemClock } from '../clock.js';
import { applyConfig, type PlanStep } from '../config/apply.js';
import { loadConfigFile } from '../config/load.js';
import { Engine } from '../engine/engine.js';
import { parseDuration } from '../spec/index.js';
import { FileArtifactStore, runRetentionJob } from '../runtime/artifacts.js';
import { BrowserPool } from '../runtime/browser-pool.js';
import { HttpRunner } from '../runtime/http.js';
import type { TemplateRunner } from '../runtime/runner.js';
import { EnvSecretSource } from '../runtime/secrets.js';
import { StepsRunner } from '../runtime/steps-runner.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../clock.js';
import { openStore } from '../store/open.js';
import { createLogger } from '../telemetry/logger.js';
import { UsageError, type CliContext } from './context.js';
import { DEFAULT_ORG, usingStore, withArtifactsOption, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

/** Starts Chromium only when the first steps attempt needs it; close() is a no-op if it never did. */
export class LazyBrowserPool {
  private pool: BrowserPool | null = null;

  constructor(private readonly make: () => BrowserPool) {}

  get(): BrowserPool {
    this.pool ??= this.make();
    return this.pool;
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
export function defaultRunners(runtime?: { store: Store; clock: Clock; pool: LazyBrowserPool }): TemplateRunner[] {
  const steps = new StepsRunner(runtime ? { store: runtime.store, clock: runtime.clock, pool: () => runtime.pool.get(), secrets: new EnvSecretSource() } : null);
  return [new HttpRunner(), steps];
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
      .option('--browsers <n>', 'long-lived Chromium processes shared by steps attempts', '2')
      .option('--retention <duration>', 'how long artifacts (traces, screenshots) are kept', '30d'),
  )).action((opts: ServeOptions) => serve(opts, ctx));

  withDbOption(
    program
      .command('apply')
      .description('make the database match agentcron.yaml (prints the plan)')
      .requiredOption('-f, --file <file>', 'the config file')
      .option('--dry-run', 'print the plan only')
      .option('--prune', 'delete schedules and templates the file no longer lists'),
  ).action(async (opts: ApplyCliOptions) => {
    const config = loadConfigFile(opts.file);
    const plan = await usingStore(opts, (store) =>
      applyConfig(store, config, { orgId: DEFAULT_ORG, runners: defaultRunners(), now: ctx.now(), dryRun: opts.dryRun === true, prune: opts.prune === true }, opts.file),
    );
    ctx.stdout(formatPlan(plan, opts.dryRun === true));
  });
}

interface ServeOptions extends DbOptions {
  config?: string;
  slots: string;
  grace: string;
  lease: string;
  browsers: string;
  retention: string;
  artifacts: string;
}

/** Pruning runs this often; retention is counted in days, so hourly is plenty. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

interface ApplyCliOptions extends DbOptions {
  file: string;
  dryRun?: boolean;
  prune?: boolean;
}

function formatPlan(plan: PlanStep[], dryRun: boolean): string {
  const changed = plan.filter((p) => p.action !== 'unchanged');
  const rows = plan.map((p) => [p.action, p.kind, p.id, p.changes?.join(', ') ?? '']);
  return `${formatTable(['ACTION', 'KIND', 'ID', 'CHANGES'], rows)}${dryRun ? 'dry run: nothing written' : `${changed.length} change(s) applied`}\n`;
}

async function serve(opts: ServeOptions, ctx: CliContext): Promise<void> {
  const slots = Number(opts.slots);
  if (!/^\d+$/.test(opts.slots) || slots < 1 || slots > 10_000) throw new UsageError(`--slots must be a whole number from 1 to 10000, got ${JSON.stringify(opts.slots)}`);
  const graceMs = parseDuration(opts.grace, '--grace');
  const leaseMs = parseDuration(opts.lease, '--lease');
  if (leaseMs < 1000) throw new UsageError(`--lease must be at least 1s, got ${opts.lease}`);
  const browsers = Number(opts.browsers);
  if (!/^\d+$/.test(opts.browsers) || browsers < 1 || browsers > 64) throw new UsageError(`--browsers must be a whole number from 1 to 64, got ${JSON.stringify(opts.browsers)}`);
  const retentionMs = parseDuration(opts.retention, '--retention');
  const config = opts.config ? loadConfigFile(opts.config) : undefined;

  const logger = createLogger();
  const clock = new SystemClock();
  const store = await openStore(opts.db);
  const artifacts = new FileArtifactStore(opts.artifacts);
  const pool = new LazyBrowserPool(() => new BrowserPool({ logger, clock, browsers }));
  const runners = defaultRunners({ store, clock, pool });
  if (config) {
    const plan = await applyConfig(store, config, { orgId: DEFAULT_ORG, runners, now: clock.now() }, opts.config);
    logger.info({ changes: plan.filter((p) => p.action !== 'unchanged') }, `applied ${opts.config}`);
  }
  const engine = new Engine({ store, clock, logger, runners, slots, leaseMs, artifacts, onNextDue: (at) => pool.prewarm(1, at) });
  engine.start();
  const stopPruning = new AbortController();
  const pruning = runRetentionJob({ store, artifacts, clock, log: logger }, { retentionMs, everyMs: PRUNE_EVERY_MS }, stopPruning.signal);
  logger.info({ db: redactUrl(opts.db), slots, pid: process.pid }, 'agentcron serving');
  ctx.stderr(`agentcron serving (db ${redactUrl(opts.db)}, ${slots} slots); Ctrl-C to stop\n`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now; live attempts will be retried after their leases expire');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping');
      stopPruning.abort();
      engine
        .shutdown(graceMs)
        .then(() => pool.close())
        .then(() => pruning)
        .then(() => store.close())
        .then(() => logger.flush())
        .finally(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

function redactUrl(target: string): string {
  return target.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
