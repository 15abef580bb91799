/**
 * Helpers for the S3, RabbitMQ, NATS and Redis destination tests: a realistic outbound message,
 * unique names per test run, and a probe that says why a service's tests are skipped.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Socket } from 'node:net';
import { expect } from 'vitest';
import type { Destination, EventEnvelope, OutboundMessage } from '../../src/delivery/destination.js';

/** A name no other test run uses, e.g. `agentcron-test-1f3a9c`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface MessageOverrides {
  deliveryId?: string;
  eventType?: string;
  scheduleId?: string | null;
  nominalTime?: string;
}

/**
 * A `run.succeeded` message as the relay would hand it over. The nominal time and the event time
 * fall on different UTC days so tests can tell which one `{date}` uses.
 */
export function outboundMessage(overrides: MessageOverrides = {}): OutboundMessage {
  const deliveryId = overrides.deliveryId ?? uniqueName('dlv');
  const eventType = overrides.eventType ?? 'run.succeeded';
  const runId = uniqueName('run');
  const eventId = `run.${runId}.${eventType}`;
  const scheduleId = overrides.scheduleId === undefined ? uniqueName('sch') : overrides.scheduleId;
  const envelope: EventEnvelope = {
    id: deliveryId,
    eventId,
    type: eventType,
    occurredAt: '2026-03-30T00:00:05.000Z',
    orgId: 'org-1',
    schedule: scheduleId === null ? null : { id: scheduleId },
    run: {
      id: runId,
      templateId: 'tpl-1',
      templateVersion: 3,
      trigger: 'schedule',
      nominalTime: overrides.nominalTime ?? '2026-03-29T23:59:00.000Z',
      status: 'succeeded',
      attempts: 1,
      startedAt: '2026-03-29T23:59:01.000Z',
      finishedAt: '2026-03-30T00:00:04.000Z',
      output: { price: 42.5, currency: 'EUR' },
      diff: null,
      error: null,
      replayUrl: null,
      cost: { browserMs: 3000 },
    },
    data: {},
  };
  return { deliveryId, eventId, eventType, envelope, body: JSON.stringify(envelope), attempt: 1 };
}

/** A second try of the same delivery (same id, same body). */
export function retryOf(message: OutboundMessage): OutboundMessage {
  return { ...message, attempt: message.attempt + 1 };
}

/** A port nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP server in front of a service that can play dead: while `hung`, it accepts connections
 * and never says a word (those connections stay silent for good); otherwise it forwards new
 * connections to `target`. Without a target it only ever plays dead.
 */
export async function hangingProxy(target?: { host: string; port: number }): Promise<{ port: number; hung: boolean; dropConnections(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const proxy = {
    port: 0,
    hung: true,
    /** Cuts every connection, as a broker restart or a network failure would; new ones are accepted. */
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    track(client);
    if (proxy.hung || !target) return;
    const upstream = createConnection(target);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.port = typeof address === 'object' && address ? address.port : 0;
  return proxy;
}

/**
 * Sends through a hung `proxy` (the send must fail, retryable, well within 5 s), then lets the
 * proxy forward and sends again (it must succeed on a fresh connection). Returns that message.
 */
export async function sendThroughHang(proxy: { hung: boolean }, destination: Destination): Promise<OutboundMessage> {
  proxy.hung = true;
  const started = Date.now();
  expect(await destination.send(outboundMessage(), never())).toMatchObject({ ok: false, retryable: true });
  expect(Date.now() - started).toBeLessThan(5000);
  proxy.hung = false;
  const message = outboundMessage();
  expect(await destination.send(message, never())).toMatchObject({ ok: true });
  return message;
}

/** Whether something accepts TCP connections at host:port; prints why the tests are skipped if not. */
export function serviceReachable(name: string, host: string, port: number, skipped: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      if (!ok) console.log(`${name} at ${host}:${port} not reachable: ${skipped} skipped`);
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function never(): AbortSignal {
  return new AbortController().signal;
}
