import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { sleepUnlessWoken, type Clock } from '../clock.js';
import { yieldToEventLoop } from './event-loop.js';
import { planCatchup } from '../policy/catchup.js';
import { decideOverlap, type ActiveRun } from '../policy/overlap.js';
import { resolvePolicies, type ResolvedPolicies } from '../policy/schedule.js';
import { jitteredTime, nextOccurrence, occurrencesBetween, parseSpec, periodOf, type Spec } from '../spec/index.js';
import { newId } from '../store/ids.js';
import type { NewRun, Store } from '../store/store.js';
import type { Instant, Run, Schedule } from '../store/types.js';
import type { SchedulerMetrics } from '../telemetry/metrics.js';
import { inSpan, traceQueuedRuns, tracingActive } from '../telemetry/spans.js';
import { cancelledAt } from './operations.js';

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Schedules handled per query of due work. */
  batchSize?: number;
  /** Occurrences turned into rows per schedule per transaction (bounds a long outage's catch-up). */
  chunkSize?: number;
  /** Longest sleep between ticks: a bound on how long a schedule created elsewhere waits. */
  maxSleepMs?: number;
  /** Called after a tick queued runs, so a worker in the same process claims them at once. */
  onQueued?: () => void;
  /** Called with the next due instant after each tick (the browser pool pre-warms contexts for it). */
  onNextDue?: (at: Instant) => void;
  /** Schedules fired at once (default: 8 on PostgreSQL, 1 on SQLite). */
  parallelism?: number;
  /** Told about every tick that found work (docs/observability.md). */
  metrics?: SchedulerMetrics | null;
}

export interface TickResult {
  schedules: number;
  /** Schedules that could not fire (they stay due). */
  errors: number;
  queued: number;
  skipped: number;
  missed: number;
}

class CursorMoved extends Error {}

/** The key that makes a scheduled run findable by its occurrence. */
export function occurrenceKey(scheduleId: string, nominal: number): string {
  return `${scheduleId}@${new Date(nominal).toISOString()}`;
}

/**
 * Turns due occurrences into runs (DESIGN.md invariants 1–2). Each schedule's occurrences are
 * inserted and its cursor advanced in one transaction guarded by the cursor value the tick read,
 * so a crash at any point or a second scheduler cannot create a second run or skip one.
 */
export class Scheduler {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly batchSize: number;
  private readonly chunkSize: number;
  private readonly maxSleepMs: number;
  private readonly onQueued: () => void;
  private readonly onNextDue: (at: Instant) => void;
  private readonly parallelism: number;
  private readonly metrics: SchedulerMetrics | null;
  private wakeController = new AbortController();

  constructor(options: SchedulerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.log = options.logger;
    this.batchSize = options.batchSize ?? 200;
    this.chunkSize = options.chunkSize ?? 1000;
    this.maxSleepMs = options.maxSleepMs ?? 5_000;
    this.onQueued = options.onQueued ?? (() => {});
    this.onNextDue = options.onNextDue ?? (() => {});
    this.parallelism = Math.max(1, options.parallelism ?? (options.store.dialect === 'postgres' ? 8 : 1));
    this.metrics = options.metrics ?? null;
  }

  /** Interrupts the sleep between ticks, e.g. after a schedule was created or resumed. */
  wake(): void {
    this.wakeController.abort();
  }

  /**
   * Fires everything due now. Returns when no schedule is due. A tick that finds nothing due
   * (most of them) leaves no span and no metric.
   */
  async tick(signal?: AbortSignal): Promise<TickResult> {
    const now = this.clock.now();
    const due = await this.store.schedules.due(now, this.batchSize);
    if (due.length === 0) return { schedules: 0, errors: 0, queued: 0, skipped: 0, missed: 0 };
    const started = performance.now();
    const result = await inSpan('agentcron.tick', {}, async (span) => {
      const fired = await this.fireDue(now, due, signal);
      span.setAttributes({ 'tick.schedules': fired.schedules, 'tick.errors': fired.errors, 'tick.queued': fired.queued, 'tick.skipped': fired.skipped, 'tick.missed': fired.missed });
      return fired;
    });
    this.metrics?.tickFinished((performance.now() - started) / 1000, result);
    return result;
  }

