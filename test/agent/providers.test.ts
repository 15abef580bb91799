import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createProvider } from '../../src/agent/providers/index.js';
import { RunFailure } from '../../src/runtime/failure.js';

let server: Server;
let url = '';
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const request = { system: 's', messages: [{ role: 'user' as const, content: 'hi' }], tools: [], maxTokens: 10 };

it('model endpoint failures: 429 and 5xx are retryable, 4xx are not, a non-JSON answer is a protocol error', async () => {
  const provider = createProvider({ api: 'openai', baseUrl: `${url}/v1`, model: 'm' });
  const signal = new AbortController().signal;
  answer = { status: 429, body: '{"error":"slow down"}' };
  await expect(provider.complete(request, signal)).rejects.toMatchObject({ kind: 'model.http', retryable: true });
  answer = { status: 401, body: '{"error":"bad key"}' };
  const unauthorized = await provider.complete(request, signal).catch((e: unknown) => e);
  expect(unauthorized).toBeInstanceOf(RunFailure);
  expect(unauthorized).toMatchObject({ kind: 'model.http', retryable: false, details: { status: 401 } });
  expect((unauthorized as Error).message).toContain('bad key');
  answer = { status: 200, body: 'not json' };
  await expect(provider.complete(request, signal)).rejects.toMatchObject({ kind: 'model.protocol' });
  answer = { status: 200, body: '{"choices":[]}' };
  await expect(provider.complete(request, signal)).rejects.toMatchObject({ kind: 'model.protocol' });
});

it('a tool call whose arguments are not JSON reaches the loop as an invalid call, not a crash', async () => {
  answer = {
    status: 200,
    body: JSON.stringify({ model: 'm', choices: [{ message: { content: null, tool_calls: [{ id: 'c1', function: { name: 'click', arguments: '{"ref": e1' } }] } }], usage: { prompt_tokens: 5, completion_tokens: 2 } }),
  };
  const reply = await createProvider({ api: 'openai', baseUrl: `${url}/v1`, model: 'm' }).complete(request, new AbortController().signal);
  expect(reply.usage).toEqual({ inputTokens: 5, outputTokens: 2 });
  expect(reply.toolCalls[0]).toMatchObject({ id: 'c1', name: 'click', arguments: { __invalid: expect.stringContaining('not a JSON object') as unknown } });
});

it('configuration problems name the field', () => {
  expect(() => createProvider({ api: 'openai', model: 'm' })).toThrow(/model.baseUrl is required/);
  expect(() => createProvider({ api: 'anthropic', model: 'm', apiKeyEnv: 'AGENTCRON_SURELY_UNSET_KEY' }, {})).toThrow(/AGENTCRON_SURELY_UNSET_KEY/);
});
