import { performance } from 'node:perf_hooks';
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { sleepUnlessWoken, type Clock } from '../clock.js';
import { DEFAULT_DELIVERY_RETRY_POLICY, decideDeliveryRetry, type DeliveryRetryPolicy } from '../policy/delivery-retry.js';
import { ConflictError, type DeliveryResult, type Store } from '../store/store.js';
import type { Delivery } from '../store/types.js';
import type { RelayMetrics } from '../telemetry/metrics.js';
import { inSpan, recordError, runTraceContext, SpanKind } from '../telemetry/spans.js';
import type { Destination, EventEnvelope, OutboundMessage, SendOutcome } from './destination.js';

export interface RelayDestination {
  destination: Destination;
  /** Sends in flight at once to this destination (default 4). */
  concurrency?: number;
}

export interface RelayOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  destinations: readonly RelayDestination[];
  policy?: DeliveryRetryPolicy;
  /**
   * How long a claimed delivery stays with this relay. It must outlast the slowest send (the
   * webhook timeout, 15 s by default): a relay that dies mid-send leaves the delivery to be
   * claimed again once the lease expires.
   */
  leaseMs?: number;
  /** The longest sleep between looks at the outbox when nothing wakes the relay. */
  pollMs?: number;
  random?: () => number;
  /** Told about every recorded send (docs/observability.md). */
  metrics?: RelayMetrics | null;
}

const DEFAULT_CONCURRENCY = 4;

/**
 * The outbox relay: claims due deliveries for the destinations it knows, sends each through its
 * destination, records every attempt (time, status code or error, latency) and decides what
 * follows on the delivery retry policy: delivered, retried later (honouring Retry-After), dead,
 * or — on 410 Gone — dead with the destination disabled until someone enables it.
 * It sleeps until the next delivery is due and wakes early when `wake()` says new ones exist.
 */
export class Relay {
  private readonly opts: Required<Omit<RelayOptions, 'destinations' | 'metrics'>>;
  private readonly metrics: RelayMetrics | null;
  private readonly destinations: Map<string, { destination: Destination; concurrency: number }>;
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  private wakeController = new AbortController();
  private readonly stopSends = new AbortController();
  private claiming = true;
  private disabled = new Set<string>();

  constructor(options: RelayOptions) {
    this.opts = {
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      policy: options.policy ?? DEFAULT_DELIVERY_RETRY_POLICY,
      leaseMs: options.leaseMs ?? 60_000,
      pollMs: options.pollMs ?? 30_000,
      random: options.random ?? Math.random,
    };
    this.metrics = options.metrics ?? null;
    this.destinations = new Map(
      options.destinations.map((d) => [d.destination.id, { destination: d.destination, concurrency: d.concurrency ?? DEFAULT_CONCURRENCY }]),
    );
  }

  wake(): void {
    this.wakeController.abort();
  }

  get activeSends(): number {
    let n = 0;
    for (const set of this.inFlight.values()) n += set.size;
    return n;
  }

  /** Resolves when every send started so far has been recorded. */
  async idle(): Promise<void> {
    for (;;) {
      const all = [...this.inFlight.values()].flatMap((s) => [...s]);
      if (all.length === 0) return;
      await Promise.all(all);
    }
  }

  /** Claims due deliveries for every enabled destination with a free slot; returns how many sends started. */
  async pump(): Promise<number> {
    const { store, clock } = this.opts;
    const disabled = new Set((await store.destinations.disabled()).map((d) => d.destinationId));
    this.disabled = disabled;
    let started = 0;
    for (const [id, { destination, concurrency }] of this.destinations) {
      if (!this.claiming) break;
      if (disabled.has(id)) continue;
      const running = this.inFlight.get(id) ?? new Set<Promise<void>>();
      this.inFlight.set(id, running);
      const free = concurrency - running.size;
      if (free <= 0) continue;
      const claimed = await store.deliveries.claim({ limit: free, leaseMs: this.opts.leaseMs, destinationId: id }, clock.now());
      for (const delivery of claimed) {
        const send: Promise<void> = this.deliver(delivery, destination)
          .catch((error: unknown) => this.opts.logger.error({ err: error, deliveryId: delivery.id }, 'delivery bookkeeping failed'))
          .finally(() => {
            running.delete(send);
            this.wake();
          });
        running.add(send);
        started++;
      }
    }
    return started;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { store, clock } = this.opts;
    while (!signal.aborted && this.claiming) {
      this.wakeController = new AbortController();
      const woken = this.wakeController.signal;
      let waitMs = this.opts.pollMs;
      try {
        await this.pump();
        // Destinations that are disabled wait for an operator, and full ones for a send to
        // finish (which wakes the relay): only the others decide how long to sleep.
        const open = [...this.destinations.keys()].filter((id) => !this.disabled.has(id) && this.hasFreeSlot(id));
        const nextDue = await store.deliveries.nextDueAt(open);
        if (nextDue !== null) waitMs = Math.max(0, Math.min(waitMs, nextDue - clock.now()));
      } catch (error) {
        this.opts.logger.error({ err: error }, 'relay pump failed');
      }
      await sleepUnlessWoken(clock, waitMs, signal, woken);
    }
  }

