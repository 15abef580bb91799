import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { Destination, OutboundMessage, SendOutcome } from '../../src/delivery/destination.js';
import { Relay } from '../../src/delivery/relay.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { until } from '../engine/harness.js';
import { describeContract } from '../store/backends.js';
import { T0 } from './fixtures.js';

/**
 * A destination the test answers by hand: each send waits until the test settles it, so the
 * test sees what is in flight at once. (The real destinations have their own tests; this one
 * is about the relay's loop: wake-ups, sleeping until due, per-destination concurrency.)
 */
class ManualDestination implements Destination {
  readonly type = 'file' as const;
  readonly pending: Array<{ message: OutboundMessage; settle: (o: SendOutcome) => void }> = [];
  sent = 0;
  maxInFlight = 0;
  constructor(readonly id: string) {}
  send(message: OutboundMessage): Promise<SendOutcome> {
    this.sent++;
    return new Promise((resolve) => {
      this.pending.push({ message, settle: resolve });
      this.maxInFlight = Math.max(this.maxInFlight, this.pending.length);
    });
  }
  settleAll(outcome: SendOutcome): void {
    for (const p of this.pending.splice(0)) p.settle(outcome);
  }
  async close() {}
}

async function enqueue(store: Store, ids: string[], destinationId: string, at: number): Promise<void> {
  await store.deliveries.enqueue(
    ids.map((id) => ({ id, orgId: 'o1', eventId: `e-${id}`, eventType: 'run.succeeded', destinationId, payload: { id }, nextAttemptAt: at })),
    at,
  );
}

describeContract('relay loop', (backend) => {
  let stop: AbortController;
  beforeEach(() => {
    stop = new AbortController();
  });
  afterEach(() => stop.abort());

  it('wakes when told, sends at most `concurrency` at once per destination, sleeps until the next retry is due', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    const clock = new FakeClock(T0);
    const slow = new ManualDestination('slow');
    const relay = new Relay({ store, clock, logger: silentLogger(), destinations: [{ destination: slow, concurrency: 2 }], random: () => 0.5, pollMs: 3_600_000 });
    const loop = relay.run(stop.signal);
    await until(() => clock.pendingSleeps > 0);

    await enqueue(store, ['a', 'b', 'c'], 'slow', T0);
    relay.wake();
    await until(() => slow.pending.length === 2);
    expect(relay.activeSends).toBe(2);

    // Both fail: the third is sent as soon as a slot frees; the two retry 5 s later.
    slow.settleAll({ ok: false, error: 'HTTP 500', statusCode: 500, retryable: true });
    await until(() => slow.sent === 3);
    slow.settleAll({ ok: true, statusCode: 200 });
    await until(() => relay.activeSends === 0 && clock.pendingSleeps > 0);
    expect(slow.maxInFlight).toBe(2);
    expect(clock.nextWakeAt).toBe(T0 + 5_000);
    await clock.advance(4_999);
    expect(slow.sent).toBe(3);
    await clock.advance(1);
    await until(() => slow.pending.length === 2);
    slow.settleAll({ ok: true, statusCode: 200 });
    await until(() => relay.activeSends === 0);
    const all = await store.deliveries.list({ orgId: 'o1' });
    expect(all.map((d) => [d.id, d.status, d.attempts]).sort()).toEqual([
      ['a', 'delivered', 2],
      ['b', 'delivered', 2],
      ['c', 'delivered', 1],
    ]);
    expect((await store.deliveries.attempts('a')).map((x) => [x.at - T0, x.statusCode, x.error])).toEqual([
      [0, 500, 'HTTP 500'],
      [5_000, 200, null],
    ]);
    stop.abort();
    await loop;
  });

  it('dead-letters after the last try of the schedule and honours Retry-After', async () => {
    const store = await backend().open();
    await store.orgs.create({ id: 'o1', name: 'one' }, T0);
    const clock = new FakeClock(T0);
    const dest = new ManualDestination('d');
    const relay = new Relay({ store, clock, logger: silentLogger(), destinations: [{ destination: dest }], random: () => 0.5, policy: { scheduleMs: [0, 1_000, 2_000], jitter: 0, maxRetryAfterMs: 60_000 } });
    await enqueue(store, ['x'], 'd', T0);
    const outcome: SendOutcome = { ok: false, error: 'HTTP 503', statusCode: 503, retryable: true, retryAfterMs: 30_000 };
    for (const wait of [0, 30_000, 30_000]) {
      await clock.advance(wait);
      expect(await relay.pump()).toBe(1);
      await until(() => dest.pending.length === 1);
      dest.settleAll(outcome);
      await relay.idle();
    }
    const x = await store.deliveries.get('o1', 'x');
    expect(x).toMatchObject({ status: 'dead', attempts: 3, lastError: 'HTTP 503' });
    expect((await store.deliveries.attempts('x')).map((a) => a.at - T0)).toEqual([0, 30_000, 60_000]);
    expect(await store.deliveries.nextDueAt(['d'])).toBeNull();
  });
});
