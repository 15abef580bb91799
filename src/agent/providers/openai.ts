import { parseArguments, postJson, tokenCount, type ChatMessage, type ModelProvider, type ModelReply, type ModelRequest, type ToolCall } from './provider.js';
import { RunFailure } from '../../runtime/failure.js';

export interface OpenAiOptions {
  /** e.g. https://api.openai.com/v1, http://localhost:11434/v1 (Ollama), http://vllm:8000/v1 */
  baseUrl: string;
  apiKey?: string;
  model: string;
}

/** Any server speaking OpenAI's chat-completions format with tool calls (`POST {baseUrl}/chat/completions`). */
export class OpenAiProvider implements ModelProvider {
  readonly api = 'openai';
  readonly model: string;

  constructor(private readonly options: OpenAiOptions) {
    this.model = options.model;
  }

  async complete(request: ModelRequest, signal: AbortSignal): Promise<ModelReply> {
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const headers: Record<string, string> = this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {};
    const body = {
      model: this.model,
      max_tokens: request.maxTokens,
      messages: [{ role: 'system', content: request.system }, ...request.messages.map(toWire)],
      tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })),
      tool_choice: 'required',
    };
    const answer = await postJson(url, headers, body, signal);
    const choice = (answer.choices as Array<{ message?: Record<string, unknown> }> | undefined)?.[0]?.message;
    if (!choice) throw new RunFailure(`model endpoint ${url} answered without choices[0].message`, { kind: 'model.protocol', retryable: true });
    const calls = (choice.tool_calls as Array<{ id?: string; function?: { name?: string; arguments?: unknown } }> | undefined) ?? [];
    const toolCalls: ToolCall[] = calls.map((c, i) => ({
      id: c.id ?? `call_${i}`,
      name: c.function?.name ?? '',
      arguments: parseArguments(c.function?.arguments, c.function?.name ?? '?'),
    }));
    const usage = (answer.usage ?? {}) as Record<string, unknown>;
    return {
      text: typeof choice.content === 'string' ? choice.content : null,
      toolCalls,
      usage: { inputTokens: tokenCount(usage.prompt_tokens), outputTokens: tokenCount(usage.completion_tokens) },
      model: typeof answer.model === 'string' ? answer.model : this.model,
    };
  }
}

function toWire(message: ChatMessage): Record<string, unknown> {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls.length
          ? { tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}
