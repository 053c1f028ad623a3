// Build one Provider per configured provider entry.
import type { ProviderConfig } from '../config.js';
import { createAnthropicProvider } from './anthropic.js';
import { createMockProvider } from './mock.js';
import { createOpenAICompatibleProvider } from './openai-compatible.js';
import type { Provider } from './provider.js';

export type Providers = ReadonlyMap<string, Provider>;

export function createProviders(configs: Record<string, ProviderConfig>): Providers {
  const providers = new Map<string, Provider>();
  for (const [name, config] of Object.entries(configs)) {
    providers.set(name, createProvider(config));
  }
  return providers;
}

function createProvider(config: ProviderConfig): Provider {
  switch (config.type) {
    case 'mock':
      return createMockProvider(config);
    case 'anthropic':
      return createAnthropicProvider(config);
    case 'openai':
      return createOpenAICompatibleProvider(config);
  }
}

export async function closeProviders(providers: Providers): Promise<void> {
  await Promise.all([...providers.values()].map((p) => p.close()));
}
