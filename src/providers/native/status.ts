// Provider batch statuses and counts in our vocabulary. OpenAI-type statuses map one to one
// (`canceling` is read as `cancelling` too). Anthropic's `ended` is `finalizing` for us, and then
// `cancelled` if a cancel was requested, `expired` if a line expired at the deadline, else
// `completed` (even when every line errored, as OpenAI does). Anthropic reports counts only at the
// end: total = all five, completed = succeeded, failed = errored + canceled + expired.
import type { NativeBatchStatus, NativeEndStatus, NativeNoAnswerCode, NativeRequestCounts } from './native-batch.js';

const OPENAI_STATUSES: Record<string, NativeBatchStatus> = {
  validating: 'validating',
  failed: 'failed',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  completed: 'completed',
  expired: 'expired',
  cancelling: 'cancelling',
  canceling: 'cancelling',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

/** An OpenAI-type status; an unknown one is read as still running. */
export const openAIStatus = (status: string): NativeBatchStatus => OPENAI_STATUSES[status] ?? 'in_progress';

export function openAIEndStatus(status: string): NativeEndStatus | null {
  const ours = openAIStatus(status);
  return ours === 'completed' || ours === 'failed' || ours === 'expired' || ours === 'cancelled' ? ours : null;
}

export type AnthropicProcessingStatus = 'in_progress' | 'canceling' | 'ended' | (string & {});

export function anthropicStatus(processingStatus: AnthropicProcessingStatus): NativeBatchStatus {
  if (processingStatus === 'ended') return 'finalizing';
  if (processingStatus === 'canceling' || processingStatus === 'cancelling') return 'cancelling';
  return 'in_progress';
}

export interface AnthropicRequestCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

export interface AnthropicEndFacts {
  processingStatus: AnthropicProcessingStatus;
  cancelInitiatedAt: number | null;
  endedAt: number | null;
  expiresAt: number | null;
  counts: AnthropicRequestCounts;
}

export function anthropicEndStatus(batch: AnthropicEndFacts): NativeEndStatus | null {
  if (batch.processingStatus !== 'ended') return null;
  if (batch.cancelInitiatedAt !== null) return 'cancelled';
  const atDeadline = batch.endedAt !== null && batch.expiresAt !== null && batch.endedAt >= batch.expiresAt;
  if (batch.counts.expired > 0 && atDeadline) return 'expired';
  return 'completed';
}

export function anthropicRequestCounts(counts: AnthropicRequestCounts): NativeRequestCounts {
  const { processing, succeeded, errored, canceled, expired } = counts;
  return {
    total: processing + succeeded + errored + canceled + expired,
    completed: succeeded,
    failed: errored + canceled + expired,
  };
}

/** How a line with no result ends, given how the provider batch ended. */
export function missingResultCode(endStatus: NativeEndStatus): NativeNoAnswerCode {
  if (endStatus === 'expired') return 'batch_expired';
  if (endStatus === 'cancelled') return 'batch_cancelled';
  return 'provider_result_missing';
}
