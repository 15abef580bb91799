/**
 * Cron expressions: validation with errors that name the field and value, classification into
 * fixed-time and elapsed-time specs, and occurrence generation.
 *
 * Why not let croner do all of it: its DST rules call a spec fixed-time only when second, minute
 * and hour are each a single value, so `30 1,13 * * *` fires twice on a fall-back night and not
 * at all on a spring-forward night; it drops a gap time whose first valid instant falls on the
 * next day; and its errors report some values off by one (day-of-month 32 is "Invalid value for
 * day: 31"). So fixed-time specs are computed here day by day from local wall times, with croner
 * only deciding which dates match; elapsed-time specs use croner's zone-aware search, which skips
 * gap times and fires on both passes of an overlap exactly as elapsed time requires (checked
 * against a brute-force scan in test/spec).
 */
import { Cron } from 'croner';
import { SpecError, type CronFieldName } from './errors.js';
import type { DstGapPolicy, DstOverlapPolicy, Occurrence, ParsedCron } from './types.js';
import { isRepeatedWallTime, resolveLocal, utcFromFields, wallClock } from './zone.js';

interface FieldRule {
  name: CronFieldName;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const RULES: readonly FieldRule[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTHS.map((n, i) => [n, i + 1])) },
  // 7 is Sunday too, as in most crons.
  { name: 'day-of-week', min: 0, max: 7, names: Object.fromEntries(DAYS.map((n, i) => [n, i])) },
];

const NICKNAMES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Validates one comma-separated item of a field; throws a SpecError naming field and value. */
function checkItem(item: string, rule: FieldRule, fail: (msg: string) => never): void {
  const value = (text: string): number => {
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      if (n < rule.min || n > rule.max) fail(`${rule.name} value ${n} is out of range ${rule.min}-${rule.max}`);
      return n;
    }
    const named = rule.names?.[text.toUpperCase()];
    if (named !== undefined) return named;
    return fail(`${rule.name} value "${text}" is not a number${rule.names ? ' or name' : ''}`);
  };
  if (item === '') fail(`${rule.name} has an empty list item`);
  if (item === '*') return;
  if (item === '?') {
    if (rule.name !== 'day-of-month' && rule.name !== 'day-of-week') fail(`${rule.name} cannot be "?" (only day-of-month and day-of-week can)`);
    return;
  }
  // Day extensions croner understands: L (last day), LW (last weekday), 15W (nearest weekday),
  // 5L (last Friday), 5#2 (second Friday).
  if (rule.name === 'day-of-month') {
    const u = item.toUpperCase();
    if (u === 'L' || u === 'LW') return;
    const w = /^(\d+)W$/.exec(u);
    if (w?.[1] !== undefined) {
      value(w[1]);
      return;
    }
  }
  if (rule.name === 'day-of-week') {
    const last = /^(\w+)L$/i.exec(item);
    if (last?.[1] !== undefined) {
      value(last[1]);
      return;
    }
    const nth = /^(\w+)#(\d+)$/.exec(item);
    if (nth?.[1] !== undefined && nth[2] !== undefined) {
      value(nth[1]);
      const k = Number(nth[2]);
      if (k < 1 || k > 5) fail(`day-of-week "${item}": occurrence #${k} is out of range 1-5`);
      return;
    }
  }
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) fail(`${rule.name} value "${item}" has more than one "/"`);
  const size = rule.max - rule.min + 1;
  if (step !== undefined) {
    if (!/^\d+$/.test(step)) fail(`${rule.name} step "${step}" in "${item}" is not a whole number`);
    const n = Number(step);
    if (n < 1) fail(`${rule.name} step ${n} in "${item}" must be at least 1`);
    if (n > size) fail(`${rule.name} step ${n} in "${item}" is larger than the field's range ${rule.min}-${rule.max}`);
  }
  if (range === undefined || range === '') return fail(`${rule.name} value "${item}" has nothing before "/"`);
  if (range === '*') return;
  const bounds = range.split('-');
  if (bounds.length === 1) {
    value(range);
    if (step !== undefined) fail(`${rule.name} value "${item}" steps from a single value; write a range, e.g. "${range}-${rule.max}/${step}"`);
    return;
  }
  if (bounds.length !== 2 || bounds[0] === '' || bounds[1] === '') fail(`${rule.name} range "${range}" is not of the form a-b`);
  const lo = value(bounds[0] ?? '');
  const hi = value(bounds[1] ?? '');
  if (lo > hi) fail(`${rule.name} range "${range}" runs backwards (${lo} > ${hi})`);
}

/** True for a field that is one plain number or a list of plain numbers. */
const isFixedField = (field: string): boolean => field.split(',').every((item) => /^\d+$/.test(item));

/**
 * Validates and normalises a cron expression: 5 fields, or 6 with seconds first, or one of
 * `@yearly @annually @monthly @weekly @daily @midnight @hourly`.
 */
