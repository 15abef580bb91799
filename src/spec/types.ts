/** What the gap policy does with a local time that does not exist (spring forward). */
export type DstGapPolicy = 'shift' | 'skip';
/** What the overlap policy does with a local time that exists twice (fall back). */
export type DstOverlapPolicy = 'once' | 'twice';

/**
 * A schedule spec as users write it (YAML, API, CLI). Exactly one of `cron`, `every`, `at`.
 * Durations are strings such as `90s`, `15m`, `6h`, `1d`; instants are ISO 8601.
 */
export interface ScheduleSpecInput {
  cron?: string;
  every?: string;
  /** Offset of the `every` grid from the Unix epoch, e.g. `every: 1h, phase: 15m` fires at :15. */
  phase?: string;
  /** One-off instant. Without an offset it is a local time in `timezone`. */
  at?: string;
  /** IANA zone; UTC when absent. */
  timezone?: string;
  start?: string;
  end?: string;
  /** Maximum deterministic jitter added to each nominal time (always before the next one). */
  jitter?: string;
  dstGap?: DstGapPolicy;
  dstOverlap?: DstOverlapPolicy;
}

/** One nominal fire time. `nominal` is a UTC instant in epoch milliseconds. */
export interface Occurrence {
  nominal: number;
  /** Local wall time with offset, e.g. `2026-03-08T03:00:00-04:00`. */
  local: string;
  /** `shifted`: moved out of a spring-forward gap; `repeated`: the second of a fall-back pair. */
  dst: null | 'shifted' | 'repeated';
}

/** The input as stored: defaults filled in, so a stored spec never depends on a later default. */
export interface NormalizedSpecInput extends ScheduleSpecInput {
  timezone: string;
  dstGap: DstGapPolicy;
  dstOverlap: DstOverlapPolicy;
}

/** What every parsed spec carries besides its kind. Instants are epoch milliseconds. */
export interface SpecCommon {
  /** Feed this back to `parseSpec` to get the same spec (what a store should keep). */
  input: NormalizedSpecInput;
  /** IANA zone, as written with its letter case fixed (`america/new_york` → `America/New_York`). */
  timezone: string;
  /** Inclusive lower bound, or null. */
  start: number | null;
  /** Exclusive upper bound, or null. */
  end: number | null;
  /** Maximum deterministic jitter; 0 for none. */
  jitterMs: number;
  dstGap: DstGapPolicy;
  dstOverlap: DstOverlapPolicy;
}

export interface ParsedCron {
  /** Six fields, seconds first, single-spaced, `?` read as `*`: the pattern handed to croner. */
  expression: string;
  /**
   * Second, minute and hour are plain numbers or lists of them (`30 2 * * *`, `0 9,17 * * *`).
   * Only these get the gap/overlap policies; every other spec follows elapsed time.
   */
  fixedTime: boolean;
  /** For fixed-time specs: the local times of day in seconds after midnight, ascending. */
  timesOfDay: number[];
  /** Day-of-month, month and day-of-week fields, used to find the matching local dates. */
  dayFields: string;
}

export interface CronSpec extends SpecCommon {
  kind: 'cron';
  cron: ParsedCron;
}

export interface EverySpec extends SpecCommon {
  kind: 'every';
  everyMs: number;
  /** Grid offset from the Unix epoch, 0 <= phaseMs < everyMs. */
  phaseMs: number;
}

export interface AtSpec extends SpecCommon {
  kind: 'at';
  /** Zero (a local time in a gap with `skip`), one, or two (overlap with `twice`) instants. */
  at: Array<{ nominal: number; dst: Occurrence['dst'] }>;
}

/** A validated, normalised spec. Plain data: safe to compare, clone and serialise. */
export type Spec = CronSpec | EverySpec | AtSpec;
