/**
 * Delivery retry schedule (DESIGN.md "Webhooks"): the Standard Webhooks schedule by default,
 * with proportional jitter, and `Retry-After` honoured. Pure: the caller supplies time and
 * randomness.
 */

/** Delay before each attempt, relative to the previous one: attempt 1 at once, attempt 2 after 5 s, … */
export const STANDARD_WEBHOOKS_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  14 * 3_600_000,
  20 * 3_600_000,
  24 * 3_600_000,
];

export interface DeliveryRetryPolicy {
  /** Delay before attempt n+1 is `scheduleMs[n]`; its length is the number of attempts. */
  scheduleMs: readonly number[];
  /** Each delay is spread uniformly over ±jitter of itself (0.1 = ±10 %). */
  jitter: number;
  /** A `Retry-After` longer than this is capped (a receiver cannot park a delivery forever). */
  maxRetryAfterMs: number;
}

export const DEFAULT_DELIVERY_RETRY_POLICY: DeliveryRetryPolicy = {
  scheduleMs: STANDARD_WEBHOOKS_SCHEDULE_MS,
  jitter: 0.1,
  maxRetryAfterMs: 24 * 3_600_000,
};

export type DeliveryRetryDecision =
  | { retry: true; at: number }
  | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' };

/** The delay before attempt `attempt + 1` (before jitter), or undefined when none is left. */
export function scheduledDelay(policy: DeliveryRetryPolicy, attempt: number): number | undefined {
  return policy.scheduleMs[attempt];
}

/**
 * Decides what follows a failed attempt `attempt` (1-based): the time of the next try, or dead.
 * The next try waits the scheduled delay (± jitter) and at least as long as `Retry-After`.
 */
export function decideDeliveryRetry(input: {
  policy: DeliveryRetryPolicy;
  attempt: number;
  retryable: boolean;
  now: number;
  retryAfterMs?: number | undefined;
  random: () => number;
}): DeliveryRetryDecision {
  const { policy } = input;
  if (!input.retryable) return { retry: false, reason: 'not_retryable' };
  const base = scheduledDelay(policy, input.attempt);
  if (base === undefined) return { retry: false, reason: 'attempts_exhausted' };
  const jittered = Math.round(base * (1 + policy.jitter * (2 * input.random() - 1)));
  const asked = input.retryAfterMs === undefined ? 0 : Math.min(Math.max(0, input.retryAfterMs), policy.maxRetryAfterMs);
  return { retry: true, at: input.now + Math.max(jittered, asked) };
}

/**
 * Reads a `Retry-After` header value: delay seconds or an HTTP date (relative to `now`).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
