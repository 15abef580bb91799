import type { RunFinishListener } from '../engine/worker.js';
import { onRunFinished } from './health.js';

/** Health as a worker listener: every run that becomes terminal is counted in its transaction. */
export const healthListener: RunFinishListener = {
  async onTerminal(tx, run, now) {
    await onRunFinished(tx, run, now);
  },
};

/** One listener calling several in order, in the same transaction (e.g. the outbox, then health). */
export function combineListeners(...listeners: RunFinishListener[]): RunFinishListener {
  return {
    async onTerminal(tx, run, now) {
      for (const listener of listeners) await listener.onTerminal(tx, run, now);
    },
    afterCommit(run) {
      for (const listener of listeners) listener.afterCommit?.(run);
    },
  };
}
