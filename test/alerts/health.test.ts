import { expect, it } from 'vitest';
import { startDueProbes } from '../../src/alerts/breaker.js';
import { onRunFinished, renotifyOpenIncidents } from '../../src/alerts/health.js';
import { markMissedRuns } from '../../src/alerts/missed.js';
import { detectOutage, LAST_ALIVE_KEY } from '../../src/alerts/outage.js';
import type { Store } from '../../src/store/store.js';
import type { Run, SchedulePolicies } from '../../src/store/types.js';
import { describeContract } from '../store/backends.js';
import { MIN, newSchedule, seed, T0 } from '../store/fixtures.js';

const ALERTS = { destinations: ['pd', 'hook'] };

async function setup(store: Store, policies: SchedulePolicies = { alerts: ALERTS }, over: { spec?: { every: string } } = {}): Promise<void> {
  await seed(store);
  await store.schedules.create(newSchedule('s1', { policies, ...(over.spec ? { spec: over.spec } : {}) }), T0);
}

let nominal = T0;
/** A run of s1 that ends with `status` at `at`; its health is counted in the same transaction. */
async function finish(store: Store, status: 'succeeded' | 'failed' | 'timed_out', at: number, trigger: 'schedule' | 'manual' = 'schedule'): Promise<Run> {
  nominal += 1000;
  const run = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: nominal, trigger, availableAt: at }, at);
  return completeRun(store, run, status, at);
}

async function completeRun(store: Store, run: Run, status: 'succeeded' | 'failed' | 'timed_out', at: number): Promise<Run> {
  const [claimed] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN, scheduleIds: ['s1'] }, at);
  expect(claimed?.run.id).toBe(run.id);
  return store.transaction(async (tx) => {
    await tx.runs.completeAttempt({ runId: run.id, attempt: claimed!.attempt.number, status, ...(status === 'succeeded' ? { output: { ok: true } } : { error: { message: 'boom' } }) }, at);
    const done = (await tx.runs.get('o1', run.id))!;
    await onRunFinished(tx, done, at);
    return done;
  });
}

async function deliveries(store: Store, type?: string) {
  const all = await store.deliveries.list({ orgId: 'o1', limit: 1000 });
  return all.filter((d) => type === undefined || d.eventType === type).sort((a, b) => a.createdAt - b.createdAt || a.destinationId.localeCompare(b.destinationId));
}

