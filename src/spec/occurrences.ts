import { elapsedTimeOccurrences, fixedTimeOccurrences } from './cron.js';
import { intervalOccurrences } from './interval.js';
import { jitterFor } from './jitter.js';
import type { Occurrence, Spec } from './types.js';
import { formatLocal } from './zone.js';

type Nominal = Pick<Occurrence, 'nominal' | 'dst'>;

/** The spec's occurrences strictly after `after`, ignoring start/end. */
function* unbounded(spec: Spec, after: number): Generator<Nominal> {
  switch (spec.kind) {
    case 'cron':
      if (spec.cron.fixedTime) yield* fixedTimeOccurrences(spec.cron, spec.timezone, spec.dstGap, spec.dstOverlap, after);
      else yield* elapsedTimeOccurrences(spec.cron, spec.timezone, after);
      return;
    case 'every':
      yield* intervalOccurrences(spec, after);
      return;
    case 'at':
      for (const o of spec.at) if (o.nominal > after) yield o;
      return;
  }
}

function checkInstant(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite epoch-milliseconds number, got ${value}`);
}

/**
 * Occurrences strictly after `after`, ascending, within [start, end), lazily. The generator
 * ends at `end`, or never for an unbounded recurring spec: take what you need.
 */
export function* iterateOccurrences(spec: Spec, after: number): Generator<Occurrence> {
  checkInstant('after', after);
  const from = spec.start !== null ? Math.max(after, spec.start - 1) : after;
  for (const o of unbounded(spec, from)) {
    if (spec.end !== null && o.nominal >= spec.end) return;
    if (o.nominal <= after || (spec.start !== null && o.nominal < spec.start)) continue;
    yield { nominal: o.nominal, local: formatLocal(o.nominal, spec.timezone), dst: o.dst };
  }
}

/** The first `count` occurrences strictly after `after`. */
export function nextOccurrences(spec: Spec, after: number, count: number): Occurrence[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const out: Occurrence[] = [];
  if (count === 0) return out;
  for (const o of iterateOccurrences(spec, after)) {
    out.push(o);
    if (out.length >= count) break;
  }
  return out;
}

/** The first occurrence strictly after `after`, or null when there is none. */
export function nextOccurrence(spec: Spec, after: number): Occurrence | null {
  return nextOccurrences(spec, after, 1)[0] ?? null;
}

/**
 * Occurrences in the half-open range [from, to), at most `limit`; `truncated` says more exist
 * in the range.
 */
export function occurrencesBetween(spec: Spec, from: number, to: number, limit: number): { occurrences: Occurrence[]; truncated: boolean } {
  checkInstant('from', from);
  checkInstant('to', to);
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  const occurrences: Occurrence[] = [];
  if (to <= from) return { occurrences, truncated: false };
  // Instants are whole milliseconds; "after from - 1" is "at or after from" for them, and the
  // filter keeps it exact for fractional input.
  for (const o of iterateOccurrences(spec, Math.ceil(from) - 1)) {
    if (o.nominal >= to) break;
    if (occurrences.length >= limit) return { occurrences, truncated: true };
    occurrences.push(o);
  }
  return { occurrences, truncated: false };
}

/**
 * The time from the first occurrence at or after `around` to the one after it, ignoring
 * start/end (a property of the pattern, used e.g. as the default catch-up window). `every`
 * specs give their interval; one-off specs, and patterns with fewer than two occurrences left,
 * give null.
 */
export function periodOf(spec: Spec, around: number): number | null {
  checkInstant('around', around);
  if (spec.kind === 'every') return spec.everyMs;
  if (spec.kind === 'at') return null;
  const it = unbounded(spec, Math.ceil(around) - 1);
  const a = it.next();
  const b = it.next();
  return a.done || b.done ? null : b.value.nominal - a.value.nominal;
}

/**
 * When an occurrence fires once the spec's jitter is applied: its nominal time plus a delay that
 * depends only on (scheduleId, nominal) and stays before the next occurrence.
 */
export function jitteredTime(spec: Spec, scheduleId: string, nominal: number): number {
  if (spec.jitterMs <= 0) return nominal;
  const next = nextOccurrence(spec, nominal);
  return nominal + jitterFor(scheduleId, nominal, spec.jitterMs, next?.nominal);
}
