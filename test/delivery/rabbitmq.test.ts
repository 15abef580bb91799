import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { createRabbitmqDestination, rabbitmqDestinationConfig } from '../../src/delivery/rabbitmq.js';
import type { Destination } from '../../src/delivery/destination.js';
import { closedPort, never, outboundMessage, retryOf, serviceReachable, hangingProxy, sendThroughHang, uniqueName } from './broker-fixtures.js';

const URL = process.env.AGENTCRON_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const { hostname, port } = new globalThis.URL(URL);
const REACHABLE = await serviceReachable('RabbitMQ', hostname, Number(port || 5672), 'rabbitmq destination tests');

describe.skipIf(!REACHABLE)('rabbitmq destination', () => {
  let admin: ChannelModel;
  let channel: Channel;
  const queues: string[] = [];
  const exchanges: string[] = [];
  const destinations: Destination[] = [];

  function destination(config: Record<string, unknown>): Destination {
    const created = createRabbitmqDestination('rabbitmq-test', { type: 'rabbitmq', url: URL, ...config });
    destinations.push(created);
    return created;
  }

  function queueName(): string {
    const name = uniqueName('agentcron-test');
    queues.push(name);
    return name;
  }

  function exchangeName(): string {
    const name = uniqueName('agentcron-test-x');
    exchanges.push(name);
    return name;
  }

  /** Everything waiting in the queue (acknowledged, so the queue is left empty). */
  async function drain(queue: string): Promise<GetMessage[]> {
    const messages: GetMessage[] = [];
    for (;;) {
      const got = await channel.get(queue, { noAck: true });
      if (got === false) return messages;
      messages.push(got);
    }
  }

  beforeAll(async () => {
    admin = await amqp.connect(URL);
    channel = await admin.createChannel();
  });

  afterAll(async () => {
    for (const d of destinations) await d.close();
    if (!admin) return;
    const cleanup = await admin.createChannel();
    for (const q of queues) await cleanup.deleteQueue(q);
    for (const x of exchanges) await cleanup.deleteExchange(x);
    await admin.close();
  });

  it('publishes a persistent message whose messageId is the delivery id and whose body is the envelope', async () => {
    const queue = queueName();
    const rabbit = destination({ routingKey: queue, queue: { name: queue } });
    const message = outboundMessage();
    expect(await rabbit.send(message, never())).toMatchObject({ ok: true });

    const [received, ...rest] = await drain(queue);
    expect(rest).toHaveLength(0);
    expect(received?.properties).toMatchObject({
      messageId: message.deliveryId,
      type: 'run.succeeded',
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { 'event-id': message.eventId },
    });
    const envelope = EventEnvelopeSchema.parse(JSON.parse(received!.content.toString('utf8')));
    expect(envelope.id).toBe(message.deliveryId);
    expect(envelope).toEqual(message.envelope);
  });

  it('routes by the {type} template through a declared topic exchange, reusing one connection', async () => {
    const exchange = exchangeName();
    const queue = queueName();
    const rabbit = destination({ exchange, exchangeType: 'topic', routingKey: 'agentcron.{type}', queue: { name: queue, bindingKey: 'agentcron.run.*' } });
    const sent = [outboundMessage({ eventType: 'run.succeeded' }), outboundMessage({ eventType: 'run.failed' }), outboundMessage({ eventType: 'run.changed' })];
    for (const m of sent) expect(await rabbit.send(m, never())).toMatchObject({ ok: true });

    const received = await drain(queue);
    expect(received.map((m) => [m.fields.routingKey, m.properties.messageId])).toEqual(sent.map((m) => [`agentcron.${m.eventType}`, m.deliveryId]));
  });

  it('publishes a retried delivery again with the same messageId, so a consumer keeps it once', async () => {
    const queue = queueName();
    const rabbit = destination({ routingKey: queue, queue: { name: queue } });
    const message = outboundMessage();
    expect((await rabbit.send(message, never())).ok).toBe(true);
    expect((await rabbit.send(retryOf(message), never())).ok).toBe(true);
    const other = outboundMessage();
    expect((await rabbit.send(other, never())).ok).toBe(true);

    const received = await drain(queue);
    expect(received).toHaveLength(3);
    // A consumer that deduplicates by messageId.
    const seen = new Set<string>();
    const processed = received.filter((m) => {
      const id = String(m.properties.messageId);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    expect(processed.map((m) => m.properties.messageId)).toEqual([message.deliveryId, other.deliveryId]);
  });

  it('fails a message no queue takes (retryable) instead of letting it vanish', async () => {
    const exchange = exchangeName();
    const rabbit = destination({ exchange, exchangeType: 'topic', routingKey: 'nobody.listens.{type}' });
    const outcome = await rabbit.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    if (!outcome.ok) expect(outcome.error).toMatch(/unroutable/);
  });

  it('fails a missing exchange as not retryable, and reconnects once the exchange exists', async () => {
    const exchange = exchangeName();
    const queue = queueName();
    const rabbit = destination({ exchange, routingKey: 'k' });
    const outcome = await rabbit.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    if (!outcome.ok) expect(outcome.error).toMatch(/404.*no exchange/);

    await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false });
    await channel.assertQueue(queue);
    await channel.bindQueue(queue, exchange, 'k');
    const message = outboundMessage();
    expect(await rabbit.send(message, never())).toMatchObject({ ok: true });
    expect((await drain(queue)).map((m) => m.properties.messageId)).toEqual([message.deliveryId]);
  });

  it('reports a broker that is not there as retryable, refused credentials as not', async () => {
    const down = destination({ url: `amqp://guest:guest@127.0.0.1:${await closedPort()}` });
    const refused = await down.send(outboundMessage(), never());
    expect(refused).toMatchObject({ ok: false, retryable: true });
    if (!refused.ok) expect(refused.error).toMatch(/ECONNREFUSED/);

    const wrongPassword = destination({ url: URL.replace(/\/\/[^@]*@/, '//guest:wrong@') });
    const denied = await wrongPassword.send(outboundMessage(), never());
    expect(denied).toMatchObject({ ok: false, retryable: false });
    if (!denied.ok) {
      expect(denied.error).toMatch(/ACCESS-REFUSED/);
      expect(denied.error).not.toMatch(/wrong/);
    }
  });

  it('gives up on a broker that accepts the connection but never answers (retryable, within the timeout), and connects afresh once it answers', async () => {
    const proxy = await hangingProxy({ host: hostname, port: Number(port || 5672) });
    try {
      const queue = queueName();
      const dest = destination({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, timeout: '1s', routingKey: queue, queue: { name: queue } });
      const message = await sendThroughHang(proxy, dest);
      expect((await drain(queue)).map((m) => m.properties.messageId)).toEqual([message.deliveryId]);
    } finally {
      await proxy.close();
    }
  });

  it('reconnects after the connection to the broker is cut', async () => {
    const proxy = await hangingProxy({ host: hostname, port: Number(port || 5672) });
    proxy.hung = false;
    try {
      const queue = queueName();
      const rabbit = destination({ url: `amqp://guest:guest@127.0.0.1:${proxy.port}`, routingKey: queue, queue: { name: queue } });
      const before = outboundMessage();
      expect(await rabbit.send(before, never())).toMatchObject({ ok: true });
      proxy.dropConnections();

      // A send racing the cut may fail, but only as retryable; the next one reconnects.
      const racing = outboundMessage();
      const raced = await rabbit.send(racing, never());
      if (!raced.ok) expect(raced.retryable).toBe(true);
      const after = outboundMessage();
      expect(await rabbit.send(after, never())).toMatchObject({ ok: true });
      const ids = (await drain(queue)).map((m) => m.properties.messageId);
      expect(ids).toEqual(raced.ok ? [before, racing, after].map((m) => m.deliveryId) : [before.deliveryId, after.deliveryId]);
    } finally {
      await proxy.close();
    }
  });

  it('closes idempotently and refuses to send afterwards', async () => {
    const queue = queueName();
    const rabbit = destination({ routingKey: queue, queue: { name: queue } });
    expect((await rabbit.send(outboundMessage(), never())).ok).toBe(true);
    await rabbit.close();
    await rabbit.close();
    expect(await rabbit.send(outboundMessage(), never())).toMatchObject({ ok: false, retryable: true });
  });

  it('validates its config, naming the field', () => {
    expect(rabbitmqDestinationConfig.parse({ type: 'rabbitmq', url: 'amqp://h' })).toMatchObject({ exchange: '', routingKey: '{type}', timeout: '10s' });
    const http = rabbitmqDestinationConfig.safeParse({ type: 'rabbitmq', url: 'http://h' });
    expect(http.error?.issues[0]).toMatchObject({ path: ['url'], message: expect.stringMatching(/amqp:\/\//) });
    const defaultExchange = rabbitmqDestinationConfig.safeParse({ type: 'rabbitmq', url: 'amqp://h', exchangeType: 'topic' });
    expect(defaultExchange.error?.issues[0]?.path).toEqual(['exchangeType']);
    const typo = rabbitmqDestinationConfig.safeParse({ type: 'rabbitmq', url: 'amqp://h', routingKey: '{kind}' });
    expect(typo.error?.issues[0]).toMatchObject({ path: ['routingKey'], message: expect.stringMatching(/\{kind\}/) });
  });
});
