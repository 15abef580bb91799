import type { Logger } from 'pino';
import { sleepUnlessWoken, type Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { WorkerMetrics } from '../telemetry/metrics.js';
import { startDueProbes } from './breaker.js';
import { renotifyOpenIncidents } from './health.js';
import { markMissedRuns } from './missed.js';
import { recordAlive } from './outage.js';

export interface HealthMonitorOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** How often to look for missed runs, due probes and re-notifications, and to write the heartbeat. */
  intervalMs?: number;
  /** Called after probe runs were queued, so a worker in the same process claims them at once. */
  onQueued?: () => void;
  /** Told about runs it marks missed (they never reach a worker). */
  metrics?: Pick<WorkerMetrics, 'runFinished'> | null;
}

export interface MonitorTick {
  missed: number;
  probes: number;
  renotified: number;
}

/**
 * The time-driven half of health (the other half runs with each finished run): writes the
 * node's heartbeat for outage detection, marks runs that never started as missed, starts
 * circuit-breaker probes whose cooldown passed, and re-notifies open incidents.
 */
export class HealthMonitor {
  private readonly intervalMs: number;
  /** The first tick's instant: missed-run grace is never counted from before it. */
  private startedAt: number | null = null;

  constructor(private readonly options: HealthMonitorOptions) {
    this.intervalMs = options.intervalMs ?? 5_000;
  }

  async tick(): Promise<MonitorTick> {
    const { store, clock } = this.options;
    this.startedAt ??= clock.now();
    await recordAlive(store, clock.now());
    const missed = await markMissedRuns(store, clock.now(), { notBefore: this.startedAt });
    const probes = await startDueProbes(store, clock.now());
    if (probes.length > 0) this.options.onQueued?.();
    const renotified = await renotifyOpenIncidents(store, clock.now());
    for (const run of missed) {
      this.options.metrics?.runFinished(run);
      this.options.logger.warn({ runId: run.id, scheduleId: run.scheduleId, reason: run.reason }, 'run missed');
    }
    for (const probe of probes) this.options.logger.info(probe, 'circuit breaker: probe run queued');
    return { missed: missed.length, probes: probes.length, renotified };
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (error) {
        this.options.logger.error({ err: error }, 'health monitor tick failed');
      }
      await sleepUnlessWoken(this.options.clock, this.intervalMs, signal);
    }
  }
}
