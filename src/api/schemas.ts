/**
 * The HTTP API's contract: every request and response schema, and every endpoint (method, path,
 * role, schemas). The server validates requests with these schemas, `/openapi.json` is generated
 * from them, and the typed client (`agentcron/client`) takes its types from them, so the three
 * cannot drift apart.
 *
 * Conventions: instants are ISO 8601 UTC strings in responses and ISO 8601 with an offset in
 * requests; ids are the caller's names (templates, schedules) or UUIDv7 (runs, keys).
 */
import { z } from 'zod';
import { Duration, Id, policyFields, specFields } from '../config/schema.js';
import { parseDuration } from '../spec/index.js';

// ---------------------------------------------------------------------------------------------
// Building blocks

export const Role = z.enum(['admin', 'operator', 'viewer']);
export type Role = z.infer<typeof Role>;

export { Id };

/** An instant in a request: ISO 8601 with `Z` or an offset; handlers get epoch milliseconds. */
export const InstantInput = z
  .iso.datetime({ offset: true })
  .transform((text) => Date.parse(text))
  .meta({ description: 'ISO 8601 date-time with Z or an offset', examples: ['2026-01-01T00:00:00Z'] });
/** An instant in a response. */
export const Instant = z.iso.datetime().meta({ description: 'ISO 8601 UTC date-time' });
const NullableInstant = Instant.nullable();

/** Any JSON value; recursive through its own id, so OpenAPI names it once (z.json() would leave an anonymous definition). */
type JsonData = string | number | boolean | null | JsonData[] | { [key: string]: JsonData };
const JsonValue: z.ZodType<JsonData> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]))
  .meta({ id: 'JsonValue', description: 'any JSON value' });

/** RFC 9457 problem details, with the path of each invalid field in `errors`. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    limit: z.string().optional().meta({ description: 'for limit problems: the limit that was exceeded' }),
    value: z.number().optional().meta({ description: 'for limit problems: the limit value of the organisation\'s tier' }),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

const PageLimit = z.coerce.number().int().min(1).max(1000).optional();
/** `a,b,c` in a query string. */
function csvOf<T extends string>(values: readonly T[]) {
  return z
    .string()
    .transform((text, ctx) => {
      const items = text.split(',').map((s) => s.trim()).filter(Boolean);
      for (const item of items) {
        if (!(values as readonly string[]).includes(item)) {
          ctx.issues.push({ code: 'custom', input: text, message: `unknown value ${JSON.stringify(item)}; expected one of ${values.join(', ')}` });
          return z.NEVER;
        }
      }
      return items as T[];
    })
    .meta({ description: `comma-separated: ${values.join(', ')}` });
}

// ---------------------------------------------------------------------------------------------
// Templates

export const TemplateKind = z.enum(['http', 'steps', 'script', 'agent']);

export const Template = z
  .object({
    id: z.string(),
    version: z.number().int(),
    kind: TemplateKind,
    definition: JsonValue,
    createdAt: Instant,
  })
  .meta({ id: 'Template' });
export type Template = z.infer<typeof Template>;

export const TemplateCreate = z.strictObject({ id: Id, kind: TemplateKind, definition: JsonValue });
export const TemplatePut = z.strictObject({ kind: TemplateKind, definition: JsonValue });
export const TemplateWrite = z
  .object({ template: Template, created: z.boolean().meta({ description: 'false when the definition equals the latest version' }) })
  .meta({ id: 'TemplateWrite' });

// ---------------------------------------------------------------------------------------------
// Schedules

export const Spec = z.strictObject(specFields).meta({ id: 'Spec', description: 'exactly one of cron, every, at' });
export const OverlapPolicy = policyFields.overlap.unwrap();
export const Policies = z.strictObject(policyFields).meta({ id: 'Policies' });

