import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { connect as connectNats } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { serviceReachable, uniqueName } from './broker-fixtures.js';
import { secret, T0 } from './fixtures.js';
import { createPriceSchedule, deliveryNode, destinationConfig, ORG, seedPriceCheck, useDeliveryWorld } from './pipeline-harness.js';

/**
 * One schedule sending its results to all seven destination types at once, through the real
 * pipeline (scheduler → worker → outbox → relay): each destination gets the same event, each
 * under its own delivery id, in the place invariant 5 names.
 */
const AMQP_URL = process.env.AGENTCRON_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const NATS_SERVER = `nats://${process.env.AGENTCRON_TEST_NATS_HOST ?? '127.0.0.1'}:${process.env.AGENTCRON_TEST_NATS_PORT ?? 4222}`;
const REDIS_URL = process.env.AGENTCRON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const hostPort = (url: string, port: number): [string, number] => {
  const u = new URL(url);
  return [u.hostname, Number(u.port || port)];
};
const REACHABLE = (
  await Promise.all([
    serviceReachable('RabbitMQ', ...hostPort(AMQP_URL, 5672), 'all-destinations test'),
    serviceReachable('NATS', ...hostPort(NATS_SERVER, 4222), 'all-destinations test'),
    serviceReachable('Redis', ...hostPort(REDIS_URL, 6379), 'all-destinations test'),
  ])
).every(Boolean);

interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: Record<string, unknown>) => S3rverServer;

const MIN = 60_000;

describe.skipIf(!REACHABLE)('one schedule, seven destinations', () => {
  const world = useDeliveryWorld('all-destinations');
  const names = { bucket: uniqueName('agentcron-test'), queue: uniqueName('agentcron-test'), stream: uniqueName('agentcron-test'), redisKey: `${uniqueName('agentcron-test')}:events` };
  const subjectPrefix = names.stream.replace(/-/g, '_');
  let s3rver: S3rverServer;
  let s3Endpoint: string;
  let s3Directory: string;

  beforeAll(async () => {
    s3Directory = mkdtempSync(join(tmpdir(), 'agentcron-s3rver-'));
    s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Directory, configureBuckets: [{ name: names.bucket }] });
    s3Endpoint = `http://127.0.0.1:${(await s3rver.run()).port}`;
  });

  afterAll(async () => {
    await s3rver?.close();
    if (s3Directory) rmSync(s3Directory, { recursive: true, force: true });
    const rabbit = await amqp.connect(AMQP_URL);
    await (await rabbit.createChannel()).deleteQueue(names.queue);
    await rabbit.close();
    const nats = await connectNats({ servers: NATS_SERVER });
    await (await nats.jetstreamManager()).streams.delete(names.stream).catch(() => false);
    await nats.close();
    const redis = new Redis(REDIS_URL);
    await redis.del(names.redisKey);
    redis.disconnect();
  });

  it('delivers one run\'s event to webhook, Slack, file, S3, RabbitMQ, NATS and Redis, each with its delivery id', async () => {
    const { receiver, target, dir } = world;
    const store = await world.store();
    const clock = new FakeClock(T0);
    target.handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ price: 42 }));
    };
    const site = await target.start();
    const archive = join(dir, 'events.ndjson');

    const destinations = [
      destinationConfig({ id: 'hook', type: 'webhook', url: `${receiver.url}/hook`, secret: secret(3) }),
      destinationConfig({ id: 'chat', type: 'slack', url: `${receiver.url}/services/T/B/x` }),
      destinationConfig({ id: 'archive', type: 'file', path: archive }),
      destinationConfig({ id: 'bucket', type: 's3', bucket: names.bucket, endpoint: s3Endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
      destinationConfig({ id: 'bus', type: 'rabbitmq', url: AMQP_URL, routingKey: names.queue, queue: { name: names.queue } }),
      destinationConfig({ id: 'stream', type: 'nats', servers: NATS_SERVER, subject: `${subjectPrefix}.{type}`, stream: names.stream, createStream: true }),
      destinationConfig({ id: 'feed', type: 'redis', url: REDIS_URL, stream: names.redisKey }),
    ];
    const node = deliveryNode(store, clock, destinations);
    try {
      await seedPriceCheck(store, T0);
      await createPriceSchedule(store, 'prices', site, T0 + 30 * MIN, { destinations: destinations.map((d) => d.id), emit: 'always', ignoreChanges: ['/latencyMs'] });
      await clock.advanceTo(T0 + 30 * MIN);
      await node.step();
      await store.schedules.setPaused(ORG, 'prices', true, 'test over', clock.now());
      await node.step();

      const deliveries = await store.deliveries.list({ orgId: ORG, limit: 100 });
      expect(deliveries.map((d) => [d.destinationId, d.status]).sort()).toEqual(destinations.map((d) => [d.id, 'delivered']).sort());
      const [eventId, ...otherEventIds] = new Set(deliveries.map((d) => d.eventId));
      expect(otherEventIds).toHaveLength(0);
      expect(new Set(deliveries.map((d) => d.id)).size).toBe(7);
      const idOf = (destination: string) => deliveries.find((d) => d.destinationId === destination)?.id ?? '';

      // Webhook and Slack: the local receiver.
      const hook = receiver.requests.find((r) => r.path === '/hook');
      expect(hook?.headers['webhook-id']).toBe(idOf('hook'));
      expect(EventEnvelopeSchema.parse(JSON.parse(hook?.body ?? '')).id).toBe(idOf('hook'));
      expect(receiver.requests.filter((r) => r.path === '/services/T/B/x')).toHaveLength(1);

      // File: one NDJSON line.
      const lines = readFileSync(archive, 'utf8').trim().split('\n');
      expect(lines.map((l) => EventEnvelopeSchema.parse(JSON.parse(l)).id)).toEqual([idOf('archive')]);

      // S3: the object at the idempotent key.
      const s3 = new S3Client({ region: 'us-east-1', endpoint: s3Endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      const object = await s3.send(new GetObjectCommand({ Bucket: names.bucket, Key: `prices/2026-03-01/${idOf('bucket')}.json` }));
      const stored = EventEnvelopeSchema.parse(JSON.parse(await object.Body!.transformToString()));
      s3.destroy();
      expect([stored.id, stored.eventId, stored.run?.output]).toEqual([idOf('bucket'), eventId, expect.objectContaining({ price: 42 })]);

      // RabbitMQ: messageId.
      const rabbit = await amqp.connect(AMQP_URL);
      const got = await (await rabbit.createChannel()).get(names.queue, { noAck: true });
      await rabbit.close();
      expect(got && got.properties.messageId).toBe(idOf('bus'));

      // NATS: Nats-Msg-Id.
      const nats = await connectNats({ servers: NATS_SERVER });
      const message = await (await nats.jetstreamManager()).streams.getMessage(names.stream, { seq: 1 });
      await nats.close();
      expect(message.header.get('Nats-Msg-Id')).toBe(idOf('stream'));

      // Redis: the id field.
      const redis = new Redis(REDIS_URL);
      const entries = await redis.xrange(names.redisKey, '-', '+');
      redis.disconnect();
      expect(entries.map(([, fields]) => fields[fields.indexOf('id') + 1])).toEqual([idOf('feed')]);
    } finally {
      await node.pipeline.relay.shutdown(1000);
    }
  });
});
