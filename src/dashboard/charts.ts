/**
 * Inline SVG charts rendered on the server: no chart library and no script. Every number is
 * computed here, so a chart is as fast as the query behind it and reads without JavaScript.
 */
import { counted, duration, escapeHtml, raw, type SafeHtml } from './html.js';

const W = 900;
const H = 220;
const PAD = { left: 64, right: 16, top: 12, bottom: 28 };

export interface RunPoint {
  at: number;
  durationMs: number | null;
  latenessMs: number | null;
  status: string;
  href: string;
}

function scale(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Round-ish ticks for a 0..max axis, covering max; `ladder` gives the allowed steps (durations read better in whole units). */
function ticks(max: number, count = 4, ladder?: readonly number[]): number[] {
  if (max <= 0) return [0];
  const magnitude = 10 ** Math.floor(Math.log10(max / count));
  const steps = ladder ?? [1, 2, 5, 10].map((m) => m * magnitude);
  const nice = steps.find((s) => max / s <= count) ?? steps.at(-1)! * Math.ceil(max / count / steps.at(-1)!);
  const out: number[] = [];
  for (let v = 0; v < max + nice; v += nice) out.push(v);
  return out;
}

const S = 1000;
const M = 60 * S;
/** Axis steps for durations: whole milliseconds, seconds, minutes, hours. */
const DURATION_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, S, 2 * S, 5 * S, 10 * S, 15 * S, 30 * S, M, 2 * M, 5 * M, 10 * M, 15 * M, 30 * M, 60 * M, 120 * M, 360 * M, 720 * M, 1440 * M];

function timeLabel(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  return spanMs > 2 * 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

/**
 * Duration (solid) and start lateness (dashed) of each run over the window, one dot per run
 * coloured by status; each dot links to its run.
 */
export function runTimesChart(points: readonly RunPoint[], window: { from: number; to: number }): SafeHtml {
  const values = points.flatMap((p) => [p.durationMs ?? 0, p.latenessMs ?? 0]);
  const max = Math.max(1, ...values);
  const axis = ticks(max, 4, DURATION_STEPS);
  const top = axis.at(-1)! || max;
  const x = scale([window.from, window.to], [PAD.left, W - PAD.right]);
  const y = scale([0, top], [H - PAD.bottom, PAD.top]);
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const line = (pick: (p: RunPoint) => number | null) =>
    sorted
      .filter((p) => pick(p) !== null)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(pick(p)!).toFixed(1)}`)
      .join(' ');
  const parts: string[] = [];
  for (const v of axis) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(duration(v))}</text>`);
  }
  const span = window.to - window.from;
  for (let i = 0; i <= 4; i++) {
    const t = window.from + (span * i) / 4;
    parts.push(`<text x="${x(t)}" y="${H - 8}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${timeLabel(t, span)}</text>`);
  }
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"/>`);
  parts.push(`<path class="late" d="${line((p) => p.latenessMs)}"/>`, `<path class="dur" d="${line((p) => p.durationMs)}"/>`);
  for (const p of sorted) {
    if (p.latenessMs !== null) parts.push(`<circle class="pt-late" cx="${x(p.at).toFixed(1)}" cy="${y(p.latenessMs).toFixed(1)}" r="2.5"/>`);
    if (p.durationMs === null) continue;
    const cls = p.status === 'succeeded' ? 'pt-ok' : ['failed', 'timed_out', 'missed'].includes(p.status) ? 'pt-fail' : 'pt-other';
    parts.push(
      `<a href="${escapeHtml(p.href)}"><circle class="${cls}" cx="${x(p.at).toFixed(1)}" cy="${y(p.durationMs).toFixed(1)}" r="3.5"><title>${escapeHtml(`${new Date(p.at).toISOString()} ${p.status}: took ${duration(p.durationMs)}, started ${duration(p.latenessMs)} late`)}</title></circle></a>`,
    );
  }
  return raw(
    `<div class="chart"><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="run duration and start lateness">${parts.join('')}</svg>` +
      `<div class="legend"><span><i></i>duration</span><span><i class="late"></i>start lateness</span><span>${counted(points.length, 'run')}</span></div></div>`,
  );
}

export interface DayBar {
  day: string;
  dollars: number;
  runs: number;
  browserMs: number;
}

