import { Readable } from 'node:stream';
import { cancelledAt } from '../../engine/operations.js';
import type { Store } from '../../store/store.js';
import { TERMINAL_RUN_STATUSES, type Run } from '../../store/types.js';
import type { ApiContext } from '../context.js';
import { notFound, problem, validationProblem } from '../problem.js';
import type { ApiRouter, Caller } from '../router.js';
import { attemptView, runEventView, runView } from '../views.js';

export async function runOf(store: Store, caller: Caller, id: string): Promise<Run> {
  const run = await store.runs.get(caller.orgId, id);
  if (!run) throw notFound('run', id);
  return run;
}

/** Rows per page read by the export: big enough to amortise queries, small enough to stream. */
const EXPORT_PAGE = 500;

/** Every run of the organisation with a nominal time at or after `since`, newest first, one page at a time (the export, here and in the CLI). */
export async function* runPagesSince(store: Store, orgId: string, since: number): AsyncGenerator<Run[]> {
  let cursor: string | undefined;
  do {
    const page = await store.runs.list({ orgId, from: since, limit: EXPORT_PAGE, ...(cursor ? { cursor } : {}) });
    if (page.runs.length > 0) yield page.runs;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

async function* exportLines(store: Store, orgId: string, since: number): AsyncGenerator<string> {
  for await (const runs of runPagesSince(store, orgId, since)) yield runs.map((r) => `${JSON.stringify(runView(r))}\n`).join('');
}

/** Run routes; their artifacts are in artifacts.ts. */
export function runRoutes(router: ApiRouter, ctx: ApiContext): void {
  const { store, clock } = ctx;

  router.route('listRuns', async ({ query }, { caller }) => {
    try {
      const page = await store.runs.list({
        orgId: caller.orgId,
        ...(query.scheduleId ? { scheduleId: query.scheduleId } : {}),
        ...(query.status?.length ? { status: query.status } : {}),
        ...(query.trigger?.length ? { trigger: query.trigger } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.to !== undefined ? { to: query.to } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
      return { runs: page.runs.map(runView), nextCursor: page.nextCursor };
    } catch (error) {
      if (error instanceof RangeError && query.cursor) throw validationProblem([{ path: 'query.cursor', message: error.message }]);
      throw error;
    }
  });

  router.route('getRun', async ({ params }, { caller }) => {
    const run = await runOf(store, caller, params.id);
    return { run: runView(run), attempts: (await store.runs.attempts(run.id)).map(attemptView) };
  });

  router.route('cancelRun', async ({ params, body }, { caller }) => {
    const run = await runOf(store, caller, params.id);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) throw problem(409, 'conflict', 'Conflict', `run ${run.id} has already finished (${run.status})`);
    const now = clock.now();
    const cancelled = await store.runs.cancel(caller.orgId, run.id, body.reason ?? `cancelled over the API by key ${caller.keyId}`, now);
    if (!cancelled) throw notFound('run', params.id);
    // Counted here only: the worker never finishes a cancelled run (its attempt is fenced out).
    if (cancelledAt(cancelled, now)) ctx.metrics?.runFinished(cancelled);
    return runView(cancelled);
  });

  router.route('listRunEvents', async ({ params, query }, { caller }) => {
    const run = await runOf(store, caller, params.id);
    const events = await store.events.list(run.id, { ...(query.afterSeq !== undefined ? { afterSeq: query.afterSeq } : {}), ...(query.limit !== undefined ? { limit: query.limit } : {}) });
    return { events: events.map(runEventView) };
  });

  router.route('exportRuns', async ({ query }, { caller, reply }) =>
    reply.type('application/x-ndjson; charset=utf-8').send(Readable.from(exportLines(store, caller.orgId, query.since))),
  );
}
