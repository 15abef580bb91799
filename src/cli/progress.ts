/** A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes or logs). */
import type { CliContext } from './context.js';

export interface Progress {
  tick(label: string): void;
  done(): void;
}

const WIDTH = 24;

export function progressBar(ctx: CliContext, total: number, title: string): Progress {
  if (!ctx.stderrIsTTY || total <= 0) return { tick: () => {}, done: () => {} };
  let count = 0;
  const draw = (label: string) => {
    const filled = Math.round((count / total) * WIDTH);
    ctx.stderr(`\r\x1b[2K${title} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${count}/${total} ${label}`);
  };
  draw('');
  return {
    tick(label) {
      count = Math.min(total, count + 1);
      draw(label);
    },
    done() {
      ctx.stderr('\r\x1b[2K');
    },
  };
}
