import { defineTemplate } from '../../../../src/runtime/script/define.js';

export default defineTemplate({
  async run() {
    // Blocks its event loop for good: only killing the process ends it.
    for (;;) {
      /* spin */
    }
  },
});
