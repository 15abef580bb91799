/** `agentcron schedules …`: commands about schedules. */
import { Option, type Command } from 'commander';
import { formatUtc, nextOccurrences, parseInstant, parseSpec, type Occurrence, type ScheduleSpecInput, type Spec } from '../spec/index.js';
import { UsageError, type CliContext } from './context.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import { formatTable } from './table.js';

export function registerSchedulesCommands(program: Command, ctx: CliContext): void {
  const schedules = program.command('schedules').description('work with schedules');

  withBackendOptions(
    schedules
      .command('preview')
      .description("show the next occurrences of a cron or interval spec, or of a stored schedule, with DST shifts marked")
      .argument('[schedule]', "a schedule id: preview its spec (with its own zone and DST policies) instead of --cron/--every")
      .option('--cron <expr>', 'cron expression: 5 fields, or 6 with seconds first')
      .option('--every <duration>', 'interval, e.g. 90s, 15m, 6h, 1d')
      .option('--phase <duration>', 'offset of the --every grid from the Unix epoch')
      .option('--tz <zone>', 'IANA time zone', 'UTC')
      .option('--from <iso>', 'first instant to consider (inclusive); without an offset it is local to --tz (default: now)')
      .option('--count <n>', 'how many occurrences, 1-1000', '10')
      .addOption(new Option('--dst-gap <policy>', 'fixed times in a spring-forward gap').choices(['shift', 'skip']).default('shift'))
      .addOption(new Option('--dst-overlap <policy>', 'fixed times in a fall-back overlap').choices(['once', 'twice']).default('once'))
      .option('--json', 'print JSON instead of a table'),
  ).action(async (scheduleId: string | undefined, opts: PreviewOptions) => {
    if (scheduleId === undefined) return preview(parseSpec(specFromOptions(opts)), opts, ctx);
    if (opts.cron !== undefined || opts.every !== undefined || opts.phase !== undefined) throw new UsageError('give a schedule id or --cron/--every, not both');
    const schedule = await usingBackend(opts, ctx.now, (backend) => backend.getSchedule(scheduleId));
    preview(parseSpec(schedule.spec), opts, ctx);
  });

  withBackendOptions(schedules.command('ls').description('list schedules with their next occurrence and pause state').option('--json', 'print JSON')).action(
    async (opts: BackendOptions & { json?: boolean }) => {
      const list = await usingBackend(opts, ctx.now, (backend) => backend.listSchedules());
      if (opts.json) return void ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
      ctx.stdout(
        formatTable(
          ['SCHEDULE', 'TEMPLATE', 'SPEC', 'ZONE', 'NEXT (UTC)', 'STATE'],
          list.map((s) => [
            s.id,
            s.template,
            s.spec.cron ?? (s.spec.every ? `every ${s.spec.every}` : `at ${s.spec.at ?? ''}`),
            s.spec.timezone ?? 'UTC',
            s.nextRunAt === null ? 'ended' : formatUtc(Date.parse(s.nextRunAt)),
            s.paused ? `paused${s.pauseNote ? `: ${s.pauseNote}` : ''}` : 'active',
          ]),
        ),
      );
    },
  );

  withBackendOptions(schedules.command('get').description('show one schedule as JSON').argument('<schedule>', 'schedule id')).action(
    async (id: string, opts: BackendOptions) => {
      const schedule = await usingBackend(opts, ctx.now, (backend) => backend.getSchedule(id));
      ctx.stdout(`${JSON.stringify(schedule, null, 2)}\n`);
    },
  );

  for (const paused of [true, false]) {
    const command = schedules
      .command(paused ? 'pause' : 'resume')
      .description(paused ? 'stop firing a schedule, with a note saying why' : 'fire a paused schedule again (missed occurrences go through catch-up)')
      .argument('<schedule>', 'schedule id')
      .option('--json', 'print the schedule as JSON');
    if (paused) command.option('--note <text>', 'why it is paused');
    withBackendOptions(command).action(async (id: string, opts: BackendOptions & { note?: string; json?: boolean }) => {
      const schedule = await usingBackend(opts, ctx.now, (backend) => backend.setPaused(id, paused, paused ? (opts.note ?? null) : null));
      if (opts.json) return void ctx.stdout(`${JSON.stringify(schedule, null, 2)}\n`);
      ctx.stdout(`${schedule.id} ${schedule.paused ? `paused${schedule.pauseNote ? `: ${schedule.pauseNote}` : ''}` : 'resumed'}\n`);
    });
  }
}

interface PreviewOptions extends BackendOptions {
  cron?: string;
  every?: string;
  phase?: string;
  tz: string;
  from?: string;
  count: string;
  dstGap: 'shift' | 'skip';
  dstOverlap: 'once' | 'twice';
  json?: boolean;
}

const DST_NOTE: Record<NonNullable<Occurrence['dst']>, string> = {
  shifted: 'shifted (gap)',
  repeated: 'repeated (overlap)',
};

function specFromOptions(opts: PreviewOptions): ScheduleSpecInput {
  if (opts.cron === undefined && opts.every === undefined) throw new UsageError('one of --cron or --every (or a schedule id) is required');
  if (opts.cron !== undefined && opts.every !== undefined) throw new UsageError('--cron and --every cannot be used together');
  if (opts.phase !== undefined && opts.every === undefined) throw new UsageError('--phase only applies to --every');
  const input: ScheduleSpecInput = { timezone: opts.tz, dstGap: opts.dstGap, dstOverlap: opts.dstOverlap };
  if (opts.cron !== undefined) input.cron = opts.cron;
  if (opts.every !== undefined) input.every = opts.every;
  if (opts.phase !== undefined) input.phase = opts.phase;
  return input;
}

function preview(spec: Spec, opts: PreviewOptions, ctx: CliContext): void {
  if (!/^\d+$/.test(opts.count) || Number(opts.count) < 1 || Number(opts.count) > 1000) {
    throw new UsageError(`--count must be a whole number from 1 to 1000, got ${JSON.stringify(opts.count)}`);
  }
  const from = opts.from === undefined ? ctx.now() : parseInstant('--from', opts.from, spec.timezone);

  const occurrences = nextOccurrences(spec, from - 1, Number(opts.count));
  if (opts.json) {
    ctx.stdout(`${JSON.stringify(occurrences.map((o) => ({ nominal: formatUtc(o.nominal), local: o.local, dst: o.dst })), null, 2)}\n`);
    return;
  }
  ctx.stdout(
    formatTable(
      ['UTC', `LOCAL (${spec.timezone})`, 'DST'],
      occurrences.map((o) => [formatUtc(o.nominal), o.local, o.dst ? DST_NOTE[o.dst] : '']),
    ),
  );
}
