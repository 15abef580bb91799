import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Json } from '../store/types.js';
import type { Destination, EventEnvelope, OutboundMessage, SendOutcome } from './destination.js';

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview):
 * `incident.opened` (and its re-notifications) triggers an alert, `incident.resolved` resolves it
 * with the same `dedup_key` (one per incident, so PagerDuty keeps one alert per failure streak);
 * `schedule.paused` and `system.outage` trigger warnings. Other events are not for paging and
 * are acknowledged without a request.
 */
export const pagerdutyDestinationConfig = z
  .object({
    type: z.literal('pagerduty'),
    /** The integration key of a PagerDuty service (Events API v2). */
    routingKey: z.string().min(1),
    /** Base URL; `/v2/enqueue` is appended. */
    url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com'),
    /** Severity of incident alerts (paused schedules and outages are `warning`). */
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('error'),
    /** `payload.source`; default: agentcron/<organisation>/<schedule>. */
    source: z.string().min(1).optional(),
  })
  .strict();
export type PagerdutyDestinationConfig = z.input<typeof pagerdutyDestinationConfig>;

const SEND_TIMEOUT_MS = 15_000;
/** PagerDuty rejects a summary longer than this. */
const SUMMARY_LIMIT = 1024;

/** The Events v2 request body an envelope becomes, or null for events PagerDuty is not told of. */
export function pagerdutyEvent(envelope: EventEnvelope, config: z.output<typeof pagerdutyDestinationConfig>): Json | null {
  const data = (envelope.data ?? {}) as Record<string, Json>;
  const incident = data.incident as { id?: string; summary?: string } | undefined;
  const source = config.source ?? `agentcron/${envelope.orgId}${envelope.schedule ? `/${envelope.schedule.id}` : ''}`;
  const trigger = (dedupKey: string, summary: string, severity: string): Json => ({
    routing_key: config.routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'agentcron',
    payload: {
      summary: summary.length <= SUMMARY_LIMIT ? summary : `${summary.slice(0, SUMMARY_LIMIT - 1)}…`,
      source,
      severity,
      timestamp: envelope.occurredAt,
      component: envelope.schedule?.id ?? 'agentcron',
      class: envelope.type,
      custom_details: { event: envelope.type, eventId: envelope.eventId, ...data, ...(envelope.run ? { run: envelope.run as unknown as Json } : {}) },
    },
  });
  switch (envelope.type) {
    case 'incident.opened':
    case 'incident.renotified':
      return trigger(incidentDedupKey(envelope.orgId, incident?.id ?? envelope.eventId), incident?.summary ?? envelope.type, config.severity);
    case 'incident.resolved':
      return { routing_key: config.routingKey, event_action: 'resolve', dedup_key: incidentDedupKey(envelope.orgId, incident?.id ?? envelope.eventId) };
    case 'schedule.paused':
      return trigger(`agentcron:${envelope.orgId}:${envelope.eventId}`, `agentcron schedule ${envelope.schedule?.id ?? '?'} paused: ${String(data.note ?? '')}`, 'warning');
    case 'system.outage':
      return trigger(`agentcron:${envelope.orgId}:${envelope.eventId}`, `agentcron was down from ${String(data.from)} to ${String(data.to)}`, 'warning');
    default:
      return null;
  }
}

/** One dedup_key per incident: its trigger, re-notifications and resolve all carry it. */
export function incidentDedupKey(orgId: string, incidentId: string): string {
  return `agentcron:${orgId}:incident:${incidentId}`;
}

export function createPagerdutyDestination(id: string, input: PagerdutyDestinationConfig, context: { clock: Clock }): Destination {
  const config = pagerdutyDestinationConfig.parse(input);
  const endpoint = `${config.url.replace(/\/+$/, '')}/v2/enqueue`;
  return {
    id,
    type: 'pagerduty',
    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
      const event = pagerdutyEvent(message.envelope, config);
      if (event === null) return { ok: true, detail: `${message.eventType} is not sent to PagerDuty` };
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
        });
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error), retryable: true };
      }
      const text = (await response.text().catch(() => '')).trim().slice(0, 300);
      const status = response.status;
      if (status === 202 || status === 200) return { ok: true, statusCode: status };
      const retryAfterMs = retryAfter(response.headers.get('retry-after'), context.clock.now());
      return {
        ok: false,
        statusCode: status,
        // 400: the event is invalid (bad routing key, missing field); sending it again cannot help.
        retryable: status === 429 || status >= 500,
        error: `PagerDuty HTTP ${status}${text ? ` ${text}` : ''}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    },
    async close() {},
  };
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
function retryAfter(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
