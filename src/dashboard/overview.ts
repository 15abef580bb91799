/**
 * The schedules overview: every schedule of the organisation, failing ones first, 50 per page.
 * Sorting and filtering read only schedule rows, their health rows and open incidents (one row
 * per schedule at most); runs are read only for the page's schedules (store.stats.summaries).
 */
import type { Incident, Schedule, ScheduleHealth, ScheduleSummary } from '../store/types.js';
import { counted, href, html, isFailure, page, percent, postButton, relative, statusBadge, time, type SafeHtml, type Viewer } from './html.js';
import { PageError, type DashboardContext, type Signed } from './server.js';
import { describeError } from './run-page.js';
import { describeSpec, flashText } from './schedule-page.js';

export const PAGE_SIZE = 50;
/** Cells in the run-history strip. */
export const STRIP_LENGTH = 30;
/** The success rate covers this much history. */
const RATE_WINDOW_MS = 7 * 86_400_000;

const FILTERS = ['all', 'failing', 'paused'] as const;
type Filter = (typeof FILTERS)[number];

export interface OverviewRow {
  schedule: Schedule;
  health: ScheduleHealth | null;
  incident: Incident | null;
  failing: boolean;
}

/** Failing = the last counted outcome was a failure, or an incident is open. */
export function sortForOverview(schedules: readonly Schedule[], health: ReadonlyMap<string, ScheduleHealth>, incidents: ReadonlyMap<string, Incident>): OverviewRow[] {
  return schedules
    .map((schedule) => {
      const h = health.get(schedule.id) ?? null;
      const incident = incidents.get(schedule.id) ?? null;
      return { schedule, health: h, incident, failing: (h?.consecutiveFailures ?? 0) > 0 || incident !== null };
    })
    .sort((a, b) => Number(b.failing) - Number(a.failing) || (b.health?.consecutiveFailures ?? 0) - (a.health?.consecutiveFailures ?? 0) || a.schedule.id.localeCompare(b.schedule.id));
}

function parseQuery(query: Record<string, unknown>): { filter: Filter; page: number } {
  const filter = (query.filter ?? 'all') as Filter;
  if (!FILTERS.includes(filter)) throw new PageError(400, `filter must be one of ${FILTERS.join(', ')}, got ${JSON.stringify(query.filter)}`);
  const pageText = String(query.page ?? '1');
  if (!/^[1-9]\d{0,5}$/.test(pageText)) throw new PageError(400, `page must be a whole number from 1, got ${JSON.stringify(query.page)}`);
  return { filter, page: Number(pageText) };
}

function strip(summary: ScheduleSummary | undefined): SafeHtml {
  if (!summary || summary.recent.length === 0) return html`<span class="muted">no runs yet</span>`;
  // Oldest on the left, newest on the right, as a timeline reads.
  const cells = [...summary.recent].reverse();
  return html`<div class="strip" aria-label="last ${counted(cells.length, 'run')}">${cells.map((r) => html`<a class="s-${r.status}" href="/dashboard/runs/${encodeURIComponent(r.id)}" title="${new Date(r.nominalTime).toISOString()} ${r.status}"></a>`)}</div>`;
}

