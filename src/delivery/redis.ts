import type { Redis } from 'ioredis';
import { z } from 'zod';
import { durationText, nameTemplate, renderTemplate } from './broker-config.js';
import { failed, isNetworkError, redactUrl, withDeadline } from './broker-connection.js';
import { BrokerDestination } from './broker-destination.js';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';
import { lazySdk } from './sdk-loader.js';

const loadIoredis = lazySdk('ioredis', () => import('ioredis'));

/**
 * The `redis` destination: each event is one Redis Stream entry (`XADD`) with the fields `id`
 * (the delivery id, invariant 5), `event`, `type` and `body` (the envelope JSON). Redis has no
 * dedupe: a retry after a lost reply appends a second entry with the same `id`, and consumers
 * deduplicate by that field.
 */
export const redisDestinationConfig = z
  .object({
    type: z.literal('redis'),
    /** redis://[user:pass@]host:6379[/db] (rediss:// for TLS). */
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
    /** The stream key. */
    stream: nameTemplate().default('agentcron:events'),
    /** Caps the stream near this many entries (`MAXLEN ~ n`); unbounded when absent. */
    maxLen: z.number().int().positive().optional(),
    timeout: durationText('timeout').default('10s'),
  })
  .strict();

export type RedisDestinationConfig = z.infer<typeof redisDestinationConfig>;

/** Server replies that mean "busy, loading or failing over", not "this command cannot work". */
const TRANSIENT_REPLY = /^(OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|MOVED|ASK)\b/;

function isRetryable(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  // A ReplyError is the server's answer: WRONGPASS, NOAUTH, NOPERM, WRONGTYPE, ERR… are config errors.
  if (error instanceof Error && error.name === 'ReplyError') return TRANSIENT_REPLY.test(error.message);
  return true; // the connection closed or timed out
}

class RedisDestination extends BrokerDestination<RedisDestinationConfig, Redis> {
  readonly type = 'redis' as const;

  protected async open(): Promise<Redis> {
    const { Redis: RedisClient } = await loadIoredis();
    const redis = new RedisClient(this.config.url, {
      lazyConnect: true,
      // Names the connection in CLIENT LIST, so operators can tell which destination it serves.
      connectionName: `agentcron:${this.id}`,
      connectTimeout: this.timeoutMs,
      commandTimeout: this.timeoutMs,
      // No queueing or reconnecting inside the client: a send fails at once when the connection
      // is gone (the relay retries it later), and the next send opens a fresh connection.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    let lastError: Error | undefined;
    redis.on('error', (error: Error) => {
      lastError = error;
    });
    redis.on('end', () => void this.link.reset(redis));
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      // connect() only says "Connection is closed."; the error event says why (ECONNREFUSED, WRONGPASS…).
      throw lastError ?? error;
    }
    return redis;
  }

  async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    const stream = renderTemplate(this.config.stream, message);
    const where = `XADD ${stream}`;
    let redis: Redis | undefined;
    try {
      redis = await this.#readyConnection(signal);
      const trim = this.config.maxLen !== undefined ? ['MAXLEN', '~', this.config.maxLen] : [];
      const fields = ['id', message.deliveryId, 'event', message.eventId, 'type', message.eventType, 'body', message.body];
      const adding = redis.xadd(stream, ...trim, '*', ...fields);
      const entryId = await withDeadline(adding, this.timeoutMs, signal, where);
      return { ok: true, detail: `${stream} ${entryId ?? ''}`.trim() };
    } catch (error) {
      // Anything but a server reply may have broken the connection: the next send opens a new one.
      if (redis && !(error instanceof Error && error.name === 'ReplyError')) await this.link.reset(redis);
      return failed(where, error, isRetryable(error));
    }
  }

  /** The shared connection; one the server dropped (its 'end' event may still be on the way) is replaced. */
  async #readyConnection(signal: AbortSignal): Promise<Redis> {
    const connecting = () => this.connection(signal, redactUrl(this.config.url));
    const redis = await connecting();
    if (redis.status === 'ready') return redis;
    await this.link.reset(redis);
    return connecting();
  }

  protected async dispose(redis: Redis): Promise<void> {
    redis.disconnect();
  }
}

export function createRedisDestination(id: string, config: z.input<typeof redisDestinationConfig>): Destination {
  return new RedisDestination(id, redisDestinationConfig.parse(config));
}
