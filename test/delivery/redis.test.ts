import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { createRedisDestination, redisDestinationConfig } from '../../src/delivery/redis.js';
import type { Destination } from '../../src/delivery/destination.js';
import { closedPort, never, outboundMessage, retryOf, serviceReachable, hangingProxy, sendThroughHang, uniqueName } from './broker-fixtures.js';

const URL = process.env.AGENTCRON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { hostname, port } = new globalThis.URL(URL);
const REACHABLE = await serviceReachable('Redis', hostname, Number(port || 6379), 'redis destination tests');

/** XRANGE entries as field maps. */
type Entry = Record<string, string>;

describe.skipIf(!REACHABLE)('redis destination (streams)', () => {
  let admin: Redis;
  const prefix = uniqueName('agentcron-test');
  const destinations: Destination[] = [];

  function destination(config: Record<string, unknown>): Destination {
    const created = createRedisDestination(uniqueName('redis-test'), { type: 'redis', url: URL, ...config });
    destinations.push(created);
    return created;
  }

  async function entries(stream: string): Promise<Entry[]> {
    const raw = await admin.xrange(stream, '-', '+');
    return raw.map(([, fields]) => {
      const entry: Entry = {};
      for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i] ?? ''] = fields[i + 1] ?? '';
      return entry;
    });
  }

  beforeAll(() => {
    admin = new Redis(URL, { lazyConnect: true });
  });

  afterAll(async () => {
    for (const d of destinations) await d.close();
    if (!admin) return;
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('appends an entry with the delivery id, event id, type and the envelope as body', async () => {
    const stream = `${prefix}:events`;
    const redis = destination({ stream });
    const message = outboundMessage();
    const outcome = await redis.send(message, never());
    expect(outcome).toMatchObject({ ok: true, detail: expect.stringMatching(new RegExp(`^${stream} \\d+-\\d+$`)) });

    const [entry, ...rest] = await entries(stream);
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({ id: message.deliveryId, event: message.eventId, type: 'run.succeeded' });
    const envelope = EventEnvelopeSchema.parse(JSON.parse(entry?.body ?? ''));
    expect(envelope.id).toBe(message.deliveryId);
    expect(envelope).toEqual(message.envelope);
  });

  it('appends a retried delivery again with the same id, which a consumer deduplicates', async () => {
    const stream = `${prefix}:retries`;
    const redis = destination({ stream });
    const message = outboundMessage();
    const other = outboundMessage();
    for (const m of [message, retryOf(message), other]) expect((await redis.send(m, never())).ok).toBe(true);

    const all = await entries(stream);
    expect(all.map((e) => e.id)).toEqual([message.deliveryId, message.deliveryId, other.deliveryId]);
    // An idempotent consumer: SET NX on the id, process only when the key was new.
    const processed: string[] = [];
    for (const entry of all) {
      const first = await admin.set(`${prefix}:seen:${entry.id}`, '1', 'EX', 3600, 'NX');
      if (first === 'OK') processed.push(entry.id ?? '');
    }
    expect(processed).toEqual([message.deliveryId, other.deliveryId]);
  });

  it('fills the stream key template and trims the stream near maxLen', async () => {
    const redis = destination({ stream: `${prefix}:{type}`, maxLen: 10 });
    for (let i = 0; i < 250; i++) expect((await redis.send(outboundMessage({ eventType: 'run.changed' }), never())).ok).toBe(true);
    const length = await admin.xlen(`${prefix}:run.changed`);
    // "~" trims whole internal nodes (100 entries by default), so the length stays near, not at, 10.
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(250);
  });

  it('reconnects after the server drops the connection', async () => {
    const stream = `${prefix}:reconnect`;
    const redis = destination({ stream });
    expect((await redis.send(outboundMessage(), never())).ok).toBe(true);
    const name = `agentcron:${redis.id}`;
    const clients = String(await admin.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(` name=${name} `));
    expect(clients).toHaveLength(1);
    const clientId = /\bid=(\d+)/.exec(clients[0] ?? '')?.[1] ?? '';
    await admin.call('CLIENT', 'KILL', 'ID', clientId);

    // The send that races the disconnect may fail, but only as retryable; the next one reconnects.
    const racing = await redis.send(outboundMessage(), never());
    if (!racing.ok) expect(racing.retryable).toBe(true);
    expect((await redis.send(outboundMessage(), never())).ok).toBe(true);
    const after = String(await admin.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(` name=${name} `));
    expect(after).toHaveLength(1);
    expect(after[0]).not.toContain(`id=${clientId} `);
  });

  it('reports a key of another type as a failure a retry cannot fix', async () => {
    const key = `${prefix}:a-string`;
    await admin.set(key, 'not a stream');
    const outcome = await destination({ stream: key }).send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    if (!outcome.ok) expect(outcome.error).toMatch(/WRONGTYPE/);
  });

  it('reports a server that is not there as retryable, refused credentials as not', async () => {
    const down = await destination({ url: `redis://127.0.0.1:${await closedPort()}` }).send(outboundMessage(), never());
    expect(down).toMatchObject({ ok: false, retryable: true });
    if (!down.ok) expect(down.error).toMatch(/ECONNREFUSED/);

    const denied = await destination({ url: URL.replace('redis://', 'redis://nobody:wrong@') }).send(outboundMessage(), never());
    expect(denied).toMatchObject({ ok: false, retryable: false });
    if (!denied.ok) expect(denied.error).toMatch(/WRONGPASS/);
  });

  it('gives up on a server that accepts the connection but never answers (retryable, within the timeout), and connects afresh once it answers', async () => {
    const proxy = await hangingProxy({ host: hostname, port: Number(port || 6379) });
    try {
      const dest = destination({ url: `redis://127.0.0.1:${proxy.port}`, timeout: '1s', stream: `${prefix}:after-hang` });
      const message = await sendThroughHang(proxy, dest);
      expect((await entries(`${prefix}:after-hang`)).map((e) => e.id)).toEqual([message.deliveryId]);
    } finally {
      await proxy.close();
    }
  });

  it('closes idempotently and refuses to send afterwards', async () => {
    const stream = `${prefix}:closed`;
    const redis = destination({ stream });
    expect((await redis.send(outboundMessage(), never())).ok).toBe(true);
    await redis.close();
    await redis.close();
    expect(await redis.send(outboundMessage(), never())).toMatchObject({ ok: false, retryable: true });
    expect(await admin.xlen(stream)).toBe(1);
  });

  it('validates its config, naming the field', () => {
    expect(redisDestinationConfig.parse({ type: 'redis' })).toMatchObject({ url: 'redis://127.0.0.1:6379', stream: 'agentcron:events', timeout: '10s' });
    expect(redisDestinationConfig.safeParse({ type: 'redis', url: 'http://h' }).error?.issues[0]?.path).toEqual(['url']);
    expect(redisDestinationConfig.safeParse({ type: 'redis', maxLen: 0 }).error?.issues[0]?.path).toEqual(['maxLen']);
    expect(redisDestinationConfig.safeParse({ type: 'redis', stream: 'x:{nope}' }).error?.issues[0]).toMatchObject({ path: ['stream'], message: expect.stringMatching(/\{nope\}/) });
  });
});
