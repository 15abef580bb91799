import { decideOverlap } from '../policy/overlap.js';
import { resolvePolicies } from '../policy/schedule.js';
import { occurrencesBetween, parseSpec, periodOf } from '../spec/index.js';
import { newId } from '../store/ids.js';
import { NotFoundError, type NewRun, type Store } from '../store/store.js';
import type { OverlapPolicy, Run } from '../store/types.js';
import { traceQueuedRuns } from '../telemetry/spans.js';

/** A key given to a trigger returns the same run for this long (then it may be reused). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Backfills larger than this must be split: one transaction should stay small. */
export const MAX_BACKFILL_OCCURRENCES = 10_000;

/**
 * Whether `run`, as `runs.cancel(…, now)` returned it, was cancelled by that call: a run that
 * had already finished (or was cancelled by someone else) is returned as it was.
 */
export function cancelledAt(run: Run | null, now: number): run is Run {
  return run !== null && run.status === 'cancelled' && run.finishedAt === now;
}

export interface TriggerRequest {
  orgId: string;
  scheduleId: string;
  idempotencyKey?: string;
  /** Overrides the schedule's overlap policy for this run only. */
  overlap?: OverlapPolicy;
  trigger?: 'manual' | 'api';
  /** A browser profile for this run, overriding the template's. */
  profile?: string;
}

/**
 * Runs a schedule now. The overlap policy (or its override) still applies: a trigger that the
 * policy skips is recorded as a skipped run, so the caller sees why nothing ran; `cancelled`
 * lists the runs `cancel_other` superseded (for the caller's metrics, once this committed).
 */
export async function triggerRun(store: Store, request: TriggerRequest, now: number): Promise<{ run: Run; created: boolean; cancelled: Run[] }> {
  return store.transaction(async (tx) => {
    const schedule = await tx.schedules.get(request.orgId, request.scheduleId);
    if (!schedule) throw new NotFoundError('schedule', request.scheduleId);
    const template = await tx.templates.get(schedule.orgId, schedule.templateId, schedule.templateVersion ?? undefined);
    if (!template) throw new NotFoundError('template', schedule.templateId);
    const policies = resolvePolicies(
      { ...schedule.policies, ...(request.overlap ? { overlap: request.overlap } : {}) },
      null,
    );
    const active = (await tx.runs.active(schedule.orgId, schedule.id)).map((r) => ({ id: r.id, status: r.status === 'running' ? ('running' as const) : ('queued' as const) }));
    const decision = decideOverlap(policies.overlap, active);
    const run: NewRun = {
      id: newId(),
      orgId: schedule.orgId,
      scheduleId: schedule.id,
      templateId: schedule.templateId,
      templateVersion: template.version,
      params: schedule.params,
      nominalTime: now,
      trigger: request.trigger ?? 'manual',
      status: decision.action === 'skip' ? 'skipped' : 'queued',
      reason: decision.action === 'skip' ? decision.reason : null,
      maxAttempts: policies.retry.maxAttempts,
      availableAt: now,
      concurrencyKey: schedule.id,
      concurrencyLimit: policies.concurrency,
      profile: request.profile ?? null,
    };
    if (request.idempotencyKey) {
      const existing = await tx.runs.createIdempotent({ ...run, idempotencyKey: request.idempotencyKey }, IDEMPOTENCY_WINDOW_MS, now);
      if (!existing.created) return { ...existing, cancelled: [] };
    }
    const cancelled: Run[] = [];
    if ('cancel' in decision) {
      for (const id of decision.cancel) {
        const after = await tx.runs.cancel(schedule.orgId, id, 'overlap policy cancel_other: superseded by a manual trigger', now);
        if (cancelledAt(after, now)) cancelled.push(after);
      }
    }
    const created = request.idempotencyKey ? (await tx.runs.get(schedule.orgId, run.id!))! : await tx.runs.create(run, now);
    // The attempt continues the trace of whoever triggered it (an API request's span).
    if (created.status === 'queued') await traceQueuedRuns(tx, [created], now);
    return { run: created, created: true, cancelled };
  });
}

export interface BackfillRequest {
  orgId: string;
  scheduleId: string;
  /** Half-open range [from, to) of nominal times. */
  from: number;
  to: number;
  dryRun?: boolean;
  /** Backfill runs of this request running at once (default 1). */
  concurrency?: number;
}

export interface BackfillResult {
  backfillId: string;
  occurrences: number[];
  runs: Run[];
}

/**
 * Runs a schedule's occurrences in [from, to) as if they were due now. Backfill runs are
 * separate from scheduled runs (an occurrence may be re-run on purpose) and share a concurrency
 * key, so a large backfill proceeds at its own pace without starving the live schedule.
 */
export async function backfill(store: Store, request: BackfillRequest, now: number): Promise<BackfillResult> {
  if (!(request.from < request.to)) throw new RangeError(`backfill range is empty: from ${new Date(request.from).toISOString()} must be before to ${new Date(request.to).toISOString()}`);
  const concurrency = request.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`backfill concurrency must be a positive integer, got ${concurrency}`);
  const schedule = await store.schedules.get(request.orgId, request.scheduleId);
  if (!schedule) throw new NotFoundError('schedule', request.scheduleId);
  const spec = parseSpec(schedule.spec);
  const { occurrences, truncated } = occurrencesBetween(spec, request.from, request.to, MAX_BACKFILL_OCCURRENCES);
  if (truncated) throw new RangeError(`backfill range holds more than ${MAX_BACKFILL_OCCURRENCES} occurrences; split it into smaller ranges`);
  const backfillId = newId();
  const nominals = occurrences.map((o) => o.nominal);
  if (request.dryRun) return { backfillId, occurrences: nominals, runs: [] };
  const policies = resolvePolicies(schedule.policies, periodOf(spec, request.from));
  return store.transaction(async (tx) => {
    const template = await tx.templates.get(schedule.orgId, schedule.templateId, schedule.templateVersion ?? undefined);
    if (!template) throw new NotFoundError('template', schedule.templateId);
    const runs: Run[] = [];
    for (const nominal of nominals) {
      runs.push(
        await tx.runs.create(
          {
            orgId: schedule.orgId,
            scheduleId: schedule.id,
            templateId: schedule.templateId,
            templateVersion: template.version,
            params: schedule.params,
            nominalTime: nominal,
            trigger: 'backfill',
            backfillId,
            maxAttempts: policies.retry.maxAttempts,
            availableAt: now,
            concurrencyKey: `backfill:${backfillId}`,
            concurrencyLimit: concurrency,
          },
          now,
        ),
      );
    }
    await traceQueuedRuns(tx, runs, now);
    return { backfillId, occurrences: nominals, runs };
  });
}
