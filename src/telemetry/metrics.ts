/**
 * Prometheus metrics of one `agentcron serve` process (docs/observability.md). Each Metrics owns
 * its own registry, so tests can build several; engine code is told about events through the
 * small observer interfaces below and works the same when none is given.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Delivery, Run } from '../store/types.js';

/**
 * How an attempt ended, as this node's worker saw it: its own attempts end succeeded, failed,
 * timed_out, lease_lost (stopped: cancelled or its lease taken), released (shutdown) or rejected
 * (result fenced out); `expired` counts attempts of any node whose lease this node expired.
 */
export type AttemptOutcomeLabel = 'succeeded' | 'failed' | 'timed_out' | 'lease_lost' | 'released' | 'rejected' | 'expired';

/** Why the browser pool replaced a browser. */
export type RecycleReason = 'max_sessions' | 'memory' | 'context_close_timeout' | 'crashed';

export interface RunMetrics {
  /** A run became terminal in a transaction that committed. */
  runFinished(run: Run): void;
}

/** Also told about runs an overlap policy `cancel_other` cancelled (after the tick's transaction). */
export interface SchedulerMetrics extends RunMetrics {
  /** One tick that found work, with how long it took (seconds) and how many runs it recorded as skipped or missed. */
  tickFinished(seconds: number, recorded: { skipped: number; missed: number }): void;
}

export interface WorkerMetrics extends RunMetrics {
  /** A claimed attempt began; the first attempt of a scheduled run gives its start lateness. */
  attemptStarted(run: Run, attempt: number, startedAt: number): void;
  attemptFinished(outcome: AttemptOutcomeLabel): void;
}

export interface RelayMetrics {
  /** One recorded send: delivered, retry (will be tried again) or dead. */
  deliveryRecorded(delivery: Delivery, destinationType: string, outcome: 'delivered' | 'retry' | 'dead', now: number): void;
}

export interface BrowserPoolMetrics {
  browserRecycled(reason: RecycleReason): void;
}

/** What the browser pool reports at scrape time (BrowserPool.stats()). */
export interface PoolGauges {
  browsers: number;
  live: number;
  warm: number;
  rssBytes: number;
}

export interface MetricsOptions {
  store: Store;
  clock: Clock;
  /** The pool's numbers now, or null when no browser was started (LazyBrowserPool). */
  pool?: () => PoolGauges | null;
  /** Node.js process metrics (CPU, memory, event loop lag, GC), prefixed `agentcron_` (default true). */
  defaultMetrics?: boolean;
}

