// Domain objects → OpenAI's snake_case REST shapes.
import type { Batch } from '../../domain/batches/batch.js';
import type { BatchResult } from '../../domain/batches/batch-results.js';
import type { FileObject } from '../../domain/files/file.js';
import type { ApiKeyInfo } from '../../domain/keys/api-key.js';
import type { ModelInfo } from '../../domain/models/list-models.js';
import type { WebhookAttempt, WebhookEndpoint } from '../../domain/webhooks/webhook.js';

export function toOpenAIList<T>(data: T[], hasMore: boolean, idOf: (item: T) => string) {
  return {
    object: 'list' as const,
    data,
    first_id: data.length > 0 ? idOf(data[0]!) : null,
    last_id: data.length > 0 ? idOf(data.at(-1)!) : null,
    has_more: hasMore,
  };
}

export const toOpenAIFile = (f: FileObject) => ({
  id: f.id,
  object: 'file' as const,
  bytes: f.bytes,
  created_at: f.createdAt,
  filename: f.filename,
  purpose: f.purpose,
  status: f.status,
  status_details: null,
  expires_at: f.expiresAt,
});

export const toOpenAIBatch = (b: Batch) => ({
  id: b.id,
  object: 'batch' as const,
  endpoint: b.endpoint,
  errors: b.errors ? { object: 'list' as const, data: b.errors } : null,
  input_file_id: b.inputFileId,
  completion_window: b.completionWindow,
  status: b.status,
  output_file_id: b.outputFileId,
  error_file_id: b.errorFileId,
  created_at: b.createdAt,
  in_progress_at: b.inProgressAt,
  expires_at: b.expiresAt,
  finalizing_at: b.finalizingAt,
  completed_at: b.completedAt,
  failed_at: b.failedAt,
  expired_at: b.expiredAt,
  cancelling_at: b.cancellingAt,
  cancelled_at: b.cancelledAt,
  request_counts: b.requestCounts,
  metadata: b.metadata,
  job_name: b.jobName,
  model: b.model,
  provider: b.provider,
  provider_batch_id: b.providerBatchId,
  provider_batches: b.providerBatches.map((p) => ({
    provider: p.provider,
    id: p.id,
    status: p.status,
    request_counts: p.requestCounts,
  })),
  mode: b.mode,
  /** GoModel: an inline-request batch's results once it ended (GET /v1/batches/:id fills them in). */
  results: null as ReturnType<typeof toResultItem>[] | null,
  usage: {
    input_tokens: b.usage.inputTokens,
    input_tokens_details: { cached_tokens: b.usage.inputTokensDetails.cachedTokens },
    output_tokens: b.usage.outputTokens,
    output_tokens_details: { reasoning_tokens: b.usage.outputTokensDetails.reasoningTokens },
    total_tokens: b.usage.totalTokens,
    input_cost: b.usage.inputCost,
    output_cost: b.usage.outputCost,
    total_cost: b.usage.totalCost,
  },
});

export const toResultItem = (r: BatchResult) => ({
  index: r.index,
  custom_id: r.customId,
  url: r.url,
  model: r.model,
  provider: r.provider,
  status_code: r.statusCode,
  response: r.response,
  error: r.error,
});

export const toOpenAIModel = (m: ModelInfo, created: number) => ({
  id: m.id,
  object: 'model' as const,
  created,
  owned_by: m.providerKind === 'mock' ? 'batchgate-mock' : m.provider,
});

/** Prices in cents per million tokens. */
const cents = (usd: number) => Number((usd * 100).toFixed(6));

export const toModelConfigEntry = (m: ModelInfo, timestamp: number) => ({
  id: m.id,
  name: m.id,
  description: m.description,
  input_price_cents: cents(m.inputPricePerMillion),
  cached_input_price_cents: cents(m.cachedInputPricePerMillion),
  output_price_cents: cents(m.outputPricePerMillion),
  model_code: m.upstreamModel,
  context_length: m.contextLength,
  display_order: m.displayOrder,
  status: m.status,
  num_parameters_billions: m.numParametersBillions,
  num_experts: m.numExperts,
  license_url: m.licenseUrl,
  provider: m.provider,
  created_at: timestamp,
  updated_at: timestamp,
});

export const toKeyInfo = (k: ApiKeyInfo) => ({
  id: k.id,
  object: 'api_key' as const,
  name: k.name,
  project: k.project,
  created_at: k.createdAt,
  revoked_at: k.revokedAt,
});

export const toWebhookEndpointObject = (w: WebhookEndpoint) => ({
  id: w.id,
  object: 'webhook_endpoint' as const,
  url: w.url,
  events: w.events,
  description: w.description,
  created_at: w.createdAt,
});

export const toWebhookAttemptItem = (a: WebhookAttempt) => ({
  id: a.id,
  object: 'webhook_delivery_attempt' as const,
  event_id: a.eventId,
  type: a.type,
  attempt: a.attempt,
  status_code: a.statusCode,
  error: a.error,
  outcome: a.outcome,
  attempted_at: a.attemptedAt,
  next_attempt_at: a.nextAttemptAt,
});
