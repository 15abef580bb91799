import type { NewRun, NewSchedule, Store } from '../../src/store/store.js';

export const T0 = Date.UTC(2026, 0, 1);
export const MIN = 60_000;

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
