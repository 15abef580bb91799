/**
 * One server span per API request (docs/observability.md), named `agentcron.http <METHOD>
 * <route>`, with the HTTP semantic-convention attributes. A W3C `traceparent` sent by the caller
 * makes the span its child, so a caller's trace reaches the runs its request created (and their
 * attempts and deliveries, through the run's `trace` event). Nothing is hooked while tracing is off.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordError, tracer, tracingActive } from './spans.js';

/** Probes and scrapes: frequent, and nothing worth a trace. */
const UNTRACED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

interface RequestSpan {
  span: Span;
  /** The error the request failed with, recorded once its status says it was the server's fault. */
  error?: unknown;
}

/** Adds the hooks; call before any other onRequest hook so the span covers authentication too. */
export function traceRequests(app: FastifyInstance): void {
  if (!tracingActive()) return;
  const spans = new WeakMap<FastifyRequest, RequestSpan>();

  app.addHook('onRequest', (request, _reply, done) => {
    // Routing happens before onRequest: the pattern is known (undefined when no route matched).
    const route = request.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTES.has(route)) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer().startSpan(
      route === undefined ? `agentcron.http ${request.method}` : `agentcron.http ${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          ...(route !== undefined ? { 'http.route': route } : {}),
          'url.path': request.url.split('?')[0],
          'url.scheme': request.protocol,
          'network.protocol.version': request.raw.httpVersion,
          ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
        },
      },
      parent,
    );
    spans.set(request, { span });
    // Everything after this hook (authentication, the handler, the runs it creates) continues in
    // this context: the handler runs in the async continuation of the hooks it started.
    context.with(trace.setSpan(parent, span), done);
  });

  app.addHook('onError', (request, _reply, error, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) entry.error = error;
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const entry = spans.get(request);
    if (entry === undefined) return done();
    const status = reply.statusCode;
    entry.span.setAttribute('http.response.status_code', status);
    // Semantic conventions: a server span is an error only for 5xx; a 4xx is the caller's.
    if (status >= 500) {
      entry.span.setAttribute('error.type', String(status));
      if (entry.error !== undefined) recordError(entry.span, entry.error);
      else entry.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    entry.span.end();
    spans.delete(request);
    done();
  });

  // A caller that hangs up before the answer: end the span rather than leave it open.
  app.addHook('onRequestAbort', (request, done) => {
    const entry = spans.get(request);
    if (entry === undefined) return done();
    entry.span.setAttribute('error.type', 'aborted');
    entry.span.end();
    spans.delete(request);
    done();
  });
}
