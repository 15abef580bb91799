import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INVENTORY, metricsAt, PRICE_PERIOD_MS, PRODUCTS, priceCents, stockAt } from '../../examples/demo/pages.js';
import { parseStepsDefinition, runSteps } from '../../src/runtime/steps/interpreter.js';
import type { Json } from '../../src/store/types.js';
import { BROWSER_TEST_TIMEOUT_MS, chromiumMissing, DEMO_START, useBrowserAndSite } from '../runtime/steps/harness.js';

/** An example template as `agentcron apply` stores it: without id, kind and description. */
function template(name: string): Json {
  const { id: _id, kind, description: _d, ...definition } = parse(readFileSync(new URL(`../../examples/demo/templates/${name}.yaml`, import.meta.url), 'utf8')) as Record<string, Json>;
  expect(kind).toBe('steps');
  return definition;
}

describe.skipIf(chromiumMissing)('example templates on the demo site', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const h = useBrowserAndSite();

  it('price-monitor reports a change only when the price moved', async () => {
    const def = parseStepsDefinition(template('price-monitor'));
    const stored = new Map<string, Json>();
    const state = { get: async (k: string) => stored.get(k), set: async (k: string, v: Json) => void stored.set(k, v), all: async () => Object.fromEntries(stored) };
    const params = { base: h.site.url, sku: 'widget' };
    const widget = PRODUCTS[0]!;
    const p0 = priceCents(widget, DEMO_START) / 100;
    expect(await runSteps(def, await h.environment({ params, state }))).toEqual({ sku: 'widget', name: 'Demo Widget', price: p0, previous: null, changed: true, availability: expect.any(String) });
    expect(await runSteps(def, await h.environment({ params, state }))).toMatchObject({ price: p0, previous: p0, changed: false });
    await h.clock.advance(PRICE_PERIOD_MS);
    const p1 = priceCents(widget, DEMO_START + PRICE_PERIOD_MS) / 100;
    expect(await runSteps(def, await h.environment({ params, state }))).toMatchObject({ price: p1, previous: p0, changed: p1 !== p0 });
    h.clock.set(DEMO_START);
    await expect(runSteps(def, await h.environment({ params: { base: h.site.url, sku: 'sprocket' }, state }))).rejects.toMatchObject({ kind: 'params', retryable: false });
  });

  it('dashboard-report logs in once; the next run in the same browser state skips the login', async () => {
    const def = parseStepsDefinition(template('dashboard-report'));
    const overrides = { params: { base: h.site.url }, secrets: { DEMO_PASSWORD: 'demo-password-not-used' } };
    // The demo accepts demo/demo; the secret here is wrong on purpose first, to see the failure.
    const wrong = await runSteps({ ...def, defaults: { timeoutMs: 8000 } }, await h.environment(overrides)).then(() => undefined, (e: unknown) => e);
    expect(wrong).toMatchObject({ kind: 'assertion', retryable: false });
    expect((wrong as Error).message).toMatch(/^steps\[1\]\.if\.then\[3\] assert: the login was refused \(expected URL containing "\/dashboard", at ".*\/login[^"]*"\) — on .*\/login.*Wrong user name or password/);

    const good = { params: { base: h.site.url }, secrets: { DEMO_PASSWORD: 'demo' } };
    const m = metricsAt(DEMO_START);
    const metrics = [
      { metric: 'visitors', value: m.visitors },
      { metric: 'orders', value: m.orders },
      { metric: 'revenue', value: m.revenueCents / 100 },
      { metric: 'conversion', value: m.conversion },
    ];
    const first = await h.environment(good);
    expect(await runSteps(def, first)).toEqual({ loggedIn: true, metrics });
    expect(first.saved.map((s) => s.name)).toEqual(['dashboard.png']);
    expect(await runSteps(def, await h.environment(good))).toEqual({ loggedIn: false, metrics });
  });

  it('inventory-check lists the items below the threshold', async () => {
    const def = parseStepsDefinition(template('inventory-check'));
    const items = INVENTORY.map((item, i) => ({ sku: item.sku, name: item.name, stock: stockAt(i, DEMO_START) }));
    for (const threshold of [10, 25]) {
      const output = await runSteps(def, await h.environment({ params: { base: h.site.url, threshold } }));
      expect(output).toEqual({ checked: items, low: items.filter((i) => i.stock < threshold).map(({ sku, stock }) => ({ sku, stock })) });
    }
    expect(items.filter((i) => i.stock < 25).length).toBeGreaterThan(items.filter((i) => i.stock < 10).length);
  });

  it('status-check fails one run in three at its goto step (HTTP 503), naming it (the flaky page)', async () => {
    const def = parseStepsDefinition(template('status-check'));
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await runSteps(def, await h.environment({ params: { base: h.site.url } })).then((output) => output, (e: unknown) => e));
    }
    const failures = outcomes.filter((o) => o instanceof Error);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ kind: 'http-status', retryable: true });
    expect((failures[0] as Error).message).toMatch(/^steps\[0\] goto ".*\/pages\/flaky": the page answered HTTP 503/);
    expect(outcomes.filter((o) => !(o instanceof Error))).toEqual([{ message: expect.stringMatching(/^Request \d+ worked\.$/) }, { message: expect.stringMatching(/^Request \d+ worked\.$/) }]);
  });
});
