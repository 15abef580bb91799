import { defineTemplate } from '../../../../src/runtime/script/define.js';

export default defineTemplate({
  async run() {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => `leak ${i} ${hoard.length}`));
  },
});
