import { z } from 'zod';
import { failFast } from './abort.js';
import type { Clock } from '../clock.js';
import { NetworkPolicySchema } from '../policy/network.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';
import type { BrowserPool } from './browser-pool.js';
import { RunFailure } from './failure.js';
import { maskedLogger } from './masked-logger.js';
import { ProfileHold } from './profiles.js';
import type { AttemptContext, TemplateRunner } from './runner.js';
import { referencedSecrets, type SecretSource } from './secrets.js';
import { Session } from './session.js';
import { parseStepsDefinition, runSteps, type StepsEnvironment } from './steps/interpreter.js';
import { templateState } from './template-state.js';

/**
 * How a steps template's browser is set up; top-level keys of the definition next to `steps`:
 *   profile: shop-login            # persisted cookies/localStorage/IndexedDB, one attempt at a time
 *   isolation: strict              # a browser process of its own (default: shared, fresh context)
 *   network: { allow: [...], deny: [...] }
 */
export const BrowserOptionsSchema = z
  .object({
    profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (at most 100)').optional(),
    isolation: z.enum(['shared', 'strict']).optional(),
    network: NetworkPolicySchema.optional(),
  })
  .strict();

export type BrowserOptions = z.infer<typeof BrowserOptionsSchema>;

const BROWSER_KEYS = ['profile', 'isolation', 'network'] as const;

/** Splits the browser options off a definition; the rest is the steps interpreter's. */
export function splitBrowserOptions(definition: Json): { browser: BrowserOptions; steps: Json } {
  if (definition === null || typeof definition !== 'object' || Array.isArray(definition)) return { browser: {}, steps: definition };
  const picked: Record<string, Json> = {};
  const steps: Record<string, Json> = {};
  for (const [key, value] of Object.entries(definition)) {
    if ((BROWSER_KEYS as readonly string[]).includes(key)) picked[key] = value;
    else steps[key] = value;
  }
  const parsed = BrowserOptionsSchema.safeParse(picked);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.map(String).join('.')}: ${i.message} (got ${JSON.stringify(valueAt(picked, i.path))})`);
    throw new RunFailure(`invalid steps definition:\n${issues.join('\n')}`, { kind: 'definition', retryable: false });
  }
  return { browser: parsed.data, steps };
}

function valueAt(root: Json, path: readonly PropertyKey[]): Json | undefined {
  let current: Json | undefined = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, Json>)[String(key)];
  }
  return current;
}

export interface StepsRunnerDeps {
  /** The browser pool; a function so that a node starts Chromium only when a steps run comes. */
  pool: () => BrowserPool;
  store: Store;
  clock: Clock;
  secrets: SecretSource;
  /** Profile lock polling and lease (tests shorten them). */
  profilePollMs?: number;
}

/**
 * The `steps` template kind: a fresh browser session per attempt (profile loaded, network
 * policy applied, trace recorded), the steps interpreter on its page, and everything the
 * session produced stored as artifacts, whatever the outcome.
 */
export class StepsRunner implements TemplateRunner {
  readonly kind = 'steps' as const;

  /** Without dependencies the runner only validates (e.g. `agentcron apply`). */
  constructor(private readonly runtime: StepsRunnerDeps | null) {}

  private get deps(): StepsRunnerDeps {
    if (!this.runtime) throw new RunFailure('this process cannot run steps templates (no browser runtime)', { kind: 'config', retryable: true });
    return this.runtime;
  }

  validate(definition: Json): void {
    parseStepsDefinition(splitBrowserOptions(definition).steps);
  }

  async run(definition: Json, ctx: AttemptContext): Promise<Json> {
    const { browser, steps } = splitBrowserOptions(definition);
    const parsed = parseStepsDefinition(steps);
    const secrets = await this.deps.secrets.resolve(ctx.orgId, referencedSecrets(steps));
    const secretValues = Object.values(secrets);
    const log = maskedLogger(ctx.log, secretValues);
    const profileName = ctx.profile ?? browser.profile ?? null;

    const hold = profileName
      ? await ProfileHold.acquire({
          store: this.deps.store,
          clock: this.deps.clock,
          orgId: ctx.orgId,
          name: profileName,
          runId: ctx.runId,
          deadline: ctx.deadline,
          signal: ctx.signal,
          ...(this.deps.profilePollMs !== undefined ? { pollMs: this.deps.profilePollMs } : {}),
        })
      : null;
    let session: Session | null = null;
    let succeeded = false;
    try {
      session = await Session.open(this.deps.pool(), {
        log,
        secrets: secretValues,
        storageState: hold?.state ?? null,
        ...(browser.isolation ? { isolation: browser.isolation } : {}),
        ...(browser.network ? { network: browser.network } : {}),
      });
      const open = session;
      const env: StepsEnvironment = {
        page: open.page,
        params: isRecord(ctx.params) ? ctx.params : {},
        secrets,
        state: templateState(this.deps.store, this.deps.clock, ctx.orgId, ctx.templateId),
        artifacts: {
          save: (name, body, contentType) =>
            ctx.saveArtifact({ name, body, contentType, kind: contentType.startsWith('image/') ? 'screenshot' : 'other' }),
        },
        log,
        signal: AbortSignal.any([ctx.signal, open.failed]),
      };
      const output = await failFast(runSteps(parsed, env), open.failed);
      succeeded = true;
      return output;
    } catch (error) {
      // A crashed renderer or a dead browser explains whatever the step saw: retry on a fresh one.
      if (session?.failed.aborted) throw session.failed.reason;
      throw error;
    } finally {
      try {
        if (session) await this.finish(session, ctx, succeeded ? hold : null, log);
      } finally {
        await hold?.release().catch((error: unknown) => log.error({ err: error }, 'could not release the profile'));
      }
    }
  }

  /** Closes the session and stores what it produced; the profile is saved only after a success. */
  private async finish(session: Session, ctx: AttemptContext, saveTo: ProfileHold | null, log: AttemptContext['log']): Promise<void> {
    const result = await session.close({ saveState: saveTo !== null });
    for (const artifact of result.artifacts) {
      await ctx.saveArtifact(artifact).catch((error: unknown) => log.error({ err: error, name: artifact.name }, 'could not store an artifact'));
    }
    await ctx.recordBrowserTime(result.browserMs).catch((error: unknown) => log.error({ err: error }, 'could not record browser time'));
    if (saveTo && result.storageState) {
      await saveTo.save(result.storageState).catch((error: unknown) => log.error({ err: error }, 'could not save the profile'));
    }
    log.debug({ browserMs: result.browserMs, artifacts: result.artifacts.length, warm: session.warm }, 'browser session closed');
  }
}

function isRecord(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
