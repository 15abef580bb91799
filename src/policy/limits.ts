/**
 * Tiers and their limits (pure): what an organisation may create or start. A violation names
 * the limit and its value so the caller can say exactly what was refused.
 */
import { formatDuration, nextOccurrences, parseSpec } from '../spec/index.js';
import type { ScheduleSpecInput } from '../spec/types.js';

export type Tier = 'self-hosted' | 'standard' | 'enterprise';
export const TIERS: readonly Tier[] = ['self-hosted', 'standard', 'enterprise'];
/** What an organisation gets when nobody says otherwise: a self-hosted install has no limits. */
export const DEFAULT_TIER: Tier = 'self-hosted';

export interface TierLimits {
  /** Smallest gap between two occurrences of one schedule, ms; null = none. */
  minScheduleIntervalMs: number | null;
  /** Queued or running runs of the organisation at once; null = none. */
  maxConcurrentRuns: number | null;
  /** Schedules of the organisation; null = none. */
  maxSchedules: number | null;
}

export const TIER_LIMITS: Readonly<Record<Tier, TierLimits>> = {
  'self-hosted': { minScheduleIntervalMs: null, maxConcurrentRuns: null, maxSchedules: null },
  standard: { minScheduleIntervalMs: 5 * 60_000, maxConcurrentRuns: 10_000, maxSchedules: 1_000 },
  enterprise: { minScheduleIntervalMs: 60_000, maxConcurrentRuns: 100_000, maxSchedules: 100_000 },
};

/** Occurrences looked at to find a spec's smallest gap: enough to cover a day of minutes' crons' odd gaps. */
export const INTERVAL_SAMPLE = 100;

export type LimitName = keyof TierLimits;

/** A request that a tier's limit refuses. `value` is the limit (ms for intervals). */
export class LimitExceededError extends Error {
  override readonly name = 'LimitExceededError';
  constructor(
    readonly limit: LimitName,
    readonly value: number,
    readonly tier: string,
    message: string,
  ) {
    super(message);
  }
}

/** An organisation's tier that this build does not know; `free` is read as the self-hosted default (the name older databases stored). */
export function limitsFor(tier: string): TierLimits {
  if (tier === 'free') return TIER_LIMITS['self-hosted'];
  if ((TIERS as readonly string[]).includes(tier)) return TIER_LIMITS[tier as Tier];
  throw new RangeError(`unknown tier ${JSON.stringify(tier)}; known tiers: ${TIERS.join(', ')}`);
}

/**
 * The smallest gap between consecutive occurrences over the next `INTERVAL_SAMPLE` after
 * `after`, or null when the spec has fewer than two (a one-off). Computed from occurrences, so
 * cron specs such as `0,1 * * * *` are judged by their real gaps, not their field values.
 */
export function smallestGap(spec: ScheduleSpecInput, after: number, sample = INTERVAL_SAMPLE): number | null {
  const occurrences = nextOccurrences(parseSpec(spec), after, sample);
  let smallest: number | null = null;
  for (let i = 1; i < occurrences.length; i++) {
    const gap = occurrences[i]!.nominal - occurrences[i - 1]!.nominal;
    if (smallest === null || gap < smallest) smallest = gap;
  }
  return smallest;
}

export function checkScheduleInterval(tier: string, spec: ScheduleSpecInput, now: number): void {
  const min = limitsFor(tier).minScheduleIntervalMs;
  if (min === null) return;
  const gap = smallestGap(spec, now);
  if (gap !== null && gap < min) {
    throw new LimitExceededError(
      'minScheduleIntervalMs',
      min,
      tier,
      `the ${tier} tier allows schedules at most every ${formatDuration(min)}; this spec has occurrences ${formatDuration(gap)} apart`,
    );
  }
}

export function checkScheduleCount(tier: string, existing: number, adding = 1): void {
  const max = limitsFor(tier).maxSchedules;
  if (max !== null && existing + adding > max) {
    throw new LimitExceededError('maxSchedules', max, tier, `the ${tier} tier allows at most ${max} schedules; the organisation has ${existing}`);
  }
}

export function checkConcurrentRuns(tier: string, active: number, adding: number): void {
  const max = limitsFor(tier).maxConcurrentRuns;
  if (max !== null && active + adding > max) {
    throw new LimitExceededError(
      'maxConcurrentRuns',
      max,
      tier,
      `the ${tier} tier allows at most ${max} queued or running runs; the organisation has ${active} and this would add ${adding}`,
    );
  }
}
