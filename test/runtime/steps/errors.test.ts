import { describe, expect, it } from 'vitest';
import { RunFailure } from '../../../src/runtime/failure.js';
import { parseStepsDefinition, runSteps } from '../../../src/runtime/steps/interpreter.js';
import { BROWSER_TEST_TIMEOUT_MS, chromiumMissing, useBrowserAndSite } from './harness.js';

async function failureOf(work: Promise<unknown>): Promise<RunFailure> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RunFailure);
  return error as RunFailure;
}

/** How steps fail: which step, which selector, what the page showed, and whether to retry. */
describe.skipIf(chromiumMissing)('steps failures', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const h = useBrowserAndSite();

  it('a missing element times out (retryable), naming the step, the selector and the page', async () => {
    const failure = await failureOf(h.run({
      steps: [{ goto: '{{ params.base }}/products' }, { click: '#buy-now', timeout: '300ms' }],
    }));
    expect(failure.kind).toBe('timeout');
    expect(failure.retryable).toBe(true);
    expect(failure.message).toMatch(/^steps\[1\] click "#buy-now": .*Timeout 300ms exceeded/);
    expect(failure.message).toContain(`on ${h.site.url}/products "Products · Demo shop"`);
    expect(failure.message).toMatch(/visible text: ".*Demo Widget.*"/);
    expect(failure.details).toMatchObject({ step: 'steps[1]', stepKind: 'click', selector: '#buy-now', page: { url: `${h.site.url}/products` } });
  });

  it('a failed assertion is not retryable and says what it found', async () => {
    const failure = await failureOf(h.run({
      steps: [
        { goto: '{{ params.base }}/products/gizmo' },
        { assert: { text: 'Gizmo Maxi', selector: 'h1', message: 'wrong product' }, timeout: '3s', name: 'right product' },
      ],
    }));
    expect(failure.kind).toBe('assertion');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^steps\[1\] \[right product\] assert "h1": wrong product \(expected text "Gizmo Maxi" in "h1", found "Gizmo Mini"\)/);
  });

  it.each([
    [{ exists: '.discount' }, /expected an element matching "\.discount", found none/],
    [{ count: { selector: '[data-testid=product]', min: 5 } }, /expected at least 5 elements matching "\[data-testid=product\]", found 3/],
    [{ url: { matches: 'checkout$' } }, /expected URL matching \/checkout\$\/, at ".*\/products"/],
  ])('assert %j fails with what it saw', async (assertion, expected) => {
    const failure = await failureOf(h.run({ steps: [{ goto: '{{ params.base }}/products' }, { assert: assertion, timeout: '200ms' }] }));
    expect(failure.kind).toBe('assertion');
    expect(failure.message).toMatch(expected);
  });

  it('a missing extract field is not retryable and names the field', async () => {
    const failure = await failureOf(h.run({
      steps: [{ goto: '{{ params.base }}/products/widget' }, { extract: { title: 'h1', discount: '#discount' }, timeout: '6s' }],
    }));
    expect(failure.kind).toBe('extract');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^steps\[1\] extract: steps\[1\]\.extract\.discount: no element matches "#discount" after 6000 ms — on .*\/products\/widget "Demo Widget · Demo shop"/);
  });

  it('a field that is not a number names the row and field', async () => {
    const failure = await failureOf(h.run({
      steps: [{ goto: '{{ params.base }}/inventory' }, { extract: { rows: { rows: '[data-testid=inventory-row]', fields: { name: { selector: '[data-field=name]', type: 'number' } } } } }],
    }));
    expect(failure.kind).toBe('extract');
    expect(failure.message).toContain('steps[1].extract.rows[0].name: "Demo Widget" is not a number');
  });

  it('a failure inside each names the nested step and the item', async () => {
    const failure = await failureOf(h.run({
      steps: [
        { set: { vars: { skus: ['widget', 'nothing', 'gizmo'] } } },
        { each: { over: '{{ vars.skus }}', steps: [{ goto: '{{ params.base }}/products/{{ item }}' }, { assert: { exists: '#price' } }] } },
      ],
    }));
    expect(failure.kind).toBe('http-status');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/^steps\[1\]\.each\.steps\[0\] goto ".*\/products\/nothing" \(item 2 of 3\): the page answered HTTP 404/);
  });

  it('a page that never finishes loading stops at the step timeout, retryable, and the page stays usable', async () => {
    const started = Date.now();
    const failure = await failureOf(h.run({ steps: [{ goto: '{{ params.base }}/pages/hang', timeout: '1s' }] }));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(failure.kind).toBe('timeout');
    expect(failure.retryable).toBe(true);
    expect(failure.message).toMatch(/^steps\[0\] goto ".*\/pages\/hang": .*Timeout 1000ms exceeded/);
    expect(await h.run({ steps: [{ goto: '{{ params.base }}/' }, { extract: { title: 'h1' } }] })).toEqual({ title: 'Demo shop' });
  });

  it('a server error on navigation is retryable: the flaky page fails every third load', async () => {
    const flaky = { steps: [{ goto: '{{ params.base }}/pages/flaky' }, { extract: { message: '#message' } }] };
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await h.run(flaky).then((o) => JSON.stringify(o), (e: RunFailure) => `${e.kind} retryable=${e.retryable}`));
    }
    // The counter is shared with other tests in this file, so look at the pattern, not the position.
    expect(outcomes.filter((o) => o === 'http-status retryable=true')).toHaveLength(1);
    expect(outcomes.filter((o) => /worked/.test(o))).toHaveLength(2);
  });

  it('an undefined reference is the template\'s mistake, named by its path', async () => {
    const failure = await failureOf(h.run({ steps: [{ goto: '{{ params.base }}/' }, { fill: { selector: '#q', value: '{{ vars.query }}' } }] }));
    expect(failure.kind).toBe('template');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe('steps[1].fill.value: {{ vars.query }} is not defined');
  });

  it('stops when the signal aborts, with the signal\'s reason', async () => {
    const controller = new AbortController();
    const reason = new Error('deadline passed');
    setTimeout(() => controller.abort(reason), 300);
    const started = Date.now();
    const error = await h.run({ steps: [{ goto: '{{ params.base }}/' }, { wait: { time: '20s' } }, { goto: '{{ params.base }}/products' }] }, { signal: controller.signal })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops in the middle of a browser call when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('run cancelled');
    setTimeout(() => controller.abort(reason), 500);
    const started = Date.now();
    const error = await h.run({ steps: [{ goto: '{{ params.base }}/pages/hang', timeout: '60s' }] }, { signal: controller.signal })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBe(reason);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('masks secrets in failure messages', async () => {
    const failure = await failureOf(h.run(
      { steps: [{ goto: '{{ params.base }}/' }, { assert: { text: 'token {{ secrets.TOKEN }}' }, timeout: '3s' }] },
      { secrets: { TOKEN: 'sk-live-998877' } },
    ));
    expect(failure.message).toContain('expected text "token ***"');
    expect(JSON.stringify(failure.details)).not.toContain('sk-live-998877');
    expect(failure.message).not.toContain('sk-live-998877');
  });
});

