import type { Clock } from '../clock.js';
import { failFast } from '../runtime/abort.js';
import type { BrowserPool } from '../runtime/browser-pool.js';
import { RunFailure } from '../runtime/failure.js';
import { interpolate } from '../runtime/interpolate.js';
import type { AttemptContext, TemplateRunner } from '../runtime/runner.js';
import { Session } from '../runtime/session.js';
import type { Store } from '../store/store.js';
import type { Json } from '../store/types.js';
import type { ArtifactInput } from '../runtime/artifacts.js';
import { AgentLoop, type AgentResult, type AgentStats } from './agent-loop.js';
import { parseAgentDefinition } from './definition.js';
import { createProvider, type ModelProvider } from './providers/index.js';
import { TrajectoryCache, trajectoryKey, type TrajectoryKey } from './trajectory-cache.js';
import { withPlaceholders } from './trajectory.js';

export interface AgentRunnerDeps {
  pool: () => BrowserPool;
  store: Store;
  clock: Clock;
  /** Overrides the provider a definition names (tests, or a node-wide model gateway). */
  provider?: (definition: ReturnType<typeof parseAgentDefinition>) => ModelProvider;
  env?: NodeJS.ProcessEnv;
}

/**
 * What the agent runner reads from an attempt beyond the base AttemptContext. The browser
 * runtime's worker provides these; where one is missing the cache is off for the attempt
 * (it cannot be keyed) and artifacts are not kept.
 */
type AgentAttempt = AttemptContext &
  Partial<{
    orgId: string;
    templateId: string;
    templateVersion: number;
    saveArtifact(artifact: ArtifactInput): Promise<void>;
    recordBrowserTime(ms: number): Promise<void>;
  }>;

/**
 * The `agent` template kind: a fresh browser session, the agent loop on its page (replaying the
 * cached trajectory first when there is one), run events for every model call and step, and a
 * summary event with calls, tokens, cost and cache use. A successful run whose actions differ
 * from the cache's (cold, or re-planned after a divergence) becomes the new cache entry.
 */
export class AgentRunner implements TemplateRunner {
  readonly kind = 'agent' as const;

  constructor(private readonly runtime: AgentRunnerDeps | null) {}

  private get deps(): AgentRunnerDeps {
    if (!this.runtime) throw new RunFailure('this process cannot run agent templates (no browser runtime)', { kind: 'config', retryable: true });
    return this.runtime;
  }

  validate(definition: Json): void {
    parseAgentDefinition(definition);
  }

  async run(definitionJson: Json, ctx: AgentAttempt): Promise<Json> {
    const definition = parseAgentDefinition(definitionJson);
    const { store, clock } = this.deps;
    const params = ctx.params !== null && typeof ctx.params === 'object' && !Array.isArray(ctx.params) ? ctx.params : {};
    const scope = { params };
    const instruction = String(interpolate(definition.instruction, scope, 'instruction'));
    const startUrl = String(interpolate(definition.startUrl, scope, 'startUrl'));
    const emit = async (type: string, data: Record<string, Json>) => {
      await store.events.append({ runId: ctx.runId, attempt: ctx.attempt, type, data }, clock.now());
    };

    const cache = new TrajectoryCache(store, clock);
    const key: TrajectoryKey | null =
      definition.cache && ctx.orgId !== undefined && ctx.templateId !== undefined && ctx.templateVersion !== undefined
        ? trajectoryKey({ orgId: ctx.orgId, templateId: ctx.templateId, templateVersion: ctx.templateVersion, params })
        : null;
    if (definition.cache && !key) ctx.log.warn('the attempt context carries no template id/version: trajectory cache off');
    const cacheStart = withPlaceholders(startUrl, params);
    const cached = key ? await cache.load(key, cacheStart) : null;
    await emit('agent.cache', { status: cached ? 'hit' : key ? 'miss' : 'off', steps: cached?.length ?? 0 });

    const session = await Session.open(this.deps.pool(), { log: ctx.log });
    let result: AgentResult | null = null;
    let loop: AgentLoop | null = null;
    try {
      await session.page.goto(startUrl, { timeout: 30_000 }).catch((error: unknown) => {
        throw new RunFailure(`could not open ${startUrl}: ${(error as Error).message}`, { kind: 'navigation', retryable: true, cause: error });
      });
      let provider: ModelProvider | null = null;
      loop = new AgentLoop({
        page: session.page,
        definition,
        instruction,
        params,
        provider: () => (provider ??= this.deps.provider ? this.deps.provider(definition) : createProvider(definition.model, this.deps.env)),
        cached,
        clock,
        signal: AbortSignal.any([ctx.signal, session.failed]),
        emit,
      });
      result = await failFast(loop.run(), session.failed);
    } catch (error) {
      // A failed attempt still says what it spent.
      if (loop) await emit('agent.summary', { ...summary(loop.figures, cached !== null), failed: true }).catch(() => undefined);
      throw error;
    } finally {
      const closed = await session.close();
      for (const artifact of closed.artifacts) await ctx.saveArtifact?.(artifact).catch((error: unknown) => ctx.log.error({ err: error }, 'could not store an artifact'));
      await ctx.recordBrowserTime?.(closed.browserMs).catch((error: unknown) => ctx.log.error({ err: error }, 'could not record browser time'));
    }

    const { stats, actions } = result;
    if (key && (!cached || stats.divergedAt !== null)) {
      await cache.save(key, cacheStart, actions);
      await emit('agent.cache', { status: cached ? 'rewritten' : 'stored', steps: actions.length, ...(stats.divergedAt !== null ? { fromStep: stats.divergedAt } : {}) });
    } else if (key && cached) {
      await cache.recordHit(key);
    }
    await emit('agent.summary', summary(stats, cached !== null));
    ctx.log.info({ modelCalls: stats.modelCalls, costUsd: stats.costUsd, replayedSteps: stats.replayedSteps }, 'agent finished');
    return result.output;
  }
}

function summary(stats: AgentStats, replayed: boolean): Record<string, Json> {
  return {
    modelCalls: stats.modelCalls,
    inputTokens: stats.inputTokens,
    outputTokens: stats.outputTokens,
    costUsd: stats.costUsd,
    steps: stats.steps,
    replayedSteps: stats.replayedSteps,
    cacheHit: replayed && stats.divergedAt === null,
    divergedAt: stats.divergedAt,
  };
}
