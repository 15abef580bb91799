/**
 * Progress of long commands (backfill --wait, apply, runs export) as one line on stderr, drawn
 * only when stderr is a terminal; in pipes, logs and CI nothing is drawn and only an optional
 * final summary line is printed.
 *
 * A module of our own rather than cli-progress: that library draws to a tty.WriteStream on its
 * own redraw timer, while commands here write through the injected `CliContext.stderr` so they
 * run in-process in tests and on any output; what we need is one line, which `renderProgress`
 * makes as a pure function.
 */
import type { CliContext } from './context.js';

export interface ProgressState {
  title: string;
  count: number;
  /** Null when the total is not known in advance (a counter instead of a bar). */
  total: number | null;
  label?: string;
}

export interface Progress {
  /** One more done. */
  tick(label?: string): void;
  /** `count` done so far. */
  update(count: number, label?: string): void;
  /** Clears the line; prints `summary` on its own line (on a terminal or not). */
  done(summary?: string): void;
}

const BAR_WIDTH = 24;
/** Redraws at most this often: a fast export must not spend its time writing to the terminal. */
const REDRAW_MS = 50;
const CLEAR_LINE = '\r\x1b[2K';

/**
 * One progress line, at most `columns` characters: `title [######..........] 3/8 38% label`, or
 * `title 1,234 label` without a total. The label is cut to fit, so the line never wraps (a
 * wrapped line could not be redrawn in place).
 */
export function renderProgress(state: ProgressState, columns = 80): string {
  const count = state.total === null ? state.count : Math.min(state.count, state.total);
  let line: string;
  if (state.total === null || state.total <= 0) {
    line = `${state.title} ${count.toLocaleString('en-US')}`;
  } else {
    const filled = Math.round((count / state.total) * BAR_WIDTH);
    line = `${state.title} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${count}/${state.total} ${Math.floor((count / state.total) * 100)}%`;
  }
  if (state.label) line += ` ${state.label}`;
  const width = Math.max(10, columns - 1);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

const SILENT: Progress = { tick: () => {}, update: () => {}, done: () => {} };

export function progressBar(ctx: CliContext, total: number | null, title: string): Progress {
  // Nothing to draw (no terminal, or nothing to do): at most the summary, as a plain line.
  if (!ctx.stderrIsTTY || (total !== null && total <= 0)) return { ...SILENT, done: (summary) => summary !== undefined && ctx.stderr(`${summary}\n`) };
  let count = 0;
  let lastDraw = -Infinity;
  const draw = (label: string | undefined, force: boolean) => {
    const at = performance.now();
    if (!force && at - lastDraw < REDRAW_MS) return;
    lastDraw = at;
    ctx.stderr(`${CLEAR_LINE}${renderProgress({ title, count, total, ...(label ? { label } : {}) }, ctx.stderrColumns)}`);
  };
  draw(undefined, true);
  const update = (next: number, label?: string) => {
    count = total === null ? next : Math.min(total, next);
    draw(label, count === total);
  };
  return {
    tick: (label) => update(count + 1, label),
    update,
    done(summary) {
      ctx.stderr(CLEAR_LINE + (summary !== undefined ? `${summary}\n` : ''));
    },
  };
}
