import type { ConnectionOptions, JetStreamClient, JetStreamPublishOptions, NatsConnection } from 'nats';
import { z } from 'zod';
import { parseDuration } from '../spec/duration.js';
import { durationText, nameTemplate, renderTemplate } from './broker-config.js';
import { errorCode, failed, isNetworkError, withDeadline } from './broker-connection.js';
import { BrokerDestination } from './broker-destination.js';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';
import { lazySdk } from './sdk-loader.js';

const loadNats = lazySdk('nats', () => import('nats'));

/**
 * The `nats` destination: each event is published to JetStream with `Nats-Msg-Id` = the delivery
 * id (invariant 5) and counts as delivered once the stream acknowledges it. Within the stream's
 * duplicate window the server drops a repeated id, so a retry after a lost ack stores nothing
 * twice; past the window, consumers deduplicate by `Nats-Msg-Id`.
 */
const streamName = z.string().regex(/^[^.*>\s/\\]+$/, 'a stream name has no spaces, dots, *, >, / or \\');

export const natsDestinationConfig = z
  .object({
    type: z.literal('nats'),
    /** One server or several of a cluster: nats://host:4222 or host:4222. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('nats://127.0.0.1:4222'),
    subject: nameTemplate().default('agentcron.{type}'),
    /** The stream expected to capture the subject; a message captured by another stream fails. */
    stream: streamName.optional(),
    /** Creates `stream` on connect when it does not exist (an existing stream is left as it is). */
    createStream: z.boolean().default(false),
    /** Subjects of a created stream; default: the subject's fixed prefix followed by `>`. */
    streamSubjects: z.array(z.string().min(1)).min(1).optional(),
    /** Duplicate window of a created stream: a repeated delivery id within it is dropped by the server. */
    duplicateWindow: durationText('duplicateWindow').default('2m'),
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    timeout: durationText('timeout').default('10s'),
  })
  .strict()
  .refine((c) => !c.createStream || c.stream !== undefined, {
    message: 'createStream needs the stream name: set stream',
    path: ['stream'],
  })
  .refine((c) => !c.createStream || c.streamSubjects !== undefined || defaultStreamSubject(c.subject) !== undefined, {
    message: 'the subject starts with a placeholder, so the stream subjects cannot be derived: set streamSubjects',
    path: ['streamSubjects'],
  });

export type NatsDestinationConfig = z.infer<typeof natsDestinationConfig>;

/** `agentcron.{type}` → `agentcron.>`; a subject without placeholders is its own stream subject. */
function defaultStreamSubject(subject: string): string | undefined {
  const brace = subject.indexOf('{');
  if (brace === -1) return subject;
  const lastDot = subject.lastIndexOf('.', brace);
  return lastDot > 0 ? `${subject.slice(0, lastDot)}.>` : undefined;
}

/** Client error codes a retry cannot fix: refused credentials, bad subjects, oversized messages. */
const PERMANENT_CODES = new Set([
  'AUTHORIZATION_VIOLATION', 'AUTHENTICATION_EXPIRED', 'AUTHENTICATION_TIMEOUT', 'BAD_AUTHENTICATION', 'BAD_CREDS',
  'ACCOUNT_EXPIRED', 'PERMISSIONS_VIOLATION', 'BAD_SUBJECT', 'BAD_HEADER', 'MAX_PAYLOAD_EXCEEDED', 'INVALID_OPTION',
]);

function isRetryable(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  // JetStream API answers carry an HTTP-like status (400 "expected stream does not match"…).
  const status = (error as { api_error?: { code?: number } }).api_error?.code ?? Number(errorCode(error));
  if (Number.isInteger(status)) return status >= 500 || status === 408 || status === 429;
  const code = errorCode(error);
  return code === undefined || !PERMANENT_CODES.has(code);
}

interface Link {
  connection: NatsConnection;
  jetstream: JetStreamClient;
}

class NatsDestination extends BrokerDestination<NatsDestinationConfig, Link> {
  readonly type = 'nats' as const;

  protected async open(): Promise<Link> {
    const c = this.config;
    const options: ConnectionOptions = { servers: c.servers, name: `agentcron destination ${this.id}`, timeout: this.timeoutMs };
    if (c.user !== undefined) options.user = c.user;
    if (c.pass !== undefined) options.pass = c.pass;
    if (c.token !== undefined) options.token = c.token;
    const { connect } = await loadNats();
    const connection = await connect(options);
    const link: Link = { connection, jetstream: connection.jetstream({ timeout: this.timeoutMs }) };
    // The client reconnects on its own for a while; once it gives up, the next send starts afresh.
    void connection.closed().then(() => this.link.reset(link));
    try {
      if (c.createStream && c.stream !== undefined) await this.#ensureStream(connection, c.stream);
      return link;
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  async #ensureStream(connection: NatsConnection, name: string): Promise<void> {
    const manager = await connection.jetstreamManager({ timeout: this.timeoutMs });
    try {
      await manager.streams.info(name);
      return;
    } catch (error) {
      if ((error as { api_error?: { code?: number } }).api_error?.code !== 404) throw error;
    }
    const { nanos, StorageType } = await loadNats();
    const subjects = this.config.streamSubjects ?? [defaultStreamSubject(this.config.subject) ?? '>'];
    await manager.streams.add({
      name,
      subjects,
      storage: StorageType.File,
      duplicate_window: nanos(parseDuration(this.config.duplicateWindow, 'duplicateWindow')),
    });
  }

  async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    const subject = renderTemplate(this.config.subject, message);
    const where = `JetStream publish to ${subject}`;
    let link: Link | undefined;
    try {
      link = await this.connection(signal, String(this.config.servers));
      // Already loaded by the connect above; this only fetches the memoised module.
      const { headers } = await loadNats();
      const h = headers();
      h.set('Agentcron-Event-Id', message.eventId);
      h.set('Agentcron-Event-Type', message.eventType);
      h.set('Content-Type', 'application/json');
      const options: Partial<JetStreamPublishOptions> = { msgID: message.deliveryId, headers: h, timeout: this.timeoutMs };
      if (this.config.stream !== undefined) options.expect = { streamName: this.config.stream };
      const publishing = link.jetstream.publish(subject, new TextEncoder().encode(message.body), options);
      const ack = await withDeadline(publishing, this.timeoutMs, signal, where);
      return { ok: true, detail: `${ack.stream} #${ack.seq}${ack.duplicate ? ' (duplicate, already stored)' : ''}` };
    } catch (error) {
      if (errorCode(error) === '503') {
        return { ok: false, error: `${where}: no JetStream stream captures this subject (create one, or set createStream)`, retryable: false };
      }
      return failed(where, error, isRetryable(error));
    }
  }

  protected async dispose(link: Link): Promise<void> {
    await link.connection.close();
  }
}

export function createNatsDestination(id: string, config: z.input<typeof natsDestinationConfig>): Destination {
  return new NatsDestination(id, natsDestinationConfig.parse(config));
}
