import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIVERY_RETRY_POLICY, decideDeliveryRetry, parseRetryAfter, STANDARD_WEBHOOKS_SCHEDULE_MS } from '../../src/policy/delivery-retry.js';

const H = 3_600_000;
const policy = DEFAULT_DELIVERY_RETRY_POLICY;
const fixed = (r: number) => () => r;

describe('delivery retry policy', () => {
  it('follows the Standard Webhooks schedule: 5 s, 5 m, 30 m, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then dead', () => {
    const delays: number[] = [];
    for (let attempt = 1; ; attempt++) {
      const d = decideDeliveryRetry({ policy, attempt, retryable: true, now: 0, random: fixed(0.5) });
      if (!d.retry) {
        expect(d.reason).toBe('attempts_exhausted');
        expect(attempt).toBe(10);
        break;
      }
      delays.push(d.at);
    }
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(STANDARD_WEBHOOKS_SCHEDULE_MS[0]).toBe(0);
  });

  it('spreads each delay over ±10 % and never outside it', () => {
    const low = decideDeliveryRetry({ policy, attempt: 4, retryable: true, now: 1000, random: fixed(0) });
    const high = decideDeliveryRetry({ policy, attempt: 4, retryable: true, now: 1000, random: fixed(0.999999) });
    expect(low).toEqual({ retry: true, at: 1000 + 0.9 * 2 * H });
    expect(high.retry && high.at).toBeLessThanOrEqual(1000 + 1.1 * 2 * H);
    expect(high.retry && high.at).toBeGreaterThan(1000 + 1.09 * 2 * H);
  });

  it('waits at least as long as Retry-After asks, capped at the policy maximum', () => {
    const asked = decideDeliveryRetry({ policy, attempt: 1, retryable: true, now: 0, retryAfterMs: 60_000, random: fixed(0.5) });
    expect(asked).toEqual({ retry: true, at: 60_000 });
    const shorter = decideDeliveryRetry({ policy, attempt: 3, retryable: true, now: 0, retryAfterMs: 1_000, random: fixed(0.5) });
    expect(shorter).toEqual({ retry: true, at: 30 * 60_000 });
    const huge = decideDeliveryRetry({ policy, attempt: 1, retryable: true, now: 0, retryAfterMs: 1000 * H, random: fixed(0.5) });
    expect(huge).toEqual({ retry: true, at: 24 * H });
  });

  it('dead-letters at once what a retry cannot fix', () => {
    expect(decideDeliveryRetry({ policy, attempt: 1, retryable: false, now: 0, random: fixed(0.5) })).toEqual({ retry: false, reason: 'not_retryable' });
  });

  it('takes a configured schedule', () => {
    const short = { ...policy, scheduleMs: [0, 1000], jitter: 0 };
    expect(decideDeliveryRetry({ policy: short, attempt: 1, retryable: true, now: 5, random: fixed(0.3) })).toEqual({ retry: true, at: 1005 });
    expect(decideDeliveryRetry({ policy: short, attempt: 2, retryable: true, now: 5, random: fixed(0.3) }).retry).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
