import { describe, expect, it } from 'vitest';
import { backoffCeiling, decideRetry, retryDelay, type RetryPolicy } from '../../src/policy/retry.js';

const policy: RetryPolicy = { maxAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maxIntervalMs: 5000 };

describe('retry policy', () => {
  it('grows the ceiling exponentially up to the maximum interval', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffCeiling(policy, a))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('applies full jitter within [0, ceiling]', () => {
    expect(retryDelay(policy, 3, () => 0)).toBe(0);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(2000);
    expect(retryDelay(policy, 3, () => 0.999999)).toBeLessThanOrEqual(4000);
  });

  it('retries a retryable failure while attempts and deadline allow', () => {
    const base = { policy, retryable: true, now: 10_000, deadline: null, random: () => 0.5 };
    expect(decideRetry({ ...base, attempt: 1 })).toEqual({ retry: true, at: 10_500 });
    expect(decideRetry({ ...base, attempt: 5 })).toEqual({ retry: false, reason: 'attempts_exhausted' });
    expect(decideRetry({ ...base, attempt: 1, retryable: false })).toEqual({ retry: false, reason: 'not_retryable' });
    expect(decideRetry({ ...base, attempt: 2, deadline: 10_900 })).toEqual({ retry: false, reason: 'deadline' });
    expect(decideRetry({ ...base, attempt: 2, deadline: 11_001 })).toEqual({ retry: true, at: 11_000 });
  });
});
