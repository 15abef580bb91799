import type { CatchupPolicy, OverlapPolicy, SchedulePolicies } from '../store/types.js';
import { parseDuration } from '../spec/duration.js';
import { DEFAULT_CATCHUP_BUFFER_LIMIT, MIN_CATCHUP_WINDOW_MS } from './catchup.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

/** A schedule's policies with every default filled in and every duration in milliseconds. */
export interface ResolvedPolicies {
  overlap: OverlapPolicy;
  catchup: { policy: CatchupPolicy; windowMs: number; bufferLimit: number };
  retry: RetryPolicy;
  timeoutMs: number;
  /** Runs of the schedule allowed at once; null = unlimited (overlap `allow`). */
  concurrency: number | null;
}

export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * Fills defaults. `periodMs` is the spec's period near the cursor: the default catch-up window
 * is one period (DESIGN.md), and a run's default timeout never exceeds it by much.
 */
export function resolvePolicies(policies: SchedulePolicies, periodMs: number | null): ResolvedPolicies {
  const overlap = policies.overlap ?? 'skip';
  const retry = policies.retry ?? {};
  const initialIntervalMs = retry.initialInterval ? parseDuration(retry.initialInterval) : DEFAULT_RETRY_POLICY.initialIntervalMs;
  return {
    overlap,
    catchup: {
      policy: policies.catchup?.policy ?? 'latest',
      windowMs: Math.max(
        MIN_CATCHUP_WINDOW_MS,
        policies.catchup?.window ? parseDuration(policies.catchup.window) : (periodMs ?? MIN_CATCHUP_WINDOW_MS),
      ),
      bufferLimit: policies.catchup?.bufferLimit ?? DEFAULT_CATCHUP_BUFFER_LIMIT,
    },
    retry: {
      maxAttempts: retry.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
      initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient ?? DEFAULT_RETRY_POLICY.backoffCoefficient,
      maxIntervalMs: retry.maxInterval
        ? parseDuration(retry.maxInterval)
        : Math.max(initialIntervalMs, DEFAULT_RETRY_POLICY.maxIntervalMs),
    },
    timeoutMs: policies.timeout ? parseDuration(policies.timeout) : DEFAULT_TIMEOUT_MS,
    concurrency: overlap === 'allow' ? (policies.concurrency ?? null) : 1,
  };
}
