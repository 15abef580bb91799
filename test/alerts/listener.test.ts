import { describe, expect, it } from 'vitest';
import { combineListeners } from '../../src/alerts/listener.js';
import type { RunFinishListener } from '../../src/engine/worker.js';
import type { Store } from '../../src/store/store.js';
import type { Run } from '../../src/store/types.js';

describe('combineListeners', () => {
  it('calls every listener in order with the same transaction, and each afterCommit', async () => {
    const calls: string[] = [];
    const listener = (name: string, withAfter: boolean): RunFinishListener => ({
      async onTerminal(tx, run, now) {
        calls.push(`${name}:${(tx as unknown as { name: string }).name}:${run.id}:${now}`);
      },
      ...(withAfter ? { afterCommit: (run: Run) => void calls.push(`${name}:after:${run.id}`) } : {}),
    });
    const combined = combineListeners(listener('outbox', true), listener('health', false));
    const tx = { name: 'tx1' } as unknown as Store;
    await combined.onTerminal(tx, { id: 'r1' } as Run, 7);
    combined.afterCommit?.({ id: 'r1' } as Run);
    expect(calls).toEqual(['outbox:tx1:r1:7', 'health:tx1:r1:7', 'outbox:after:r1']);
  });

  it('a failing listener stops the rest and fails the transaction', async () => {
    const calls: string[] = [];
    const combined = combineListeners(
      { onTerminal: async () => Promise.reject(new Error('outbox down')) },
      { onTerminal: async () => void calls.push('health') },
    );
    await expect(combined.onTerminal({} as Store, { id: 'r' } as Run, 0)).rejects.toThrow('outbox down');
    expect(calls).toEqual([]);
  });
});
