import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import type { EventEnvelope, OutboundMessage } from '../../src/delivery/destination.js';
import { createPagerdutyDestination, incidentDedupKey, pagerdutyDestinationConfig } from '../../src/delivery/pagerduty.js';
import { usePagerDuty } from './harness.js';

const T0 = Date.UTC(2026, 0, 1);

function message(type: string, data: EventEnvelope['data'], over: Partial<EventEnvelope> = {}): OutboundMessage {
  const envelope: EventEnvelope = {
    id: `ev-${type}:pd`,
    eventId: `ev-${type}`,
    type,
    occurredAt: new Date(T0).toISOString(),
    orgId: 'o1',
    schedule: { id: 'prices' },
    run: null,
    data,
    ...over,
  };
  return { deliveryId: envelope.id, eventId: envelope.eventId, eventType: type, envelope, body: JSON.stringify(envelope), attempt: 1 };
}

const opened = message('incident.opened', { incident: { id: 'inc1', summary: 'schedule prices: 3 consecutive failed runs (last: failed)' } });
const resolved = message('incident.resolved', { incident: { id: 'inc1', summary: 'schedule prices: 3 consecutive failed runs (last: failed)' } });
const signal = new AbortController().signal;

describe('PagerDuty destination (Events API v2)', () => {
  const pd = usePagerDuty();
  const destination = () =>
    createPagerdutyDestination('pd', { type: 'pagerduty', routingKey: pd.receiver.routingKey, url: pd.receiver.url }, { clock: new FakeClock(T0) });

  it('triggers on incident.opened and resolves on incident.resolved with the same dedup_key', async () => {
    const d = destination();
    expect(await d.send(opened, signal)).toEqual({ ok: true, statusCode: 202 });
    expect(await d.send(resolved, signal)).toEqual({ ok: true, statusCode: 202 });
    expect(pd.receiver.rejected).toEqual([]);
    const [trigger, resolve] = pd.receiver.accepted;
    expect(trigger).toMatchObject({
      event_action: 'trigger',
      dedup_key: incidentDedupKey('o1', 'inc1'),
      payload: { summary: 'schedule prices: 3 consecutive failed runs (last: failed)', source: 'agentcron/o1/prices', severity: 'error', timestamp: '2026-01-01T00:00:00.000Z' },
    });
    expect(resolve).toEqual({ routing_key: pd.receiver.routingKey, event_action: 'resolve', dedup_key: trigger!.dedup_key });
  });

  it('re-notification triggers again under the same dedup_key; paused schedules and outages are warnings', async () => {
    const d = destination();
    await d.send(message('incident.renotified', { incident: { id: 'inc1', summary: 's' } }), signal);
    await d.send(message('schedule.paused', { note: 'circuit breaker: paused' }), signal);
    await d.send(message('system.outage', { from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:00:00Z' }, { schedule: null }), signal);
    expect(pd.receiver.rejected).toEqual([]);
    const [renotified, paused, outage] = pd.receiver.accepted;
    expect(renotified).toMatchObject({ event_action: 'trigger', dedup_key: incidentDedupKey('o1', 'inc1') });
    expect(paused).toMatchObject({ event_action: 'trigger', payload: { severity: 'warning', summary: 'agentcron schedule prices paused: circuit breaker: paused' } });
    expect(outage).toMatchObject({ event_action: 'trigger', payload: { severity: 'warning', source: 'agentcron/o1', summary: 'agentcron was down from 2026-01-01T00:00:00Z to 2026-01-01T01:00:00Z' } });
  });

  it('does not page for run events: acknowledged without a request', async () => {
    const outcome = await destination().send(message('run.failed', null), signal);
    expect(outcome).toMatchObject({ ok: true });
    expect(pd.receiver.requests).toBe(0);
  });

  it('429 is retryable and honours Retry-After; 5xx is retryable; 400 is not', async () => {
    const d = destination();
    pd.receiver.respondWith({ status: 429, headers: { 'retry-after': '30' } }, { status: 503 }, { status: 400 });
    expect(await d.send(opened, signal)).toMatchObject({ ok: false, statusCode: 429, retryable: true, retryAfterMs: 30_000 });
    expect(await d.send(opened, signal)).toMatchObject({ ok: false, statusCode: 503, retryable: true });
    expect(await d.send(opened, signal)).toMatchObject({ ok: false, statusCode: 400, retryable: false });
  });

  it('a routing key PagerDuty does not know gets its 400, not retried', async () => {
    const d = createPagerdutyDestination('pd', { type: 'pagerduty', routingKey: 'wrong', url: pd.receiver.url }, { clock: new FakeClock(T0) });
    expect(await d.send(opened, signal)).toMatchObject({ ok: false, statusCode: 400, retryable: false });
    expect(pd.receiver.rejected[0]?.problems[0]).toMatch(/routing_key/);
  });

  it('an unreachable endpoint is a retryable failure', async () => {
    const d = createPagerdutyDestination('pd', { type: 'pagerduty', routingKey: 'k', url: 'http://127.0.0.1:9' }, { clock: new FakeClock(T0) });
    expect(await d.send(opened, signal)).toMatchObject({ ok: false, retryable: true });
  });

  it('config: PagerDuty’s endpoint by default; bad fields named', () => {
    expect(pagerdutyDestinationConfig.parse({ type: 'pagerduty', routingKey: 'k' })).toEqual({ type: 'pagerduty', routingKey: 'k', url: 'https://events.pagerduty.com', severity: 'error' });
    const bad = pagerdutyDestinationConfig.safeParse({ type: 'pagerduty', routingKey: '', severity: 'loud' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(['routingKey', 'severity']);
  });
});
