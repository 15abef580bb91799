import type { ScheduleSpecInput } from '../spec/types.js';

/** Instants are UTC epoch milliseconds everywhere in the store. */
export type Instant = number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Role = 'admin' | 'operator' | 'viewer';

export interface Org {
  id: string;
  name: string;
  tier: string;
  createdAt: Instant;
}

export interface ApiKey {
  id: string;
  orgId: string;
  name: string;
  role: Role;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  prefix: string;
  /** Hash of the whole key; the key itself is shown once and never stored. */
  hash: string;
  createdAt: Instant;
  lastUsedAt: Instant | null;
  revokedAt: Instant | null;
}

export type TemplateKind = 'http' | 'steps' | 'script' | 'agent';

export interface TemplateVersion {
  orgId: string;
  templateId: string;
  version: number;
  kind: TemplateKind;
  definition: Json;
  createdAt: Instant;
}

export type OverlapPolicy = 'skip' | 'buffer_one' | 'buffer_all' | 'cancel_other' | 'allow';
export type CatchupPolicy = 'latest' | 'all' | 'none';

/** Policies are stored as one JSON document so later issues can add fields without migrations. */
export interface SchedulePolicies {
  overlap?: OverlapPolicy;
  catchup?: { policy?: CatchupPolicy; window?: string; bufferLimit?: number };
  retry?: {
    maxAttempts?: number;
    initialInterval?: string;
    backoffCoefficient?: number;
    maxInterval?: string;
  };
  timeout?: string;
  concurrency?: number;
  /** Ids of the config's destinations that receive this schedule's events. */
  destinations?: string[];
  emit?: 'always' | 'on_change' | 'on_failure';
  /** JSON Pointers of output fields left out of the on_change comparison. */
  ignoreChanges?: string[];
  [key: string]: Json | undefined;
}

export interface Schedule {
  id: string;
  orgId: string;
  templateId: string;
  /** Pinned template version, or null to run the latest one. */
  templateVersion: number | null;
  params: Json;
  spec: ScheduleSpecInput;
  policies: SchedulePolicies;
  /** The cursor: the next nominal time not yet turned into a run; null when the spec is exhausted. */
  nextNominalTime: Instant | null;
  paused: boolean;
  pauseNote: string | null;
  /** Occurrences still allowed to fire; null means unlimited. */
  remainingRuns: number | null;
  /** Bumped on every write; used for optimistic concurrency by callers that read-modify-write. */
  revision: number;
  createdAt: Instant;
  updatedAt: Instant;
}

export type RunTrigger = 'schedule' | 'manual' | 'backfill' | 'api' | 'parent';
export type RunStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'skipped'
  | 'missed';

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
  'missed',
];

export interface Run {
  id: string;
  orgId: string;
  scheduleId: string | null;
  templateId: string;
  templateVersion: number;
  params: Json;
  /** The occurrence's nominal time (schedule/backfill) or the request time (manual/api). */
  nominalTime: Instant;
  trigger: RunTrigger;
  status: RunStatus;
  /** Why a run was skipped, missed or cancelled. */
  reason: string | null;
  /** Derived from the occurrence for scheduled runs, or given by the caller of a trigger. */
  idempotencyKey: string | null;
  /** Number of attempts started so far; the live attempt, if any, has this number. */
  attempts: number;
  maxAttempts: number;
  /** Earliest instant the next attempt may be claimed (retry backoff, jitter). */
  availableAt: Instant;
  /** The run must be terminal by then; null for no deadline. */
  deadline: Instant | null;
  parentRunId: string | null;
  backfillId: string | null;
  /** Runs sharing a key (a schedule, a backfill) run at most `concurrencyLimit` at once. */
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  output: Json | null;
  error: Json | null;
  createdAt: Instant;
  startedAt: Instant | null;
  finishedAt: Instant | null;
  /** The browser profile a manual trigger asked for (overrides the template's); null otherwise. */
  profile: string | null;
  /** Active browser time of all its attempts, in ms (cost accounting). */
  browserMs: number;
}

export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timed_out' | 'lost' | 'cancelled';

export interface Attempt {
  runId: string;
  number: number;
  status: AttemptStatus;
  workerId: string;
  leaseExpiresAt: Instant;
  heartbeatAt: Instant;
  startedAt: Instant;
  finishedAt: Instant | null;
  error: Json | null;
  /** Active browser time of this attempt, in ms: from its context being ready to its close. */
  browserMs: number;
}

