/**
 * What the CLI's commands do to agentcron, behind one interface with two implementations: the
 * database directly (`--db`, the default) or a server's HTTP API (`--server` with an API key).
 * Commands are written once against `Backend`; both speak the API's shapes (src/api/schemas.ts),
 * so `--json` prints the same thing either way.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { invalidateTemplateCache } from '../agent/trajectory-cache.js';
import { healthReport } from '../alerts/report.js';
import { runPagesSince } from '../api/routes/runs.js';
import { artifactView, attemptView, deliveryAttemptView, deliveryView, destinationView, healthView, incidentView, runEventView, runView, scheduleView, trajectoryView } from '../api/views.js';
import {
  AgentcronClient,
  ApiError,
  type Attempt,
  type CachedTrajectory,
  type Delivery,
  type DeliveryDetail,
  type Destination,
  type Incident,
  type Run,
  type RunArtifact,
  type RunEvent,
  type Schedule,
  type ScheduleHealth,
} from '../client/index.js';
import { applyConfig, type ApplyTarget, type PlanStep } from '../config/apply.js';
import type { Config } from '../config/schema.js';
import { redeliverRange, type RedeliverRange } from '../delivery/outbox.js';
import { backfill, triggerRun } from '../engine/operations.js';
import { FileArtifactStore, safeArtifactName, type ArtifactStore } from '../runtime/artifacts.js';
import type { TemplateRunner } from '../runtime/runner.js';
import { openStore } from '../store/open.js';
import type { NewSchedule, RunFilter, SchedulePatch, Store } from '../store/store.js';
import type { DeliveryStatus, IncidentStatus, OverlapPolicy, RunStatus, RunTrigger, Schedule as StoredSchedule, SchedulePolicies, TemplateKind, TemplateVersion } from '../store/types.js';
import { UsageError } from './context.js';
import { DEFAULT_ORG, withDbOption } from './store-option.js';

/** A local file with an artifact's bytes; `release` removes it when it was a download. */
export interface ArtifactFile {
  path: string;
  release(): Promise<void>;
}

export interface RunQuery {
  scheduleId?: string;
  status?: RunStatus[];
  trigger?: RunTrigger[];
  /** Nominal time range [from, to), epoch ms. */
  from?: number;
  to?: number;
  limit: number;
}

export interface DeliveryQuery {
  status?: DeliveryStatus[];
  runId?: string;
  destinationId?: string;
  limit: number;
}

export interface Backend {
  listSchedules(): Promise<Schedule[]>;
  /** UsageError when there is no such schedule. */
  getSchedule(id: string): Promise<Schedule>;
  setPaused(id: string, paused: boolean, note: string | null): Promise<Schedule>;
  trigger(id: string, options: { idempotencyKey?: string; overlap?: OverlapPolicy; profile?: string }): Promise<{ run: Run; created: boolean }>;
  /** `from`/`to` in epoch ms, half-open. */
  backfill(id: string, options: { from: number; to: number; dryRun: boolean; concurrency: number }): Promise<{ backfillId: string; occurrences: string[]; runs: Run[] }>;
  /** Newest nominal time first, up to `limit` runs (following pages). */
  listRuns(query: RunQuery): Promise<Run[]>;
  /** A run, its attempts and its artifacts. */
  getRun(id: string): Promise<{ run: Run; attempts: Attempt[]; artifacts: RunArtifact[] }>;
  /** What the run's attempts produced (of one attempt when given). */
  listArtifacts(runId: string, attempt?: number): Promise<RunArtifact[]>;
  /** The artifact's bytes in a local file: the stored file itself on the database, a download over the API. */
  artifactFile(runId: string, artifact: RunArtifact): Promise<ArtifactFile>;
  /** Every run with a nominal time at or after `since`, newest first, read a page at a time. */
  exportRuns(since: number): AsyncIterable<Run>;
  /** Cancels a queued or running run; `changed: false` when it had already finished. */
  cancelRun(id: string, reason: string): Promise<{ run: Run; changed: boolean }>;
  runEvents(id: string): Promise<RunEvent[]>;
  listDeliveries(query: DeliveryQuery): Promise<Delivery[]>;
  /** A delivery and its attempt log; UsageError when there is no such delivery. */
  getDelivery(id: string): Promise<DeliveryDetail>;
  /** Makes a dead or delivered delivery pending again; UsageError when there is no such delivery. */
  redeliver(id: string): Promise<Delivery>;
  /** Makes the deliveries of a range pending again (at most `limit`; `more` when others match). */
  redeliverRange(range: Omit<RedeliverRange, 'orgId'>): Promise<{ ids: string[]; more: boolean }>;
  listDestinations(): Promise<Destination[]>;
  /** Re-enables a disabled destination; UsageError when there is no such destination. */
  enableDestination(id: string): Promise<{ destination: Destination; changed: boolean }>;
  /** A health row per schedule. */
  health(): Promise<ScheduleHealth[]>;
  listIncidents(query: { status?: IncidentStatus; scheduleId?: string; limit: number }): Promise<Incident[]>;
  listCache(templateId?: string): Promise<CachedTrajectory[]>;
  /** Drops a template's cached trajectories and says how many; UsageError for a template the organisation does not have. */
  invalidateCache(templateId: string): Promise<number>;
  /** Makes the organisation's templates and schedules match the file: see config/apply.ts. */
  apply(config: Config, options: { dryRun: boolean; prune: boolean; runners: readonly TemplateRunner[]; file: string; onStep?: (step: PlanStep) => void }): Promise<PlanStep[]>;
  close(): Promise<void>;
}

