import { connect, nanos, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { createNatsDestination, natsDestinationConfig } from '../../src/delivery/nats.js';
import type { Destination } from '../../src/delivery/destination.js';
import { closedPort, never, outboundMessage, retryOf, serviceReachable, hangingProxy, sendThroughHang, uniqueName } from './broker-fixtures.js';

const HOST = process.env.AGENTCRON_TEST_NATS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.AGENTCRON_TEST_NATS_PORT ?? 4222);
const SERVER = `nats://${HOST}:${PORT}`;
const REACHABLE = await serviceReachable('NATS', HOST, PORT, 'nats destination tests');

describe.skipIf(!REACHABLE)('nats destination (JetStream)', () => {
  let admin: NatsConnection;
  let manager: JetStreamManager;
  const streams: string[] = [];
  const destinations: Destination[] = [];

  function destination(config: Record<string, unknown>): Destination {
    const created = createNatsDestination('nats-test', { type: 'nats', servers: SERVER, ...config });
    destinations.push(created);
    return created;
  }

  /** A unique stream name and a subject prefix only it captures. */
  function names(): { stream: string; prefix: string } {
    const stream = uniqueName('agentcron-test');
    streams.push(stream);
    return { stream, prefix: stream.replace(/-/g, '_') };
  }

  async function streamMessageCount(stream: string): Promise<number> {
    return (await manager.streams.info(stream)).state.messages;
  }

  beforeAll(async () => {
    admin = await connect({ servers: SERVER });
    manager = await admin.jetstreamManager();
  });

  afterAll(async () => {
    for (const d of destinations) await d.close();
    if (!admin) return;
    for (const s of streams) await manager.streams.delete(s).catch(() => false);
    await admin.close();
  });

  it('creates the stream and stores the envelope with Nats-Msg-Id = the delivery id', async () => {
    const { stream, prefix } = names();
    const nats = destination({ subject: `${prefix}.{type}`, stream, createStream: true });
    const message = outboundMessage();
    const outcome = await nats.send(message, never());
    expect(outcome).toMatchObject({ ok: true, detail: `${stream} #1` });

    const info = await manager.streams.info(stream);
    expect(info.config.subjects).toEqual([`${prefix}.>`]);
    expect(info.config.duplicate_window).toBe(nanos(120_000));
    const stored = await manager.streams.getMessage(stream, { seq: 1 });
    expect(stored.subject).toBe(`${prefix}.run.succeeded`);
    expect(stored.header.get('Nats-Msg-Id')).toBe(message.deliveryId);
    expect(stored.header.get('Agentcron-Event-Id')).toBe(message.eventId);
    const envelope = EventEnvelopeSchema.parse(stored.json());
    expect(envelope.id).toBe(message.deliveryId);
    expect(envelope).toEqual(message.envelope);
  });

  it('stores a delivery sent twice once: the server drops the repeated id within the duplicate window', async () => {
    const { stream, prefix } = names();
    const nats = destination({ subject: `${prefix}.{type}`, stream, createStream: true, duplicateWindow: '10m' });
    const message = outboundMessage();
    expect(await nats.send(message, never())).toMatchObject({ ok: true, detail: `${stream} #1` });
    expect(await nats.send(retryOf(message), never())).toMatchObject({ ok: true, detail: `${stream} #1 (duplicate, already stored)` });
    expect(await streamMessageCount(stream)).toBe(1);
    expect((await manager.streams.info(stream)).config.duplicate_window).toBe(nanos(600_000));

    expect(await nats.send(outboundMessage(), never())).toMatchObject({ ok: true, detail: `${stream} #2` });
    expect(await streamMessageCount(stream)).toBe(2);
  });

  it('publishes into an existing stream it did not create, and leaves that stream as it is', async () => {
    const { stream, prefix } = names();
    await manager.streams.add({ name: stream, subjects: [`${prefix}.events.*`], duplicate_window: nanos(60_000) });
    const nats = destination({ subject: `${prefix}.events.{schedule}`, stream, createStream: true });
    const message = outboundMessage();
    expect(await nats.send(message, never())).toMatchObject({ ok: true });
    const stored = await manager.streams.getMessage(stream, { seq: 1 });
    expect(stored.subject).toBe(`${prefix}.events.${message.envelope.schedule?.id}`);
    expect((await manager.streams.info(stream)).config.subjects).toEqual([`${prefix}.events.*`]);
  });

  it('fails without retry when no stream captures the subject, and succeeds once one does', async () => {
    const { stream, prefix } = names();
    const nats = destination({ subject: `${prefix}.{type}` });
    const outcome = await nats.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    if (!outcome.ok) expect(outcome.error).toMatch(/no JetStream stream captures this subject/);

    await manager.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    expect(await nats.send(outboundMessage(), never())).toMatchObject({ ok: true });
    expect(await streamMessageCount(stream)).toBe(1);
  });

  it('fails without retry when the subject lands in another stream than the expected one', async () => {
    const { stream, prefix } = names();
    await manager.streams.add({ name: stream, subjects: [`${prefix}.>`] });
    const nats = destination({ subject: `${prefix}.{type}`, stream: 'SOME_OTHER_STREAM' });
    const outcome = await nats.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    if (!outcome.ok) expect(outcome.error).toMatch(/expected stream does not match/);
    expect(await streamMessageCount(stream)).toBe(0);
  });

  it('reports a server that is not there as retryable', async () => {
    const nats = destination({ servers: `nats://127.0.0.1:${await closedPort()}`, timeout: '2s' });
    const outcome = await nats.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    if (!outcome.ok) expect(outcome.error).toMatch(/CONNECTION_REFUSED/);
  });

  it('gives up on a server that accepts the connection but never answers (retryable, within the timeout), and connects afresh once it answers', async () => {
    const proxy = await hangingProxy({ host: HOST, port: PORT });
    try {
      const { stream, prefix } = names();
      const dest = destination({ servers: `nats://127.0.0.1:${proxy.port}`, timeout: '1s', subject: `${prefix}.{type}`, stream, createStream: true });
      await sendThroughHang(proxy, dest);
      expect(await streamMessageCount(stream)).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('carries on after the connection to the server is cut', async () => {
    const proxy = await hangingProxy({ host: HOST, port: PORT });
    proxy.hung = false;
    try {
      const { stream, prefix } = names();
      const nats = destination({ servers: `nats://127.0.0.1:${proxy.port}`, subject: `${prefix}.{type}`, stream, createStream: true, timeout: '3s' });
      expect(await nats.send(outboundMessage(), never())).toMatchObject({ ok: true });
      proxy.dropConnections();

      // A send racing the cut may fail, but only as retryable; the client reconnects by itself.
      const raced = await nats.send(outboundMessage(), never());
      if (!raced.ok) expect(raced.retryable).toBe(true);
      expect(await nats.send(outboundMessage(), never())).toMatchObject({ ok: true });
      expect(await streamMessageCount(stream)).toBe(raced.ok ? 3 : 2);
    } finally {
      await proxy.close();
    }
  });

  it('closes idempotently and refuses to send afterwards', async () => {
    const { stream, prefix } = names();
    const nats = destination({ subject: `${prefix}.{type}`, stream, createStream: true });
    expect((await nats.send(outboundMessage(), never())).ok).toBe(true);
    await nats.close();
    await nats.close();
    expect(await nats.send(outboundMessage(), never())).toMatchObject({ ok: false, retryable: true });
    expect(await streamMessageCount(stream)).toBe(1);
  });

  it('validates its config, naming the field', () => {
    expect(natsDestinationConfig.parse({ type: 'nats' })).toMatchObject({ servers: 'nats://127.0.0.1:4222', subject: 'agentcron.{type}', createStream: false, duplicateWindow: '2m' });
    const noStream = natsDestinationConfig.safeParse({ type: 'nats', createStream: true });
    expect(noStream.error?.issues[0]?.path).toEqual(['stream']);
    const underivable = natsDestinationConfig.safeParse({ type: 'nats', subject: '{type}', stream: 'S', createStream: true });
    expect(underivable.error?.issues[0]?.path).toEqual(['streamSubjects']);
    const badName = natsDestinationConfig.safeParse({ type: 'nats', stream: 'a.b' });
    expect(badName.error?.issues[0]?.path).toEqual(['stream']);
    const badWindow = natsDestinationConfig.safeParse({ type: 'nats', duplicateWindow: 'forever' });
    expect(badWindow.error?.issues[0]).toMatchObject({ path: ['duplicateWindow'], message: expect.stringMatching(/^duplicateWindow: "forever"/) });
  });
});
