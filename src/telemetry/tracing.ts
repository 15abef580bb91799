/**
 * OpenTelemetry SDK set-up for `agentcron serve` (docs/observability.md): spans are exported
 * over OTLP/HTTP only when an endpoint is configured, by `serve --otlp <url>` or the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables. Otherwise the SDK
 * is not even loaded and every span in the code is a no-op.
 */
import { setTracingActive } from './spans.js';

export interface TracingOptions {
  /** Base URL of an OTLP/HTTP receiver (spans go to `<url>/v1/traces`); wins over the environment. */
  otlpUrl?: string | null;
  env?: NodeJS.ProcessEnv;
  /** Extra resource attributes (e.g. service.instance.id). */
  attributes?: Record<string, string>;
}

export interface Tracing {
  /** Where spans go (for the start-up log line). */
  readonly endpoint: string;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes and stops exporting; spans after this are no-ops. */
  shutdown(): Promise<void>;
}

/** The traces URL the configuration names, or null when tracing is not configured. */
export function tracesEndpoint(options: TracingOptions): string | null {
  const env = options.env ?? process.env;
  if (options.otlpUrl) return `${options.otlpUrl.replace(/\/+$/, '')}/v1/traces`;
  // The specification: the per-signal variable is used as is, the generic one gets /v1/traces.
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

/** Starts exporting spans when an endpoint is configured; null (and nothing loaded) otherwise. */
export async function startTracing(options: TracingOptions = {}): Promise<Tracing | null> {
  const endpoint = tracesEndpoint(options);
  if (endpoint === null) return null;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`the OTLP traces endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the OTLP traces endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { packageVersion }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('../cli/version.js'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agentcron', 'service.version': packageVersion(), ...options.attributes }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
  });
  // Global, as OpenTelemetry intends: the AsyncLocalStorage context manager and the W3C propagator.
  provider.register();
  setTracingActive(true);
  return {
    endpoint,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      setTracingActive(false);
      await provider.shutdown();
      const { context, propagation, trace } = await import('@opentelemetry/api');
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
