import { describe, expect, it } from 'vitest';
import { RunFailure } from '../../../src/runtime/failure.js';
import { formatEuro, INVENTORY, metricsAt, PRICE_PERIOD_MS, PRODUCTS, priceCents, stockAt } from '../../../examples/demo/pages.js';
import { ALICE, chromiumMissing, DEMO_START, useBrowserAndSite } from './harness.js';

/** Every page action on the demo site, with real Chromium. */
describe.skipIf(chromiumMissing)('steps on the demo site', () => {
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
            firstPrice: { selector: '[data-testid=price]', type: 'number' },
            priceTexts: { selector: '[data-testid=price]', all: true },
          },
        },
      ],
    });
    const expected = PRODUCTS.map((p) => ({ sku: p.sku, name: p.name, href: `/products/${p.sku}`, price: priceCents(p, DEMO_START) / 100 }));
    expect(output).toEqual({
      products: expected,
      firstPrice: expected[0]!.price,
      priceTexts: PRODUCTS.map((p) => formatEuro(priceCents(p, DEMO_START))),
    });
    expect(formatEuro(priceCents(PRODUCTS[1]!, DEMO_START))).toMatch(/^€1,\d{3}\.\d{2}$/);
  });
});
