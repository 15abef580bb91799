import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { RunFinishListener } from '../engine/worker.js';
import type { DeliveryRetryPolicy } from '../policy/delivery-retry.js';
import type { Store } from '../store/store.js';
import type { RelayMetrics } from '../telemetry/metrics.js';
import { Outbox } from './outbox.js';
import { createDestination, type DestinationConfig } from './registry.js';
import { Relay } from './relay.js';

export interface DeliveryPipelineOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The config's `destinations:` entries. */
  destinations: readonly DestinationConfig[];
  leaseMs?: number;
  pollMs?: number;
  policy?: DeliveryRetryPolicy;
  random?: () => number;
  metrics?: RelayMetrics | null;
}

/** The outbox and the relay of one node, and the listener that joins them to the worker. */
export interface DeliveryPipeline {
  outbox: Outbox;
  relay: Relay;
  /** Give it to the Engine/Worker as `onRunFinished`: enqueues in the run's transaction, then wakes the relay. */
  listener: RunFinishListener;
}

export function createDeliveryPipeline(options: DeliveryPipelineOptions): DeliveryPipeline {
  const { store, clock, logger } = options;
  const outbox = new Outbox(options.destinations, logger);
  const relay = new Relay({
    store,
    clock,
    logger,
    destinations: options.destinations.map((entry) => ({
      destination: createDestination(entry, { clock }),
      ...(entry.concurrency !== undefined ? { concurrency: entry.concurrency } : {}),
    })),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.policy !== undefined ? { policy: options.policy } : {}),
    ...(options.random !== undefined ? { random: options.random } : {}),
    metrics: options.metrics ?? null,
  });
  const listener: RunFinishListener = {
    async onTerminal(tx, run, now) {
      await outbox.onRunFinished(tx, run, now);
    },
    // A wake costs one look at the outbox; waking for every finished run keeps this stateless.
    afterCommit: () => relay.wake(),
  };
  return { outbox, relay, listener };
}