  /** Fires `due` (read at `now`), then whatever else is due, until nothing is. */
  private async fireDue(firstNow: number, firstDue: Schedule[], signal?: AbortSignal): Promise<TickResult> {
    const result: TickResult = { schedules: 0, errors: 0, queued: 0, skipped: 0, missed: 0 };
    let now = firstNow;
    let due = firstDue;
    for (;;) {
      if (due.length === 0) return result;
      let progressed = false;
      // Fires of different schedules are independent transactions: on PostgreSQL several run at
      // once over the pool (each is a few round trips); SQLite has one writer, so one at a time.
      for (let i = 0; i < due.length; i += this.parallelism) {
        // Stop promptly on shutdown, and let timers, heartbeats and signals run between fires:
        // with a synchronous driver (SQLite) a long tick would otherwise hold the event loop.
        if (signal?.aborted) return result;
        await yieldToEventLoop();
        const group = due.slice(i, i + this.parallelism);
        const queuedBefore = result.queued;
        const outcomes = await Promise.allSettled(group.map((schedule) => this.fireSchedule(schedule, now)));
        outcomes.forEach((outcome, j) => {
          if (outcome.status === 'rejected') {
            result.errors++;
            this.log.error({ err: outcome.reason, scheduleId: group[j]!.id }, 'schedule could not fire; it stays due and is retried next tick');
            return;
          }
          const fired = outcome.value;
          if (!fired) return;
          progressed = true;
          result.schedules++;
          result.queued += fired.queued;
          result.skipped += fired.skipped;
          result.missed += fired.missed;
        });
        if (result.queued > queuedBefore) this.onQueued();
      }
      // Another scheduler took all of them, or all failed: don't spin, the loop sleeps next.
      if (!progressed) return result;
      now = this.clock.now();
      due = await this.store.schedules.due(now, this.batchSize);
    }
  }

  /** Runs ticks until aborted, sleeping until the next due instant. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // A fresh wake signal before ticking: a wake() during the tick cuts the next sleep short.
      this.wakeController = new AbortController();
      const woken = this.wakeController.signal;
      let failing = false;
      try {
        failing = (await this.tick(signal)).errors > 0;
      } catch (error) {
        failing = true;
        this.log.error({ err: error }, 'scheduler tick failed');
      }
      const next = await this.store.schedules.nextDueAt().catch((error: unknown) => {
        this.log.error({ err: error }, 'could not read the next due time; sleeping the longest interval');
        failing = true;
        return null;
      });
      if (next !== null) this.onNextDue(next);
      // Read after the query: time passes while it runs, and the sleep starts from now.
      const now = this.clock.now();
      // A schedule that cannot fire stays due; back off instead of spinning on it.
      const sleepMs = failing
        ? this.maxSleepMs
        : Math.min(this.maxSleepMs, next === null ? this.maxSleepMs : Math.max(0, next - now));
      await sleepUnlessWoken(this.clock, sleepMs, signal, woken);
    }
  }

  /**
   * Handles one chunk of a schedule's due occurrences. Returns null when another scheduler
   * moved the cursor first (nothing was written).
   */
  private fireSchedule(schedule: Schedule, now: number) {
    return inSpan('agentcron.schedule.fire', { attributes: { 'schedule.id': schedule.id, 'org.id': schedule.orgId } }, async (span) => {
      const fired = await this.fireOccurrences(schedule, now);
      if (fired === null) span.setAttribute('schedule.fired', false);
      else span.setAttributes({ 'schedule.fired': true, 'runs.queued': fired.queued, 'runs.skipped': fired.skipped, 'runs.missed': fired.missed });
      return fired;
    });
  }

