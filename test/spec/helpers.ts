import { nextOccurrences, parseSpec, type Occurrence, type ScheduleSpecInput } from '../../src/spec/index.js';
import { formatUtc } from '../../src/spec/zone.js';

/** Occurrences as readable rows: [UTC instant, local time, dst mark]. */
export function rows(input: ScheduleSpecInput, fromIso: string, count: number): Array<[string, string, Occurrence['dst']]> {
  return nextOccurrences(parseSpec(input), Date.parse(fromIso), count).map((o) => [formatUtc(o.nominal), o.local, o.dst]);
}

/** UTC offset in minutes from Intl's own long offset name, independent of src/spec/zone.ts. */
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();
export function offsetMinutes(zone: string, instant: number): number {
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name);
  if (!m || !m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export interface Transition {
  zone: string;
  /** First instant with the new offset. */
  at: number;
  before: number;
  after: number;
}

/** Offset changes in [from, to), found by sampling every 12 hours and bisecting to the second. */
export function transitions(zone: string, from: number, to: number): Transition[] {
  const step = 12 * 3_600_000;
  const out: Transition[] = [];
  let prev = offsetMinutes(zone, from);
  for (let t = from + step; t < to; t += step) {
    const o = offsetMinutes(zone, t);
    if (o === prev) continue;
    let lo = t - step;
    let hi = t;
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (offsetMinutes(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    out.push({ zone, at: hi, before: prev, after: o });
    prev = o;
  }
  return out;
}

/** Local wall fields from Intl, independent of src/spec/zone.ts. */
const partFormatters = new Map<string, Intl.DateTimeFormat>();
export function wallParts(zone: string, instant: number): { date: string; h: number; m: number; s: number } {
  let f = partFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    partFormatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, h: Number(p.hour), m: Number(p.minute), s: Number(p.second) };
}
