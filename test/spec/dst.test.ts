/**
 * Hand-checked DST cases. Each expected instant was worked out from the zone's published rules
 * (and the transition instants are asserted first, so a tz database change shows up as such).
 */
import { describe, expect, it } from 'vitest';
import { nextOccurrences, parseSpec, type ScheduleSpecInput } from '../../src/spec/index.js';
import { rows, transitions } from './helpers.js';

const MIN = 60_000;

/** 30-minute step spec across an instant: real spacing must stay 30 minutes. */
function expectSteadyHalfHours(timezone: string, fromIso: string, count: number): void {
  const occ = nextOccurrences(parseSpec({ cron: '*/30 * * * *', timezone }), Date.parse(fromIso), count);
  expect(occ).toHaveLength(count);
  for (let i = 1; i < occ.length; i++) expect(occ[i]!.nominal - occ[i - 1]!.nominal).toBe(30 * MIN);
  expect(occ.some((o) => o.dst === 'shifted')).toBe(false);
}

function transitionsIn2026(zone: string): string[] {
  return transitions(zone, Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)).map((t) => `${new Date(t.at).toISOString()} ${t.before}->${t.after}`);
}

describe('America/New_York (gap 2026-03-08 02:00→03:00, overlap 2026-11-01 01:00–02:00)', () => {
  const tz = 'America/New_York';

  it('has the transitions the cases assume', () => {
    expect(transitionsIn2026(tz)).toEqual(['2026-03-08T07:00:00.000Z -300->-240', '2026-11-01T06:00:00.000Z -240->-300']);
  });

  it('gap, shift: 02:30 fires at 03:00 EDT', () => {
    expect(rows({ cron: '30 2 * * *', timezone: tz }, '2026-03-07T00:00:00Z', 3)).toEqual([
      ['2026-03-07T07:30:00Z', '2026-03-07T02:30:00-05:00', null],
      ['2026-03-08T07:00:00Z', '2026-03-08T03:00:00-04:00', 'shifted'],
      ['2026-03-09T06:30:00Z', '2026-03-09T02:30:00-04:00', null],
    ]);
  });

  it('gap, skip: no run on 2026-03-08', () => {
    expect(rows({ cron: '30 2 * * *', timezone: tz, dstGap: 'skip' }, '2026-03-07T00:00:00Z', 3)).toEqual([
      ['2026-03-07T07:30:00Z', '2026-03-07T02:30:00-05:00', null],
      ['2026-03-09T06:30:00Z', '2026-03-09T02:30:00-04:00', null],
      ['2026-03-10T06:30:00Z', '2026-03-10T02:30:00-04:00', null],
    ]);
  });

  it('gap: two listed times in the gap, and a shifted time meeting a real one, fire once', () => {
    expect(rows({ cron: '0,30 2 * * *', timezone: tz }, '2026-03-08T00:00:00Z', 2)).toEqual([
      ['2026-03-08T07:00:00Z', '2026-03-08T03:00:00-04:00', 'shifted'],
      ['2026-03-09T06:00:00Z', '2026-03-09T02:00:00-04:00', null],
    ]);
    expect(rows({ cron: '0 2,3 * * *', timezone: tz }, '2026-03-08T00:00:00Z', 2)).toEqual([
      ['2026-03-08T07:00:00Z', '2026-03-08T03:00:00-04:00', null],
      ['2026-03-09T06:00:00Z', '2026-03-09T02:00:00-04:00', null],
    ]);
  });

  it('overlap, once: 01:30 fires at the first (EDT) instant only', () => {
    expect(rows({ cron: '30 1 * * *', timezone: tz }, '2026-10-31T00:00:00Z', 3)).toEqual([
      ['2026-10-31T05:30:00Z', '2026-10-31T01:30:00-04:00', null],
      ['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null],
      ['2026-11-02T06:30:00Z', '2026-11-02T01:30:00-05:00', null],
    ]);
  });

  it('overlap, twice: 01:30 fires at EDT and again at EST', () => {
    expect(rows({ cron: '30 1 * * *', timezone: tz, dstOverlap: 'twice' }, '2026-10-31T00:00:00Z', 4)).toEqual([
      ['2026-10-31T05:30:00Z', '2026-10-31T01:30:00-04:00', null],
      ['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null],
      ['2026-11-01T06:30:00Z', '2026-11-01T01:30:00-05:00', 'repeated'],
      ['2026-11-02T06:30:00Z', '2026-11-02T01:30:00-05:00', null],
    ]);
  });

  it('a list of fixed times is fixed-time too (fires once in the overlap)', () => {
    expect(rows({ cron: '30 1,13 * * *', timezone: tz }, '2026-11-01T00:00:00Z', 3)).toEqual([
      ['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null],
      ['2026-11-01T18:30:00Z', '2026-11-01T13:30:00-05:00', null],
      ['2026-11-02T06:30:00Z', '2026-11-02T01:30:00-05:00', null],
    ]);
  });

  it('*/30 keeps 30 real minutes through both transitions; the gap has none, the overlap repeats', () => {
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-03-08T06:00:00Z', 3)).toEqual([
      ['2026-03-08T06:30:00Z', '2026-03-08T01:30:00-05:00', null],
      ['2026-03-08T07:00:00Z', '2026-03-08T03:00:00-04:00', null],
      ['2026-03-08T07:30:00Z', '2026-03-08T03:30:00-04:00', null],
    ]);
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-11-01T05:00:00Z', 4)).toEqual([
      ['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null],
      ['2026-11-01T06:00:00Z', '2026-11-01T01:00:00-05:00', 'repeated'],
      ['2026-11-01T06:30:00Z', '2026-11-01T01:30:00-05:00', 'repeated'],
      ['2026-11-01T07:00:00Z', '2026-11-01T02:00:00-05:00', null],
    ]);
    expectSteadyHalfHours(tz, '2026-03-07T20:00:00Z', 48);
    expectSteadyHalfHours(tz, '2026-10-31T20:00:00Z', 48);
  });

  it('a range in the hour field makes it an elapsed-time spec (skips the gap)', () => {
    expect(rows({ cron: '30 1-3 * * *', timezone: tz }, '2026-03-08T00:00:00Z', 3)).toEqual([
      ['2026-03-08T06:30:00Z', '2026-03-08T01:30:00-05:00', null],
      ['2026-03-08T07:30:00Z', '2026-03-08T03:30:00-04:00', null],
      ['2026-03-09T05:30:00Z', '2026-03-09T01:30:00-04:00', null],
    ]);
  });
});

