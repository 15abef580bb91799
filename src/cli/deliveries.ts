/** `agentcron deliveries …` and `agentcron destinations …`: inspect the outbox, redeliver, re-enable. */
import type { Command } from 'commander';
import { parseInstant } from '../spec/index.js';
import type { Delivery, DeliveryAttempt, DeliveryStatus, DestinationState } from '../store/types.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import { UsageError, type CliContext } from './context.js';
import { DEFAULT_ORG, usingStore, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
/** Upper bound of one range redelivery, so a mistyped range cannot requeue the whole history at once. */
const MAX_RANGE = 100_000;

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

  withDbOption(
    deliveries.command('get').description('show a delivery and its attempt log').argument('<delivery>', 'delivery id').option('--json', 'print JSON'),
  ).action(async (id: string, opts: DbOptions & { json?: boolean }) => {
    const found = await usingStore(opts, async (store) => {
      const delivery = await store.deliveries.get(DEFAULT_ORG, id);
      return delivery ? { delivery, attempts: await store.deliveries.attempts(id) } : null;
    });
    if (!found) throw new UsageError(`delivery ${JSON.stringify(id)} not found`);
    const attempts = found.attempts.map(attemptJson);
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ ...deliveryJson(found.delivery), attemptLog: attempts }, null, 2)}\n`);
    const d = found.delivery;
    ctx.stdout(
      [
        `delivery     ${d.id}`,
        `event        ${d.eventId} (${d.eventType})`,
        `destination  ${d.destinationId}`,
        `run          ${d.runId ?? '-'}  schedule ${d.scheduleId ?? '-'}`,
        `status       ${d.status}  attempts ${d.attempts}${d.status === 'pending' ? `  next ${iso(d.nextAttemptAt)}` : ''}${d.deliveredAt !== null ? `  delivered ${iso(d.deliveredAt)}` : ''}`,
        ...(d.lastError ? [`last error   ${d.lastError}`] : []),
        '',
      ].join('\n'),
    );
    if (attempts.length > 0) {
      ctx.stdout(formatTable(['ATTEMPT', 'AT (UTC)', 'STATUS', 'LATENCY', 'ERROR'], attempts.map((a) => [String(a.number), a.at ?? '', a.statusCode === null ? '-' : String(a.statusCode), `${a.latencyMs}ms`, a.error ?? ''])));
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
      .option('--status <statuses>', 'which deliveries of the range to send again: dead, delivered or both', 'dead'),
  ).action(async (id: string | undefined, opts: RedeliverOptions) => {
    const now = ctx.now();
    if (id !== undefined) {
      if (opts.from !== undefined || opts.to !== undefined) throw new UsageError('give a delivery id or --from/--to, not both');
      const after = await usingBackend(opts, ctx.now, (backend) => backend.redeliver(id));
      return void ctx.stdout(`${id} pending again, next attempt ${after.nextAttemptAt}; the relay sends it with the same id\n`);
    }
    if (opts.server) throw new UsageError('redelivering a time range works on the database (--db), not through --server');
    if (opts.from === undefined || opts.to === undefined) throw new UsageError('give a delivery id, or both --from and --to');
    const from = parseInstant('--from', opts.from, 'UTC');
    const to = parseInstant('--to', opts.to, 'UTC');
    if (!(from < to)) throw new UsageError(`--from (${opts.from}) must be before --to (${opts.to})`);
    const status = parseStatuses(opts.status) ?? ['dead'];
    if (status.includes('pending')) throw new UsageError('--status: pending deliveries are already waiting to be sent; use dead and/or delivered');
    const ids = await usingStore(opts, async (store) => {
      const rows = await store.deliveries.list({ orgId: DEFAULT_ORG, status, from, to, ...(opts.destination ? { destinationId: opts.destination } : {}), limit: MAX_RANGE + 1 });
      if (rows.length > MAX_RANGE) throw new UsageError(`more than ${MAX_RANGE} deliveries in the range; narrow it`);
      for (const d of rows) await store.deliveries.redeliver(DEFAULT_ORG, d.id, now);
      return rows.map((d) => d.id);
    });
    ctx.stdout(`${ids.length} deliver${ids.length === 1 ? 'y' : 'ies'} pending again\n${ids.map((d) => `  ${d}\n`).join('')}`);
  });

  const destinations = program.command('destinations').description('list destinations and re-enable disabled ones');
  withDbOption(destinations.command('ls').description('destinations known to the database, with their state').option('--json', 'print JSON')).action(
    async (opts: DbOptions & { json?: boolean }) => {
      const states = await usingStore(opts, (store) => store.destinations.list(DEFAULT_ORG));
      if (opts.json) return void ctx.stdout(`${JSON.stringify(states.map(stateJson), null, 2)}\n`);
      ctx.stdout(
        formatTable(
          ['DESTINATION', 'TYPE', 'STATE', 'SINCE (UTC)', 'REASON'],
          states.map((s) => [s.destinationId, s.type, s.disabledAt === null ? 'enabled' : 'disabled', iso(s.disabledAt) ?? '', s.disabledReason ?? '']),
        ),
      );
    },
  );
  withDbOption(destinations.command('enable').description('re-enable a destination disabled by a 410 Gone; its waiting deliveries resume').argument('<destination>', 'destination id')).action(
    async (id: string, opts: DbOptions) => {
      const changed = await usingStore(opts, async (store) => {
        if (!(await store.destinations.get(DEFAULT_ORG, id))) throw new UsageError(`destination ${JSON.stringify(id)} not found (known destinations: agentcron destinations ls)`);
        return store.destinations.enable(DEFAULT_ORG, id, ctx.now());
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
}

function parseStatuses(text: string | undefined): DeliveryStatus[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  const unknown = list.filter((s) => !STATUSES.includes(s as DeliveryStatus));
  if (unknown.length > 0) throw new UsageError(`--status: unknown status ${unknown.join(', ')} (known: ${STATUSES.join(', ')})`);
  return list as DeliveryStatus[];
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be a whole number from 1 to 10000, got ${JSON.stringify(text)}`);
  return limit;
}

function iso(t: number | null): string | null {
  return t === null ? null : new Date(t).toISOString();
}

export function deliveryJson(d: Delivery) {
  return {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    destinationId: d.destinationId,
    runId: d.runId,
    scheduleId: d.scheduleId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    deliveredAt: iso(d.deliveredAt),
  };
}

function attemptJson(a: DeliveryAttempt) {
  return { number: a.number, at: iso(a.at), statusCode: a.statusCode, error: a.error, latencyMs: a.latencyMs };
}

function stateJson(s: DestinationState) {
  return { id: s.destinationId, type: s.type, enabled: s.disabledAt === null, disabledAt: iso(s.disabledAt), disabledReason: s.disabledReason };
}
