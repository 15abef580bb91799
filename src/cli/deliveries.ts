/** `agentcron deliveries ls|redeliver`: the outbox of events to destinations. */
import type { Command } from 'commander';
import type { DeliveryStatus } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import { UsageError, type CliContext } from './context.js';
import { formatTable } from './table.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];

interface ListOptions extends BackendOptions {
  status?: string;
  run?: string;
  destination?: string;
  limit: string;
  json?: boolean;
}

export function registerDeliveriesCommands(program: Command, ctx: CliContext): void {
  const deliveries = program.command('deliveries').description('deliveries of events to destinations');

  withBackendOptions(
    deliveries
      .command('ls')
      .description('list deliveries, newest first')
      .option('--status <statuses>', `comma-separated: ${STATUSES.join(', ')}`)
      .option('--run <id>', 'only deliveries of this run')
      .option('--destination <id>', 'only deliveries to this destination')
      .option('--limit <n>', 'at most this many (1-1000)', '100')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: ListOptions) => {
    const status = opts.status?.split(',').map((s) => s.trim());
    const unknown = status?.filter((s) => !STATUSES.includes(s as DeliveryStatus)) ?? [];
    if (unknown.length > 0) throw new UsageError(`--status: unknown status ${unknown.join(', ')} (known: ${STATUSES.join(', ')})`);
    const limit = Number(opts.limit);
    if (!/^\d+$/.test(opts.limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, got ${JSON.stringify(opts.limit)}`);
    const list = await usingBackend(opts, ctx.now, (backend) =>
      backend.listDeliveries({
        limit,
        ...(status ? { status: status as DeliveryStatus[] } : {}),
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
    deliveries.command('redeliver').description('send a dead (or delivered) delivery again, now').argument('<delivery>', 'delivery id').option('--json', 'print the delivery as JSON'),
  ).action(async (id: string, opts: BackendOptions & { json?: boolean }) => {
    const delivery = await usingBackend(opts, ctx.now, (backend) => backend.redeliver(id));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(delivery, null, 2)}\n`);
    ctx.stdout(`${delivery.id} ${delivery.status === 'pending' ? `pending, next attempt ${delivery.nextAttemptAt}` : delivery.status}\n`);
  });
}
