/**
 * Retry policy for runs (DESIGN.md "Retry"): exponential backoff with full jitter, bounded by
 * the number of attempts and by the run deadline. Pure: the caller supplies time and randomness.
 */
export interface RetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 3,
  initialIntervalMs: 5_000,
  backoffCoefficient: 2,
  maxIntervalMs: 5 * 60_000,
};

/** The ceiling of the wait after attempt `attempt` (1-based) failed, before jitter. */
export function backoffCeiling(policy: RetryPolicy, attempt: number): number {
  const exponential = policy.initialIntervalMs * policy.backoffCoefficient ** Math.max(0, attempt - 1);
  return Math.min(policy.maxIntervalMs, exponential);
}

/**
 * Full jitter (uniform in [0, ceiling]) spreads retries of many runs that failed together,
 * e.g. when a site went down, instead of retrying them in lockstep.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  return Math.floor(random() * backoffCeiling(policy, attempt));
}

export type RetryDecision =
  | { retry: true; at: number }
  | { retry: false; reason: 'not_retryable' | 'attempts_exhausted' | 'deadline' };

export function decideRetry(input: {
  policy: RetryPolicy;
  /** The attempt that just failed, 1-based. */
  attempt: number;
  retryable: boolean;
  now: number;
  deadline: number | null;
  random: () => number;
}): RetryDecision {
  if (!input.retryable) return { retry: false, reason: 'not_retryable' };
  if (input.attempt >= input.policy.maxAttempts) return { retry: false, reason: 'attempts_exhausted' };
  const at = input.now + retryDelay(input.policy, input.attempt, input.random);
  if (input.deadline !== null && at >= input.deadline) return { retry: false, reason: 'deadline' };
  return { retry: true, at };
}
