import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventEnvelopeSchema } from '../../src/delivery/envelope.js';
import { createWebhookDestination, verifyWebhook, WebhookVerificationError } from '../../src/delivery/webhook.js';
import { DestinationConfigSchema } from '../../src/delivery/registry.js';
import { useReceiver } from './receiver.js';
import { sampleMessage, secret, T0 } from './fixtures.js';

const OLD = secret(1);
const NEW = secret(2);
const never = new AbortController().signal;

describe('webhook destination (Standard Webhooks)', () => {
  const env = useReceiver(T0);

  it('posts the envelope signed over id.timestamp.body; the receiver verifies it with verifyWebhook', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: `${receiver.url}/in`, secret: NEW, headers: { 'x-api-key': 'k1' } }, { clock });
    const message = sampleMessage();
    const outcome = await hook.send(message, never);
    expect(outcome).toEqual({ ok: true, statusCode: 200 });
    const [req] = receiver.requests;
    expect(req!.path).toBe('/in');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-api-key']).toBe('k1');
    expect(req!.headers['webhook-id']).toBe(message.deliveryId);
    expect(req!.headers['webhook-timestamp']).toBe(String(T0 / 1000));
    expect(req!.body).toBe(message.body);
    // The signature, recomputed here from the specification rather than through signWebhook.
    const key = Buffer.from(NEW.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${message.deliveryId}.${T0 / 1000}.${req!.body}`).digest('base64');
    expect(req!.headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(verifyWebhook(NEW, req!.headers as Record<string, string>, req!.body, { now: T0 + 1000 })).toEqual({ id: message.deliveryId, timestamp: T0 / 1000 });
    const envelope = EventEnvelopeSchema.parse(JSON.parse(req!.body));
    expect(envelope.id).toBe(message.deliveryId);
    expect(envelope.run?.output).toEqual({ price: 42, title: 'Widget' });
  });

  it('signs with every secret during a rotation; a receiver holding either one verifies', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: receiver.url, secret: [OLD, NEW] }, { clock });
    await hook.send(sampleMessage(), never);
    const req = receiver.requests[0]!;
    expect(String(req.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = req.headers as Record<string, string>;
    expect(() => verifyWebhook(OLD, headers, req.body, { now: T0 })).not.toThrow();
    expect(() => verifyWebhook(NEW, headers, req.body, { now: T0 })).not.toThrow();
    expect(() => verifyWebhook([secret(3), NEW], headers, req.body, { now: T0 })).not.toThrow();
    expect(() => verifyWebhook(secret(3), headers, req.body, { now: T0 })).toThrow(/no signature matches/);
  });

  it('verifyWebhook rejects a changed body, an old or future timestamp and missing headers, saying which', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: receiver.url, secret: NEW }, { clock });
    await hook.send(sampleMessage(), never);
    const req = receiver.requests[0]!;
    const headers = req.headers as Record<string, string>;
    expect(() => verifyWebhook(NEW, headers, req.body.replace('42', '43'), { now: T0 })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(NEW, headers, req.body, { now: T0 + 301_000 })).toThrow(/expired or replayed/);
    expect(() => verifyWebhook(NEW, headers, req.body, { now: T0 - 301_000 })).toThrow(/tolerance 300 s/);
    expect(() => verifyWebhook(NEW, headers, req.body, { now: T0 + 299_000 })).not.toThrow();
    expect(() => verifyWebhook(NEW, { ...headers, 'webhook-signature': '' }, req.body, { now: T0 })).toThrow(/missing header\(s\): webhook-signature/);
    expect(() => verifyWebhook(NEW, { ...headers, 'webhook-signature': 'v2,abc' }, req.body, { now: T0 })).toThrow(/no v1 signature/);
    expect(() => verifyWebhook(NEW, new Headers(headers), req.body, { now: T0 })).not.toThrow();
  });

  it('410 Gone asks the relay to disable the endpoint; other errors are retryable, with Retry-After', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: receiver.url, secret: NEW }, { clock });
    receiver.answer = () => ({ status: 410, body: 'endpoint removed' });
    expect(await hook.send(sampleMessage(), never)).toMatchObject({ ok: false, statusCode: 410, disable: true, retryable: false, error: expect.stringContaining('endpoint removed') });
    receiver.answer = () => ({ status: 503, headers: { 'retry-after': '30' } });
    expect(await hook.send(sampleMessage(), never)).toEqual({ ok: false, statusCode: 503, retryable: true, retryAfterMs: 30_000, error: 'HTTP 503' });
    receiver.answer = () => ({ status: 400, body: 'bad' });
    expect(await hook.send(sampleMessage(), never)).toMatchObject({ ok: false, statusCode: 400, retryable: true, error: 'HTTP 400: bad' });
  });

  it('does not follow redirects', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: `${receiver.url}/old`, secret: NEW }, { clock });
    receiver.answer = (r) => (r.path === '/old' ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : { status: 200 });
    const outcome = await hook.send(sampleMessage(), never);
    expect(outcome).toMatchObject({ ok: false, statusCode: 302, retryable: true, error: expect.stringContaining('not followed') });
    expect(receiver.requests.map((r) => r.path)).toEqual(['/old']);
  });

  it('gives up on a receiver that does not answer within the timeout, and on a refused connection', async () => {
    const { receiver, clock } = env;
    const hook = createWebhookDestination('hook', { type: 'webhook', url: receiver.url, secret: NEW, timeout: '200ms' }, { clock });
    receiver.answer = () => 'hold';
    expect(await hook.send(sampleMessage(), never)).toEqual({ ok: false, retryable: true, error: 'no answer within 200ms' });
    await receiver.stop();
    expect(await hook.send(sampleMessage(), never)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('ECONNREFUSED') });
  });

  it('config: a secret without whsec_, a non-http URL and webhook-* custom headers are rejected with their path', () => {
    const result = DestinationConfigSchema.safeParse({ id: 'h', type: 'webhook', url: 'ftp://x', secret: 'plain', headers: { 'webhook-id': 'x' } });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['headers', 'secret', 'url']);
    expect(DestinationConfigSchema.safeParse({ id: 'h', type: 'pigeon' }).error?.issues[0]?.message).toMatch(/unknown destination type "pigeon" \(available: webhook, slack, file/);
  });
});
