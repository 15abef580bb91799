/**
 * What a schedule costs: runs, agent-minutes and dollars per day and per 30-day month.
 *
 * Runs are counted from the spec's real occurrences over each local calendar day of the next 30,
 * so DST days (23 or 25 hours for wildcard specs; a skipped or repeated fixed time) count what
 * they really fire. An agent-minute is one minute of one run's browser session.
 */
import { nextOccurrence, occurrencesBetween, offsetAt, resolveLocal, wallClock, type Spec } from '../spec/index.js';

const DAY = 86_400_000;
/** A month, for pricing, is 30 days. */
export const MONTH_DAYS = 30;
/** Dollars per agent-minute when no price is given. */
export const DEFAULT_PRICE_PER_AGENT_MINUTE = 0.3;
/** Beyond this a spec is not a realistic schedule to price (it is more than one run per second). */
const MAX_RUNS_PER_DAY = 86_400;

export interface CostInput {
  spec: Spec;
  /** How long one run takes, in milliseconds. */
  durationMs: number;
  /** Dollars per agent-minute. */
  pricePerAgentMinute: number;
  /** Days are counted from the local midnight that starts the day holding this instant. */
  from: number;
}

export interface CostFigures {
  runs: number;
  agentMinutes: number;
  /** Rounded to cents. */
  dollars: number;
}

export interface DayRuns {
  /** The local date, YYYY-MM-DD in the spec's time zone. */
  date: string;
  /** Length of the local day in hours (23 or 25 on DST days). */
  hours: number;
  runs: number;
}

export interface CostEstimate {
  timezone: string;
  durationMs: number;
  pricePerAgentMinute: number;
  /** The average day of the 30 (every day when they all fire alike). */
  perDay: CostFigures;
  /** The 30 days added up. */
  perMonth: CostFigures;
  days: DayRuns[];
  /** True when the days do not all fire the same number of runs (DST days, weekly specs, bounds). */
  daysDiffer: boolean;
}

export function estimateCost(input: CostInput): CostEstimate {
  const { spec, durationMs, pricePerAgentMinute } = input;
  if (!Number.isSafeInteger(durationMs) || durationMs <= 0) throw new RangeError(`duration must be a positive number of milliseconds, got ${durationMs}`);
  if (!Number.isFinite(pricePerAgentMinute) || pricePerAgentMinute < 0) throw new RangeError(`price must be a non-negative number of dollars, got ${pricePerAgentMinute}`);
  const zone = spec.timezone;
  const firstWall = Math.floor(wallClock(zone, input.from) / DAY) * DAY;
  const days: DayRuns[] = [];
  const counter = new RunCounter(spec);
  let start = localMidnight(zone, firstWall);
  for (let i = 0; i < MONTH_DAYS; i++) {
    const wall = firstWall + i * DAY;
    const end = localMidnight(zone, wall + DAY);
    days.push({ date: new Date(wall).toISOString().slice(0, 10), hours: (end - start) / 3_600_000, runs: counter.runsBetween(start, end) });
    start = end;
  }
  const monthRuns = days.reduce((sum, d) => sum + d.runs, 0);
  const figures = (runs: number): CostFigures => {
    const agentMinutes = (runs * durationMs) / 60_000;
    return { runs, agentMinutes, dollars: Math.round(agentMinutes * pricePerAgentMinute * 100) / 100 };
  };
  return {
    timezone: zone,
    durationMs,
    pricePerAgentMinute,
    perDay: figures(monthRuns / MONTH_DAYS),
    perMonth: figures(monthRuns),
    days,
    daysDiffer: days.some((d) => d.runs !== days[0]?.runs),
  };
}

/**
 * Counts occurrences in a range. Listing them costs ~150 µs each for wildcard crons (a month of
 * `* * * * *` would take seconds), so the counts that follow from the spec are computed:
 * `every` grids arithmetically, and a wildcard cron's plain days (24 hours, no offset change, no
 * bound inside) from one listed plain day, since its time-of-day fields fire the same on every
 * matching date. DST days and fixed-time crons (a few runs a day) are listed.
 */
class RunCounter {
  private plainDayRuns: number | undefined;

  constructor(private readonly spec: Spec) {}

  runsBetween(from: number, to: number): number {
    const { spec } = this;
    const lo = spec.start === null ? from : Math.max(from, spec.start);
    const hi = spec.end === null ? to : Math.min(to, spec.end);
    if (hi <= lo) return 0;
    if (spec.kind === 'every') {
      // Grid points phase + k * every in [lo, hi).
      return Math.ceil((hi - spec.phaseMs) / spec.everyMs) - Math.ceil((lo - spec.phaseMs) / spec.everyMs);
    }
    const plain = spec.kind === 'cron' && !spec.cron.fixedTime && lo === from && hi === to && to - from === DAY && offsetAt(spec.timezone, from) === offsetAt(spec.timezone, to - 1);
    if (!plain) return this.listed(lo, hi);
    const first = nextOccurrence(spec, from - 1);
    if (first === null || first.nominal >= to) return 0;
    this.plainDayRuns ??= this.listed(from, to);
    return this.plainDayRuns;
  }

  private listed(from: number, to: number): number {
    const { occurrences, truncated } = occurrencesBetween(this.spec, from, to, MAX_RUNS_PER_DAY);
    if (truncated) throw new RangeError(`the spec fires more than ${MAX_RUNS_PER_DAY} times a day (once a second); that is not a schedule to price`);
    return occurrences.length;
  }
}

/** The instant a local day starts: its midnight, or the first instant after it in zones that skip midnight. */
function localMidnight(zone: string, wall: number): number {
  const r = resolveLocal(zone, wall);
  return r.kind === 'unique' ? r.instant : r.kind === 'overlap' ? r.earlier : r.next;
}

/** The days that fire differently from the usual (most common) day, for saying why the month is uneven. */
export function unusualDays(days: readonly DayRuns[]): { usualRuns: number; unusual: DayRuns[] } {
  const counts = new Map<number, number>();
  for (const d of days) counts.set(d.runs, (counts.get(d.runs) ?? 0) + 1);
  let usualRuns = 0;
  let best = -1;
  for (const [runs, n] of counts) {
    if (n > best) [usualRuns, best] = [runs, n];
  }
  return { usualRuns, unusual: days.filter((d) => d.runs !== usualRuns) };
}