export interface BackendOptions {
  db: string;
  server?: string;
  apiKey?: string;
  /** The artifact directory, for commands that read artifact bytes on the database (see withArtifactsOption). */
  artifacts?: string;
}

/** Adds `--db`, `--server` and `--api-key` (env AGENTCRON_DB, AGENTCRON_URL, AGENTCRON_API_KEY). */
export function withBackendOptions(command: Command): Command {
  return withDbOption(command)
    .addOption(new Option('--server <url>', 'act through this agentcron server instead of the database').env('AGENTCRON_URL'))
    .addOption(new Option('--api-key <key>', 'API key for --server').env('AGENTCRON_API_KEY'));
}

/** Opens the backend the options name, runs `fn`, and closes it whatever happens. */
export async function usingBackend<T>(options: BackendOptions, now: () => number, fn: (backend: Backend) => Promise<T>): Promise<T> {
  let backend: Backend;
  if (options.server !== undefined && options.server !== '') {
    if (!options.apiKey) throw new UsageError('--server needs an API key: give --api-key or set AGENTCRON_API_KEY (agentcron keys create makes one)');
    if (!/^https?:\/\/[^/]/i.test(options.server)) throw new UsageError(`--server must be an http:// or https:// URL, got ${JSON.stringify(options.server)}`);
    backend = new ApiBackend(new AgentcronClient({ baseUrl: options.server, apiKey: options.apiKey }), now);
  } else {
    backend = new StoreBackend(await openStore(options.db), now, { artifacts: new FileArtifactStore(options.artifacts) });
  }
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

const notFound = (entity: string, id: string) => new UsageError(`${entity} ${JSON.stringify(id)} not found`);

// ---------------------------------------------------------------------------------------------

/** Straight to the database, in the self-hosted default organisation. */
export class StoreBackend implements Backend {
  private readonly orgId: string;
  private readonly artifacts: ArtifactStore;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    options: { orgId?: string; artifacts?: ArtifactStore } = {},
  ) {
    this.orgId = options.orgId ?? DEFAULT_ORG;
    this.artifacts = options.artifacts ?? new FileArtifactStore();
  }

  async listSchedules(): Promise<Schedule[]> {
    return (await this.store.schedules.list(this.orgId)).map(scheduleView);
  }

  async getSchedule(id: string): Promise<Schedule> {
    const schedule = await this.store.schedules.get(this.orgId, id);
    if (!schedule) throw notFound('schedule', id);
    return scheduleView(schedule);
  }

  async setPaused(id: string, paused: boolean, note: string | null): Promise<Schedule> {
    await this.getSchedule(id);
    return scheduleView(await this.store.schedules.setPaused(this.orgId, id, paused, note, this.now()));
  }

  async trigger(id: string, options: { idempotencyKey?: string; overlap?: OverlapPolicy; profile?: string }) {
    await this.getSchedule(id);
    const { run, created } = await triggerRun(this.store, { orgId: this.orgId, scheduleId: id, ...options }, this.now());
    return { run: runView(run), created };
  }

  async backfill(id: string, options: { from: number; to: number; dryRun: boolean; concurrency: number }) {
    await this.getSchedule(id);
    const result = await backfill(this.store, { orgId: this.orgId, scheduleId: id, ...options }, this.now());
    return { backfillId: result.backfillId, occurrences: result.occurrences.map((t) => new Date(t).toISOString()), runs: result.runs.map(runView) };
  }

  async listRuns(query: RunQuery): Promise<Run[]> {
    const out: Run[] = [];
    let cursor: string | undefined;
    while (out.length < query.limit) {
      const filter: RunFilter = {
        orgId: this.orgId,
        limit: Math.min(1000, query.limit - out.length),
        ...(query.scheduleId ? { scheduleId: query.scheduleId } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.trigger ? { trigger: query.trigger } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
        ...(cursor ? { cursor } : {}),
      };
      const page = await this.store.runs.list(filter);
      out.push(...page.runs.map(runView));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return out;
  }

  async getRun(id: string) {
    const run = await this.store.runs.get(this.orgId, id);
    if (!run) throw notFound('run', id);
    const artifacts = (await this.store.artifacts.list(this.orgId, run.id)).map(artifactView);
    return { run: runView(run), attempts: (await this.store.runs.attempts(run.id)).map(attemptView), artifacts };
  }

  async listArtifacts(runId: string, attempt?: number): Promise<RunArtifact[]> {
    if (!(await this.store.runs.get(this.orgId, runId))) throw notFound('run', runId);
    return (await this.store.artifacts.list(this.orgId, runId, attempt)).map(artifactView);
  }

  async artifactFile(runId: string, artifact: RunArtifact): Promise<ArtifactFile> {
    const row = await this.store.artifacts.get(this.orgId, runId, artifact.attempt, artifact.name);
    if (!row) throw notFound('artifact', `${runId}/${artifact.attempt}/${artifact.name}`);
    const path = this.artifacts.localPath?.(row.storageKey);
    if (path === undefined) throw new UsageError('this artifact store keeps no local files');
    if (!existsSync(path)) throw new UsageError(`artifact file ${path} is missing (wrong --artifacts directory, or pruned?)`);
    return { path, release: async () => {} };
  }

  async *exportRuns(since: number): AsyncIterable<Run> {
    for await (const runs of runPagesSince(this.store, this.orgId, since)) yield* runs.map(runView);
  }

  async cancelRun(id: string, reason: string) {
    const before = await this.store.runs.get(this.orgId, id);
    if (!before) throw notFound('run', id);
    if (before.status !== 'queued' && before.status !== 'running') return { run: runView(before), changed: false };
    const after = await this.store.runs.cancel(this.orgId, id, reason, this.now());
    return after ? { run: runView(after), changed: true } : { run: runView(before), changed: false };
  }

  async runEvents(id: string): Promise<RunEvent[]> {
    const run = await this.store.runs.get(this.orgId, id);
    if (!run) throw notFound('run', id);
    const all: RunEvent[] = [];
    for (;;) {
      const page = await this.store.events.list(run.id, { limit: 1000, ...(all.length ? { afterSeq: all[all.length - 1]!.seq } : {}) });
      all.push(...page.map(runEventView));
      if (page.length < 1000) return all;
    }
  }

  async listDeliveries(query: DeliveryQuery): Promise<Delivery[]> {
    return (await this.store.deliveries.list({ orgId: this.orgId, ...query })).map(deliveryView);
  }

  async getDelivery(id: string): Promise<DeliveryDetail> {
    const delivery = await this.store.deliveries.get(this.orgId, id);
    if (!delivery) throw notFound('delivery', id);
    return { delivery: deliveryView(delivery), attempts: (await this.store.deliveries.attempts(id)).map(deliveryAttemptView) };
  }

  async redeliver(id: string): Promise<Delivery> {
    const delivery = await this.store.deliveries.redeliver(this.orgId, id, this.now());
    if (!delivery) throw notFound('delivery', id);
    return deliveryView(delivery);
  }

  redeliverRange(range: Omit<RedeliverRange, 'orgId'>) {
    return redeliverRange(this.store, { ...range, orgId: this.orgId }, this.now());
  }

  async listDestinations(): Promise<Destination[]> {
    return (await this.store.destinations.list(this.orgId)).map(destinationView);
  }

  async enableDestination(id: string) {
    if (!(await this.store.destinations.get(this.orgId, id))) throw notFound('destination', id);
    const changed = await this.store.destinations.enable(this.orgId, id, this.now());
    return { destination: destinationView((await this.store.destinations.get(this.orgId, id))!), changed };
  }

  async health(): Promise<ScheduleHealth[]> {
    return (await healthReport(this.store, this.orgId)).map(healthView);
  }

  async listIncidents(query: { status?: IncidentStatus; scheduleId?: string; limit: number }): Promise<Incident[]> {
    return (await this.store.incidents.list(this.orgId, query)).map(incidentView);
  }

  async listCache(templateId?: string): Promise<CachedTrajectory[]> {
    return (await this.store.trajectories.list(this.orgId, templateId === undefined ? {} : { templateId })).map(trajectoryView);
  }

  async invalidateCache(templateId: string): Promise<number> {
    const removed = await invalidateTemplateCache(this.store, this.orgId, templateId);
    if (removed === null) throw notFound('template', templateId);
    return removed;
  }

  apply(config: Config, options: Parameters<Backend['apply']>[1]): Promise<PlanStep[]> {
    return applyConfig(this.store, config, { orgId: this.orgId, now: this.now(), ...options }, options.file);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

// ---------------------------------------------------------------------------------------------

/** Through a server's HTTP API, in the organisation of the API key. */
export class ApiBackend implements Backend {
  constructor(
    private readonly client: AgentcronClient,
    private readonly now: () => number,
  ) {}

  listSchedules(): Promise<Schedule[]> {
    return this.client.listSchedules();
  }

  getSchedule(id: string): Promise<Schedule> {
    return orNotFound(this.client.getSchedule(id), 'schedule', id);
  }

  setPaused(id: string, paused: boolean, note: string | null): Promise<Schedule> {
    return orNotFound(paused ? this.client.pauseSchedule(id, note ?? undefined) : this.client.resumeSchedule(id), 'schedule', id);
  }

  trigger(id: string, options: { idempotencyKey?: string; overlap?: OverlapPolicy; profile?: string }) {
    return orNotFound(this.client.trigger(id, options), 'schedule', id);
  }

  backfill(id: string, options: { from: number; to: number; dryRun: boolean; concurrency: number }) {
    const body = { from: new Date(options.from).toISOString(), to: new Date(options.to).toISOString(), dryRun: options.dryRun, concurrency: options.concurrency };
    return orNotFound(this.client.backfill(id, body), 'schedule', id);
  }

  async listRuns(query: RunQuery): Promise<Run[]> {
    const runs: Run[] = [];
    const pages = this.client.iterateRuns({
      limit: Math.min(query.limit, 1000),
      ...(query.scheduleId ? { scheduleId: query.scheduleId } : {}),
      ...(query.status ? { status: query.status.join(',') } : {}),
      ...(query.trigger ? { trigger: query.trigger.join(',') } : {}),
      ...(query.from !== undefined ? { from: new Date(query.from).toISOString() } : {}),
      ...(query.to !== undefined ? { to: new Date(query.to).toISOString() } : {}),
    });
    for await (const run of pages) {
      runs.push(run);
      if (runs.length >= query.limit) break;
    }
    return runs;
  }

  async getRun(id: string) {
    const found = await orNotFound(this.client.getRun(id), 'run', id);
    return { ...found, artifacts: await this.client.listRunArtifacts(id) };
  }

  listArtifacts(runId: string, attempt?: number): Promise<RunArtifact[]> {
    return orNotFound(this.client.listRunArtifacts(runId, attempt === undefined ? {} : { attempt }), 'run', runId);
  }

  async artifactFile(runId: string, artifact: RunArtifact): Promise<ArtifactFile> {
    const { body } = await orNotFound(this.client.downloadArtifact(runId, artifact.attempt, artifact.name), 'artifact', `${runId}/${artifact.attempt}/${artifact.name}`);
    const dir = await mkdtemp(join(tmpdir(), 'agentcron-artifact-'));
    // The name comes from the server: made safe, it cannot climb out of the temporary directory.
    const path = join(dir, safeArtifactName(artifact.name));
    await writeFile(path, body);
    return { path, release: () => rm(dir, { recursive: true, force: true }) };
  }

  exportRuns(since: number): AsyncIterable<Run> {
    return this.client.exportRuns(new Date(since).toISOString());
  }

  async cancelRun(id: string, reason: string) {
    try {
      return { run: await this.client.cancelRun(id, reason), changed: true };
    } catch (error) {
      // 409: it has already finished, which the command reports rather than fails on.
      if (error instanceof ApiError && error.status === 409) return { run: (await this.getRun(id)).run, changed: false };
      throw translate(error, 'run', id);
    }
  }

  runEvents(id: string): Promise<RunEvent[]> {
    return orNotFound(this.client.runEvents(id), 'run', id);
  }

  listDeliveries(query: DeliveryQuery): Promise<Delivery[]> {
    const { status, ...rest } = query;
    return this.client.listDeliveries({ ...rest, ...(status ? { status: status.join(',') } : {}) });
  }

  getDelivery(id: string): Promise<DeliveryDetail> {
    return orNotFound(this.client.getDelivery(id), 'delivery', id);
  }

  redeliver(id: string): Promise<Delivery> {
    return orNotFound(this.client.redeliver(id), 'delivery', id);
  }

  redeliverRange(range: Omit<RedeliverRange, 'orgId'>) {
    return this.client.redeliverRange({
      since: new Date(range.from).toISOString(),
      until: new Date(range.to).toISOString(),
      status: [...range.status],
      limit: range.limit,
      ...(range.destinationId ? { destinationId: range.destinationId } : {}),
    });
  }

  listDestinations(): Promise<Destination[]> {
    return this.client.listDestinations();
  }

  enableDestination(id: string) {
    return orNotFound(this.client.enableDestination(id), 'destination', id);
  }

  health(): Promise<ScheduleHealth[]> {
    return this.client.health();
  }

  listIncidents(query: { status?: IncidentStatus; scheduleId?: string; limit: number }): Promise<Incident[]> {
    return this.client.listIncidents(query);
  }

  listCache(templateId?: string): Promise<CachedTrajectory[]> {
    return this.client.listCache(templateId === undefined ? {} : { template: templateId });
  }

  async invalidateCache(templateId: string): Promise<number> {
    return (await orNotFound(this.client.invalidateCache(templateId), 'template', templateId)).removed;
  }

  apply(config: Config, options: Parameters<Backend['apply']>[1]): Promise<PlanStep[]> {
    // The same plan as on the database, written through the API: see ApiApplyTarget.
    return applyConfig(new ApiApplyTarget(this.client), config, { orgId: 'caller', now: this.now(), ...options }, options.file);
  }

  async close(): Promise<void> {}
}

function translate(error: unknown, entity: string, id: string): unknown {
  return error instanceof ApiError && error.status === 404 ? notFound(entity, id) : error;
}

async function orNotFound<T>(promise: Promise<T>, entity: string, id: string): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw translate(error, entity, id);
  }
}

async function orNull<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/**
 * `applyConfig`'s view of a server: the organisation is the API key's; instants the store would
 * take from the caller (a new schedule's first occurrence) are the server's to compute. Two
 * things the database path has and HTTP has not: the writes are not one transaction (a failed
 * apply leaves the steps before it applied; applying again finishes the job), and concurrent
 * applies are not serialised.
 */
class ApiApplyTarget implements ApplyTarget {
  constructor(private readonly client: AgentcronClient) {}

  orgs: ApplyTarget['orgs'] = {
    get: async (id) => ({ id, name: id, tier: '', createdAt: 0 }),
    create: async (input) => ({ id: input.id ?? input.name, name: input.name, tier: input.tier ?? '', createdAt: 0 }),
  };

  meta: ApplyTarget['meta'] = { set: async () => {} };

  templates: ApplyTarget['templates'] = {
    get: async (orgId, templateId, version) => {
      const view = await orNull(version === undefined ? this.client.call('getTemplate', { params: { id: templateId } }) : this.client.call('getTemplateVersion', { params: { id: templateId, version } }));
      return view && storedTemplate(orgId, view);
    },
    put: async (input) => {
      const { template, created } = await this.client.call('putTemplate', { params: { id: input.templateId }, body: { kind: input.kind, definition: input.definition } });
      return { version: storedTemplate(input.orgId, template), created };
    },
    list: async (orgId) => (await this.client.listTemplates()).map((t) => storedTemplate(orgId, t)),
    delete: async (_orgId, templateId) => (await orNull(this.client.call('deleteTemplate', { params: { id: templateId } }))) !== null,
  };

  schedules: ApplyTarget['schedules'] = {
    get: async (orgId, id) => {
      const view = await orNull(this.client.getSchedule(id));
      return view && storedSchedule(orgId, view);
    },
    create: async (input: NewSchedule) => {
      const view = await this.client.call('createSchedule', {
        body: {
          id: input.id,
          template: input.templateId,
          ...(input.templateVersion != null ? { templateVersion: input.templateVersion } : {}),
          params: (input.params ?? {}) as Record<string, never>,
          spec: input.spec,
          policies: (input.policies ?? {}) as never,
          paused: input.paused ?? false,
          ...(input.pauseNote != null ? { pauseNote: input.pauseNote } : {}),
          ...(input.remainingRuns != null ? { remainingRuns: input.remainingRuns } : {}),
        },
      });
      return storedSchedule(input.orgId, view);
    },
    update: async (orgId, id, patch: SchedulePatch) => {
      const view = await this.client.call('updateSchedule', {
        params: { id },
        body: {
          ...(patch.templateId !== undefined ? { template: patch.templateId } : {}),
          ...(patch.templateVersion !== undefined ? { templateVersion: patch.templateVersion } : {}),
          ...(patch.params !== undefined ? { params: patch.params as Record<string, never> } : {}),
          ...(patch.spec !== undefined ? { spec: patch.spec } : {}),
          ...(patch.policies !== undefined ? { policies: patch.policies as never } : {}),
          ...(patch.remainingRuns !== undefined ? { remainingRuns: patch.remainingRuns } : {}),
        },
      });
      return storedSchedule(orgId, view);
    },
    setPaused: async (orgId, id, paused, note) =>
      storedSchedule(orgId, paused ? await this.client.pauseSchedule(id, note ?? undefined) : await this.client.resumeSchedule(id)),
    list: async (orgId) => (await this.client.listSchedules()).map((s) => storedSchedule(orgId, s)),
    delete: async (_orgId, id) => (await orNull(this.client.call('deleteSchedule', { params: { id } }))) !== null,
  };

  transaction<T>(fn: (tx: ApplyTarget) => Promise<T>): Promise<T> {
    return fn(this);
  }
}

function storedTemplate(orgId: string, t: { id: string; version: number; kind: string; definition: unknown; createdAt: string }): TemplateVersion {
  return { orgId, templateId: t.id, version: t.version, kind: t.kind as TemplateKind, definition: t.definition as TemplateVersion['definition'], createdAt: Date.parse(t.createdAt) };
}

function storedSchedule(orgId: string, s: Schedule): StoredSchedule {
  return {
    id: s.id,
    orgId,
    templateId: s.template,
    templateVersion: s.templateVersion,
    params: s.params as StoredSchedule['params'],
    spec: s.spec,
    policies: s.policies as SchedulePolicies,
    nextNominalTime: s.nextRunAt === null ? null : Date.parse(s.nextRunAt),
    paused: s.paused,
    pauseNote: s.pauseNote,
    remainingRuns: s.remainingRuns,
    revision: s.revision,
    createdAt: Date.parse(s.createdAt),
    updatedAt: Date.parse(s.updatedAt),
  };
}
