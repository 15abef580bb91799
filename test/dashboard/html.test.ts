import { describe, expect, it } from 'vitest';
import { attemptsTimeline, dailyCostChart, runTimesChart } from '../../src/dashboard/charts.js';
import { duration, href, html, raw } from '../../src/dashboard/html.js';
import { sortForOverview } from '../../src/dashboard/overview.js';
import type { Incident, Schedule, ScheduleHealth } from '../../src/store/types.js';

describe('dashboard html', () => {
  it('escapes interpolated text and keeps nested markup', () => {
    const name = '<script>alert("x")</script>&\'';
    const inner = html`<b>${name}</b>`;
    expect(html`<p title="${name}">${inner}${[html`<i>1</i>`, '<2>']}${null}${false}${raw('<br>')}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"><b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</b><i>1</i>&lt;2&gt;<br></p>',
    );
  });

  it('builds query strings without empty values', () => {
    expect(href('/dashboard/', { filter: 'failing', page: undefined, q: '' })).toBe('/dashboard/?filter=failing');
    expect(href('/x', { a: 'b c&d' })).toBe('/x?a=b+c%26d');
  });

  it('writes durations in the unit that reads best', () => {
    expect([850, 2000, 12_345, 240_000, 7_500_000, 3 * 86_400_000].map(duration)).toEqual(['850 ms', '2.00 s', '12.3 s', '4 min', '2 h 5 min', '3 d']);
  });
});

describe('overview order', () => {
  const s = (id: string): Schedule => ({ id, orgId: 'o', templateId: 't', templateVersion: null, params: {}, spec: { every: '1m' }, policies: {}, nextNominalTime: 0, paused: false, pauseNote: null, remainingRuns: null, revision: 1, createdAt: 0, updatedAt: 0 });
  const h = (scheduleId: string, consecutiveFailures: number): ScheduleHealth => ({ scheduleId, consecutiveFailures, consecutiveSuccesses: 0, lastSuccessAt: null, lastFailureAt: null, totalSucceeded: 0, totalFailed: consecutiveFailures });
  it('puts schedules with a failure streak or an open incident first, longest streak first, then by id', () => {
    const incident = { scheduleId: 'd' } as Incident;
    const rows = sortForOverview([s('e'), s('d'), s('c'), s('b'), s('a')], new Map([['b', h('b', 1)], ['c', h('c', 4)], ['a', h('a', 0)]]), new Map([['d', incident]]));
    expect(rows.map((r) => [r.schedule.id, r.failing])).toEqual([['c', true], ['b', true], ['d', true], ['a', false], ['e', false]]);
  });
});

describe('charts', () => {
  it('plots each run at its time and height, linking to it, with escaped titles', () => {
    const svg = runTimesChart([{ at: 1000, durationMs: 2000, latenessMs: 500, status: 'failed', href: '/dashboard/runs/r"1' }], { from: 0, to: 2000 }).text;
    expect(svg).toContain('<a href="/dashboard/runs/r&quot;1"><circle class="pt-fail"');
    // The axis covers the largest value with whole-second steps.
    expect(svg).toContain('>2.00 s</text>');
    expect(svg).toMatch(/class="pt-late" cx="[\d.]+" cy="[\d.]+"/);
  });

  it('counts runs in the legend and bar titles in the singular for one', () => {
    const point = { at: 1000, durationMs: 2000, latenessMs: 500, status: 'succeeded', href: '/dashboard/runs/r1' };
    expect(runTimesChart([point], { from: 0, to: 2000 }).text).toContain('<span>1 run</span>');
    expect(runTimesChart([point, { ...point, at: 1500 }], { from: 0, to: 2000 }).text).toContain('<span>2 runs</span>');
    const bars = dailyCostChart([{ day: '2026-01-01', dollars: 1, runs: 1, browserMs: 1000 }, { day: '2026-01-02', dollars: 1, runs: 3, browserMs: 1000 }]).text;
    expect(bars).toContain('2026-01-01: $1.00, 1 run, ');
    expect(bars).toContain('2026-01-02: $1.00, 3 runs, ');
  });

  it('draws one bar per day and says when there is nothing to draw', () => {
    const svg = dailyCostChart([{ day: '2026-01-01', dollars: 1, runs: 2, browserMs: 1000 }, { day: '2026-01-02', dollars: 0.5, runs: 1, browserMs: 500 }]).text;
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(dailyCostChart([]).text).toMatch(/No runs/);
  });

  it('shows attempts with the waits between them', () => {
    const svg = attemptsTimeline([{ number: 1, status: 'failed', startedAt: 10, finishedAt: 20 }, { number: 2, status: 'succeeded', startedAt: 50, finishedAt: 60 }], 0, 100).text;
    expect(svg.match(/<rect class="wait"/g)).toHaveLength(2);
    expect(svg).toContain('class="a-failed"');
    expect(svg).toContain('class="a-succeeded"');
  });
});
