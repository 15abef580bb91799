/**
 * One schedule: its run history (filters, cursor pages), counts and percentiles of duration and
 * start lateness over a chosen window, cost per day and projected per month, the next
 * occurrences with DST notes, its incidents and the deliveries of the runs shown.
 */
import { dollarsFor, projectedCost, successRate } from '../api/routes/schedules.js';
import { nextOccurrences, parseSpec } from '../spec/index.js';
import type { Schedule, RunStatus, RunTrigger, Percentiles } from '../store/types.js';
import { dailyCostChart, runTimesChart, type DayBar } from './charts.js';
import { counted, dollars, duration, href, html, page, percent, relative, statusBadge, time, type SafeHtml } from './html.js';
import { actionButtons } from './overview.js';
import { PageError, type DashboardContext, type Signed } from './server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const WINDOWS: Record<string, number> = { '1h': HOUR, '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY };
const RUNS_PAGE = 50;
/** Points in the duration chart: the latest runs of the window. */
const CHART_RUNS = 500;
const COST_DAYS = 30;
const UPCOMING = 8;

const STATUS_FILTERS: Record<string, RunStatus[]> = {
  failing: ['failed', 'timed_out', 'missed'],
  succeeded: ['succeeded'],
  failed: ['failed'],
  timed_out: ['timed_out'],
  missed: ['missed'],
  skipped: ['skipped'],
  cancelled: ['cancelled'],
  active: ['queued', 'running'],
};
const TRIGGERS: readonly RunTrigger[] = ['schedule', 'manual', 'backfill', 'api', 'parent'];

/** `every 1m`, `cron 0 9 * * 1-5 (Europe/Paris)`, `at …`. */
export function describeSpec(s: Schedule): string {
  const spec = s.spec;
  const what = spec.cron ? `cron ${spec.cron}` : spec.every ? `every ${spec.every}` : spec.at ? `at ${spec.at}` : 'no spec';
  return spec.timezone && spec.timezone !== 'UTC' ? `${what} (${spec.timezone})` : what;
}

const FLASHES: Record<string, string> = {
  paused: 'Paused: no new runs fire until it is resumed.',
  resumed: 'Resumed: the next occurrence fires as planned.',
  triggered: 'Triggered: the run is queued and starts when a worker slot is free (reload to follow it).',
};

/** Flash messages come from a fixed list, so a link cannot put words on the page. */
export function flashText(code: unknown): string | null {
  return typeof code === 'string' ? (FLASHES[code] ?? null) : null;
}

function one(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new PageError(400, `${name} must be given once`);
  return v;
}

function pct(p: Percentiles | null): SafeHtml {
  if (!p) return html`<span class="muted">no runs</span>`;
  return html`<span class="mono">${duration(p.p50)} / ${duration(p.p95)} / ${duration(p.p99)}</span> <span class="muted">max ${duration(p.max)}</span>`;
}

function card(label: string, value: string | SafeHtml, tone = ''): SafeHtml {
  return html`<div class="card"><div class="k">${label}</div><div class="v ${tone}">${value}</div></div>`;
}

