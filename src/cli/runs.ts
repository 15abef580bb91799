/** `agentcron runs …`: inspect runs. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { FileArtifactStore } from '../runtime/artifacts.js';
import { startReplayServer } from '../runtime/replay-server.js';
import type { Run, RunStatus } from '../store/types.js';
import { UsageError, type CliContext } from './context.js';
import { DEFAULT_ORG, usingStore, withArtifactsOption, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'missed'];

export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('inspect runs');
  withDbOption(
    runs
      .command('ls')
      .description('list runs, newest occurrence first')
      .option('--schedule <id>', 'only runs of this schedule')
      .option('--status <statuses>', `comma-separated: ${STATUSES.join(', ')}`)
      .option('--limit <n>', 'at most this many runs (1-10000)', '50')
      .option('--json', 'print a JSON array of runs'),
  ).action((opts: ListOptions) => listRuns(opts, ctx));

  withDbOption(
    runs.command('get').description('show a run with its attempts and their errors').argument('<run>', 'run id').option('--json', 'print JSON'),
  ).action(async (id: string, opts: DbOptions & { json?: boolean }) => {
    const found = await usingStore(opts, async (store) => {
      const run = await store.runs.get(DEFAULT_ORG, id);
      return run ? { run, attempts: await store.runs.attempts(run.id), artifacts: await store.artifacts.list(DEFAULT_ORG, run.id) } : null;
    });
    if (!found) throw new UsageError(`run ${JSON.stringify(id)} not found`);
    const attempts = found.attempts.map((a) => ({
      number: a.number,
      status: a.status,
      workerId: a.workerId,
      startedAt: iso(a.startedAt),
      finishedAt: iso(a.finishedAt),
      browserMs: a.browserMs,
      error: a.error,
    }));
    const artifacts = found.artifacts.map((a) => ({ attempt: a.attempt, name: a.name, kind: a.kind, contentType: a.contentType, size: a.size, createdAt: iso(a.createdAt) }));
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ ...runJson(found.run), attemptList: attempts, artifacts }, null, 2)}\n`);
    const r = found.run;
    const lines = [
      `run       ${r.id}`,
      `schedule  ${r.scheduleId ?? '-'} (template ${r.templateId} v${r.templateVersion})`,
      `nominal   ${iso(r.nominalTime)}  trigger ${r.trigger}`,
      `status    ${r.status}${r.reason ? ` (${r.reason})` : ''}  attempts ${r.attempts}/${r.maxAttempts}`,
      ...(r.browserMs > 0 ? [`browser   ${r.browserMs} ms`] : []),
      ...(r.output !== null ? [`output    ${JSON.stringify(r.output)}`] : []),
      ...(r.error !== null ? [`error     ${errorMessage(r) ?? JSON.stringify(r.error)}`] : []),
      '',
    ];
    ctx.stdout(lines.join('\n'));
    if (attempts.length > 0) {
      ctx.stdout(
        formatTable(
          ['ATTEMPT', 'STATUS', 'WORKER', 'STARTED (UTC)', 'DURATION', 'BROWSER', 'ERROR'],
          found.attempts.map((a) => [
            String(a.number),
            a.status,
            a.workerId,
            iso(a.startedAt) ?? '',
            a.finishedAt !== null ? `${a.finishedAt - a.startedAt}ms` : '',
            a.browserMs > 0 ? `${a.browserMs}ms` : '',
            String((a.error as { message?: unknown } | null)?.message ?? ''),
          ]),
        ),
      );
    }
    if (artifacts.length > 0) {
      ctx.stdout(formatTable(['ATTEMPT', 'ARTIFACT', 'KIND', 'SIZE'], artifacts.map((a) => [String(a.attempt), a.name, a.kind, String(a.size)])));
    }
  });

  withArtifactsOption(
    withDbOption(
      runs
        .command('replay')
        .description("serve a run's trace in the Playwright trace viewer (local, no internet) and print its URL")
        .argument('<run>', 'run id')
        .option('--attempt <n>', 'which attempt (default: the last one with a trace)')
        .option('--port <port>', 'local port (default: any free one)'),
    ),
  ).action(async (id: string, opts: DbOptions & { artifacts: string; attempt?: string; port?: string }) => {
    const attempt = opts.attempt === undefined ? undefined : Number(opts.attempt);
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError(`--attempt must be a positive whole number, got ${JSON.stringify(opts.attempt)}`);
    const port = opts.port === undefined ? 0 : Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, got ${JSON.stringify(opts.port)}`);
    const trace = await usingStore(opts, async (store) => {
      const run = await store.runs.get(DEFAULT_ORG, id);
      if (!run) throw new UsageError(`run ${JSON.stringify(id)} not found`);
      const traces = (await store.artifacts.list(DEFAULT_ORG, id, attempt)).filter((a) => a.kind === 'trace');
      const chosen = traces.at(-1);
      if (!chosen) throw new UsageError(`run ${id}${attempt === undefined ? '' : ` attempt ${attempt}`} has no trace (pruned, or not a browser run)`);
      return chosen;
    });
    const files = new FileArtifactStore(opts.artifacts);
    const path = files.localPath(trace.storageKey);
    if (!existsSync(path)) throw new UsageError(`trace file ${path} is missing (wrong --artifacts directory?)`);
    const server = await startReplayServer({ traceFile: path, port });
    ctx.stdout(`replay of run ${id} attempt ${trace.attempt}: ${server.url}\nCtrl-C to stop\n`);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await server.close();
  });

  withDbOption(
    runs
      .command('cancel')
      .description('cancel a queued or running run (a running attempt is stopped at its next heartbeat)')
      .argument('<run>', 'run id')
      .option('--reason <text>', 'recorded on the run', 'cancelled from the command line'),
  ).action(async (id: string, opts: DbOptions & { reason: string }) => {
    const outcome = await usingStore(opts, async (store) => {
      const before = await store.runs.get(DEFAULT_ORG, id);
      if (!before) throw new UsageError(`run ${JSON.stringify(id)} not found`);
      if (before.status !== 'queued' && before.status !== 'running') return { id, changed: false, status: before.status };
      const after = await store.runs.cancel(DEFAULT_ORG, id, opts.reason, ctx.now());
      return { id, changed: after?.status === 'cancelled', status: after?.status ?? before.status };
    });
    ctx.stdout(outcome.changed ? `${outcome.id} cancelled\n` : `${outcome.id} already ${outcome.status}; nothing to cancel\n`);
  });
}

interface ListOptions extends DbOptions {
  schedule?: string;
  status?: string;
  limit: string;
  json?: boolean;
}

async function listRuns(opts: ListOptions, ctx: CliContext): Promise<void> {
  const status = opts.status?.split(',').map((s) => s.trim());
  const unknown = status?.filter((s) => !STATUSES.includes(s as RunStatus)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--status: unknown status ${unknown.join(', ')} (known: ${STATUSES.join(', ')})`);
  const limit = Number(opts.limit);
  if (!/^\d+$/.test(opts.limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be a whole number from 1 to 10000, got ${JSON.stringify(opts.limit)}`);

  const runs = await usingStore(opts, async (store) => {
    const out: Run[] = [];
    let cursor: string | undefined;
    while (out.length < limit) {
      const page = await store.runs.list({
        orgId: DEFAULT_ORG,
        ...(opts.schedule ? { scheduleId: opts.schedule } : {}),
        ...(status ? { status: status as RunStatus[] } : {}),
        limit: Math.min(1000, limit - out.length),
        ...(cursor ? { cursor } : {}),
      });
      out.push(...page.runs);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return out;
  });

  if (opts.json) {
    ctx.stdout(`${JSON.stringify(runs.map(runJson), null, 2)}\n`);
    return;
  }
  ctx.stdout(
    formatTable(
      ['RUN', 'SCHEDULE', 'NOMINAL (UTC)', 'TRIGGER', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR / REASON'],
      runs.map((r) => [
        r.id,
        r.scheduleId ?? '-',
        iso(r.nominalTime) ?? '',
        r.trigger,
        r.status,
        String(r.attempts),
        r.startedAt !== null && r.finishedAt !== null ? `${r.finishedAt - r.startedAt}ms` : '',
        (errorMessage(r) ?? r.reason ?? '').slice(0, 80),
      ]),
    ),
  );
}

/** The stable JSON shape of a run on the command line (instants as ISO 8601 UTC). */
export function runJson(r: Run) {
  return {
    id: r.id,
    scheduleId: r.scheduleId,
    templateId: r.templateId,
    templateVersion: r.templateVersion,
    nominalTime: iso(r.nominalTime),
    trigger: r.trigger,
    status: r.status,
    reason: r.reason,
    attempts: r.attempts,
    maxAttempts: r.maxAttempts,
    availableAt: iso(r.availableAt),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    output: r.output,
    error: r.error,
    backfillId: r.backfillId,
    profile: r.profile,
    browserMs: r.browserMs,
  };
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

function errorMessage(r: Run): string | null {
  const e = r.error as { message?: unknown } | null;
  return e && typeof e.message === 'string' ? e.message : null;
}
