/** `agentcron deliveries …` and `agentcron destinations …`: inspect the outbox, redeliver, re-enable. */
import type { Command } from 'commander';
import { parseInstant } from '../spec/index.js';
import { MAX_REDELIVER_RANGE } from '../api/schemas.js';
import type { DeliveryStatus } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import { UsageError, type CliContext } from './context.js';
import { formatTable } from './table.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

export function registerDeliveriesCommands(program: Command, ctx: CliContext): void {
  const deliveries = program.command('deliveries').description('inspect and redeliver outbox deliveries');
  withBackendOptions(
    deliveries
      .command('ls')
      .description('list deliveries, newest first')
      .option('--status <statuses>', `comma-separated: ${STATUSES.join(', ')}`)
      .option('--run <id>', 'only deliveries of this run')
      .option('--destination <id>', 'only deliveries to this destination')
      .option('--limit <n>', 'at most this many (1-10000)', '50')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: ListOptions) => {
    const status = parseStatuses(opts.status);
    const limit = parseLimit(opts.limit);
    const list = await usingBackend(opts, ctx.now, (backend) =>
      backend.listDeliveries({
        limit,
        ...(status ? { status } : {}),
        ...(opts.run ? { runId: opts.run } : {}),
        ...(opts.destination ? { destinationId: opts.destination } : {}),
      }),
    );
    if (opts.json) return void ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['DELIVERY', 'EVENT', 'DESTINATION', 'RUN', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT (UTC)', 'LAST ERROR'],
        list.map((d) => [d.id, d.eventType, d.destinationId, d.runId ?? '-', d.status, String(d.attempts), d.status === 'pending' ? d.nextAttemptAt : '', (d.lastError ?? '').slice(0, 80)]),
      ),
    );
  });

  withBackendOptions(
    deliveries.command('get').description('show a delivery and its attempt log').argument('<delivery>', 'delivery id').option('--json', 'print JSON'),
  ).action(async (id: string, opts: BackendOptions & { json?: boolean }) => {
    const { delivery: d, attempts } = await usingBackend(opts, ctx.now, (backend) => backend.getDelivery(id));
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ ...d, attemptLog: attempts }, null, 2)}\n`);
    ctx.stdout(
      [
        `delivery     ${d.id}`,
        `event        ${d.eventId} (${d.eventType})`,
        `destination  ${d.destinationId}`,
        `run          ${d.runId ?? '-'}  schedule ${d.scheduleId ?? '-'}`,
        `status       ${d.status}  attempts ${d.attempts}${d.status === 'pending' ? `  next ${d.nextAttemptAt}` : ''}${d.deliveredAt !== null ? `  delivered ${d.deliveredAt}` : ''}`,
        ...(d.lastError ? [`last error   ${d.lastError}`] : []),
        '',
      ].join('\n'),
    );
    if (attempts.length > 0) {
      ctx.stdout(formatTable(['ATTEMPT', 'AT (UTC)', 'STATUS', 'LATENCY', 'ERROR'], attempts.map((a) => [String(a.number), a.at, a.statusCode === null ? '-' : String(a.statusCode), `${a.latencyMs}ms`, a.error ?? ''])));
    }
  });

  withBackendOptions(
    deliveries
      .command('redeliver')
      .description('make dead deliveries pending again, with the same id: one by id, or every one created in [--from, --to)')
      .argument('[delivery]', 'delivery id')
      .option('--from <iso>', 'start of the range (inclusive, UTC unless the time says otherwise)')
      .option('--to <iso>', 'end of the range (exclusive)')
      .option('--destination <id>', 'only deliveries to this destination (with a range)')
      .option('--status <statuses>', 'which deliveries of the range to send again: dead, delivered or both', 'dead')
      .option('--limit <n>', `at most this many of the range (1-${MAX_REDELIVER_RANGE}); run again for the rest`, '1000')
      .option('--json', 'print JSON'),
  ).action(async (id: string | undefined, opts: RedeliverOptions) => {
    if (id !== undefined) {
      if (opts.from !== undefined || opts.to !== undefined) throw new UsageError('give a delivery id or --from/--to, not both');
      const after = await usingBackend(opts, ctx.now, (backend) => backend.redeliver(id));
      if (opts.json) return void ctx.stdout(`${JSON.stringify(after, null, 2)}\n`);
      return void ctx.stdout(`${id} pending again, next attempt ${after.nextAttemptAt}; the relay sends it with the same id\n`);
    }
    if (opts.from === undefined || opts.to === undefined) throw new UsageError('give a delivery id, or both --from and --to');
    const from = parseInstant('--from', opts.from, 'UTC');
    const to = parseInstant('--to', opts.to, 'UTC');
    if (!(from < to)) throw new UsageError(`--from (${opts.from}) must be before --to (${opts.to})`);
    const status = parseStatuses(opts.status) ?? ['dead'];
    if (status.includes('pending')) throw new UsageError('--status: pending deliveries are already waiting to be sent; use dead and/or delivered');
    const limit = parseLimit(opts.limit, MAX_REDELIVER_RANGE);
    const { ids, more } = await usingBackend(opts, ctx.now, (backend) =>
      backend.redeliverRange({ from, to, status: status as Array<Exclude<DeliveryStatus, 'pending'>>, limit, ...(opts.destination ? { destinationId: opts.destination } : {}) }),
    );
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ count: ids.length, ids, more }, null, 2)}\n`);
    ctx.stdout(`${ids.length} deliver${ids.length === 1 ? 'y' : 'ies'} pending again\n${ids.map((d) => `  ${d}\n`).join('')}`);
    if (more) ctx.stdout(`more deliveries of the range match: run the same command again (or raise --limit)\n`);
  });

  const destinations = program.command('destinations').description('list destinations and re-enable disabled ones');
  withBackendOptions(destinations.command('ls').description('destinations with their state').option('--json', 'print JSON')).action(async (opts: BackendOptions & { json?: boolean }) => {
    const list = await usingBackend(opts, ctx.now, (backend) => backend.listDestinations());
    if (opts.json) return void ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
    ctx.stdout(formatTable(['DESTINATION', 'TYPE', 'STATE', 'SINCE (UTC)', 'REASON'], list.map((d) => [d.id, d.type, d.enabled ? 'enabled' : 'disabled', d.disabledAt ?? '', d.disabledReason ?? ''])));
  });
  withBackendOptions(destinations.command('enable').description('re-enable a destination disabled by a 410 Gone; its waiting deliveries resume').argument('<destination>', 'destination id')).action(
    async (id: string, opts: BackendOptions) => {
      const { changed } = await usingBackend(opts, ctx.now, async (backend) => {
        try {
          return await backend.enableDestination(id);
        } catch (error) {
          if (error instanceof UsageError) throw new UsageError(`${error.message} (known destinations: agentcron destinations ls)`);
          throw error;
        }
      });
      ctx.stdout(changed ? `${id} enabled\n` : `${id} was not disabled; nothing to do\n`);
    },
  );
}

interface ListOptions extends BackendOptions {
  status?: string;
  run?: string;
  destination?: string;
  limit: string;
  json?: boolean;
}

interface RedeliverOptions extends BackendOptions {
  from?: string;
  to?: string;
  destination?: string;
  status: string;
  limit: string;
  json?: boolean;
}

function parseStatuses(text: string | undefined): DeliveryStatus[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !STATUSES.includes(s as DeliveryStatus));
  if (unknown.length > 0) throw new UsageError(`--status: unknown status ${unknown.join(', ')} (known: ${STATUSES.join(', ')})`);
  return list as DeliveryStatus[];
}

function parseLimit(text: string, max = 10_000): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > max) throw new UsageError(`--limit must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
  return limit;
}
