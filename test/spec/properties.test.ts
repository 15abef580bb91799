/**
 * Properties over every DST transition from 2020 to 2030 in zones with whole-hour, half-hour,
 * 45-minute-offset, 30-minute-shift, 2-hour-shift and midnight transitions. Oracles here use
 * Intl directly (helpers.ts), not src/spec/zone.ts.
 */
import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jitterFor, nextOccurrence, nextOccurrences, occurrencesBetween, parseSpec, type Occurrence, type ScheduleSpecInput } from '../../src/spec/index.js';
import { transitions, wallParts, type Transition } from './helpers.js';

const ZONES = [
  'America/New_York', 'America/Los_Angeles', 'America/Halifax', 'America/St_Johns', 'America/Havana',
  'America/Santiago', 'America/Asuncion', 'America/Nuuk', 'America/Scoresbysund', 'Pacific/Easter',
  'Europe/London', 'Europe/Paris', 'Europe/Chisinau', 'Africa/Cairo', 'Africa/Casablanca',
  'Asia/Tehran', 'Asia/Beirut', 'Asia/Gaza', 'Asia/Jerusalem', 'Asia/Amman',
  'Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham',
  'Pacific/Norfolk', 'Pacific/Fiji', 'Antarctica/Troll',
];

const ALL: Transition[] = ZONES.flatMap((z) => transitions(z, Date.UTC(2020, 0, 1), Date.UTC(2031, 0, 1)));
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const transition = fc.integer({ min: 0, max: ALL.length - 1 }).map((i) => ALL[i]!);
const pad = (n: number) => String(n).padStart(2, '0');

/** Date string (YYYY-MM-DD) `days` after `date`. */
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

