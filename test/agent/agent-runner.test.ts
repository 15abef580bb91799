import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/agent/definition.js';
import { RunFailure } from '../../src/runtime/failure.js';
import type { Json } from '../../src/store/types.js';
import { PRODUCTS, priceCents } from '../../examples/demo/pages.js';
import { describeBrowser } from '../runtime/browser-harness.js';
import { AgentWorld, DEMO_NOW } from './agent-harness.js';
import { ScriptedModelServer, shopScript } from './model-server.js';

const gadget = PRODUCTS.find((p) => p.sku === 'gadget')!;
const GADGET_PRICE = priceCents(gadget, DEMO_NOW) / 100;

const OUTPUT_SCHEMA = {
  type: 'object',
  required: ['product', 'price', 'availability'],
  properties: { product: { type: 'string' }, price: { type: 'number' }, availability: { enum: ['In stock', 'Sold out'] } },
};

function definition(world: AgentWorld, model: ScriptedModelServer, over: Partial<Record<keyof AgentDefinition, Json>> = {}): Json {
  return {
    instruction: 'Find the price and availability of {{ params.product }} in the shop.',
    startUrl: `${world.proxyUrl}/`,
    output: OUTPUT_SCHEMA,
    model: {
      api: model.api,
      baseUrl: model.api === 'openai' ? `${model.url}/v1` : model.url,
      model: 'scripted',
      price: { inputPer1M: 2.5, outputPer1M: 10 },
    },
    ...over,
  } as Json;
}