describeContract('health evaluation', (backend) => {
  it('three failures open one incident and notify each alert destination once; a success resolves it', async () => {
    const store = await backend().open();
    await setup(store);
    await finish(store, 'failed', T0 + 1 * MIN);
    await finish(store, 'timed_out', T0 + 2 * MIN);
    expect(await store.incidents.list('o1')).toEqual([]);
    await finish(store, 'failed', T0 + 3 * MIN);
    await finish(store, 'failed', T0 + 4 * MIN);
    const [incident] = await store.incidents.list('o1');
    expect(incident).toMatchObject({ scheduleId: 's1', status: 'open', kind: 'failure_streak', openedAt: T0 + 3 * MIN, lastNotifiedAt: T0 + 3 * MIN });
    expect(incident!.summary).toBe('schedule s1: 3 consecutive failed runs (last: failed)');
    const opened = await deliveries(store, 'incident.opened');
    expect(opened.map((d) => [d.destinationId, d.eventId])).toEqual([
      ['hook', `incident.${incident!.id}.opened`],
      ['pd', `incident.${incident!.id}.opened`],
    ]);
    expect(opened[0]!.payload).toMatchObject({ type: 'incident.opened', schedule: { id: 's1' }, data: { incident: { id: incident!.id, status: 'open' } } });
    // The streak began with the first failure (the timed-out run counts too).
    const failingSince = new Date(T0 + 1 * MIN).toISOString();
    expect(incident!.details).toMatchObject({ consecutiveFailures: 3, failingSince });
    expect(opened[0]!.payload).toMatchObject({ data: { incident: { consecutiveFailures: 3, failingSince } } });

    await finish(store, 'succeeded', T0 + 5 * MIN);
    expect(await store.incidents.get('o1', incident!.id)).toMatchObject({ status: 'resolved', resolvedAt: T0 + 5 * MIN });
    expect((await deliveries(store, 'incident.resolved')).map((d) => d.destinationId)).toEqual(['hook', 'pd']);
    expect((await deliveries(store, 'incident.resolved'))[0]!.payload).toMatchObject({ data: { incident: { status: 'resolved', failingSince } } });
    expect(await deliveries(store)).toHaveLength(4);
    expect(await store.health.get('s1')).toMatchObject({ consecutiveFailures: 0, consecutiveSuccesses: 1, totalFailed: 4, totalSucceeded: 1 });
  });

  it('a new streak opens a new incident; the resolved one stays in the history', async () => {
    const store = await backend().open();
    await setup(store);
    for (let i = 1; i <= 3; i++) await finish(store, 'failed', T0 + i * MIN);
    await finish(store, 'succeeded', T0 + 4 * MIN);
    for (let i = 5; i <= 7; i++) await finish(store, 'failed', T0 + i * MIN);
    const list = await store.incidents.list('o1');
    expect(list.map((i) => i.status)).toEqual(['open', 'resolved']);
    expect(await store.incidents.list('o1', { status: 'resolved' })).toHaveLength(1);
  });

  it('skipped and cancelled runs and runs without a schedule count for nothing', async () => {
    const store = await backend().open();
    await setup(store);
    const skipped = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'schedule', status: 'skipped', reason: 'overlap' }, T0);
    expect(await store.transaction((tx) => onRunFinished(tx, skipped, T0))).toBeNull();
    const queued = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0 + 1, trigger: 'schedule' }, T0);
    const cancelled = (await store.runs.cancel('o1', queued.id, 'by hand', T0))!;
    expect(await store.transaction((tx) => onRunFinished(tx, cancelled, T0))).toBeNull();
    const adhoc = await store.runs.create({ orgId: 'o1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'api' }, T0);
    expect(await store.transaction((tx) => onRunFinished(tx, { ...adhoc, status: 'failed' }, T0))).toBeNull();
    expect(await store.health.get('s1')).toBeNull();
  });

  it('commits with the run: a transaction that rolls back leaves no health, incident or delivery', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { ...ALERTS, failureThreshold: 1 } });
    const run = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'schedule', availableAt: T0 }, T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0);
    await expect(
      store.transaction(async (tx) => {
        await tx.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'failed', error: { message: 'x' } }, T0);
        expect((await onRunFinished(tx, (await tx.runs.get('o1', run.id))!, T0))?.incident).toBe('open');
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect((await store.runs.get('o1', run.id))?.status).toBe('running');
    expect(await store.health.get('s1')).toBeNull();
    expect(await store.incidents.list('o1')).toEqual([]);
    expect(await deliveries(store)).toEqual([]);
  });

  it('re-notifies an open incident after the interval, on failures and from the monitor', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { ...ALERTS, destinations: ['pd'], renotify: '10m' } });
    for (let i = 1; i <= 3; i++) await finish(store, 'failed', T0 + i * MIN);
    await finish(store, 'failed', T0 + 12 * MIN); // 9 minutes after opening: not yet
    expect(await deliveries(store, 'incident.renotified')).toHaveLength(0);
    await finish(store, 'failed', T0 + 13 * MIN); // 10 minutes: re-notify
    expect(await deliveries(store, 'incident.renotified')).toHaveLength(1);
    expect(await renotifyOpenIncidents(store, T0 + 22 * MIN)).toBe(0);
    expect(await renotifyOpenIncidents(store, T0 + 23 * MIN)).toBe(1);
    expect(await renotifyOpenIncidents(store, T0 + 23 * MIN)).toBe(0);
    const renotified = await deliveries(store, 'incident.renotified');
    expect(renotified).toHaveLength(2);
    expect(new Set(renotified.map((d) => d.eventId)).size).toBe(2);
    expect((await store.incidents.list('o1'))[0]?.lastNotifiedAt).toBe(T0 + 23 * MIN);
  });
});

