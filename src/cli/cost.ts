/** `agentcron cost`: what a schedule costs per day and per 30-day month. */
import type { Command } from 'commander';
import { DEFAULT_PRICE_PER_AGENT_MINUTE, estimateCost, MONTH_DAYS, unusualDays, type CostFigures } from '../policy/cost.js';
import { formatDuration, parseDuration, parseSpec, type ScheduleSpecInput } from '../spec/index.js';
import { UsageError, type CliContext } from './context.js';
import { formatTable } from './table.js';

interface CostOptions {
  cron?: string;
  every?: string;
  phase?: string;
  timezone: string;
  duration: string;
  price: string;
  json?: boolean;
}

export function registerCostCommands(program: Command, ctx: CliContext): void {
  program
    .command('cost')
    .description(`runs, agent-minutes and dollars per day and per ${MONTH_DAYS}-day month for a spec`)
    .option('--cron <expr>', 'cron expression: 5 fields, or 6 with seconds first')
    .option('--every <duration>', 'interval, e.g. 90s, 15m, 6h')
    .option('--phase <duration>', 'offset of the --every grid from the Unix epoch')
    .option('--timezone <zone>', 'IANA time zone the days are counted in', 'UTC')
    .requiredOption('--duration <duration>', 'how long one run takes, e.g. 30s, 2m')
    .option('--price <dollars>', 'dollars per agent-minute', String(DEFAULT_PRICE_PER_AGENT_MINUTE.toFixed(2)))
    .option('--json', 'print JSON')
    .action((opts: CostOptions) => cost(opts, ctx));
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

function cost(opts: CostOptions, ctx: CliContext): void {
  if ((opts.cron === undefined) === (opts.every === undefined)) throw new UsageError('give exactly one of --cron or --every');
  if (opts.phase !== undefined && opts.every === undefined) throw new UsageError('--phase only applies to --every');
  if (!/^\d+(\.\d+)?$/.test(opts.price)) throw new UsageError(`--price must be dollars per agent-minute such as 0.30, got ${JSON.stringify(opts.price)}`);
  const durationMs = parseDuration(opts.duration, '--duration');
  if (durationMs <= 0) throw new UsageError(`--duration must be more than zero, got ${JSON.stringify(opts.duration)}`);

  const input: ScheduleSpecInput = { timezone: opts.timezone };
  if (opts.cron !== undefined) input.cron = opts.cron;
  if (opts.every !== undefined) input.every = opts.every;
  if (opts.phase !== undefined) input.phase = opts.phase;
  const spec = parseSpec(input);
  let estimate;
  try {
    estimate = estimateCost({ spec, durationMs, pricePerAgentMinute: Number(opts.price), from: ctx.now() });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
  const { usualRuns, unusual } = unusualDays(estimate.days);

  if (opts.json) {
    ctx.stdout(
      `${JSON.stringify(
        {
          spec: spec.input,
          duration: formatDuration(durationMs),
          pricePerAgentMinute: estimate.pricePerAgentMinute,
          perDay: estimate.perDay,
          perMonth: estimate.perMonth,
          monthDays: MONTH_DAYS,
          daysDiffer: estimate.daysDiffer,
          days: estimate.days,
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  const row = (label: string, f: CostFigures) => [label, count.format(f.runs), count.format(f.agentMinutes), usd.format(f.dollars)];
  const what = opts.cron !== undefined ? `cron ${JSON.stringify(opts.cron)}` : `every ${opts.every}${opts.phase ? ` (phase ${opts.phase})` : ''}`;
  ctx.stdout(`${what} in ${estimate.timezone}, ${formatDuration(durationMs)} a run, ${usd.format(estimate.pricePerAgentMinute)} per agent-minute\n\n`);
  ctx.stdout(
    formatTable(
      ['', 'RUNS', 'AGENT-MINUTES', 'DOLLARS'],
      [row(estimate.daysDiffer ? 'per day (average)' : 'per day', estimate.perDay), row(`per ${MONTH_DAYS}-day month`, estimate.perMonth)],
    ),
  );
  const first = estimate.days[0]?.date ?? '';
  const last = estimate.days[estimate.days.length - 1]?.date ?? '';
  if (estimate.daysDiffer) {
    const listed = unusual.slice(0, 5).map((d) => `${d.date}${d.hours !== 24 ? ` (${d.hours} h, DST)` : ''}: ${d.runs}`);
    const more = unusual.length > 5 ? `, and ${unusual.length - 5} more` : '';
    ctx.stdout(`\nthe days differ over ${first} .. ${last}: most fire ${count.format(usualRuns)} runs; ${listed.join('; ')}${more}\n`);
  } else {
    ctx.stdout(`\nevery day from ${first} to ${last} fires ${count.format(usualRuns)} runs\n`);
  }
}
