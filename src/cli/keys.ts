/**
 * `agentcron keys create|ls|revoke`: API keys, straight on the database. This is how the first
 * admin key is made (before there is any key to call the API with); later keys can also be made
 * over the API (POST /v1/keys).
 */
import { Option, type Command } from 'commander';
import { createApiKey } from '../api/keys.js';
import { apiKeyView } from '../api/views.js';
import type { Role } from '../store/types.js';
import { UsageError, type CliContext } from './context.js';
import { DEFAULT_ORG, ensureOrg, usingStore, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

const ROLES: readonly Role[] = ['admin', 'operator', 'viewer'];

interface KeyOptions extends DbOptions {
  org: string;
  json?: boolean;
}

const withOrg = (command: Command) =>
  withDbOption(command.option('--org <org>', 'organisation (self-hosted: default)', DEFAULT_ORG).option('--json', 'print JSON'));

export function registerKeysCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('API keys (on the database directly)');

  withOrg(
    keys
      .command('create')
      .description('make an API key; the key is printed once and cannot be shown again')
      .requiredOption('--name <name>', 'what the key is for, e.g. "ci" or "grafana"')
      .addOption(new Option('--role <role>', 'viewer reads; operator also pauses, triggers, backfills, cancels; admin everything').choices(ROLES).makeOptionMandatory()),
  ).action(async (opts: KeyOptions & { name: string; role: Role }) => {
    if (opts.name.trim() === '' || opts.name.length > 200) throw new UsageError(`--name must be 1 to 200 characters, got ${JSON.stringify(opts.name)}`);
    const { apiKey, key } = await usingStore(opts, async (store) => {
      if (!(await store.orgs.get(opts.org))) {
        // The self-hosted organisation is made on first use; a typo in any other must not make one.
        if (opts.org !== DEFAULT_ORG) throw new UsageError(`organisation ${JSON.stringify(opts.org)} not found`);
        await ensureOrg(store, DEFAULT_ORG, ctx.now());
      }
      return createApiKey(store, { orgId: opts.org, name: opts.name, role: opts.role }, ctx.now());
    });
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ apiKey: apiKeyView(apiKey), key }, null, 2)}\n`);
    ctx.stdout(`${key}\n`);
    ctx.stderr(`created ${apiKey.role} key ${apiKey.id} (${apiKey.name}) in organisation ${apiKey.orgId}; store it now: it is not shown again\n`);
  });

  withOrg(keys.command('ls').description('list the keys of an organisation (never the keys themselves)')).action(async (opts: KeyOptions) => {
    const list = await usingStore(opts, (store) => store.apiKeys.list(opts.org));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(list.map(apiKeyView), null, 2)}\n`);
    ctx.stdout(
      formatTable(
        ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED (UTC)', 'LAST USED (UTC)', 'STATE'],
        list.map((k) => [k.id, k.name, k.role, k.prefix, iso(k.createdAt), k.lastUsedAt === null ? '-' : iso(k.lastUsedAt), k.revokedAt === null ? 'active' : `revoked ${iso(k.revokedAt)}`]),
      ),
    );
  });

  withOrg(keys.command('revoke').description('revoke a key: requests with it are refused from now on').argument('<id>', 'key id (from keys ls)')).action(
    async (id: string, opts: KeyOptions) => {
      const outcome = await usingStore(opts, async (store) => {
        const key = (await store.apiKeys.list(opts.org)).find((k) => k.id === id);
        if (!key) throw new UsageError(`API key ${JSON.stringify(id)} not found in organisation ${opts.org}`);
        const revoked = await store.apiKeys.revoke(opts.org, id, ctx.now());
        return { id, revoked, alreadyAt: key.revokedAt };
      });
      if (opts.json) return void ctx.stdout(`${JSON.stringify({ id, revoked: outcome.revoked }, null, 2)}\n`);
      ctx.stdout(outcome.revoked ? `${id} revoked\n` : `${id} was already revoked at ${iso(outcome.alreadyAt ?? 0)}\n`);
    },
  );
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
