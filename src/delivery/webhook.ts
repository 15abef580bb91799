import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { parseRetryAfter } from '../policy/delivery-retry.js';
import { parseDuration } from '../spec/duration.js';
import type { Destination, DestinationContext, OutboundMessage, SendOutcome } from './destination.js';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): every request carries `webhook-id` (the
 * delivery id, stable across retries), `webhook-timestamp` (seconds) and `webhook-signature`:
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret while a secret is rotated.
 * Signing is a few lines over node:crypto, so no library is pulled in for it.
 */
const SECRET_PREFIX = 'whsec_';
const DEFAULT_TOLERANCE_S = 5 * 60;

const WebhookSecret = z
  .string()
  .refine((s) => s.startsWith(SECRET_PREFIX) && decodeSecret(s).length >= 16, {
    message: 'a webhook secret is "whsec_" followed by at least 16 base64-encoded random bytes',
  });

export const webhookDestinationConfig = z
  .object({
    type: z.literal('webhook'),
    url: z.url({ protocol: /^https?$/ }),
    /** One secret, or several while rotating: every request is signed with each of them. */
    secret: z.union([WebhookSecret, z.array(WebhookSecret).min(1)]),
    /** Extra request headers (e.g. an API key of the receiver); cannot replace the webhook-* headers. */
    headers: z
      .record(z.string(), z.string())
      .refine((h) => Object.keys(h).every((k) => !k.toLowerCase().startsWith('webhook-')), { message: 'webhook-* headers are set by agentcron' })
      .default({}),
    timeout: z
      .string()
      .refine((t) => { try { return parseDuration(t) > 0; } catch { return false; } }, { message: 'a duration such as 15s' })
      .default('15s'),
  })
  .strict();
export type WebhookDestinationConfig = z.input<typeof webhookDestinationConfig>;

function decodeSecret(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The `v1,<signature>` of one secret over `id.timestamp.body`. */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', decodeSecret(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function createWebhookDestination(id: string, input: WebhookDestinationConfig, context: DestinationContext): Destination {
  const config = webhookDestinationConfig.parse(input);
  const secrets = Array.isArray(config.secret) ? config.secret : [config.secret];
  const timeoutMs = parseDuration(config.timeout);
  return {
    id,
    type: 'webhook',
    async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
      const timestamp = Math.floor(context.clock.now() / 1000);
      const headers: Record<string, string> = {
        ...config.headers,
        'content-type': 'application/json',
        'user-agent': 'agentcron-webhooks',
        'webhook-id': message.deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': secrets.map((s) => signWebhook(s, message.deliveryId, timestamp, message.body)).join(' '),
      };
      let response: Response;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          headers,
          body: message.body,
          // A redirect is an answer, not a delivery: following it would post events to wherever
          // the receiver (or an attacker controlling it) points.
          redirect: 'manual',
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
      } catch (error) {
        const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${config.timeout}` : describeFetchError(error);
        return { ok: false, error: reason, retryable: true };
      }
      // The answer's body is not needed; reading it frees the connection.
      const text = await response.text().catch(() => '');
      const status = response.status;
      if (status >= 200 && status < 300) return { ok: true, statusCode: status };
      const detail = text.trim().slice(0, 200);
      if (status === 410) {
        return { ok: false, statusCode: status, retryable: false, disable: true, error: `410 Gone: the receiver removed this endpoint${detail ? ` (${detail})` : ''}` };
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), context.clock.now());
      const what = status >= 300 && status < 400 ? `redirect to ${response.headers.get('location') ?? '(no location)'} not followed` : detail;
      return {
        ok: false,
        statusCode: status,
        retryable: true,
        error: `HTTP ${status}${what ? `: ${what}` : ''}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    },
    async close() {},
  };
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message}: ${cause.code}` : cause?.message ? `${error.message}: ${cause.message}` : error.message;
}

/** Why a webhook did not verify. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a received webhook (for consumers): the `webhook-signature` must hold a `v1,` signature
 * made with `secret` (or one of several during a rotation) over the exact body, and
 * `webhook-timestamp` must be within `toleranceSeconds` (default 5 minutes) of `now`, so a
 * captured request cannot be replayed later. Returns the webhook id; throws
 * WebhookVerificationError saying what is wrong.
 */
export function verifyWebhook(
  secret: string | readonly string[],
  headers: HeaderSource,
  body: string | Buffer,
  options: { now?: number; toleranceSeconds?: number } = {},
): { id: string; timestamp: number } {
  const id = header(headers, 'webhook-id');
  const timestampText = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    const missing = [!id && 'webhook-id', !timestampText && 'webhook-timestamp', !signatures && 'webhook-signature'].filter(Boolean);
    throw new WebhookVerificationError(`missing header(s): ${missing.join(', ')}`);
  }
  if (!/^\d+$/.test(timestampText)) throw new WebhookVerificationError(`webhook-timestamp ${JSON.stringify(timestampText)} is not whole seconds`);
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_S;
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookVerificationError(`webhook-timestamp ${timestamp} is ${nowSeconds - timestamp} s away from now (tolerance ${tolerance} s): expired or replayed`);
  }
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const received = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  if (received.length === 0) throw new WebhookVerificationError('webhook-signature holds no v1 signature');
  for (const s of typeof secret === 'string' ? [secret] : secret) {
    const expected = Buffer.from(signWebhook(s, id, timestamp, text).slice(3), 'base64');
    if (received.some((r) => r.length === expected.length && timingSafeEqual(r, expected))) return { id, timestamp };
  }
  throw new WebhookVerificationError('no signature matches: wrong secret, or the body was changed');
}
