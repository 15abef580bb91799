import type { ModelConfig } from '../definition.js';
import { AnthropicProvider } from './anthropic.js';
import { OpenAiProvider } from './openai.js';
import type { ModelProvider } from './provider.js';
import { RunFailure } from '../../runtime/failure.js';

export type { ModelProvider } from './provider.js';

/** The provider a template's `model` section names; the key is read from this process's environment. */
export function createProvider(config: ModelConfig, env: NodeJS.ProcessEnv = process.env): ModelProvider {
  const apiKey = config.apiKeyEnv ? env[config.apiKeyEnv] : undefined;
  if (config.apiKeyEnv && !apiKey) {
    throw new RunFailure(`model.apiKeyEnv names ${config.apiKeyEnv}, which is not set on this node`, { kind: 'config', retryable: false });
  }
  if (config.api === 'anthropic') {
    return new AnthropicProvider({ model: config.model, ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}), ...(apiKey ? { apiKey } : {}) });
  }
  if (!config.baseUrl) throw new RunFailure('model.baseUrl is required for api "openai" (e.g. https://api.openai.com/v1)', { kind: 'definition', retryable: false });
  return new OpenAiProvider({ baseUrl: config.baseUrl, model: config.model, ...(apiKey ? { apiKey } : {}) });
}
