/**
 * An agentcron node for delivery tests, driven step by step on a FakeClock: the scheduler fires,
 * the worker runs the http template against a local target, the outbox enqueues in the run's
 * transaction, and the relay sends. `advanceToNextDue` moves the clock to the next thing due
 * (an occurrence or a delivery), so every attempt happens exactly at its planned time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { createDeliveryPipeline, type DeliveryPipeline } from '../../src/delivery/pipeline.js';
import { DestinationConfigSchema, type DestinationConfig } from '../../src/delivery/registry.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import { Worker } from '../../src/engine/worker.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { SchedulePolicies } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Target } from '../engine/harness.js';
import { Receiver } from './receiver.js';

export const ORG = 'default';

export interface DeliveryNode {
  store: Store;
  clock: FakeClock;
  scheduler: Scheduler;
  worker: Worker;
  pipeline: DeliveryPipeline;
  destinationIds: string[];
  /** Fires due schedules, runs the queued runs to the end, sends due deliveries and waits for them. */
  step(): Promise<void>;
  /** Steps, then moves the clock to the next due occurrence or delivery (not beyond `limit`); false when nothing is due before it. */
  advanceToNextDue(limit: number): Promise<boolean>;
}

export function destinationConfig(entry: Record<string, unknown>): DestinationConfig {
  return DestinationConfigSchema.parse(entry);
}

export function deliveryNode(store: Store, clock: FakeClock, destinations: DestinationConfig[], random: () => number = Math.random): DeliveryNode {
  const logger = silentLogger();
  const pipeline = createDeliveryPipeline({ store, clock, logger, destinations, random });
  const worker = new Worker({ store, clock, logger, runners: [new HttpRunner()], workerId: 'w1', slots: 4, leaseMs: 60_000, random: () => 0.5, onRunFinished: pipeline.listener });
  const scheduler = new Scheduler({ store, clock, logger });
  const destinationIds = destinations.map((d) => d.id);
  const node: DeliveryNode = {
    store,
    clock,
    scheduler,
    worker,
    pipeline,
    destinationIds,
    async step() {
      await scheduler.tick();
      while ((await worker.poll()) > 0) await worker.idle();
      await worker.idle();
      while ((await pipeline.relay.pump()) > 0) await pipeline.relay.idle();
    },
    async advanceToNextDue(limit) {
      await node.step();
      const candidates = [await store.schedules.nextDueAt(), await store.deliveries.nextDueAt(destinationIds)].filter((t): t is number => t !== null && t <= limit);
      if (candidates.length === 0) return false;
      await clock.advanceTo(Math.max(clock.now(), Math.min(...candidates)));
      return true;
    },
  };
  return node;
}

/** Org `default` and an http template `price` that GETs `{{ params.url }}` and extracts `price`. */
export async function seedPriceCheck(store: Store, now: number): Promise<void> {
  await store.orgs.create({ id: ORG, name: ORG }, now);
  await store.templates.put({ orgId: ORG, templateId: 'price', kind: 'http', definition: { request: { url: '{{ params.url }}' }, extract: { price: { json: 'price' } } } }, now);
}

export async function createPriceSchedule(store: Store, id: string, url: string, first: number, policies: SchedulePolicies, every = '30m'): Promise<void> {
  await store.schedules.create({ id, orgId: ORG, templateId: 'price', params: { url }, spec: { every }, policies, nextNominalTime: first }, first);
}

/**
 * Per-test surroundings of the delivery tests: a temp directory with the database path, a
 * started webhook receiver, a local target site (start it in the test) and the store, all
 * cleaned up after each test. Read the fields inside tests.
 */
export interface DeliveryWorld {
  dir: string;
  db: string;
  receiver: Receiver;
  target: Target;
  /** Opens the test's SQLite store (once); closed after the test. */
  store(): Promise<Store>;
}

export function useDeliveryWorld(prefix: string): DeliveryWorld {
  let opened: Store | null = null;
  const world: DeliveryWorld = {
    dir: '',
    db: '',
    receiver: new Receiver(),
    target: new Target(),
    async store() {
      opened ??= await openStore(world.db);
      return opened;
    },
  };
  beforeEach(async () => {
    world.dir = mkdtempSync(join(tmpdir(), `agentcron-${prefix}-`));
    world.db = join(world.dir, 'agentcron.db');
    world.receiver = new Receiver();
    await world.receiver.start();
    world.target = new Target();
  });
  afterEach(async () => {
    await opened?.close();
    opened = null;
    await world.receiver.stop();
    await world.target.stop();
    rmSync(world.dir, { recursive: true, force: true });
  });
  return world;
}
