/**
 * The HTTP API: Fastify under /v1, bearer API keys scoped to one organisation, per-key rate
 * limits, RFC 9457 errors, /openapi.json, /healthz, /readyz and (when given metrics) /metrics.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { packageVersion } from '../cli/version.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../config/secrets.js';
import type { ArtifactStore } from '../runtime/artifacts.js';
import type { TemplateRunner } from '../runtime/runner.js';
import type { Store } from '../store/store.js';
import { traceRequests } from '../telemetry/http-spans.js';
import type { Metrics } from '../telemetry/metrics.js';
import { authenticate } from './auth.js';
import type { ApiContext } from './context.js';
import { buildOpenApiDocument } from './openapi.js';
import { problem, sendProblem, toProblem } from './problem.js';
import { ApiRouter } from './router.js';
import { artifactRoutes } from './routes/artifacts.js';
import { cacheRoutes } from './routes/cache.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { destinationRoutes } from './routes/destinations.js';
import { healthRoutes } from './routes/health.js';
import { incidentRoutes } from './routes/incidents.js';
import { keyRoutes } from './routes/keys.js';
import { profileRoutes } from './routes/profiles.js';
import { runRoutes } from './routes/runs.js';
import { scheduleRoutes } from './routes/schedules.js';
import { secretRoutes } from './routes/secrets.js';
import { templateRoutes } from './routes/templates.js';
import type { DashboardOptions } from '../dashboard/server.js';

/** Adds routes of a later capability: `router.add(endpoint, handler)`. */
export type ApiExtension = (router: ApiRouter, ctx: ApiContext) => void;

export interface RateLimitOptions {
  /** Requests per key per window. */
  max: number;
  /** Window in ms. */
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 600, windowMs: 60_000 };

export interface ApiOptions {
  store: Store;
  clock: Clock;
  runners: readonly TemplateRunner[];
  secretBox?: SecretBox | null;
  /** Artifact bytes (traces, screenshots) for GET /v1/runs/{id}/artifacts/…; `serve` passes its --artifacts store. */
  artifacts?: ArtifactStore | null;
  logger?: Logger;
  /** Per-key limits; false turns them off. */
  rateLimit?: RateLimitOptions | false;
  /**
   * Proxies whose X-Forwarded-For/-Proto/-Host headers are believed (addresses, CIDR ranges or
   * `loopback`, `linklocal`, `uniquelocal`): behind an HTTPS proxy the dashboard then sees the
   * https origin its forms are posted from, and marks its cookie Secure.
   */
  trustProxy?: readonly string[];
  extensions?: readonly ApiExtension[];
  /** Check every response against its schema (tests). */
  validateResponses?: boolean;
  /** The web dashboard under /dashboard/ (docs/dashboard.md); on unless false. */
  dashboard?: DashboardOptions | boolean;
  /** Served at GET /metrics without an API key, like /healthz; without it there is no /metrics. */
  metrics?: Metrics | null;
}

const ROUTE_MODULES: readonly ApiExtension[] = [
  templateRoutes,
  scheduleRoutes,
  runRoutes,
  artifactRoutes,
  deliveryRoutes,
  destinationRoutes,
  incidentRoutes,
  healthRoutes,
  cacheRoutes,
  profileRoutes,
  secretRoutes,
  keyRoutes,
];

export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger | undefined,
    bodyLimit: 1_048_576,
    ...(options.trustProxy?.length ? { trustProxy: [...options.trustProxy] } : {}),
  });
  const ctx: ApiContext = { store: options.store, clock: options.clock, runners: options.runners, secretBox: options.secretBox ?? null, artifacts: options.artifacts ?? null, metrics: options.metrics ?? null };

  // An empty JSON body means "no options" (POST …/pause with Content-Type: application/json and nothing else).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim() === '') return done(null, undefined);
    return jsonParser(request, text, done);
  });

  app.setErrorHandler((error, request, reply) => {
    const p = toProblem(error);
    if (p.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, problem(404, 'not-found', 'Not found', `no route ${request.method} ${request.url.split('?')[0]}`).problem));

  // First, so a request's span covers its authentication and rate limiting too.
  traceRequests(app);

  // Authentication before the rate limiter, so limits count per key rather than per address.
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/v1/')) request.caller = await authenticate(ctx, request.headers.authorization);
  });

  const limits = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
  if (limits) {
    await app.register(rateLimit, {
      global: false,
      max: limits.max,
      timeWindow: limits.windowMs,
      keyGenerator: (request) => request.caller?.keyId ?? request.ip,
      // The plugin throws what this returns; a ProblemError reaches the error handler as is.
      errorResponseBuilder: (_request, context) =>
        Object.assign(problem(429, 'rate-limited', 'Too many requests', `this key may send ${context.max} requests per ${context.after}; retry after ${context.ttl > 0 ? Math.ceil(context.ttl / 1000) : 1} s`), { statusCode: 429 }),
    });
  }

  const router = new ApiRouter(app, options.validateResponses === true);
  await app.register(async (v1) => {
    // Every /v1 route shares the per-key limit.
    if (limits) v1.addHook('onRequest', v1.rateLimit());
    const scoped = new ApiRouter(v1, options.validateResponses === true);
    for (const register of [...ROUTE_MODULES, ...(options.extensions ?? [])]) register(scoped, ctx);
    router.registered.push(...scoped.registered);
  });

  if (options.dashboard !== false) {
    // Loaded only when mounted: an API-only node does not import the pages.
    const { registerDashboard } = await import('../dashboard/server.js');
    await registerDashboard(app, ctx, typeof options.dashboard === 'object' ? options.dashboard : {});
  }

  let document: Record<string, unknown> | undefined;
  app.get('/openapi.json', async () => (document ??= buildOpenApiDocument(router.registered, { version: packageVersion() })));
  app.get('/healthz', async () => ({ status: 'ok' }));
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).send(body);
    });
  }
  app.get('/readyz', async (_request, reply) => {
    try {
      await ctx.store.meta.get('readyz');
      return { status: 'ok' };
    } catch (error) {
      return sendProblem(reply, problem(503, 'not-ready', 'Not ready', `the database does not answer: ${(error as Error).message}`).problem);
    }
  });
  return app;
}
