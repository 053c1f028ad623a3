// The Batch domain object (camelCase, unix seconds) and its mapping from a row.
import type {
  BatchErrorEntry,
  BatchMode,
  BatchStatus,
  batches,
  ProviderBatchSummary,
} from '../../db/tables/batches.js';
import { unixSeconds } from '../clock.js';

export const BATCH_ENDPOINTS = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/responses',
  '/v1/moderations',
] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

export const TERMINAL_STATUSES: readonly BatchStatus[] = ['failed', 'completed', 'expired', 'cancelled'];
export const isTerminal = (status: BatchStatus) => TERMINAL_STATUSES.includes(status);

export interface BatchUsage {
  inputTokens: number;
  /** Of the input tokens, those read from the provider's prompt cache (priced at the cached price). */
  inputTokensDetails: { cachedTokens: number };
  outputTokens: number;
  /** Of the output tokens, those spent reasoning. */
  outputTokensDetails: { reasoningTokens: number };
  totalTokens: number;
  inputCost: number;
  outputCost: number;
  totalCost: number;
}

export interface Batch {
  id: string;
  projectId: string;
  endpoint: string | null;
  inputFileId: string;
  completionWindow: string;
  status: BatchStatus;
  outputFileId: string | null;
  errorFileId: string | null;
  errors: BatchErrorEntry[] | null;
  metadata: Record<string, string> | null;
  jobName: string | null;
  model: string | null;
  provider: string | null;
  providerBatchId: string | null;
  /** Where its lines run: `auto`, `native` or `direct`. */
  mode: BatchMode;
  /** Its lines handed to providers' own batch APIs (empty when none). */
  providerBatches: ProviderBatchSummary[];
  /** Created with inline requests (GoModel): its results travel in the batch object once it ends. */
  inlineRequests: boolean;
  /** Lines that ended, counting what providers report done in their running batches. */
  requestCounts: { total: number; completed: number; failed: number };
  usage: BatchUsage;
  createdAt: number;
  inProgressAt: number | null;
  expiresAt: number;
  finalizingAt: number | null;
  completedAt: number | null;
  failedAt: number | null;
  expiredAt: number | null;
  cancellingAt: number | null;
  cancelledAt: number | null;
}

/** Costs are exact decimals in the database; 12 decimal places survive the trip to a JS number. */
const usd = (value: string) => Number(Number(value).toFixed(12));

export function toBatch(row: typeof batches.$inferSelect): Batch {
  const inputCost = usd(row.inputCost);
  const outputCost = usd(row.outputCost);
  return {
    id: row.id,
    projectId: row.projectId,
    endpoint: row.endpoint,
    inputFileId: row.inputFileId,
    completionWindow: row.completionWindow,
    status: row.status,
    outputFileId: row.outputFileId,
    errorFileId: row.errorFileId,
    errors: row.errors,
    metadata: row.metadata,
    jobName: row.jobName,
    model: row.model,
    provider: row.provider,
    providerBatchId: row.providerBatchId,
    mode: row.mode,
    providerBatches: row.providerBatches,
    inlineRequests: row.inlineRequests,
    requestCounts: {
      total: row.total,
      completed: row.completed + row.nativeCompleted,
      failed: row.failed + row.nativeFailed,
    },
    usage: {
      inputTokens: row.inputTokens,
      inputTokensDetails: { cachedTokens: row.cachedTokens },
      outputTokens: row.outputTokens,
      outputTokensDetails: { reasoningTokens: row.reasoningTokens },
      totalTokens: row.inputTokens + row.outputTokens,
      inputCost,
      outputCost,
      totalCost: usd((Number(row.inputCost) + Number(row.outputCost)).toFixed(12)),
    },
    createdAt: unixSeconds(row.createdAt)!,
    inProgressAt: unixSeconds(row.inProgressAt),
    expiresAt: unixSeconds(row.expiresAt)!,
    finalizingAt: unixSeconds(row.finalizingAt),
    completedAt: unixSeconds(row.completedAt),
    failedAt: unixSeconds(row.failedAt),
    expiredAt: unixSeconds(row.expiredAt),
    cancellingAt: unixSeconds(row.cancellingAt),
    cancelledAt: unixSeconds(row.cancelledAt),
  };
}
