// What to write for one attempt: the outcome of a request (or the reason it was aborted) as the
// row `recordOutcomes` stores. Every RowOutcome has the same shape: this runs for every request.
import type { AbortReason } from './batch-slots.js';
import type { Answer, NoAnswerCode, Outcome } from './outcome.js';
import type { ClaimedRow, RowOutcome } from './request-rows.js';

const ABORT_MESSAGES: Record<Exclude<AbortReason, 'shutdown'>, string> = {
  batch_cancelled: 'The batch was cancelled.',
  batch_expired: 'The batch expired before an answer arrived.',
};

export function toRowOutcome(
  row: ClaimedRow,
  outcome: Outcome | Exclude<AbortReason, 'shutdown'>,
  prices: { input: string; output: string } | undefined,
): RowOutcome {
  if (typeof outcome === 'string') return make(row, true, 0, null, outcome, ABORT_MESSAGES[outcome]);
  switch (outcome.kind) {
    case 'retry':
      return make(row, false, Math.round(outcome.delayMs), null, null, outcome.lastError);
    case 'no_answer':
      return make(row, true, 0, null, outcome.code, outcome.message);
    case 'answer':
      return make(row, true, 0, outcome.answer, null, null, prices);
  }
}

function make(
  row: ClaimedRow,
  done: boolean,
  retryInMs: number,
  answer: Answer | null,
  errorCode: NoAnswerCode | null,
  errorMessage: string | null,
  prices?: { input: string; output: string },
): RowOutcome {
  return {
    batchId: row.batchId,
    lineIndex: row.lineIndex,
    done,
    retryInMs,
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
