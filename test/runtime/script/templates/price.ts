import { z } from 'zod';
import { defineTemplate } from '../../../../src/runtime/script/define.js';

export default defineTemplate({
  params: z.object({ site: z.string(), sku: z.string() }),
  output: z.object({ sku: z.string(), price: z.number(), runs: z.number() }),
  async run({ page, params, state, log, artifacts, secrets }) {
    await page.goto(`${params.site}/products/${params.sku}`);
    const text = await page.locator('#price').innerText();
    const price = Number(text.replace(/[^\d.]/g, ''));
    const runs = Number(state.get('runs') ?? 0) + 1;
    state.set('runs', runs);
    log.info(`price read with token ${secrets.TOKEN ?? 'none'}`, { price });
    artifacts.save('page.png', await page.screenshot(), 'image/png');
    return { sku: params.sku, price, runs };
  },
});
