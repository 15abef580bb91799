import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { sleepUnlessWoken, type Clock } from '../clock.js';
import { yieldToEventLoop } from './event-loop.js';
import { decideRetry } from '../policy/retry.js';
import { resolvePolicies, type ResolvedPolicies } from '../policy/schedule.js';
import { RunFailure, toErrorRecord } from '../runtime/failure.js';
import { saveArtifact, type ArtifactStore } from '../runtime/artifacts.js';
import type { AttemptContext, TemplateRunner } from '../runtime/runner.js';
import type { AttemptOutcome, ClaimedRun, Store } from '../store/store.js';
import { TERMINAL_RUN_STATUSES, type Json, type Run, type TemplateKind } from '../store/types.js';
import type { AttemptOutcomeLabel, WorkerMetrics } from '../telemetry/metrics.js';
import { inSpan, recordError, runAttributes, runTraceContext, SpanKind } from '../telemetry/spans.js';

/** Hooks around a run becoming terminal; the delivery outbox uses them (DESIGN.md invariant 4). */
export interface RunFinishListener {
  /** Called inside the transaction that makes the run terminal: throwing rolls that back too. */
  onTerminal(tx: Store, run: Run, now: number): Promise<void>;
  /** Called once that transaction has committed. */
  afterCommit?(run: Run): void;
}

export interface WorkerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  runners: readonly TemplateRunner[];
  /** Identifies this process in attempt rows. */
  workerId: string;
  /** Attempts this worker runs at once (global worker-slot limit of the node). */
  slots?: number;
  leaseMs?: number;
  /** How often to look for work when nothing woke the worker. */
  pollMs?: number;
  random?: () => number;
  /** Told when a run this worker completes, or whose lease it expires, becomes terminal. */
  onRunFinished?: RunFinishListener | null;
  /** Where attempts' artifacts (traces, screenshots) go; without one they are not kept. */
  artifacts?: ArtifactStore | null;
  /** Told when attempts start and end (docs/observability.md); runs finishing reach it through onRunFinished. */
  metrics?: WorkerMetrics | null;
}

/** Why an attempt's signal was aborted. */
class DeadlineExceeded extends Error {
  constructor(readonly deadline: number) {
    super(`run deadline ${new Date(deadline).toISOString()} passed`);
  }
}
class LeaseLost extends Error {
  constructor() {
    super('the attempt lost its lease (cancelled, expired or taken over)');
  }
}
class Released extends Error {
  constructor() {
    super('released on shutdown');
  }
}

interface LiveAttempt {
  runId: string;
  attempt: number;
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Claims queued runs and carries out their attempts (DESIGN.md invariant 3): each attempt holds
 * a lease renewed by heartbeat; an attempt that lost its lease stops and cannot write its result.
 */
export class Worker {
  private readonly opts: Required<Omit<WorkerOptions, 'artifacts' | 'metrics'>>;
  private readonly artifacts: ArtifactStore | null;
  private readonly metrics: WorkerMetrics | null;
  private readonly runners: Map<TemplateKind, TemplateRunner>;
  private readonly live = new Map<string, LiveAttempt>();
  private wakeController = new AbortController();
  private claiming = true;

  constructor(options: WorkerOptions) {
    this.opts = { slots: 4, leaseMs: 30_000, pollMs: 1_000, random: Math.random, onRunFinished: null, ...options };
    this.runners = new Map(options.runners.map((r) => [r.kind, r]));
    this.artifacts = options.artifacts ?? null;
    this.metrics = options.metrics ?? null;
  }

  get activeAttempts(): number {
    return this.live.size;
  }

  wake(): void {
    this.wakeController.abort();
  }

  /** Resolves when every attempt started so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.live.size > 0) await Promise.all([...this.live.values()].map((l) => l.done));
  }

  /** Claims and starts as many runs as free slots allow; returns how many started. */
  async poll(): Promise<number> {
    const { store, clock } = this.opts;
    const now = clock.now();
    const expired = await this.expireLeases(now);
    for (const e of expired) {
      this.metrics?.attemptFinished('expired');
      this.opts.logger.warn({ runId: e.runId, attempt: e.attempt, requeued: e.requeued }, 'attempt lease expired: marked lost');
    }
    const free = this.opts.slots - this.live.size;
    if (!this.claiming || free <= 0) return 0;
    const claimed = await store.runs.claim({ workerId: this.opts.workerId, limit: free, leaseMs: this.opts.leaseMs }, now);
    for (const c of claimed) this.start(c);
    return claimed.length;
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.claiming) {
      // A fresh wake signal before polling: a wake() during the poll cuts the next sleep short.
      this.wakeController = new AbortController();
      const woken = this.wakeController.signal;
      await yieldToEventLoop();
      try {
        await this.poll();
      } catch (error) {
        this.opts.logger.error({ err: error }, 'worker poll failed');
      }
      await sleepUnlessWoken(this.opts.clock, this.opts.pollMs, signal, woken);
    }
  }

