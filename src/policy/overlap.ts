import type { OverlapPolicy } from '../store/types.js';

/**
 * What to do with an occurrence while earlier runs of the same schedule are still active
 * (DESIGN.md "Overlap"). Buffered runs are queued runs that the dispatcher starts only when
 * the schedule has no running run, so "buffer" needs no separate queue.
 */
export type OverlapDecision =
  | { action: 'start' }
  | { action: 'buffer' }
  | { action: 'skip'; reason: string }
  | { action: 'start'; cancel: string[] };

export interface ActiveRun {
  id: string;
  status: 'queued' | 'running';
}

export function decideOverlap(policy: OverlapPolicy, active: readonly ActiveRun[]): OverlapDecision {
  if (active.length === 0 || policy === 'allow') return { action: 'start' };
  const waiting = active.filter((r) => r.status === 'queued');
  switch (policy) {
    case 'skip':
      return { action: 'skip', reason: `overlap policy skip: run ${active[0]!.id} is still ${active[0]!.status}` };
    case 'buffer_one':
      // At most one run waits: a second one would make the schedule fall further behind.
      if (waiting.length > 0) {
        return { action: 'skip', reason: `overlap policy buffer_one: run ${waiting[0]!.id} is already waiting` };
      }
      return { action: 'buffer' };
    case 'buffer_all':
      return { action: 'buffer' };
    case 'cancel_other':
      return { action: 'start', cancel: active.map((r) => r.id) };
  }
}
