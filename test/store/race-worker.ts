/**
 * A child process for the race tests: opens its own store (its own SQLite connection or its own
 * PostgreSQL pool) and runs commands sent by the parent over IPC. Start with
 * `node --import tsx test/store/race-worker.ts`.
 */
import { openStore } from '../../src/store/open.js';
import type { FireRequest, Store } from '../../src/store/store.js';

export type RaceCommand =
  | { cmd: 'open'; target: string; schema?: string }
  | { cmd: 'fire'; request: FireRequest; now: number }
  | { cmd: 'claimAll'; workerId: string; batch: number; leaseMs: number; now: number; startAt: number }
  | { cmd: 'close' };

export interface RaceMessage {
  id: number;
  command: RaceCommand;
}

export type RaceReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

let store: Store | undefined;

async function handle(command: RaceCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'open':
      store = await openStore(command.target, command.schema ? { schema: command.schema } : {});
      return null;
    case 'fire': {
      const res = await store!.schedules.fire(command.request, command.now);
      return { fired: res.fired, runIds: res.runs.map((r) => r.id) };
    }
    case 'claimAll': {
      // Both children start at the same wall-clock instant, then claim until nothing is left,
      // pausing briefly between batches as a dispatcher's poll loop would, so the other
      // process gets at the lock (SQLite's busy handler sleeps while it waits).
      while (Date.now() < command.startAt) {
        // spin: a timer would add up to a few ms of skew between the two processes
      }
      const ids: string[] = [];
      for (;;) {
        const got = await store!.runs.claim({ workerId: command.workerId, limit: command.batch, leaseMs: command.leaseMs }, command.now);
        if (got.length === 0) break;
        ids.push(...got.map((c) => c.run.id));
        await new Promise((r) => setTimeout(r, 1));
      }
      return ids;
    }
    case 'close':
      await store?.close();
      store = undefined;
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: RaceMessage) => {
  handle(message.command).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies RaceReply),
    (err: unknown) =>
      process.send!({ id: message.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies RaceReply),
  );
});
process.send!({ id: 0, ok: true, result: 'ready' } satisfies RaceReply);
