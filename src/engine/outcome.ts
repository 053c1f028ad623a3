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

export function outcomeOfResponse(res: ProviderResponse, ctx: AttemptContext): Outcome {
  let body = normalizeBody(res.body, res.statusCode);
  const ok = res.statusCode >= 200 && res.statusCode < 300 && body.valid;
  // A 2xx whose body is not JSON is treated like a 502: the upstream misbehaved, try again.
  const statusCode = res.statusCode >= 200 && res.statusCode < 300 && !body.valid ? 502 : res.statusCode;
  if (!ok && isRetryableStatus(statusCode) && canRetry(ctx)) {
    const delayMs = retryDelayMs(ctx.attempt, ctx.backoff, requestedDelayMs(res.headers));
    return { kind: 'retry', delayMs, lastError: `upstream answered ${res.statusCode}` };
  }
  if (!ok) body = { ...body, ...redactUpstreamError(statusCode, body) };
  const requestId = headerValue(res.headers, 'x-request-id') ?? `req_${randomUUID().replaceAll('-', '')}`;
  return {
    kind: 'answer',
    answer: { statusCode, requestId, body: body.text, tokens: ok ? tokensOf(body.json) : { input: 0, output: 0 } },
  };
}

export function outcomeOfError(error: unknown, ctx: AttemptContext): Outcome {
  const timeout = error instanceof ProviderTimeoutError;
  const code: NoAnswerCode = timeout ? 'request_timeout' : 'upstream_unreachable';
  // A connection error's own message names addresses and ports: tenants get a generic one.
  const message = timeout ? error.message : 'The upstream provider could not be reached.';
  if (canRetry(ctx)) return { kind: 'retry', delayMs: retryDelayMs(ctx.attempt, ctx.backoff), lastError: message };
  return { kind: 'no_answer', code, message };
}
