import { z } from 'zod';
import { parseRetryAfter } from '../policy/delivery-retry.js';
import type { JsonChange } from '../policy/diff.js';
import type { Json } from '../store/types.js';
import type { Destination, DestinationContext, EventEnvelope, OutboundMessage, SendOutcome } from './destination.js';

/**
 * Slack incoming webhooks: one message per event, its output rendered as mrkdwn blocks; alert
 * events (incidents, pauses, outages) as on-call messages. Slack allows about one message per
 * second per webhook, so sends to one destination are spaced by `minIntervalMs` on the injected
 * clock.
 */
export const slackDestinationConfig = z
  .object({
    type: z.literal('slack'),
    url: z.url({ protocol: /^https?$/ }),
    minIntervalMs: z.number().int().min(0).default(1000),
    /** Where people open a run, e.g. `https://agentcron.example.com/runs/{runId}`: run ids become links. */
    runUrl: z
      .string()
      .refine((t) => t.includes('{runId}'), 'must contain {runId}')
      .refine((t) => URL.canParse(t.replaceAll('{runId}', 'x')) && /^https?:/.test(t), 'must be an http(s) URL')
      .optional(),
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

export interface SlackRenderOptions {
  /** URL template with `{runId}` (the destination's `runUrl`). */
  runUrl?: string;
}

/** A run id as people use it: a link when the destination knows where runs are shown, else copyable code. */
function runRef(runId: string, options: SlackRenderOptions): string {
  return options.runUrl ? `<${options.runUrl.replaceAll('{runId}', encodeURIComponent(runId))}|${escapeText(runId)}>` : `\`${escapeText(runId)}\``;
}

/** An instant shown in each reader's own time zone (Slack date formatting), with the ISO text as fallback. */
function when(iso: Json | undefined): string {
  if (typeof iso !== 'string' || Number.isNaN(Date.parse(iso))) return 'unknown';
  return `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time_secs}|${iso}>`;
}

/** `4m 20s`, `2h 5m`, `3d 4h`: the two largest units, as people say how long something lasted. */
export function humanDuration(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  const start = units.findIndex(([, size]) => ms >= size);
  if (start === -1) return `${Math.max(0, Math.round(ms))}ms`;
  const [bigName, bigSize] = units[start]!;
  const next = units[start + 1];
  const rounded = Math.round(ms / (next ? next[1] : bigSize));
  if (!next) return `${rounded}${bigName}`;
  const perBig = bigSize / next[1];
  const big = Math.floor(rounded / perBig);
  const small = rounded % perBig;
  return small === 0 ? `${big}${bigName}` : `${big}${bigName} ${small}${next[0]}`;
}

function field(title: string, value: string): Json {
  return { type: 'mrkdwn', text: truncate(`*${title}*\n${value}`) };
}

function section(text: string): Json {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text) } };
}

type Fields = Record<string, Json>;

function objectAt(value: Json | undefined): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/** The run's error, its kind and message, as a quote (each line quoted). */
function errorLine(error: Json | undefined): string | null {
  if (error === null || error === undefined) return null;
  const e = objectAt(error);
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
  return `>${typeof e.kind === 'string' ? `${escapeText(e.kind)}: ` : ''}${escapeText(message)}`.replace(/\n/g, '\n>');
}

/**
 * On-call messages for alert events: what broke, how long, the last error and where to look.
 * Null for any other event.
 */
