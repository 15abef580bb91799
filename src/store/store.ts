import type {
  ApiKey,
  Artifact,
  ArtifactKind,
  Attempt,
  AttemptStatus,
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  DestinationState,
  Incident,
  IncidentStatus,
  Instant,
  Json,
  Org,
  Profile,
  Role,
  Run,
  RunEvent,
  RunStatus,
  RunTrigger,
  Schedule,
  ScheduleHealth,
  SchedulePolicies,
  SecretRecord,
  TemplateKind,
  TemplateVersion,
  Trajectory,
  DailyCost,
  RunWindowStats,
  ScheduleSummary,
} from './types.js';
import type { ScheduleSpecInput } from '../spec/types.js';
import type { Dialect } from './db.js';

/**
 * The one storage interface of agentcron. Every method takes the current instant from the
 * caller's Clock (never the database's or the system's), so fake-clock tests drive both
 * backends; nodes sharing PostgreSQL are expected to keep their clocks in sync (NTP), and
 * leases are long compared with any realistic skew.
 *
 * Methods that read or write one organisation's data take `orgId` and never return another
 * organisation's rows. Methods used by the engine across organisations (due schedules, claims,
 * leases) say so.
 */
export interface Store {
  readonly dialect: Dialect;
  readonly orgs: OrgRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly templates: TemplateRepo;
  readonly schedules: ScheduleRepo;
  readonly runs: RunRepo;
  readonly events: RunEventRepo;
  readonly deliveries: DeliveryRepo;
  readonly destinations: DestinationStateRepo;
  readonly incidents: IncidentRepo;
  readonly health: HealthRepo;
  readonly profiles: ProfileRepo;
  readonly state: TemplateStateRepo;
  readonly secrets: SecretRepo;
  readonly meta: MetaRepo;
  readonly artifacts: ArtifactRepo;
  readonly trajectories: TrajectoryRepo;
  readonly stats: StatsRepo;
  readonly retention: RetentionRepo;
  /** Runs `fn` atomically; the Store it receives is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Errors: callers map them to clear messages (API: 404/409; CLI: exit codes).

export class NotFoundError extends Error {
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${JSON.stringify(id)} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

// ---------------------------------------------------------------------------------------------

export interface OrgRepo {
  create(input: { id?: string; name: string; tier?: string }, now: Instant): Promise<Org>;
  get(id: string): Promise<Org | null>;
  list(): Promise<Org[]>;
}

export interface ApiKeyRepo {
  create(
    input: { orgId: string; name: string; role: Role; prefix: string; hash: string },
    now: Instant,
  ): Promise<ApiKey>;
  /** Looks a key up by its hash, across organisations (authentication); revoked keys are returned too. */
  findByHash(hash: string): Promise<ApiKey | null>;
  list(orgId: string): Promise<ApiKey[]>;
  revoke(orgId: string, id: string, now: Instant): Promise<boolean>;
  touch(id: string, now: Instant): Promise<void>;
}

export interface TemplateRepo {
  /**
   * Stores a new version when the definition or kind differs from the latest one; otherwise
   * returns the latest with `created: false` (so applying the same config twice is a no-op).
   */
  put(
    input: { orgId: string; templateId: string; kind: TemplateKind; definition: Json },
    now: Instant,
  ): Promise<{ version: TemplateVersion; created: boolean }>;
  /** The given version, or the latest when `version` is omitted. */
  get(orgId: string, templateId: string, version?: number): Promise<TemplateVersion | null>;
  /** The latest version of every template of the organisation. */
  list(orgId: string): Promise<TemplateVersion[]>;
  versions(orgId: string, templateId: string): Promise<TemplateVersion[]>;
  /**
   * Deletes every version (hidden, not removed: a template created again under the same id
   * continues the version numbers); a ConflictError when a schedule still uses the template.
   */
  delete(orgId: string, templateId: string): Promise<boolean>;
}