export const Schedule = z
  .object({
    id: z.string(),
    template: z.string(),
    templateVersion: z.number().int().nullable(),
    params: JsonValue,
    spec: z.record(z.string(), z.string()),
    policies: z.record(z.string(), JsonValue),
    nextRunAt: NullableInstant.meta({ description: 'the next nominal time not yet turned into a run' }),
    paused: z.boolean(),
    pauseNote: z.string().nullable(),
    remainingRuns: z.number().int().nullable(),
    revision: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Schedule' });
export type Schedule = z.infer<typeof Schedule>;

export const ScheduleCreate = z.strictObject({
  id: Id,
  template: Id,
  templateVersion: z.number().int().positive().optional(),
  params: z.record(z.string(), JsonValue).default({}),
  spec: Spec,
  policies: Policies.default({}),
  paused: z.boolean().default(false),
  pauseNote: z.string().max(1000).optional(),
  remainingRuns: z.number().int().min(0).optional(),
});
export const ScheduleUpdate = z.strictObject({
  template: Id.optional(),
  templateVersion: z.number().int().positive().nullable().optional(),
  params: z.record(z.string(), JsonValue).optional(),
  spec: Spec.optional(),
  policies: Policies.optional(),
  remainingRuns: z.number().int().min(0).nullable().optional(),
  revision: z.number().int().optional().meta({ description: 'the revision read; 409 when the schedule changed since' }),
});
export const PauseBody = z.strictObject({ note: z.string().max(1000).optional() });
export const TriggerBody = z.strictObject({
  overlap: OverlapPolicy.optional().meta({ description: 'overrides the schedule\'s overlap policy for this run' }),
  profile: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (at most 100)')
    .optional()
    .meta({ description: 'browser profile for this run (overrides the template\'s)' }),
});
export const BackfillBody = z.strictObject({
  from: InstantInput,
  to: InstantInput,
  dryRun: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(1000).optional(),
});
export const PreviewQuery = z.strictObject({
  count: z.coerce.number().int().min(1).max(1000).default(10),
  after: InstantInput.optional(),
});
export const PreviewBody = z.strictObject({
  spec: Spec,
  count: z.number().int().min(1).max(1000).default(10),
  after: InstantInput.optional(),
});
export const Occurrence = z.object({
  nominal: Instant,
  local: z.string().meta({ description: 'local wall time with offset in the spec\'s time zone' }),
  dst: z.enum(['shifted', 'repeated']).nullable(),
});
export const Preview = z.object({ timezone: z.string(), occurrences: z.array(Occurrence) }).meta({ id: 'Preview' });

// ---------------------------------------------------------------------------------------------
// Runs

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'missed']);
export const RunTrigger = z.enum(['schedule', 'manual', 'backfill', 'api', 'parent']);

export const Run = z
  .object({
    id: z.string(),
    scheduleId: z.string().nullable(),
    templateId: z.string(),
    templateVersion: z.number().int(),
    params: JsonValue,
    nominalTime: Instant,
    trigger: RunTrigger,
    status: RunStatus,
    reason: z.string().nullable(),
    idempotencyKey: z.string().nullable(),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    availableAt: Instant,
    deadline: NullableInstant,
    parentRunId: z.string().nullable(),
    backfillId: z.string().nullable(),
    output: JsonValue.nullable(),
    error: JsonValue.nullable(),
    createdAt: Instant,
    startedAt: NullableInstant,
    finishedAt: NullableInstant,
    profile: z.string().nullable().meta({ description: 'browser profile the run used' }),
    browserMs: z.number().int().meta({ description: 'active browser time of all attempts (cost accounting)' }),
  })
  .meta({ id: 'Run' });
export type Run = z.infer<typeof Run>;

export const Attempt = z
  .object({
    number: z.number().int(),
    status: z.enum(['running', 'succeeded', 'failed', 'timed_out', 'lost', 'cancelled']),
    workerId: z.string(),
    startedAt: Instant,
    finishedAt: NullableInstant,
    browserMs: z.number().int(),
    error: JsonValue.nullable(),
  })
  .meta({ id: 'Attempt' });