export function parseCron(text: string): ParsedCron {
  const shown = typeof text === 'string' ? text.trim() : String(text);
  const fail = (msg: string, cronField?: CronFieldName): never => {
    throw new SpecError('cron', text, `cron "${shown}": ${msg}`, cronField);
  };
  if (typeof text !== 'string' || shown === '') fail('is empty');
  const expanded = NICKNAMES[shown.toLowerCase()] ?? shown;
  if (expanded.startsWith('@')) fail(`unknown nickname; use one of ${Object.keys(NICKNAMES).join(', ')}`);
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    fail(`has ${parts.length} field${parts.length === 1 ? '' : 's'}; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)`);
  }
  const fields = parts.length === 5 ? ['0', ...parts] : parts;
  fields.forEach((field, i) => {
    const rule = RULES[i];
    if (!rule) return;
    for (const item of field.split(',')) checkItem(item, rule, (msg) => fail(msg, rule.name));
  });
  const normalized = fields.map((f) => f.replace(/\?/g, '*'));
  const expression = normalized.join(' ');
  try {
    new Cron(expression, { paused: true, mode: '6-part' });
  } catch (err) {
    // Our checks should have caught everything croner rejects; keep its words if not.
    fail(err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err));
  }
  const [sec = '0', min = '0', hour = '0', dom = '*', month = '*', dow = '*'] = normalized;
  const fixedTime = isFixedField(sec) && isFixedField(min) && isFixedField(hour);
  const timesOfDay: number[] = [];
  if (fixedTime) {
    const nums = (f: string) => [...new Set(f.split(',').map(Number))];
    for (const h of nums(hour)) for (const m of nums(min)) for (const s of nums(sec)) timesOfDay.push(h * 3600 + m * 60 + s);
    timesOfDay.sort((a, b) => a - b);
  }
  const dayFields = `${dom} ${month} ${dow}`;
  if (firstMatchingDate(dayFields, 0) === null) {
    fail(`no date matches day-of-month "${dom}", month "${month}" and day-of-week "${dow}" together`, 'day-of-month');
  }
  return { expression, fixedTime, timesOfDay, dayFields };
}

// Croner instances are immutable once built and only used for time math (never scheduled:
// no callback is given), so they are cached. The cache is bounded to stay a cache.
const compiled = new Map<string, Cron>();
function cronFor(pattern: string, timezone: string): Cron {
  const key = `${pattern}\u0000${timezone}`;
  let c = compiled.get(key);
  if (!c) {
    if (compiled.size >= 512) compiled.clear();
    c = new Cron(pattern, { paused: true, mode: '6-part', timezone });
    compiled.set(key, c);
  }
  return c;
}

const DAY = 86_400_000;

/** First date (as UTC midnight) at or after `fromDay` that the day fields match. */
function firstMatchingDate(dayFields: string, fromDay: number): number | null {
  // Dates are zone-free, so this asks croner in UTC, where no DST can interfere.
  const next = cronFor(`0 0 0 ${dayFields}`, 'UTC').nextRun(new Date(fromDay - 1000));
  return next ? next.getTime() : null;
}

type Nominal = Pick<Occurrence, 'nominal' | 'dst'>;

/**
 * Fixed-time occurrences strictly after `after`, ascending. Each matching local date contributes
 * its times of day, resolved through the zone: a time in a gap moves to the first instant after
 * the gap (`shift`) or is dropped (`skip`); a time in an overlap fires at its first instant
 * (`once`) or at both (`twice`). A shifted time that lands on a real one fires once.
 */
export function* fixedTimeOccurrences(cron: ParsedCron, timezone: string, gap: DstGapPolicy, overlap: DstOverlapPolicy, after: number): Generator<Nominal> {
  // A date's instants lie within about a day of its wall midnight (offsets are under a day,
  // a gap shift adds at most another), so start a few dates back and hold results until no
  // later date can produce an earlier instant.
  const wallAfter = wallClock(timezone, after);
  const afterDate = new Date(wallAfter);
  let day: number | null = utcFromFields(afterDate.getUTCFullYear(), afterDate.getUTCMonth() + 1, afterDate.getUTCDate()) - 3 * DAY;
  let pending: Nominal[] = [];
  for (;;) {
    day = firstMatchingDate(cron.dayFields, day);
    const safeBefore = day === null ? Infinity : day - 2 * DAY;
    while (pending[0] && pending[0].nominal < safeBefore) {
      const next = pending.shift();
      if (next && next.nominal > after) yield next;
    }
    if (day === null) return;
    for (const seconds of cron.timesOfDay) {
      const r = resolveLocal(timezone, day + seconds * 1000);
      if (r.kind === 'unique') pending.push({ nominal: r.instant, dst: null });
      else if (r.kind === 'gap') {
        if (gap === 'shift') pending.push({ nominal: r.next, dst: 'shifted' });
      } else {
        pending.push({ nominal: r.earlier, dst: null });
        if (overlap === 'twice') pending.push({ nominal: r.later, dst: 'repeated' });
      }
    }
    // Order, and merge a shifted time into a real one at the same instant.
    pending.sort((a, b) => a.nominal - b.nominal || (a.dst === 'shifted' ? 1 : 0) - (b.dst === 'shifted' ? 1 : 0));
    pending = pending.filter((o, i) => i === 0 || o.nominal !== pending[i - 1]?.nominal);
    day += DAY;
  }
}

/**
 * Elapsed-time occurrences strictly after `after`: every instant whose local wall time matches.
 * None fall in a gap; both passes of an overlap match, the second marked `repeated`.
 */
export function* elapsedTimeOccurrences(cron: ParsedCron, timezone: string, after: number): Generator<Nominal> {
  const c = cronFor(cron.expression, timezone);
  let cursor = after;
  for (;;) {
    const next = c.nextRun(new Date(cursor));
    if (!next) return;
    cursor = next.getTime();
    yield { nominal: cursor, dst: isRepeatedWallTime(timezone, cursor) ? 'repeated' : null };
  }
}
