/** `agentcron runs …`: inspect, cancel, replay and export runs, and read their events. */
import type { Command } from 'commander';
import type { Attempt, Run, RunArtifact } from '../client/index.js';
import { startReplayServer } from '../runtime/replay-server.js';
import { parseInstant } from '../spec/index.js';
import type { RunStatus } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import { untilSignal, UsageError, type CliContext } from './context.js';
import { progressBar } from './progress.js';
import { withArtifactsOption } from './store-option.js';
import { formatTable } from './table.js';

const STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'missed'];

export function registerRunsCommands(program: Command, ctx: CliContext): void {
  const runs = program.command('runs').description('inspect runs');
  withBackendOptions(
    runs
      .command('ls')
      .description('list runs, newest occurrence first')
      .option('--schedule <id>', 'only runs of this schedule')
      .option('--status <statuses>', `comma-separated: ${STATUSES.join(', ')}`)
      .option('--limit <n>', 'at most this many runs (1-10000)', '50')
      .option('--json', 'print a JSON array of runs'),
  ).action((opts: ListOptions) => listRuns(opts, ctx));

  withBackendOptions(
    runs.command('get').description('show a run with its attempts and their errors').argument('<run>', 'run id').option('--json', 'print JSON'),
  ).action(async (id: string, opts: BackendOptions & { json?: boolean }) => {
    const found = await usingBackend(opts, ctx.now, (backend) => backend.getRun(id));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(found, null, 2)}\n`);
    ctx.stdout(describeRun(found.run));
    if (found.attempts.length > 0) ctx.stdout(attemptTable(found.attempts));
    if (found.artifacts.length > 0) ctx.stdout(artifactTable(found.artifacts));
  });

  withArtifactsOption(
    withBackendOptions(
      runs
        .command('replay')
        .description("serve a run's trace in the Playwright trace viewer (local, no internet) and print its URL")
        .argument('<run>', 'run id')
        .option('--attempt <n>', 'which attempt (default: the last one with a trace)')
        .option('--port <port>', 'local port (default: any free one)'),
    ),
  ).action(async (id: string, opts: BackendOptions & { attempt?: string; port?: string }) => {
    const attempt = opts.attempt === undefined ? undefined : Number(opts.attempt);
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1)) throw new UsageError(`--attempt must be a positive whole number, got ${JSON.stringify(opts.attempt)}`);
    const port = opts.port === undefined ? 0 : Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, got ${JSON.stringify(opts.port)}`);
    // On the database the stored file is served as it is; through a server it is downloaded to a temp file first.
    const { trace, file } = await usingBackend(opts, ctx.now, async (backend) => {
      const chosen = (await backend.listArtifacts(id, attempt)).filter((a) => a.kind === 'trace').at(-1);
      if (!chosen) throw new UsageError(`run ${id}${attempt === undefined ? '' : ` attempt ${attempt}`} has no trace (pruned, or not a browser run)`);
      return { trace: chosen, file: await backend.artifactFile(id, chosen) };
    });
    try {
      const server = await startReplayServer({ traceFile: file.path, port });
      ctx.stdout(`replay of run ${id} attempt ${trace.attempt}: ${server.url}\nCtrl-C to stop\n`);
      await (ctx.untilStopped ?? untilSignal)();
      await server.close();
    } finally {
      await file.release();
    }
  });

  withBackendOptions(
    runs
      .command('export')
      .description('print every run with a nominal time at or after --since as NDJSON, one run per line (newest first)')
      .requiredOption('--since <iso>', 'nominal time at or after (UTC unless the time says otherwise)'),
  ).action(async (opts: BackendOptions & { since: string }) => {
    const since = parseInstant('--since', opts.since, 'UTC');
    // Runs printed on the terminal itself would be torn by a progress line between them: then only the summary.
    const progress = progressBar(ctx.stdoutIsTTY ? { ...ctx, stderrIsTTY: false } : ctx, null, 'exporting runs');
    let count = 0;
    await usingBackend(opts, ctx.now, async (backend) => {
      for await (const run of backend.exportRuns(since)) {
        ctx.stdout(`${JSON.stringify(run)}\n`);
        count++;
        progress.update(count);
      }
    });
    progress.done(`exported ${count} run${count === 1 ? '' : 's'} since ${new Date(since).toISOString()}`);
  });

  withBackendOptions(
    runs
      .command('cancel')
      .description('cancel a queued or running run (a running attempt is stopped at its next heartbeat)')
      .argument('<run>', 'run id')
      .option('--reason <text>', 'recorded on the run', 'cancelled from the command line')
      .option('--json', 'print the run as JSON'),
  ).action(async (id: string, opts: BackendOptions & { reason: string; json?: boolean }) => {
    const { run, changed } = await usingBackend(opts, ctx.now, (backend) => backend.cancelRun(id, opts.reason));
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ changed, run }, null, 2)}\n`);
    ctx.stdout(changed ? `${run.id} cancelled\n` : `${run.id} already ${run.status}; nothing to cancel\n`);
  });

  withBackendOptions(
    runs.command('logs').description("print a run's events in order (attempts, outputs, errors)").argument('<run>', 'run id').option('--json', 'print a JSON array of events'),
  ).action(async (id: string, opts: BackendOptions & { json?: boolean }) => {
    const events = await usingBackend(opts, ctx.now, (backend) => backend.runEvents(id));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(events, null, 2)}\n`);
    if (events.length === 0) return void ctx.stdout(`run ${id} has no events yet\n`);
    ctx.stdout(
      formatTable(
        ['SEQ', 'AT (UTC)', 'ATTEMPT', 'TYPE', 'DATA'],
        events.map((e) => [String(e.seq), e.at, e.attempt === null ? '-' : String(e.attempt), e.type, e.data === null ? '' : JSON.stringify(e.data).slice(0, 120)]),
      ),
    );
  });
}

