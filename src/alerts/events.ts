import type { EventEnvelope } from '../delivery/destination.js';
import { deliveryId } from '../delivery/outbox.js';
import type { Store } from '../store/store.js';
import type { Json, Run } from '../store/types.js';

/** The events health and outage detection emit (DESIGN.md "Emit"). */
export type AlertEventType = 'incident.opened' | 'incident.renotified' | 'incident.resolved' | 'schedule.paused' | 'system.outage';

export interface AlertEvent {
  /** Stable id of the event: the same value if the same fact is recorded twice. */
  eventId: string;
  type: AlertEventType;
  orgId: string;
  scheduleId: string | null;
  /** The run whose outcome caused the event, if one did. */
  run: Run | null;
  occurredAt: number;
  data: Json;
}


function iso(instant: number | null): string | null {
  return instant === null ? null : new Date(instant).toISOString();
}

export function alertEnvelope(event: AlertEvent, deliveryId: string): EventEnvelope {
  const run = event.run;
  return {
    id: deliveryId,
    eventId: event.eventId,
    type: event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    orgId: event.orgId,
    schedule: event.scheduleId === null ? null : { id: event.scheduleId },
    run: run && {
      id: run.id,
      templateId: run.templateId,
      templateVersion: run.templateVersion,
      trigger: run.trigger,
      nominalTime: new Date(run.nominalTime).toISOString(),
      status: run.status,
      attempts: run.attempts,
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      output: null,
      diff: null,
      error: run.error,
      replayUrl: null,
      cost: null,
    },
    data: event.data,
  };
}

/**
 * Puts one event in the outbox for each destination, in the caller's transaction (DESIGN.md
 * invariant 4: the event commits with the health change that caused it). Enqueueing the same
 * event again is a no-op: delivery ids are derived from the event id.
 */
export async function enqueueAlert(tx: Store, event: AlertEvent, destinations: readonly string[], now: number): Promise<void> {
  const unique = [...new Set(destinations)];
  if (unique.length === 0) return;
  await tx.deliveries.enqueue(
    unique.map((destinationId) => {
      const id = deliveryId(event.eventId, destinationId);
      return {
        id,
        orgId: event.orgId,
        eventId: event.eventId,
        eventType: event.type,
        destinationId,
        runId: event.run?.id ?? null,
        scheduleId: event.scheduleId,
        payload: alertEnvelope(event, id) as unknown as Json,
        nextAttemptAt: now,
      };
    }),
    now,
  );
}