export interface NewSchedule {
  id: string;
  orgId: string;
  templateId: string;
  templateVersion?: number | null;
  params?: Json;
  spec: ScheduleSpecInput;
  policies?: SchedulePolicies;
  nextNominalTime: Instant | null;
  paused?: boolean;
  pauseNote?: string | null;
  remainingRuns?: number | null;
}

export type SchedulePatch = Partial<
  Pick<
    Schedule,
    'templateId' | 'templateVersion' | 'params' | 'spec' | 'policies' | 'nextNominalTime' | 'remainingRuns'
  >
>;

/** One run to insert when a schedule fires (status `queued`, or `skipped`/`missed` with a reason). */
export interface NewRun {
  id?: string;
  orgId: string;
  scheduleId?: string | null;
  templateId: string;
  templateVersion: number;
  params?: Json;
  nominalTime: Instant;
  trigger: RunTrigger;
  status?: Extract<RunStatus, 'queued' | 'skipped' | 'missed'>;
  reason?: string | null;
  idempotencyKey?: string | null;
  maxAttempts?: number;
  availableAt?: Instant;
  deadline?: Instant | null;
  parentRunId?: string | null;
  backfillId?: string | null;
  /** A claim never starts this run while `concurrencyLimit` runs with the same key are running. */
  concurrencyKey?: string | null;
  concurrencyLimit?: number | null;
  /** A browser profile for this run, overriding the template's (manual triggers). */
  profile?: string | null;
}

export interface FireRequest {
  orgId: string;
  scheduleId: string;
  /** The cursor the caller read; the fire only happens if it is still the stored one. */
  expectedCursor: Instant;
  /** The runs for the occurrences in [expectedCursor, nextCursor). */
  runs: NewRun[];
  nextCursor: Instant | null;
  /** New remaining-runs count, when the schedule has one. */
  remainingRuns?: number | null;
}

export interface ScheduleRepo {
  /** ConflictError when the id exists in the organisation. */
  create(input: NewSchedule, now: Instant): Promise<Schedule>;
  get(orgId: string, id: string): Promise<Schedule | null>;
  list(orgId: string, filter?: { paused?: boolean; templateId?: string }): Promise<Schedule[]>;
  /**
   * Applies a patch; with `expectedRevision`, a ConflictError when someone else wrote first.
   * NotFoundError when the schedule does not exist.
   */
  update(orgId: string, id: string, patch: SchedulePatch, now: Instant, expectedRevision?: number): Promise<Schedule>;
  setPaused(orgId: string, id: string, paused: boolean, note: string | null, now: Instant): Promise<Schedule>;
  /** Deletes the schedule; its runs stay (with their schedule id) for history. */
  delete(orgId: string, id: string): Promise<boolean>;
  /** Number of schedules of the organisation (tier limits). */
  count(orgId: string): Promise<number>;
  /** Across organisations: unpaused schedules whose cursor is at or before `now`, earliest first. */
  due(now: Instant, limit: number): Promise<Schedule[]>;
  /** Across organisations: the earliest cursor of any unpaused schedule, so the scheduler can sleep until it. */
  nextDueAt(): Promise<Instant | null>;
  /**
   * The scheduler's tick for one schedule, in one transaction: if the stored cursor still equals
   * `expectedCursor` and the schedule is not paused, inserts the runs (one per occurrence:
   * UNIQUE(schedule_id, nominal_time) for scheduled runs) and moves the cursor to `nextCursor`.
   * Returns `fired: false` and changes nothing when another scheduler got there first.
   */
  fire(request: FireRequest, now: Instant): Promise<{ fired: boolean; runs: Run[] }>;
}

export interface RunFilter {
  orgId: string;
  scheduleId?: string;
  status?: RunStatus[];
  trigger?: RunTrigger[];
  /** Nominal time range, half-open [from, to). */
  from?: Instant;
  to?: Instant;
  limit?: number;
  /** Opaque cursor returned by a previous page. */
  cursor?: string;
}

export interface ClaimedRun {
  run: Run;
  attempt: Attempt;
}