  /**
   * Graceful shutdown: stop claiming, let live attempts finish within `graceMs`, then release the
   * rest so another node (or the next start) retries them.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.claiming = false;
    this.wake();
    const all = Promise.all([...this.live.values()].map((l) => l.done));
    const ac = new AbortController();
    const timedOut = await Promise.race([
      all.then(() => false),
      this.opts.clock.sleep(graceMs, ac.signal).then(() => true, () => false),
    ]);
    ac.abort();
    if (timedOut) {
      for (const l of this.live.values()) l.abort.abort(new Released());
      await all;
    }
  }

  private start(claimed: ClaimedRun): void {
    const abort = new AbortController();
    this.metrics?.attemptStarted(claimed.run, claimed.attempt.number, claimed.attempt.startedAt);
    const entry: LiveAttempt = { runId: claimed.run.id, attempt: claimed.attempt.number, abort, done: Promise.resolve() };
    entry.done = this.execute(claimed, abort)
      .catch((error) => this.opts.logger.error({ err: error, runId: claimed.run.id }, 'attempt bookkeeping failed'))
      .finally(() => {
        this.live.delete(claimed.run.id);
        this.wake();
      });
    this.live.set(claimed.run.id, entry);
  }

  /** One attempt in its span: a child of the run's span (queued by a tick) or, without one, a new trace. */
  private async execute(claimed: ClaimedRun, abort: AbortController): Promise<void> {
    const { run, attempt } = claimed;
    const parent = await runTraceContext(this.opts.store, run.id);
    const attributes = { ...runAttributes(run), attempt: attempt.number };
    await inSpan('agentcron.attempt', { kind: SpanKind.CONSUMER, attributes, parent }, async (span) => {
      const outcome = await this.attempt(claimed, abort, span);
      span.setAttribute('status', outcome);
      this.metrics?.attemptFinished(outcome);
    });
  }

  private async attempt({ run, attempt }: ClaimedRun, abort: AbortController, span: Span): Promise<AttemptOutcomeLabel> {
    const { store, clock } = this.opts;
    const log = this.opts.logger.child({ runId: run.id, scheduleId: run.scheduleId, attempt: attempt.number });
    const policies = await this.policiesFor(run.orgId, run.scheduleId);
    const deadline = run.deadline ?? (run.startedAt ?? attempt.startedAt) + policies.timeoutMs;
    const stopTimers = new AbortController();

    // Deadline and heartbeat run on the injected clock so tests can drive them.
    void clock.sleep(deadline - clock.now(), stopTimers.signal).then(
      () => abort.abort(new DeadlineExceeded(deadline)),
      () => undefined,
    );
    void (async () => {
      const every = Math.max(10, Math.floor(this.opts.leaseMs / 3));
      while (!stopTimers.signal.aborted) {
        await clock.sleep(every, stopTimers.signal);
        const alive = await store.runs.heartbeat(run.id, attempt.number, this.opts.leaseMs, clock.now()).catch(() => true);
        if (!alive) abort.abort(new LeaseLost());
      }
    })().catch(() => undefined);

    let output: Json | undefined;
    let failure: unknown;
    try {
      const template = await store.templates.get(run.orgId, run.templateId, run.templateVersion);
      if (!template) throw new RunFailure(`template ${run.templateId} v${run.templateVersion} not found`, { kind: 'config', retryable: false });
      const runner = this.runners.get(template.kind);
      if (!runner) throw new RunFailure(`no runner for template kind ${template.kind} on this node`, { kind: 'config', retryable: false });
      log.info({ templateId: run.templateId, kind: template.kind }, 'attempt started');
      const context: AttemptContext = {
        runId: run.id,
        attempt: attempt.number,
        orgId: run.orgId,
        scheduleId: run.scheduleId,
        templateId: run.templateId,
        templateVersion: template.version,
        nominalTime: run.nominalTime,
        trigger: run.trigger,
        params: run.params,
        profile: run.profile,
        deadline,
        signal: abort.signal,
        log,
        recordBrowserTime: (ms) => store.runs.addBrowserTime(run.id, attempt.number, ms),
        saveArtifact: async (artifact) => {
          if (!this.artifacts) return log.debug({ name: artifact.name }, 'no artifact store configured: artifact not kept');
          await saveArtifact({ store, artifacts: this.artifacts }, { orgId: run.orgId, runId: run.id, attempt: attempt.number }, artifact, clock.now());
        },
      };
      output = await abortable(runner.run(template.definition, context), abort.signal);
    } catch (error) {
      failure = abort.signal.aborted ? abort.signal.reason : error;
    } finally {
      stopTimers.abort();
    }

    const now = clock.now();
    if (failure !== undefined) recordError(span, failure);
    if (failure instanceof LeaseLost) {
      log.warn('attempt stopped: lease lost; its result is discarded');
      return 'lease_lost';
    }
    if (failure instanceof Released) {
      await store.runs.release(run.id, attempt.number, now);
      log.info('attempt released on shutdown; the run is queued again');
      return 'released';
    }
    let accepted: boolean;
    let status: AttemptOutcomeLabel;
    if (failure === undefined) {
      status = 'succeeded';
      accepted = await this.complete(run, { runId: run.id, attempt: attempt.number, status: 'succeeded', output: output ?? null }, now);
      log.info({ accepted }, 'attempt succeeded');
    } else if (failure instanceof DeadlineExceeded) {
      status = 'timed_out';
      accepted = await this.complete(
        run,
        { runId: run.id, attempt: attempt.number, status: 'timed_out', error: { kind: 'timeout', message: failure.message, retryable: false } },
        now,
      );
      log.warn({ accepted }, 'attempt timed out');
    } else {
      status = 'failed';
      const error = toErrorRecord(failure);
      const decision = decideRetry({
        policy: { ...policies.retry, maxAttempts: run.maxAttempts },
        attempt: attempt.number,
        retryable: error.retryable,
        now,
        deadline,
        random: this.opts.random,
      });
      accepted = await this.complete(
        run,
        { runId: run.id, attempt: attempt.number, status: 'failed', error, retryAt: decision.retry ? decision.at : null },
        now,
      );
      log.warn({ accepted, error, retry: decision }, 'attempt failed');
    }
    if (accepted) return status;
    log.warn('result rejected: a newer attempt or a cancel superseded this one');
    return 'rejected';
  }

