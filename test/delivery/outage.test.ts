import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { createIdempotentConsumer } from '../../src/delivery/consumer.js';
import { verifyWebhook } from '../../src/delivery/webhook.js';
import { STANDARD_WEBHOOKS_SCHEDULE_MS } from '../../src/policy/delivery-retry.js';
import { T0 } from './fixtures.js';
import { createPriceSchedule, deliveryNode, destinationConfig, ORG, seedPriceCheck, useDeliveryWorld } from './pipeline-harness.js';
import { secret } from './fixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SECRET = secret(7);

describe('webhook receiver down for two hours', () => {
  const world = useDeliveryWorld('outage');

  it('delivers everything afterwards, on the promised retry schedule, and the idempotent consumer has each event once', async () => {
    const { receiver, target, dir } = world;
    const store = await world.store();
    const clock = new FakeClock(T0);
    // The shop's price goes up by one on the third check, so some runs also emit run.changed.
    let checks = 0;
    target.handler = (_req, res) => {
      checks++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ price: checks >= 3 ? 43 : 42 }));
    };
    const site = await target.start();
    await receiver.stop(); // down from the start; the port is kept for when it comes back

    const hook = destinationConfig({ id: 'hook', type: 'webhook', url: `${receiver.url}/events`, secret: SECRET });
    const node = deliveryNode(store, clock, [hook]);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'prices', site, T0 + 30 * MIN, { destinations: ['hook'], emit: 'always', ignoreChanges: ['/latencyMs'] });

    // What the receiver got, verified on arrival. The first request of each id after the outage
    // is answered 503 after it was read (a receiver that fails mid-way), so the relay sends it
    // again and the consumer sees that event twice.
    const received: Array<{ id: string; body: string }> = [];
    const answeredError = new Set<string>();
    receiver.answer = (req) => {
      const { id } = verifyWebhook(SECRET, req.headers as Record<string, string>, req.body, { now: clock.now() });
      received.push({ id, body: req.body });
      if (!answeredError.has(id)) {
        answeredError.add(id);
        return { status: 503 };
      }
      return { status: 204 };
    };

    const upAt = T0 + 2 * HOUR;
    while (await node.advanceToNextDue(upAt)) {
      if (clock.now() >= upAt) break;
    }
    await clock.advanceTo(upAt);
    await store.schedules.setPaused(ORG, 'prices', true, 'test over', clock.now());
    await receiver.start();
    const downDeliveries = await store.deliveries.list({ orgId: ORG, limit: 1000 });
    expect(received).toHaveLength(0);
    expect(downDeliveries).toHaveLength(4);
    expect(downDeliveries.every((d) => d.status === 'pending')).toBe(true);

    while (await node.advanceToNextDue(upAt + 48 * HOUR));
    await node.step();

    const deliveries = await store.deliveries.list({ orgId: ORG, limit: 1000 });
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    const runs = (await store.runs.list({ orgId: ORG, scheduleId: 'prices', limit: 100 })).runs;
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(3); // +30 m, +60 m, +90 m; paused at +2 h
    const types = deliveries.map((d) => d.eventType).sort();
    expect(types.filter((t) => t === 'run.succeeded')).toHaveLength(3);
    expect(types.filter((t) => t === 'run.changed')).toHaveLength(1);

    // Every attempt at its planned time: the gaps follow 5 s, 5 m, 30 m, 2 h, … each within the
    // ±10 % jitter; the receiver's return does not make the relay skip ahead.
    for (const d of deliveries) {
      const attempts = await store.deliveries.attempts(d.id);
      expect(attempts[0]!.at).toBe(d.createdAt);
      for (let i = 1; i < attempts.length; i++) {
        const gap = attempts[i]!.at - attempts[i - 1]!.at;
        const planned = STANDARD_WEBHOOKS_SCHEDULE_MS[i]!;
        expect(gap, `delivery ${d.id} attempt ${i + 1}`).toBeGreaterThanOrEqual(Math.floor(planned * 0.9));
        expect(gap, `delivery ${d.id} attempt ${i + 1}`).toBeLessThanOrEqual(Math.ceil(planned * 1.1));
      }
      const last = attempts[attempts.length - 1]!;
      expect(last).toMatchObject({ statusCode: 204, error: null });
      expect(attempts.at(-2)).toMatchObject({ statusCode: 503 });
      expect(attempts.slice(0, -2).every((a) => a.statusCode === null && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
      expect(last.at).toBeGreaterThan(upAt);
    }
    // The first run's delivery (+30 m) was tried at 0, 5 s, 5 m and 30 m during the outage, then
    // after 2 h more (receiver back, answers 503) and 5 h after that (delivered).
    const firstRun = deliveries.find((d) => d.createdAt === T0 + 30 * MIN)!;
    expect((await store.deliveries.attempts(firstRun.id)).length).toBe(6);

    // The consumer: every received request, duplicates included, through handleOnce.
    const consumer = await createIdempotentConsumer({ db: join(dir, 'consumer.db') });
    await consumer.db.execute('CREATE TABLE prices (event_id TEXT, body TEXT)');
    for (const r of received) {
      await consumer.handleOnce(r.id, (tx) => tx.execute('INSERT INTO prices (event_id, body) VALUES (?, ?)', [r.id, r.body]));
    }
    const rows = await consumer.db.query<{ event_id: string }>('SELECT event_id FROM prices ORDER BY event_id');
    await consumer.close();
    expect(received.length).toBe(2 * deliveries.length);
    expect(rows.map((r) => r.event_id)).toEqual(deliveries.map((d) => d.id).sort());
  });
});
