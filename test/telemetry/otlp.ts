/** A local OTLP/HTTP receiver (JSON encoding) for trace tests, and the spans it got. */
import { afterEach, expect } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { Receiver } from '../delivery/receiver.js';

/** A started Receiver answering as an OTLP/HTTP collector does; stop it after the test. */
export async function otlpReceiver(): Promise<Receiver> {
  const receiver = new Receiver();
  receiver.answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
  await receiver.start();
  return receiver;
}

/** Per test of the enclosing describe: started receivers and tracing, stopped after the test. */
export function useTracing(): { receiver(): Promise<Receiver>; start(otlp: Receiver): Promise<Tracing> } {
  let tracing: Tracing | null = null;
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = null;
    for (const r of receivers.splice(0)) await r.stop();
  });
  return {
    async receiver() {
      const receiver = await otlpReceiver();
      receivers.push(receiver);
      return receiver;
    },
    async start(otlp) {
      const started = await startTracing({ otlpUrl: otlp.url, env: {} });
      if (started === null) throw new Error('tracing did not start with an OTLP URL');
      tracing = started;
      return started;
    },
  };
}

/** One span as OTLP/HTTP JSON carries it, with its attributes flattened. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: Array<{ name: string }>;
  resource: Record<string, unknown>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttributes = Array<{ key: string; value: OtlpValue }>;

function flatten(attributes: OtlpAttributes | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue))]));
}

/** Every span the OTLP receiver got, in the order they were exported. */
export function receivedSpans(otlp: Receiver): OtlpSpan[] {
  return otlp.requests.flatMap((request) => {
    expect(request.path).toBe('/v1/traces');
    expect(request.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request.body) as {
      resourceSpans: Array<{ resource: { attributes: OtlpAttributes }; scopeSpans: Array<{ spans: Array<Omit<OtlpSpan, 'attributes' | 'resource'> & { attributes: OtlpAttributes }> }> }>;
    };
    return body.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ ...span, events: span.events ?? [], attributes: flatten(span.attributes), resource: flatten(rs.resource.attributes) }))),
    );
  });
}

