import { z } from 'zod';
import type { EventEnvelope } from './destination.js';

/**
 * The zod schema of the event envelope: the source of `docs/events.schema.json` (a test checks
 * the file matches) and of the `EventEnvelope` type's documentation.
 */
const JsonValue = z.json();
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant, UTC');

export const EventEnvelopeSchema = z
  .object({
    id: z.string().describe('Stable id of this (event, destination) pair: the idempotency key, also sent as webhook-id, Nats-Msg-Id, AMQP messageId and in S3 keys'),
    eventId: z.string().describe('Id of the event, the same for every destination (run.<runId>.<type>)'),
    type: z.string().describe('run.succeeded | run.failed | run.changed (later incident.*, schedule.paused)'),
    occurredAt: Instant,
    orgId: z.string(),
    schedule: z.object({ id: z.string() }).nullable(),
    run: z
      .object({
        id: z.string(),
        templateId: z.string(),
        templateVersion: z.number().int(),
        trigger: z.string().describe('schedule | manual | backfill | api | parent'),
        nominalTime: Instant,
        status: z.string().describe('succeeded | failed | timed_out'),
        attempts: z.number().int(),
        startedAt: Instant.nullable(),
        finishedAt: Instant.nullable(),
        output: JsonValue.nullable(),
        diff: JsonValue.nullable().describe('run.changed: the changes since the previous successful output, [{path, kind, before, after}]'),
        error: JsonValue.nullable(),
        replayUrl: z.string().nullable(),
        cost: z.object({ browserMs: z.number() }).nullable(),
      })
      .nullable(),
    data: JsonValue,
  })
  .meta({ title: 'agentcron event envelope', description: 'The body of every event agentcron delivers, to every destination.' });

// The interface in destination.ts and this schema must describe the same object.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const ENVELOPE_SCHEMA_MATCHES_TYPE: Same<z.infer<typeof EventEnvelopeSchema>, EventEnvelope> = true;

/** The JSON Schema published as docs/events.schema.json. */
export function eventEnvelopeJsonSchema(): unknown {
  return z.toJSONSchema(EventEnvelopeSchema, { target: 'draft-2020-12' });
}