describe.skipIf(chromiumMissing)('params and output schemas', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const h = useBrowserAndSite();
  const schema = {
    params: {
      type: 'object',
      required: ['base', 'sku'],
      properties: { base: { type: 'string' }, sku: { type: 'string', enum: ['widget', 'gadget', 'gizmo'] }, currency: { type: 'string', default: 'EUR' } },
    },
    output: {
      type: 'object',
      required: ['price', 'currency'],
      properties: { price: { type: 'number', minimum: 0 }, currency: { type: 'string' } },
    },
  };

  it('applies param defaults and accepts a matching output', async () => {
    const output = await h.run({
      schema,
      steps: [{ goto: '{{ params.base }}/products/{{ params.sku }}' }, { extract: { price: { selector: '#price', type: 'number' } } }],
      output: { price: '{{ vars.price }}', currency: '{{ params.currency }}' },
    }, { params: { base: h.site.url, sku: 'gizmo' } });
    expect(output).toMatchObject({ currency: 'EUR' });
    expect(typeof (output as { price: unknown }).price).toBe('number');
  });

  it('params that break the schema fail before any step, not retryable, naming the field', async () => {
    const env = await h.environment({ params: { base: h.site.url, sku: 'sprocket' } });
    const before = env.page.url();
    const failure = await failureOf(runSteps(parseStepsDefinition({ schema, steps: [{ goto: '{{ params.base }}/' }] }), env));
    expect(failure.kind).toBe('params');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/params\.sku: .*"widget"/);
    expect(env.page.url()).toBe(before);
  });

  it('an output that breaks the schema fails, not retryable, naming the field, and writes no state', async () => {
    const env = await h.environment();
    const failure = await failureOf(runSteps(parseStepsDefinition({
      schema: { output: schema.output },
      steps: [{ goto: '{{ params.base }}/products/widget' }, { extract: { price: '#price' } }, { set: { state: { last: '{{ vars.price }}' } } }],
      output: { price: '{{ vars.price }}' },
    }), env));
    expect(failure.kind).toBe('output');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/output\.price: .*expected number/);
    expect(failure.message).toMatch(/output\.currency: required/);
    expect(env.stored.size).toBe(0);
  });
});
