import { describe, expect, it } from 'vitest';
import { formatEuro, INVENTORY, metricsAt, PRICE_PERIOD_MS, PRODUCTS, priceCents, stockAt } from '../../../examples/demo/pages.js';
import { parseStepsDefinition, runSteps } from '../../../src/runtime/steps/interpreter.js';
import { BROWSER_TEST_TIMEOUT_MS, ALICE, chromiumMissing, DEMO_START, useBrowserAndSite } from './harness.js';

/** Every step kind on the demo site, with real Chromium. */
describe.skipIf(chromiumMissing)('steps on the demo site', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  const h = useBrowserAndSite();

  it('goto + extract: a list of records and numbers parsed from "€1,299.00"', async () => {
    const output = await h.run({
      steps: [
        { goto: '{{ params.base }}/products' },
        {
          extract: {
            products: {
              rows: '[data-testid=product]',
              fields: { sku: { attribute: 'data-sku' }, name: '.name', href: { selector: 'a', attribute: 'href' }, price: { selector: '.price', type: 'number' } },
            },
            firstPrice: { selector: '[data-testid=price] >> nth=0', type: 'number' },
            priceTexts: { selector: '[data-testid=price]', all: true },
            missing: { selector: '#no-such-thing', optional: true },
          },
        },
      ],
    });
    const expected = PRODUCTS.map((p) => ({ sku: p.sku, name: p.name, href: `/products/${p.sku}`, price: priceCents(p, DEMO_START) / 100 }));
    expect(output).toEqual({
      products: expected,
      firstPrice: expected[0]!.price,
      priceTexts: PRODUCTS.map((p) => formatEuro(priceCents(p, DEMO_START))),
      missing: null,
    });
  });

  it('a price monitor keeps the last price in template state and sees the clock move it', async () => {
    const stored = new Map<string, unknown>();
    const state = {
      get: async (key: string) => stored.get(key) as never,
      set: async (key: string, value: unknown) => void stored.set(key, value),
      all: async () => Object.fromEntries(stored) as never,
    };
    const monitor = {
      state: { lastPrice: null },
      steps: [
        { goto: '{{ params.base }}/products/{{ params.sku }}' },
        { extract: { price: { selector: '#price', type: 'number' } } },
        { set: { vars: { previous: '{{ state.lastPrice }}' } } },
        {
          if: {
            var: 'vars.price', equals: '{{ state.lastPrice }}',
            then: [{ set: { vars: { changed: false } } }],
            else: [{ set: { vars: { changed: true } } }],
          },
        },
        { set: { state: { lastPrice: '{{ vars.price }}' } } },
      ],
      output: { price: '{{ vars.price }}', previous: '{{ vars.previous }}', changed: '{{ vars.changed }}' },
    };
    const gadget = PRODUCTS.find((p) => p.sku === 'gadget')!;
    const params = { base: h.site.url, sku: 'gadget' };
    const first = priceCents(gadget, DEMO_START) / 100;
    expect(await h.run(monitor, { params, state })).toEqual({ price: first, previous: null, changed: true });
    expect(stored.get('lastPrice')).toBe(first);
    expect(await h.run(monitor, { params, state })).toEqual({ price: first, previous: first, changed: false });

    await h.clock.advance(PRICE_PERIOD_MS);
    const second = priceCents(gadget, DEMO_START + PRICE_PERIOD_MS) / 100;
    expect(second).not.toBe(first);
    expect(await h.run(monitor, { params, state })).toEqual({ price: second, previous: first, changed: true });
    h.clock.set(DEMO_START);
  });

  it('logs in with a secret password, reads the dashboard table, and masks the secret everywhere', async () => {
    const env = await h.environment({ params: { base: h.site.url, user: ALICE.user }, secrets: { PASSWORD: ALICE.password } });
    const output = await runSteps(parseStepsDefinition({
      steps: [
        { goto: '{{ params.base }}/dashboard' },
        { wait: { url: '/login' } },
        { fill: { selector: '#username', value: '{{ params.user }}' } },
        { fill: { selector: '#password', value: '{{ secrets.PASSWORD }}' } },
        { click: '#login-submit' },
        { wait: { url: '**/dashboard' } },
        { assert: { text: 'Signed in as {{ params.user }}', selector: '#welcome' } },
        { extract: { metrics: { rows: '#metrics tbody tr', fields: { metric: { attribute: 'data-metric' }, label: 'th', value: { selector: 'td', type: 'number' } } } } },
        { set: { vars: { note: 'logged in with {{ secrets.PASSWORD }}' } } },
      ],
    }), env);
    const m = metricsAt(DEMO_START);
    expect(output).toEqual({
      metrics: [
        { metric: 'visitors', label: 'Visitors', value: m.visitors },
        { metric: 'orders', label: 'Orders', value: m.orders },
        { metric: 'revenue', label: 'Revenue', value: m.revenueCents / 100 },
        { metric: 'conversion', label: 'Conversion', value: m.conversion },
      ],
      note: 'logged in with ***',
    });
    const log = env.lines.join('\n');
    expect(log).not.toContain(ALICE.password);
    expect(log).toContain('"value":"***"');
    expect(log).toContain('"step":"steps[3]"');
  });

  it('fills a form with select and checkboxes, submits it and checks the result', async () => {
    const output = await h.run({
      steps: [
        { goto: '{{ params.base }}/forms' },
        { fill: { selector: '#email', value: 'ada@example.com' } },
        { select: { selector: '#plan', label: 'Team' } },
        { check: '#newsletter' },
        { check: { selector: '#terms', checked: false } },
        { click: '#signup-submit' },
        { wait: { url: '/forms/result' } },
        { assert: { url: { contains: 'plan=team' } } },
        { assert: { count: { selector: '#result tr', equals: 4 } } },
        { assert: { exists: '#result' } },
        { extract: { fields: { rows: '#result tr', fields: { name: 'th', value: 'td' } } } },
      ],
    });
    expect(output).toEqual({
      fields: [
        { name: 'email', value: 'ada@example.com' },
        { name: 'plan', value: 'team' },
        { name: 'newsletter', value: 'yes' },
        { name: 'terms', value: 'no' },
      ],
    });
  });

  it('selects by value and checks a box on a product page, then sees the cart say so', async () => {
    const output = await h.run({
      steps: [
        { goto: '{{ params.base }}/products/gizmo' },
        { select: { selector: '#quantity', value: '3' } },
        { check: '#gift' },
        { click: '#add-to-cart' },
        { wait: { url: '/cart' } },
        { assert: { text: '3 × Gizmo Mini, gift wrapped', selector: '#cart-summary' } },
        { extract: { summary: '#cart-summary' } },
      ],
    });
    expect(output).toEqual({ summary: '3 × Gizmo Mini, gift wrapped' });
  });

  it('hovers, presses keys, waits for late text, scrolls and takes screenshots', async () => {
    const env = await h.environment();
    await runSteps(parseStepsDefinition({
      steps: [
        { goto: '{{ params.base }}/interactions' },
        { wait: { selector: '#tooltip', state: 'hidden' } },
        { hover: '#help' },
        { wait: { selector: '#tooltip' } },
        { fill: { selector: '#search', value: 'gizmo' } },
        { press: { selector: '#search', key: 'Enter' } },
        { assert: { text: 'searched for gizmo', selector: '#search-status' } },
        { wait: { text: 'Late content arrived' } },
        { wait: { time: '50ms' } },
        { scroll: { to: 'bottom' } },
        { assert: { text: 'scrolled', selector: '#scroll-status' } },
        { scroll: { to: 'top' } },
        { scroll: '#footer' },
        { screenshot: { name: 'footer', selector: '#footer' } },
        { screenshot: {} },
      ],
    }), env);
    expect(env.saved.map((s) => [s.name, s.contentType])).toEqual([['footer.png', 'image/png'], ['steps-14.png', 'image/png']]);
    for (const shot of env.saved) expect(shot.body.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('each visits every product from an extracted list, with if choosing per item and collect gathering results', async () => {
    const output = await h.run({
      steps: [
        { goto: '{{ params.base }}/inventory' },
        { extract: { items: { rows: '[data-testid=inventory-row]', fields: { sku: '[data-field=sku]', stock: { selector: '[data-field=stock]', type: 'number' } } } } },
        {
          each: {
            over: '{{ vars.items }}',
            collect: 'checked',
            max: 3,
            steps: [
              { goto: '{{ params.base }}/products/{{ item.sku }}' },
              { extract: { name: 'h1', availability: '#availability' } },
              {
                if: {
                  text: { selector: '#availability', contains: 'In stock' },
                  then: [{ set: { vars: { position: '{{ index }}', stockSeen: '{{ item.stock }}' } } }],
                  else: [{ set: { vars: { position: '{{ index }}', stockSeen: -1 } } }],
                },
              },
            ],
          },
        },
        { if: { exists: '#no-such-element', then: [{ set: { vars: { wrongBranch: true } } }] } },
      ],
      output: { checked: '{{ vars.checked }}', count: '{{ vars.items }}' },
    });
    const products = INVENTORY.slice(0, 3);
    expect(output).toEqual({
      checked: products.map((item, i) => ({
        name: item.name,
        availability: stockAt(i, DEMO_START) > 0 ? 'In stock' : 'Sold out',
        position: i,
        stockSeen: stockAt(i, DEMO_START) > 0 ? stockAt(i, DEMO_START) : -1,
      })),
      count: INVENTORY.map((item, i) => ({ sku: item.sku, stock: stockAt(i, DEMO_START) })),
    });
  });

  it('interpolates params, vars, state, secrets, item and index', async () => {
    const stored = new Map<string, unknown>([['greeting', 'hello']]);
    const output = await h.run({
      steps: [
        { set: { vars: { path: '/products' } } },
        { goto: '{{ params.base }}{{ vars.path }}' },
        { extract: { skus: { selector: '[data-testid=product]', attribute: 'data-sku', all: true } } },
        { each: { over: '{{ vars.skus }}', collect: 'lines', steps: [{ set: { vars: { line: '{{ index }}:{{ item }}:{{ state.greeting }}:{{ params.who }}:{{ secrets.TOKEN }}' } } }] } },
        { set: { state: { seen: '{{ vars.skus }}', leaked: 'token={{ secrets.TOKEN }}' } } },
      ],
      output: { lines: '{{ vars.lines }}', count: '{{ params.limit }}' },
    }, {
      params: { base: h.site.url, who: 'ops', limit: 3 },
      secrets: { TOKEN: 'tok-123456' },
      state: {
        get: async (key) => stored.get(key) as never,
        set: async (key, value) => void stored.set(key, value),
        all: async () => Object.fromEntries(stored) as never,
      },
    });
    expect(output).toEqual({
      lines: PRODUCTS.map((p, i) => ({ line: `${i}:${p.sku}:hello:ops:***` })),
      count: 3,
    });
    expect(stored.get('seen')).toEqual(PRODUCTS.map((p) => p.sku));
    expect(stored.get('leaked')).toBe('token=***');
  });
});
