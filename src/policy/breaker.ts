import type { BreakerPolicy, RunOutcome } from './health.js';

/**
 * The circuit breaker of a schedule (DESIGN.md "Health"): after K consecutive failures the
 * schedule pauses with a note; after an optional cooldown one probe run decides: success
 * resumes, failure pauses again. A person can resume at any time. Pure.
 *
 * `streakBase` lets a person's resume start a fresh count: the failures before the resume stay
 * in the health record (and its incident) but do not trip the breaker again on the next failure.
 */
export type BreakerState =
  | { state: 'closed'; streakBase: number }
  | { state: 'open'; openedAt: number; probeAt: number | null; trips: number }
  | { state: 'probing'; openedAt: number; probeRunId: string; trips: number };

export const CLOSED_BREAKER: BreakerState = { state: 'closed', streakBase: 0 };

export type BreakerAction = 'none' | 'pause' | 'resume' | 'repause';

export interface BreakerDecision {
  next: BreakerState;
  action: BreakerAction;
  /** The pause note for `pause`/`repause`. */
  note?: string;
}

export interface BreakerOutcomeInput {
  breaker: BreakerState;
  policy: BreakerPolicy;
  outcome: RunOutcome;
  /** The schedule's consecutive failures AFTER this outcome. */
  consecutiveFailures: number;
  /** Whether the schedule is paused now (false while open/probing means a person resumed it). */
  paused: boolean;
  /** The run of the outcome; null for an occurrence that never got a run. */
  runId: string | null;
  now: number;
}

export function decideBreaker(input: BreakerOutcomeInput): BreakerDecision {
  const { breaker, policy, outcome, now } = input;
  const failed = outcome === 'failure';
  if (breaker.state === 'probing' && input.runId === breaker.probeRunId) {
    if (!failed) return { next: CLOSED_BREAKER, action: 'resume' };
    const probeAt = policy.cooldownMs === null ? null : now + policy.cooldownMs;
    return {
      next: { state: 'open', openedAt: breaker.openedAt, probeAt, trips: breaker.trips + 1 },
      action: 'repause',
      note: pauseNote(input.consecutiveFailures, probeAt, 'the probe run failed'),
    };
  }
  if (breaker.state !== 'closed') {
    // A run that was already under way when the breaker opened: counted, nothing else.
    if (input.paused) return { next: breaker, action: 'none' };
    // A person resumed the schedule: start a fresh count from before this outcome.
    return decideClosed({ state: 'closed', streakBase: input.consecutiveFailures - (failed ? 1 : 0) }, input);
  }
  return decideClosed(breaker, input);
}

function decideClosed(breaker: { state: 'closed'; streakBase: number }, input: BreakerOutcomeInput): BreakerDecision {
  const { policy, now } = input;
  if (input.outcome === 'success') return { next: CLOSED_BREAKER, action: 'none' };
  const streak = input.consecutiveFailures - breaker.streakBase;
  if (policy.after === null || streak < policy.after) return { next: breaker, action: 'none' };
  const probeAt = policy.cooldownMs === null ? null : now + policy.cooldownMs;
  return {
    next: { state: 'open', openedAt: now, probeAt, trips: 1 },
    action: 'pause',
    note: pauseNote(input.consecutiveFailures, probeAt, `${streak} consecutive failures (breaker after ${policy.after})`),
  };
}

/** Every note the breaker pauses with starts so; a pause with another note is a person's. */
export const BREAKER_NOTE_PREFIX = 'circuit breaker:';

/**
 * Whether the monitor should start a probe run now: the cooldown has passed and the schedule is
 * still paused by the breaker (not resumed, nor paused again by a person with a note of theirs).
 */
export function probeDue(breaker: BreakerState, pause: { paused: boolean; note: string | null }, now: number): boolean {
  const byBreaker = pause.paused && (pause.note ?? '').startsWith(BREAKER_NOTE_PREFIX);
  return breaker.state === 'open' && byBreaker && breaker.probeAt !== null && breaker.probeAt <= now;
}

function pauseNote(failures: number, probeAt: number | null, why: string): string {
  const then =
    probeAt === null
      ? 'resume it when the cause is fixed'
      : `one probe run at ${new Date(probeAt).toISOString()} resumes it on success`;
  return `${BREAKER_NOTE_PREFIX} paused after ${why}; ${failures} consecutive failures in all; ${then}`;
}
