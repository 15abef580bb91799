import { z } from 'zod';
import { destinationFields, type Destination, type DestinationContext } from './destination.js';
import { createFileDestination, fileDestinationConfig } from './file.js';
import { createPagerdutyDestination, pagerdutyDestinationConfig } from './pagerduty.js';
import { createNatsDestination, natsDestinationConfig } from './nats.js';
import { createRabbitmqDestination, rabbitmqDestinationConfig } from './rabbitmq.js';
import { createRedisDestination, redisDestinationConfig } from './redis.js';
import { createS3Destination, s3DestinationConfig } from './s3.js';
import { createSlackDestination, slackDestinationConfig } from './slack.js';
import { createWebhookDestination, webhookDestinationConfig } from './webhook.js';

/** One destination type: the schema of its fields (with `type`) and the factory. */
interface DestinationType<S extends z.ZodType> {
  config: S;
  create(id: string, config: z.output<S>, context: DestinationContext): Destination;
}

function destinationType<S extends z.ZodType>(config: S, create: DestinationType<S>['create']): DestinationType<S> {
  return { config, create };
}

/**
 * Every destination type this build knows. To add one: export `<type>DestinationConfig` (a zod
 * object with `type: z.literal('<type>')` and the type's own fields) and
 * `create<Type>Destination(id, config, context)` from `src/delivery/<type>.ts`, then list it here.
 */
const DESTINATION_TYPES: Record<Destination['type'], DestinationType<z.ZodType>> = {
  webhook: destinationType(webhookDestinationConfig, createWebhookDestination),
  slack: destinationType(slackDestinationConfig, createSlackDestination),
  file: destinationType(fileDestinationConfig, createFileDestination),
  s3: destinationType(s3DestinationConfig, createS3Destination),
  rabbitmq: destinationType(rabbitmqDestinationConfig, createRabbitmqDestination),
  nats: destinationType(natsDestinationConfig, createNatsDestination),
  redis: destinationType(redisDestinationConfig, createRedisDestination),
  pagerduty: destinationType(pagerdutyDestinationConfig, createPagerdutyDestination),
};

export function destinationTypes(): string[] {
  return Object.keys(DESTINATION_TYPES);
}

/**
 * One entry of the config's `destinations:` list: the common fields (id, events, emit,
 * concurrency), `type`, and the type's own fields, which the type's schema validates (issues
 * keep their path, e.g. `destinations[0].url`).
 */
export const DestinationConfigSchema = z
  .object({ ...destinationFields, type: z.string() })
  .catchall(z.unknown())
  .superRefine((entry, ctx) => {
    const type = DESTINATION_TYPES[entry.type as Destination['type']];
    if (!type) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown destination type ${JSON.stringify(entry.type)} (available: ${destinationTypes().join(', ')})` });
      return;
    }
    const result = type.config.safeParse(typeFields(entry));
    if (!result.success) {
      for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  });
export type DestinationConfig = z.output<typeof DestinationConfigSchema>;

function typeFields(entry: DestinationConfig): Record<string, unknown> {
  const { id: _id, events: _events, emit: _emit, concurrency: _concurrency, ...rest } = entry;
  return rest;
}

/** Builds the Destination of a validated config entry. */
export function createDestination(entry: DestinationConfig, context: DestinationContext): Destination {
  const type = DESTINATION_TYPES[entry.type as Destination['type']];
  if (!type) throw new Error(`destination ${entry.id}: unknown type ${entry.type}`);
  return type.create(entry.id, type.config.parse(typeFields(entry)), context);
}