describe('Europe/London (gap 2026-03-29 01:00→02:00, overlap 2026-10-25 01:00–02:00)', () => {
  const tz = 'Europe/London';

  it('has the transitions the cases assume', () => {
    expect(transitionsIn2026(tz)).toEqual(['2026-03-29T01:00:00.000Z 0->60', '2026-10-25T01:00:00.000Z 60->0']);
  });

  it('gap: shift and skip', () => {
    expect(rows({ cron: '30 1 * * *', timezone: tz }, '2026-03-28T00:00:00Z', 3)).toEqual([
      ['2026-03-28T01:30:00Z', '2026-03-28T01:30:00+00:00', null],
      ['2026-03-29T01:00:00Z', '2026-03-29T02:00:00+01:00', 'shifted'],
      ['2026-03-30T00:30:00Z', '2026-03-30T01:30:00+01:00', null],
    ]);
    expect(rows({ cron: '30 1 * * *', timezone: tz, dstGap: 'skip' }, '2026-03-28T00:00:00Z', 2)).toEqual([
      ['2026-03-28T01:30:00Z', '2026-03-28T01:30:00+00:00', null],
      ['2026-03-30T00:30:00Z', '2026-03-30T01:30:00+01:00', null],
    ]);
  });

  it('overlap: once and twice', () => {
    expect(rows({ cron: '30 1 * * *', timezone: tz }, '2026-10-24T00:00:00Z', 3)).toEqual([
      ['2026-10-24T00:30:00Z', '2026-10-24T01:30:00+01:00', null],
      ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00+01:00', null],
      ['2026-10-26T01:30:00Z', '2026-10-26T01:30:00+00:00', null],
    ]);
    expect(rows({ cron: '30 1 * * *', timezone: tz, dstOverlap: 'twice' }, '2026-10-25T00:00:00Z', 3)).toEqual([
      ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00+01:00', null],
      ['2026-10-25T01:30:00Z', '2026-10-25T01:30:00+00:00', 'repeated'],
      ['2026-10-26T01:30:00Z', '2026-10-26T01:30:00+00:00', null],
    ]);
  });

  it('*/30 keeps 30 real minutes', () => {
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-03-29T00:00:00Z', 3)).toEqual([
      ['2026-03-29T00:30:00Z', '2026-03-29T00:30:00+00:00', null],
      ['2026-03-29T01:00:00Z', '2026-03-29T02:00:00+01:00', null],
      ['2026-03-29T01:30:00Z', '2026-03-29T02:30:00+01:00', null],
    ]);
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-10-25T00:00:00Z', 4)).toEqual([
      ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00+01:00', null],
      ['2026-10-25T01:00:00Z', '2026-10-25T01:00:00+00:00', 'repeated'],
      ['2026-10-25T01:30:00Z', '2026-10-25T01:30:00+00:00', 'repeated'],
      ['2026-10-25T02:00:00Z', '2026-10-25T02:00:00+00:00', null],
    ]);
    expectSteadyHalfHours(tz, '2026-03-28T20:00:00Z', 48);
    expectSteadyHalfHours(tz, '2026-10-24T20:00:00Z', 48);
  });
});