export async function schedulePage(ctx: DashboardContext, signed: Signed, id: string, query: Record<string, unknown>): Promise<string> {
  const { orgId } = signed.caller;
  const windowName = one(query, 'window') ?? '24h';
  const windowMs = WINDOWS[windowName];
  if (windowMs === undefined) throw new PageError(400, `window must be one of ${Object.keys(WINDOWS).join(', ')}, got ${JSON.stringify(windowName)}`);
  const statusName = one(query, 'status');
  if (statusName !== undefined && !STATUS_FILTERS[statusName]) throw new PageError(400, `status must be one of ${Object.keys(STATUS_FILTERS).join(', ')}, got ${JSON.stringify(statusName)}`);
  const trigger = one(query, 'trigger') as RunTrigger | undefined;
  if (trigger !== undefined && !TRIGGERS.includes(trigger)) throw new PageError(400, `trigger must be one of ${TRIGGERS.join(', ')}, got ${JSON.stringify(trigger)}`);
  const cursor = one(query, 'cursor');

  const schedule = await ctx.store.schedules.get(orgId, id);
  if (!schedule) throw new PageError(404, `schedule ${JSON.stringify(id)} not found`);
  const now = ctx.clock.now();
  const from = now - windowMs;
  /** The UTC midnight that starts the cost chart's first day. */
  const costFrom = Math.floor((now - (COST_DAYS - 1) * DAY) / DAY) * DAY;

  let runsPage;
  try {
    runsPage = await ctx.store.runs.list({ orgId, scheduleId: id, limit: RUNS_PAGE, ...(statusName ? { status: STATUS_FILTERS[statusName] } : {}), ...(trigger ? { trigger: [trigger] } : {}), ...(cursor ? { cursor } : {}) });
  } catch (error) {
    if (error instanceof RangeError) throw new PageError(400, `cursor: ${error.message}`);
    throw error;
  }
  const [stats, windowRuns, daily, incidents, health] = await Promise.all([
    ctx.store.stats.window(orgId, id, from, now + 1),
    ctx.store.runs.list({ orgId, scheduleId: id, from, to: now + 1, limit: CHART_RUNS }),
    ctx.store.stats.dailyCost(orgId, id, costFrom, now + 1),
    ctx.store.incidents.list(orgId, { scheduleId: id, limit: 20 }),
    ctx.store.health.get(id),
  ]);
  const deliveries = runsPage.runs.length > 0 ? await ctx.store.deliveries.list({ orgId, runIds: runsPage.runs.map((r) => r.id), limit: 100 }) : [];

  const spec = parseSpec(schedule.spec);
  const upcoming = schedule.paused || schedule.nextNominalTime === null ? [] : nextOccurrences(spec, Math.max(now, schedule.nextNominalTime) - 1, UPCOMING);
  const c = stats.counts;
  const failures = (c.failed ?? 0) + (c.timed_out ?? 0) + (c.missed ?? 0);
  const total = Object.values(c).reduce((a, b) => a + (b ?? 0), 0);

  // Cost: what the last 30 days cost, and what the next 30 would at this window's browser time per run (as GET /v1/schedules/:id/stats).
  const price = ctx.pricePerAgentMinute;
  // Every day of the period gets a bar slot, so bars keep their width and gaps read as quiet days.
  const byDay = new Map(daily.map((d) => [d.day, d]));
  const days: DayBar[] = Array.from({ length: COST_DAYS }, (_, i) => {
    const day = new Date(costFrom + i * DAY).toISOString().slice(0, 10);
    const d = byDay.get(day);
    return { day, runs: d?.runs ?? 0, browserMs: d?.browserMs ?? 0, dollars: dollarsFor(d?.browserMs ?? 0, price) };
  });
  const spent = days.reduce((a, d) => a + d.dollars, 0);
  const projection = projectedCost(schedule, stats, price, now);
  const projectionNote = schedule.paused ? 'paused: nothing is projected' : 'nothing started in this window to average';

  const windowTabs = html`<nav class="tabs" aria-label="window">${Object.keys(WINDOWS).map((w) => html`<a class="${w === windowName ? 'on' : ''}" href="${href(`/dashboard/schedules/${encodeURIComponent(id)}`, { window: w, status: statusName, trigger })}">${w}</a>`)}</nav>`;
  const base = `/dashboard/schedules/${encodeURIComponent(id)}`;
  const runsUrl = (over: Record<string, string | undefined>) => href(base, { window: windowName === '24h' ? undefined : windowName, status: statusName, trigger, ...over });

  const body = html`<h1>${schedule.id} ${schedule.paused ? statusBadge('paused') : ''}</h1>
<div class="panel"><dl class="facts">
<dt>Template</dt><dd>${schedule.templateId}${schedule.templateVersion !== null ? ` v${schedule.templateVersion}` : ' (latest version)'}</dd>
<dt>Spec</dt><dd>${describeSpec(schedule)} <span class="muted">time zone ${spec.timezone}</span></dd>
<dt>Next fire</dt><dd>${schedule.paused ? html`<span class="muted">paused</span>${schedule.pauseNote ? html` — <span class="note">${schedule.pauseNote}</span>` : ''}` : html`${time(schedule.nextNominalTime, now)} <span class="muted">${relative(schedule.nextNominalTime, now)}</span>`}</dd>
<dt>Health</dt><dd>${health ? html`${health.consecutiveFailures > 0 ? html`<strong class="bad">${health.consecutiveFailures} failure${health.consecutiveFailures === 1 ? '' : 's'} in a row</strong>` : `${health.consecutiveSuccesses} successes in a row`}; ${health.totalSucceeded} succeeded, ${health.totalFailed} failed in all` : html`<span class="muted">no finished run yet</span>`}</dd>
</dl>${signed.caller.role !== 'viewer' ? html`<p>${actionButtons(signed.viewer, schedule, base)}</p>` : ''}</div>

<h2>Runs over the last ${windowName}</h2>${windowTabs}
<div class="cards">
${card('Runs', String(total))}${card('Succeeded', String(c.succeeded ?? 0), 'good')}${card('Failed / timed out / missed', `${c.failed ?? 0} / ${c.timed_out ?? 0} / ${c.missed ?? 0}`, failures > 0 ? 'bad' : '')}
${card('Success rate', percent(successRate(c)))}${card('Skipped / cancelled', `${c.skipped ?? 0} / ${c.cancelled ?? 0}`)}${card('Browser time', duration(stats.browserMs))}
</div>
<table class="percentiles"><thead><tr><th></th><th>p50 / p95 / p99</th><th>Runs</th></tr></thead><tbody>
<tr><td>Duration (finished − started)</td><td>${pct(stats.duration)}</td><td>${stats.duration?.count ?? 0}</td></tr>
<tr><td>Start lateness (started − nominal)</td><td>${pct(stats.lateness)}</td><td>${stats.lateness?.count ?? 0}</td></tr>
</tbody></table>
<h3>Duration and lateness per run</h3>
${runTimesChart(
  windowRuns.runs.map((r) => ({ at: r.nominalTime, status: r.status, durationMs: r.startedAt !== null && r.finishedAt !== null ? r.finishedAt - r.startedAt : null, latenessMs: r.startedAt !== null && r.trigger === 'schedule' ? r.startedAt - r.nominalTime : null, href: `/dashboard/runs/${encodeURIComponent(r.id)}` })),
  { from: windowRuns.nextCursor ? Math.min(...windowRuns.runs.map((r) => r.nominalTime)) : from, to: now },
)}${windowRuns.nextCursor ? html`<p class="muted">The chart shows the latest ${CHART_RUNS} runs of the window; the figures above count all of them.</p>` : ''}

<div class="grid2"><section><h2>Cost</h2>
<div class="cards">${card(`Last ${COST_DAYS} days`, dollars(spent))}${card('Per day (average)', dollars(spent / COST_DAYS))}
${card('Projected per month', projection ? dollars(projection.dollars) : '–')}</div>
<p class="muted">${projection ? `${counted(projection.runs, 'run')} in the next ${projection.days} days × ${duration(projection.browserMsPerRun)} of browser time per run (average over the last ${windowName}) at $${price}/agent-minute.` : projectionNote}</p>
${days.some((d) => d.runs > 0) ? dailyCostChart(days) : html`<p class="muted">No runs in the last ${COST_DAYS} days.</p>`}</section>
<section><h2>Next occurrences</h2>${upcoming.length === 0 ? html`<p class="muted">${schedule.paused ? 'Paused.' : 'The spec fires no more.'}</p>` : html`<table id="upcoming"><thead><tr><th>UTC</th><th>Local (${spec.timezone})</th><th></th></tr></thead><tbody>${upcoming.map((o) => html`<tr><td>${time(o.nominal, now)}</td><td class="mono">${o.local}</td><td>${o.dst === 'shifted' ? html`<span class="dst" title="this local time does not exist (clocks spring forward); fires at the first valid instant after it">DST: shifted out of the gap</span>` : o.dst === 'repeated' ? html`<span class="dst" title="this local time happens twice (clocks fall back)">DST: repeated hour</span>` : ''}</td></tr>`)}</tbody></table>`}
<h2>Incidents</h2>${incidents.length === 0 ? html`<p class="muted">None.</p>` : html`<table><tbody>${incidents.map((i) => html`<tr><td>${statusBadge(i.status)}</td><td>${i.kind}<div class="muted">${i.summary}</div></td><td>opened ${time(i.openedAt, now)}${i.resolvedAt ? html`<br>resolved ${time(i.resolvedAt, now)}` : ''}</td></tr>`)}</tbody></table>`}
</section></div>

<h2>Run history</h2>
<form class="filters" method="get" action="${base}">${windowName === '24h' ? '' : html`<input type="hidden" name="window" value="${windowName}">`}
<label>Status <select name="status"><option value="">any</option>${Object.keys(STATUS_FILTERS).map((s) => html`<option value="${s}" ${s === statusName ? html`selected` : ''}>${s.replace('_', ' ')}</option>`)}</select></label>
<label>Trigger <select name="trigger"><option value="">any</option>${TRIGGERS.map((t) => html`<option value="${t}" ${t === trigger ? html`selected` : ''}>${t}</option>`)}</select></label>
<button>Filter</button>${statusName || trigger ? html`<a href="${href(base, { window: windowName === '24h' ? undefined : windowName })}">clear</a>` : ''}</form>
${runsPage.runs.length === 0 ? html`<p class="panel muted">No runs${statusName || trigger ? ' match these filters' : ' yet'}.</p>` : html`<table id="runs"><thead><tr><th>Run</th><th>Status</th><th>Trigger</th><th>Nominal time</th><th>Duration</th><th>Late by</th><th>Attempts</th><th>Why</th></tr></thead><tbody>
${runsPage.runs.map((r) => html`<tr><td><a class="mono" href="/dashboard/runs/${encodeURIComponent(r.id)}">${r.id}</a></td><td>${statusBadge(r.status)}</td><td>${r.trigger}</td><td>${time(r.nominalTime, now)}</td>
<td>${r.startedAt !== null && r.finishedAt !== null ? duration(r.finishedAt - r.startedAt) : '–'}</td><td>${r.startedAt !== null && r.trigger === 'schedule' ? duration(r.startedAt - r.nominalTime) : '–'}</td><td>${r.attempts}/${r.maxAttempts}</td>
<td class="muted">${shortReason(r.error, r.reason)}</td></tr>`)}</tbody></table>`}
<nav class="pager">${cursor ? html`<a href="${runsUrl({})}">↖ Newest</a>` : ''}${runsPage.nextCursor ? html`<a href="${runsUrl({ cursor: runsPage.nextCursor })}" rel="next">Older →</a>` : ''}</nav>

<h2>Deliveries of these runs</h2>
${deliveries.length === 0 ? html`<p class="muted">None.</p>` : html`<table id="deliveries"><thead><tr><th>Event</th><th>Destination</th><th>Status</th><th>Attempts</th><th>Last error</th><th>Run</th></tr></thead><tbody>${deliveries.map((d) => html`<tr><td>${d.eventType}</td><td>${d.destinationId}</td><td>${statusBadge(d.status)}</td><td>${d.attempts}</td><td class="muted">${d.lastError ?? ''}</td><td>${d.runId ? html`<a class="mono" href="/dashboard/runs/${encodeURIComponent(d.runId)}">${d.runId}</a>` : ''}</td></tr>`)}</tbody></table>`}`;
  return page({ title: schedule.id, viewer: signed.viewer, crumbs: [['schedules', '/dashboard/'], [schedule.id, base]], flash: flashText(query.flash) }, body);
}

/** One line for a table cell: the failing step and its reason, or why the run was skipped/missed. */
function shortReason(error: unknown, reason: string | null): string {
  const e = error as { message?: unknown } | null;
  const text = typeof e?.message === 'string' ? e.message : (reason ?? '');
  const line = text.split(' — ')[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 140)}…` : line;
}