export async function overviewPage(ctx: DashboardContext, signed: Signed, query: Record<string, unknown>): Promise<string> {
  const { filter, page: pageNumber } = parseQuery(query);
  const { orgId } = signed.caller;
  const now = ctx.clock.now();
  const schedules = await ctx.store.schedules.list(orgId);
  const health = new Map((await ctx.store.health.many(schedules.map((s) => s.id))).map((h) => [h.scheduleId, h]));
  const incidents = new Map<string, Incident>();
  for (const i of await ctx.store.incidents.list(orgId, { status: 'open', limit: 10_000 })) if (!incidents.has(i.scheduleId)) incidents.set(i.scheduleId, i);
  const rows = sortForOverview(schedules, health, incidents);
  const counts = { all: rows.length, failing: rows.filter((r) => r.failing).length, paused: rows.filter((r) => r.schedule.paused).length };
  const shown = rows.filter((r) => filter === 'all' || (filter === 'failing' ? r.failing : r.schedule.paused));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  if (pageNumber > pages) throw new PageError(404, `page ${pageNumber} does not exist; there ${pages === 1 ? 'is 1 page' : `are ${pages} pages`}`);
  const onPage = shown.slice((pageNumber - 1) * PAGE_SIZE, pageNumber * PAGE_SIZE);
  const summaries = new Map((await ctx.store.stats.summaries(orgId, onPage.map((r) => r.schedule.id), { recent: STRIP_LENGTH, since: now - RATE_WINDOW_MS })).map((s) => [s.scheduleId, s]));
  // The failing step of each failing schedule's last run, right on the overview: one keyed read per failing row of this page.
  const lastErrors = new Map<string, SafeHtml>();
  for (const row of onPage) {
    const last = summaries.get(row.schedule.id)?.lastRun;
    if (!row.failing || !last || !isFailure(last.status)) continue;
    const run = await ctx.store.runs.get(orgId, last.id);
    if (run) lastErrors.set(row.schedule.id, describeError(run.error, run.reason, true));
  }
  const canAct = signed.caller.role !== 'viewer';
  const back = href('/dashboard/', { filter: filter === 'all' ? undefined : filter, page: pageNumber === 1 ? undefined : pageNumber });

  const tab = (f: Filter, label: string) => html`<a class="${f === filter ? 'on' : ''}" href="${href('/dashboard/', { filter: f === 'all' ? undefined : f })}">${label} (${counts[f]})</a>`;
  const body = html`<h1>Schedules</h1>
${counts.failing > 0 ? html`<p class="error-box" id="failing-banner"><strong>${counts.failing} failing</strong> — listed first. Open a failed run (red cell or status) to see the failing step and watch its replay.</p>` : counts.all > 0 ? html`<p class="muted">All schedules are healthy.</p>` : ''}
<nav class="tabs">${tab('all', 'All')}${tab('failing', 'Failing')}${tab('paused', 'Paused')}</nav>
${onPage.length === 0
  ? html`<p class="panel muted">${counts.all === 0 ? html`No schedules yet. Create one with <code>agentcron apply -c agentcron.yaml</code> or <code>POST /v1/schedules</code>.` : 'No schedule matches this filter.'}</p>`
  : html`<table id="schedules"><thead><tr><th>Schedule</th><th>Last run</th><th>History (oldest → newest)</th><th>Success 7 d</th><th>Next fire</th><th>Incident</th>${canAct ? html`<th>Actions</th>` : ''}</tr></thead><tbody>
${onPage.map((row) => {
  const s = row.schedule;
  const summary = summaries.get(s.id);
  const last = summary?.lastRun ?? null;
  return html`<tr class="${row.failing ? 'failing' : s.paused ? 'paused' : ''}" data-schedule="${s.id}">
<td><a href="/dashboard/schedules/${encodeURIComponent(s.id)}"><strong>${s.id}</strong></a><div class="muted">${s.templateId} · ${describeSpec(s)}</div>
${s.paused ? html`<div>${statusBadge('paused')} ${s.pauseNote ? html`<span class="note">${s.pauseNote}</span>` : ''}</div>` : ''}</td>
<td>${last ? html`<a href="/dashboard/runs/${encodeURIComponent(last.id)}">${statusBadge(last.status)}</a> <span class="muted">${relative(last.finishedAt ?? last.nominalTime, now)}</span>` : html`<span class="muted">–</span>`}
${row.health && row.health.consecutiveFailures > 1 ? html`<div class="muted">${row.health.consecutiveFailures} failures in a row</div>` : ''}
${lastErrors.get(s.id) ?? ''}</td>
<td>${strip(summary)}</td>
<td>${percent(summary?.successRate ?? null)}</td>
<td>${s.paused ? html`<span class="muted">paused</span>` : s.nextNominalTime === null ? html`<span class="muted">no more</span>` : html`${time(s.nextNominalTime, now)}<div class="muted">${relative(s.nextNominalTime, now)}</div>`}</td>
<td>${row.incident ? html`${statusBadge('open')} <span title="${row.incident.summary}">${row.incident.kind}</span><div class="muted">since ${relative(row.incident.openedAt, now)}</div>` : html`<span class="muted">–</span>`}</td>
${canAct ? html`<td>${actionButtons(signed.viewer, s, back)}</td>` : ''}</tr>`;
})}</tbody></table>`}
${pages > 1 ? html`<nav class="pager">${pageNumber > 1 ? html`<a href="${href('/dashboard/', { filter: filter === 'all' ? undefined : filter, page: pageNumber - 1 })}">← Previous</a>` : ''}<span>Page ${pageNumber} of ${pages} · ${counted(shown.length, 'schedule')}</span>${pageNumber < pages ? html`<a href="${href('/dashboard/', { filter: filter === 'all' ? undefined : filter, page: pageNumber + 1 })}" rel="next">Next →</a>` : ''}</nav>` : ''}`;
  return page({ title: 'Schedules', viewer: signed.viewer, flash: flashText(query.flash) }, body);
}

export function actionButtons(viewer: Viewer, s: Schedule, back: string): SafeHtml {
  const path = `/dashboard/schedules/${encodeURIComponent(s.id)}`;
  return html`<div class="actions">${s.paused ? backForm(viewer, `${path}/resume`, 'Resume', back) : backForm(viewer, `${path}/pause`, 'Pause', back)}${postButton(viewer, `${path}/trigger`, 'Run now')}</div>`;
}

function backForm(viewer: Viewer, action: string, label: string, back: string): SafeHtml {
  return html`<form method="post" action="${action}" class="inline"><input type="hidden" name="_csrf" value="${viewer.csrf}"><input type="hidden" name="back" value="${back}"><button>${label}</button></form>`;
}