describe('Australia/Lord_Howe (30-minute shift: overlap 2026-04-05 01:30–02:00, gap 2026-10-04 02:00–02:30)', () => {
  const tz = 'Australia/Lord_Howe';

  it('has the transitions the cases assume', () => {
    expect(transitionsIn2026(tz)).toEqual(['2026-04-04T15:00:00.000Z 660->630', '2026-10-03T15:30:00.000Z 630->660']);
  });

  it('gap: 02:15 shifts to 02:30 (+11:00), or is skipped', () => {
    expect(rows({ cron: '15 2 * * *', timezone: tz }, '2026-10-02T00:00:00Z', 3)).toEqual([
      ['2026-10-02T15:45:00Z', '2026-10-03T02:15:00+10:30', null],
      ['2026-10-03T15:30:00Z', '2026-10-04T02:30:00+11:00', 'shifted'],
      ['2026-10-04T15:15:00Z', '2026-10-05T02:15:00+11:00', null],
    ]);
    expect(rows({ cron: '15 2 * * *', timezone: tz, dstGap: 'skip' }, '2026-10-02T00:00:00Z', 2)).toEqual([
      ['2026-10-02T15:45:00Z', '2026-10-03T02:15:00+10:30', null],
      ['2026-10-04T15:15:00Z', '2026-10-05T02:15:00+11:00', null],
    ]);
  });

  it('overlap: 01:45 fires at +11:00 only, or at +11:00 and +10:30', () => {
    expect(rows({ cron: '45 1 * * *', timezone: tz }, '2026-04-03T00:00:00Z', 3)).toEqual([
      ['2026-04-03T14:45:00Z', '2026-04-04T01:45:00+11:00', null],
      ['2026-04-04T14:45:00Z', '2026-04-05T01:45:00+11:00', null],
      ['2026-04-05T15:15:00Z', '2026-04-06T01:45:00+10:30', null],
    ]);
    expect(rows({ cron: '45 1 * * *', timezone: tz, dstOverlap: 'twice' }, '2026-04-04T00:00:00Z', 3)).toEqual([
      ['2026-04-04T14:45:00Z', '2026-04-05T01:45:00+11:00', null],
      ['2026-04-04T15:15:00Z', '2026-04-05T01:45:00+10:30', 'repeated'],
      ['2026-04-05T15:15:00Z', '2026-04-06T01:45:00+10:30', null],
    ]);
  });

  it('*/30 keeps 30 real minutes', () => {
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-04-04T14:00:00Z', 3)).toEqual([
      ['2026-04-04T14:30:00Z', '2026-04-05T01:30:00+11:00', null],
      ['2026-04-04T15:00:00Z', '2026-04-05T01:30:00+10:30', 'repeated'],
      ['2026-04-04T15:30:00Z', '2026-04-05T02:00:00+10:30', null],
    ]);
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-10-03T14:30:00Z', 3)).toEqual([
      ['2026-10-03T15:00:00Z', '2026-10-04T01:30:00+10:30', null],
      ['2026-10-03T15:30:00Z', '2026-10-04T02:30:00+11:00', null],
      ['2026-10-03T16:00:00Z', '2026-10-04T03:00:00+11:00', null],
    ]);
    expectSteadyHalfHours(tz, '2026-04-04T10:00:00Z', 48);
    expectSteadyHalfHours(tz, '2026-10-03T10:00:00Z', 48);
  });
});