describeBrowser('agent templates on the demo shop (real Chromium, scripted model server)', () => {
  const world = new AgentWorld();
  let model: ScriptedModelServer;

  beforeAll(async () => {
    await world.start();
  }, 60_000);
  afterAll(async () => world.stop(), 30_000);
  afterEach(async () => {
    expect(model.problems).toEqual([]);
    await model.close();
    world.rewrite = (_p, html) => html;
  });

  it('carries out the task, records calls, tokens, cost and steps, and caches the trajectory; the next run replays with zero model calls', async () => {
    model = new ScriptedModelServer('openai', shopScript({ product: 'Gadget Pro' }));
    await model.start();
    const runner = world.runner();
    const def = definition(world, model);
    runner.validate(def);

    const first = await world.attempt('shop-price', { product: 'Gadget Pro' });
    const output = await runner.run(def, first);
    expect(output).toEqual({ product: 'Gadget Pro', price: GADGET_PRICE, availability: 'In stock' });
    expect(model.calls).toBe(4);
    const calls = await world.events(first.runId, 'agent.model_call');
    expect(calls).toHaveLength(4);
    expect(calls[0]!.data).toMatchObject({ api: 'openai', model: 'scripted-gpt', inputTokens: 1200, outputTokens: 60, costUsd: (1200 * 2.5 + 60 * 10) / 1e6 });
    const steps = await world.events(first.runId, 'agent.step');
    expect(steps.map((s) => [(s.data as Record<string, Json>).tool, (s.data as Record<string, Json>).source])).toEqual([
      ['click', 'model'],
      ['click', 'model'],
      ['extract', 'model'],
      ['done', 'model'],
    ]);
    expect((steps[1]!.data as Record<string, Json>).reason).toBe('open Gadget Pro');
    const [summary] = await world.events(first.runId, 'agent.summary');
    expect(summary!.data).toMatchObject({ modelCalls: 4, inputTokens: 1200 + 1600 + 2000 + 2400, outputTokens: 240, cacheHit: false, replayedSteps: 0 });
    const [entry] = await world.store.trajectories.list('o1', { templateId: 'shop-price' });
    expect(entry).toMatchObject({ templateVersion: 1, paramKey: 'product', hits: 0 });
    // The product's name is a parameter: the entry stores its placeholder, never the value.
    expect(JSON.stringify(entry!.actions)).not.toContain('Gadget Pro');
    expect(JSON.stringify(entry!.actions)).toContain('{{ params.product }}');

    const second = await world.attempt('shop-price', { product: 'Gadget Pro' });
    const replayed = await runner.run(def, second);
    expect(replayed).toEqual(output);
    expect(model.calls).toBe(4); // not one more
    const [replaySummary] = await world.events(second.runId, 'agent.summary');
    expect(replaySummary!.data).toMatchObject({ modelCalls: 0, inputTokens: 0, costUsd: 0, cacheHit: true, replayedSteps: 4 });
    expect((await world.events(second.runId, 'agent.step')).every((s) => (s.data as Record<string, Json>).source === 'cache')).toBe(true);
    expect((await world.store.trajectories.list('o1'))[0]).toMatchObject({ hits: 1, rewrites: 0 });

  }, 90_000);

  it('a changed page makes the model take over from the divergent step only, and the entry is rewritten', async () => {
    model = new ScriptedModelServer('openai', shopScript({ product: 'Gadget Pro' }));
    await model.start();
    const runner = world.runner();
    const def = definition(world, model);
    await runner.run(def, await world.attempt('shop-replan', { product: 'Gadget Pro' }));
    expect(model.calls).toBe(4);

    // The shop renames its product links: step 1 (click "Gadget Pro") no longer finds its target.
    world.rewrite = (path, html) => (path === '/products' ? html.replace(/(<a class="name"[^>]*>)([^<]+)</g, '$1$2 (new)<') : html);
    const changed = await world.attempt('shop-replan', { product: 'Gadget Pro' });
    expect(await runner.run(def, changed)).toEqual({ product: 'Gadget Pro', price: GADGET_PRICE, availability: 'In stock' });
    expect(model.calls).toBe(4 + 3); // click, extract, done: step 0 came from the cache
    const [summary] = await world.events(changed.runId, 'agent.summary');
    expect(summary!.data).toMatchObject({ modelCalls: 3, replayedSteps: 1, divergedAt: 1, cacheHit: false });
    const cacheEvents = (await world.events(changed.runId, 'agent.cache')).map((e) => e.data);
    expect(cacheEvents).toEqual([
      { status: 'hit', steps: 4 },
      expect.objectContaining({ status: 'diverged', step: 1 }),
      { status: 'rewritten', steps: 4, fromStep: 1 },
    ]);
    const [entry] = await world.store.trajectories.list('o1', { templateId: 'shop-replan' });
    expect(entry!.rewrites).toBe(1);
    expect(JSON.stringify(entry!.actions)).toContain('{{ params.product }} (new)');

    // The rewritten entry replays on the changed site without the model.
    const after = await world.attempt('shop-replan', { product: 'Gadget Pro' });
    expect(await runner.run(def, after)).toEqual({ product: 'Gadget Pro', price: GADGET_PRICE, availability: 'In stock' });
    expect(model.calls).toBe(7);
  }, 90_000);

  it('sends an output that violates the schema back with the errors, and accepts the correction', async () => {
    model = new ScriptedModelServer('openai', shopScript({ product: 'Gadget Pro', forgetToExtract: true }));
    await model.start();
    const ctx = await world.attempt('shop-correct', { product: 'Gadget Pro' });
    const output = await world.runner().run(definition(world, model, { cache: false }), ctx);
    expect(output).toEqual({ product: 'Gadget Pro', price: GADGET_PRICE, availability: 'In stock' });
    // The model was told what was wrong with its first output.
    const toolMessages = (model.requests[3]!.messages as Array<Record<string, unknown>>).filter((m) => m.role === 'tool').map((m) => String(m.content));
    expect(toolMessages.some((t) => t.includes('does not match the schema') && t.includes('price') && t.includes('availability'))).toBe(true);
    expect(await world.store.trajectories.list('o1', { templateId: 'shop-correct' })).toEqual([]); // cache: false
  }, 60_000);

  it('fails, not retryable, when corrections run out', async () => {
    model = new ScriptedModelServer('openai', () => ({ toolCalls: [{ name: 'done', args: { output: { product: 'x' }, reason: 'guess' } }] }));
    await model.start();
    const ctx = await world.attempt('shop-stubborn', { product: 'Gadget Pro' });
    const error = await world.runner().run(definition(world, model, { limits: { maxCorrections: 1 } }), ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFailure);
    expect(error).toMatchObject({ kind: 'agent.output', retryable: false });
    expect(model.calls).toBe(2);
  }, 60_000);

  it('stops when the step budget is spent', async () => {
    model = new ScriptedModelServer('openai', shopScript({ product: 'Gadget Pro' }));
    await model.start();
    const ctx = await world.attempt('shop-budget', { product: 'Gadget Pro' });
    const error = await world.runner().run(definition(world, model, { limits: { maxSteps: 2 } }), ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'agent.budget', retryable: false });
    expect((error as Error).message).toContain('step budget');
    expect(model.calls).toBe(3); // two clicks, then the extract that would be step 3
    const [summary] = await world.events(ctx.runId, 'agent.summary');
    expect(summary!.data).toMatchObject({ modelCalls: 3, steps: 2, failed: true });
    expect(await world.store.trajectories.list('o1', { templateId: 'shop-budget' })).toEqual([]);
  }, 60_000);

  it('speaks the Anthropic Messages format (tool use, usage), with the key from the environment', async () => {
    model = new ScriptedModelServer('anthropic', shopScript({ product: 'Gizmo Mini' }));
    await model.start();
    process.env.AGENTCRON_TEST_ANTHROPIC_KEY = 'sk-ant-test';
    const def = definition(world, model, { cache: false });
    (def as { model: Record<string, Json> }).model.apiKeyEnv = 'AGENTCRON_TEST_ANTHROPIC_KEY';
    const ctx = await world.attempt('shop-anthropic', { product: 'Gizmo Mini' });
    const output = await world.runner().run(def, ctx);
    expect(output).toMatchObject({ product: 'Gizmo Mini', price: priceCents(PRODUCTS.find((p) => p.sku === 'gizmo')!, DEMO_NOW) / 100 });
    expect(model.headers[0]!['x-api-key']).toBe('sk-ant-test');
    expect(model.headers[0]!['anthropic-version']).toBe('2023-06-01');
    const [summary] = await world.events(ctx.runId, 'agent.summary');
    expect(summary!.data).toMatchObject({ modelCalls: 4, outputTokens: 240 });
    expect((await world.events(ctx.runId, 'agent.model_call'))[0]!.data).toMatchObject({ api: 'anthropic', model: 'scripted-claude' });
  }, 60_000);
});
