/**
 * `npm run bench -- agent [--runs N] [--latency-ms MS]` — what the trajectory cache saves: an
 * agent template on the demo shop run N times cold (cache off: every run asks the model) and N
 * times with the cache (the first run records, the rest replay), against a local model server
 * speaking the OpenAI wire format with a fixed latency per call. Prints model calls, tokens, cost
 * and wall time per run, and the ratios.
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Json } from '../src/store/types.js';
import { AgentWorld } from '../test/agent/agent-harness.js';
import { ScriptedModelServer, shopScript } from '../test/agent/model-server.js';
import { fmtMs, fmtRatio, table } from './harness.js';

interface RunFigures {
  modelCalls: number;
  tokens: number;
  costUsd: number;
  wallMs: number;
}

export async function agentBench(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { runs: { type: 'string', default: '20' }, 'latency-ms': { type: 'string', default: '800' } } });
  const runs = Number(values.runs);
  const latencyMs = Number(values['latency-ms']);
  if (!Number.isInteger(runs) || runs < 2) throw new Error(`--runs must be an integer >= 2, got ${values.runs}`);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be an integer >= 0, got ${values['latency-ms']}`);

  const world = new AgentWorld();
  const model = new ScriptedModelServer('openai', shopScript({ product: 'Gadget Pro' }), latencyMs);
  await world.start();
  await model.start();
  console.log(`agent benchmark: ${runs} runs each, demo shop (4 steps), scripted OpenAI-format model, ${latencyMs} ms per model call`);
  console.log('price used for cost: $2.50 / 1M input tokens, $10 / 1M output tokens');
  try {
    const runner = world.runner();
    const definition = (cache: boolean): Json => ({
      instruction: 'Find the price and availability of {{ params.product }} in the shop.',
      startUrl: `${world.proxyUrl}/`,
      output: { type: 'object', required: ['price'], properties: { product: { type: 'string' }, price: { type: 'number' }, availability: { type: 'string' } } },
      model: { api: 'openai', baseUrl: `${model.url}/v1`, model: 'scripted', price: { inputPer1M: 2.5, outputPer1M: 10 } },
      cache,
    });
    const series = async (label: string, cache: boolean): Promise<RunFigures[]> => {
      const out: RunFigures[] = [];
      for (let i = 0; i < runs; i++) {
        const ctx = await world.attempt(`bench-${label}`, { product: 'Gadget Pro' });
        const started = performance.now();
        await runner.run(definition(cache), ctx);
        const wallMs = performance.now() - started;
        const [summary] = await world.events(ctx.runId, 'agent.summary');
        const data = summary!.data as Record<string, number>;
        out.push({ modelCalls: data.modelCalls!, tokens: data.inputTokens! + data.outputTokens!, costUsd: data.costUsd!, wallMs });
        process.stdout.write('.');
      }
      process.stdout.write('\n');
      return out;
    };
    const cold = await series('cold', false);
    const cached = await series('cached', true);
    const mean = (xs: RunFigures[], key: keyof RunFigures) => xs.reduce((s, x) => s + x[key], 0) / xs.length;
    const replays = cached.slice(1);
    const rows = [
      ['cold (no cache)', cold],
      ['cached: first run (records)', cached.slice(0, 1)],
      ['cached: replays', replays],
      ['cached: all runs', cached],
    ] as const;
    console.log(
      table(
        ['SERIES', 'RUNS', 'MODEL CALLS/RUN', 'TOKENS/RUN', 'COST/RUN', 'WALL/RUN'],
        rows.map(([name, xs]) => [name, String(xs.length), mean(xs, 'modelCalls').toFixed(2), mean(xs, 'tokens').toFixed(0), `$${mean(xs, 'costUsd').toFixed(5)}`, fmtMs(mean(xs, 'wallMs'))]),
      ),
    );
    const ratio = (a: number, b: number) => (b === 0 ? '∞ (none)' : fmtRatio(a / b));
    console.log(`cold / cached over ${runs} runs: model calls ${ratio(mean(cold, 'modelCalls'), mean(cached, 'modelCalls'))}, tokens ${ratio(mean(cold, 'tokens'), mean(cached, 'tokens'))}, cost ${ratio(mean(cold, 'costUsd'), mean(cached, 'costUsd'))}, wall time ${fmtRatio(mean(cold, 'wallMs') / mean(cached, 'wallMs'))}`);
    console.log(`cold / replay (per replayed run): wall time ${fmtRatio(mean(cold, 'wallMs') / mean(replays, 'wallMs'))}, model calls ${ratio(mean(cold, 'modelCalls'), mean(replays, 'modelCalls'))}`);
  } finally {
    await model.close();
    await world.stop();
  }
}
