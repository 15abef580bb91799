/**
 * The model side of the agent loop, independent of any vendor's wire format. Providers are
 * written against the HTTP APIs with plain `fetch` rather than the vendors' SDKs: the two wire
 * formats are small and stable, `fetch` is built in, and one code path serves every
 * OpenAI-compatible server (vLLM, Ollama, LM Studio) without SDK-specific quirks.
 */
import { RunFailure } from '../../runtime/failure.js';

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelReply {
  text: string | null;
  toolCalls: ToolCall[];
  usage: ModelUsage;
  /** The model that answered, as the server names it. */
  model: string;
}

export interface ModelRequest {
  system: string;
  messages: ChatMessage[];
  tools: ToolSpec[];
  maxTokens: number;
}

export interface ModelProvider {
  /** `openai` or `anthropic`: the wire format. */
  readonly api: string;
  readonly model: string;
  complete(request: ModelRequest, signal: AbortSignal): Promise<ModelReply>;
}

/** POSTs JSON and returns the parsed answer; HTTP failures become RunFailures (429 and 5xx retryable). */
export async function postJson(url: string, headers: Record<string, string>, body: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new RunFailure(`model endpoint ${url} unreachable: ${(error as Error).message}`, { kind: 'model.unreachable', retryable: true, cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    const retryable = response.status === 429 || response.status >= 500;
    throw new RunFailure(`model endpoint ${url} answered ${response.status}: ${text.slice(0, 500)}`, {
      kind: 'model.http',
      retryable,
      details: { status: response.status },
    });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object') throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new RunFailure(`model endpoint ${url} answered something that is not a JSON object: ${text.slice(0, 200)}`, { kind: 'model.protocol', retryable: true, cause: error });
  }
}

/** Tool arguments arrive as JSON text (OpenAI) or objects (Anthropic); both end up as objects. */
export function parseArguments(raw: unknown, toolName: string): Record<string, unknown> {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  if (typeof raw === 'string') {
    try {
      const parsed: unknown = JSON.parse(raw === '' ? '{}' : raw);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // reported below; the loop sends the problem back to the model
    }
  }
  return { __invalid: `arguments of ${toolName} are not a JSON object: ${String(raw).slice(0, 200)}` };
}

export function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
