import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatLocal,
  formatUtc,
  jitteredTime,
  jitterFor,
  nextOccurrence,
  nextOccurrences,
  occurrencesBetween,
  parseDuration,
  parseSpec,
  periodOf,
  resolveLocal,
  scheduleSpecInputSchema,
  SpecError,
  type ScheduleSpecInput,
} from '../../src/spec/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The SpecError that parsing throws, for inspecting field, value and message. */
function specError(input: unknown): SpecError {
  try {
    parseSpec(input as ScheduleSpecInput);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return err as SpecError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseSpec errors name the field, the value and what is wrong', () => {
  it.each([
    ['61 * * * *', 'minute', /minute value 61 is out of range 0-59/],
    ['* 24 * * *', 'hour', /hour value 24 is out of range 0-23/],
    ['* * 32 * *', 'day-of-month', /day-of-month value 32 is out of range 1-31/],
    ['* * 0 * *', 'day-of-month', /day-of-month value 0 is out of range 1-31/],
    ['* * * 13 *', 'month', /month value 13 is out of range 1-12/],
    ['* * * FOO *', 'month', /month value "FOO" is not a number or name/],
    ['* * * * 8', 'day-of-week', /day-of-week value 8 is out of range 0-7/],
    ['* * * * MON-FUN', 'day-of-week', /day-of-week value "FUN" is not a number or name/],
    ['60 * * * * *', 'second', /second value 60 is out of range 0-59/],
    ['*/0 * * * *', 'minute', /minute step 0 in "\*\/0" must be at least 1/],
    ['*/61 * * * *', 'minute', /minute step 61 .* larger than the field's range 0-59/],
    ['5-1 * * * *', 'minute', /minute range "5-1" runs backwards/],
    ['5/15 * * * *', 'minute', /minute value "5\/15" steps from a single value; write a range, e.g. "5-59\/15"/],
    ['1,,2 * * * *', 'minute', /minute has an empty list item/],
    ['? * * * *', 'minute', /minute cannot be "\?"/],
    ['0 0 * * 5#6', 'day-of-week', /occurrence #6 is out of range 1-5/],
    ['0 0 30 2 *', 'day-of-month', /no date matches day-of-month "30", month "2"/],
  ])('cron %s → %s', (cron, cronField, message) => {
    const err = specError({ cron });
    expect(err.field).toBe('cron');
    expect(err.value).toBe(cron);
    expect(err.cronField).toBe(cronField);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`"${cron}"`);
  });

  it('wrong field counts and nicknames', () => {
    expect(specError({ cron: '* * * *' }).message).toMatch(/has 4 fields; expected 5 .* or 6 \(second first\)/);
    expect(specError({ cron: '0 0 0 1 1 * 2030' }).message).toMatch(/has 7 fields/);
    expect(specError({ cron: '' }).message).toMatch(/is empty/);
    expect(specError({ cron: '@fortnightly' }).message).toMatch(/unknown nickname/);
  });

  it('unknown time zone', () => {
    const err = specError({ cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' });
    expect(err.field).toBe('timezone');
    expect(err.value).toBe('Mars/Olympus_Mons');
    expect(err.message).toMatch(/unknown IANA time zone "Mars\/Olympus_Mons"/);
  });

  it.each([
    ['15x', /is not a duration/],
    ['1.5h', /has a fraction/],
    ['10', /has no unit/],
    ['-5m', /is negative/],
    ['', /is empty/],
    ['30m1h', /misorders unit "h"/],
  ])('bad duration %j', (every, message) => {
    const err = specError({ every });
    expect(err.field).toBe('every');
    expect(err.value).toBe(every);
    expect(err.message).toMatch(message);
  });

  it('bad jitter and phase durations name their own field', () => {
    expect(specError({ every: '1h', jitter: 'soon' }).field).toBe('jitter');
    expect(specError({ every: '1h', phase: 'x' }).field).toBe('phase');
    expect(specError({ every: '1h', phase: '1h' }).message).toMatch(/phase: "1h" must be shorter than every/);
    expect(specError({ cron: '* * * * *', phase: '5m' }).message).toMatch(/phase: only applies to every/);
    expect(specError({ every: '0s' }).message).toMatch(/must be longer than zero/);
  });

  it('exactly one of cron, every, at', () => {
    expect(specError({ cron: '* * * * *', every: '1m' }).message).toBe('a spec has exactly one of cron, every, at; got cron and every');
    expect(specError({ every: '1m', at: '2026-01-01T00:00:00Z' }).field).toBe('at');
    expect(specError({}).message).toBe('a spec needs one of cron, every, at');
  });

  it('end must be after start', () => {
    const err = specError({ every: '1h', start: '2026-03-10', end: '2026-03-01' });
    expect(err.field).toBe('end');
    expect(err.message).toBe('end: "2026-03-01" is not after start "2026-03-10"');
    expect(specError({ every: '1h', start: '2026-03-10T00:00Z', end: '2026-03-10T00:00Z' }).field).toBe('end');
  });

  it('bad instants, types and unknown fields', () => {
    expect(specError({ at: '2026-02-30T10:00' }).message).toBe('at: "2026-02-30T10:00" has day 30, not a day of 2026-02');
    expect(specError({ at: 'tomorrow' }).message).toMatch(/at: "tomorrow" is not an ISO 8601 date-time/);
    expect(specError({ every: '1h', start: '2026-01-01T25:00' }).message).toMatch(/start: .* has hour 25/);
    expect(specError({ every: 5 }).field).toBe('every');
    expect(specError({ cron: '* * * * *', dstGap: 'later' }).field).toBe('dstGap');
    const unknown = specError({ every: '1h', timeZone: 'UTC' });
    expect(unknown.field).toBe('timeZone');
    expect(unknown.message).toMatch(/unknown spec field "timeZone"/);
  });
});

describe('parseSpec normalises', () => {
  it('stores the time zone (UTC by default) and policies explicitly', () => {
    const spec = parseSpec({ cron: '0  9 * * 1-5' });
    expect(spec.timezone).toBe('UTC');
    expect(spec.input).toEqual({ cron: '0 9 * * 1-5', timezone: 'UTC', dstGap: 'shift', dstOverlap: 'once' });
    expect(parseSpec(spec.input)).toEqual(spec);
    expect(parseSpec({ every: '1h', timezone: 'america/new_york' }).timezone).toBe('America/New_York');
    expect(parseSpec({ every: '1h', timezone: 'Asia/Kolkata' }).timezone).toBe('Asia/Kolkata');
    expect(parseSpec({ every: '1h', timezone: 'US/Eastern' }).timezone).toBe('US/Eastern');
  });

  it('classifies fixed-time and elapsed-time cron', () => {
    const kind = (cron: string) => {
      const spec = parseSpec({ cron });
      return spec.kind === 'cron' ? spec.cron.fixedTime : undefined;
    };
    expect(kind('30 2 * * *')).toBe(true);
    expect(kind('30 1,13 * * *')).toBe(true);
    expect(kind('0 30 2 * * *')).toBe(true);
    expect(kind('@daily')).toBe(true);
    expect(kind('*/15 * * * *')).toBe(false);
    expect(kind('30 1-3 * * *')).toBe(false);
    expect(kind('*/10 30 2 * * *')).toBe(false);
    expect(kind('@hourly')).toBe(false);
  });

  it('accepts names, ? and 7 for Sunday', () => {
    const first = (input: ScheduleSpecInput) => formatUtc(nextOccurrence(parseSpec(input), Date.UTC(2026, 0, 1))!.nominal);
    expect(first({ cron: '0 9 ? JAN SUN' })).toBe('2026-01-04T09:00:00Z');
    expect(first({ cron: '0 9 * * 7' })).toBe('2026-01-04T09:00:00Z');
    expect(first({ cron: '0 9 L * *' })).toBe('2026-01-31T09:00:00Z');
    expect(first({ cron: '0 9 * * FRI#2' })).toBe('2026-01-09T09:00:00Z');
  });
});

describe('durations', () => {
  it('parses single and compound units', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('6h')).toBe(6 * HOUR);
    expect(parseDuration('1d')).toBe(DAY);
    expect(parseDuration('2w')).toBe(14 * DAY);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('1m30s250ms')).toBe(90_250);
  });

  it('formats back', () => {
    expect(formatDuration(90 * 60_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(500)).toBe('500ms');
  });
});

describe('formatLocal and zones', () => {
  it('writes ISO with the offset', () => {
    const t = Date.parse('2026-03-08T07:00:00Z');
    expect(formatLocal(t, 'America/New_York')).toBe('2026-03-08T03:00:00-04:00');
    expect(formatLocal(t, 'Asia/Kolkata')).toBe('2026-03-08T12:30:00+05:30');
    expect(formatLocal(t, 'Australia/Lord_Howe')).toBe('2026-03-08T18:00:00+11:00');
    expect(formatLocal(Date.parse('2026-07-08T07:00:00Z'), 'Australia/Lord_Howe')).toBe('2026-07-08T17:30:00+10:30');
    expect(formatLocal(t, 'UTC')).toBe('2026-03-08T07:00:00+00:00');
    expect(formatLocal(t + 250, 'UTC')).toBe('2026-03-08T07:00:00.250+00:00');
    expect(formatUtc(t)).toBe('2026-03-08T07:00:00Z');
  });

  it('resolves local times: unique, gap, overlap', () => {
    const tz = 'America/New_York';
    expect(resolveLocal(tz, Date.UTC(2026, 2, 8, 1, 30))).toEqual({ kind: 'unique', instant: Date.parse('2026-03-08T06:30:00Z') });
    expect(resolveLocal(tz, Date.UTC(2026, 2, 8, 2, 30))).toEqual({ kind: 'gap', next: Date.parse('2026-03-08T07:00:00Z') });
    expect(resolveLocal(tz, Date.UTC(2026, 10, 1, 1, 30))).toEqual({ kind: 'overlap', earlier: Date.parse('2026-11-01T05:30:00Z'), later: Date.parse('2026-11-01T06:30:00Z') });
  });
});

describe('occurrences', () => {
  it('every: a UTC grid offset by the phase, local times only for display', () => {
    const spec = parseSpec({ every: '1h', phase: '15m', timezone: 'America/New_York' });
    expect(nextOccurrences(spec, Date.parse('2026-03-08T06:20:00Z'), 2).map((o) => [formatUtc(o.nominal), o.local])).toEqual([
      ['2026-03-08T07:15:00Z', '2026-03-08T03:15:00-04:00'],
      ['2026-03-08T08:15:00Z', '2026-03-08T04:15:00-04:00'],
    ]);
  });

  it('is strictly after the reference', () => {
    const spec = parseSpec({ cron: '0 * * * *' });
    const t = Date.parse('2026-01-01T10:00:00Z');
    expect(nextOccurrence(spec, t)!.nominal).toBe(t + HOUR);
    expect(nextOccurrence(spec, t - 1)!.nominal).toBe(t);
    expect(nextOccurrence(parseSpec({ every: '1h' }), t)!.nominal).toBe(t + HOUR);
  });

  it('6-field cron with seconds', () => {
    const spec = parseSpec({ cron: '*/20 * * * * *' });
    expect(nextOccurrences(spec, Date.parse('2026-01-01T00:00:05Z'), 3).map((o) => formatUtc(o.nominal))).toEqual(['2026-01-01T00:00:20Z', '2026-01-01T00:00:40Z', '2026-01-01T00:01:00Z']);
  });

  it('one-off: fires once, nothing after', () => {
    const spec = parseSpec({ at: '2026-05-01T12:00:00+02:00' });
    expect(nextOccurrences(spec, 0, 5).map((o) => formatUtc(o.nominal))).toEqual(['2026-05-01T10:00:00Z']);
    expect(nextOccurrence(spec, Date.parse('2026-05-01T10:00:00Z'))).toBeNull();
  });

  it('occurrencesBetween is half-open and reports truncation', () => {
    const spec = parseSpec({ every: '1h' });
    const from = Date.parse('2026-01-01T00:00:00Z');
    const all = occurrencesBetween(spec, from, from + 3 * HOUR, 10);
    expect(all.occurrences.map((o) => o.nominal)).toEqual([from, from + HOUR, from + 2 * HOUR]);
    expect(all.truncated).toBe(false);
    expect(occurrencesBetween(spec, from, from + 3 * HOUR, 2)).toMatchObject({ truncated: true, occurrences: [{ nominal: from }, { nominal: from + HOUR }] });
    expect(occurrencesBetween(spec, from, from + 3 * HOUR, 3).truncated).toBe(false);
    expect(occurrencesBetween(spec, from, from, 3).occurrences).toEqual([]);
  });

  it('respects start and end', () => {
    const spec = parseSpec({ every: '1d', start: '2026-01-03T00:00:00Z', end: '2026-01-05T00:00:00Z' });
    expect(nextOccurrences(spec, 0, 10).map((o) => formatUtc(o.nominal))).toEqual(['2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z']);
  });

  it('periodOf gives the gap from the next occurrence to the one after', () => {
    const at = (iso: string) => Date.parse(iso);
    expect(periodOf(parseSpec({ every: '15m' }), 0)).toBe(15 * 60_000);
    expect(periodOf(parseSpec({ cron: '0 9 * * 1-5' }), at('2026-03-10T09:00:00Z'))).toBe(DAY);
    expect(periodOf(parseSpec({ cron: '0 9 * * 1-5' }), at('2026-03-13T09:00:00Z'))).toBe(3 * DAY); // Friday → Monday
    expect(periodOf(parseSpec({ cron: '30 2 * * *', timezone: 'America/New_York' }), at('2026-03-07T07:30:00Z'))).toBe(23.5 * HOUR); // 02:30 EST → 03:00 EDT
    expect(periodOf(parseSpec({ at: '2026-05-01T12:00:00Z' }), 0)).toBeNull();
    expect(periodOf(parseSpec({ cron: '0 9 * * *', end: '2026-01-02T00:00:00Z' }), at('2026-06-01T00:00:00Z'))).toBe(DAY);
  });
});

describe('jitter', () => {
  it('is a pure function of schedule id and nominal time', () => {
    expect(jitterFor('sched-1', 1_000_000, 60_000)).toBe(jitterFor('sched-1', 1_000_000, 60_000));
    expect(jitterFor('sched-1', 1_000_000, 0)).toBe(0);
    expect(jitterFor('sched-1', 1_000_000, 60_000, 1_000_001)).toBe(0);
  });

  it('spreads schedules that share a nominal time across the window', () => {
    const values = Array.from({ length: 2000 }, (_, i) => jitterFor(`schedule-${i}`, Date.UTC(2026, 0, 1), 60_000));
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) buckets[Math.floor(v / 6000)]!++;
    for (const b of buckets) expect(b).toBeGreaterThan(140); // ~200 each
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(27_000);
    expect(mean).toBeLessThan(33_000);
  });

  it('jitteredTime stays before the next occurrence', () => {
    const spec = parseSpec({ every: '1m', jitter: '1h' });
    for (let i = 0; i < 50; i++) {
      const nominal = Date.UTC(2026, 0, 1) + i * 60_000;
      const fire = jitteredTime(spec, 'x', nominal);
      expect(fire).toBeGreaterThanOrEqual(nominal);
      expect(fire).toBeLessThan(nominal + 60_000);
    }
    expect(jitteredTime(parseSpec({ every: '1m' }), 'x', 5)).toBe(5);
  });
});

describe('zod schema', () => {
  it('accepts a spec as written and rejects unknown fields', () => {
    expect(scheduleSpecInputSchema.safeParse({ cron: '0 9 * * *', timezone: 'Europe/Paris', dstGap: 'skip' }).success).toBe(true);
    expect(scheduleSpecInputSchema.safeParse({ cron: '0 9 * * *', tz: 'Europe/Paris' }).success).toBe(false);
  });
});
