/**
 * One run: what failed and at which step, the replay of each attempt (the trace viewer), the
 * attempts on a timeline, screenshots, logs, the output and its diff against the previous
 * successful output, and the deliveries with their attempts.
 */
import { diffJson } from '../policy/diff.js';
import type { Artifact, Json, Run } from '../store/types.js';
import { attemptsTimeline } from './charts.js';
import { duration, html, jsonBlock, page, statusBadge, time, type SafeHtml } from './html.js';
import { flashText } from './schedule-page.js';
import { PageError, type DashboardContext, type Signed } from './server.js';

/** Console logs up to this size are shown on the page; bigger ones are a download. */
const INLINE_LOG_BYTES = 64 * 1024;

interface StepError {
  kind?: string;
  message?: string;
  retryable?: boolean;
  details?: { step?: string; stepKind?: string; selector?: string; page?: { url?: string; title?: string; text?: string } } | null;
}

/**
 * The failing step in one line (`steps[1].if.then[3] assert: the login was refused`), from the
 * error the steps runner stores; `compact` for tables, else with the page it was on.
 */
export function describeError(error: Json | null, reason: string | null, compact = false): SafeHtml {
  if (error === null || typeof error !== 'object' || Array.isArray(error)) return reason ? html`<div class="muted">${reason}</div>` : html``;
  const e = error as StepError;
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
  const headline = message.split(' — ')[0]!;
  const step = e.details?.step;
  // The message starts with where it failed (`steps[2] click "#buy": …`); the step is shown on its own, so keep what follows.
  let reasonText = headline;
  if (step && headline.startsWith(step)) {
    const marker = e.details?.selector !== undefined ? `${JSON.stringify(e.details.selector)}: ` : ': ';
    const at = headline.indexOf(marker);
    if (at >= 0) reasonText = headline.slice(at + marker.length);
  }
  if (compact) {
    return html`<div class="fail-step">${step ? html`Failed at <code>${step}</code>${e.details?.stepKind ? ` (${e.details.stepKind})` : ''}: ` : ''}<span>${truncate(reasonText, 160)}</span></div>`;
  }
  const pageInfo = e.details?.page;
  return html`<div class="error-box" id="run-error">
${step ? html`<div class="step">Failed at step <code id="failing-step">${step}</code>${e.details?.stepKind ? html` <span class="muted">(${e.details.stepKind}${e.details.selector ? html` <code>${e.details.selector}</code>` : ''})</span>` : ''}</div>` : html`<div class="step">${e.kind ?? 'error'}</div>`}
<p>${reasonText}</p>
${pageInfo ? html`<dl class="facts"><dt>Page</dt><dd><code>${pageInfo.url ?? ''}</code> ${pageInfo.title ? html`“${pageInfo.title}”` : ''}</dd>${pageInfo.text ? html`<dt>Visible text</dt><dd class="muted">${pageInfo.text}</dd>` : ''}</dl>` : ''}
<p class="muted">kind ${e.kind ?? '?'} · ${e.retryable ? 'retryable' : 'not retried (trying again would not help)'}</p></div>`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function artifactUrl(run: Run, a: Artifact): string {
  return `/dashboard/runs/${encodeURIComponent(run.id)}/artifacts/${a.attempt}/${encodeURIComponent(a.name)}`;
}

/** The trace viewer with this attempt's trace; the trace URL is absolute and signed (the viewer fetches it itself). */
export function replayUrl(ctx: DashboardContext, origin: string, a: Artifact): string {
  const token = ctx.tokens.sign({ orgId: a.orgId, runId: a.runId, attempt: a.attempt, name: a.name });
  return `/replay/viewer/index.html?trace=${encodeURIComponent(`${origin}/replay/trace.zip?token=${token}`)}`;
}

function latest(run: Run, attempts: readonly { finishedAt: number | null }[]): number | null {
  return run.finishedAt ?? attempts.at(-1)?.finishedAt ?? null;
}

export async function runPage(ctx: DashboardContext, signed: Signed, id: string, origin: string, query: Record<string, unknown> = {}): Promise<string> {
  const { orgId } = signed.caller;
  const run = await ctx.store.runs.get(orgId, id);
  if (!run) throw new PageError(404, `run ${JSON.stringify(id)} not found`);
  const now = ctx.clock.now();
  const [attempts, events, artifacts, deliveries, schedule] = await Promise.all([
    ctx.store.runs.attempts(run.id),
    ctx.store.events.list(run.id, { limit: 1000 }),
    ctx.store.artifacts.list(orgId, run.id),
    ctx.store.deliveries.list({ orgId, runId: run.id, limit: 100 }),
    run.scheduleId ? ctx.store.schedules.get(orgId, run.scheduleId) : Promise.resolve(null),
  ]);
  const deliveryAttempts = await Promise.all(deliveries.map((d) => ctx.store.deliveries.attempts(d.id)));
  const previous =
    run.scheduleId && run.output !== null
      ? (await ctx.store.runs.list({ orgId, scheduleId: run.scheduleId, status: ['succeeded'], to: run.nominalTime, limit: 1 })).runs[0] ?? null
      : null;
  const traces = artifacts.filter((a) => a.kind === 'trace');
  const lastTrace = traces.at(-1) ?? null;
  const consoleLogs = await Promise.all(
    artifacts
      .filter((a) => a.kind === 'console' && a.size <= INLINE_LOG_BYTES && ctx.artifacts)
      .map(async (a) => ({ artifact: a, text: (await ctx.artifacts!.get(a.storageKey))?.toString('utf8') ?? null })),
  );
  const finished = latest(run, attempts);
  const attemptNumbers = [...new Set([...attempts.map((a) => a.number), ...artifacts.map((a) => a.attempt)])].sort((a, b) => a - b);

  const body = html`<h1><span class="mono">${run.id}</span> ${statusBadge(run.status)}</h1>
${describeError(run.error, run.reason)}
${lastTrace ? html`<p><a class="button" id="open-replay" href="${replayUrl(ctx, origin, lastTrace)}" target="_blank" rel="noopener">▶ Watch the replay of attempt ${lastTrace.attempt}</a> <span class="muted">the Playwright trace viewer: every action, DOM snapshots, console and network</span></p>` : artifacts.length === 0 && run.attempts > 0 ? html`<p class="muted">No replay: this template kind records none, or retention removed it.</p>` : ''}
<div class="panel"><dl class="facts">
<dt>Schedule</dt><dd>${run.scheduleId ? (schedule ? html`<a href="/dashboard/schedules/${encodeURIComponent(run.scheduleId)}">${run.scheduleId}</a>` : html`${run.scheduleId} <span class="muted">(deleted)</span>`) : html`<span class="muted">none</span>`}</dd>
<dt>Template</dt><dd>${run.templateId} v${run.templateVersion}</dd>
<dt>Trigger</dt><dd>${run.trigger}${run.backfillId ? html` <span class="muted">backfill ${run.backfillId}</span>` : ''}</dd>
<dt>Nominal time</dt><dd>${time(run.nominalTime, now)}</dd>
<dt>Started</dt><dd>${time(run.startedAt, now)}${run.startedAt !== null && run.trigger === 'schedule' ? html` <span class="muted">${duration(run.startedAt - run.nominalTime)} after its nominal time</span>` : ''}</dd>
<dt>Finished</dt><dd>${time(run.finishedAt, now)}${run.startedAt !== null && run.finishedAt !== null ? html` <span class="muted">took ${duration(run.finishedAt - run.startedAt)}</span>` : ''}</dd>
<dt>Attempts</dt><dd>${run.attempts} of ${run.maxAttempts}</dd>
<dt>Browser time</dt><dd>${duration(run.browserMs)}</dd>
${run.reason && run.error === null ? html`<dt>Reason</dt><dd>${run.reason}</dd>` : ''}
${run.params !== null && JSON.stringify(run.params) !== '{}' ? html`<dt>Params</dt><dd><code>${JSON.stringify(run.params)}</code></dd>` : ''}
</dl></div>

<h2>Attempts</h2>
${attemptsTimeline(attempts.map((a) => ({ number: a.number, status: a.status, startedAt: a.startedAt, finishedAt: a.finishedAt })), Math.min(run.nominalTime, attempts[0]?.startedAt ?? run.nominalTime), finished ?? now)}
${attemptNumbers.map((n) => {
  const a = attempts.find((x) => x.number === n);
  const own = artifacts.filter((x) => x.attempt === n);
  const trace = own.find((x) => x.kind === 'trace');
  const shots = own.filter((x) => x.kind === 'screenshot');
  const others = own.filter((x) => x.kind !== 'screenshot' && x.kind !== 'trace');
  return html`<section class="panel attempt" id="attempt-${n}"><h3>Attempt ${n} ${a ? statusBadge(a.status) : ''} ${a ? html`<span class="muted">${time(a.startedAt, now)} · ${a.finishedAt !== null ? duration(a.finishedAt - a.startedAt) : 'running'} · worker ${a.workerId}</span>` : ''}</h3>
${a?.error ? describeError(a.error, null, true) : ''}
${trace ? html`<p><a href="${replayUrl(ctx, origin, trace)}" target="_blank" rel="noopener" class="replay-link">▶ Replay of attempt ${n}</a> <span class="muted">(${Math.round(trace.size / 1024)} KB trace, <a href="${artifactUrl(run, trace)}">download</a>)</span></p>` : ''}
${shots.length > 0 ? html`<div class="shots">${shots.map((s) => html`<figure><img src="${artifactUrl(run, s)}" alt="screenshot ${s.name} of attempt ${n}" loading="lazy"><figcaption class="muted">${s.name}</figcaption></figure>`)}</div>` : ''}
${others.length > 0 ? html`<p>Files: ${others.map((o) => html`<a href="${artifactUrl(run, o)}">${o.name}</a> <span class="muted">(${o.kind}, ${o.size} B)</span> `)}</p>` : ''}</section>`;
})}

<div class="grid2"><section><h2>Output</h2>${run.output === null ? html`<p class="muted">No output${run.status === 'succeeded' ? '' : ' (the run did not succeed)'}.</p>` : jsonBlock(run.output)}</section>
<section><h2>Changes since the previous successful run</h2>${diffSection(run, previous)}</section></div>

<h2>Logs</h2>
${events.length === 0 && consoleLogs.length === 0 ? html`<p class="muted">No run events or console logs were recorded (steps runs keep their console in the replay).</p>` : ''}
${events.length > 0 ? html`<table id="events"><thead><tr><th>#</th><th>Attempt</th><th>Time</th><th>Event</th><th>Data</th></tr></thead><tbody>${events.map((e) => html`<tr><td>${e.seq}</td><td>${e.attempt ?? ''}</td><td>${time(e.at, now)}</td><td>${e.type}</td><td><code>${truncate(JSON.stringify(e.data), 400)}</code></td></tr>`)}</tbody></table>` : ''}
${consoleLogs.map((c) => html`<h3>Console of attempt ${c.artifact.attempt}</h3>${c.text === null ? html`<p class="muted">gone</p>` : html`<pre>${c.text}</pre>`}`)}

<h2>Deliveries</h2>
${deliveries.length === 0 ? html`<p class="muted">None: no destination receives this run's events${run.status === 'succeeded' ? ', or its emit policy sent nothing' : ''}.</p>` : deliveries.map((d, i) => html`<section class="panel"><h3>${d.eventType} → ${d.destinationId} ${statusBadge(d.status)}</h3>
<p class="muted">id <code>${d.id}</code> · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.status === 'pending' ? html` · next ${time(d.nextAttemptAt, now)}` : ''}</p>
${deliveryAttempts[i]!.length > 0 ? html`<table><thead><tr><th>#</th><th>At</th><th>Status code</th><th>Latency</th><th>Error</th></tr></thead><tbody>${deliveryAttempts[i]!.map((a) => html`<tr><td>${a.number}</td><td>${time(a.at, now)}</td><td>${a.statusCode ?? '–'}</td><td>${duration(a.latencyMs)}</td><td class="muted">${a.error ?? ''}</td></tr>`)}</tbody></table>` : ''}</section>`)}`;
  return page({ title: `run ${run.id}`, viewer: signed.viewer, crumbs: [['schedules', '/dashboard/'], ...(run.scheduleId ? [[run.scheduleId, `/dashboard/schedules/${encodeURIComponent(run.scheduleId)}`] as [string, string]] : []), [run.id, `/dashboard/runs/${encodeURIComponent(run.id)}`]], flash: flashText(query.flash) }, body);
}

function diffSection(run: Run, previous: Run | null): SafeHtml {
  if (run.output === null) return html`<p class="muted">No output to compare.</p>`;
  if (!previous || previous.output === null) return html`<p class="muted">No earlier successful run to compare with.</p>`;
  const changes = diffJson(previous.output, run.output);
  return html`<p class="muted">against <a class="mono" href="/dashboard/runs/${encodeURIComponent(previous.id)}">${previous.id}</a></p>
${changes.length === 0 ? html`<p>No change.</p>` : html`<table class="diff"><thead><tr><th>Path</th><th>Change</th><th>Before</th><th>After</th></tr></thead><tbody>${changes.map((c) => html`<tr class="${c.kind}"><td class="mono">${c.path || '(whole output)'}</td><td class="${c.kind}">${c.kind}</td><td><code>${c.before === undefined ? '' : truncate(JSON.stringify(c.before), 200)}</code></td><td><code>${c.after === undefined ? '' : truncate(JSON.stringify(c.after), 200)}</code></td></tr>`)}</tbody></table>`}`;
}
