// What became of one attempt at a request: a final answer, a retry, or a final "no answer".
// Every stored response is single-line valid JSON, so finalize can splice it into JSONL as is.
import { randomUUID } from 'node:crypto';
import { type ProviderResponse, ProviderTimeoutError } from '../providers/provider.js';
import { type BackoffPolicy, isRetryableStatus, requestedDelayMs, retryDelayMs } from './retry.js';
import { type Tokens, tokensOf } from './usage.js';

export type NoAnswerCode = 'batch_expired' | 'batch_cancelled' | 'request_timeout' | 'upstream_unreachable';

export interface Answer {
  statusCode: number;
  requestId: string;
  /** Single-line JSON text. */
  body: string;
  tokens: Tokens;
}

export type Outcome =
  | { kind: 'answer'; answer: Answer }
  | { kind: 'no_answer'; code: NoAnswerCode; message: string }
  | { kind: 'retry'; delayMs: number; lastError: string };

export interface AttemptContext {
  /** Sends so far, including this one. */
  attempt: number;
  maxRetries: number;
  backoff: BackoffPolicy;
}

const canRetry = (ctx: AttemptContext) => ctx.attempt <= ctx.maxRetries;

function headerValue(headers: ProviderResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

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
  const json = {
    error: {
      message: `Upstream answered ${statusCode} with a body that is not a JSON object: ${raw.slice(0, 500)}`,
      type: 'upstream_error',
      param: null,
      code: 'invalid_upstream_response',
    },
  };
  return { text: JSON.stringify(json), json, valid: false };
}

export function outcomeOfResponse(res: ProviderResponse, ctx: AttemptContext): Outcome {
  const body = normalizeBody(res.body, res.statusCode);
  const ok = res.statusCode >= 200 && res.statusCode < 300 && body.valid;
  // A 2xx whose body is not JSON is treated like a 502: the upstream misbehaved, try again.
  const statusCode = res.statusCode >= 200 && res.statusCode < 300 && !body.valid ? 502 : res.statusCode;
  if (!ok && isRetryableStatus(statusCode) && canRetry(ctx)) {
    const delayMs = retryDelayMs(ctx.attempt, ctx.backoff, requestedDelayMs(res.headers));
    return { kind: 'retry', delayMs, lastError: `upstream answered ${res.statusCode}` };
  }
  const requestId = headerValue(res.headers, 'x-request-id') ?? `req_${randomUUID().replaceAll('-', '')}`;
  return {
    kind: 'answer',
    answer: { statusCode, requestId, body: body.text, tokens: ok ? tokensOf(body.json) : { input: 0, output: 0 } },
  };
}

export function outcomeOfError(error: unknown, ctx: AttemptContext): Outcome {
  const timeout = error instanceof ProviderTimeoutError;
  const code: NoAnswerCode = timeout ? 'request_timeout' : 'upstream_unreachable';
  const message = timeout ? error.message : `Upstream unreachable: ${(error as Error)?.message ?? String(error)}`;
  if (canRetry(ctx)) return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, ctx.backoff), lastError: message };
  return { kind: 'no_answer', code, message };
}