  private async fireOccurrences(schedule: Schedule, now: number) {
    const cursor = schedule.nextNominalTime;
    if (cursor === null) return null;
    const spec = parseSpec(schedule.spec);
    const policies = resolvePolicies(schedule.policies, periodOf(spec, cursor));
    const oldestRunnable = now - policies.catchup.windowMs;

    // Occurrences too old for the catch-up window are recorded as missed in chunks, without
    // planning, so a week-long outage of a per-second schedule stays bounded per transaction.
    const staleEnd = Math.min(oldestRunnable, now + 1);
    const stale = cursor < staleEnd ? occurrencesBetween(spec, cursor, staleEnd, this.chunkSize) : { occurrences: [], truncated: false };
    // The fresh part is planned in the same call, so a scheduler that keeps falling behind
    // still runs each schedule's latest occurrence instead of only recording misses.
    const runnable = stale.truncated
      ? []
      : occurrencesBetween(spec, Math.max(cursor, staleEnd), now + 1, this.chunkSize).occurrences.map((o) => o.nominal);
    const nominals = [...stale.occurrences.map((o) => o.nominal), ...runnable];
    const last = nominals.at(-1);
    const nextCursor = last === undefined ? (nextOccurrence(spec, now)?.nominal ?? null) : (nextOccurrence(spec, last)?.nominal ?? null);
    const plan = planCatchup({
      policy: policies.catchup.policy,
      windowMs: policies.catchup.windowMs,
      bufferLimit: policies.catchup.bufferLimit,
      due: runnable,
      now,
    });
    const runnableSet = new Set(plan.run);
    const missed = nominals
      .filter((n) => !runnableSet.has(n))
      .map((n) => ({ nominal: n, reason: plan.missed.find((m) => m.nominal === n)?.reason ?? `outside the catch-up window of ${policies.catchup.windowMs} ms` }));

    // remaining-runs counts occurrences that are run, not those recorded as missed.
    let remaining = schedule.remainingRuns;
    const toRun = plan.run.filter(() => (remaining === null ? true : remaining-- > 0));
    const exhausted = remaining !== null && remaining <= 0;

    const firing = this.store.transaction(async (tx) => {
      const template = await tx.templates.get(schedule.orgId, schedule.templateId, schedule.templateVersion ?? undefined);
      if (!template) throw new Error(`template ${schedule.templateId} (version ${schedule.templateVersion ?? 'latest'}) not found`);
      const active: ActiveRun[] = (await tx.runs.active(schedule.orgId, schedule.id)).map((r) => ({
        id: r.id,
        status: r.status === 'running' ? 'running' : 'queued',
      }));
      const runs: NewRun[] = missed.map(({ nominal, reason }) => this.newRun(schedule, template.version, spec, policies, nominal, 'missed', reason));
      let queued = 0;
      let skipped = 0;
      const cancelled: Run[] = [];
      for (const nominal of toRun) {
        const decision = decideOverlap(policies.overlap, active);
        if (decision.action === 'skip') {
          runs.push(this.newRun(schedule, template.version, spec, policies, nominal, 'skipped', decision.reason));
          skipped++;
          continue;
        }
        if ('cancel' in decision) {
          for (const id of decision.cancel) {
            const after = await tx.runs.cancel(schedule.orgId, id, `overlap policy cancel_other: superseded by the occurrence at ${new Date(nominal).toISOString()}`, now);
            if (cancelledAt(after, now)) cancelled.push(after);
          }
          active.length = 0;
        }
        const run = this.newRun(schedule, template.version, spec, policies, nominal, 'queued', null);
        runs.push(run);
        active.push({ id: run.id!, status: 'queued' });
        queued++;
      }
      runs.sort((a, b) => a.nominalTime - b.nominalTime);
      const { fired } = await tx.schedules.fire(
        {
          orgId: schedule.orgId,
          scheduleId: schedule.id,
          expectedCursor: cursor,
          runs,
          nextCursor: exhausted ? null : nextCursor,
          remainingRuns: remaining,
        },
        now,
      );
      // Another scheduler moved the cursor first: undo everything this tick did (cancels too).
      if (!fired) throw new CursorMoved();
      // Each queued run's span is the parent of its attempts and deliveries, wherever they run.
      if (tracingActive()) {
        const queuedRuns = runs.filter((r) => r.status === 'queued').map((r) => ({ ...r, id: r.id!, scheduleId: schedule.id }));
        await traceQueuedRuns(tx, queuedRuns, now);
      }
      if (runs.length > 0) {
        this.log.info({ scheduleId: schedule.id, queued, skipped, missed: missed.length, nextCursor }, 'schedule fired');
      }
      return { queued, skipped, missed: missed.length, cancelled };
    });
    try {
      const fired = await firing;
      // Counted once committed: a cursor moved by another scheduler rolls the cancels back.
      for (const run of fired.cancelled) this.metrics?.runFinished(run);
      return fired;
    } catch (error) {
      if (error instanceof CursorMoved) return null;
      throw error;
    }
  }

  private newRun(
    schedule: Schedule,
    templateVersion: number,
    spec: Spec,
    policies: ResolvedPolicies,
    nominal: number,
    status: 'queued' | 'skipped' | 'missed',
    reason: string | null,
  ): NewRun {
    return {
      id: newId(),
      orgId: schedule.orgId,
      scheduleId: schedule.id,
      templateId: schedule.templateId,
      templateVersion,
      params: schedule.params,
      nominalTime: nominal,
      trigger: 'schedule',
      status,
      reason,
      idempotencyKey: occurrenceKey(schedule.id, nominal),
      maxAttempts: policies.retry.maxAttempts,
      availableAt: jitteredTime(spec, schedule.id, nominal),
      concurrencyKey: schedule.id,
      concurrencyLimit: policies.concurrency,
    };
  }
}
