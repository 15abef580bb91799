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
