import { CLOSED_BREAKER, probeDue, type BreakerState } from '../policy/breaker.js';
import { triggerRun } from '../engine/operations.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';

/**
 * Where a schedule's breaker state lives: a meta row per schedule (absent = closed). It changes
 * only when the breaker trips, probes or closes, always in the transaction of the run outcome
 * that caused it, after the schedule's health row was written (which serialises outcomes of one
 * schedule on PostgreSQL).
 */
const KEY_PREFIX = 'breaker.';

export function breakerKey(scheduleId: string): string {
  return `${KEY_PREFIX}${scheduleId}`;
}

/** The stored row: the state and the schedule's organisation (so the monitor can load it). */
interface BreakerRow {
  orgId: string;
  breaker: BreakerState;
}

export async function readBreaker(tx: Store, scheduleId: string): Promise<BreakerState> {
  const value = (await tx.meta.get(breakerKey(scheduleId))) as unknown as BreakerRow | undefined;
  return value?.breaker ?? CLOSED_BREAKER;
}

export async function writeBreaker(tx: Store, orgId: string, scheduleId: string, breaker: BreakerState, now: number): Promise<void> {
  const row: BreakerRow = { orgId, breaker };
  await tx.meta.set(breakerKey(scheduleId), row as unknown as Json, now);
}

/**
 * Starts the probe run of every breaker whose cooldown has passed while its schedule is still
 * paused: one run (trigger `manual`, keyed by the probe instant so a second node starting the
 * same probe gets the same run). Returns the probe runs started.
 */
export async function startDueProbes(store: Store, now: number): Promise<Array<{ scheduleId: string; runId: string }>> {
  const started: Array<{ scheduleId: string; runId: string }> = [];
  for (const { key, value } of await store.meta.list(KEY_PREFIX)) {
    const { orgId, breaker: candidate } = value as unknown as BreakerRow;
    if (candidate.state !== 'open' || candidate.probeAt === null || candidate.probeAt > now) continue;
    const scheduleId = key.slice(KEY_PREFIX.length);
    const probe = await store.transaction(async (tx) => {
      // Read again inside the transaction: another node may have probed meanwhile.
      const breaker = await readBreaker(tx, scheduleId);
      const schedule = await tx.schedules.get(orgId, scheduleId);
      if (!schedule || breaker.state !== 'open' || !probeDue(breaker, { paused: schedule.paused, note: schedule.pauseNote }, now)) return null;
      const { run } = await triggerRun(
        tx,
        { orgId: schedule.orgId, scheduleId, idempotencyKey: `breaker-probe:${scheduleId}:${breaker.probeAt}`, overlap: 'allow' },
        now,
      );
      await writeBreaker(tx, orgId, scheduleId, { state: 'probing', openedAt: breaker.openedAt, probeRunId: run.id, trips: breaker.trips }, now);
      return run.id;
    });
    if (probe) started.push({ scheduleId, runId: probe });
  }
  return started;
}
