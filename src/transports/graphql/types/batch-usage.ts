// BatchUsage: tokens and cost (USD) accumulated as requests complete, with OpenAI's token details
// (cached input, reasoning output). Token totals are Float because a large batch can exceed
// GraphQL's 32-bit Int.
import type { BatchUsage as DomainUsage } from '../../../domain/batches/batch.js';
import { builder } from '../builder.js';

const InputTokensDetails = builder.objectRef<DomainUsage['inputTokensDetails']>('BatchInputTokensDetails').implement({
  fields: (t) => ({
    cachedTokens: t.exposeFloat('cachedTokens', {
      description: "Input tokens read from the provider's prompt cache (priced at the cached input price).",
    }),
  }),
});

const OutputTokensDetails = builder
  .objectRef<DomainUsage['outputTokensDetails']>('BatchOutputTokensDetails')
  .implement({
    fields: (t) => ({
      reasoningTokens: t.exposeFloat('reasoningTokens', { description: 'Output tokens spent reasoning.' }),
    }),
  });

export const BatchUsage = builder.objectRef<DomainUsage>('BatchUsage').implement({
  fields: (t) => ({
    inputTokens: t.exposeFloat('inputTokens'),
    inputTokensDetails: t.expose('inputTokensDetails', { type: InputTokensDetails }),
    outputTokens: t.exposeFloat('outputTokens'),
    outputTokensDetails: t.expose('outputTokensDetails', { type: OutputTokensDetails }),
    totalTokens: t.exposeFloat('totalTokens'),
    inputCost: t.exposeFloat('inputCost', { description: 'USD.' }),
    outputCost: t.exposeFloat('outputCost', { description: 'USD.' }),
    totalCost: t.exposeFloat('totalCost', { description: 'USD.' }),
  }),
});
