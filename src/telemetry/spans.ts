/**
 * Spans for tick → run → attempt → step → delivery (docs/observability.md). Only the
 * OpenTelemetry API is used here: without a configured SDK (src/telemetry/tracing.ts) every span
 * is a no-op and nothing below touches the store.
 *
 * A run is claimed long after the tick that queued it, often on another node, so the context
 * of the run's span is kept as the run's first event (`trace`, holding a W3C `traceparent`):
 * its attempts and deliveries continue that trace as children. That needs no schema change and
 * costs one insert per queued run and one indexed read per attempt or delivery, only while
 * tracing is on. Runs created by the API continue the request's trace the same way. Runs created
 * with tracing off get a new root per attempt, carrying run.id, schedule.id and the nominal time
 * as attributes.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { packageVersion } from '../cli/version.js';
import type { Store } from '../store/store.js';
import type { Instant } from '../store/types.js';

export { SpanKind };

/** The run event type that holds the trace context of the span that created the run. */
export const TRACE_EVENT = 'trace';

let active = false;

/** Set by startTracing: while false, spans are no-ops and run trace contexts are neither written nor read. */
export function setTracingActive(on: boolean): void {
  active = on;
}

export function tracingActive(): boolean {
  return active;
}

let version: string | undefined;

export function tracer() {
  version ??= packageVersion();
  return trace.getTracer('agentcron', version);
}

/**
 * Runs `work` in a new active span: an error is recorded on the span (status ERROR) and thrown
 * on; the span ends when the work settles.
 */
export function inSpan<T>(name: string, options: { attributes?: Attributes; kind?: SpanKind; parent?: Context }, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function recordError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** The W3C `traceparent` of the active span, or null when none is recording. */
export function currentTraceparent(): string | null {
  if (!trace.getActiveSpan()?.isRecording()) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** Remembers the active span as the parent of everything later done for the run (inside the run's transaction). */
export async function recordRunTrace(tx: Store, runId: string, now: Instant): Promise<void> {
  const traceparent = active ? currentTraceparent() : null;
  if (traceparent !== null) await tx.events.append({ runId, type: TRACE_EVENT, data: { traceparent } }, now);
}

/**
 * One `agentcron.run` span (producer) per queued run, child of the active span (a schedule's
 * fire, an API request), remembered as the parent of the run's attempts and deliveries. Call it
 * inside the transaction that inserts the runs; nothing happens while tracing is off.
 */
export async function traceQueuedRuns(tx: Store, runs: readonly RunIdentity[], now: Instant): Promise<void> {
  if (!active) return;
  for (const run of runs) {
    await inSpan('agentcron.run', { kind: SpanKind.PRODUCER, attributes: { ...runAttributes(run), status: 'queued' } }, () => recordRunTrace(tx, run.id, now));
  }
}

/** The context of the span that created the run, or the root context (a new trace) when there is none. */
export async function runTraceContext(store: Store, runId: string | null): Promise<Context> {
  if (!active || runId === null) return ROOT_CONTEXT;
  // The trace event is written with the run, so it is among the first few.
  // A trace is not worth failing an attempt or a delivery for: without it, a new one starts.
  const events = await store.events.list(runId, { limit: 5 }).catch(() => []);
  const data = events.find((e) => e.type === TRACE_EVENT)?.data as { traceparent?: unknown } | undefined;
  if (typeof data?.traceparent !== 'string') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent: data.traceparent });
}

/** What a run's spans say about it. */
export interface RunIdentity {
  id: string;
  orgId: string;
  scheduleId: string | null;
  templateId: string;
  nominalTime: Instant;
  trigger: string;
}

/** Span attributes of a run (OpenTelemetry attribute names use dots; values never hold params or secrets). */
export function runAttributes(run: RunIdentity): Attributes {
  return {
    'run.id': run.id,
    'org.id': run.orgId,
    ...(run.scheduleId !== null ? { 'schedule.id': run.scheduleId } : {}),
    'template.id': run.templateId,
    'run.nominal_time': new Date(run.nominalTime).toISOString(),
    'run.trigger': run.trigger,
  };
}