interface ListOptions extends BackendOptions {
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

  const runs = await usingBackend(opts, ctx.now, (backend) =>
    backend.listRuns({ limit, ...(opts.schedule ? { scheduleId: opts.schedule } : {}), ...(status ? { status: status as RunStatus[] } : {}) }),
  );
  if (opts.json) return void ctx.stdout(`${JSON.stringify(runs, null, 2)}\n`);
  ctx.stdout(
    formatTable(
      ['RUN', 'SCHEDULE', 'NOMINAL (UTC)', 'TRIGGER', 'STATUS', 'ATTEMPTS', 'DURATION', 'ERROR / REASON'],
      runs.map((r) => [r.id, r.scheduleId ?? '-', r.nominalTime, r.trigger, r.status, String(r.attempts), duration(r.startedAt, r.finishedAt), (errorMessage(r.error) ?? r.reason ?? '').slice(0, 80)]),
    ),
  );
}

function describeRun(r: Run): string {
  return [
    `run       ${r.id}`,
    `schedule  ${r.scheduleId ?? '-'} (template ${r.templateId} v${r.templateVersion})`,
    `nominal   ${r.nominalTime}  trigger ${r.trigger}`,
    `status    ${r.status}${r.reason ? ` (${r.reason})` : ''}  attempts ${r.attempts}/${r.maxAttempts}`,
    ...(r.profile ? [`profile   ${r.profile}`] : []),
    ...(r.browserMs > 0 ? [`browser   ${r.browserMs} ms`] : []),
    ...(r.output !== null ? [`output    ${JSON.stringify(r.output)}`] : []),
    ...(r.error !== null ? [`error     ${errorMessage(r.error) ?? JSON.stringify(r.error)}`] : []),
    '',
  ].join('\n');
}

function attemptTable(attempts: readonly Attempt[]): string {
  return formatTable(
    ['ATTEMPT', 'STATUS', 'WORKER', 'STARTED (UTC)', 'DURATION', 'BROWSER', 'ERROR'],
    attempts.map((a) => [String(a.number), a.status, a.workerId, a.startedAt, duration(a.startedAt, a.finishedAt), a.browserMs > 0 ? `${a.browserMs}ms` : '', errorMessage(a.error) ?? '']),
  );
}

function artifactTable(artifacts: readonly RunArtifact[]): string {
  return formatTable(['ATTEMPT', 'ARTIFACT', 'KIND', 'SIZE'], artifacts.map((a) => [String(a.attempt), a.name, a.kind, String(a.size)]));
}

function duration(startedAt: string | null, finishedAt: string | null): string {
  return startedAt !== null && finishedAt !== null ? `${Date.parse(finishedAt) - Date.parse(startedAt)}ms` : '';
}

function errorMessage(error: unknown): string | null {
  const e = error as { message?: unknown } | null;
  return e && typeof e.message === 'string' ? e.message : null;
}
