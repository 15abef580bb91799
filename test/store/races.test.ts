import { afterEach, expect, it } from 'vitest';
import type { FireRequest } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { MIN, newRun, newSchedule, occurrence, seed, T0 } from './fixtures.js';
import { RaceClient } from './race-client.js';

/**
 * Invariant races between two independent clients in two processes: each child opens its own
 * SQLite connection to the same file, or its own PostgreSQL pool, and both get each command at
 * the same moment.
 */
describeContract('races between two processes', (backend) => {
  let clients: RaceClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    clients = [];
  });

  async function twoClients(): Promise<[RaceClient, RaceClient]> {
    const b = backend();
    const [a, c] = await Promise.all([RaceClient.start(), RaceClient.start()]);
    clients = [a, c];
    const open = { cmd: 'open' as const, target: b.target, ...(b.schema ? { schema: b.schema } : {}) };
    await a.send(open);
    await c.send(open);
    return [a, c];
  }

  it('two schedulers firing the same cursor: exactly one wins each round, one run per occurrence', async () => {
    const store = await backend().open();
    await seed(store);
    await store.schedules.create(newSchedule('s1', { nextNominalTime: T0 }), T0);
    const [a, b] = await twoClients();
    const ROUNDS = 40;
    for (let i = 0; i < ROUNDS; i++) {
      const t = T0 + i * MIN;
      const request: FireRequest = {
        orgId: 'o1',
        scheduleId: 's1',
        expectedCursor: t,
        // both try to record the occurrence and a skipped neighbour with the same keys
        runs: [occurrence('s1', t), occurrence('s1', t + 1, { status: 'skipped', reason: 'race' })],
        nextCursor: t + MIN,
      };
      const results = await Promise.all(
        [a, b].map((c) => c.send<{ fired: boolean; runIds: string[] }>({ cmd: 'fire', request, now: t })),
      );
      const winners = results.filter((r) => r.fired);
      expect(winners, `round ${i}`).toHaveLength(1);
      expect(winners[0]!.runIds).toHaveLength(2);
      expect(results.find((r) => !r.fired)?.runIds).toEqual([]);
    }
    const runs = (await store.runs.list({ orgId: 'o1', scheduleId: 's1', limit: 1000 })).runs;
    expect(runs).toHaveLength(2 * ROUNDS);
    expect(new Set(runs.map((r) => r.nominalTime)).size).toBe(2 * ROUNDS);
    expect((await store.schedules.get('o1', 's1'))?.nextNominalTime).toBe(T0 + ROUNDS * MIN);
  });

  it('two dispatchers claiming the same 200 runs: each run is claimed exactly once', async () => {
    const store = await backend().open();
    await seed(store);
    const N = 200;
    await store.transaction(async (tx) => {
      for (let i = 0; i < N; i++) await tx.runs.create(newRun({ nominalTime: T0 + i, availableAt: T0 + (i % 7) }), T0);
    });
    const [a, b] = await twoClients();
    const now = T0 + MIN;
    const startAt = Date.now() + 150;
    const [fromA, fromB] = await Promise.all([
      a.send<string[]>({ cmd: 'claimAll', workerId: 'A', batch: 3, leaseMs: MIN, now, startAt }),
      b.send<string[]>({ cmd: 'claimAll', workerId: 'B', batch: 3, leaseMs: MIN, now, startAt }),
    ]);
    const all = [...fromA, ...fromB];
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);
    // both took part (the race was real), and the database agrees: one attempt per run
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    const runs = (await store.runs.list({ orgId: 'o1', limit: 1000 })).runs;
    expect(runs.every((r) => r.status === 'running' && r.attempts === 1)).toBe(true);
    const attempts = await Promise.all(runs.slice(0, 50).map((r) => store.runs.attempts(r.id)));
    expect(attempts.every((list) => list.length === 1)).toBe(true);
    const owner = new Map([...fromA.map((id) => [id, 'A'] as const), ...fromB.map((id) => [id, 'B'] as const)]);
    for (const [i, r] of runs.slice(0, 50).entries()) expect(attempts[i]![0]!.workerId).toBe(owner.get(r.id));
  });
});