export const RunDetail = z.object({ run: Run, attempts: z.array(Attempt) }).meta({ id: 'RunDetail' });
export const RunPage = z.object({ runs: z.array(Run), nextCursor: z.string().nullable() }).meta({ id: 'RunPage' });
export const RunListQuery = z.strictObject({
  scheduleId: z.string().optional(),
  status: csvOf(RunStatus.options).optional(),
  trigger: csvOf(RunTrigger.options).optional(),
  from: InstantInput.optional().meta({ description: 'nominal time at or after' }),
  to: InstantInput.optional().meta({ description: 'nominal time before' }),
  limit: PageLimit,
  cursor: z.string().optional().meta({ description: 'nextCursor of the previous page' }),
});
export const CancelBody = z.strictObject({ reason: z.string().max(1000).optional() });
export const TriggerResult = z
  .object({ run: Run, created: z.boolean().meta({ description: 'false when the Idempotency-Key was used before: the run it created' }) })
  .meta({ id: 'TriggerResult' });
export const BackfillResult = z
  .object({ backfillId: z.string(), dryRun: z.boolean(), occurrences: z.array(Instant), runs: z.array(Run) })
  .meta({ id: 'BackfillResult' });

export const RunEvent = z
  .object({ seq: z.number().int(), attempt: z.number().int().nullable(), at: Instant, type: z.string(), data: JsonValue })
  .meta({ id: 'RunEvent' });
export const RunEventsQuery = z.strictObject({ afterSeq: z.coerce.number().int().min(0).optional(), limit: PageLimit });

export const ExportQuery = z.strictObject({
  since: InstantInput.meta({ description: 'runs whose nominal time is at or after this instant' }),
});

// ---------------------------------------------------------------------------------------------
// Schedule statistics

export const ScheduleStatsQuery = z.strictObject({
  from: InstantInput.optional().meta({ description: 'start of the window (nominal time, inclusive)' }),
  to: InstantInput.optional().meta({ description: 'end of the window (exclusive); default now' }),
  window: Duration.transform((text) => parseDuration(text))
    .optional()
    .meta({ description: 'length of the window, e.g. 24h, 7d, 30d: after `from`, or else before `to` (default now); default 24h. At most two of from, to, window' }),
  price: z.coerce.number().min(0).max(1000).optional().meta({ description: 'dollars per agent-minute for the cost figures (default 0.30)' }),
});
export const Percentiles = z
  .object({ count: z.number().int(), p50: z.number(), p95: z.number(), p99: z.number(), max: z.number() })
  .meta({ id: 'Percentiles', description: 'nearest-rank percentiles (the value at rank ceil(p·count)), in ms' });
export const ScheduleStats = z
  .object({
    scheduleId: z.string(),
    from: Instant,
    to: Instant,
    counts: z.partialRecord(RunStatus, z.number().int()).meta({ description: 'runs by status, nominal time in [from, to)' }),
    successRate: z.number().nullable().meta({ description: 'succeeded / (succeeded + failed + timed_out + missed); null without such runs' }),
    duration: Percentiles.nullable().meta({ description: 'finished − started of runs that finished after starting' }),
    lateness: Percentiles.nullable().meta({ description: 'started − nominal time of scheduled runs that started' }),
    browserMs: z.number().int().meta({ description: 'active browser time of the runs (one agent-minute is 60,000 ms)' }),
    dollars: z.number(),
    pricePerAgentMinute: z.number(),
    dailyCost: z
      .array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD, UTC' }), runs: z.number().int(), browserMs: z.number().int(), dollars: z.number() }))
      .meta({ description: 'per UTC day with runs, oldest first' }),
    projected: z
      .object({
        days: z.number().int(),
        runs: z.number().meta({ description: 'occurrences of the spec in the next 30 days' }),
        browserMsPerRun: z.number().int().meta({ description: 'average browser time of the window\'s runs that started' }),
        agentMinutes: z.number(),
        dollars: z.number(),
      })
      .nullable()
      .meta({ description: 'the next 30 days at the window\'s average browser time per run; null when paused or no run in the window started' }),
  })
  .meta({ id: 'ScheduleStats' });

// ---------------------------------------------------------------------------------------------
// Deliveries, incidents, profiles

