/** `agentcron apply`: make the database (or a server) match agentcron.yaml, printing the plan. */
import type { Command } from 'commander';
import type { PlanStep } from '../config/apply.js';
import { loadConfigFile } from '../config/load.js';
import { usingBackend, withBackendOptions, type BackendOptions } from './backend.js';
import type { CliContext } from './context.js';
import { progressBar } from './progress.js';
import { defaultRunners } from './serve.js';
import { formatTable } from './table.js';

interface ApplyOptions extends BackendOptions {
  file: string;
  dryRun?: boolean;
  prune?: boolean;
  json?: boolean;
}

export function registerApplyCommands(program: Command, ctx: CliContext): void {
  withBackendOptions(
    program
      .command('apply')
      .description('make the database (or the server with --server) match agentcron.yaml, printing the plan')
      .requiredOption('-f, --file <file>', 'the config file')
      .option('--dry-run', 'print the plan only')
      .option('--prune', 'delete schedules and templates the file no longer lists')
      .option('--json', 'print the plan as JSON'),
  ).action(async (opts: ApplyOptions) => {
    const config = loadConfigFile(opts.file);
    const dryRun = opts.dryRun === true;
    const common = { prune: opts.prune === true, runners: defaultRunners(), file: opts.file };
    const plan = await usingBackend(opts, ctx.now, async (backend) => {
      if (dryRun || !ctx.stderrIsTTY) return backend.apply(config, { ...common, dryRun });
      // Plan first (reads only) so the bar knows how many changes there are.
      const changes = (await backend.apply(config, { ...common, dryRun: true })).filter((p) => p.action !== 'unchanged');
      const progress = progressBar(ctx, changes.length, 'applying');
      try {
        return await backend.apply(config, { ...common, dryRun: false, onStep: (step) => step.action !== 'unchanged' && progress.tick(`${step.kind} ${step.id}`) });
      } finally {
        progress.done();
      }
    });
    if (opts.json) return void ctx.stdout(`${JSON.stringify({ dryRun, plan }, null, 2)}\n`);
    ctx.stdout(formatPlan(plan, dryRun));
  });
}

function formatPlan(plan: PlanStep[], dryRun: boolean): string {
  const changed = plan.filter((p) => p.action !== 'unchanged');
  const rows = plan.map((p) => [p.action, p.kind, p.id, p.changes?.join(', ') ?? '']);
  return `${formatTable(['ACTION', 'KIND', 'ID', 'CHANGES'], rows)}${dryRun ? 'dry run: nothing written' : `${changed.length} change(s) applied`}\n`;
}
