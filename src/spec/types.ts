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
