import type { Logger } from 'pino';
import type { Instant, Json, RunTrigger, TemplateKind } from '../store/types.js';
import type { ArtifactInput } from './artifacts.js';

/** What a template gets for one attempt. */
export interface AttemptContext {
  runId: string;
  attempt: number;
  orgId: string;
  scheduleId: string | null;
  templateId: string;
  templateVersion: number;
  /** The occurrence's nominal time (scheduled runs) or the request time (manual, api). */
  nominalTime: Instant;
  trigger: RunTrigger;
  params: Json;
  /** A browser profile the run asked for (manual trigger); it overrides the template's. */
  profile: string | null;
  /** The instant the run must be done by; waits (for a profile's lock) end there. */
  deadline: Instant;
  /** Aborted when the run deadline passes, the run is cancelled or the lease is lost. */
  signal: AbortSignal;
  log: Logger;
  /** Adds active browser time to this attempt and its run (cost accounting). */
  recordBrowserTime(ms: number): Promise<void>;
  /** Stores a file this attempt produced (trace, screenshot, console log, download). */
  saveArtifact(artifact: ArtifactInput): Promise<void>;
}

/** Executes one template kind. Throws RunFailure to say why an attempt failed. */
export interface TemplateRunner {
  readonly kind: TemplateKind;
  /** Checks a definition when it is stored, so bad templates fail at apply time, not at 3 a.m. */
  validate(definition: Json): void;
  run(definition: Json, context: AttemptContext): Promise<Json>;
}
