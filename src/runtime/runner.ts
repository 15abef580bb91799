import type { Logger } from 'pino';
import type { Json, TemplateKind } from '../store/types.js';

/** What a template gets for one attempt. */
export interface AttemptContext {
  runId: string;
  attempt: number;
  scheduleId: string | null;
  params: Json;
  /** Aborted when the run deadline passes, the run is cancelled or the lease is lost. */
  signal: AbortSignal;
  log: Logger;
}

/** Executes one template kind. Throws RunFailure to say why an attempt failed. */
export interface TemplateRunner {
  readonly kind: TemplateKind;
  /** Checks a definition when it is stored, so bad templates fail at apply time, not at 3 a.m. */
  validate(definition: Json): void;
  run(definition: Json, context: AttemptContext): Promise<Json>;
}
