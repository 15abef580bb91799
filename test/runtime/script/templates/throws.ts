import { defineTemplate } from '../../../../src/runtime/script/define.js';

export default defineTemplate({
  async run({ page }) {
    await page.goto('about:blank');
    throw Object.assign(new Error('the shop changed its layout'), { retryable: false });
  },
});
