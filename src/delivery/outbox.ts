import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { EMIT_POLICIES, eventsFor, runEmission, type EmitPolicy, type RunEventType } from '../policy/emit.js';
import type { NewDelivery, Store } from '../store/store.js';
import type { DeliveryStatus, Instant, Json, Run, Schedule } from '../store/types.js';
import type { EventEnvelope } from './destination.js';
import type { DestinationConfig } from './registry.js';

/** Namespace of delivery ids (UUID v5): any fixed UUID works, it only has to never change. */
const DELIVERY_NAMESPACE = Buffer.from('6f1c1f0e8a2b4c5d9e3f7a1b2c3d4e5f', 'hex');

/** The event id of a run's event: the same for every destination and every re-enqueue. */
export function runEventId(runId: string, type: string): string {
  return `run.${runId}.${type}`;
}

/**
 * The stable id of one (event, destination) pair (DESIGN.md invariant 5): a UUID v5 of both,
 * so an enqueue repeated after a crash produces the same id and the outbox keeps one row.
 */
export function deliveryId(eventId: string, destinationId: string): string {
  const hash = createHash('sha1').update(DELIVERY_NAMESPACE).update(`${eventId}\n${destinationId}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** What a schedule asks for in its policies (written by config apply from `destinations:` and `emit:`). */
export function scheduleDelivery(schedule: Schedule): { destinations: string[]; emit: EmitPolicy; ignoreChanges: string[] } {
  const { destinations: ids, emit, ignoreChanges } = schedule.policies;
  const strings = (v: Json | undefined): string[] => (Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : []);
  return {
    destinations: strings(ids),
    emit: typeof emit === 'string' && (EMIT_POLICIES as readonly string[]).includes(emit) ? (emit as EmitPolicy) : 'always',
    ignoreChanges: strings(ignoreChanges),
  };
}

/**
 * The transactional outbox (DESIGN.md invariant 4): called inside the transaction that makes a
 * run terminal, it inserts that run's deliveries, so both commit or neither does. Ids are
 * deterministic and enqueue ignores existing ids, so calling it twice for a run is harmless.
 */
export class Outbox {
  private readonly byId: Map<string, DestinationConfig>;

  constructor(
    destinations: readonly DestinationConfig[],
    private readonly logger?: Logger,
  ) {
    this.byId = new Map(destinations.map((d) => [d.id, d]));
  }

  /** Enqueues the events of a terminal run for the schedule's destinations; returns how many rows. */
  async onRunFinished(tx: Store, run: Run, now: number): Promise<number> {
    if (run.scheduleId === null) return 0;
    const schedule = await tx.schedules.get(run.orgId, run.scheduleId);
    if (!schedule) return 0;
    const wanted = scheduleDelivery(schedule);
    if (wanted.destinations.length === 0) return 0;
    const emission = runEmission({
      status: run.status,
      output: run.output,
      previousOutput: run.status === 'succeeded' ? await previousSuccessfulOutput(tx, run) : undefined,
      ignoreChanges: wanted.ignoreChanges,
    });
    const deliveries: NewDelivery[] = [];
    for (const destinationId of wanted.destinations) {
      const config = this.byId.get(destinationId);
      // A destination this node does not know is still owed its events: a node that knows it
      // delivers them. Only its own filter cannot be applied here.
      if (!config) this.logger?.warn({ destinationId, scheduleId: schedule.id }, 'schedule names a destination this node has no config for; enqueued anyway');
      const types = eventsFor(emission, config?.emit ?? wanted.emit, config?.events);
      for (const type of types) {
        const eventId = runEventId(run.id, type);
        const id = deliveryId(eventId, destinationId);
        const envelope = buildEnvelope(run, type, id, eventId, type === 'run.changed' ? (emission.changes as unknown as Json) : null);
        deliveries.push({
          id,
          orgId: run.orgId,
          eventId,
          eventType: type,
          destinationId,
          runId: run.id,
          scheduleId: run.scheduleId,
          payload: envelope as unknown as Json,
          nextAttemptAt: now,
        });
      }
    }
    await tx.deliveries.enqueue(deliveries, now);
    return deliveries.length;
  }
}

/** The output of the schedule's latest successful run before `run`; undefined when there is none. */
async function previousSuccessfulOutput(tx: Store, run: Run): Promise<Json | undefined> {
  const { runs } = await tx.runs.list({ orgId: run.orgId, scheduleId: run.scheduleId!, status: ['succeeded'], to: run.nominalTime + 1, limit: 5 });
  const previous = runs.find((r) => r.id !== run.id);
  return previous ? previous.output : undefined;
}

export function buildEnvelope(run: Run, type: RunEventType, id: string, eventId: string, diff: Json | null): EventEnvelope {
  return {
    id,
    eventId,
    type,
    occurredAt: iso(run.finishedAt ?? run.nominalTime)!,
    orgId: run.orgId,
    schedule: run.scheduleId ? { id: run.scheduleId } : null,
    run: {
      id: run.id,
      templateId: run.templateId,
      templateVersion: run.templateVersion,
      trigger: run.trigger,
      nominalTime: iso(run.nominalTime)!,
      status: run.status,
      attempts: run.attempts,
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      output: run.output,
      diff,
      error: run.error,
      replayUrl: null,
      // Active browser time of all attempts (runs without a browser record 0).
      cost: { browserMs: run.browserMs },
    },
    data: null,
  };
}

/** Which deliveries a range redelivery sends again: created in [from, to), dead and/or delivered. */
export interface RedeliverRange {
  orgId: string;
  from: Instant;
  to: Instant;
  status: ReadonlyArray<Exclude<DeliveryStatus, 'pending'>>;
  destinationId?: string;
  /** At most this many; `more` says when others match. */
  limit: number;
}

/** Deliveries per statement of a range redelivery: bounds each statement's parameters and rows. */
export const REDELIVER_BATCH = 1000;

/**
 * Makes up to `range.limit` matching deliveries pending again, due now, with the same ids
 * (consumers still deduplicate), in set-based batches of `batch`: only ids are read, and each
 * batch is one UPDATE. `ids` are those actually changed. An interrupted call leaves the rest for
 * the next one (they still match; the ones done are pending and no longer do).
 */
export async function redeliverRange(store: Store, range: RedeliverRange, now: Instant, batch = REDELIVER_BATCH): Promise<{ ids: string[]; more: boolean }> {
  const filter = {
    orgId: range.orgId,
    status: range.status,
    from: range.from,
    to: range.to,
    ...(range.destinationId ? { destinationId: range.destinationId } : {}),
  };
  const ids: string[] = [];
  for (;;) {
    const wanted = Math.min(batch, range.limit - ids.length);
    if (wanted <= 0) break;
    const pass = await store.deliveries.redeliverBatch({ ...filter, limit: wanted }, now);
    ids.push(...pass.ids);
    if (pass.matched < wanted) return { ids, more: false };
  }
  // The limit is reached: one more id says whether others still match.
  const next = await store.deliveries.list({ ...filter, status: [...range.status], limit: 1 });
  return { ids, more: next.length > 0 };
}
