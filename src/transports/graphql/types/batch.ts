// Batch: a batch with live counts, usage, validation errors, its linked files (batched through
// the File loader), every life-cycle timestamp and its per-line results so far.
import type { Batch as DomainBatch } from '../../../domain/batches/batch.js';
import { batchResults } from '../../../domain/batches/batch-results.js';
import { builder } from '../builder.js';
import { toIndexConnection } from '../pagination.js';
import { BatchError } from './batch-error.js';
import { BatchMode } from './batch-mode.js';
import { BatchRequestCounts } from './batch-request-counts.js';
import { BatchResultConnection } from './batch-result-connection.js';
import { BatchStatus } from './batch-status.js';
import { BatchUsage } from './batch-usage.js';
import { DateTime } from './date-time.js';
import { File } from './file.js';
import { JSONScalar } from './json.js';
import { ProviderBatch } from './provider-batch.js';

export const Batch = builder.objectRef<DomainBatch>('Batch').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.expose('status', { type: BatchStatus }),
    endpoint: t.exposeString('endpoint', {
      nullable: true,
      description: 'The endpoint every line calls; null until known when it was omitted at creation.',
    }),
    completionWindow: t.exposeString('completionWindow'),
    metadata: t.expose('metadata', { type: JSONScalar, nullable: true }),
    jobName: t.exposeString('jobName', { nullable: true }),
    model: t.exposeString('model', { nullable: true, description: 'The model of every line; null when mixed.' }),
    provider: t.exposeString('provider', { nullable: true, description: 'The provider; null when several.' }),
    mode: t.expose('mode', { type: BatchMode }),
    providerBatchId: t.exposeString('providerBatchId', {
      nullable: true,
      description: "The provider batch's id when exactly one provider batch holds its lines.",
    }),
    providerBatches: t.expose('providerBatches', {
      type: [ProviderBatch],
      description: "Its lines handed to providers' own batch APIs (empty when none).",
    }),
    requestCounts: t.expose('requestCounts', { type: BatchRequestCounts }),
    usage: t.expose('usage', { type: BatchUsage }),
    errors: t.expose('errors', { type: [BatchError], nullable: true, description: 'Why validation failed.' }),
    inputFile: t.field({ type: File, resolve: (batch) => batch.inputFileId }),
    outputFile: t.field({ type: File, nullable: true, resolve: (batch) => batch.outputFileId }),
    errorFile: t.field({ type: File, nullable: true, resolve: (batch) => batch.errorFileId }),
    createdAt: t.expose('createdAt', { type: DateTime }),
    inProgressAt: t.expose('inProgressAt', { type: DateTime, nullable: true }),
    expiresAt: t.expose('expiresAt', { type: DateTime }),
    finalizingAt: t.expose('finalizingAt', { type: DateTime, nullable: true }),
    completedAt: t.expose('completedAt', { type: DateTime, nullable: true }),
    failedAt: t.expose('failedAt', { type: DateTime, nullable: true }),
    expiredAt: t.expose('expiredAt', { type: DateTime, nullable: true }),
    cancellingAt: t.expose('cancellingAt', { type: DateTime, nullable: true }),
    cancelledAt: t.expose('cancelledAt', { type: DateTime, nullable: true }),
    results: t.field({
      type: BatchResultConnection,
      description:
        'Lines that ended so far, in input order. `first` is 1..1000 (default 100); `after` is an `endCursor`.',
      args: { first: t.arg.int(), after: t.arg.string() },
      resolve: async (batch, args, { deps, caller }) =>
        toIndexConnection(
          await batchResults(deps, caller, {
            id: batch.id,
            limit: args.first ?? undefined,
            after: args.after ?? undefined,
          }),
        ),
    }),
  }),
});