describe('Asia/Kolkata (+05:30, no DST)', () => {
  const tz = 'Asia/Kolkata';

  it('has no transitions', () => {
    expect(transitionsIn2026(tz)).toEqual([]);
  });

  it('fixed times are plain, whatever the policies', () => {
    const expected = [
      ['2026-03-07T21:00:00Z', '2026-03-08T02:30:00+05:30', null],
      ['2026-03-08T21:00:00Z', '2026-03-09T02:30:00+05:30', null],
    ];
    expect(rows({ cron: '30 2 * * *', timezone: tz }, '2026-03-07T12:00:00Z', 2)).toEqual(expected);
    expect(rows({ cron: '30 2 * * *', timezone: tz, dstGap: 'skip', dstOverlap: 'twice' }, '2026-03-07T12:00:00Z', 2)).toEqual(expected);
  });

  it('*/30 is aligned to local half hours, i.e. :00 and :30 UTC', () => {
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-03-08T00:10:00Z', 2)).toEqual([
      ['2026-03-08T00:30:00Z', '2026-03-08T06:00:00+05:30', null],
      ['2026-03-08T01:00:00Z', '2026-03-08T06:30:00+05:30', null],
    ]);
  });
});

describe('America/Santiago (transitions at local midnight)', () => {
  const tz = 'America/Santiago';

  it('has the transitions the cases assume: 2026-04-05 00:00 → 04-04 23:00, 2026-09-06 00:00 → 01:00', () => {
    expect(transitionsIn2026(tz)).toEqual(['2026-04-05T03:00:00.000Z -180->-240', '2026-09-06T04:00:00.000Z -240->-180']);
  });

  it('gap: 00:30 and midnight shift to 01:00 -03:00 on 2026-09-06, or are skipped', () => {
    expect(rows({ cron: '30 0 * * *', timezone: tz }, '2026-09-05T00:00:00Z', 3)).toEqual([
      ['2026-09-05T04:30:00Z', '2026-09-05T00:30:00-04:00', null],
      ['2026-09-06T04:00:00Z', '2026-09-06T01:00:00-03:00', 'shifted'],
      ['2026-09-07T03:30:00Z', '2026-09-07T00:30:00-03:00', null],
    ]);
    expect(rows({ cron: '0 0 * * *', timezone: tz }, '2026-09-05T00:00:00Z', 3)).toEqual([
      ['2026-09-05T04:00:00Z', '2026-09-05T00:00:00-04:00', null],
      ['2026-09-06T04:00:00Z', '2026-09-06T01:00:00-03:00', 'shifted'],
      ['2026-09-07T03:00:00Z', '2026-09-07T00:00:00-03:00', null],
    ]);
    expect(rows({ cron: '30 0 * * *', timezone: tz, dstGap: 'skip' }, '2026-09-05T00:00:00Z', 2)).toEqual([
      ['2026-09-05T04:30:00Z', '2026-09-05T00:30:00-04:00', null],
      ['2026-09-07T03:30:00Z', '2026-09-07T00:30:00-03:00', null],
    ]);
  });

  it('overlap: 23:30 on 2026-04-04 happens at -03:00 and again at -04:00', () => {
    expect(rows({ cron: '30 23 * * *', timezone: tz }, '2026-04-04T00:00:00Z', 3)).toEqual([
      ['2026-04-04T02:30:00Z', '2026-04-03T23:30:00-03:00', null],
      ['2026-04-05T02:30:00Z', '2026-04-04T23:30:00-03:00', null],
      ['2026-04-06T03:30:00Z', '2026-04-05T23:30:00-04:00', null],
    ]);
    expect(rows({ cron: '30 23 * * *', timezone: tz, dstOverlap: 'twice' }, '2026-04-05T00:00:00Z', 3)).toEqual([
      ['2026-04-05T02:30:00Z', '2026-04-04T23:30:00-03:00', null],
      ['2026-04-05T03:30:00Z', '2026-04-04T23:30:00-04:00', 'repeated'],
      ['2026-04-06T03:30:00Z', '2026-04-05T23:30:00-04:00', null],
    ]);
  });

  it('*/30 keeps 30 real minutes', () => {
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-04-05T02:00:00Z', 4)).toEqual([
      ['2026-04-05T02:30:00Z', '2026-04-04T23:30:00-03:00', null],
      ['2026-04-05T03:00:00Z', '2026-04-04T23:00:00-04:00', 'repeated'],
      ['2026-04-05T03:30:00Z', '2026-04-04T23:30:00-04:00', 'repeated'],
      ['2026-04-05T04:00:00Z', '2026-04-05T00:00:00-04:00', null],
    ]);
    expect(rows({ cron: '*/30 * * * *', timezone: tz }, '2026-09-06T03:00:00Z', 3)).toEqual([
      ['2026-09-06T03:30:00Z', '2026-09-05T23:30:00-04:00', null],
      ['2026-09-06T04:00:00Z', '2026-09-06T01:00:00-03:00', null],
      ['2026-09-06T04:30:00Z', '2026-09-06T01:30:00-03:00', null],
    ]);
    expectSteadyHalfHours(tz, '2026-04-04T20:00:00Z', 48);
    expectSteadyHalfHours(tz, '2026-09-05T20:00:00Z', 48);
  });
});

