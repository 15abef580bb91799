/**
 * The `agentcron` command tree. Each command group lives in its own module and registers itself
 * here; `runCli` turns every failure into an exit status: 2 for a bad command line or spec (one
 * line on stderr; also for an invalid config file or an unknown id), 1 for anything else.
 */
import { Command, CommanderError } from 'commander';
import { ApiError } from '../client/index.js';
import { ConfigError } from '../config/load.js';
import { SpecError } from '../spec/index.js';
import { NotFoundError } from '../store/store.js';
import { registerCacheCommands } from './cache.js';
import { ExitStatus, processContext, UsageError, type CliContext } from './context.js';
import { registerApplyCommands } from './apply.js';
import { registerCostCommands } from './cost.js';
import { registerDeliveriesCommands } from './deliveries.js';
import { registerDemoCommands } from './demo.js';
import { registerDoctorCommands } from './doctor.js';
import { registerKeysCommands } from './keys.js';
import { registerHealthCommands } from './health.js';
import { registerOperationCommands } from './operations.js';
import { registerRunsCommands } from './runs.js';
import { registerSchedulesCommands } from './schedules.js';
import { registerServeCommands } from './serve.js';
import { packageVersion } from './version.js';

const COMMAND_GROUPS: ReadonlyArray<(program: Command, ctx: CliContext) => void> = [
  registerServeCommands,
  registerApplyCommands,
  registerSchedulesCommands,
  registerRunsCommands,
  registerOperationCommands,
  registerDeliveriesCommands,
  registerCostCommands,
  registerKeysCommands,
  registerDoctorCommands,
  registerHealthCommands,
  registerCacheCommands,
  registerDemoCommands,
];

export function buildProgram(ctx: CliContext = processContext()): Command {
  const program = new Command()
    .name('agentcron')
    .description('Run browser agents on schedules, reliably.')
    .version(packageVersion(), '-V, --version')
    // Set before adding commands: subcommands created with .command() inherit these.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.stdout(text),
      writeErr: (text) => ctx.stderr(text),
      // runCli prints errors itself, on one line.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);
  for (const register of COMMAND_GROUPS) register(program, ctx);
  return program;
}

const oneLine = (text: string): string => text.trim().replace(/\s*\n\s*/g, ' ');

/** Runs the CLI on `args` (without node and script) and returns the exit status. */
export async function runCli(args: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  try {
    await buildProgram(ctx).parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // Help shown because a command group was given no command: help is already on stderr.
      if (err.code === 'commander.help') return 2;
      ctx.stderr(`${oneLine(err.message.startsWith('error:') ? err.message : `error: ${err.message}`)}\n`);
      return 2;
    }
    if (err instanceof ExitStatus) return err.status;
    if (err instanceof ApiError) {
      // The server refused the request (4xx: bad input, unknown id, missing role) or failed (5xx).
      ctx.stderr(`error: ${oneLine(err.message)}\n`);
      return err.status < 500 ? 2 : 1;
    }
    if (err instanceof UsageError || err instanceof SpecError || err instanceof ConfigError || err instanceof NotFoundError) {
      ctx.stderr(`error: ${oneLine(err.message)}\n`);
      return 2;
    }
    ctx.stderr(`error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}
