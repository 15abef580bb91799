/** `agentcron health` and `agentcron incidents …`: how schedules are doing, and their alerts. */
import { Option, type Command } from 'commander';
import { healthReport, type ScheduleHealthRow } from '../alerts/report.js';
import type { Incident, IncidentStatus } from '../store/types.js';
import type { CliContext } from './context.js';
import { DEFAULT_ORG, usingStore, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

export function registerHealthCommands(program: Command, ctx: CliContext): void {
  withDbOption(
    program
      .command('health')
      .description('a row per schedule: state, streak, last success, success rate, expected vs actual fires, open incident')
      .option('--json', 'print JSON'),
  ).action(async (opts: DbOptions & { json?: boolean }) => {
    const rows = await usingStore(opts, (store) => healthReport(store, DEFAULT_ORG));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(rows.map(healthJson), null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['SCHEDULE', 'STATE', 'STREAK', 'LAST SUCCESS (UTC)', 'SUCCESS RATE', 'FIRES (ACTUAL/EXPECTED)', 'OPEN INCIDENT'],
        rows.map((r) => [
          r.scheduleId,
          r.state,
          streak(r),
          iso(r.lastSuccessAt) ?? '-',
          r.successRate === null ? '-' : `${(r.successRate * 100).toFixed(1)}%`,
          `${r.actualFires}/${r.expectedFires}`,
          r.openIncident ? `${r.openIncident.id} since ${iso(r.openIncident.openedAt)}` : '-',
        ]),
      ),
    );
  });

  const incidents = program.command('incidents').description('alerts opened by failure streaks, open and resolved');
  withDbOption(
    incidents
      .command('ls')
      .description('list incidents, newest first')
      .addOption(new Option('--status <status>', 'only open or only resolved incidents').choices(['open', 'resolved']))
      .option('--schedule <id>', 'only incidents of this schedule')
      .option('--json', 'print JSON'),
  ).action(async (opts: DbOptions & { status?: IncidentStatus; schedule?: string; json?: boolean }) => {
    const list = await usingStore(opts, (store) =>
      store.incidents.list(DEFAULT_ORG, { ...(opts.status ? { status: opts.status } : {}), ...(opts.schedule ? { scheduleId: opts.schedule } : {}), limit: 1000 }),
    );
    if (opts.json) return void ctx.stdout(`${JSON.stringify(list.map(incidentJson), null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['INCIDENT', 'SCHEDULE', 'STATUS', 'OPENED (UTC)', 'RESOLVED (UTC)', 'SUMMARY'],
        list.map((i) => [i.id, i.scheduleId, i.status, iso(i.openedAt) ?? '', iso(i.resolvedAt) ?? '-', i.summary]),
      ),
    );
  });
}

function streak(r: ScheduleHealthRow): string {
  if (r.consecutiveFailures > 0) return `${r.consecutiveFailures} failed`;
  if (r.consecutiveSuccesses > 0) return `${r.consecutiveSuccesses} ok`;
  return '-';
}

/** The stable JSON shape of a health row (instants as ISO 8601 UTC). */
function healthJson(r: ScheduleHealthRow) {
  return {
    ...r,
    lastSuccessAt: iso(r.lastSuccessAt),
    lastFailureAt: iso(r.lastFailureAt),
    openIncident: r.openIncident ? { ...r.openIncident, openedAt: iso(r.openIncident.openedAt) } : null,
  };
}

function incidentJson(i: Incident) {
  return { ...i, openedAt: iso(i.openedAt), resolvedAt: iso(i.resolvedAt), lastNotifiedAt: iso(i.lastNotifiedAt) };
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}
