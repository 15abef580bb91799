import { expect, it } from 'vitest';
import { detectOutage } from '../../src/alerts/outage.js';
import { FakeClock } from '../../src/clock.js';
import { createPagerdutyDestination } from '../../src/delivery/pagerduty.js';
import { Engine } from '../../src/engine/engine.js';
import { HttpRunner } from '../../src/runtime/http.js';
import type { SchedulePolicies } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { allRuns, MIN, schedule, SEC, seedHttp, T0, useTarget } from '../engine/harness.js';
import { describeContract } from '../store/backends.js';
import { servingNode, usePagerDuty } from './harness.js';

/**
 * A schedule checking a local page every 10 s, with PagerDuty as its alert destination: the
 * engine's own scheduler, worker (health counted in each run's transaction) and health monitor,
 * driven step by step on a fake clock; the outbox is sent to a local Events v2 receiver.
 */
describeContract('alerts end to end', (backend) => {
  const web = useTarget();
  const pd = usePagerDuty();

  async function setup(policies: SchedulePolicies) {
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('page', { params: { url: web.url }, policies: { retry: { maxAttempts: 1 }, ...policies } }), T0);
    const clock = new FakeClock(T0);
    const engine = new Engine({ store, clock, logger: silentLogger(), runners: [new HttpRunner()], pollMs: 3_600_000, workerId: 'n1' });
    const pagerduty = createPagerdutyDestination('pd', { type: 'pagerduty', routingKey: pd.receiver.routingKey, url: pd.receiver.url }, { clock });
    const stepTo = servingNode(engine, store, clock, [pagerduty]);
    return { store, clock, engine, stepTo };
  }

  it('a page that breaks pages the on-call once after three failures and resolves once when it recovers', async () => {
    web.target.script([500, 500, 500, 500, 500]);
    const { store, stepTo } = await setup({ alerts: { destinations: ['pd'] } });
    for (let i = 1; i <= 2; i++) await stepTo(T0 + i * 10 * SEC);
    expect(pd.receiver.requests).toBe(0);
    await stepTo(T0 + 30 * SEC);
    expect(pd.receiver.triggers()).toHaveLength(1);
    for (let i = 4; i <= 5; i++) await stepTo(T0 + i * 10 * SEC);
    expect(pd.receiver.triggers()).toHaveLength(1); // still the same streak: no second page
    await stepTo(T0 + 60 * SEC); // the page answers 200 again
    await stepTo(T0 + 70 * SEC);
    expect(pd.receiver.rejected).toEqual([]);
    const [trigger] = pd.receiver.triggers();
    expect(pd.receiver.resolves()).toEqual([{ routing_key: pd.receiver.routingKey, event_action: 'resolve', dedup_key: trigger!.dedup_key }]);
    expect(trigger!.payload).toMatchObject({ summary: 'schedule page: 3 consecutive failed runs (last: failed)', source: 'agentcron/o1/page', severity: 'error' });
    expect((await allRuns(store, 'page')).map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed', 'succeeded', 'succeeded']);
    expect(await store.incidents.list('o1')).toMatchObject([{ status: 'resolved' }]);
  });

  it('auto-pauses after K failures, re-probes after the cooldown, and resumes when the probe succeeds', async () => {
    web.target.script([500, 500, 500, 500]);
    const { store, stepTo } = await setup({ alerts: { destinations: ['pd'], breaker: { after: 3, cooldown: '1m' } } });
    for (let i = 1; i <= 3; i++) await stepTo(T0 + i * 10 * SEC);
    expect(await store.schedules.get('o1', 'page')).toMatchObject({ paused: true });
    // Two events of one transaction: the outbox does not order them, so compare as a set.
    expect(pd.receiver.triggers().map((t) => t.payload?.class).sort()).toEqual(['incident.opened', 'schedule.paused']);
    // Paused: nothing fires during the cooldown.
    await stepTo(T0 + 60 * SEC);
    expect(await allRuns(store, 'page')).toHaveLength(3);
    // The cooldown ends at 1:30; the probe fails (the 4th scripted 500) and the schedule pauses again.
    await stepTo(T0 + 90 * SEC);
    let runs = await allRuns(store, 'page');
    expect(runs.map((r) => `${r.trigger}:${r.status}`)).toEqual(['schedule:failed', 'schedule:failed', 'schedule:failed', 'manual:failed']);
    expect(await store.schedules.get('o1', 'page')).toMatchObject({ paused: true });
    expect((await store.schedules.get('o1', 'page'))?.pauseNote).toMatch(/the probe run failed/);
    // A minute later the next probe finds the page fixed: the schedule resumes and fires again.
    await stepTo(T0 + 150 * SEC);
    expect(await store.schedules.get('o1', 'page')).toMatchObject({ paused: false, pauseNote: null });
    await stepTo(T0 + 160 * SEC);
    runs = await allRuns(store, 'page');
    expect(runs.filter((r) => r.trigger === 'manual').map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(runs.at(-1)).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(pd.receiver.resolves()).toHaveLength(1);
    expect(pd.receiver.triggers().filter((t) => t.payload?.class === 'incident.opened')).toHaveLength(1);
    expect(pd.receiver.rejected).toEqual([]);
  });

  it('a run failed because its last attempt lost its lease counts as a failure, in the same transaction', async () => {
    const { store, clock, engine } = await setup({ alerts: { destinations: ['pd'], failureThreshold: 1 } });
    await clock.advanceTo(T0 + 10 * SEC);
    await engine.scheduler.tick();
    // A node that claimed the run and died: its lease (30 s) expires with no attempts left.
    const [claimed] = await store.runs.claim({ workerId: 'dead-node', limit: 1, leaseMs: 30 * SEC }, clock.now());
    await clock.advanceTo(T0 + 41 * SEC);
    await engine.worker.poll();
    expect(await store.runs.get('o1', claimed!.run.id)).toMatchObject({ status: 'failed' });
    expect(await store.health.get('page')).toMatchObject({ consecutiveFailures: 1, totalFailed: 1 });
    expect(await store.incidents.list('o1', { status: 'open' })).toHaveLength(1);
  });

  it('a restart after downtime reports one outage, and the missed occurrences are not failures', async () => {
    const { store, clock, engine, stepTo } = await setup({ alerts: { destinations: ['pd'] } });
    await stepTo(T0 + 10 * SEC); // serving: the monitor's heartbeat marks the node alive
    expect(pd.receiver.requests).toBe(0);
    // Down for an hour: the restarted node checks before its scheduler catches up.
    await clock.advanceTo(T0 + 10 * SEC + 60 * MIN);
    const reports = await detectOutage(store, clock.now());
    expect(reports).toHaveLength(1);
    expect(reports[0]!.schedules).toEqual([{ scheduleId: 'page', occurrences: 360, caughtUp: 1, missed: 359, truncated: false, countedAsFailures: false }]);
    await stepTo(clock.now());
    expect(await detectOutage(store, clock.now())).toEqual([]);
    expect(pd.receiver.triggers()).toHaveLength(1);
    expect(pd.receiver.triggers()[0]).toMatchObject({ payload: { class: 'system.outage', severity: 'warning' } });
    // The scheduler recorded the missed occurrences (catch-up `latest`) and ran the latest one.
    const runs = await allRuns(store, 'page');
    expect(runs.filter((r) => r.status === 'missed')).toHaveLength(359);
    expect(await store.health.get('page')).toMatchObject({ consecutiveFailures: 0, totalFailed: 0, totalSucceeded: 2 });
    expect(engine.worker.activeAttempts).toBe(0);
  });
});
