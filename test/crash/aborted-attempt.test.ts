/**
 * Regression of a server crash found by serve-crash.test.ts: a run reclaimed after a kill whose
 * deadline had already passed was aborted (deadline timer) while the worker was still loading
 * its template; the runner then started with an aborted signal, its promise rejected, nobody
 * observed the rejection, and Node exited on the unhandled rejection. Every server that claimed
 * such a run died, so on PostgreSQL the two servers took each other down in turn.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Worker } from '../../src/engine/worker.js';
import type { TemplateRunner } from '../../src/runtime/runner.js';
import type { Store } from '../../src/store/store.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { createBackend, type Backend } from '../store/backends.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** Rejects with the signal's reason when aborted, at once if it already is (as fetch does). */
const abortAwareRunner: TemplateRunner = {
  kind: 'http',
  validate: () => undefined,
  run: (_definition, ctx) =>
    new Promise((_resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
    }),
};

/** The store with a template lookup that takes a little while, like a PostgreSQL round trip. */
function withSlowTemplateLookup(store: Store): Store {
  const templates = new Proxy(store.templates, {
    get(target, prop) {
      if (prop === 'get') {
        return async (...args: Parameters<Store['templates']['get']>) => {
          await new Promise((r) => setTimeout(r, 20));
          return target.get(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'templates') return templates;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

let backend: Backend;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  backend = createBackend('sqlite');
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await backend.cleanup();
});

it('an attempt whose deadline passed before its runner started times out without an unhandled rejection', async () => {
  const store = await backend.open();
  await store.orgs.create({ id: 'o1', name: 'o1' }, T0);
  await store.templates.put({ orgId: 'o1', templateId: 't1', kind: 'http', definition: {} }, T0);
  const created = await store.runs.create(
    { orgId: 'o1', templateId: 't1', templateVersion: 1, nominalTime: T0, trigger: 'manual', maxAttempts: 3, deadline: T0 - 1_000 },
    T0 - 5_000,
  );
  const worker = new Worker({
    store: withSlowTemplateLookup(store),
    clock: new FakeClock(T0),
    logger: silentLogger(),
    runners: [abortAwareRunner],
    workerId: 'test:1',
  });
  expect(await worker.poll()).toBe(1);
  await worker.idle();
  // Let any rejection left unobserved surface.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));

  expect(unhandled).toEqual([]);
  const run = await store.runs.get('o1', created.id);
  expect(run?.status).toBe('timed_out');
  expect((await store.runs.attempts(created.id)).map((a) => a.status)).toEqual(['timed_out']);
});