/** Daily cost bars over the given days (missing days show as gaps). */
export function dailyCostChart(days: readonly DayBar[]): SafeHtml {
  if (days.length === 0) return raw('<p class="muted">No runs with browser time in this period.</p>');
  // Half a page wide (it sits in a two-column row), so its labels stay readable.
  const W = 460;
  const h = 160;
  const max = Math.max(0.01, ...days.map((d) => d.dollars));
  const axis = ticks(max);
  const top = axis.at(-1)! || max;
  const y = scale([0, top], [h - PAD.bottom, PAD.top]);
  const slot = (W - PAD.left - PAD.right) / days.length;
  const parts: string[] = [];
  for (const v of axis) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">$${v.toFixed(v < 1 ? 2 : 0)}</text>`);
  }
  days.forEach((d, i) => {
    const x0 = PAD.left + i * slot + slot * 0.15;
    const top = y(d.dollars);
    parts.push(
      `<rect class="bar" x="${x0.toFixed(1)}" y="${top.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(h - PAD.bottom - top).toFixed(1)}"><title>${escapeHtml(`${d.day}: $${d.dollars.toFixed(2)}, ${counted(d.runs, 'run')}, ${duration(d.browserMs)} of browser time`)}</title></rect>`,
    );
    if (days.length <= 10 || i % Math.ceil(days.length / 8) === 0) parts.push(`<text x="${(x0 + slot * 0.35).toFixed(1)}" y="${h - 8}" text-anchor="middle">${d.day.slice(5)}</text>`);
  });
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${h - PAD.bottom}" y2="${h - PAD.bottom}"/>`);
  return raw(`<div class="chart"><svg viewBox="0 0 ${W} ${h}" role="img" aria-label="cost per day">${parts.join('')}</svg></div>`);
}

export interface AttemptSpan {
  number: number;
  status: string;
  startedAt: number;
  finishedAt: number | null;
}

/** The run's attempts on one time axis, from its planned start to its end, with the waits between them. */
export function attemptsTimeline(attempts: readonly AttemptSpan[], plannedAt: number, now: number): SafeHtml {
  if (attempts.length === 0) return raw('<p class="muted">No attempt started.</p>');
  const h = 40 + attempts.length * 26;
  const end = Math.max(...attempts.map((a) => a.finishedAt ?? now));
  const start = Math.min(plannedAt, ...attempts.map((a) => a.startedAt));
  const x = scale([start, Math.max(end, start + 1)], [PAD.left, W - PAD.right]);
  const parts: string[] = [];
  attempts.forEach((a, i) => {
    const yy = 10 + i * 26;
    const x0 = x(a.startedAt);
    const x1 = Math.max(x0 + 2, x(a.finishedAt ?? now));
    const prevEnd = i === 0 ? plannedAt : (attempts[i - 1]!.finishedAt ?? a.startedAt);
    if (a.startedAt > prevEnd) parts.push(`<rect class="wait" x="${x(prevEnd).toFixed(1)}" y="${yy + 6}" width="${(x0 - x(prevEnd)).toFixed(1)}" height="6"><title>waited ${escapeHtml(duration(a.startedAt - prevEnd))}</title></rect>`);
    parts.push(`<text x="${PAD.left - 6}" y="${yy + 13}" text-anchor="end">#${a.number}</text>`);
    parts.push(
      `<rect class="a-${escapeHtml(a.status)}" x="${x0.toFixed(1)}" y="${yy}" width="${(x1 - x0).toFixed(1)}" height="18" rx="3"><title>${escapeHtml(`attempt ${a.number}: ${a.status}, ${duration((a.finishedAt ?? now) - a.startedAt)}`)}</title></rect>`,
    );
  });
  const span = end - start;
  parts.push(`<text x="${PAD.left}" y="${h - 6}">${escapeHtml(new Date(start).toISOString().slice(11, 19))}</text>`);
  parts.push(`<text x="${W - PAD.right}" y="${h - 6}" text-anchor="end">+${escapeHtml(duration(span))}</text>`);
  return raw(`<div class="chart timeline"><svg viewBox="0 0 ${W} ${h}" role="img" aria-label="attempts timeline">${parts.join('')}</svg></div>`);
}