export interface AttemptOutcome {
  runId: string;
  /** The attempt number the worker holds; a stale number is rejected (fencing). */
  attempt: number;
  status: Exclude<AttemptStatus, 'running' | 'lost'>;
  output?: Json | null;
  error?: Json | null;
  /** For a failed attempt that may be retried: when the run becomes claimable again. */
  retryAt?: Instant | null;
}

export interface RunRepo {
  /** Inserts a run outside the scheduler (manual, api, backfill, parent). */
  create(input: NewRun, now: Instant): Promise<Run>;
  /**
   * Inserts a run unless the organisation used `key` within the last `windowMs`; then returns
   * the run that key created, with `created: false`.
   */
  createIdempotent(
    input: NewRun & { idempotencyKey: string },
    windowMs: number,
    now: Instant,
  ): Promise<{ run: Run; created: boolean }>;
  get(orgId: string, id: string): Promise<Run | null>;
  /** Newest nominal time first, with cursor pagination. */
  list(filter: RunFilter): Promise<{ runs: Run[]; nextCursor: string | null }>;
  /** Queued or running runs of a schedule (the overlap policies look at these). */
  active(orgId: string, scheduleId: string): Promise<Run[]>;
  /** Number of queued or running runs of the organisation (tier limits). */
  countActive(orgId: string): Promise<number>;
  /** Across organisations: queued runs due at `now` (queue depth) and running runs (metrics; indexed counts). */
  liveCounts(now: Instant): Promise<{ queuedDue: number; running: number }>;
  /**
   * Across organisations: claims up to `limit` queued runs whose `availableAt` has come,
   * earliest first, starting attempt number `attempts + 1` with a lease. Two claimers never get
   * the same run (row locks with SKIP LOCKED on PostgreSQL, the write lock on SQLite), and never
   * start more runs of one concurrency key than its limit.
   */
  claim(input: { workerId: string; limit: number; leaseMs: number; scheduleIds?: string[] }, now: Instant): Promise<ClaimedRun[]>;
  /** Extends the lease; false when the attempt is no longer the live one (the worker must stop). */
  heartbeat(runId: string, attempt: number, leaseMs: number, now: Instant): Promise<boolean>;
  /**
   * Records an attempt's end. A failed attempt with `retryAt` (and attempts left) requeues the
   * run; otherwise the run takes the attempt's status as its terminal state. Returns false and
   * changes nothing when `attempt` is not the run's live attempt (fencing).
   */
  completeAttempt(outcome: AttemptOutcome, now: Instant): Promise<boolean>;
  /**
   * Across organisations: marks attempts whose lease expired before `now` as `lost`, requeues
   * their runs when attempts remain (available at `now`) and fails them otherwise.
   */
  expireLeases(now: Instant): Promise<Array<{ orgId: string; runId: string; attempt: number; requeued: boolean }>>;
  /**
   * Gives a live attempt back without counting it (graceful shutdown): the attempt becomes
   * `lost`, the run is queued again at once and gains one attempt. False when fenced out.
   */
  release(runId: string, attempt: number, now: Instant): Promise<boolean>;
  /** Cancels a queued run at once, or marks a running run cancelled (its attempt is fenced out). */
  cancel(orgId: string, id: string, reason: string, now: Instant): Promise<Run | null>;
  attempts(runId: string): Promise<Attempt[]>;
  /**
   * Across organisations: scheduled runs still queued and never started whose planned start
   * (`availableAt`) is before `before`, earliest first (missed-run detection).
   */
  unstarted(before: Instant, limit: number): Promise<Run[]>;
  /** Marks a queued, never-started run `missed` with a reason; null when it started or ended meanwhile. */
  markMissed(id: string, reason: string, now: Instant): Promise<Run | null>;
  /** Run counts of a schedule per status, for health reports; `trigger` narrows to one trigger. */
  countByStatus(orgId: string, scheduleId: string, trigger?: RunTrigger): Promise<Partial<Record<RunStatus, number>>>;
  /** Adds an attempt's active browser time to the attempt and to its run's total (cost accounting). */
  addBrowserTime(runId: string, attempt: number, ms: number): Promise<void>;
}

