import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ArtifactStore } from '../runtime/artifacts.js';
import type { TemplateRunner } from '../runtime/runner.js';
import type { Instant } from '../store/types.js';
import type { Store } from '../store/store.js';
import { HealthMonitor } from '../alerts/monitor.js';
import { combineListeners, healthListener } from '../alerts/listener.js';
import type { SchedulerMetrics, WorkerMetrics } from '../telemetry/metrics.js';
import { Scheduler } from './scheduler.js';
import { Worker, type RunFinishListener } from './worker.js';

export interface EngineOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  runners: readonly TemplateRunner[];
  slots?: number;
  leaseMs?: number;
  pollMs?: number;
  workerId?: string;
  /** Told, inside the same transaction, when a run becomes terminal (e.g. the delivery outbox); health always is, after it. */
  onRunFinished?: RunFinishListener;
  /** How often the health monitor looks for missed runs, due probes and re-notifications. */
  monitorIntervalMs?: number;
  /** Where attempts' artifacts go (traces, screenshots); without one they are not kept. */
  artifacts?: ArtifactStore | null;
  /**
   * Told the next instant a schedule is due after every scheduler tick, so the browser pool
   * can pre-warm contexts for it (BrowserPool.prewarm).
   */
  onNextDue?: (at: Instant) => void;
  /** Told about ticks, attempts and finished runs (src/telemetry/metrics.ts); nothing is counted without one. */
  metrics?: (SchedulerMetrics & WorkerMetrics) | null;
}

/** One agentcron node: a scheduler and a worker sharing a store. Any number may share PostgreSQL. */
export class Engine {
  readonly scheduler: Scheduler;
  readonly worker: Worker;
  readonly monitor: HealthMonitor;
  private readonly stop = new AbortController();
  private loops: Promise<unknown> | null = null;

  constructor(private readonly options: EngineOptions) {
    const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
    this.worker = new Worker({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      runners: options.runners,
      workerId,
      ...(options.slots !== undefined ? { slots: options.slots } : {}),
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      onRunFinished: combineListeners(...[options.onRunFinished, healthListener, metricsListener(options.metrics)].filter((l): l is RunFinishListener => !!l)),
      artifacts: options.artifacts ?? null,
      metrics: options.metrics ?? null,
    });
    this.scheduler = new Scheduler({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      onQueued: () => this.worker.wake(),
      ...(options.onNextDue ? { onNextDue: options.onNextDue } : {}),
      metrics: options.metrics ?? null,
    });
    this.monitor = new HealthMonitor({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      onQueued: () => this.worker.wake(),
      ...(options.monitorIntervalMs !== undefined ? { intervalMs: options.monitorIntervalMs } : {}),
      metrics: options.metrics ?? null,
    });
  }

  start(): void {
    if (this.loops) return;
    this.loops = Promise.all([this.scheduler.run(this.stop.signal), this.worker.run(this.stop.signal), this.monitor.run(this.stop.signal)]);
  }

  /** Stops scheduling and claiming; live attempts get `graceMs` to finish, the rest are released. */
  async shutdown(graceMs: number): Promise<void> {
    this.options.logger.info({ graceMs, active: this.worker.activeAttempts }, 'shutting down');
    this.stop.abort();
    await this.worker.shutdown(graceMs);
    await this.loops;
  }
}

/** Counts runs once the transaction that made them terminal has committed. */
function metricsListener(metrics: WorkerMetrics | null | undefined): RunFinishListener | null {
  if (!metrics) return null;
  return { onTerminal: async () => {}, afterCommit: (run) => metrics.runFinished(run) };
}