describeContract('circuit breaker', (backend) => {
  const BREAKER = { alerts: { destinations: ['pd'], failureThreshold: 2, breaker: { after: 3, cooldown: '10m' } } };

  it('pauses after K failures with a note, probes once after the cooldown; a failed probe re-pauses, a good one resumes', async () => {
    const store = await backend().open();
    await setup(store, BREAKER);
    for (let i = 1; i <= 2; i++) await finish(store, 'failed', T0 + i * MIN);
    expect((await store.schedules.get('o1', 's1'))?.paused).toBe(false);
    await finish(store, 'failed', T0 + 3 * MIN);
    let schedule = (await store.schedules.get('o1', 's1'))!;
    expect(schedule.paused).toBe(true);
    expect(schedule.pauseNote).toMatch(/^circuit breaker: paused after 3 consecutive failures/);
    const paused = await deliveries(store, 'schedule.paused');
    expect(paused).toHaveLength(1);
    expect(paused[0]!.payload).toMatchObject({ data: { by: 'circuit_breaker', probeAt: new Date(T0 + 13 * MIN).toISOString() } });

    expect(await startDueProbes(store, T0 + 13 * MIN - 1)).toEqual([]);
    const [probe] = await startDueProbes(store, T0 + 13 * MIN);
    expect(probe?.scheduleId).toBe('s1');
    expect(await startDueProbes(store, T0 + 14 * MIN)).toEqual([]); // one probe at a time
    const probeRun = (await store.runs.get('o1', probe!.runId))!;
    expect(probeRun).toMatchObject({ status: 'queued', trigger: 'manual' });

    await completeRun(store, probeRun, 'failed', T0 + 14 * MIN);
    schedule = (await store.schedules.get('o1', 's1'))!;
    expect(schedule.paused).toBe(true);
    expect(schedule.pauseNote).toMatch(/the probe run failed/);
    expect(await deliveries(store, 'schedule.paused')).toHaveLength(2);
    expect(await startDueProbes(store, T0 + 24 * MIN - 1)).toEqual([]);
    const [second] = await startDueProbes(store, T0 + 24 * MIN);
    await completeRun(store, (await store.runs.get('o1', second!.runId))!, 'succeeded', T0 + 25 * MIN);
    schedule = (await store.schedules.get('o1', 's1'))!;
    expect(schedule).toMatchObject({ paused: false, pauseNote: null });
    // The probe's success also resolved the incident of the streak.
    expect((await store.incidents.list('o1')).map((i) => i.status)).toEqual(['resolved']);
  });

  it('a person can resume; the next failure does not re-trip, K more do', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { breaker: { after: 2 } } });
    await finish(store, 'failed', T0 + 1 * MIN);
    await finish(store, 'failed', T0 + 2 * MIN);
    expect((await store.schedules.get('o1', 's1'))?.pauseNote).toMatch(/resume it when the cause is fixed/);
    expect(await startDueProbes(store, T0 + 1000 * MIN)).toEqual([]); // no cooldown: no probe
    await store.schedules.setPaused('o1', 's1', false, null, T0 + 3 * MIN);
    await finish(store, 'failed', T0 + 4 * MIN);
    expect((await store.schedules.get('o1', 's1'))?.paused).toBe(false);
    await finish(store, 'failed', T0 + 5 * MIN);
    expect((await store.schedules.get('o1', 's1'))?.paused).toBe(true);
  });

  it('never probes a schedule a person paused with a note of their own', async () => {
    const store = await backend().open();
    await setup(store, BREAKER);
    for (let i = 1; i <= 3; i++) await finish(store, 'failed', T0 + i * MIN);
    await store.schedules.setPaused('o1', 's1', false, null, T0 + 4 * MIN);
    await store.schedules.setPaused('o1', 's1', true, 'maintenance until Monday', T0 + 5 * MIN);
    expect(await startDueProbes(store, T0 + 60 * MIN)).toEqual([]);
    expect(await store.schedules.get('o1', 's1')).toMatchObject({ paused: true, pauseNote: 'maintenance until Monday' });
  });

  it('is off by default', async () => {
    const store = await backend().open();
    await setup(store, {});
    for (let i = 1; i <= 10; i++) await finish(store, 'failed', T0 + i * MIN);
    expect((await store.schedules.get('o1', 's1'))?.paused).toBe(false);
    expect(await store.incidents.list('o1', { status: 'open' })).toHaveLength(1);
  });
});