export const DeliveryStatus = z.enum(['pending', 'delivered', 'dead']);
export const Delivery = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    destinationId: z.string(),
    runId: z.string().nullable(),
    scheduleId: z.string().nullable(),
    payload: JsonValue,
    status: DeliveryStatus,
    attempts: z.number().int(),
    nextAttemptAt: Instant,
    lastError: z.string().nullable(),
    createdAt: Instant,
    deliveredAt: NullableInstant,
  })
  .meta({ id: 'Delivery' });
export const DeliveryAttempt = z.object({
  number: z.number().int(),
  at: Instant,
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  latencyMs: z.number(),
});
export const DeliveryDetail = z.object({ delivery: Delivery, attempts: z.array(DeliveryAttempt) }).meta({ id: 'DeliveryDetail' });
export const DeliveryListQuery = z.strictObject({
  status: csvOf(DeliveryStatus.options).optional(),
  destinationId: z.string().optional(),
  runId: z.string().optional(),
  limit: PageLimit,
});

export const Incident = z
  .object({
    id: z.string(),
    scheduleId: z.string(),
    kind: z.string(),
    status: z.enum(['open', 'resolved']),
    summary: z.string(),
    openedAt: Instant,
    resolvedAt: NullableInstant,
    details: JsonValue,
  })
  .meta({ id: 'Incident' });
export const IncidentListQuery = z.strictObject({
  status: z.enum(['open', 'resolved']).optional(),
  scheduleId: z.string().optional(),
  limit: PageLimit,
});

export const Profile = z
  .object({ name: z.string(), version: z.number().int(), locked: z.boolean(), updatedAt: Instant })
  .meta({ id: 'Profile', description: 'browser state itself is never returned' });

// ---------------------------------------------------------------------------------------------
// Run artifacts, schedule health, destinations, the trajectory cache

export const ArtifactKind = z.enum(['trace', 'screenshot', 'console', 'download', 'other']);
export const RunArtifact = z
  .object({
    attempt: z.number().int(),
    name: z.string(),
    kind: ArtifactKind,
    contentType: z.string(),
    size: z.number().int().meta({ description: 'bytes' }),
    createdAt: Instant,
  })
  .meta({ id: 'RunArtifact', description: 'a file an attempt produced; its bytes are at GET /v1/runs/{id}/artifacts/{attempt}/{name}' });
export const RunArtifactsQuery = z.strictObject({
  attempt: z.coerce.number().int().positive().optional().meta({ description: 'only this attempt' }),
  kind: csvOf(ArtifactKind.options).optional(),
});
export const ArtifactParams = z.strictObject({ id: z.string(), attempt: z.coerce.number().int().positive(), name: z.string().min(1) });

export const HealthState = z.enum(['ok', 'failing', 'incident', 'paused', 'breaker_open', 'no_runs']);
export const ScheduleHealth = z
  .object({
    scheduleId: z.string(),
    state: HealthState,
    pauseNote: z.string().nullable(),
    consecutiveFailures: z.number().int(),
    consecutiveSuccesses: z.number().int(),
    lastSuccessAt: NullableInstant,
    lastFailureAt: NullableInstant,
    successRate: z.number().nullable().meta({ description: 'successes over counted outcomes (failed, timed-out and missed runs fail); null before any' }),
    expectedFires: z.number().int().meta({ description: 'occurrences that came due' }),
    actualFires: z.number().int().meta({ description: 'occurrences that started a run' }),
    openIncident: z.object({ id: z.string(), summary: z.string(), openedAt: Instant }).nullable(),
  })
  .meta({ id: 'ScheduleHealth' });

export const Destination = z
  .object({
    id: z.string(),
    type: z.string(),
    enabled: z.boolean(),
    disabledAt: NullableInstant.meta({ description: 'when a 410 Gone (or an operator) disabled it; its deliveries wait' }),
    disabledReason: z.string().nullable(),
  })
  .meta({ id: 'Destination' });
export const DestinationEnabled = z
  .object({ destination: Destination, changed: z.boolean().meta({ description: 'false when it was not disabled' }) })
  .meta({ id: 'DestinationEnabled' });

