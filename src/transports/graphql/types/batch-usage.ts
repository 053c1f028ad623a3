// BatchUsage: tokens and cost (USD) accumulated as requests complete. Token totals are Float
// because a large batch can exceed GraphQL's 32-bit Int.
import type { BatchUsage as DomainUsage } from '../../../domain/batches/batch.js';
import { builder } from '../builder.js';

export const BatchUsage = builder.objectRef<DomainUsage>('BatchUsage').implement({
  fields: (t) => ({
    inputTokens: t.exposeFloat('inputTokens'),
    outputTokens: t.exposeFloat('outputTokens'),
    totalTokens: t.exposeFloat('totalTokens'),
    inputCost: t.exposeFloat('inputCost', { description: 'USD.' }),
    outputCost: t.exposeFloat('outputCost', { description: 'USD.' }),
    totalCost: t.exposeFloat('totalCost', { description: 'USD.' }),
  }),
});
