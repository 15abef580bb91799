/**
 * A local model server speaking the OpenAI chat-completions or the Anthropic Messages wire
 * format, answering from a script: a function of the request (the latest observation and tool
 * results) returning tool calls and token usage. It checks the request shape each format
 * requires, so a provider that sends something malformed fails the test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedRequest {
  /** Every text the model was sent in user turns, in order (task, observations). */
  userTexts: string[];
  /** Tool results, in order. */
  toolResults: string[];
  /** Number of this call (0-based). */
  call: number;
  body: Record<string, unknown>;
}

export interface ScriptedAnswer {
  toolCalls: Array<{ name: string; args: Record<string, unknown> }>;
  text?: string;
  usage?: { input: number; output: number };
}

export type ModelScript = (request: ScriptedRequest) => ScriptedAnswer;

export class ScriptedModelServer {
  readonly requests: Array<Record<string, unknown>> = [];
  readonly headers: Array<Record<string, string | string[] | undefined>> = [];
  readonly problems: string[] = [];
  private readonly server: Server;
  url = '';
  script: ModelScript;

  constructor(
    readonly api: 'openai' | 'anthropic',
    script: ModelScript,
    private readonly latencyMs = 0,
  ) {
    this.script = script;
    this.server = createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (raw += c));
      req.on('end', () => {
        const path = req.url ?? '';
        const expected = api === 'openai' ? '/v1/chat/completions' : '/v1/messages';
        if (req.method !== 'POST' || path !== expected) {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.parse(raw) as Record<string, unknown>;
        this.requests.push(body);
        this.headers.push(req.headers);
        const request = api === 'openai' ? this.readOpenAi(body) : this.readAnthropic(body);
        request.call = this.requests.length - 1;
        let answer: ScriptedAnswer;
        try {
          answer = this.script(request);
        } catch (error) {
          this.problems.push(`script: ${(error as Error).message}`);
          res.writeHead(500).end(String(error));
          return;
        }
        const payload = api === 'openai' ? openAiAnswer(answer, request.call) : anthropicAnswer(answer, request.call);
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(payload));
        }, this.latencyMs);
      });
    });
  }

  get calls(): number {
    return this.requests.length;
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private readOpenAi(body: Record<string, unknown>): ScriptedRequest {
    const messages = body.messages as Array<Record<string, unknown>>;
    if (messages[0]?.role !== 'system') this.problems.push('openai: the first message is not the system prompt');
    if (!Array.isArray(body.tools) || !(body.tools as Array<Record<string, unknown>>).every((t) => t.type === 'function')) this.problems.push('openai: tools are not functions');
    for (const m of messages) {
      if (m.role === 'tool' && typeof m.tool_call_id !== 'string') this.problems.push('openai: a tool message without tool_call_id');
    }
    return {
      userTexts: messages.filter((m) => m.role === 'user').map((m) => String(m.content)),
      toolResults: messages.filter((m) => m.role === 'tool').map((m) => String(m.content)),
      call: 0,
      body,
    };
  }

  private readAnthropic(body: Record<string, unknown>): ScriptedRequest {
    const messages = body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    if (typeof body.system !== 'string') this.problems.push('anthropic: system is not a top-level string');
    if (typeof body.max_tokens !== 'number') this.problems.push('anthropic: max_tokens missing');
    messages.forEach((m, i) => {
      if (i > 0 && messages[i - 1]!.role === m.role) this.problems.push('anthropic: two turns in a row from one role');
    });
    const blocks = messages.filter((m) => m.role === 'user').flatMap((m) => m.content);
    return {
      userTexts: blocks.filter((b) => b.type === 'text').map((b) => String(b.text)),
      toolResults: blocks.filter((b) => b.type === 'tool_result').map((b) => String(b.content)),
      call: 0,
      body,
    };
  }
}

function openAiAnswer(answer: ScriptedAnswer, call: number): Record<string, unknown> {
  const usage = answer.usage ?? { input: 1000, output: 50 };
  return {
    id: `chatcmpl-${call}`,
    object: 'chat.completion',
    model: 'scripted-gpt',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: answer.text ?? null,
          tool_calls: answer.toolCalls.map((c, i) => ({ id: `call_${call}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } })),
        },
      },
    ],
    usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
  };
}

function anthropicAnswer(answer: ScriptedAnswer, call: number): Record<string, unknown> {
  const usage = answer.usage ?? { input: 1000, output: 50 };
  return {
    id: `msg_${call}`,
    type: 'message',
    role: 'assistant',
    model: 'scripted-claude',
    stop_reason: 'tool_use',
    content: [
      ...(answer.text ? [{ type: 'text', text: answer.text }] : []),
      ...answer.toolCalls.map((c, i) => ({ type: 'tool_use', id: `toolu_${call}_${i}`, name: c.name, input: c.args })),
    ],
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

/** The ref of the first snapshot line matching `pattern` in an observation. */
export function refOf(observation: string, pattern: RegExp): string {
  for (const line of observation.split('\n')) {
    if (pattern.test(line)) {
      const ref = /\[ref=([a-z0-9]+)\]/.exec(line)?.[1];
      if (ref) return ref;
    }
  }
  throw new Error(`no element matching ${String(pattern)} in the observation:\n${observation.slice(0, 3000)}`);
}

/** The path of the observation's URL. */
export function pathOf(observation: string): string {
  const url = /^URL: (\S+)/m.exec(observation)?.[1];
  if (!url) throw new Error('the observation has no URL line');
  return new URL(url).pathname;
}

/**
 * A shop agent as a script: from the home page to the product's page, extract price and
 * availability, done. It reads the page it is shown, so it can pick up from any step.
 */
export function shopScript(options: { product: string; forgetToExtract?: boolean } = { product: 'Gadget Pro' }): ModelScript {
  let forgot = false;
  return (request) => {
    const observation = request.userTexts[request.userTexts.length - 1] ?? '';
    const lastResult = request.toolResults[request.toolResults.length - 1] ?? '';
    const path = pathOf(observation);
    // The context grows by one observation per turn, and so does the input.
    const usage = { input: 1200 + 400 * (request.userTexts.length - 1), output: 60 };
    if (lastResult.startsWith('extracted')) {
      return { toolCalls: [{ name: 'done', args: { output: { product: options.product }, reason: 'price and availability read' } }], usage };
    }
    if (path === '/') return { toolCalls: [{ name: 'click', args: { ref: refOf(observation, /link "Products"/), reason: 'the shop lists products' } }], usage };
    if (path === '/products') {
      const name = new RegExp(`link "${options.product}`);
      return { toolCalls: [{ name: 'click', args: { ref: refOf(observation, name), reason: `open ${options.product}` } }], usage };
    }
    if (path.startsWith('/products/')) {
      if (options.forgetToExtract && !forgot) {
        forgot = true;
        return { toolCalls: [{ name: 'done', args: { output: { product: options.product, price: 'about a thousand' }, reason: 'I remember the price' } }], usage };
      }
      return {
        toolCalls: [
          {
            name: 'extract',
            args: {
              fields: [
                { name: 'price', ref: refOf(observation, /paragraph .*Price:/), pattern: 'Price: (.+)' },
                { name: 'availability', ref: refOf(observation, /paragraph .*Availability:/), pattern: 'Availability: (.+)' },
              ],
              reason: 'read the values from the page',
            },
          },
        ],
        usage,
      };
    }
    return { toolCalls: [{ name: 'fail', args: { reason: `lost at ${path}` } }], usage };
  };
}