  /** Stops claiming and waits for sends in flight (each is bounded by its destination's timeout). */
  async shutdown(graceMs: number): Promise<void> {
    this.claiming = false;
    this.wake();
    const ac = new AbortController();
    const timedOut = await Promise.race([
      this.idle().then(() => false),
      this.opts.clock.sleep(graceMs, ac.signal).then(() => true, () => false),
    ]);
    ac.abort();
    if (timedOut) {
      // Unrecorded sends stay leased and are retried, with the same id, once the lease expires.
      this.stopSends.abort(new Error('relay shutting down'));
      await this.idle();
    }
    await Promise.all([...this.destinations.values()].map((d) => d.destination.close().catch(() => undefined)));
  }

  private hasFreeSlot(id: string): boolean {
    return (this.inFlight.get(id)?.size ?? 0) < (this.destinations.get(id)?.concurrency ?? 0);
  }

  /** One send in its span, a child of the run's span when the run was traced. */
  private async deliver(delivery: Delivery, destination: Destination): Promise<void> {
    const parent = await runTraceContext(this.opts.store, delivery.runId);
    const attributes = {
      'delivery.id': delivery.id,
      'org.id': delivery.orgId,
      ...(delivery.runId !== null ? { 'run.id': delivery.runId } : {}),
      ...(delivery.scheduleId !== null ? { 'schedule.id': delivery.scheduleId } : {}),
      'event.type': delivery.eventType,
      'destination.id': destination.id,
      'destination.type': destination.type,
      attempt: delivery.attempts + 1,
    };
    await inSpan('agentcron.delivery', { kind: SpanKind.PRODUCER, attributes, parent }, (span) => this.send(delivery, destination, span));
  }

  private async send(delivery: Delivery, destination: Destination, span: Span): Promise<void> {
    const { store, clock, logger } = this.opts;
    const attempt = delivery.attempts + 1;
    const envelope = delivery.payload as unknown as EventEnvelope;
    const message: OutboundMessage = {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      envelope,
      body: JSON.stringify(delivery.payload),
      attempt,
    };
    const log = logger.child({ deliveryId: delivery.id, destinationId: destination.id, eventType: delivery.eventType, attempt });
    const started = performance.now();
    const outcome: SendOutcome = await destination.send(message, this.stopSends.signal).catch((error: unknown) => ({
      ok: false as const,
      error: `destination threw: ${error instanceof Error ? error.message : String(error)}`,
      retryable: true,
    }));
    if (this.stopSends.signal.aborted) return;
    const latencyMs = performance.now() - started;
    const now = clock.now();
    if (!outcome.ok) recordError(span, new Error(outcome.error));
    if (outcome.statusCode !== undefined) span.setAttribute('http.response.status_code', outcome.statusCode);
    const base = { id: delivery.id, attempt, latencyMs, statusCode: outcome.statusCode ?? null };
    let result: DeliveryResult;
    if (outcome.ok) {
      result = { ...base, error: null, outcome: 'delivered' };
    } else if (outcome.disable) {
      result = { ...base, error: outcome.error, outcome: 'dead' };
    } else {
      const decision = decideDeliveryRetry({
        policy: this.opts.policy,
        attempt,
        retryable: outcome.retryable,
        now,
        retryAfterMs: outcome.retryAfterMs,
        random: this.opts.random,
      });
      result = decision.retry ? { ...base, error: outcome.error, outcome: 'retry', nextAttemptAt: decision.at } : { ...base, error: outcome.error, outcome: 'dead' };
    }
    try {
      await store.transaction(async (tx) => {
        await tx.deliveries.record(result, now);
        if (!outcome.ok && outcome.disable) {
          await tx.destinations.disable(delivery.orgId, destination.id, destination.type, outcome.error, now);
        }
      });
    } catch (error) {
      if (error instanceof ConflictError) {
        log.warn({ err: error }, 'attempt result rejected: the lease expired and another relay took the delivery');
        return;
      }
      throw error;
    }
    span.setAttribute('status', result.outcome);
    this.metrics?.deliveryRecorded(delivery, destination.type, result.outcome, now);
    if (outcome.ok) log.info({ statusCode: outcome.statusCode, latencyMs: Math.round(latencyMs) }, 'delivered');
    else if (outcome.disable) log.error({ statusCode: outcome.statusCode, error: outcome.error }, `destination ${destination.id} disabled: ${outcome.error}; enable it with: agentcron destinations enable ${destination.id}`);
    else if (result.outcome === 'dead') log.error({ statusCode: outcome.statusCode, error: outcome.error }, 'delivery dead-lettered; redeliver with: agentcron deliveries redeliver ' + delivery.id);
    else log.warn({ statusCode: outcome.statusCode, error: outcome.error, nextAttemptAt: new Date(result.nextAttemptAt!).toISOString() }, 'delivery failed; will retry');
  }
}
