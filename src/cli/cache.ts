/** `agentcron cache …`: the agent trajectory cache. */
import type { Command } from 'commander';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import type { CliContext } from './context.js';
import { formatTable } from './table.js';

export function registerCacheCommands(program: Command, ctx: CliContext): void {
  const cache = program.command('cache').description('the agent trajectory cache (replays without the model)');
  withBackendOptions(
    cache
      .command('ls')
      .description('list cached trajectories')
      .option('--template <id>', 'only this template')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: BackendOptions & { template?: string; json?: boolean }) => {
    const rows = await usingBackend(opts, ctx.now, (backend) => backend.listCache(opts.template));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    if (rows.length === 0) return void ctx.stdout('no cached trajectories\n');
    ctx.stdout(
      formatTable(
        ['TEMPLATE', 'VERSION', 'PARAMS', 'STEPS', 'HITS', 'REWRITES', 'UPDATED (UTC)', 'LAST HIT (UTC)'],
        rows.map((r) => [r.template, String(r.version), r.params || '-', String(r.steps), String(r.hits), String(r.rewrites), r.updatedAt, r.lastHitAt ?? '-']),
      ),
    );
  });

  withBackendOptions(
    cache.command('invalidate').description("drop a template's cached trajectories (every version); its next run asks the model").argument('<template>', 'template id'),
  ).action(async (templateId: string, opts: BackendOptions) => {
    const removed = await usingBackend(opts, ctx.now, (backend) => backend.invalidateCache(templateId));
    ctx.stdout(`removed ${removed} cached trajector${removed === 1 ? 'y' : 'ies'} of ${templateId}\n`);
  });
}