export interface RunEvent {
  seq: number;
  runId: string;
  attempt: number | null;
  at: Instant;
  type: string;
  data: Json;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export interface Delivery {
  /** Stable id of the (event, destination) pair: the idempotency key sent everywhere. */
  id: string;
  orgId: string;
  eventId: string;
  eventType: string;
  destinationId: string;
  runId: string | null;
  scheduleId: string | null;
  payload: Json;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Instant;
  /** Set while a relay holds the delivery; expired leases make it claimable again. */
  leaseExpiresAt: Instant | null;
  lastError: string | null;
  createdAt: Instant;
  deliveredAt: Instant | null;
}

export interface DeliveryAttempt {
  deliveryId: string;
  number: number;
  at: Instant;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/** What the relay learnt about a destination at run time; its configuration lives in agentcron.yaml. */
export interface DestinationState {
  orgId: string;
  destinationId: string;
  type: string;
  /** Set when the destination answered 410 Gone (or an operator disabled it): its deliveries wait. */
  disabledAt: Instant | null;
  disabledReason: string | null;
  updatedAt: Instant;
}

export type IncidentStatus = 'open' | 'resolved';

export interface Incident {
  id: string;
  orgId: string;
  scheduleId: string;
  kind: string;
  status: IncidentStatus;
  summary: string;
  openedAt: Instant;
  resolvedAt: Instant | null;
  lastNotifiedAt: Instant | null;
  details: Json;
}

export interface ScheduleHealth {
  scheduleId: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastSuccessAt: Instant | null;
  lastFailureAt: Instant | null;
  totalSucceeded: number;
  totalFailed: number;
}

export interface Profile {
  orgId: string;
  name: string;
  /** Serialized browser state (cookies, localStorage, IndexedDB); opaque to the store. */
  state: Json;
  version: number;
  /** The run holding the profile, so at most one active attempt uses it. */
  lockedByRunId: string | null;
  lockExpiresAt: Instant | null;
  updatedAt: Instant;
}

export interface SecretRecord {
  orgId: string;
  name: string;
  /** AES-256-GCM ciphertext (base64, with IV and tag); the store never sees clear text. */
  ciphertext: string;
  updatedAt: Instant;
}

export type ArtifactKind = 'trace' | 'screenshot' | 'console' | 'download' | 'other';

/** A file an attempt produced (replay trace, screenshot, console log, download); the bytes live in an ArtifactStore. */
export interface Artifact {
  id: string;
  orgId: string;
  runId: string;
  attempt: number;
  name: string;
  kind: ArtifactKind;
  contentType: string;
  size: number;
  /** Where the ArtifactStore keeps the bytes. */
  storageKey: string;
  createdAt: Instant;
}

/** A cached agent trajectory: the actions of a successful run, replayed without the model. */
export interface Trajectory {
  orgId: string;
  templateId: string;
  templateVersion: number;
  /** The template's parameter NAMES, sorted and joined: values do not split the cache. */
  paramKey: string;
  /** The start URL with parameter values replaced by `{{ params.x }}` placeholders. */
  startUrl: string;
  /** The recorded actions (see src/agent/trajectory.ts); opaque to the store. */
  actions: Json;
  hits: number;
  rewrites: number;
  createdAt: Instant;
  updatedAt: Instant;
  lastHitAt: Instant | null;
}

/** Nearest-rank percentiles (the same definition on both backends), in ms. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Aggregates over one schedule's runs whose nominal time is in [from, to), computed by the database. */
export interface RunWindowStats {
  scheduleId: string;
  from: Instant;
  to: Instant;
  /** Runs by status (terminal and live). */
  counts: Partial<Record<RunStatus, number>>;
  /** finished − started of runs that finished after starting; null when there are none. */
  duration: Percentiles | null;
  /** started − nominal time of scheduled runs that started (start lateness); null when there are none. */
  lateness: Percentiles | null;
  /** Active browser time of those runs (cost). */
  browserMs: number;
}

/** One schedule's line on the overview: last run, the history strip and its success rate. */
export interface ScheduleSummary {
  scheduleId: string;
  lastRun: { id: string; status: RunStatus; nominalTime: Instant; finishedAt: Instant | null } | null;
  /** The latest runs, newest first (the run-history strip). */
  recent: Array<{ id: string; status: RunStatus; nominalTime: Instant }>;
  /** succeeded / (succeeded + failed + timed_out + missed) since the given instant; null with no such runs. */
  successRate: number | null;
}

/** Cost of one UTC day of a schedule's runs (by nominal time). */
export interface DailyCost {
  /** YYYY-MM-DD, UTC. */
  day: string;
  runs: number;
  browserMs: number;
}