export interface RunEventRepo {
  append(input: { runId: string; attempt?: number | null; type: string; data?: Json }, now: Instant): Promise<RunEvent>;
  list(runId: string, options?: { afterSeq?: number; limit?: number }): Promise<RunEvent[]>;
}

export interface NewDelivery {
  id: string;
  orgId: string;
  eventId: string;
  eventType: string;
  destinationId: string;
  runId?: string | null;
  scheduleId?: string | null;
  payload: Json;
  nextAttemptAt: Instant;
}

export interface DeliveryResult {
  id: string;
  /** The attempt that produced this result; must match the stored attempt count + 1. */
  attempt: number;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  outcome: 'delivered' | 'retry' | 'dead';
  /** Required for `retry`. */
  nextAttemptAt?: Instant;
}

export interface DeliveryRepo {
  /** Inserts deliveries; an id that exists already is left untouched (idempotent enqueue). */
  enqueue(deliveries: NewDelivery[], now: Instant): Promise<void>;
  /** Across organisations: leases up to `limit` pending deliveries that are due, earliest first. */
  claim(input: { limit: number; leaseMs: number; destinationId?: string }, now: Instant): Promise<Delivery[]>;
  /** Logs the attempt and moves the delivery to delivered / pending(next time) / dead. */
  record(result: DeliveryResult, now: Instant): Promise<Delivery>;
  get(orgId: string, id: string): Promise<Delivery | null>;
  list(filter: {
    orgId: string;
    status?: DeliveryStatus[];
    destinationId?: string;
    runId?: string;
    /** Deliveries of any of these runs (a page of a schedule's runs). */
    runIds?: readonly string[];
    from?: Instant;
    to?: Instant;
    limit?: number;
  }): Promise<Delivery[]>;
  attempts(deliveryId: string): Promise<DeliveryAttempt[]>;
  /** Makes a dead (or delivered) delivery pending again, due now. */
  redeliver(orgId: string, id: string, now: Instant): Promise<Delivery | null>;
  /**
   * One batch of a range redelivery: picks up to `limit` ids of the organisation's deliveries
   * with one of `status` (never pending) created in [from, to), newest first, and makes them
   * pending again, due `now`, in one statement. `matched` is how many were picked; `ids` those
   * it actually changed (one another writer moved meanwhile is left alone), in picking order.
   */
  redeliverBatch(
    filter: { orgId: string; status: ReadonlyArray<Exclude<DeliveryStatus, 'pending'>>; from: Instant; to: Instant; destinationId?: string; limit: number },
    now: Instant,
  ): Promise<{ matched: number; ids: string[] }>;
  /**
   * Across organisations: when the earliest pending delivery to one of `destinationIds` becomes
   * claimable (its due time, or its lease's end while a relay holds it); null when none is pending.
   */
  nextDueAt(destinationIds: readonly string[]): Promise<Instant | null>;
}

/** Destination state (migration 4): disabled destinations and why. */
export interface DestinationStateRepo {
  /** Records that a destination exists (config apply), keeping its state. */
  register(orgId: string, destinationId: string, type: string, now: Instant): Promise<void>;
  disable(orgId: string, destinationId: string, type: string, reason: string, now: Instant): Promise<void>;
  /** False when the destination was not disabled. */
  enable(orgId: string, destinationId: string, now: Instant): Promise<boolean>;
  get(orgId: string, destinationId: string): Promise<DestinationState | null>;
  list(orgId: string): Promise<DestinationState[]>;
  /** Across organisations: every disabled destination. */
  disabled(): Promise<DestinationState[]>;
}

