import { z } from 'zod';
import { parseRetryAfter } from '../policy/delivery-retry.js';
import type { JsonChange } from '../policy/diff.js';
import type { Json } from '../store/types.js';
import type { Destination, DestinationContext, EventEnvelope, OutboundMessage, SendOutcome } from './destination.js';

/**
 * Slack incoming webhooks: one message per event, its output rendered as mrkdwn blocks. Slack
 * allows about one message per second per webhook, so sends to one destination are spaced by
 * `minIntervalMs` on the injected clock.
 */
export const slackDestinationConfig = z
  .object({
    type: z.literal('slack'),
    url: z.url({ protocol: /^https?$/ }),
    minIntervalMs: z.number().int().min(0).default(1000),
  })
  .strict();
export type SlackDestinationConfig = z.input<typeof slackDestinationConfig>;

/** Slack's limit for the text of a section block. */
const SECTION_LIMIT = 3000;
const SEND_TIMEOUT_MS = 15_000;

/** Markdown (as templates write it) to Slack mrkdwn: bold, links, headings, strike, bullets. */
export function markdownToMrkdwn(markdown: string): string {
  return markdown
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*')
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/__(.+?)__/g, '*$1*')
    .replace(/~~(.+?)~~/g, '~$1~')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '<$2|$1>')
    .replace(/^(\s*)[-*+]\s+/gm, '$1• ');
}

/** Escapes the three characters Slack treats as control sequences in text. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function inline(value: Json | undefined): string {
  if (value === undefined) return '∅';
  return escapeText(typeof value === 'string' ? value : JSON.stringify(value));
}

function truncate(text: string): string {
  return text.length <= SECTION_LIMIT ? text : `${text.slice(0, SECTION_LIMIT - 1)}…`;
}

function renderOutput(output: Json | null): string {
  if (output === null) return '_no output_';
  if (typeof output === 'string') return markdownToMrkdwn(output);
  if (typeof output === 'object' && !Array.isArray(output)) {
    return Object.entries(output)
      .map(([key, value]) => `*${escapeText(key)}*: ${inline(value)}`)
      .join('\n');
  }
  return `\`\`\`${JSON.stringify(output, null, 2)}\`\`\``;
}

/** The Slack message of one event: a summary line, then the diff, the output or the error. */
export function renderSlackMessage(envelope: EventEnvelope): { text: string; blocks: Json[] } {
  const run = envelope.run;
  const where = [envelope.schedule ? `schedule \`${envelope.schedule.id}\`` : null, run ? `run \`${run.id}\`` : null].filter(Boolean).join(' · ');
  const title = `*${envelope.type}*${where ? ` · ${where}` : ''}`;
  let detail: string;
  if (envelope.type === 'run.changed' && Array.isArray(run?.diff)) {
    detail = (run.diff as unknown as JsonChange[])
      .map((c) => `• \`${c.path || '/'}\` ${c.kind === 'changed' ? `${inline(c.before)} → ${inline(c.after)}` : c.kind === 'added' ? `added ${inline(c.after)}` : `removed (was ${inline(c.before)})`}`)
      .join('\n');
  } else if (envelope.type === 'run.failed') {
    const message = (run?.error as { message?: Json } | null)?.message;
    detail = `${run?.status ?? 'failed'} after ${run?.attempts ?? 0} attempt(s): ${inline(message ?? run?.error ?? null)}`;
  } else {
    detail = renderOutput(run?.output ?? null);
  }
  return {
    text: `${envelope.type}${envelope.schedule ? ` ${envelope.schedule.id}` : ''}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: truncate(title) } },
      { type: 'section', text: { type: 'mrkdwn', text: truncate(detail || '_nothing to show_') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `event \`${envelope.id}\` · ${envelope.occurredAt}` }] },
    ],
  };
}

export function createSlackDestination(id: string, input: SlackDestinationConfig, context: DestinationContext): Destination {
  const config = slackDestinationConfig.parse(input);
  let nextSlot = 0;
  let queue: Promise<unknown> = Promise.resolve();

  /** Waits for this destination's next free slot; sends queue up in order. */
  function paced<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    const turn = queue.then(async () => {
      const wait = nextSlot - context.clock.now();
      if (wait > 0) await context.clock.sleep(wait, signal);
      nextSlot = context.clock.now() + config.minIntervalMs;
      return fn();
    });
    queue = turn.catch(() => undefined);
    return turn;
  }

  return {
    id,
    type: 'slack',
    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
      const payload = JSON.stringify(renderSlackMessage(message.envelope));
      let response: Response;
      try {
        response = await paced(signal, () =>
          fetch(config.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: payload,
            redirect: 'manual',
            signal: AbortSignal.any([signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
          }),
        );
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error), retryable: true };
      }
      const text = (await response.text().catch(() => '')).trim().slice(0, 200);
      const status = response.status;
      if (status >= 200 && status < 300) return { ok: true, statusCode: status };
      // Slack answers 404 no_service / 410 when the webhook was revoked: it will not come back.
      if (status === 410 || (status === 404 && text === 'no_service')) {
        return { ok: false, statusCode: status, retryable: false, disable: true, error: `HTTP ${status} ${text}: the Slack webhook was revoked` };
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), context.clock.now());
      return {
        ok: false,
        statusCode: status,
        // 400 invalid_payload, 403 action_prohibited…: the same message will fail again.
        retryable: status === 429 || status >= 500,
        error: `HTTP ${status}${text ? ` ${text}` : ''}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    },
    async close() {},
  };
}
