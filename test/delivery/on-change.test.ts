import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { verifyWebhook } from '../../src/delivery/webhook.js';
import { secret, T0 } from './fixtures.js';
import { createPriceSchedule, deliveryNode, destinationConfig, seedPriceCheck, useDeliveryWorld } from './pipeline-harness.js';

const MIN = 60_000;
const SECRET = secret(5);

describe('emit on_change: the competitor price pattern', () => {
  const world = useDeliveryWorld('change');

  it('emits run.changed only when the price changed, with the diff against the previous successful output', async () => {
    const { receiver, target, dir } = world;
    const store = await world.store();
    // The shop's answers, one per run: a failure in the middle must not become the baseline.
    const answers: Array<number | 'down'> = [10, 10, 12, 'down', 12, 11];
    let n = 0;
    target.handler = (_req, res) => {
      const answer = answers[n++];
      if (answer === 'down') {
        res.statusCode = 500;
        return void res.end('{}');
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ price: answer }));
    };
    const site = await target.start();
    const clock = new FakeClock(T0);
    const alertsFile = join(dir, 'alerts.ndjson');
    const node = deliveryNode(store, clock, [
      destinationConfig({ id: 'hook', type: 'webhook', url: receiver.url, secret: SECRET }),
      // A destination-level override: this one only hears about failures.
      destinationConfig({ id: 'alerts', type: 'file', path: alertsFile, emit: 'on_failure' }),
    ]);
    await seedPriceCheck(store, T0);
    await createPriceSchedule(store, 'competitor', site, T0 + 30 * MIN, {
      destinations: ['hook', 'alerts'],
      emit: 'on_change',
      ignoreChanges: ['/latencyMs'],
      retry: { maxAttempts: 1 },
    });

    // Verified on arrival, as a receiver does (the timestamp must be fresh).
    receiver.answer = (r) => {
      verifyWebhook(SECRET, r.headers as Record<string, string>, r.body, { now: clock.now() });
      return { status: 200 };
    };
    for (let i = 1; i <= answers.length; i++) {
      await clock.advanceTo(T0 + i * 30 * MIN);
      await node.step();
    }
    const runs = (await store.runs.list({ orgId: 'default', scheduleId: 'competitor' })).runs.reverse();
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded']);

    const events = receiver.requests.map((r) => EventEnvelopeSchema.parse(JSON.parse(r.body)));
    expect((await store.deliveries.list({ orgId: 'default', destinationId: 'hook' })).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
    expect(events.map((e) => [e.type, e.run?.id])).toEqual([
      ['run.changed', runs[2]!.id],
      ['run.changed', runs[5]!.id],
    ]);
    expect(events[0]!.run!.diff).toEqual([{ path: '/price', kind: 'changed', before: 10, after: 12 }]);
    expect(events[0]!.run!.output).toMatchObject({ price: 12 });
    expect(events[1]!.run!.diff).toEqual([{ path: '/price', kind: 'changed', before: 12, after: 11 }]);
    expect(events[0]!.eventId).toBe(`run.${runs[2]!.id}.run.changed`);

    const alerts = readFileSync(alertsFile, 'utf8').trim().split('\n').map((l) => EventEnvelopeSchema.parse(JSON.parse(l)));
    expect(alerts.map((e) => [e.type, e.run?.id, e.run?.status])).toEqual([['run.failed', runs[3]!.id, 'failed']]);
    expect(alerts[0]!.run!.error).toMatchObject({ retryable: true });
  });
});
