/** `agentcron trigger` and `agentcron backfill`: run a schedule now, or over a past range. */
import { Option, type Command } from 'commander';
import { backfill, triggerRun } from '../engine/operations.js';
import { formatUtc, parseInstant } from '../spec/index.js';
import type { OverlapPolicy } from '../store/types.js';
import { UsageError, type CliContext } from './context.js';
import { runJson } from './runs.js';
import { DEFAULT_ORG, usingStore, withDbOption, type DbOptions } from './store-option.js';

const OVERLAP: readonly OverlapPolicy[] = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow'];

export function registerOperationCommands(program: Command, ctx: CliContext): void {
  withDbOption(
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
    const { run, created } = await usingStore(opts, (store) =>
      triggerRun(
        store,
        {
          orgId: DEFAULT_ORG,
          scheduleId,
          ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
          ...(opts.overlap ? { overlap: opts.overlap } : {}),
          ...(opts.profile ? { profile: opts.profile } : {}),
        },
        ctx.now(),
      ),
    );
    if (opts.json) ctx.stdout(`${JSON.stringify({ created, run: runJson(run) }, null, 2)}\n`);
    else ctx.stdout(`${created ? 'created' : 'existing'} run ${run.id}: ${run.status}${run.reason ? ` (${run.reason})` : ''}\n`);
  });

  withDbOption(
    program
      .command('backfill')
      .description("run a schedule's occurrences in [from, to) now")
      .argument('<schedule>', 'schedule id')
      .requiredOption('--from <iso>', 'first nominal time (inclusive)')
      .requiredOption('--to <iso>', 'end of the range (exclusive)')
      .option('--dry-run', 'list the occurrences without creating runs')
      .option('--concurrency <n>', 'backfill runs at once', '1')
      .option('--json', 'print JSON'),
  ).action(async (scheduleId: string, opts: BackfillOptions) => {
    const concurrency = Number(opts.concurrency);
    if (!/^\d+$/.test(opts.concurrency) || concurrency < 1 || concurrency > 1000) {
      throw new UsageError(`--concurrency must be a whole number from 1 to 1000, got ${JSON.stringify(opts.concurrency)}`);
    }
    const result = await usingStore(opts, async (store) => {
      const schedule = await store.schedules.get(DEFAULT_ORG, scheduleId);
      if (!schedule) throw new UsageError(`schedule ${JSON.stringify(scheduleId)} not found`);
      const zone = schedule.spec.timezone ?? 'UTC';
      const from = parseInstant('--from', opts.from, zone);
      const to = parseInstant('--to', opts.to, zone);
      if (!(from < to)) throw new UsageError(`--from (${opts.from}) must be before --to (${opts.to})`);
      return backfill(store, { orgId: DEFAULT_ORG, scheduleId, from, to, dryRun: opts.dryRun === true, concurrency }, ctx.now());
    });
    if (opts.json) {
      ctx.stdout(`${JSON.stringify({ backfillId: result.backfillId, dryRun: opts.dryRun === true, occurrences: result.occurrences.map(formatUtc), runs: result.runs.map(runJson) }, null, 2)}\n`);
      return;
    }
    const verb = opts.dryRun ? 'would run' : `queued (backfill ${result.backfillId}, ${concurrency} at a time)`;
    ctx.stdout(`${result.occurrences.length} occurrence(s) ${verb}\n${result.occurrences.map((t) => `  ${formatUtc(t)}\n`).join('')}`);
  });
}

interface TriggerOptions extends DbOptions {
  idempotencyKey?: string;
  overlap?: OverlapPolicy;
  profile?: string;
  json?: boolean;
}

interface BackfillOptions extends DbOptions {
  from: string;
  to: string;
  dryRun?: boolean;
  concurrency: string;
  json?: boolean;
}
