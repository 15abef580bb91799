import { z } from 'zod';
import { parseDuration } from '../spec/duration.js';
import type { OutboundMessage } from './destination.js';

/**
 * Config pieces shared by the S3, RabbitMQ, NATS and Redis destinations: name templates (object
 * keys, routing keys, subjects, stream keys) and the send timeout.
 */

/** Placeholders a name template may use, and what each becomes. */
export const TEMPLATE_PLACEHOLDERS = {
  id: 'the delivery id (stable per event and destination)',
  event: 'the event id',
  type: 'the event type, e.g. run.succeeded',
  schedule: 'the schedule id, or "none" for runs without a schedule',
  run: 'the run id, or "none" for events without a run',
  date: 'YYYY-MM-DD (UTC) of the run\'s nominal time, or of the event time without a run',
} as const;

export type TemplatePlaceholder = keyof typeof TEMPLATE_PLACEHOLDERS;

const PLACEHOLDER = /\{([^{}]*)\}/g;

function isPlaceholder(name: string): name is TemplatePlaceholder {
  return Object.hasOwn(TEMPLATE_PLACEHOLDERS, name);
}

/** The placeholders `template` uses, in order; throws naming the first unknown one. */
export function templatePlaceholders(template: string): TemplatePlaceholder[] {
  const found: TemplatePlaceholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!isPlaceholder(name)) {
      throw new Error(`unknown placeholder {${name}} in ${JSON.stringify(template)}; use ${Object.keys(TEMPLATE_PLACEHOLDERS).map((p) => `{${p}}`).join(', ')}`);
    }
    found.push(name);
  }
  return found;
}

/** A template string, checked at config time so a typo fails on load, not on the first event. */
export function nameTemplate() {
  return z
    .string()
    .min(1)
    .superRefine((template, ctx) => {
      try {
        templatePlaceholders(template);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message, input: template });
      }
    });
}

/** A duration like `10s` or `1m30s` (see parseDuration), checked at config time. */
export function durationText(field: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      try {
        parseDuration(text, field);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message, input: text });
      }
    });
}

function utcDate(iso: string): string {
  const instant = new Date(iso);
  return Number.isNaN(instant.getTime()) ? 'unknown-date' : instant.toISOString().slice(0, 10);
}

/** The value of every placeholder for one message. */
export function templateValues(message: OutboundMessage): Record<TemplatePlaceholder, string> {
  const { envelope } = message;
  return {
    id: message.deliveryId,
    event: message.eventId,
    type: message.eventType,
    schedule: envelope.schedule?.id ?? 'none',
    run: envelope.run?.id ?? 'none',
    date: utcDate(envelope.run?.nominalTime ?? envelope.occurredAt),
  };
}

/** Fills `template` for `message`. The template was validated by `nameTemplate`. */
export function renderTemplate(template: string, message: OutboundMessage): string {
  const values = templateValues(message);
  return template.replace(PLACEHOLDER, (whole, name: string) => (isPlaceholder(name) ? values[name] : whole));
}