export interface IncidentRepo {
  /** Opens an incident unless one of that kind is already open for the schedule (then returns it). */
  open(
    input: { orgId: string; scheduleId: string; kind: string; summary: string; details?: Json },
    now: Instant,
  ): Promise<{ incident: Incident; opened: boolean }>;
  resolve(id: string, now: Instant): Promise<Incident | null>;
  openFor(scheduleId: string, kind: string): Promise<Incident | null>;
  markNotified(id: string, now: Instant): Promise<void>;
  get(orgId: string, id: string): Promise<Incident | null>;
  list(orgId: string, filter?: { status?: IncidentStatus; scheduleId?: string; limit?: number }): Promise<Incident[]>;
  /** Across organisations: how many incidents are open (metrics). */
  countOpen(): Promise<number>;
}

export interface HealthRepo {
  get(scheduleId: string): Promise<ScheduleHealth | null>;
  /** Health of the given schedules (ids are unique across organisations); schedules never counted are absent. */
  many(scheduleIds: readonly string[]): Promise<ScheduleHealth[]>;
  /** Atomically counts one outcome into the schedule's streaks and totals. */
  record(scheduleId: string, success: boolean, at: Instant): Promise<ScheduleHealth>;
}

export interface ProfileRepo {
  get(orgId: string, name: string): Promise<Profile | null>;
  list(orgId: string): Promise<Profile[]>;
  /** Saves state; with `expectedVersion`, a ConflictError when the stored version moved on. */
  save(orgId: string, name: string, state: Json, now: Instant, expectedVersion?: number): Promise<Profile>;
  /** Takes the profile for a run (creating it empty if new); false when another run holds an unexpired lock. */
  acquire(orgId: string, name: string, runId: string, leaseMs: number, now: Instant): Promise<boolean>;
  release(orgId: string, name: string, runId: string): Promise<void>;
  delete(orgId: string, name: string): Promise<boolean>;
}

/** Per-template key/value state that templates read and write across runs (`{{ state.x }}`). */
export interface TemplateStateRepo {
  get(orgId: string, templateId: string, key: string): Promise<Json | undefined>;
  all(orgId: string, templateId: string): Promise<Record<string, Json>>;
  set(orgId: string, templateId: string, key: string, value: Json, now: Instant): Promise<void>;
  delete(orgId: string, templateId: string, key: string): Promise<boolean>;
}

export interface SecretRepo {
  put(input: { orgId: string; name: string; ciphertext: string }, now: Instant): Promise<void>;
  get(orgId: string, name: string): Promise<SecretRecord | null>;
  /** Names only: listings never carry ciphertext. */
  names(orgId: string): Promise<string[]>;
  delete(orgId: string, name: string): Promise<boolean>;
}

/** Small system-wide facts, such as the last instant a node was seen alive (outage detection). */
export interface MetaRepo {
  get(key: string): Promise<Json | undefined>;
  set(key: string, value: Json, now: Instant): Promise<void>;
  /**
   * Stores `value` unless the key already has one, and returns the value the key holds after:
   * of several callers racing (on any nodes), all get the first one's value.
   */
  setIfAbsent(key: string, value: Json, now: Instant): Promise<Json>;
  /** Whether the key existed. */
  delete(key: string): Promise<boolean>;
  /** Every key starting with `prefix`, in key order. */
  list(prefix: string): Promise<Array<{ key: string; value: Json }>>;
}

export interface NewArtifact {
  orgId: string;
  runId: string;
  attempt: number;
  name: string;
  kind: ArtifactKind;
  contentType: string;
  size: number;
  storageKey: string;
}

/** Rows describing attempt artifacts; the bytes live in an ArtifactStore (src/runtime/artifacts.ts). */
export interface ArtifactRepo {
  /** Records an artifact; a second one with the same (run, attempt, name) replaces the first. */
  add(input: NewArtifact, now: Instant): Promise<Artifact>;
  get(orgId: string, runId: string, attempt: number, name: string): Promise<Artifact | null>;
  /** One run's artifacts (of one attempt when given), by attempt then name. */
  list(orgId: string, runId: string, attempt?: number): Promise<Artifact[]>;
  /** Across organisations: up to `limit` artifacts created before `before`, oldest first (retention). */
  createdBefore(before: Instant, limit: number): Promise<Artifact[]>;
  /** Across organisations: the artifacts of the given runs (retention deletes their bytes with the runs). */
  ofRuns(runIds: readonly string[]): Promise<Artifact[]>;
  /** Deletes rows by id; returns how many went. */
  delete(ids: readonly string[]): Promise<number>;
}

