import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SystemClock } from '../../../src/clock.js';
import { RunFailure } from '../../../src/runtime/failure.js';
import type { ArtifactInput } from '../../../src/runtime/artifacts.js';
import { ScriptRunner } from '../../../src/runtime/script/script-runner.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import type { Json } from '../../../src/store/types.js';
import { PRODUCTS, priceCents } from '../../../examples/demo/pages.js';
import { startDemoSite, type DemoSite } from '../../../examples/demo/site.js';
import { FakeClock } from '../../../src/clock.js';
import { capturingLogger, describeBrowser, isAlive } from '../browser-harness.js';
import type { AttemptContext } from '../../../src/runtime/runner.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const NOW = Date.UTC(2026, 2, 1, 12);
const TEMPLATES = join(import.meta.dirname, 'templates');

describeBrowser('script templates in a child process (real Chromium)', () => {
  let site: DemoSite;
  let store: Store;
  let runner: ScriptRunner;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentcron-script-'));
    store = await openStore(join(dir, 'store.db'));
    await store.orgs.create({ id: 'o1', name: 'one' }, NOW);
    site = await startDemoSite(0, { clock: new FakeClock(NOW) });
    runner = new ScriptRunner({
      templatesDir: TEMPLATES,
      store,
      clock: new SystemClock(),
      secrets: (_org, names) => Promise.resolve(Object.fromEntries(names.map((n) => [n, 's3cr3t-token']))),
    });
  }, 60_000);
  afterAll(async () => {
    await runner.close();
    await site.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function attempt(params: Json, signal = new AbortController().signal) {
    const { log, lines } = capturingLogger();
    const artifacts: ArtifactInput[] = [];
    const ctx: AttemptContext & { orgId: string; templateId: string; saveArtifact(a: ArtifactInput): Promise<void> } = {
      runId: 'r1',
      attempt: 1,
      scheduleId: null,
      params,
      signal,
      log,
      orgId: 'o1',
      templateId: 'price-script',
      templateVersion: 1,
      nominalTime: 0,
      trigger: 'manual',
      profile: null,
      deadline: Number.MAX_SAFE_INTEGER,
      recordBrowserTime: () => Promise.resolve(),
      saveArtifact: (a) => {
        artifacts.push(a);
        return Promise.resolve();
      },
    };
    return { ctx, lines, artifacts };
  }

  it('runs a TypeScript module with page, params, state, log, secrets and artifacts; output checked by its schema', async () => {
    const gadget = PRODUCTS.find((p) => p.sku === 'gadget')!;
    const def = { module: 'price.ts', secrets: ['TOKEN'] };
    runner.validate(def);
    const { ctx, lines, artifacts } = attempt({ site: site.url, sku: 'gadget' });
    expect(await runner.run(def, ctx)).toEqual({ sku: 'gadget', price: priceCents(gadget, NOW) / 100, runs: 1 });
    expect(await store.state.get('o1', 'price-script', 'runs')).toBe(1);
    expect(artifacts.map((a) => [a.name, a.contentType])).toEqual([['page.png', 'image/png']]);
    const logged = lines.join('');
    expect(logged).toContain('price read with token');
    expect(logged).not.toContain('s3cr3t-token');

    const again = attempt({ site: site.url, sku: 'gadget' });
    expect(await runner.run(def, again.ctx)).toMatchObject({ runs: 2 });
  }, 60_000);

  it('rejects bad definitions, bad params and bad output with the field named', async () => {
    expect(() => runner.validate({ module: '../escape.ts' })).toThrow(/outside the templates directory/);
    expect(() => runner.validate({ module: 'missing.ts' })).toThrow(/not found/);
    expect(() => runner.validate({ module: 'price.txt' })).toThrow(/module: a .ts/);
    await expect(runner.run({ module: 'price.ts' }, attempt({ site: site.url }).ctx)).rejects.toMatchObject({ kind: 'params', message: expect.stringContaining('sku') as unknown });
    await expect(runner.run({ module: 'bad-output.ts' }, attempt({}).ctx)).rejects.toMatchObject({ kind: 'output', message: expect.stringContaining('price') as unknown });
  }, 60_000);

  it('a throwing script fails its attempt only, with its message and its retryable choice', async () => {
    const error = await runner.run({ module: 'throws.ts' }, attempt({}).ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailure);
    expect(error).toMatchObject({ kind: 'script.error', retryable: false, message: 'the shop changed its layout' });
  }, 60_000);

  it('an endless loop is killed at the deadline while another script run goes on', async () => {
    const deadline = new AbortController();
    const spinning = runner.run({ module: 'spin.ts' }, attempt({}, deadline.signal).ctx).catch((e: unknown) => e);
    const other = runner.run({ module: 'price.ts' }, attempt({ site: site.url, sku: 'widget' }).ctx);
    await new Promise((r) => setTimeout(r, 1500));
    const [child] = [...(runner as unknown as { children: Set<{ pid: number }> }).children].filter(Boolean);
    expect(child).toBeDefined();
    const reason = new RunFailure('run deadline passed', { kind: 'timeout', retryable: true });
    deadline.abort(reason);
    expect(await spinning).toBe(reason);
    expect(await other).toMatchObject({ sku: 'widget' });
    const pids = [...(runner as unknown as { children: Set<{ pid: number }> }).children].map((c) => c.pid);
    expect(pids).toEqual([]);
    expect(isAlive(child!.pid)).toBe(false);
  }, 60_000);

  it('a script that exhausts its heap is stopped by its own limit, and says so', async () => {
    const error = await runner.run({ module: 'hog.ts', memoryMb: 48 }, attempt({}).ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'script.memory', retryable: false });
    expect((error as Error).message).toContain('48 MiB');
  }, 60_000);
});
