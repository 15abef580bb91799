import { parseArguments, postJson, tokenCount, type ChatMessage, type ModelProvider, type ModelReply, type ModelRequest } from './provider.js';

export interface AnthropicOptions {
  /** https://api.anthropic.com by default. */
  baseUrl?: string;
  apiKey?: string;
  model: string;
}

export const ANTHROPIC_VERSION = '2023-06-01';

type Block = Record<string, unknown>;

/** Anthropic's Messages API with tool use (`POST {baseUrl}/v1/messages`). */
export class AnthropicProvider implements ModelProvider {
  readonly api = 'anthropic';
  readonly model: string;

  constructor(private readonly options: AnthropicOptions) {
    this.model = options.model;
  }

  async complete(request: ModelRequest, signal: AbortSignal): Promise<ModelReply> {
    const url = `${(this.options.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '')}/v1/messages`;
    const headers: Record<string, string> = { 'anthropic-version': ANTHROPIC_VERSION, ...(this.options.apiKey ? { 'x-api-key': this.options.apiKey } : {}) };
    const body = {
      model: this.model,
      max_tokens: request.maxTokens,
      system: request.system,
      messages: toWire(request.messages),
      tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })),
      tool_choice: { type: 'any' },
    };
    const answer = await postJson(url, headers, body, signal);
    const content = (answer.content as Block[] | undefined) ?? [];
    const text = content.filter((b) => b.type === 'text').map((b) => String(b.text)).join('\n');
    const usage = (answer.usage ?? {}) as Record<string, unknown>;
    return {
      text: text || null,
      toolCalls: content
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({ id: String(b.id), name: String(b.name), arguments: parseArguments(b.input, String(b.name)) })),
      usage: { inputTokens: tokenCount(usage.input_tokens), outputTokens: tokenCount(usage.output_tokens) },
      model: typeof answer.model === 'string' ? answer.model : this.model,
    };
  }
}

/**
 * Anthropic wants alternating user/assistant turns, tool results as `tool_result` blocks in the
 * next user turn: consecutive tool and user messages are merged into one user turn.
 */
function toWire(messages: ChatMessage[]): Array<{ role: 'user' | 'assistant'; content: Block[] }> {
  const out: Array<{ role: 'user' | 'assistant'; content: Block[] }> = [];
  const userTurn = (): Block[] => {
    const last = out[out.length - 1];
    if (last?.role === 'user') return last.content;
    const turn = { role: 'user' as const, content: [] as Block[] };
    out.push(turn);
    return turn.content;
  };
  for (const message of messages) {
    if (message.role === 'user') userTurn().push({ type: 'text', text: message.content });
    else if (message.role === 'tool') userTurn().push({ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content });
    else {
      const blocks: Block[] = message.content ? [{ type: 'text', text: message.content }] : [];
      for (const call of message.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
      out.push({ role: 'assistant', content: blocks });
    }
  }
  return out;
}
