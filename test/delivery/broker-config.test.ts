import { describe, expect, it } from 'vitest';
import { renderTemplate, templatePlaceholders } from '../../src/delivery/broker-config.js';
import { DestinationConfigSchema } from '../../src/delivery/registry.js';
import { outboundMessage } from './broker-fixtures.js';

describe('name templates of the S3, RabbitMQ, NATS and Redis destinations', () => {
  it('fills every placeholder; {date} is the UTC day of the nominal time', () => {
    const message = outboundMessage({ nominalTime: '2026-03-29T23:59:00.000Z' });
    const { envelope } = message;
    expect(renderTemplate('{schedule}/{date}/{run}/{event}/{type}/{id}', message)).toBe(
      `${envelope.schedule?.id}/2026-03-29/${envelope.run?.id}/${message.eventId}/run.succeeded/${message.deliveryId}`,
    );
  });

  it('uses "none" and the event time for events without a schedule or a run', () => {
    const message = outboundMessage({ scheduleId: null });
    message.envelope.run = null;
    expect(renderTemplate('{schedule}/{run}/{date}', message)).toBe('none/none/2026-03-30');
  });

  it('names an unknown placeholder and lists the known ones', () => {
    expect(() => templatePlaceholders('a/{day}/{id}')).toThrow(/unknown placeholder \{day\} in "a\/\{day\}\/\{id\}"; use \{id\}, \{event\}, \{type\}, \{schedule\}, \{run\}, \{date\}/);
    expect(templatePlaceholders('{id}-{type}')).toEqual(['id', 'type']);
  });

  it('reports a bad field of a config entry with its path, through the registry', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 's3', bucket: 'b', key: 'x/{schedul}' }, 'key'],
      [{ type: 'rabbitmq', url: 'amqp://h', routingKey: '{kind}' }, 'routingKey'],
      [{ type: 'nats', subject: 'a.{nope}' }, 'subject'],
      [{ type: 'redis', timeout: 'soon' }, 'timeout'],
    ];
    for (const [entry, field] of cases) {
      const result = DestinationConfigSchema.safeParse({ id: 'd', ...entry });
      expect(result.success, JSON.stringify(entry)).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual([field]);
    }
    expect(DestinationConfigSchema.safeParse({ id: 'd', type: 'nats', events: ['run.failed'], stream: 'S', createStream: true }).success).toBe(true);
  });
});