describe('spec properties over DST transitions 2020-2030', () => {
  it('covers at least 20 zones and hundreds of transitions', () => {
    expect(new Set(ALL.map((t) => t.zone)).size).toBeGreaterThanOrEqual(20);
    expect(ALL.length).toBeGreaterThan(400);
  });

  it('a fixed daily time matches an independent oracle under every policy, and fires exactly once per local day under shift/once', () => {
    fc.assert(
      fc.property(
        transition,
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.constantFrom(0, 0, 30),
        fc.constantFrom('shift', 'skip'),
        fc.constantFrom('once', 'twice'),
        (t, h, m, s, dstGap, dstOverlap) => {
          const spec = parseSpec({ cron: `${s} ${m} ${h} * * *`, timezone: t.zone, dstGap, dstOverlap });
          const from = t.at - 2.5 * DAY;
          const to = t.at + 2.5 * DAY;
          const actual = occurrencesBetween(spec, from, to, 100).occurrences.map((o) => [o.nominal, o.dst]);

          // Oracle: the wall time on each date at either offset around the transition, kept when
          // Intl agrees; none means a gap, which shifts to the transition instant.
          const expected: Array<[number, Occurrence['dst']]> = [];
          const centre = wallParts(t.zone, t.at).date;
          for (let d = -4; d <= 4; d++) {
            const date = addDays(centre, d);
            const wall = Date.parse(`${date}T${pad(h)}:${pad(m)}:${pad(s)}Z`);
            const hits = [...new Set([t.before, t.after].map((o) => wall - o * MIN))]
              .filter((x) => {
                const w = wallParts(t.zone, x);
                return w.date === date && w.h === h && w.m === m && w.s === s;
              })
              .sort((a, b) => a - b);
            if (hits.length === 0 && dstGap === 'shift') expected.push([t.at, 'shifted']);
            if (hits[0] !== undefined) expected.push([hits[0], null]);
            if (hits[1] !== undefined && dstOverlap === 'twice') expected.push([hits[1], 'repeated']);
          }
          expect(actual).toEqual(expected.filter(([x]) => x >= from && x < to).sort((a, b) => a[0] - b[0]));

          if (dstGap === 'shift' && dstOverlap === 'once') {
            // A run counts for the local date of the time it was scheduled for: a shifted run
            // stands in for a time in the gap, whose date can be the day before the run when
            // the gap crosses midnight (America/Nuuk, America/Scoresbysund: 23:00 -> 00:00).
            const hms = `${pad(h)}:${pad(m)}:${pad(s)}`;
            const scheduledDate = (x: number, dst: Occurrence['dst']): string => {
              if (dst !== 'shifted') return wallParts(t.zone, x).date;
              const before = wallParts(t.zone, x - 1000);
              const beforeText = `${before.date}T${pad(before.h)}:${pad(before.m)}:${pad(before.s)}`;
              return `${before.date}T${hms}` > beforeText ? before.date : wallParts(t.zone, x).date;
            };
            const perDate = new Map<string, number>();
            for (const [x, dst] of actual) {
              const date = scheduledDate(x as number, dst as Occurrence['dst']);
              perDate.set(date, (perDate.get(date) ?? 0) + 1);
            }
            const dates = [...perDate.keys()].slice(1, -1); // edge dates are cut by the window
            for (let i = 0; i < dates.length; i++) {
              expect(perDate.get(dates[i]!)).toBe(1);
              if (i > 0) expect(dates[i]).toBe(addDays(dates[i - 1]!, 1));
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('wildcard/step specs fire at exactly the instants whose wall time matches, repeats marked', () => {
    const patterns = ['*/30 * * * *', '*/15 * * * *', '0 * * * *', '45 * * * *', '*/10 1-3 * * *', '0,30 0-3 * * *', '*/20 22-23,0-2 * * *', '5 */2 * * *'];
    fc.assert(
      fc.property(transition, fc.constantFrom(...patterns), (t, pattern) => {
        const from = t.at - 3 * HOUR;
        const to = t.at + 3 * HOUR;
        const matcher = new Cron(pattern, { timezone: 'UTC', paused: true });
        const seen = new Set<string>();
        const expected: Array<[number, Occurrence['dst']]> = [];
        for (let x = from; x < to; x += MIN) {
          const w = wallParts(t.zone, x);
          const key = `${w.date}T${pad(w.h)}:${pad(w.m)}:${pad(w.s)}`;
          if (matcher.match(new Date(`${key}Z`))) expected.push([x, seen.has(key) ? 'repeated' : null]);
          seen.add(key);
        }
        const spec = parseSpec({ cron: pattern, timezone: t.zone });
        const actual = occurrencesBetween(spec, from, to, 1000).occurrences.map((o) => [o.nominal, o.dst]);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 120 },
    );
  });

  const specInputs = (zone: string): fc.Arbitrary<ScheduleSpecInput> =>
    fc.oneof(
      fc.record({
        cron: fc.constantFrom('30 2 * * *', '0 0 * * *', '15 1,2,3 * * *', '0,30 2 * * *', '0 */4 * * *', '*/30 * * * *', '20 30 1 * * *', '*/20 * 1 * * *', '0 9 * * 1-5', '0 0 1 * *'),
        timezone: fc.constant(zone),
        dstGap: fc.constantFrom('shift' as const, 'skip' as const),
        dstOverlap: fc.constantFrom('once' as const, 'twice' as const),
      }),
      fc.record({
        every: fc.constantFrom('90s', '15m', '1h', '6h', '1d', '7m30s'),
        timezone: fc.constant(zone),
      }),
    );

  it('occurrences strictly increase and are strictly after the reference', () => {
    fc.assert(
      fc.property(
        transition.chain((t) => fc.tuple(fc.constant(t), specInputs(t.zone), fc.integer({ min: -2 * DAY, max: DAY }))),
        ([t, input, delta]) => {
          const after = t.at + delta;
          const occ = nextOccurrences(parseSpec(input), after, 40);
          expect(occ.length).toBe(40);
          expect(occ[0]!.nominal).toBeGreaterThan(after);
          for (let i = 1; i < occ.length; i++) expect(occ[i]!.nominal).toBeGreaterThan(occ[i - 1]!.nominal);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('every specs keep exact spacing on the phase grid, whatever the zone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 * 24 * 3600 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 11, 31) }),
        fc.constantFrom(...ZONES, 'UTC'),
        (seconds, phaseFraction, after, timezone) => {
          const phaseS = Math.floor(seconds * phaseFraction);
          const spec = parseSpec({ every: `${seconds}s`, phase: `${phaseS}s`, timezone });
          const occ = nextOccurrences(spec, after, 30);
          const every = seconds * 1000;
          expect(occ[0]!.nominal).toBeGreaterThan(after);
          expect(occ[0]!.nominal - every).toBeLessThanOrEqual(after);
          expect((((occ[0]!.nominal - phaseS * 1000) % every) + every) % every).toBe(0);
          for (let i = 1; i < occ.length; i++) expect(occ[i]!.nominal - occ[i - 1]!.nominal).toBe(every);
          expect(occ.every((o) => o.dst === null)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('jitter is deterministic, below the maximum, and below the next nominal time', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 0, max: 7 * DAY }),
        fc.option(fc.integer({ min: 1, max: 7 * DAY }), { nil: undefined }),
        (id, nominal, max, gap) => {
          const next = gap === undefined ? undefined : nominal + gap;
          const j = jitterFor(id, nominal, max, next);
          expect(jitterFor(id, nominal, max, next)).toBe(j);
          expect(Number.isInteger(j)).toBe(true);
          expect(j).toBeGreaterThanOrEqual(0);
          if (max > 0) expect(j).toBeLessThan(max);
          else expect(j).toBe(0);
          if (gap !== undefined) expect(j).toBeLessThan(gap);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('occurrencesBetween agrees with iterating nextOccurrence, including truncation', () => {
    fc.assert(
      fc.property(
        transition.chain((t) => fc.tuple(fc.constant(t), specInputs(t.zone), fc.integer({ min: -DAY, max: DAY }), fc.integer({ min: 0, max: 2 * DAY }), fc.integer({ min: 0, max: 60 }))),
        ([t, input, delta, span, limit]) => {
          const spec = parseSpec(input);
          const from = t.at + delta;
          const to = from + span;
          const iterated: number[] = [];
          for (let o = nextOccurrence(spec, from - 1); o && o.nominal < to; o = nextOccurrence(spec, o.nominal)) iterated.push(o.nominal);
          const between = occurrencesBetween(spec, from, to, limit);
          expect(between.occurrences.map((o) => o.nominal)).toEqual(iterated.slice(0, limit));
          expect(between.truncated).toBe(iterated.length > limit);
        },
      ),
      { numRuns: 120 },
    );
  });
});
