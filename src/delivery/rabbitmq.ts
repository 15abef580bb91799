import type { ChannelModel, ConfirmChannel, Message } from 'amqplib';
import { z } from 'zod';
import { durationText, nameTemplate, renderTemplate } from './broker-config.js';
import { failed, isNetworkError, redactUrl, withDeadline } from './broker-connection.js';
import { BrokerDestination } from './broker-destination.js';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';
import { lazySdk } from './sdk-loader.js';

const loadAmqplib = lazySdk('amqplib', () => import('amqplib'));

/**
 * The `rabbitmq` destination: each event is published as one persistent message on a confirm
 * channel, and counts as delivered only when the broker confirms it. The delivery id is the AMQP
 * `messageId` (invariant 5); AMQP has no broker-side dedupe, so a retry after a lost confirm can
 * publish twice and consumers deduplicate by `messageId`. Messages are published `mandatory`: one
 * that no queue takes comes back and the send fails instead of vanishing.
 */
export const rabbitmqDestinationConfig = z
  .object({
    type: z.literal('rabbitmq'),
    /** amqp://user:pass@host:5672/vhost (amqps:// for TLS). */
    url: z.string().regex(/^amqps?:\/\//, 'must start with amqp:// or amqps://'),
    /** The exchange to publish to; '' is the default exchange, where the routing key names a queue. */
    exchange: z.string().default(''),
    /** When given, the exchange is declared (durable) with this type on connect. */
    exchangeType: z.enum(['direct', 'topic', 'fanout', 'headers']).optional(),
    routingKey: nameTemplate().default('{type}'),
    /** A durable queue declared on connect and bound to the exchange with `bindingKey`. */
    queue: z
      .object({
        name: z.string().min(1),
        bindingKey: z.string().default('#'),
      })
      .strict()
      .optional(),
    timeout: durationText('timeout').default('10s'),
  })
  .strict()
  .refine((c) => c.exchange !== '' || c.exchangeType === undefined, {
    message: 'the default exchange ("") cannot be declared: give an exchange name, or drop exchangeType',
    path: ['exchangeType'],
  });

export type RabbitmqDestinationConfig = z.infer<typeof rabbitmqDestinationConfig>;

/** Reply codes that mean "the broker is busy or restarting" rather than "this cannot work". */
const TRANSIENT_REPLY_CODES = new Set([320 /* CONNECTION_FORCED */, 506 /* RESOURCE_ERROR */, 541 /* INTERNAL_ERROR */]);

function isRetryable(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return TRANSIENT_REPLY_CODES.has(code);
  // The handshake refused: wrong credentials or vhost.
  const message = error instanceof Error ? error.message : '';
  if (/ACCESS[-_]REFUSED|NOT[-_]ALLOWED|Expected ConnectionOpenOk/.test(message)) return false;
  return true;
}

/** One connection and its confirm channel, with what the broker said about them. */
interface Link {
  connection: ChannelModel;
  channel: ConfirmChannel;
  /** messageIds the broker returned as unroutable, until their confirm is seen. */
  returned: Set<string>;
  /** Why the broker closed the channel (e.g. 404 no exchange), to classify the failed publishes. */
  closedBecause?: Error;
}

class RabbitmqDestination extends BrokerDestination<RabbitmqDestinationConfig, Link> {
  readonly type = 'rabbitmq' as const;

  protected async open(): Promise<Link> {
    const { default: amqp } = await loadAmqplib();
    const connection = await amqp.connect(this.config.url, { timeout: this.timeoutMs });
    try {
      const channel = await connection.createConfirmChannel();
      const link: Link = { connection, channel, returned: new Set() };
      // Without listeners these events would crash the process; the next send reconnects.
      connection.on('error', () => {});
      connection.on('close', () => void this.link.reset(link));
      channel.on('error', (error: Error) => {
        link.closedBecause = error;
      });
      channel.on('close', () => void this.link.reset(link));
      channel.on('return', (message: Message) => {
        const id: unknown = message.properties.messageId;
        if (typeof id === 'string') link.returned.add(id);
      });
      await this.#declare(channel);
      return link;
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  async #declare(channel: ConfirmChannel): Promise<void> {
    const { exchange, exchangeType, queue } = this.config;
    if (exchangeType !== undefined) await channel.assertExchange(exchange, exchangeType, { durable: true });
    if (queue !== undefined) {
      await channel.assertQueue(queue.name, { durable: true });
      if (exchange !== '') await channel.bindQueue(queue.name, exchange, queue.bindingKey);
    }
  }

  async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    const routingKey = renderTemplate(this.config.routingKey, message);
    const where = `publish to exchange "${this.config.exchange}" with routing key "${routingKey}"`;
    let link: Link | undefined;
    try {
      link = await this.connection(signal, redactUrl(this.config.url));
      const channel = link.channel;
      const occurredAt = Date.parse(message.envelope.occurredAt);
      const confirmed = new Promise<void>((resolve, reject) => {
        channel.publish(
          this.config.exchange,
          routingKey,
          Buffer.from(message.body),
          {
            persistent: true,
            mandatory: true,
            messageId: message.deliveryId,
            type: message.eventType,
            contentType: 'application/json',
            ...(Number.isFinite(occurredAt) ? { timestamp: Math.floor(occurredAt / 1000) } : {}),
            headers: { 'event-id': message.eventId },
          },
          (error: unknown) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
        );
      });
      await withDeadline(confirmed, this.timeoutMs, signal, where);
      // The broker sends basic.return before the confirm of a message no queue took.
      if (link.returned.delete(message.deliveryId)) {
        return { ok: false, error: `${where}: unroutable, no queue is bound for it`, retryable: true };
      }
      return { ok: true, detail: where };
    } catch (error) {
      const cause = link?.closedBecause ?? error;
      if (link) await this.link.reset(link);
      return failed(where, cause, isRetryable(cause));
    }
  }

  protected async dispose(link: Link): Promise<void> {
    await link.connection.close();
  }
}

export function createRabbitmqDestination(id: string, config: z.input<typeof rabbitmqDestinationConfig>): Destination {
  return new RabbitmqDestination(id, rabbitmqDestinationConfig.parse(config));
}
