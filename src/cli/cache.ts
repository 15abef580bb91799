/** `agentcron cache …`: the agent trajectory cache. */
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { DEFAULT_ORG, usingStore, withDbOption, type DbOptions } from './store-option.js';
import { formatTable } from './table.js';

export function registerCacheCommands(program: Command, ctx: CliContext): void {
  const cache = program.command('cache').description('the agent trajectory cache (replays without the model)');
  withDbOption(
    cache
      .command('ls')
      .description('list cached trajectories')
      .option('--template <id>', 'only this template')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: DbOptions & { template?: string; json?: boolean }) => {
    const entries = await usingStore(opts, (store) => store.trajectories.list(DEFAULT_ORG, opts.template === undefined ? {} : { templateId: opts.template }));
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const rows = entries.map((e) => ({
      template: e.templateId,
      version: e.templateVersion,
      params: e.paramKey,
      steps: Array.isArray(e.actions) ? e.actions.length : 0,
      hits: e.hits,
      rewrites: e.rewrites,
      updatedAt: iso(e.updatedAt),
      lastHitAt: iso(e.lastHitAt),
    }));
    if (opts.json) return void ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    if (rows.length === 0) return void ctx.stdout('no cached trajectories\n');
    ctx.stdout(
      formatTable(
        ['TEMPLATE', 'VERSION', 'PARAMS', 'STEPS', 'HITS', 'REWRITES', 'UPDATED (UTC)', 'LAST HIT (UTC)'],
        rows.map((r) => [r.template, String(r.version), r.params || '-', String(r.steps), String(r.hits), String(r.rewrites), r.updatedAt ?? '', r.lastHitAt ?? '-']),
      ),
    );
  });

  withDbOption(
    cache.command('invalidate').description("drop a template's cached trajectories (every version); its next run asks the model").argument('<template>', 'template id'),
  ).action(async (templateId: string, opts: DbOptions) => {
    const removed = await usingStore(opts, (store) => store.trajectories.invalidate(DEFAULT_ORG, templateId));
    ctx.stdout(`removed ${removed} cached trajector${removed === 1 ? 'y' : 'ies'} of ${templateId}\n`);
  });
}