/** What one batch of run pruning deleted. */
export interface PrunedRuns {
  runs: number;
  attempts: number;
  events: number;
  artifacts: number;
  deliveries: number;
  deliveryAttempts: number;
}

/** What `deleteRuns` actually deleted: counts, the runs, and the storage keys of their artifacts (whose bytes the caller deletes). */
export interface DeletedRuns {
  counts: PrunedRuns;
  runIds: string[];
  artifactKeys: string[];
}

/**
 * History pruning (docs/storage.md#retention), across organisations, in bounded batches so a
 * large prune never holds the database for long. A run is expired when it is terminal and
 * finished before the cutoff, unless it is still needed:
 * - it has a pending delivery (DESIGN.md invariant 4: nothing produced is lost);
 * - it is its schedule's latest successful run (on_change diffs against its output);
 * - its schedule has an open incident and the run belongs to that incident's streak (no success
 *   finished between it and the incident's opening) or is the run the incident names;
 * - an idempotency key still inside its window points at it (a retried trigger must find it).
 */
export interface RetentionRepo {
  /** Up to `limit` expired runs (ids and organisations), to prune with `deleteRuns`. */
  expiredRuns(before: Instant, now: Instant, limit: number): Promise<Array<{ id: string; orgId: string }>>;
  /**
   * In one transaction: deletes those of `ids` that are still expired (the rules are checked
   * again under lock) with their attempts, events, artifact rows, delivered or dead deliveries
   * and delivery attempts. Pending deliveries are never deleted. Artifact bytes are the caller's:
   * it deletes those of the returned keys only, after this has committed.
   */
  deleteRuns(ids: readonly string[], before: Instant, now: Instant): Promise<DeletedRuns>;
  /** In one transaction: up to `limit` delivered or dead deliveries whose last attempt was before `before`, with their attempt log. */
  deleteDeliveries(before: Instant, limit: number): Promise<{ deliveries: number; attempts: number }>;
  /** Up to `limit` idempotency keys whose window has closed by `now`. */
  deleteExpiredIdempotencyKeys(now: Instant, limit: number): Promise<number>;
}

/** The agent trajectory cache (src/agent/trajectory-cache.ts), one entry per template version and parameter names. */
export interface TrajectoryRepo {
  get(orgId: string, templateId: string, templateVersion: number, paramKey: string): Promise<Trajectory | null>;
  /** Stores an entry, replacing one with the same key (a rewrite after a divergence counts as one). */
  put(input: { orgId: string; templateId: string; templateVersion: number; paramKey: string; startUrl: string; actions: Json }, now: Instant): Promise<Trajectory>;
  /** Counts a replay that used the entry. */
  recordHit(orgId: string, templateId: string, templateVersion: number, paramKey: string, now: Instant): Promise<void>;
  list(orgId: string, filter?: { templateId?: string }): Promise<Trajectory[]>;
  /** Removes every entry of a template (all versions); returns how many. */
  invalidate(orgId: string, templateId: string): Promise<number>;
}

/**
 * Aggregations for the dashboard and the stats API, computed in the database with indexed range
 * scans (no full table scans per page view), identically on both backends.
 */
export interface StatsRepo {
  /** One summary per given schedule (a page of the overview), in the order given. */
  summaries(orgId: string, scheduleIds: readonly string[], options: { recent: number; since: Instant }): Promise<ScheduleSummary[]>;
  /** Counts and duration / start-lateness percentiles of one schedule's runs in [from, to). */
  window(orgId: string, scheduleId: string, from: Instant, to: Instant): Promise<RunWindowStats>;
  /** Runs and browser time per UTC day in [from, to), oldest first, days without runs omitted. */
  dailyCost(orgId: string, scheduleId: string, from: Instant, to: Instant): Promise<DailyCost[]>;
}
