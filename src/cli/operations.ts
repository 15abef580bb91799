/** `agentcron trigger` and `agentcron backfill`: run a schedule now, or over a past range. */
import { Option, type Command } from 'commander';
import { formatUtc, parseInstant } from '../spec/index.js';
import type { Run } from '../client/index.js';
import { TERMINAL_RUN_STATUSES, type OverlapPolicy } from '../store/types.js';
import { usingBackend, withBackendOptions, type Backend, type BackendOptions } from './backend.js';
import { progressBar } from './progress.js';
import { UsageError, type CliContext } from './context.js';

const OVERLAP: readonly OverlapPolicy[] = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow'];

export function registerOperationCommands(program: Command, ctx: CliContext): void {
  withBackendOptions(
    program
      .command('trigger')
      .description("run a schedule now (its overlap policy applies unless --overlap overrides it)")
      .argument('<schedule>', 'schedule id')
      .option('--idempotency-key <key>', 'the same key within 24 h returns the same run')
      .addOption(new Option('--overlap <policy>', 'overlap policy for this run').choices(OVERLAP))
      .option('--profile <name>', 'browser profile for this run (overrides the template\'s)')
      .option('--json', 'print the run as JSON'),
  ).action(async (scheduleId: string, opts: TriggerOptions) => {
    if (opts.profile !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(opts.profile)) {
      throw new UsageError(`--profile must be letters, digits, . _ - (at most 100), got ${JSON.stringify(opts.profile)}`);
    }
    const { run, created } = await usingBackend(opts, ctx.now, (backend) =>
      backend.trigger(scheduleId, {
        ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
        ...(opts.overlap ? { overlap: opts.overlap } : {}),
        ...(opts.profile ? { profile: opts.profile } : {}),
      }),
    );
    if (opts.json) ctx.stdout(`${JSON.stringify({ created, run }, null, 2)}\n`);
    else ctx.stdout(`${created ? 'created' : 'existing'} run ${run.id}: ${run.status}${run.reason ? ` (${run.reason})` : ''}\n`);
  });

  withBackendOptions(
    program
      .command('backfill')
      .description("run a schedule's occurrences in [from, to) now")
      .argument('<schedule>', 'schedule id')
      .requiredOption('--from <iso>', "first nominal time (inclusive); without an offset it is local to the schedule's zone")
      .requiredOption('--to <iso>', 'end of the range (exclusive)')
      .option('--dry-run', 'list the occurrences without creating runs')
      .option('--concurrency <n>', 'backfill runs at once', '1')
      .option('--wait', 'after queuing, wait until every backfill run has finished (a progress bar on a terminal)')
      .option('--json', 'print JSON'),
  ).action(async (scheduleId: string, opts: BackfillOptions) => {
    const concurrency = Number(opts.concurrency);
    if (!/^\d+$/.test(opts.concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new UsageError(`--concurrency must be a whole number from 1 to 1000, got ${JSON.stringify(opts.concurrency)}`);
    }
    const dryRun = opts.dryRun === true;
    const result = await usingBackend(opts, ctx.now, async (backend) => {
      const schedule = await backend.getSchedule(scheduleId);
      const zone = schedule.spec.timezone ?? 'UTC';
      const from = parseInstant('--from', opts.from, zone);
      const to = parseInstant('--to', opts.to, zone);
      if (!(from < to)) throw new UsageError(`--from (${opts.from}) must be before --to (${opts.to})`);
      const queued = await backend.backfill(scheduleId, { from, to, dryRun, concurrency });
      if (!opts.wait || dryRun || queued.runs.length === 0) return queued;
      return { ...queued, runs: await waitForBackfill(backend, scheduleId, { from, to, backfillId: queued.backfillId, total: queued.runs.length }, ctx) };
    });
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ ...result, dryRun }, null, 2)}\n`);
    if (opts.wait && !dryRun) {
      const counts = new Map<string, number>();
      for (const r of result.runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      ctx.stdout(`backfill ${result.backfillId} finished: ${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}\n`);
      return;
    }
    const verb = dryRun ? 'would run' : `queued (backfill ${result.backfillId}, ${concurrency} at a time)`;
    ctx.stdout(`${result.occurrences.length} occurrence(s) ${verb}\n${result.occurrences.map((t) => `  ${formatUtc(Date.parse(t))}\n`).join('')}`);
  });
}

/** How often --wait looks at the backfill's runs. */
const POLL_MS = 1000;

/** Polls the backfill's runs until all have finished, drawing a bar on a terminal; returns them. */
async function waitForBackfill(backend: Backend, scheduleId: string, backfill: { from: number; to: number; backfillId: string; total: number }, ctx: CliContext): Promise<Run[]> {
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const progress = progressBar(ctx, backfill.total, `backfill ${scheduleId}`);
  try {
    let done = 0;
    for (;;) {
      // Backfill runs carry their occurrence's nominal time, so they are in [from, to).
      const runs = (await backend.listRuns({ scheduleId, trigger: ['backfill'], from: backfill.from, to: backfill.to, limit: 10_000 })).filter((r) => r.backfillId === backfill.backfillId);
      const finished = runs.filter((r) => TERMINAL_RUN_STATUSES.includes(r.status)).length;
      for (; done < finished; done++) progress.tick(`${finished} finished`);
      if (finished >= runs.length) return runs;
      await sleep(POLL_MS);
    }
  } finally {
    progress.done();
  }
}

interface TriggerOptions extends BackendOptions {
  idempotencyKey?: string;
  overlap?: OverlapPolicy;
  profile?: string;
  json?: boolean;
}

interface BackfillOptions extends BackendOptions {
  from: string;
  to: string;
  dryRun?: boolean;
  concurrency: string;
  wait?: boolean;
  json?: boolean;
}
