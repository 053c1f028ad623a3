// The configured models: OpenAI's model list, and the model-config view (prices in cents per million tokens).
import type { ProviderConfig } from '../../config.js';
import type { Deps } from '../deps.js';

export interface ModelInfo {
  id: string;
  provider: string;
  providerKind: ProviderConfig['type'];
  upstreamModel: string;
  inputPricePerMillion: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInputPricePerMillion: number;
  outputPricePerMillion: number;
  contextLength: number | null;
  description: string | null;
  displayOrder: number | null;
  numParametersBillions: number | null;
  numExperts: number | null;
  licenseUrl: string | null;
  status: string;
}

export function listModels(deps: Pick<Deps, 'config'>): ModelInfo[] {
  return [...deps.config.models.values()]
    .map((m): ModelInfo => {
      const providerKind = deps.config.providers[m.provider]?.type ?? 'openai';
      return {
        id: m.id,
        provider: m.provider,
        providerKind,
        upstreamModel: m.upstreamModel,
        inputPricePerMillion: m.inputPricePerMillion,
        cachedInputPricePerMillion: m.cachedInputPricePerMillion,
        outputPricePerMillion: m.outputPricePerMillion,
        contextLength: m.contextLength ?? null,
        description: m.description ?? (providerKind === 'mock' ? 'MOCK model served locally by batchgate' : null),
        displayOrder: m.displayOrder ?? null,
        numParametersBillions: m.numParametersBillions ?? null,
        numExperts: m.numExperts ?? null,
        licenseUrl: m.licenseUrl ?? null,
        status: m.status ?? (providerKind === 'mock' ? 'mock' : 'active'),
      };
    })
    .sort(
      (a, b) =>
        (a.displayOrder ?? Number.MAX_SAFE_INTEGER) - (b.displayOrder ?? Number.MAX_SAFE_INTEGER) ||
        a.id.localeCompare(b.id),
    );
}
