/**
 * The dashboard's one stylesheet, served at /dashboard/assets/dashboard.css. It lives in a
 * TypeScript module so that `tsx` (no build) and `tsc` (dist/) both ship it without copying
 * assets. Calm colours; status colours carry meaning and are the only saturated ones.
 */
export const DASHBOARD_CSS = `
:root {
  --bg: #f7f7f5; --panel: #fff; --ink: #1f2328; --muted: #667085; --line: #e4e4e0;
  --ok: #2f9e5b; --fail: #d64545; --late: #d98a1c; --idle: #a0a4ab; --live: #3a78c9; --accent: #3a5fcd;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 22px; margin: 4px 0 12px; font-weight: 600; }
h2 { font-size: 16px; margin: 28px 0 10px; font-weight: 600; }
h3 { font-size: 14px; margin: 16px 0 6px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #f2f2ef; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; max-height: 420px; margin: 6px 0; white-space: pre-wrap; word-break: break-word; }
.top { display: flex; align-items: center; gap: 14px; padding: 10px 24px; background: #23272f; color: #e8e8e8; }
.top a { color: #e8e8e8; }
.brand { font-weight: 700; letter-spacing: .3px; }
.crumbs { display: flex; gap: 8px; color: #9aa0a8; }
.who { margin-left: auto; color: #c7c9cc; display: flex; gap: 6px; align-items: center; }
.role { background: #3a3f48; border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.muted { color: var(--muted); }
.flash { background: #eef4ff; border: 1px solid #c9d8fb; padding: 8px 12px; border-radius: 6px; }
.error-box { background: #fdf0f0; border: 1px solid #f1c4c4; border-left: 4px solid var(--fail); padding: 12px 16px; border-radius: 6px; margin: 12px 0; }
.error-box .step { font-size: 16px; font-weight: 600; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 10px 0; }
table { border-collapse: collapse; width: 100%; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; background: #fafaf8; }
tr.failing td:first-child { border-left: 4px solid var(--fail); }
tr.failing { background: #fff8f8; }
tr.paused { background: #fafafa; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--idle); white-space: nowrap; }
.s-succeeded, .s-delivered, .s-resolved { background: var(--ok); }
.s-failed, .s-timed_out, .s-dead, .s-open, .s-lost { background: var(--fail); }
.s-missed { background: var(--late); }
.s-queued, .s-running, .s-pending { background: var(--live); }
.s-skipped, .s-cancelled { background: var(--idle); }
.s-paused { background: #6b7280; }
.strip { display: flex; gap: 2px; align-items: center; }
.strip a { display: block; width: 9px; height: 20px; border-radius: 2px; background: var(--idle); }
.strip a.s-succeeded { background: var(--ok); } .strip a.s-failed, .strip a.s-timed_out { background: var(--fail); }
.strip a.s-missed { background: var(--late); } .strip a.s-queued, .strip a.s-running { background: var(--live); }
.strip a.s-skipped, .strip a.s-cancelled { background: #d3d5d9; }
.tabs { display: flex; gap: 4px; margin: 8px 0 12px; flex-wrap: wrap; }
.tabs a { padding: 5px 12px; border-radius: 16px; border: 1px solid var(--line); background: var(--panel); color: var(--ink); }
.tabs a.on { background: var(--ink); color: #fff; border-color: var(--ink); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .k { color: var(--muted); font-size: 12px; } .card .v { font-size: 20px; font-weight: 600; }
.card .v.bad { color: var(--fail); } .card .v.good { color: var(--ok); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
form.inline { display: inline-flex; gap: 4px; margin: 0 2px; }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid #c9cbd0; background: #fff; cursor: pointer; }
button:hover { background: #f0f1f3; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.link { border: 0; background: none; color: #c7c9cc; padding: 0; }
a.button { display: inline-block; padding: 6px 14px; border-radius: 6px; background: var(--accent); color: #fff; font-weight: 600; }
a.button:hover { text-decoration: none; filter: brightness(1.1); }
input, select { font: inherit; padding: 4px 8px; border: 1px solid #c9cbd0; border-radius: 6px; background: #fff; }
.login { max-width: 460px; margin: 60px auto; }
.login input[type=password] { width: 100%; padding: 8px 10px; margin: 8px 0 12px; }
.login .problem { color: var(--fail); font-weight: 600; }
.filters { display: flex; gap: 10px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
.pager { display: flex; gap: 12px; margin: 10px 0; align-items: center; }
.chart { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .axis { stroke: #c9cbd0; stroke-width: 1; } .chart .grid { stroke: #eeeeea; stroke-width: 1; }
.chart text { fill: var(--muted); font-size: 11px; }
.chart .dur { fill: none; stroke: var(--accent); stroke-width: 1.5; } .chart .late { fill: none; stroke: var(--late); stroke-width: 1.5; stroke-dasharray: 4 3; }
.chart .pt-late { fill: var(--late); } .chart .pt-ok { fill: var(--ok); } .chart .pt-fail { fill: var(--fail); } .chart .pt-other { fill: var(--idle); }
.chart .bar { fill: #8ea4e6; } .chart .bar:hover { fill: var(--accent); }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin: 4px 0 0 6px; }
.legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; background: var(--accent); }
.legend i.late { background: var(--late); }
.timeline .a-succeeded { fill: var(--ok); } .timeline .a-failed, .timeline .a-timed_out, .timeline .a-lost { fill: var(--fail); }
.timeline .a-running { fill: var(--live); } .timeline .a-cancelled { fill: var(--idle); } .timeline .wait { fill: #e9e9e4; }
.shots img { max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
.diff .added { color: var(--ok); } .diff .removed { color: var(--fail); } .diff .changed { color: var(--late); }
.dst { color: var(--late); font-weight: 600; }
.note { color: var(--muted); font-style: italic; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
`;
