// Any OpenAI-compatible HTTP API (OpenAI, vLLM, Ollama, Together, Groq, …): the line's body is
// posted as is to the batch endpoint under the provider's base URL.
import type { ProviderConfig } from '../config.js';
import type { Provider, ProviderRequest, ProviderResponse } from './provider.js';
import { upstreamPool } from './upstream-pool.js';

type OpenAIProviderConfig = Extract<ProviderConfig, { type: 'openai' }>;

export function createOpenAICompatibleProvider(config: OpenAIProviderConfig): Provider {
  const pool = upstreamPool(config);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;

  return {
    name: config.name,
    send({ endpoint, body, signal }: ProviderRequest): Promise<ProviderResponse> {
      // The base URL already ends in /v1 (OpenAI convention); the batch endpoint starts with it.
      return pool.post(pool.basePath + endpoint.replace(/^\/v1(?=\/)/, ''), headers, body, signal);
    },
    close: () => pool.close(),
  };
}
