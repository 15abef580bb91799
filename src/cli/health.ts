/** `agentcron health` and `agentcron incidents …`: how schedules are doing, and their alerts. */
import { Option, type Command } from 'commander';
import type { ScheduleHealth } from '../client/index.js';
import type { IncidentStatus } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import type { CliContext } from './context.js';
import { formatTable } from './table.js';

export function registerHealthCommands(program: Command, ctx: CliContext): void {
  withBackendOptions(
    program
      .command('health')
      .description('a row per schedule: state, streak, last success, success rate, expected vs actual fires, open incident')
      .option('--json', 'print JSON'),
  ).action(async (opts: BackendOptions & { json?: boolean }) => {
    const rows = await usingBackend(opts, ctx.now, (backend) => backend.health());
    if (opts.json) return void ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['SCHEDULE', 'STATE', 'STREAK', 'LAST SUCCESS (UTC)', 'SUCCESS RATE', 'FIRES (ACTUAL/EXPECTED)', 'OPEN INCIDENT'],
        rows.map((r) => [
          r.scheduleId,
          r.state,
          streak(r),
          r.lastSuccessAt ?? '-',
          r.successRate === null ? '-' : `${(r.successRate * 100).toFixed(1)}%`,
          `${r.actualFires}/${r.expectedFires}`,
          r.openIncident ? `${r.openIncident.id} since ${r.openIncident.openedAt}` : '-',
        ]),
      ),
    );
  });

  const incidents = program.command('incidents').description('alerts opened by failure streaks, open and resolved');
  withBackendOptions(
    incidents
      .command('ls')
      .description('list incidents, newest first')
      .addOption(new Option('--status <status>', 'only open or only resolved incidents').choices(['open', 'resolved']))
      .option('--schedule <id>', 'only incidents of this schedule')
      .option('--json', 'print JSON'),
  ).action(async (opts: BackendOptions & { status?: IncidentStatus; schedule?: string; json?: boolean }) => {
    const list = await usingBackend(opts, ctx.now, (backend) =>
      backend.listIncidents({ ...(opts.status ? { status: opts.status } : {}), ...(opts.schedule ? { scheduleId: opts.schedule } : {}), limit: 1000 }),
    );
    if (opts.json) return void ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['INCIDENT', 'SCHEDULE', 'STATUS', 'OPENED (UTC)', 'RESOLVED (UTC)', 'SUMMARY'],
        list.map((i) => [i.id, i.scheduleId, i.status, i.openedAt, i.resolvedAt ?? '-', i.summary]),
      ),
    );
  });
}

function streak(r: ScheduleHealth): string {
  if (r.consecutiveFailures > 0) return `${r.consecutiveFailures} failed`;
  if (r.consecutiveSuccesses > 0) return `${r.consecutiveSuccesses} ok`;
  return '-';
}
