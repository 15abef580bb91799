import { describe, expect, it } from 'vitest';
import { decideOverlap, type ActiveRun } from '../../src/policy/overlap.js';

const running: ActiveRun = { id: 'r1', status: 'running' };
const waiting: ActiveRun = { id: 'r2', status: 'queued' };

describe('overlap policy', () => {
  it('starts when nothing is active, whatever the policy', () => {
    for (const p of ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'allow'] as const) {
      expect(decideOverlap(p, [])).toEqual({ action: 'start' });
    }
  });

  it('skip records the occurrence as skipped with the blocking run', () => {
    const d = decideOverlap('skip', [running]);
    expect(d.action).toBe('skip');
    expect(d.action === 'skip' && d.reason).toContain('r1');
  });

  it('buffer_one keeps at most one waiting run', () => {
    expect(decideOverlap('buffer_one', [running])).toEqual({ action: 'buffer' });
    expect(decideOverlap('buffer_one', [running, waiting]).action).toBe('skip');
  });

  it('buffer_all always buffers; cancel_other cancels every active run; allow starts', () => {
    expect(decideOverlap('buffer_all', [running, waiting])).toEqual({ action: 'buffer' });
    expect(decideOverlap('cancel_other', [running, waiting])).toEqual({ action: 'start', cancel: ['r1', 'r2'] });
    expect(decideOverlap('allow', [running])).toEqual({ action: 'start' });
  });
});
