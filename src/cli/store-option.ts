import { Option, type Command } from 'commander';
import { openStore } from '../store/open.js';
import { DEFAULT_ARTIFACT_ROOT } from '../runtime/artifacts.js';
import { ConflictError, type Store } from '../store/store.js';

/** Where the embedded database lives when neither --db nor AGENTCRON_DB says otherwise. */
export const DEFAULT_DB = '.agentcron/agentcron.db';
/** Self-hosted single-tenant mode keeps everything in one organisation. */
export const DEFAULT_ORG = 'default';

export interface DbOptions {
  db: string;
}

/** Adds `--db` (SQLite path or postgres:// URL; env AGENTCRON_DB) to a command. */
export function withDbOption(command: Command): Command {
  return command.addOption(
    new Option('--db <target>', 'SQLite file path or postgres:// URL').env('AGENTCRON_DB').default(DEFAULT_DB),
  );
}

/** Adds `--artifacts` (where traces and screenshots are kept; env AGENTCRON_ARTIFACTS) to a command. */
export function withArtifactsOption(command: Command): Command {
  return command.addOption(
    new Option('--artifacts <dir>', 'artifact directory (traces, screenshots)').env('AGENTCRON_ARTIFACTS').default(DEFAULT_ARTIFACT_ROOT),
  );
}

/** Opens the store for a command and closes it afterwards, whatever happens. */
export async function usingStore<T>(options: DbOptions, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(options.db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Creates the organisation unless it exists (two processes starting together both succeed). */
export async function ensureOrg(store: Store, orgId: string, now: number): Promise<void> {
  if (await store.orgs.get(orgId)) return;
  await store.orgs.create({ id: orgId, name: orgId }, now).catch((error: unknown) => {
    if (!(error instanceof ConflictError)) throw error;
  });
}