describe('one-off and bounds in local time', () => {
  const tz = 'America/New_York';
  const at = (input: ScheduleSpecInput) => rows(input, '2026-01-01T00:00:00Z', 5);

  it('at: a local time in the gap shifts (or is skipped); in the overlap it is once (or twice)', () => {
    expect(at({ at: '2026-03-08T02:30', timezone: tz })).toEqual([['2026-03-08T07:00:00Z', '2026-03-08T03:00:00-04:00', 'shifted']]);
    expect(at({ at: '2026-03-08T02:30', timezone: tz, dstGap: 'skip' })).toEqual([]);
    expect(at({ at: '2026-11-01T01:30', timezone: tz })).toEqual([['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null]]);
    expect(at({ at: '2026-11-01T01:30', timezone: tz, dstOverlap: 'twice' })).toEqual([
      ['2026-11-01T05:30:00Z', '2026-11-01T01:30:00-04:00', null],
      ['2026-11-01T06:30:00Z', '2026-11-01T01:30:00-05:00', 'repeated'],
    ]);
    expect(at({ at: '2026-11-01T01:30:00-05:00', timezone: tz })).toEqual([['2026-11-01T06:30:00Z', '2026-11-01T01:30:00-05:00', null]]);
  });

  it('start is inclusive and end exclusive, both read in the zone', () => {
    expect(rows({ cron: '0 9 * * *', timezone: tz, start: '2026-03-07T09:00', end: '2026-03-10T09:00' }, '2026-01-01T00:00:00Z', 5)).toEqual([
      ['2026-03-07T14:00:00Z', '2026-03-07T09:00:00-05:00', null],
      ['2026-03-08T13:00:00Z', '2026-03-08T09:00:00-04:00', null],
      ['2026-03-09T13:00:00Z', '2026-03-09T09:00:00-04:00', null],
    ]);
  });
});

describe('a gap that crosses midnight (America/Nuuk, 2026-03-28 23:00 -02:00 → 2026-03-29 00:00 -01:00)', () => {
  it('the shifted run for the 28th lands at 00:00 on the 29th: still one run per scheduled day', () => {
    expect(transitionsIn2026('America/Nuuk')[0]).toBe('2026-03-29T01:00:00.000Z -120->-60');
    expect(rows({ cron: '0 23 * * *', timezone: 'America/Nuuk' }, '2026-03-27T12:00:00Z', 3)).toEqual([
      ['2026-03-28T01:00:00Z', '2026-03-27T23:00:00-02:00', null],
      ['2026-03-29T01:00:00Z', '2026-03-29T00:00:00-01:00', 'shifted'],
      ['2026-03-30T00:00:00Z', '2026-03-29T23:00:00-01:00', null],
    ]);
  });
});
