import type { NewRun, NewSchedule, Store } from '../../src/store/store.js';
import type { RunStatus } from '../../src/store/types.js';

export const T0 = Date.UTC(2026, 0, 1);
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Two organisations (o1, o2) and a template `t1` (v1) in o1. */
export async function seed(store: Store): Promise<void> {
  await store.orgs.create({ id: 'o1', name: 'one' }, T0);
  await store.orgs.create({ id: 'o2', name: 'two', tier: 'pro' }, T0);
  await store.templates.put({ orgId: 'o1', templateId: 't1', kind: 'steps', definition: { steps: [] } }, T0);
}

export function newSchedule(id: string, over: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    orgId: 'o1',
    templateId: 't1',
    spec: { cron: '* * * * *', timezone: 'UTC' },
    nextNominalTime: T0 + MIN,
    ...over,
  };
}

export function newRun(over: Partial<NewRun> = {}): NewRun {
  return {
    orgId: 'o1',
    templateId: 't1',
    templateVersion: 1,
    nominalTime: T0,
    trigger: 'manual',
    ...over,
  };
}

/** A scheduled run for occurrence `nominalTime` of schedule `scheduleId`. */
export function occurrence(scheduleId: string, nominalTime: number, over: Partial<NewRun> = {}): NewRun {
  return newRun({ scheduleId, nominalTime, trigger: 'schedule', ...over });
}

export interface Played {
  scheduleId: string;
  nominal: number;
  /** Start lateness: the run is claimed this long after its nominal time. */
  late: number;
  /** Finished this long after it started; omitted: still running. */
  duration?: number;
  status?: Extract<RunStatus, 'succeeded' | 'failed' | 'timed_out'>;
  trigger?: 'schedule' | 'manual';
  browserMs?: number;
  orgId?: string;
}

/** Takes one run through its real lifecycle: created at its nominal time, claimed, timed, ended. */
export async function play(store: Store, input: Played): Promise<string> {
  const orgId = input.orgId ?? 'o1';
  const run = await store.runs.create(
    input.trigger === 'manual'
      ? newRun({ orgId, scheduleId: input.scheduleId, nominalTime: input.nominal })
      : occurrence(input.scheduleId, input.nominal, { orgId }),
    input.nominal,
  );
  const start = input.nominal + input.late;
  const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: DAY, scheduleIds: [input.scheduleId] }, start);
  if (claimed?.run.id !== run.id) throw new Error(`play: claimed ${claimed?.run.id ?? 'nothing'} instead of run ${run.id} (another queued run of ${input.scheduleId} came first)`);
  if (input.browserMs) await store.runs.addBrowserTime(run.id, 1, input.browserMs);
  if (input.duration !== undefined) {
    const ended = await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: input.status ?? 'succeeded' }, start + input.duration);
    if (!ended) throw new Error(`play: run ${run.id} could not be completed`);
  }
  return run.id;
}

/** A run recorded without starting (skipped or missed by policy), or left queued. */
export async function unstarted(store: Store, scheduleId: string, nominal: number, status: 'queued' | 'skipped' | 'missed', orgId = 'o1'): Promise<string> {
  const run = await store.runs.create(occurrence(scheduleId, nominal, { orgId, status, reason: status === 'queued' ? null : `test: ${status}` }), nominal);
  return run.id;
}