export function renderSlackAlert(envelope: EventEnvelope, options: SlackRenderOptions = {}): { text: string; blocks: Json[] } | null {
  const data = objectAt(envelope.data);
  const incident = objectAt(data.incident);
  const health = objectAt(data.health);
  const run = envelope.run;
  const schedule = envelope.schedule ? `\`${escapeText(envelope.schedule.id)}\`` : 'a schedule';
  const scheduleText = envelope.schedule?.id ?? 'a schedule';
  const context = (extra: string): Json => ({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `${extra}event \`${envelope.id}\` · ${envelope.occurredAt}` }],
  });
  const lastRun = run ? `${runRef(run.id, options)} (${run.status}, ${run.attempts} attempt${run.attempts === 1 ? '' : 's'})` : '—';
  const incidentRef = typeof incident.id === 'string' ? `incident \`${escapeText(incident.id)}\` · ` : '';

  switch (envelope.type) {
    case 'incident.opened':
    case 'incident.renotified': {
      const failures = typeof health.consecutiveFailures === 'number' ? health.consecutiveFailures : incident.consecutiveFailures;
      const heading = envelope.type === 'incident.opened' ? 'Incident opened' : 'Still failing';
      const error = errorLine(run?.error);
      return {
        text: `${heading}: ${scheduleText} failed ${String(failures)} times in a row`,
        blocks: [
          section(`:rotating_light: *${heading}* · schedule ${schedule} failed *${String(failures)}* times in a row`),
          {
            type: 'section',
            fields: [
              field('Streak', `${String(failures)} consecutive failures`),
              field('Failing since', when(incident.failingSince)),
              field('Last run', lastRun),
              field('Last success', health.lastSuccessAt ? when(health.lastSuccessAt) : 'never'),
            ],
          },
          ...(error ? [section(`*Last error*\n${error}`)] : []),
          context(incidentRef),
        ],
      };
    }
    case 'incident.resolved': {
      const opened = Date.parse(String(incident.openedAt));
      const resolved = Date.parse(String(incident.resolvedAt ?? envelope.occurredAt));
      const lasted = Number.isNaN(opened) || Number.isNaN(resolved) ? 'unknown' : humanDuration(resolved - opened);
      return {
        text: `Resolved: ${scheduleText} recovered; the incident lasted ${lasted}`,
        blocks: [
          section(`:white_check_mark: *Incident resolved* · schedule ${schedule} recovered`),
          {
            type: 'section',
            fields: [
              field('Lasted', `${lasted} (opened ${when(incident.openedAt)})`),
              field('Failing since', when(incident.failingSince)),
              field('Recovered by', lastRun),
              field('Opened after', `${String(incident.consecutiveFailures ?? '?')} consecutive failures`),
            ],
          },
          context(incidentRef),
        ],
      };
    }
    case 'schedule.paused': {
      const probe = typeof data.probeAt === 'string' ? `\nA probe run at ${when(data.probeAt)} resumes it if it succeeds.` : '\nIt stays paused until someone resumes it (`agentcron schedules resume`).';
      return {
        text: `Paused: ${scheduleText}`,
        blocks: [section(`:double_vertical_bar: *Schedule paused* · schedule ${schedule}`), section(`${escapeText(String(data.note ?? ''))}${probe}`), context('')],
      };
    }
    case 'system.outage': {
      const from = Date.parse(String(data.from));
      const to = Date.parse(String(data.to));
      const lasted = Number.isNaN(from) || Number.isNaN(to) ? 'unknown' : humanDuration(to - from);
      const schedules = Array.isArray(data.schedules) ? data.schedules.map(objectAt) : [];
      const lines = schedules.slice(0, 20).map((s) => `• \`${escapeText(String(s.scheduleId))}\`: ${String(s.occurrences)} occurrences, ${String(s.caughtUp)} caught up, ${String(s.missed)} missed`);
      if (schedules.length > 20) lines.push(`…and ${schedules.length - 20} more schedules`);
      return {
        text: `agentcron was down for ${lasted}`,
        blocks: [
          section(`:warning: *agentcron was down* for ${lasted}, from ${when(data.from)} to ${when(data.to)}`),
          section(lines.join('\n') || '_no schedule had an occurrence in the window_'),
          context(''),
        ],
      };
    }
    default:
      return null;
  }
}

/** The Slack message of one event: alerts as on-call messages; run events as a summary line, then the diff, the output or the error. */
export function renderSlackMessage(envelope: EventEnvelope, options: SlackRenderOptions = {}): { text: string; blocks: Json[] } {
  const alert = renderSlackAlert(envelope, options);
  if (alert) return alert;
  const run = envelope.run;
  const where = [envelope.schedule ? `schedule \`${envelope.schedule.id}\`` : null, run ? `run ${runRef(run.id, options)}` : null].filter(Boolean).join(' · ');
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
      const payload = JSON.stringify(renderSlackMessage(message.envelope, { ...(config.runUrl ? { runUrl: config.runUrl } : {}) }));
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
