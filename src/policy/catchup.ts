import type { CatchupPolicy } from '../store/types.js';

/** The smallest catch-up window: below it, normal scheduling jitter would count as "late". */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
export const DEFAULT_CATCHUP_BUFFER_LIMIT = 1000;

export interface CatchupInput {
  policy: CatchupPolicy;
  /** Occurrences within this distance of `now` may still run; defaults to one period upstream. */
  windowMs: number;
  bufferLimit: number;
  /** Due nominal times (all ≤ now), ascending. */
  due: readonly number[];
  now: number;
}

export interface CatchupPlan {
  run: number[];
  missed: Array<{ nominal: number; reason: string }>;
}

/**
 * Splits due occurrences into those to run and those to record as missed (DESIGN.md
 * "Catch-up", invariant 2: nothing is dropped silently). In steady operation there is one due
 * occurrence, a few milliseconds old, and every policy runs it.
 */
export function planCatchup(input: CatchupInput): CatchupPlan {
  const windowMs = Math.max(MIN_CATCHUP_WINDOW_MS, input.windowMs);
  const plan: CatchupPlan = { run: [], missed: [] };
  const inWindow: number[] = [];
  for (const nominal of input.due) {
    if (input.now - nominal > windowMs) {
      plan.missed.push({ nominal, reason: `outside the catch-up window of ${windowMs} ms` });
    } else {
      inWindow.push(nominal);
    }
  }
  const onTime = (nominal: number) => input.now - nominal <= MIN_CATCHUP_WINDOW_MS;
  switch (input.policy) {
    case 'latest': {
      const latest = inWindow.at(-1);
      for (const nominal of inWindow.slice(0, -1)) {
        plan.missed.push({ nominal, reason: 'catch-up policy latest: superseded by a later occurrence' });
      }
      if (latest !== undefined) plan.run.push(latest);
      break;
    }
    case 'all': {
      plan.run.push(...inWindow.slice(0, input.bufferLimit));
      for (const nominal of inWindow.slice(input.bufferLimit)) {
        plan.missed.push({ nominal, reason: `catch-up policy all: over the buffer limit of ${input.bufferLimit}` });
      }
      break;
    }
    case 'none': {
      for (const nominal of inWindow) {
        if (onTime(nominal) && nominal === inWindow.at(-1)) plan.run.push(nominal);
        else plan.missed.push({ nominal, reason: 'catch-up policy none: late occurrences are not run' });
      }
      break;
    }
  }
  plan.missed.sort((a, b) => a.nominal - b.nominal);
  return plan;
}
