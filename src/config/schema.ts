import { z } from 'zod';
import { parseDuration } from '../spec/index.js';

/** `agentcron.yaml`: templates and schedules as code, applied idempotently. */
const Duration = z.string().check((ctx) => {
  try {
    parseDuration(ctx.value);
  } catch (error) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: (error as Error).message });
  }
});
const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, dot, dash and underscore (max 128)');

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
    remainingRuns: z.number().int().min(0).optional(),
    paused: z.boolean().default(false),
    pauseNote: z.string().optional(),
  })
  .strict();

export const ConfigSchema = z
  .object({
    /** Where `script` templates' modules are (relative to the working directory); default `templates`. */
    templatesDir: z.string().min(1).optional(),
    templates: z.array(TemplateConfigSchema).default([]),
    schedules: z.array(ScheduleConfigSchema).default([]),
  })
  .strict();

export type TemplateConfig = z.infer<typeof TemplateConfigSchema>;
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
export type Config = z.infer<typeof ConfigSchema>;
