/**
 * Server-side HTML: a tagged template that escapes every interpolated value unless it is
 * already markup, the page layout and the small pieces every page shares (status badges, times,
 * JSON blocks). No client framework: pages are plain HTML forms and links.
 */
import type { Role, RunStatus } from '../store/types.js';

/** Markup that is already safe to send (built by `html` or `raw`). */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part as string | number | boolean));
}

/** `html\`<p>${text}</p>\``: strings are escaped, nested `html` and arrays of it are kept. */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Trusted markup (generated SVG). */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}

/** A URL with query parameters; undefined and empty values are left out. */
export function href(path: string, query: Record<string, string | number | undefined | null> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Who is looking at a page: shown in the header, and decides whether buttons are shown. */
export interface Viewer {
  orgId: string;
  role: Role;
  keyName: string;
  csrf: string;
}

export const CSS_PATH = '/dashboard/assets/dashboard.css';

export function page(options: { title: string; viewer?: Viewer | null; crumbs?: Array<[string, string]>; flash?: string | null }, body: SafeHtml): string {
  const { viewer } = options;
  const crumbs = options.crumbs ?? [];
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · agentcron</title><link rel="stylesheet" href="${CSS_PATH}"></head>
<body><header class="top"><a class="brand" href="/dashboard/">agentcron</a>
${crumbs.length > 0 ? html`<nav class="crumbs" aria-label="breadcrumbs">${crumbs.map(([label, url]) => html`<span>/</span><a href="${url}">${label}</a>`)}</nav>` : ''}
${viewer ? html`<div class="who"><span title="organisation">${viewer.orgId}</span> · <span title="API key">${viewer.keyName}</span> <span class="role">${viewer.role}</span>
<form method="post" action="/dashboard/logout" class="inline"><input type="hidden" name="_csrf" value="${viewer.csrf}"><button class="link">Log out</button></form></div>` : ''}
</header><main>${options.flash ? html`<p class="flash" role="status">${options.flash}</p>` : ''}${body}</main></body></html>`.text}`;
}

const FAILED: readonly RunStatus[] = ['failed', 'timed_out', 'missed'];

export function isFailure(status: RunStatus): boolean {
  return FAILED.includes(status);
}

export function statusBadge(status: RunStatus | string): SafeHtml {
  return html`<span class="badge s-${status}">${status.replace('_', ' ')}</span>`;
}

/** `2026-03-01 12:00:05 UTC`: one unambiguous format everywhere (time zones are shown where they matter). */
export function utc(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** `in 3 min`, `5 h ago`: next to absolute times, for a quick read. */
export function relative(ms: number | null | undefined, now: number): string {
  if (ms === null || ms === undefined) return '';
  const delta = ms - now;
  const text = duration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

/** `850 ms`, `12.3 s`, `4 min`, `2 h 5 min`, `3 d`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) {
    const h = Math.floor(ms / 3_600_000);
    const m = Math.round((ms % 3_600_000) / 60_000);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  return `${Math.round(ms / 86_400_000)} d`;
}

export function time(ms: number | null | undefined, now: number): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="muted">–</span>`;
  return html`<time datetime="${new Date(ms).toISOString()}" title="${relative(ms, now)}">${utc(ms)}</time>`;
}

export function jsonBlock(value: unknown): SafeHtml {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

/** `1 run`, `2 runs`: a count with its noun, singular for exactly one. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function percent(rate: number | null): string {
  return rate === null ? '–' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)} %`;
}

export function dollars(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

/** A POST button with the session's CSRF token (pause, resume, trigger). */
export function postButton(viewer: Viewer, action: string, label: string, options: { note?: boolean; primary?: boolean } = {}): SafeHtml {
  return html`<form method="post" action="${action}" class="inline">
<input type="hidden" name="_csrf" value="${viewer.csrf}">${options.note ? html`<input name="note" placeholder="note (optional)" maxlength="500" aria-label="pause note">` : ''}
<button class="${options.primary ? 'primary' : ''}">${label}</button></form>`;
}