const PREFIX = 'agentcron_';
/** Runs last from a second (http checks) to many minutes (agents). */
const RUN_SECONDS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** A healthy node starts runs well within a second of their time; an overloaded one minutes late. */
const LATENESS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
/** From an event to its delivery: immediate, or hours along the retry schedule. */
const DELIVERY_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36_000, 86_400];
const TICK_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics implements SchedulerMetrics, WorkerMetrics, RelayMetrics, BrowserPoolMetrics {
  readonly registry = new Registry();
  private readonly runsFinished: Counter<'status' | 'trigger'>;
  private readonly runDuration: Histogram<'status'>;
  private readonly startLateness: Histogram;
  private readonly attempts: Counter<'outcome'>;
  private readonly deliveries: Counter<'outcome' | 'destination_type'>;
  private readonly deliveryLatency: Histogram<'destination_type'>;
  private readonly ticks: Counter;
  private readonly tickDuration: Histogram;
  private readonly recycles: Counter<'reason'>;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    const { store, clock } = options;
    this.runsFinished = new Counter({
      name: `${PREFIX}runs_finished_total`,
      help: 'Runs that reached a terminal status, by status and trigger.',
      labelNames: ['status', 'trigger'],
      registers,
    });
    this.runDuration = new Histogram({
      name: `${PREFIX}run_duration_seconds`,
      help: 'Time from a run\'s first start to its terminal status, by status.',
      labelNames: ['status'],
      buckets: RUN_SECONDS,
      registers,
    });
    this.startLateness = new Histogram({
      name: `${PREFIX}run_start_lateness_seconds`,
      help: 'Scheduled runs: first attempt start minus the occurrence\'s nominal time.',
      buckets: LATENESS_SECONDS,
      registers,
    });
    this.attempts = new Counter({
      name: `${PREFIX}attempts_total`,
      help: 'Attempts that ended on this node, by outcome.',
      labelNames: ['outcome'],
      registers,
    });
    this.deliveries = new Counter({
      name: `${PREFIX}deliveries_total`,
      help: 'Delivery sends recorded by this node, by outcome (delivered, retry, dead) and destination type.',
      labelNames: ['outcome', 'destination_type'],
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: `${PREFIX}delivery_latency_seconds`,
      help: 'From the event\'s creation (the run finishing) to its delivery, by destination type.',
      labelNames: ['destination_type'],
      buckets: DELIVERY_SECONDS,
      registers,
    });
    this.ticks = new Counter({ name: `${PREFIX}scheduler_ticks_total`, help: 'Scheduler ticks that found due schedules.', registers });
    this.tickDuration = new Histogram({
      name: `${PREFIX}scheduler_tick_duration_seconds`,
      help: 'Wall time of scheduler ticks that found due schedules.',
      buckets: TICK_SECONDS,
      registers,
    });
    this.recycles = new Counter({
      name: `${PREFIX}browser_recycles_total`,
      help: 'Browsers the pool replaced, by reason.',
      labelNames: ['reason'],
      registers,
    });

    // Gauges read at scrape time: the database is the truth shared by every node.
    const databaseGauge = (name: string, help: string, read: () => Promise<number>) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        registers,
        async collect() {
          this.set(await read());
        },
      });
    // Both run gauges come from one count per scrape: the first collect reads, the second reuses it.
    let liveCounts: ReturnType<typeof store.runs.liveCounts> | null = null;
    const sharedLiveCounts = () => {
      if (!liveCounts) {
        liveCounts = store.runs.liveCounts(clock.now());
        void liveCounts.finally(() => queueMicrotask(() => (liveCounts = null))).catch(() => {});
      }
      return liveCounts;
    };
    databaseGauge('runs_queued', 'Queued runs that are due now (queue depth), across the database.', async () => (await sharedLiveCounts()).queuedDue);
    databaseGauge('runs_active', 'Runs with a live attempt, across the database.', async () => (await sharedLiveCounts()).running);
    databaseGauge('incidents_open', 'Open incidents, across the database.', () => store.incidents.countOpen());
    const pool = options.pool ?? (() => null);
    const poolGauge = (name: string, help: string, read: (g: PoolGauges) => number) =>
      new Gauge({
        name: `${PREFIX}${name}`,
        help,
        registers,
        collect() {
          const stats = pool();
          this.set(stats === null ? 0 : read(stats));
        },
      });
    poolGauge('browser_sessions', 'Browser contexts in use by attempts on this node.', (s) => s.live - s.warm);
    poolGauge('browser_warm_contexts', 'Pre-warmed browser contexts waiting for an attempt.', (s) => s.warm);
    poolGauge('browsers', 'Chromium processes the pool runs.', (s) => s.browsers);
    poolGauge('browser_rss_bytes', 'Resident memory of the pool\'s Chromium process trees.', (s) => s.rssBytes);

    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  tickFinished(seconds: number, recorded: { skipped: number; missed: number }): void {
    this.ticks.inc();
    this.tickDuration.observe(seconds);
    // Skipped and missed runs are terminal from the start; the scheduler writes them.
    if (recorded.skipped > 0) this.runsFinished.inc({ status: 'skipped', trigger: 'schedule' }, recorded.skipped);
    if (recorded.missed > 0) this.runsFinished.inc({ status: 'missed', trigger: 'schedule' }, recorded.missed);
  }

  attemptStarted(run: Run, attempt: number, startedAt: number): void {
    if (attempt === 1 && run.trigger === 'schedule') this.startLateness.observe(Math.max(0, startedAt - run.nominalTime) / 1000);
  }

  attemptFinished(outcome: AttemptOutcomeLabel): void {
    this.attempts.inc({ outcome });
  }

  runFinished(run: Run): void {
    this.runsFinished.inc({ status: run.status, trigger: run.trigger });
    if (run.startedAt !== null && run.finishedAt !== null) this.runDuration.observe({ status: run.status }, Math.max(0, run.finishedAt - run.startedAt) / 1000);
  }

  deliveryRecorded(delivery: Delivery, destinationType: string, outcome: 'delivered' | 'retry' | 'dead', now: number): void {
    this.deliveries.inc({ outcome, destination_type: destinationType });
    if (outcome === 'delivered') this.deliveryLatency.observe({ destination_type: destinationType }, Math.max(0, now - delivery.createdAt) / 1000);
  }

  browserRecycled(reason: RecycleReason): void {
    this.recycles.inc({ reason });
  }
}
