import { z } from 'zod';
import { RunFailure } from '../runtime/failure.js';
import type { Json } from '../store/types.js';

/** Price of a model in US dollars per million tokens; cost is recorded per call. */
export const PriceSchema = z.object({ inputPer1M: z.number().nonnegative(), outputPer1M: z.number().nonnegative() }).strict();

export const ModelSchema = z
  .object({
    /** The wire format: `openai` (any chat-completions server) or `anthropic` (Messages API). */
    api: z.enum(['openai', 'anthropic']),
    /** e.g. https://api.openai.com/v1, http://localhost:11434/v1; Anthropic: https://api.anthropic.com */
    baseUrl: z.url().optional(),
    model: z.string().min(1),
    /** Name of the environment variable holding the API key on the node that runs the agent. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    price: PriceSchema.optional(),
    /** Cap on the tokens of one answer (default 1024). */
    maxAnswerTokens: z.number().int().positive().optional(),
  })
  .strict();

export const LimitsSchema = z
  .object({
    /** Actions the agent may take (model or cache), default 25. */
    maxSteps: z.number().int().positive().max(500).default(25),
    /** Model tokens (input + output) per attempt, default 200 000. */
    maxTokens: z.number().int().positive().default(200_000),
    /** Wall time of the loop, default 5 minutes (the run deadline still applies). */
    maxTimeMs: z.number().int().positive().default(300_000),
    /** Times an output that violates the schema goes back to the model, default 2. */
    maxCorrections: z.number().int().nonnegative().max(10).default(2),
  })
  .strict();

export const AgentDefinitionSchema = z
  .object({
    instruction: z.string().min(1),
    startUrl: z.string().min(1),
    /** JSON Schema of the output object. */
    output: z.record(z.string(), z.unknown()).default({ type: 'object' }),
    model: ModelSchema,
    limits: LimitsSchema.default({ maxSteps: 25, maxTokens: 200_000, maxTimeMs: 300_000, maxCorrections: 2 }),
    /** Replay cached trajectories (default true). */
    cache: z.boolean().default(true),
    /** Attach a screenshot to each observation (providers that accept images only; default false). */
    screenshot: z.boolean().default(false),
  })
  .strict();

export type AgentDefinition = z.infer<typeof AgentDefinitionSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;

export function parseAgentDefinition(definition: Json): AgentDefinition {
  const parsed = AgentDefinitionSchema.safeParse(definition);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new RunFailure(`invalid agent definition:\n${lines.join('\n')}`, { kind: 'definition', retryable: false });
}

/** Dollars for a call; 0 when the template gives no price. */
export function callCost(price: z.infer<typeof PriceSchema> | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return (inputTokens * price.inputPer1M + outputTokens * price.outputPer1M) / 1_000_000;
}
