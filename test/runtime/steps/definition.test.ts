import { describe, expect, it } from 'vitest';
import { parseStepsDefinition, StepsDefinitionError } from '../../../src/runtime/steps/interpreter.js';
import type { Json } from '../../../src/store/types.js';

function issuesOf(definition: unknown): { path: string; message: string }[] {
  try {
    parseStepsDefinition(definition as Json);
  } catch (error) {
    expect(error).toBeInstanceOf(StepsDefinitionError);
    const failure = error as StepsDefinitionError;
    expect(failure.retryable).toBe(false);
    expect(failure.kind).toBe('definition');
    for (const issue of failure.issues) expect(failure.message).toContain(`${issue.path}: ${issue.message}`);
    return failure.issues;
  }
  throw new Error('expected the definition to be rejected');
}

describe('parseStepsDefinition', () => {
  it('names the path of a missing field', () => {
    expect(issuesOf({ steps: [{ goto: 'http://x' }, { click: '#a' }, { fill: { value: 'x' } }, { click: {} }] })).toEqual([
      { path: 'steps[2].fill.selector', message: 'required' },
      { path: 'steps[3].click.selector', message: 'required' },
    ]);
  });

  it('names unknown kinds, two kinds in one step and unknown keys', () => {
    const issues = issuesOf({ steps: [{ clik: '#a' }, { click: '#a', hover: '#b' }, { click: { selector: '#a', force: true } }, {}] });
    expect(issues).toEqual([
      { path: 'steps[0].clik', message: expect.stringMatching(/^unknown step kind; expected one of goto, click/) },
      { path: 'steps[1]', message: 'one kind per step, got click and hover' },
      { path: 'steps[2].click', message: 'unknown key force' },
      { path: 'steps[3]', message: 'no step kind given' },
    ]);
  });

  it('finds problems inside if and each, and bad durations', () => {
    const issues = issuesOf({
      defaults: { timeout: '10 seconds' },
      steps: [
        { if: { exists: '#x', then: [{ click: {} }], else: [{ wait: { time: '1.5s' } }] } },
        { each: { over: '{{ vars.rows }}', steps: [{ extract: { price: { selector: '.p', type: 'money' } } }] } },
        { goto: 'http://x', timeout: '-1s' },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'defaults.timeout',
      'steps[0].if.then[0].click.selector',
      'steps[0].if.else[0].wait.time',
      'steps[1].each.steps[0].extract.price.type',
      'steps[2].timeout',
    ]);
    expect(issues[0]!.message).toMatch(/"10 seconds"/);
    expect(issues[3]!.message).toBe('Invalid option: expected one of "text"|"number" (got "money")');
  });

  it('rejects an if without a condition and a wait with two targets', () => {
    const issues = issuesOf({ steps: [{ if: { then: [] } }, { wait: { selector: '#a', text: 'b' } }, { assert: { txt: 'a' } }] });
    expect(issues).toEqual([
      { path: 'steps[0].if', message: expect.stringContaining('condition: give one of exists, text, or var with equals, above or below') },
      { path: 'steps[1].wait', message: 'give exactly one of selector, text, url, time' },
      { path: 'steps[2].assert', message: expect.stringContaining('expected one of text, exists, count, url') },
    ]);
  });

  it('rejects a JSON Schema it cannot use, naming which one', () => {
    expect(issuesOf({ steps: [{ goto: 'x' }], schema: { output: { type: 'objectz' } } })).toEqual([
      { path: 'schema.output', message: expect.stringContaining('not a usable JSON Schema') },
    ]);
  });

  it('requires at least one step', () => {
    expect(issuesOf({ steps: [] })).toEqual([{ path: 'steps', message: 'give at least one step' }]);
    expect(issuesOf({})).toEqual([{ path: 'steps', message: 'required' }]);
  });

  it('expands shorthands and resolves timeouts', () => {
    const def = parseStepsDefinition({
      defaults: { timeout: '5s' },
      steps: [
        { goto: '{{ params.url }}', timeout: '30s' },
        { click: '#buy' },
        { check: '#gift' },
        { press: 'Enter' },
        { extract: { title: 'h1', rows: { rows: 'tr', fields: { sku: { attribute: 'data-sku' } } } } },
        { wait: { time: '250ms' } },
        { screenshot: 'final' },
      ],
    });
    expect(def.defaults.timeoutMs).toBe(5000);
    expect(def.steps.map((s) => [s.kind, s.timeoutMs, s.spec])).toEqual([
      ['goto', 30_000, { url: '{{ params.url }}' }],
      ['click', undefined, { selector: '#buy' }],
      ['check', undefined, { selector: '#gift', checked: true }],
      ['press', undefined, { key: 'Enter' }],
      ['extract', undefined, {
        title: { selector: 'h1', type: 'text', all: false, optional: false },
        rows: { rows: 'tr', fields: { sku: { attribute: 'data-sku', type: 'text', all: false, optional: false } } },
      }],
      ['wait', undefined, { timeMs: 250 }],
      ['screenshot', undefined, { name: 'final', fullPage: false, mask: [] }],
    ]);
    expect(parseStepsDefinition({ steps: [{ goto: 'x' }] }).defaults.timeoutMs).toBe(10_000);
  });
});
