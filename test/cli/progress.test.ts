import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.js';
import { progressBar, renderProgress } from '../../src/cli/progress.js';

function context(tty: boolean, columns?: number): { ctx: CliContext; err: () => string } {
  let err = '';
  return { ctx: { stdout: () => {}, stderr: (t) => void (err += t), now: () => 0, stderrIsTTY: tty, ...(columns ? { stderrColumns: columns } : {}) }, err: () => err };
}

describe('renderProgress', () => {
  it('draws a bar with the count, the percentage and the label', () => {
    expect(renderProgress({ title: 'applying', count: 0, total: 8 })).toBe('applying [........................] 0/8 0%');
    expect(renderProgress({ title: 'applying', count: 3, total: 8, label: 'schedule hourly' })).toBe('applying [#########...............] 3/8 37% schedule hourly');
    expect(renderProgress({ title: 'applying', count: 8, total: 8 })).toBe('applying [########################] 8/8 100%');
    // More done than announced (a run added meanwhile) never overflows the bar.
    expect(renderProgress({ title: 'x', count: 9, total: 8 })).toBe('x [########################] 8/8 100%');
  });

  it('counts without a total, grouping thousands', () => {
    expect(renderProgress({ title: 'exporting runs', count: 1234567, total: null })).toBe('exporting runs 1,234,567');
  });

  it('cuts the line to the terminal width so it never wraps', () => {
    const line = renderProgress({ title: 'backfill hourly', count: 1, total: 2, label: 'x'.repeat(200) }, 60);
    expect(line).toHaveLength(59);
    expect(line.endsWith('…')).toBe(true);
    expect(line.startsWith('backfill hourly [############............] 1/2 50% xxx')).toBe(true);
  });
});

describe('progressBar', () => {
  it('prints nothing but the summary when stderr is not a terminal', () => {
    const { ctx, err } = context(false);
    const progress = progressBar(ctx, 3, 'applying');
    progress.tick('a');
    progress.update(3, 'c');
    expect(err()).toBe('');
    progress.done('3 done');
    expect(err()).toBe('3 done\n');
    const quiet = context(false);
    progressBar(quiet.ctx, null, 'exporting').done();
    expect(quiet.err()).toBe('');
  });

  it('redraws one line in place on a terminal, always shows the last step, and clears it when done', () => {
    const { ctx, err } = context(true, 100);
    const progress = progressBar(ctx, 2, 'applying');
    progress.tick('template check');
    progress.tick('schedule hourly');
    progress.done();
    const frames = err().split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toBe('applying [........................] 0/2 0%');
    expect(frames.at(-1)).toBe('applying [########################] 2/2 100% schedule hourly');
    expect(err().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('ends a counter with its summary on its own line', () => {
    const { ctx, err } = context(true);
    const progress = progressBar(ctx, null, 'exporting runs');
    progress.update(1);
    progress.done('exported 1 run');
    expect(err().startsWith('\r\x1b[2Kexporting runs 0')).toBe(true);
    expect(err().endsWith('\r\x1b[2Kexported 1 run\n')).toBe(true);
  });
});
