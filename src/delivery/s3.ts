import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { parseDuration } from '../spec/duration.js';
import { durationText, nameTemplate, renderTemplate } from './broker-config.js';
import { failed, isNetworkError, withDeadline } from './broker-connection.js';
import type { Destination, OutboundMessage, SendOutcome } from './destination.js';
import { lazySdk } from './sdk-loader.js';

const loadS3Sdk = lazySdk('@aws-sdk/client-s3', () => import('@aws-sdk/client-s3'));

/**
 * The `s3` destination: each event becomes one JSON object, PUT to any S3-compatible store (AWS,
 * MinIO, Ceph, R2…). The object key contains the delivery id, so a retried delivery overwrites
 * the same object with the same body: a bucket holds each event once (invariant 5).
 *
 * Artifacts (traces, screenshots) are not uploaded yet; the envelope's replayUrl points to them.
 */
export const s3DestinationConfig = z
  .object({
    type: z.literal('s3'),
    bucket: z.string().min(1),
    /** Key of each object; must contain {id} or {event} so that events never overwrite each other. */
    key: nameTemplate()
      .refine((key) => /\{(id|event)\}/.test(key), {
        message: 'key must contain {id} (or {event}): without it, events overwrite each other',
      })
      .default('{schedule}/{date}/{id}.json'),
    region: z.string().min(1).default('us-east-1'),
    /** For S3-compatible stores, e.g. http://127.0.0.1:9000; AWS when absent. */
    endpoint: z.url().optional(),
    /** Bucket in the path (http://host/bucket/key) rather than the host name: most non-AWS stores need it. */
    forcePathStyle: z.boolean().default(false),
    /** Static credentials; when absent the AWS default chain applies (AWS_ACCESS_KEY_ID…, profiles, instance roles). */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    timeout: durationText('timeout').default('15s'),
  })
  .strict()
  .refine((c) => (c.accessKeyId === undefined) === (c.secretAccessKey === undefined), {
    message: 'accessKeyId and secretAccessKey go together: give both, or neither to use the AWS default credentials',
    path: ['secretAccessKey'],
  });

export type S3DestinationConfig = z.infer<typeof s3DestinationConfig>;

/** S3 answers that a later try can fix; other 4xx answers (access denied, no such bucket) are config errors. */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function classify(error: unknown): boolean {
  if (isNetworkError(error)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined) return TRANSIENT_STATUS.has(status) || status >= 500;
  // No answer from S3: missing credentials are config, anything else (socket, abort) is transient.
  return (error as { name?: string }).name !== 'CredentialsProviderError';
}

class S3Destination implements Destination {
  readonly type = 's3' as const;
  readonly #config: S3DestinationConfig;
  readonly #timeoutMs: number;
  #client: S3Client | undefined;
  #closed = false;

  constructor(
    readonly id: string,
    config: S3DestinationConfig,
  ) {
    this.#config = config;
    this.#timeoutMs = parseDuration(config.timeout, 'timeout');
  }

  #s3(Client: typeof S3Client): S3Client {
    if (this.#client) return this.#client;
    const c = this.#config;
    const options: S3ClientConfig = {
      region: c.region,
      forcePathStyle: c.forcePathStyle,
      // The relay owns retries (its backoff spans hours); the SDK's own quick retries would only
      // hide failures from the delivery log.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: this.#timeoutMs, requestTimeout: this.#timeoutMs },
    };
    if (c.endpoint !== undefined) options.endpoint = c.endpoint;
    if (c.accessKeyId !== undefined && c.secretAccessKey !== undefined) {
      options.credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
    }
    this.#client = new Client(options);
    return this.#client;
  }

  /** The object key this message is stored under. */
  keyFor(message: OutboundMessage): string {
    return renderTemplate(this.#config.key, message);
  }

  async send(message: OutboundMessage, signal: AbortSignal): Promise<SendOutcome> {
    if (this.#closed) return { ok: false, error: 's3: destination is closed', retryable: true };
    const key = this.keyFor(message);
    const where = `s3://${this.#config.bucket}/${key}`;
    try {
      const { S3Client: Client, PutObjectCommand } = await loadS3Sdk();
      // close() may have run while the SDK was loading; a client made now would never be destroyed.
      if (this.#closed) return { ok: false, error: 's3: destination is closed', retryable: true };
      const put = this.#s3(Client).send(
        new PutObjectCommand({
          Bucket: this.#config.bucket,
          Key: key,
          Body: message.body,
          ContentType: 'application/json',
          Metadata: { 'delivery-id': message.deliveryId, 'event-id': message.eventId, 'event-type': message.eventType },
        }),
        { abortSignal: signal },
      );
      const answer = await withDeadline(put, this.#timeoutMs, signal, `PUT ${where}`);
      return { ok: true, statusCode: answer.$metadata.httpStatusCode ?? 200, detail: where };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const outcome = failed(`PUT ${where}`, error, classify(error));
      return status !== undefined && !outcome.ok ? { ...outcome, statusCode: status } : outcome;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client?.destroy();
    this.#client = undefined;
  }
}

export function createS3Destination(id: string, config: z.input<typeof s3DestinationConfig>): Destination {
  return new S3Destination(id, s3DestinationConfig.parse(config));
}