  /** Records the attempt's end; a run that became terminal is handed to the listener in the same transaction. */
  private async complete(run: Run, outcome: AttemptOutcome, now: number): Promise<boolean> {
    const listener = this.opts.onRunFinished;
    if (!listener) return this.opts.store.runs.completeAttempt(outcome, now);
    let finished: Run | null = null;
    const accepted = await this.opts.store.transaction(async (tx) => {
      if (!(await tx.runs.completeAttempt(outcome, now))) return false;
      finished = await terminalRun(tx, run.orgId, run.id);
      if (finished) await listener.onTerminal(tx, finished, now);
      return true;
    });
    if (finished) listener.afterCommit?.(finished);
    return accepted;
  }

  /** Expires leases; runs failed for lack of attempts are handed to the listener in the same transaction. */
  private async expireLeases(now: number): Promise<Awaited<ReturnType<Store['runs']['expireLeases']>>> {
    const listener = this.opts.onRunFinished;
    if (!listener) return this.opts.store.runs.expireLeases(now);
    const finished: Run[] = [];
    const expired = await this.opts.store.transaction(async (tx) => {
      const list = await tx.runs.expireLeases(now);
      for (const e of list.filter((x) => !x.requeued)) {
        const run = await terminalRun(tx, e.orgId, e.runId);
        if (run) {
          await listener.onTerminal(tx, run, now);
          finished.push(run);
        }
      }
      return list;
    });
    for (const run of finished) listener.afterCommit?.(run);
    return expired;
  }

  private async policiesFor(orgId: string, scheduleId: string | null): Promise<ResolvedPolicies> {
    const schedule = scheduleId ? await this.opts.store.schedules.get(orgId, scheduleId) : null;
    return resolvePolicies(schedule?.policies ?? {}, null);
  }
}

async function terminalRun(tx: Store, orgId: string, runId: string): Promise<Run | null> {
  const run = await tx.runs.get(orgId, runId);
  return run && TERMINAL_RUN_STATUSES.includes(run.status) ? run : null;
}

/** Settles with the signal's reason as soon as it aborts, even if the work ignores the signal. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // The work is already running and usually rejects soon after an abort (fetch rejects with the
  // signal's reason). When the signal was aborted before we got here (a run reclaimed after a
  // crash whose deadline has passed: the deadline timer fires while the template is loaded), the
  // early return below would leave that rejection unhandled, and Node exits on an unhandled
  // rejection: every server that claimed such a run died (found by test/crash). Observe it.
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
