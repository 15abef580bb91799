import { firstAtOrAfter } from '../../config/apply.js';
import { backfill, triggerRun } from '../../engine/operations.js';
import { DEFAULT_PRICE_PER_AGENT_MINUTE, estimateCost, MONTH_DAYS } from '../../policy/cost.js';
import { checkConcurrentRuns, checkScheduleCount, checkScheduleInterval } from '../../policy/limits.js';
import { nextOccurrences, parseSpec, type Spec } from '../../spec/index.js';
import type { ScheduleSpecInput } from '../../spec/types.js';
import type { SchedulePatch, Store } from '../../store/store.js';
import type { Json, RunStatus, RunWindowStats, Schedule, SchedulePolicies } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { notFound, validationProblem } from '../problem.js';
import type { ApiRouter, Caller } from '../router.js';
import { iso, runView, scheduleView } from '../views.js';

/** A stored spec carries its defaults (time zone, DST options) so a later default never changes it. */
function normalizedSpec(spec: ScheduleSpecInput): ScheduleSpecInput {
  return parseSpec(spec).input;
}

async function checkTemplateExists(store: Store, orgId: string, templateId: string, version: number | null | undefined): Promise<void> {
  if (await store.templates.get(orgId, templateId, version ?? undefined)) return;
  throw validationProblem([
    version ? { path: 'body.templateVersion', message: `template ${templateId} has no version ${version}` } : { path: 'body.template', message: `no template with id ${JSON.stringify(templateId)}` },
  ]);
}

