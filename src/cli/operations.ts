/** `agentcron trigger` and `agentcron backfill`: run a schedule now, or over a past range. */
import { Option, type Command } from 'commander';
import { formatUtc, parseInstant } from '../spec/index.js';
import type { OverlapPolicy } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
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
      .option('--json', 'print the run as JSON'),
  ).action(async (scheduleId: string, opts: TriggerOptions) => {
    const { run, created } = await usingBackend(opts, ctx.now, (backend) =>
      backend.trigger(scheduleId, { ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}), ...(opts.overlap ? { overlap: opts.overlap } : {}) }),
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
      return backend.backfill(scheduleId, { from, to, dryRun, concurrency });
    });
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ ...result, dryRun }, null, 2)}\n`);
    const verb = dryRun ? 'would run' : `queued (backfill ${result.backfillId}, ${concurrency} at a time)`;
    ctx.stdout(`${result.occurrences.length} occurrence(s) ${verb}\n${result.occurrences.map((t) => `  ${formatUtc(Date.parse(t))}\n`).join('')}`);
  });
}

interface TriggerOptions extends BackendOptions {
  idempotencyKey?: string;
  overlap?: OverlapPolicy;
  json?: boolean;
}

interface BackfillOptions extends BackendOptions {
  from: string;
  to: string;
  dryRun?: boolean;
  concurrency: string;
  json?: boolean;
}
