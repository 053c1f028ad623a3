// What became of a request, in two types: `LineEnd` (final: an answer, or no answer with its code)
// and `Attempt` (a LineEnd, or "try again after delayMs"). Every stored answer body is single-line
// valid JSON, so finalize can splice it into JSONL as is. Upstream error messages that would tell
// a tenant about the provider account behind batchgate are replaced here, before anything is stored.
import { randomUUID } from 'node:crypto';
import type { RowOutcome } from '../db/queries/batch-requests.js';
import { type NoAnswer, noAnswer } from '../db/queries/no-answer.js';
import { isRetryableStatus, type ProviderResponse, ProviderTimeoutError } from '../providers/provider.js';
import { type BackoffPolicy, headerValue, requestedDelayMs, retryDelayMs } from './retry.js';
import { NO_TOKENS, type Tokens, tokensOf } from './usage.js';

export interface Answer {
  kind: 'answer';
  statusCode: number;
  requestId: string;
  /** Single-line JSON text. */
  body: string;
  tokens: Tokens;
}

export type LineEnd = Answer | NoAnswer;
export type Attempt = LineEnd | { kind: 'retry'; delayMs: number };

export interface AttemptContext {
  /** Sends so far, including this one. */
  attempt: number;
  maxRetries: number;
  backoff: BackoffPolicy;
}

const canRetry = (ctx: AttemptContext) => ctx.attempt <= ctx.maxRetries;

/** Parse an upstream body into single-line JSON; a body that is not JSON becomes an error object. */
function normalizeBody(raw: string, statusCode: number): { text: string; json: unknown; valid: boolean } {
  try {
    const json: unknown = JSON.parse(raw);
    if (json !== null && typeof json === 'object') {
      return { text: /[\r\n]/.test(raw) ? JSON.stringify(json) : raw, json, valid: true };
    }
  } catch {
    // fall through: not JSON
  }
  // The body itself is not repeated: a proxy's error page can name internal hosts.
  const json = {
    error: {
      message: `Upstream answered ${statusCode} with a body that is not a JSON object.`,
      type: 'upstream_error',
      param: null,
      code: 'invalid_upstream_response',
    },
  };
  return { text: JSON.stringify(json), json, valid: false };
}

/** Upstream error messages that would tell a tenant about the provider account behind batchgate. */
const REVEALING = /sk-[\w*-]{3,}|\*{3,}|\borg-\w+|\b\d{1,3}(?:\.\d{1,3}){3}\b|[\w-]+(?:\.[\w-]+)+:\d+|\w+:\/\//i;

/**
 * An upstream error body as tenants may see it: type, code and param kept, the message replaced
 * when it concerns batchgate's own credentials (401/403) or names keys, organisations or addresses.
 */
function redactUpstreamError(statusCode: number, body: { text: string; json: unknown }) {
  const error = (body.json as { error?: Record<string, unknown> } | null)?.error;
  if (!error || typeof error !== 'object') return body;
  const message = typeof error.message === 'string' ? error.message : '';
  const credentials = statusCode === 401 || statusCode === 403;
  if (!credentials && !REVEALING.test(message)) return body;
  const json = {
    ...(body.json as object),
    error: {
      ...error,
      message: credentials
        ? `The upstream provider refused batchgate's credentials (${statusCode}); ask the operator to check them.`
        : `The upstream provider answered ${statusCode}; its message was withheld because it names provider internals.`,
    },
  };
  return { text: JSON.stringify(json), json };
}

/**
 * An upstream answer as stored: single-line JSON (a 2xx whose body is not JSON counts as a 502),
 * error messages redacted, tokens read from a successful answer's usage.
 */
export function answerOf(rawStatus: number, requestId: string | null | undefined, raw: string): Answer {
  let body = normalizeBody(raw, rawStatus);
  const ok = rawStatus >= 200 && rawStatus < 300 && body.valid;
  const statusCode = rawStatus >= 200 && rawStatus < 300 && !body.valid ? 502 : rawStatus;
  if (!ok) body = { ...body, ...redactUpstreamError(statusCode, body) };
  return {
    kind: 'answer',
    statusCode,
    requestId: requestId ?? `req_${randomUUID().replaceAll('-', '')}`,
    body: body.text,
    tokens: ok ? tokensOf(body.json) : NO_TOKENS,
  };
}

export function attemptOfResponse(res: ProviderResponse, ctx: AttemptContext): Attempt {
  const answer = answerOf(res.statusCode, headerValue(res.headers, 'x-request-id'), res.body);
  // A 2xx whose body is not JSON is treated like a 502: the upstream misbehaved, try again.
  if (!(answer.statusCode >= 200 && answer.statusCode < 300) && isRetryableStatus(answer.statusCode) && canRetry(ctx)) {
    return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, ctx.backoff, requestedDelayMs(res.headers)) };
  }
  return answer;
}

/** A send that threw: a timeout or a connection failure (whose own message, naming addresses, is not kept). */
export function attemptOfError(error: unknown, ctx: AttemptContext): Attempt {
  if (canRetry(ctx)) return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, ctx.backoff) };
  return noAnswer(error instanceof ProviderTimeoutError ? 'request_timeout' : 'upstream_unreachable');
}

/** The row the outcome writer stores for a line that ended. */
export function rowOutcomeOf(
  line: { batchId: string; lineIndex: number },
  end: LineEnd,
  prices: { input: string; output: string; cachedInput: string } | undefined,
): RowOutcome {
  const answer = end.kind === 'answer' ? end : null;
  return {
    batchId: line.batchId,
    lineIndex: line.lineIndex,
    statusCode: answer ? answer.statusCode : null,
    response: answer ? answer.body : null,
    requestId: answer ? answer.requestId : null,
    errorCode: end.kind === 'no_answer' ? end.code : null,
    errorMessage: end.kind === 'no_answer' ? end.message : null,
    inputTokens: answer ? answer.tokens.input : 0,
    outputTokens: answer ? answer.tokens.output : 0,
    cachedTokens: answer ? answer.tokens.cached : 0,
    reasoningTokens: answer ? answer.tokens.reasoning : 0,
    inputPrice: prices ? prices.input : '0',
    outputPrice: prices ? prices.output : '0',
    cachedInputPrice: prices ? prices.cachedInput : '0',
  };
}
