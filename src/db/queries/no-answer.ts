// How a request that got no answer ends: the code written in its error line and the one message
// for each code. Shared by everything that ends lines (the executor, cancel and expiry sweeps,
// native provider batches), so each message is written once.
export type NoAnswerCode =
  | 'batch_expired'
  | 'batch_cancelled'
  | 'batch_failed'
  | 'request_timeout'
  | 'upstream_unreachable'
  | 'provider_result_missing';

export const NO_ANSWER_MESSAGES: Record<NoAnswerCode, string> = {
  batch_expired: 'The batch expired before this request got an answer.',
  batch_cancelled: 'The batch was cancelled before this request got an answer.',
  batch_failed: 'The batch failed before this request got an answer.',
  request_timeout: 'No answer from the upstream provider within its timeout.',
  upstream_unreachable: 'The upstream provider could not be reached.',
  provider_result_missing: 'The provider batch ended without a result for this request.',
};

/** A request's end without an answer, as stored: its code and message. */
export interface NoAnswer {
  kind: 'no_answer';
  code: NoAnswerCode;
  message: string;
}

export const noAnswer = (code: NoAnswerCode, message = NO_ANSWER_MESSAGES[code]): NoAnswer => ({
  kind: 'no_answer',
  code,
  message,
});
