/**
 * Time-zone arithmetic on epoch milliseconds, using only Intl (the runtime's tz database).
 *
 * A "wall" value is a local date-time encoded as if it were UTC: `Date.UTC(y, m, d, h, mi, s)`.
 * It lets local times be compared and stepped with plain arithmetic; `resolveLocal` maps one back
 * to the real instant(s) it names, which is where spring-forward gaps and fall-back overlaps show.
 */

const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * The zone name to store, or null when Intl does not know the zone. Names are kept as written
 * (ICU would turn `Asia/Kolkata` into the legacy `Asia/Calcutta`); only letter case is fixed
 * (`america/new_york` → `America/New_York`, `utc` → `UTC`).
 */
export function canonicalZone(zone: string): string | null {
  if (typeof zone !== 'string' || zone.trim() === '') return null;
  // Building an Intl formatter costs ~100 µs; every parseSpec asks, so remember the answers.
  const known = canonicalZones.get(zone);
  if (known !== undefined) return known;
  let canonical: string | null;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    canonical = resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    canonical = null;
  }
  if (canonicalZones.size < 10_000) canonicalZones.set(zone, canonical);
  return canonical;
}

const canonicalZones = new Map<string, string | null>();

/** `Date.UTC` without its two-digit-year quirk (years 0–99 would mean 1900–1999). */
export function utcFromFields(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  if (y >= 0 && y < 100) {
    // 400 Gregorian years are exactly 146097 days, so shifting by them keeps every field.
    return Date.UTC(y + 400, mo - 1, d, h, mi, s, ms) - 146_097 * DAY;
  }
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

// `format` is a few times faster than `formatToParts`; en-US numeric output is fixed.
const EN_US = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** Local wall time (see file comment) of an instant in a zone. Milliseconds carry through. */
export function wallClock(zone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const text = formatterFor(zone).format(whole);
  const m = EN_US.exec(text);
  if (!m) throw new Error(`zone: unexpected Intl output ${JSON.stringify(text)} for ${zone}`);
  const wall = utcFromFields(Number(m[3]), Number(m[1]), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]));
  return wall + (instant - whole);
}

/** UTC offset in milliseconds in force at an instant (e.g. -14_400_000 for EDT). */
export function offsetAt(zone: string, instant: number): number {
  return wallClock(zone, instant) - instant;
}

/** How a local wall time maps onto real instants. */
export type LocalResolution =
  | { kind: 'unique'; instant: number }
  /** The wall time happens twice (fall back): once before the transition, once after. */
  | { kind: 'overlap'; earlier: number; later: number }
  /** The wall time never happens (spring forward); `next` is the first instant after it. */
  | { kind: 'gap'; next: number };

/**
 * Real instants at which a zone's clocks show `wall`.
 *
 * Offsets lie within a day of zero, so the instant, if any, is within a day of `wall`; the
 * candidate offsets are the ones in force around it, and a candidate is real when the zone
 * agrees it is in force at the instant it implies.
 */
export function resolveLocal(zone: string, wall: number): LocalResolution {
  const before = offsetAt(zone, wall - DAY);
  const after = offsetAt(zone, wall + DAY);
  if (before === after && offsetAt(zone, wall - before) === before) {
    // Common case: no transition nearby.
    return { kind: 'unique', instant: wall - before };
  }
  const offsets = new Set([before, after]);
  for (const probe of [wall - DAY / 2, wall, wall + DAY / 2]) offsets.add(offsetAt(zone, probe));
  const instants = [...offsets]
    .map((o) => wall - o)
    .filter((t) => offsetAt(zone, t) === wall - t)
    .sort((a, b) => a - b);
  const first = instants[0];
  const last = instants[instants.length - 1];
  if (first !== undefined && last !== undefined) {
    return first === last ? { kind: 'unique', instant: first } : { kind: 'overlap', earlier: first, later: last };
  }
  // A gap: bisect (whole seconds; tz transitions are on whole seconds) for the first instant
  // whose wall time is past `wall`.
  let lo = Math.floor((wall - Math.max(...offsets)) / 1000);
  let hi = Math.ceil((wall - Math.min(...offsets)) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(zone, mid * 1000) > wall) hi = mid;
    else lo = mid;
  }
  return { kind: 'gap', next: hi * 1000 };
}

/** True when an instant is the second time its wall time occurs (after a fall-back). */
export function isRepeatedWallTime(zone: string, instant: number): boolean {
  const r = resolveLocal(zone, wallClock(zone, instant));
  return r.kind === 'overlap' && r.later === instant;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatWall(wall: number): string {
  const d = new Date(wall);
  const y = d.getUTCFullYear();
  const year = y >= 0 && y <= 9999 ? pad(y, 4) : (y < 0 ? '-' : '+') + pad(Math.abs(y), 6);
  const ms = d.getUTCMilliseconds();
  return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}`;
}

/** `+05:30`, `-04:00`, `+00:00`; seconds only for the odd historical offset that has them. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ''}`;
}

/** ISO 8601 local time with its offset, e.g. `2026-03-08T03:00:00-04:00` (UTC gives `+00:00`). */
export function formatLocal(instant: number, timezone: string): string {
  const wall = wallClock(timezone, instant);
  return formatWall(wall) + formatOffset(wall - instant);
}

/** ISO 8601 UTC, milliseconds only when there are any: `2026-03-08T07:00:00Z`. */
export function formatUtc(instant: number): string {
  return `${formatWall(instant)}Z`;
}
