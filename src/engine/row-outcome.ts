// What to write for a request that has ended: its final outcome (or the reason it was aborted) as
// the row `recordOutcomes` stores. Every RowOutcome has the same shape: this runs for every request.
import type { AbortReason } from './batch-slots.js';
import type { Answer, NoAnswerCode, Outcome } from './outcome.js';
import type { ClaimedRow, RowOutcome } from './request-rows.js';

const ABORT_MESSAGES: Record<Exclude<AbortReason, 'shutdown'>, string> = {
  batch_cancelled: 'The batch was cancelled.',
  batch_expired: 'The batch expired before an answer arrived.',
};

export type FinalOutcome = Exclude<Outcome, { kind: 'retry' }> | Exclude<AbortReason, 'shutdown'>;

export function toRowOutcome(
  row: ClaimedRow,
  outcome: FinalOutcome,
  prices: { input: string; output: string } | undefined,
): RowOutcome {
  if (typeof outcome === 'string') return make(row, null, outcome, ABORT_MESSAGES[outcome]);
  if (outcome.kind === 'no_answer') return make(row, null, outcome.code, outcome.message);
  return make(row, outcome.answer, null, null, prices);
}

function make(
  row: ClaimedRow,
  answer: Answer | null,
  errorCode: NoAnswerCode | null,
  errorMessage: string | null,
  prices?: { input: string; output: string },
): RowOutcome {
  return {
    batchId: row.batchId,
    lineIndex: row.lineIndex,
    statusCode: answer ? answer.statusCode : null,
    response: answer ? answer.body : null,
    requestId: answer ? answer.requestId : null,
    errorCode,
    errorMessage,
    inputTokens: answer ? answer.tokens.input : 0,
    outputTokens: answer ? answer.tokens.output : 0,
    inputPrice: prices ? prices.input : '0',
    outputPrice: prices ? prices.output : '0',
  };
}
