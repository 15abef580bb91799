import { expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { HttpRunner } from '../../src/runtime/http.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { describeContract } from '../store/backends.js';
import { allRuns, schedule, SEC, seedHttp, T0, until, useTarget } from './harness.js';

describeContract('engine', (backend) => {
  const local = useTarget();

  it('wakes at the next due instant and starts the run at once, not at the next poll', async () => {
    const { target, url } = local;
    const store = await backend().open();
    await seedHttp(store);
    await store.schedules.create(schedule('s1', { params: { url }, spec: { cron: '*/10 * * * * *' } }), T0);
    const clock = new FakeClock(T0);
    // A poll interval far longer than the test: only the scheduler's wake-up can start the run.
    const engine = new Engine({ store, clock, logger: silentLogger(), runners: [new HttpRunner()], pollMs: 3_600_000, workerId: 'n1' });
    engine.start();
    await until(() => clock.pendingSleeps >= 2); // scheduler and worker parked
    await clock.advanceTo(T0 + 10 * SEC);
    await until(() => target.requests.length === 1);
    const stopping = engine.shutdown(5 * SEC);
    await clock.advance(5 * SEC);
    await stopping;
    const runs = await allRuns(store, 's1');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.startedAt).toBe(T0 + 10 * SEC);
  });
});
