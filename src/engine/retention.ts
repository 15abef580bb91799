import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { retentionCutoffs, type RetentionPeriods } from '../policy/retention.js';
import { pruneArtifacts, type ArtifactStore } from '../runtime/artifacts.js';
import type { PrunedRuns, Store } from '../store/store.js';
import type { Instant } from '../store/types.js';

/** Rows per batch: each batch is one short transaction, so other writers wait at most one batch. */
export const DEFAULT_PRUNE_BATCH = 500;

export interface RetentionDeps {
  store: Store;
  artifacts: ArtifactStore;
  log?: Logger;
}

/** What one pruning pass deleted. */
export interface PruneReport {
  /** Expired runs and everything that hangs off them (artifacts counts rows; their bytes went too). */
  runs: PrunedRuns;
  /** Artifacts older than the artifact retention, of runs that are kept. */
  artifacts: number;
  /** Delivered and dead deliveries older than the delivery retention, and their attempt rows. */
  deliveries: { deliveries: number; attempts: number };
  /** Idempotency keys whose window had closed. */
  idempotencyKeys: number;
}

/** True when the pass deleted nothing at all. */
export function prunedNothing(report: PruneReport): boolean {
  const counts = [...Object.values(report.runs), report.artifacts, report.deliveries.deliveries, report.deliveries.attempts, report.idempotencyKeys];
  return counts.every((n) => n === 0);
}

/**
 * One pruning pass over every kind of history, each in batches of `batch` rows with a
 * transaction per batch (docs/storage.md#retention): expired runs with their attempts, events,
 * artifacts (rows, then bytes once they are committed), deliveries and delivery attempts; then artifacts, delivery
 * logs and idempotency keys by their own ages.
 */
export async function pruneHistory(deps: RetentionDeps, periods: RetentionPeriods, now: Instant, batch = DEFAULT_PRUNE_BATCH): Promise<PruneReport> {
  const cutoffs = retentionCutoffs(periods, now);
  const runs = cutoffs.runs === null ? emptyRuns() : await pruneRuns(deps, cutoffs.runs, now, batch);
  const artifacts = periods.artifacts === null ? 0 : await pruneArtifacts(deps, periods.artifacts, now, batch);
  const deliveries = { deliveries: 0, attempts: 0 };
  if (cutoffs.deliveries !== null) {
    for (;;) {
      const pass = await deps.store.retention.deleteDeliveries(cutoffs.deliveries, batch);
      deliveries.deliveries += pass.deliveries;
      deliveries.attempts += pass.attempts;
      if (pass.deliveries < batch) break;
    }
  }
  let idempotencyKeys = 0;
  for (;;) {
    const n = await deps.store.retention.deleteExpiredIdempotencyKeys(now, batch);
    idempotencyKeys += n;
    if (n < batch) break;
  }
  return { runs, artifacts, deliveries, idempotencyKeys };
}

function emptyRuns(): PrunedRuns {
  return { runs: 0, attempts: 0, events: 0, artifacts: 0, deliveries: 0, deliveryAttempts: 0 };
}

/**
 * Expired runs, a batch at a time. The store deletes the rows of the runs that are still expired
 * under lock; only then, and only for the artifacts of those runs, do the bytes go (a run the
 * re-check keeps keeps its files). A file that cannot be deleted is logged and left behind; the
 * rows stay deleted. Stops when a batch deletes nothing, so it cannot spin.
 */
async function pruneRuns(deps: RetentionDeps, before: Instant, now: Instant, batch: number): Promise<PrunedRuns> {
  const total = emptyRuns();
  for (;;) {
    const expired = await deps.store.retention.expiredRuns(before, now, batch);
    if (expired.length === 0) break;
    const deleted = await deps.store.retention.deleteRuns(expired.map((r) => r.id), before, now);
    for (const key of Object.keys(total) as Array<keyof PrunedRuns>) total[key] += deleted.counts[key];
    for (const key of deleted.artifactKeys) {
      try {
        await deps.artifacts.delete(key);
      } catch (error) {
        deps.log?.warn({ err: error, key }, "could not delete a pruned run's artifact file; its row is gone, the file is left behind");
      }
    }
    if (deleted.counts.runs === 0 || expired.length < batch) break;
  }
  return total;
}

/** Runs `pruneHistory` every `everyMs` (and once at start) until the signal aborts; logs what went. */
export async function runRetentionJob(
  deps: RetentionDeps & { clock: Clock; log: Logger },
  options: { periods: RetentionPeriods; everyMs: number; batch?: number; onPass?: (report: PruneReport) => void },
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    let report: PruneReport | null = null;
    try {
      report = await pruneHistory(deps, options.periods, deps.clock.now(), options.batch);
      if (!prunedNothing(report)) deps.log.info({ pruned: report }, 'pruned expired history');
    } catch (error) {
      deps.log.error({ err: error }, 'pruning expired history failed; will try again next pass');
    }
    if (report) options.onPass?.(report);
    try {
      await deps.clock.sleep(options.everyMs, signal);
    } catch {
      return;
    }
  }
}
