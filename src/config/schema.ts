import { z } from 'zod';
import { DestinationConfigSchema } from '../delivery/registry.js';
import { EMIT_POLICIES } from '../policy/emit.js';
import { parseRetentionPeriod } from '../policy/retention.js';
import { parseDuration } from '../spec/index.js';

/** A duration such as `90s`, `15m`, `6h`, `1d`. */
export const Duration = z.string().check((ctx) => {
  try {
    parseDuration(ctx.value);
  } catch (error) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: (error as Error).message });
  }
});
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, dash and underscore (max 128)');

/** The fields of a schedule spec (shape only: `parseSpec` checks their meaning). Shared with the HTTP API. */
export const specFields = {
  cron: z.string().optional(),
  every: Duration.optional(),
  phase: Duration.optional(),
  at: z.string().optional(),
  timezone: z.string().optional(),
  start: z.string().optional(),
  end: z.string().optional(),
  jitter: Duration.optional(),
  dstGap: z.enum(['shift', 'skip']).optional(),
  dstOverlap: z.enum(['once', 'twice']).optional(),
};

/** The fields of a schedule's policies. Shared with the HTTP API. */
export const policyFields = {
  overlap: z.enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow']).optional(),
  catchup: z
    .object({
      policy: z.enum(['latest', 'all', 'none']).optional(),
      window: Duration.optional(),
      bufferLimit: z.number().int().positive().max(100_000).optional(),
    })
    .strict()
    .optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(100).optional(),
      initialInterval: Duration.optional(),
      backoffCoefficient: z.number().min(1).max(10).optional(),
      maxInterval: Duration.optional(),
    })
    .strict()
    .optional(),
  timeout: Duration.optional(),
  concurrency: z.number().int().positive().optional(),
  alerts: z
    .object({
      failureThreshold: z.number().int().min(1).max(1000).optional(),
      recoveryThreshold: z.number().int().min(1).max(1000).optional(),
      missedGrace: Duration.optional(),
      renotify: Duration.optional(),
      destinations: z.array(Id).optional(),
      breaker: z.object({ after: z.number().int().min(1).max(1000), cooldown: Duration.optional() }).strict().optional(),
      countOutages: z.boolean().optional(),
    })
    .strict()
    .optional(),
};

/** `agentcron.yaml`: templates and schedules as code, applied idempotently. */
export const TemplateConfigSchema = z
  .object({
    id: Id,
    kind: z.enum(['http', 'steps', 'script', 'agent']),
    description: z.string().optional(),
  })
  // The rest of the object is the kind's definition, validated by that kind's runner.
  .catchall(z.json());

export const ScheduleConfigSchema = z
  .object({
    id: Id,
    template: Id,
    templateVersion: z.number().int().positive().optional(),
    params: z.record(z.string(), z.json()).default({}),
    ...specFields,
    ...policyFields,
    remainingRuns: z.number().int().min(0).optional(),
    paused: z.boolean().default(false),
    pauseNote: z.string().optional(),
    /** Ids of entries of the top-level `destinations:` list that receive this schedule's events. */
    destinations: z.array(Id).optional(),
    emit: z.enum(EMIT_POLICIES).optional(),
    /** JSON Pointers of output fields whose changes do not count as a change (e.g. /latencyMs). */
    ignoreChanges: z.array(z.string().regex(/^\//, 'a JSON Pointer such as /latencyMs')).optional(),
  })
  .strict();

/** `off` or a duration of at least 1h (src/policy/retention.ts). */
const RetentionPeriod = z.string().check((ctx) => {
  try {
    parseRetentionPeriod(ctx.value, 'retention');
  } catch (error) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: (error as Error).message.replace(/^retention: /, '') });
  }
});

/** How long this deployment keeps history; read by `agentcron serve` (flags override it). */
export const RetentionConfigSchema = z
  .object({ runs: RetentionPeriod.optional(), artifacts: RetentionPeriod.optional(), deliveries: RetentionPeriod.optional() })
  .strict();

export const ConfigSchema = z
  .object({
    /** Where `script` templates' modules are (relative to the working directory); default `templates`. */
    templatesDir: z.string().min(1).optional(),
    templates: z.array(TemplateConfigSchema).default([]),
    schedules: z.array(ScheduleConfigSchema).default([]),
    destinations: z.array(DestinationConfigSchema).default([]),
    retention: RetentionConfigSchema.optional(),
  })
  .strict();

export type TemplateConfig = z.infer<typeof TemplateConfigSchema>;
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
export type Config = z.infer<typeof ConfigSchema>;