describeContract('missed runs', (backend) => {
  it('a queued run not started within the grace of its planned start is missed, with a reason, and counts as a failure', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { destinations: ['pd'] } });
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0 + i * MIN, trigger: 'schedule', availableAt: T0 + i * MIN + 5_000 }, T0));
    }
    expect(await markMissedRuns(store, T0 + 65_000)).toEqual([]);
    const first = await markMissedRuns(store, T0 + 65_001);
    expect(first.map((r) => r.id)).toEqual([runs[0]!.id]);
    expect(first[0]).toMatchObject({ status: 'missed', finishedAt: T0 + 65_001 });
    expect(first[0]!.reason).toBe('not started within the missed grace of 60000 ms after its planned start 2026-01-01T00:00:05.000Z');
    expect(await store.health.get('s1')).toMatchObject({ consecutiveFailures: 1, totalFailed: 1 });
    expect((await markMissedRuns(store, T0 + 4 * MIN)).map((r) => r.id)).toEqual([runs[1]!.id, runs[2]!.id]);
    // Missed runs are failures: the third opens the incident.
    expect(await store.incidents.list('o1', { status: 'open' })).toHaveLength(1);
    expect(await deliveries(store, 'incident.opened')).toHaveLength(1);
  });

  it('honours the schedule’s grace, and leaves runs waiting behind a running run of their schedule alone', async () => {
    const store = await backend().open();
    await setup(store, { overlap: 'buffer_one', alerts: { missedGrace: '5m' } });
    const running = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'schedule', availableAt: T0, concurrencyKey: 's1', concurrencyLimit: 1 }, T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: 60 * MIN }, T0);
    const waiting = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0 + MIN, trigger: 'schedule', availableAt: T0 + MIN, concurrencyKey: 's1', concurrencyLimit: 1 }, T0);
    expect(await markMissedRuns(store, T0 + 30 * MIN)).toEqual([]);
    expect((await store.runs.get('o1', waiting.id))?.status).toBe('queued');
    await store.transaction(async (tx) => {
      await tx.runs.completeAttempt({ runId: running.id, attempt: 1, status: 'succeeded', output: null }, T0 + 30 * MIN);
    });
    expect(await markMissedRuns(store, T0 + 6 * MIN + 1)).toHaveLength(1);
  });
  it('after a restart the grace counts from the start: runs left queued by the outage get a chance to be claimed', async () => {
    const store = await backend().open();
    await setup(store);
    const stale = await store.runs.create({ orgId: 'o1', scheduleId: 's1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'schedule', availableAt: T0 }, T0);
    const startedAt = T0 + 30 * MIN;
    expect(await markMissedRuns(store, startedAt + MIN, { notBefore: startedAt })).toEqual([]);
    const [missed] = await markMissedRuns(store, startedAt + MIN + 1, { notBefore: startedAt });
    expect(missed?.id).toBe(stale.id);
    expect(missed?.reason).toContain("counted from agentcron's start at 2026-01-01T00:30:00.000Z");
  });
});

describeContract('outage detection', (backend) => {
  const EVERY_10M = { every: '10m' };

  it('reports one outage with the occurrences each schedule missed, not counted as failures', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { destinations: ['pd'] } }, { spec: EVERY_10M });
    await store.meta.set(LAST_ALIVE_KEY, T0, T0);
    expect(await detectOutage(store, T0 + 90_000)).toEqual([]); // below the 2-minute threshold
    await store.meta.set(LAST_ALIVE_KEY, T0, T0);
    await store.schedules.create(newSchedule('ended', { spec: EVERY_10M, nextNominalTime: null }), T0);
    await store.schedules.create(newSchedule('held', { spec: EVERY_10M, paused: true }), T0);
    const reports = await detectOutage(store, T0 + 60 * MIN + 1);
    expect(reports).toEqual([
      {
        orgId: 'o1',
        from: T0,
        to: T0 + 60 * MIN + 1,
        schedules: [{ scheduleId: 's1', occurrences: 6, caughtUp: 1, missed: 5, truncated: false, countedAsFailures: false }],
      },
    ]);
    const outage = await deliveries(store, 'system.outage');
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatchObject({ destinationId: 'pd', scheduleId: null, eventId: `system.outage.${T0}` });
    expect(outage[0]!.payload).toMatchObject({ type: 'system.outage', data: { from: new Date(T0).toISOString(), durationMs: 60 * MIN + 1 } });
    expect(await store.health.get('s1')).toBeNull();
    // The start recorded itself alive: a second check reports nothing.
    expect(await detectOutage(store, T0 + 60 * MIN + 2)).toEqual([]);
    expect(await deliveries(store, 'system.outage')).toHaveLength(1);
  });

  it('with countOutages, the occurrences the catch-up policy does not run count as failures', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { destinations: ['pd'], countOutages: true } }, { spec: EVERY_10M });
    await store.meta.set(LAST_ALIVE_KEY, T0, T0);
    await detectOutage(store, T0 + 60 * MIN + 1);
    expect(await store.health.get('s1')).toMatchObject({ consecutiveFailures: 5, totalFailed: 5 });
    expect(await store.incidents.list('o1', { status: 'open' })).toHaveLength(1);
  });

  it('the first start ever reports nothing; two nodes starting together report the outage once', async () => {
    const store = await backend().open();
    await setup(store, { alerts: { destinations: ['pd'] } }, { spec: EVERY_10M });
    expect(await detectOutage(store, T0)).toEqual([]);
    expect(await store.meta.get(LAST_ALIVE_KEY)).toBe(T0);
    const peer = await backend().openPeer();
    const [a, b] = await Promise.all([detectOutage(store, T0 + 60 * MIN), detectOutage(peer, T0 + 60 * MIN + 5)]);
    expect(a.length + b.length).toBe(1);
    expect(await deliveries(store, 'system.outage')).toHaveLength(1);
  });
});
