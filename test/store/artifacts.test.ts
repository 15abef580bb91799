import { expect, it } from 'vitest';
import type { NewArtifact } from '../../src/store/store.js';
import { describeContract } from './backends.js';
import { MIN, T0, newRun, seed } from './fixtures.js';

function artifact(runId: string, over: Partial<NewArtifact> = {}): NewArtifact {
  return { orgId: 'o1', runId, attempt: 1, name: 'trace.zip', kind: 'trace', contentType: 'application/zip', size: 10, storageKey: `o1/${runId}/1/trace.zip`, ...over };
}

describeContract('artifacts', (backend) => {
  it('adds, lists by run and attempt, replaces a name, and stays within the organisation', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    const trace = await store.artifacts.add(artifact(run.id), T0);
    expect(trace).toMatchObject({ orgId: 'o1', runId: run.id, attempt: 1, name: 'trace.zip', kind: 'trace', size: 10, createdAt: T0 });
    await store.artifacts.add(artifact(run.id, { name: 'final.png', kind: 'screenshot', contentType: 'image/png', size: 5 }), T0);
    await store.artifacts.add(artifact(run.id, { attempt: 2, name: 'console.json', kind: 'console', contentType: 'application/json' }), T0);

    expect((await store.artifacts.list('o1', run.id)).map((a) => `${a.attempt}/${a.name}`)).toEqual(['1/final.png', '1/trace.zip', '2/console.json']);
    expect((await store.artifacts.list('o1', run.id, 2)).map((a) => a.name)).toEqual(['console.json']);
    expect(await store.artifacts.list('o2', run.id)).toEqual([]);
    expect(await store.artifacts.get('o2', run.id, 1, 'trace.zip')).toBeNull();

    const replaced = await store.artifacts.add(artifact(run.id, { size: 99 }), T0 + MIN);
    expect(replaced).toMatchObject({ size: 99, createdAt: T0 + MIN });
    expect(await store.artifacts.get('o1', run.id, 1, 'trace.zip')).toMatchObject({ size: 99 });
    expect(await store.artifacts.list('o1', run.id)).toHaveLength(3);
  });

  it('rejects an unknown kind and finds artifacts older than an instant, oldest first, for deletion', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun(), T0);
    await expect(store.artifacts.add(artifact(run.id, { kind: 'video' as never }), T0)).rejects.toThrow();
    await store.artifacts.add(artifact(run.id, { name: 'old' }), T0);
    await store.artifacts.add(artifact(run.id, { name: 'mid' }), T0 + MIN);
    await store.artifacts.add(artifact(run.id, { name: 'new' }), T0 + 2 * MIN);
    const old = await store.artifacts.createdBefore(T0 + 2 * MIN, 10);
    expect(old.map((a) => a.name)).toEqual(['old', 'mid']);
    expect((await store.artifacts.createdBefore(T0 + 2 * MIN, 1)).map((a) => a.name)).toEqual(['old']);
    expect(await store.artifacts.delete(old.map((a) => a.id))).toBe(2);
    expect(await store.artifacts.delete([])).toBe(0);
    expect((await store.artifacts.list('o1', run.id)).map((a) => a.name)).toEqual(['new']);
  });
});

describeContract('browser time and run profile', (backend) => {
  it('adds browser time to the attempt and sums it on the run; a run keeps the profile it was created with', async () => {
    const store = await backend().open();
    await seed(store);
    const run = await store.runs.create(newRun({ maxAttempts: 2, profile: 'shop-login' }), T0);
    expect(run).toMatchObject({ profile: 'shop-login', browserMs: 0 });
    const [first] = await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0);
    expect(first?.attempt.browserMs).toBe(0);
    await store.runs.addBrowserTime(run.id, 1, 1200.4);
    await store.runs.addBrowserTime(run.id, 1, 300);
    await store.runs.completeAttempt({ runId: run.id, attempt: 1, status: 'failed', error: { kind: 'x' }, retryAt: T0 }, T0);
    await store.runs.claim({ workerId: 'w', limit: 1, leaseMs: MIN }, T0);
    await store.runs.addBrowserTime(run.id, 2, 500);
    // An attempt that does not exist adds nothing to the run.
    await store.runs.addBrowserTime(run.id, 7, 10_000);
    await expect(store.runs.addBrowserTime(run.id, 2, -1)).rejects.toThrow(/non-negative/);

    expect((await store.runs.attempts(run.id)).map((a) => a.browserMs)).toEqual([1500, 500]);
    expect((await store.runs.get('o1', run.id))?.browserMs).toBe(2000);
    expect((await store.runs.create(newRun(), T0)).profile).toBeNull();
  });
});
