// Build one native-batch adapter per configured provider that has `nativeBatch: true`.
import type { ProviderConfig } from '../../config.js';
import { createAnthropicBatchAdapter } from './anthropic-batches.js';
import type { NativeBatchAdapter } from './native-batch.js';
import { createOpenAIBatchAdapter } from './openai-batches.js';

export type NativeBatchAdapters = ReadonlyMap<string, NativeBatchAdapter>;

export function createNativeBatchAdapters(configs: Record<string, ProviderConfig>): NativeBatchAdapters {
  const adapters = new Map<string, NativeBatchAdapter>();
  for (const [name, config] of Object.entries(configs)) {
    if (config.type === 'openai' && config.nativeBatch) adapters.set(name, createOpenAIBatchAdapter(config));
    if (config.type === 'anthropic' && config.nativeBatch) adapters.set(name, createAnthropicBatchAdapter(config));
  }
  return adapters;
}
