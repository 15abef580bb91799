import { describe, expect, it } from 'vitest';
import { diffJson, sameJson } from '../../src/policy/diff.js';
import { eventsFor, runEmission } from '../../src/policy/emit.js';

describe('diff of two JSON outputs', () => {
  it('lists added, removed and changed paths with before and after', () => {
    const before = { price: 10, currency: 'EUR', stock: { a: 1 }, tags: ['x', 'y'], 'a/b': 1 };
    const after = { price: 12, stock: { a: 1, b: 2 }, tags: ['x'], 'a/b': 2 };
    expect(diffJson(before, after)).toEqual([
      { path: '/a~1b', kind: 'changed', before: 1, after: 2 },
      { path: '/currency', kind: 'removed', before: 'EUR' },
      { path: '/price', kind: 'changed', before: 10, after: 12 },
      { path: '/stock/b', kind: 'added', after: 2 },
      { path: '/tags/1', kind: 'removed', before: 'y' },
    ]);
  });

  it('finds nothing between equal documents, whatever the key order', () => {
    expect(diffJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toEqual([]);
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
  });

  it('reports a change of type or of a scalar document at the root', () => {
    expect(diffJson(1, '1')).toEqual([{ path: '', kind: 'changed', before: 1, after: '1' }]);
    expect(diffJson({ a: 1 }, null)).toEqual([{ path: '', kind: 'changed', before: { a: 1 }, after: null }]);
  });
});

describe('emit policies', () => {
  const changed = runEmission({ status: 'succeeded', output: { price: 12 }, previousOutput: { price: 10 } });
  const same = runEmission({ status: 'succeeded', output: { price: 10 }, previousOutput: { price: 10 } });
  const first = runEmission({ status: 'succeeded', output: { price: 10 }, previousOutput: undefined });
  const failed = runEmission({ status: 'failed', output: null, previousOutput: undefined });
  const timedOut = runEmission({ status: 'timed_out', output: null, previousOutput: undefined });
  const cancelled = runEmission({ status: 'cancelled', output: null, previousOutput: undefined });

  it('always: the terminal event, plus run.changed when the output changed', () => {
    expect(eventsFor(changed, 'always', undefined)).toEqual(['run.succeeded', 'run.changed']);
    expect(eventsFor(same, 'always', undefined)).toEqual(['run.succeeded']);
    expect(eventsFor(failed, 'always', undefined)).toEqual(['run.failed']);
    expect(eventsFor(timedOut, 'always', undefined)).toEqual(['run.failed']);
    expect(eventsFor(cancelled, 'always', undefined)).toEqual([]);
  });

  it('on_change: only run.changed, never for the first output or an unchanged one', () => {
    expect(eventsFor(changed, 'on_change', undefined)).toEqual(['run.changed']);
    expect(eventsFor(same, 'on_change', undefined)).toEqual([]);
    expect(eventsFor(first, 'on_change', undefined)).toEqual([]);
    expect(eventsFor(failed, 'on_change', undefined)).toEqual([]);
    expect(changed.changes).toEqual([{ path: '/price', kind: 'changed', before: 10, after: 12 }]);
  });

  it('on_failure: only run.failed', () => {
    expect(eventsFor(changed, 'on_failure', undefined)).toEqual([]);
    expect(eventsFor(timedOut, 'on_failure', undefined)).toEqual(['run.failed']);
  });

  it('a destination event filter keeps only the listed types', () => {
    expect(eventsFor(changed, 'always', ['run.changed'])).toEqual(['run.changed']);
    expect(eventsFor(failed, 'always', ['run.succeeded'])).toEqual([]);
  });
});