export const CachedTrajectory = z
  .object({
    template: z.string(),
    version: z.number().int(),
    params: z.string().meta({ description: 'the parameter names the trajectory is cached for, comma-separated' }),
    steps: z.number().int(),
    hits: z.number().int(),
    rewrites: z.number().int(),
    updatedAt: Instant,
    lastHitAt: NullableInstant,
  })
  .meta({ id: 'CachedTrajectory' });
export const CacheInvalidated = z.object({ templateId: z.string(), removed: z.number().int() }).meta({ id: 'CacheInvalidated' });

/**
 * Upper bound of one range redelivery, so a mistyped range cannot requeue the whole history at
 * once and one request stays short (ten set-based batches; the answer lists every id).
 */
export const MAX_REDELIVER_RANGE = 10_000;
export const RedeliverRangeBody = z
  .strictObject({
    since: InstantInput.meta({ description: 'deliveries created at or after' }),
    until: InstantInput.meta({ description: 'deliveries created before' }),
    status: z.array(z.enum(['dead', 'delivered'])).min(1).default(['dead']),
    destinationId: z.string().optional(),
    limit: z.number().int().min(1).max(MAX_REDELIVER_RANGE).default(1000).meta({ description: 'at most this many; `more` says when others match' }),
  })
  .refine((b) => b.since < b.until, { path: ['until'], message: 'must be after since' });
export const RedeliverRangeResult = z
  .object({ count: z.number().int(), ids: z.array(z.string()), more: z.boolean().meta({ description: 'more deliveries match: call again' }) })
  .meta({ id: 'RedeliverRangeResult' });

// ---------------------------------------------------------------------------------------------
// Secrets and keys

export const SecretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'letters, digits and underscore, not starting with a digit (max 128)');
export const SecretPut = z.strictObject({ value: z.string().min(1).max(65_536) });
export const SecretNames = z.object({ names: z.array(z.string()) }).meta({ id: 'SecretNames', description: 'values are write-only' });

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: Role,
    prefix: z.string().meta({ description: 'the start of the key, to tell keys apart' }),
    createdAt: Instant,
    lastUsedAt: NullableInstant,
    revokedAt: NullableInstant,
  })
  .meta({ id: 'ApiKey' });
export const ApiKeyCreate = z.strictObject({ name: z.string().min(1).max(200), role: Role });
export const ApiKeyCreated = z
  .object({ apiKey: ApiKey, key: z.string().meta({ description: 'the bearer key: shown once, never again' }) })
  .meta({ id: 'ApiKeyCreated' });

// ---------------------------------------------------------------------------------------------
// Endpoints

const IdParams = z.strictObject({ id: z.string() });
const NameParams = z.strictObject({ name: z.string() });

