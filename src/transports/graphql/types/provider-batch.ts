// ProviderBatch: a batch's lines handed to a provider's own batch API, with the provider's id,
// status and counts as last seen.
import type { ProviderBatchSummary } from '../../../db/tables/batches.js';
import { builder } from '../builder.js';
import { BatchRequestCounts } from './batch-request-counts.js';

export const ProviderBatch = builder.objectRef<ProviderBatchSummary>('ProviderBatch').implement({
  fields: (t) => ({
    provider: t.exposeString('provider', { description: 'The configured provider name.' }),
    id: t.exposeString('id', { nullable: true, description: "The provider's batch id; null until it returned one." }),
    status: t.exposeString('status', { description: "The provider batch's status, in OpenAI's words." }),
    requestCounts: t.expose('requestCounts', { type: BatchRequestCounts }),
  }),
});
