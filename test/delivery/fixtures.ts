import type { EventEnvelope, OutboundMessage } from '../../src/delivery/destination.js';
import { buildEnvelope, deliveryId, runEventId } from '../../src/delivery/outbox.js';
import type { RunEventType } from '../../src/policy/emit.js';
import type { Json, Run } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

export function sampleRun(over: Partial<Run> = {}): Run {
  return {
    id: 'run-1',
    orgId: 'default',
    scheduleId: 'prices',
    templateId: 'check',
    templateVersion: 1,
    params: {},
    nominalTime: T0,
    trigger: 'schedule',
    status: 'succeeded',
    reason: null,
    idempotencyKey: null,
    attempts: 1,
    maxAttempts: 3,
    availableAt: T0,
    deadline: null,
    parentRunId: null,
    backfillId: null,
    concurrencyKey: null,
    concurrencyLimit: null,
    output: { price: 42, title: 'Widget' },
    error: null,
    createdAt: T0,
    startedAt: T0 + 100,
    finishedAt: T0 + 900,
    profile: null,
    browserMs: 0,
    ...over,
  };
}

export function sampleMessage(options: { run?: Partial<Run>; type?: RunEventType; destinationId?: string; diff?: Json } = {}): OutboundMessage {
  const run = sampleRun(options.run);
  const type = options.type ?? 'run.succeeded';
  const eventId = runEventId(run.id, type);
  const id = deliveryId(eventId, options.destinationId ?? 'hook');
  const envelope: EventEnvelope = buildEnvelope(run, type, id, eventId, options.diff ?? null);
  return { deliveryId: id, eventId, eventType: type, envelope, body: JSON.stringify(envelope), attempt: 1 };
}

/** A whsec_ secret of 24 fixed bytes (tests need stable values). */
export function secret(fill: number): string {
  return `whsec_${Buffer.alloc(24, fill).toString('base64')}`;
}