function preview(spec: Spec, after: number, count: number) {
  return {
    timezone: spec.timezone,
    occurrences: nextOccurrences(spec, after, count).map((o) => ({ nominal: iso(o.nominal), local: o.local, dst: o.dst })),
  };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The longest stats window: a year, so one request cannot aggregate a whole history. */
const MAX_STATS_WINDOW_MS = 366 * DAY_MS;

/**
 * The stats window [from, to) from at most two of `from`, `to` and `window`: `window` runs after
 * `from`, or else before `to` (default now); `from` alone runs to now; nothing is the last 24 h.
 */
function statsWindow(query: { from?: number | undefined; to?: number | undefined; window?: number | undefined }, now: number): { from: number; to: number } {
  const { from, to, window } = query;
  if (from !== undefined && to !== undefined && window !== undefined) {
    throw validationProblem([{ path: 'query.window', message: 'give at most two of from, to and window' }]);
  }
  if (window !== undefined && window <= 0) throw validationProblem([{ path: 'query.window', message: 'must be longer than zero' }]);
  const range =
    from !== undefined
      ? { from, to: to ?? (window !== undefined ? from + window : now) }
      : { from: (to ?? now) - (window ?? DAY_MS), to: to ?? now };
  if (range.to <= range.from) {
    throw validationProblem([{ path: to !== undefined ? 'query.to' : 'query.from', message: `the window must end after it starts (${iso(range.from)} .. ${iso(range.to)})` }]);
  }
  if (range.to - range.from > MAX_STATS_WINDOW_MS) {
    throw validationProblem([{ path: window !== undefined ? 'query.window' : 'query.from', message: 'the window must be at most 366 days long' }]);
  }
  return range;
}

export function dollarsFor(browserMs: number, pricePerAgentMinute: number): number {
  return Math.round((browserMs / 60_000) * pricePerAgentMinute * 100) / 100;
}

/** succeeded / (succeeded + failed + timed_out + missed): skipped and cancelled runs say nothing about health. */
export function successRate(counts: Partial<Record<RunStatus, number>>): number | null {
  const ok = counts.succeeded ?? 0;
  const rated = ok + (counts.failed ?? 0) + (counts.timed_out ?? 0) + (counts.missed ?? 0);
  return rated > 0 ? ok / rated : null;
}

/**
 * The next 30 days of the schedule's spec (src/policy/cost.ts) at the average browser time of
 * the window's runs that started; null when it is paused or nothing started to average.
 */
export function projectedCost(schedule: Schedule, stats: RunWindowStats, pricePerAgentMinute: number, now: number) {
  const started = (stats.duration?.count ?? 0) + (stats.counts.running ?? 0);
  if (schedule.paused || started === 0) return null;
  const browserMsPerRun = Math.round(stats.browserMs / started);
  let estimate;
  try {
    // estimateCost prices positive durations only; runs without browser time cost nothing.
    estimate = estimateCost({ spec: parseSpec(schedule.spec), durationMs: Math.max(1, browserMsPerRun), pricePerAgentMinute, from: now });
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
  const { runs } = estimate.perMonth;
  const agentMinutes = (runs * browserMsPerRun) / 60_000;
  return { days: MONTH_DAYS, runs, browserMsPerRun, agentMinutes, dollars: dollarsFor(runs * browserMsPerRun, pricePerAgentMinute) };
}

async function scheduleOf(store: Store, caller: Caller, id: string) {
  const schedule = await store.schedules.get(caller.orgId, id);
  if (!schedule) throw notFound('schedule', id);
  return schedule;
}

export function scheduleRoutes(router: ApiRouter, ctx: ApiContext): void {
  const { store, clock } = ctx;

  router.route('listSchedules', async ({ query }, { caller }) => ({
    schedules: (await store.schedules.list(caller.orgId, { ...(query.paused !== undefined ? { paused: query.paused } : {}), ...(query.template ? { templateId: query.template } : {}) })).map(scheduleView),
  }));

  router.route('createSchedule', async ({ body }, { caller }) => {
    const now = clock.now();
    const spec = normalizedSpec(body.spec);
    checkScheduleInterval(caller.tier, spec, now);
    return store.transaction(async (tx) => {
      checkScheduleCount(caller.tier, await tx.schedules.count(caller.orgId));
      await checkTemplateExists(tx, caller.orgId, body.template, body.templateVersion);
      const created = await tx.schedules.create(
        {
          id: body.id,
          orgId: caller.orgId,
          templateId: body.template,
          templateVersion: body.templateVersion ?? null,
          params: body.params as Json,
          spec,
          policies: body.policies as SchedulePolicies,
          nextNominalTime: firstAtOrAfter(spec, now),
          paused: body.paused,
          pauseNote: body.pauseNote ?? null,
          remainingRuns: body.remainingRuns ?? null,
        },
        now,
      );
      return scheduleView(created);
    });
  });

  router.route('getSchedule', async ({ params }, { caller }) => scheduleView(await scheduleOf(store, caller, params.id)));

  router.route('updateSchedule', async ({ params, body }, { caller }) => {
    const now = clock.now();
    return store.transaction(async (tx) => {
      const existing = await scheduleOf(tx, caller, params.id);
      const patch: SchedulePatch = {};
      if (body.template !== undefined || body.templateVersion !== undefined) {
        const templateId = body.template ?? existing.templateId;
        const version = body.templateVersion === undefined ? existing.templateVersion : body.templateVersion;
        await checkTemplateExists(tx, caller.orgId, templateId, version);
        patch.templateId = templateId;
        patch.templateVersion = version;
      }
      if (body.params !== undefined) patch.params = body.params as Json;
      if (body.policies !== undefined) patch.policies = body.policies as SchedulePolicies;
      if (body.remainingRuns !== undefined) patch.remainingRuns = body.remainingRuns;
      if (body.spec !== undefined) {
        const spec = normalizedSpec(body.spec);
        checkScheduleInterval(caller.tier, spec, now);
        // A new spec starts from now: occurrences of the old spec are not owed.
        if (JSON.stringify(spec) !== JSON.stringify(existing.spec)) {
          patch.spec = spec;
          patch.nextNominalTime = firstAtOrAfter(spec, now);
        }
      }
      return scheduleView(await tx.schedules.update(caller.orgId, params.id, patch, now, body.revision));
    });
  });

  router.route('deleteSchedule', async ({ params }, { caller }) => {
    if (!(await store.schedules.delete(caller.orgId, params.id))) throw notFound('schedule', params.id);
  });

  router.route('pauseSchedule', async ({ params, body }, { caller }) => {
    await scheduleOf(store, caller, params.id);
    return scheduleView(await store.schedules.setPaused(caller.orgId, params.id, true, body.note ?? null, clock.now()));
  });

  router.route('resumeSchedule', async ({ params, body }, { caller }) => {
    await scheduleOf(store, caller, params.id);
    return scheduleView(await store.schedules.setPaused(caller.orgId, params.id, false, body.note ?? null, clock.now()));
  });

  router.route('triggerSchedule', async ({ params, body }, { caller, request, reply }) => {
    await scheduleOf(store, caller, params.id);
    const header = request.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 200)) {
      throw validationProblem([{ path: 'headers.idempotency-key', message: 'must be 1 to 200 characters' }]);
    }
    checkConcurrentRuns(caller.tier, await store.runs.countActive(caller.orgId), 1);
    const { run, created, cancelled } = await triggerRun(
      store,
      { orgId: caller.orgId, scheduleId: params.id, trigger: 'api', ...(idempotencyKey ? { idempotencyKey } : {}), ...(body.overlap ? { overlap: body.overlap } : {}), ...(body.profile ? { profile: body.profile } : {}) },
      clock.now(),
    );
    for (const superseded of cancelled) ctx.metrics?.runFinished(superseded);
    if (!created) reply.code(200);
    return { run: runView(run), created };
  });

  router.route('backfillSchedule', async ({ params, body }, { caller, reply }) => {
    await scheduleOf(store, caller, params.id);
    const request = { orgId: caller.orgId, scheduleId: params.id, from: body.from, to: body.to, ...(body.concurrency ? { concurrency: body.concurrency } : {}) };
    const now = clock.now();
    const planned = await backfill(store, { ...request, dryRun: true }, now);
    if (body.dryRun) {
      reply.code(200);
      return { backfillId: planned.backfillId, dryRun: true, occurrences: planned.occurrences.map(iso), runs: [] };
    }
    checkConcurrentRuns(caller.tier, await store.runs.countActive(caller.orgId), planned.occurrences.length);
    const result = await backfill(store, request, now);
    return { backfillId: result.backfillId, dryRun: false, occurrences: result.occurrences.map(iso), runs: result.runs.map(runView) };
  });

  router.route('previewSchedule', async ({ params, query }, { caller }) => {
    const schedule = await scheduleOf(store, caller, params.id);
    return preview(parseSpec(schedule.spec), query.after ?? clock.now(), query.count);
  });

  router.route('scheduleStats', async ({ params, query }, { caller }) => {
    const schedule = await scheduleOf(store, caller, params.id);
    const now = clock.now();
    const { from, to } = statsWindow(query, now);
    const price = query.price ?? DEFAULT_PRICE_PER_AGENT_MINUTE;
    const stats = await store.stats.window(caller.orgId, schedule.id, from, to);
    const days = await store.stats.dailyCost(caller.orgId, schedule.id, from, to);
    return {
      scheduleId: schedule.id,
      from: iso(from),
      to: iso(to),
      counts: stats.counts,
      successRate: successRate(stats.counts),
      duration: stats.duration,
      lateness: stats.lateness,
      browserMs: stats.browserMs,
      dollars: dollarsFor(stats.browserMs, price),
      pricePerAgentMinute: price,
      dailyCost: days.map((d) => ({ ...d, dollars: dollarsFor(d.browserMs, price) })),
      projected: projectedCost(schedule, stats, price, now),
    };
  });

  router.route('previewSpec', async ({ body }) => preview(parseSpec(body.spec), body.after ?? clock.now(), body.count));
}
