import { z } from 'zod';
import { defineTemplate } from '../../../../src/runtime/script/define.js';

export default defineTemplate({
  output: z.object({ price: z.number() }),
  async run() {
    return { price: 'cheap' } as unknown as { price: number };
  },
});
