import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { createS3Destination, s3DestinationConfig } from '../../src/delivery/s3.js';
import type { Destination } from '../../src/delivery/destination.js';
import { closedPort, never, outboundMessage, retryOf, hangingProxy, uniqueName } from './broker-fixtures.js';

// s3rver (a local S3 implementation, CommonJS without types) stands in for S3, which cannot run here.
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

// s3rver's fixed credentials.
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

describe('s3 destination (s3rver)', () => {
  const bucket = uniqueName('agentcron-test');
  let directory: string;
  let server: S3rverServer;
  let endpoint: string;
  let reader: S3Client;
  const destinations: Destination[] = [];

  function destination(overrides: Record<string, unknown> = {}): Destination {
    const created = createS3Destination('s3-test', {
      type: 's3',
      bucket,
      endpoint,
      forcePathStyle: true,
      ...credentials,
      ...overrides,
    });
    destinations.push(created);
    return created;
  }

  async function objectKeys(prefix: string): Promise<string[]> {
    const listed = await reader.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (listed.Contents ?? []).map((o) => o.Key ?? '');
  }

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'agentcron-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    reader = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { ...credentials } }); // a copy: the SDK tags credential objects it is given
  });

  afterAll(async () => {
    for (const d of destinations) await d.close();
    reader?.destroy();
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('stores the envelope as JSON under {schedule}/{date}/{id}.json, the date being the nominal day (UTC)', async () => {
    const s3 = destination();
    const message = outboundMessage();
    const outcome = await s3.send(message, never());
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });

    const key = `${message.envelope.schedule?.id}/2026-03-29/${message.deliveryId}.json`;
    const object = await reader.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const envelope = EventEnvelopeSchema.parse(JSON.parse(await object.Body!.transformToString()));
    expect(envelope.id).toBe(message.deliveryId);
    expect(envelope).toEqual(message.envelope);
    expect(object.ContentType).toBe('application/json');
    expect(object.Metadata).toMatchObject({ 'delivery-id': message.deliveryId, 'event-id': message.eventId, 'event-type': 'run.succeeded' });
  });

  it('keeps one object when the same delivery is sent twice (the key is the idempotency key)', async () => {
    const s3 = destination();
    const message = outboundMessage();
    expect((await s3.send(message, never())).ok).toBe(true);
    expect((await s3.send(retryOf(message), never())).ok).toBe(true);
    const prefix = `${message.envelope.schedule?.id}/`;
    expect(await objectKeys(prefix)).toEqual([`${prefix}2026-03-29/${message.deliveryId}.json`]);

    // A different event of the same schedule and day is a second object, not an overwrite.
    const other = outboundMessage({ scheduleId: message.envelope.schedule?.id ?? null });
    expect((await s3.send(other, never())).ok).toBe(true);
    expect(await objectKeys(prefix)).toHaveLength(2);
  });

  it('fills a custom key template; events without a schedule use "none"', async () => {
    const s3 = destination({ key: 'events/{type}/{schedule}/{run}/{event}/{id}' });
    const message = outboundMessage({ scheduleId: null, eventType: 'run.failed' });
    expect((await s3.send(message, never())).ok).toBe(true);
    const key = `events/run.failed/none/${message.envelope.run?.id}/${message.eventId}/${message.deliveryId}`;
    await expect(reader.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).resolves.toBeDefined();
  });

  it('reports a store that does not answer as a retryable failure', async () => {
    const s3 = destination({ endpoint: `http://127.0.0.1:${await closedPort()}` });
    const outcome = await s3.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    if (!outcome.ok) expect(outcome.error).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a store that accepts the connection but never answers, as retryable, within the timeout', async () => {
    const hung = await hangingProxy();
    try {
      const started = Date.now();
      const outcome = await destination({ endpoint: `http://127.0.0.1:${hung.port}`, timeout: '1s' }).send(outboundMessage(), never());
      expect(outcome).toMatchObject({ ok: false, retryable: true });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await hung.close();
    }
  });

  it('reports a missing bucket as a failure a retry cannot fix', async () => {
    const s3 = destination({ bucket: uniqueName('no-such-bucket') });
    const outcome = await s3.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false, statusCode: 404 });
    if (!outcome.ok) expect(outcome.error).toMatch(/bucket/i);
  });

  it('reports refused credentials as a failure a retry cannot fix', async () => {
    const s3 = destination({ accessKeyId: 'WRONG', secretAccessKey: 'WRONG' });
    const outcome = await s3.send(outboundMessage(), never());
    expect(outcome).toMatchObject({ ok: false, retryable: false, statusCode: 403 });
  });

  it('reports an aborted send as retryable, and refuses to send once closed', async () => {
    const s3 = destination();
    const controller = new AbortController();
    controller.abort();
    expect(await s3.send(outboundMessage(), controller.signal)).toMatchObject({ ok: false, retryable: true });

    await s3.close();
    await s3.close();
    expect(await s3.send(outboundMessage(), never())).toMatchObject({ ok: false, error: 's3: destination is closed' });
  });

  it('rejects configs that would lose or misplace events, naming the field', () => {
    const base = { type: 's3', bucket: 'b' };
    expect(s3DestinationConfig.parse(base)).toMatchObject({ key: '{schedule}/{date}/{id}.json', region: 'us-east-1', forcePathStyle: false, timeout: '15s' });

    const noId = s3DestinationConfig.safeParse({ ...base, key: '{schedule}/latest.json' });
    expect(noId.success).toBe(false);
    expect(noId.error?.issues[0]).toMatchObject({ path: ['key'], message: expect.stringMatching(/must contain \{id\}/) });

    const typo = s3DestinationConfig.safeParse({ ...base, key: '{schedul}/{id}.json' });
    expect(typo.error?.issues[0]).toMatchObject({ path: ['key'], message: expect.stringMatching(/unknown placeholder \{schedul\}/) });

    const halfCredentials = s3DestinationConfig.safeParse({ ...base, accessKeyId: 'AKIA' });
    expect(halfCredentials.error?.issues[0]?.path).toEqual(['secretAccessKey']);

    const badTimeout = s3DestinationConfig.safeParse({ ...base, timeout: 'soon' });
    expect(badTimeout.error?.issues[0]).toMatchObject({ path: ['timeout'], message: expect.stringMatching(/"soon"/) });

    const unknownField = s3DestinationConfig.safeParse({ ...base, endpiont: 'http://x' });
    expect(unknownField.error?.issues[0]?.message).toMatch(/endpiont/);
  });
});