export interface Endpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify syntax: `/v1/schedules/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** The least role allowed; null for unauthenticated endpoints. */
  role: Role | null;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Request headers the endpoint reads (documentation; names in lower case). */
  headers?: z.ZodType;
  /** Successful status and body schema; `null` body for 204. */
  status: 200 | 201 | 202 | 204;
  /** Other success statuses with the same body (201 when a PUT created something, 200 for a repeated trigger). */
  alsoStatus?: readonly number[];
  response: z.ZodType | null;
  /** Content type of the response when not JSON (e.g. NDJSON streams). */
  contentType?: string;
  /** OpenAPI operationId; the endpoint table's key for the endpoints below. */
  name?: string;
}

function endpoint<const E extends Endpoint>(e: E): E {
  return e;
}

export const endpoints = {
  listTemplates: endpoint({ method: 'GET', path: '/v1/templates', tag: 'templates', summary: 'latest version of every template', role: 'viewer', status: 200, response: z.object({ templates: z.array(Template) }) }),
  createTemplate: endpoint({ method: 'POST', path: '/v1/templates', tag: 'templates', summary: 'create a template (409 when the id exists)', role: 'admin', body: TemplateCreate, status: 201, response: Template }),
  getTemplate: endpoint({ method: 'GET', path: '/v1/templates/:id', tag: 'templates', summary: 'latest version of a template', role: 'viewer', params: IdParams, status: 200, response: Template }),
  putTemplate: endpoint({ method: 'PUT', path: '/v1/templates/:id', tag: 'templates', summary: 'store a new version when the definition changed (201) or return the latest (200)', role: 'admin', params: IdParams, body: TemplatePut, status: 200, alsoStatus: [201], response: TemplateWrite }),
  deleteTemplate: endpoint({ method: 'DELETE', path: '/v1/templates/:id', tag: 'templates', summary: 'delete a template (409 while a schedule uses it); version numbers are never reused', role: 'admin', params: IdParams, status: 204, response: null }),
  listTemplateVersions: endpoint({ method: 'GET', path: '/v1/templates/:id/versions', tag: 'templates', summary: 'every version of a template', role: 'viewer', params: IdParams, status: 200, response: z.object({ versions: z.array(Template) }) }),
  getTemplateVersion: endpoint({ method: 'GET', path: '/v1/templates/:id/versions/:version', tag: 'templates', summary: 'one version of a template', role: 'viewer', params: z.strictObject({ id: z.string(), version: z.coerce.number().int().positive() }), status: 200, response: Template }),

  listSchedules: endpoint({ method: 'GET', path: '/v1/schedules', tag: 'schedules', summary: 'schedules of the organisation', role: 'viewer', query: z.strictObject({ paused: z.enum(['true', 'false']).transform((v) => v === 'true').optional(), template: z.string().optional() }), status: 200, response: z.object({ schedules: z.array(Schedule) }) }),
  createSchedule: endpoint({ method: 'POST', path: '/v1/schedules', tag: 'schedules', summary: 'create a schedule', role: 'admin', body: ScheduleCreate, status: 201, response: Schedule }),
  getSchedule: endpoint({ method: 'GET', path: '/v1/schedules/:id', tag: 'schedules', summary: 'one schedule', role: 'viewer', params: IdParams, status: 200, response: Schedule }),
  updateSchedule: endpoint({ method: 'PATCH', path: '/v1/schedules/:id', tag: 'schedules', summary: 'change a schedule; a new spec starts from now', role: 'admin', params: IdParams, body: ScheduleUpdate, status: 200, response: Schedule }),
  deleteSchedule: endpoint({ method: 'DELETE', path: '/v1/schedules/:id', tag: 'schedules', summary: 'delete a schedule (its runs stay)', role: 'admin', params: IdParams, status: 204, response: null }),
  pauseSchedule: endpoint({ method: 'POST', path: '/v1/schedules/:id/pause', tag: 'schedules', summary: 'pause with an optional note', role: 'operator', params: IdParams, body: PauseBody, status: 200, response: Schedule }),
  resumeSchedule: endpoint({ method: 'POST', path: '/v1/schedules/:id/resume', tag: 'schedules', summary: 'resume with an optional note', role: 'operator', params: IdParams, body: PauseBody, status: 200, response: Schedule }),
  triggerSchedule: endpoint({ method: 'POST', path: '/v1/schedules/:id/trigger', tag: 'schedules', summary: 'run now; the same Idempotency-Key within 24 h returns the same run', role: 'operator', params: IdParams, body: TriggerBody, headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }), status: 201, alsoStatus: [200], response: TriggerResult }),
  backfillSchedule: endpoint({ method: 'POST', path: '/v1/schedules/:id/backfill', tag: 'schedules', summary: 'run the occurrences in [from, to); dryRun lists them only', role: 'operator', params: IdParams, body: BackfillBody, status: 201, alsoStatus: [200], response: BackfillResult }),
  previewSchedule: endpoint({ method: 'GET', path: '/v1/schedules/:id/preview', tag: 'schedules', summary: 'next occurrences of a schedule', role: 'viewer', params: IdParams, query: PreviewQuery, status: 200, response: Preview }),
  scheduleStats: endpoint({ method: 'GET', path: '/v1/schedules/:id/stats', tag: 'schedules', summary: 'counts, duration and start-lateness percentiles, daily and projected cost over a window (default the last 24 h)', role: 'viewer', params: IdParams, query: ScheduleStatsQuery, status: 200, response: ScheduleStats }),
  previewSpec: endpoint({ method: 'POST', path: '/v1/preview', tag: 'schedules', summary: 'next occurrences of a spec, before creating a schedule', role: 'viewer', body: PreviewBody, status: 200, response: Preview }),

  listRuns: endpoint({ method: 'GET', path: '/v1/runs', tag: 'runs', summary: 'runs, newest nominal time first, with cursor pagination', role: 'viewer', query: RunListQuery, status: 200, response: RunPage }),
  getRun: endpoint({ method: 'GET', path: '/v1/runs/:id', tag: 'runs', summary: 'a run and its attempts', role: 'viewer', params: IdParams, status: 200, response: RunDetail }),
  cancelRun: endpoint({ method: 'POST', path: '/v1/runs/:id/cancel', tag: 'runs', summary: 'cancel a queued or running run (409 when it has finished)', role: 'operator', params: IdParams, body: CancelBody, status: 200, response: Run }),
  listRunEvents: endpoint({ method: 'GET', path: '/v1/runs/:id/events', tag: 'runs', summary: 'events of a run in order', role: 'viewer', params: IdParams, query: RunEventsQuery, status: 200, response: z.object({ events: z.array(RunEvent) }) }),
  exportRuns: endpoint({ method: 'GET', path: '/v1/export/runs', tag: 'runs', summary: 'stream every run since an instant as NDJSON (one Run per line)', role: 'viewer', query: ExportQuery, status: 200, response: Run, contentType: 'application/x-ndjson' }),

  listDeliveries: endpoint({ method: 'GET', path: '/v1/deliveries', tag: 'deliveries', summary: 'deliveries of events to destinations', role: 'viewer', query: DeliveryListQuery, status: 200, response: z.object({ deliveries: z.array(Delivery) }) }),
  getDelivery: endpoint({ method: 'GET', path: '/v1/deliveries/:id', tag: 'deliveries', summary: 'a delivery and its attempts', role: 'viewer', params: IdParams, status: 200, response: DeliveryDetail }),
  redeliver: endpoint({ method: 'POST', path: '/v1/deliveries/:id/redeliver', tag: 'deliveries', summary: 'make a dead or delivered delivery pending again', role: 'operator', params: IdParams, status: 200, response: Delivery }),

  redeliverRange: endpoint({ method: 'POST', path: '/v1/deliveries/redeliver', tag: 'deliveries', summary: 'make every dead (or delivered) delivery created in [since, until) pending again, with the same ids', role: 'operator', body: RedeliverRangeBody, status: 200, response: RedeliverRangeResult }),
  listDestinations: endpoint({ method: 'GET', path: '/v1/destinations', tag: 'deliveries', summary: 'destinations with their state (enabled, or disabled by a 410 Gone)', role: 'viewer', status: 200, response: z.object({ destinations: z.array(Destination) }) }),
  enableDestination: endpoint({ method: 'POST', path: '/v1/destinations/:id/enable', tag: 'deliveries', summary: 're-enable a disabled destination; its waiting deliveries resume', role: 'operator', params: IdParams, status: 200, response: DestinationEnabled }),

  listIncidents: endpoint({ method: 'GET', path: '/v1/incidents', tag: 'incidents', summary: 'incidents, newest first', role: 'viewer', query: IncidentListQuery, status: 200, response: z.object({ incidents: z.array(Incident) }) }),
  getIncident: endpoint({ method: 'GET', path: '/v1/incidents/:id', tag: 'incidents', summary: 'one incident', role: 'viewer', params: IdParams, status: 200, response: Incident }),

  listHealth: endpoint({ method: 'GET', path: '/v1/health', tag: 'incidents', summary: 'a health row per schedule: state, streaks, last success, success rate, fires, open incident', role: 'viewer', status: 200, response: z.object({ schedules: z.array(ScheduleHealth) }) }),

  listRunArtifacts: endpoint({ method: 'GET', path: '/v1/runs/:id/artifacts', tag: 'runs', summary: 'files the run\'s attempts produced (traces, screenshots, console logs, downloads)', role: 'viewer', params: IdParams, query: RunArtifactsQuery, status: 200, response: z.object({ artifacts: z.array(RunArtifact) }) }),
  getRunArtifact: endpoint({ method: 'GET', path: '/v1/runs/:id/artifacts/:attempt/:name', tag: 'runs', summary: 'the bytes of one artifact, as a download', role: 'viewer', params: ArtifactParams, status: 200, response: z.string().meta({ format: 'binary' }), contentType: 'application/octet-stream' }),

  listCache: endpoint({ method: 'GET', path: '/v1/cache', tag: 'cache', summary: 'cached agent trajectories (replayed without the model)', role: 'viewer', query: z.strictObject({ template: z.string().optional() }), status: 200, response: z.object({ trajectories: z.array(CachedTrajectory) }) }),
  invalidateCache: endpoint({ method: 'DELETE', path: '/v1/cache/:templateId', tag: 'cache', summary: 'drop a template\'s cached trajectories (every version); its next run asks the model', role: 'operator', params: z.strictObject({ templateId: z.string() }), status: 200, response: CacheInvalidated }),

  listProfiles: endpoint({ method: 'GET', path: '/v1/profiles', tag: 'profiles', summary: 'browser profiles (names and versions; never their state)', role: 'viewer', status: 200, response: z.object({ profiles: z.array(Profile) }) }),
  deleteProfile: endpoint({ method: 'DELETE', path: '/v1/profiles/:name', tag: 'profiles', summary: 'delete a profile', role: 'admin', params: NameParams, status: 204, response: null }),

  listSecrets: endpoint({ method: 'GET', path: '/v1/secrets', tag: 'secrets', summary: 'names of the secrets (values are never returned)', role: 'admin', status: 200, response: SecretNames }),
  putSecret: endpoint({ method: 'PUT', path: '/v1/secrets/:name', tag: 'secrets', summary: 'set a secret (encrypted at rest; write-only)', role: 'admin', params: z.strictObject({ name: SecretName }), body: SecretPut, status: 204, response: null }),
  deleteSecret: endpoint({ method: 'DELETE', path: '/v1/secrets/:name', tag: 'secrets', summary: 'delete a secret', role: 'admin', params: NameParams, status: 204, response: null }),

  listKeys: endpoint({ method: 'GET', path: '/v1/keys', tag: 'keys', summary: 'API keys of the organisation (never the keys themselves)', role: 'admin', status: 200, response: z.object({ keys: z.array(ApiKey) }) }),
  createKey: endpoint({ method: 'POST', path: '/v1/keys', tag: 'keys', summary: 'create an API key; the key is in this response only', role: 'admin', body: ApiKeyCreate, status: 201, response: ApiKeyCreated }),
  revokeKey: endpoint({ method: 'DELETE', path: '/v1/keys/:id', tag: 'keys', summary: 'revoke an API key', role: 'admin', params: IdParams, status: 204, response: null }),
} as const satisfies Record<string, Endpoint>;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;

type Infer<S, Io extends 'input' | 'output'> = S extends z.ZodType ? (Io extends 'input' ? z.input<S> : z.output<S>) : undefined;
/** What a client sends to an endpoint (before defaults and transforms). */
export type RequestOf<N extends EndpointName> = {
  params: Infer<Endpoints[N] extends { params: infer P } ? P : undefined, 'input'>;
  query: Infer<Endpoints[N] extends { query: infer Q } ? Q : undefined, 'input'>;
  body: Infer<Endpoints[N] extends { body: infer B } ? B : undefined, 'input'>;
};
/** What a handler gets (after defaults and transforms). */
export type ParsedRequestOf<N extends EndpointName> = {
  params: Infer<Endpoints[N] extends { params: infer P } ? P : undefined, 'output'>;
  query: Infer<Endpoints[N] extends { query: infer Q } ? Q : undefined, 'output'>;
  body: Infer<Endpoints[N] extends { body: infer B } ? B : undefined, 'output'>;
};
/** The JSON body of a successful response. */
export type ResponseOf<N extends EndpointName> = Endpoints[N]['response'] extends z.ZodType ? z.output<Endpoints[N]['response']> : void;
