import { z } from 'zod';
import type { Clock } from '../clock.js';
import { EMIT_POLICIES, RUN_EVENT_TYPES } from '../policy/emit.js';
import type { Json } from '../store/types.js';

/**
 * The one envelope every event is carried in (documented with a JSON Schema in docs/). `id` is the
 * delivery id: stable per (event, destination) and sent as webhook-id, Nats-Msg-Id, AMQP
 * messageId, in S3 object keys and in the body (DESIGN.md invariant 5).
 */
export interface EventEnvelope {
  /** Stable id of this (event, destination) pair. */
  id: string;
  /** Id of the event itself, the same for every destination. */
  eventId: string;
  type: string;
  /** ISO 8601 instant the event happened. */
  occurredAt: string;
  orgId: string;
  schedule: { id: string } | null;
  run: {
    id: string;
    templateId: string;
    templateVersion: number;
    trigger: string;
    nominalTime: string;
    status: string;
    attempts: number;
    startedAt: string | null;
    finishedAt: string | null;
    output: Json | null;
    diff: Json | null;
    error: Json | null;
    replayUrl: string | null;
    cost: { browserMs: number } | null;
  } | null;
  data: Json;
}

/** One message for one destination: the envelope and its serialised body (what gets signed). */
export interface OutboundMessage {
  deliveryId: string;
  eventId: string;
  eventType: string;
  envelope: EventEnvelope;
  /** JSON text of the envelope, exactly as sent. */
  body: string;
  /** 1 for the first try. */
  attempt: number;
}

/** What one send produced. The relay logs it and decides: delivered, retry later, dead, disabled. */
export type SendOutcome =
  | { ok: true; statusCode?: number; detail?: string }
  | {
      ok: false;
      error: string;
      statusCode?: number;
      /** False for failures a retry cannot fix (e.g. 400 from a strict receiver). */
      retryable: boolean;
      /** The receiver asked for a pause (Retry-After). */
      retryAfterMs?: number;
      /** The receiver said it is gone for good (HTTP 410): the relay disables the destination. */
      disable?: boolean;
    };

/** A place events go. One module per type in src/delivery/ implements it. */
export interface Destination {
  readonly id: string;
  readonly type: 'webhook' | 's3' | 'rabbitmq' | 'nats' | 'redis' | 'slack' | 'file' | 'pagerduty';
  /** Sends one message; must not throw for delivery failures (return `ok: false`). */
  send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome>;
  /** Releases connections; idempotent. */
  close(): Promise<void>;
}

/** What a destination factory may use besides its config. */
export interface DestinationContext {
  /** Time for signatures, timestamps and rate limits (tests drive a FakeClock). */
  clock: Clock;
}

/**
 * Fields every entry of the config's `destinations:` list has, whatever its type. The registry
 * takes them off before the type's own schema (`type` + its fields) validates the rest.
 */
export const destinationFields = {
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, dash and underscore (max 128)'),
  /** Only these event types go to the destination (default: every type the emit policy produces). */
  events: z.array(z.enum(RUN_EVENT_TYPES)).min(1).optional(),
  /** Overrides the schedule's emit policy for this destination. */
  emit: z.enum(EMIT_POLICIES).optional(),
  /** Deliveries to this destination in flight at once (default 4). */
  concurrency: z.number().int().min(1).max(256).optional(),
};
