// The engine's pure decisions, without a database: retry timing, upstream-requested delays,
// fair shares, token reading, classification of answers, and the rows written for them.
import { describe, expect, it } from 'vitest';
import type { ClaimedRow } from '../../src/db/queries/batch-requests.js';
import { noAnswer } from '../../src/db/queries/no-answer.js';
import { fairQuotas } from '../../src/engine/fairness.js';
import { attemptOfError, attemptOfResponse, rowOutcomeOf } from '../../src/engine/line-end.js';
import { requestedDelayMs, retryDelayMs } from '../../src/engine/retry.js';
import { estimateTokens, tokensOf } from '../../src/engine/usage.js';
import { isRetryableStatus, ProviderTimeoutError } from '../../src/providers/provider.js';

const backoff = { baseMs: 100, maxMs: 1000 };
const ctx = (attempt: number, maxRetries = 3) => ({ attempt, maxRetries, backoff });
const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({
  statusCode,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('retry policy', () => {
  it('retries 408, 409, 429 and 5xx, and no other status', () => {
    expect([408, 409, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 413, 422].some(isRetryableStatus)).toBe(false);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    expect(retryDelayMs(1, backoff, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(1, backoff, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(3, backoff, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(10, backoff, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(10, backoff, undefined, () => 0)).toBe(500);
  });

  it('honours retry-after-ms, then Retry-After in seconds or as an HTTP date', () => {
    expect(requestedDelayMs({ 'retry-after-ms': '250', 'retry-after': '9' })).toBe(250);
    expect(requestedDelayMs({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(requestedDelayMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now)).toBe(3000);
    expect(requestedDelayMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(requestedDelayMs({})).toBeUndefined();
    expect(retryDelayMs(1, backoff, 1234)).toBe(1234);
  });
});

describe('classifying an attempt', () => {
  it('a 2xx JSON answer is final, with its tokens', () => {
    const outcome = attemptOfResponse(
      json(200, { usage: { prompt_tokens: 7, completion_tokens: 3 } }, { 'x-request-id': 'req_1' }),
      ctx(1),
    );
    expect(outcome).toEqual({
      kind: 'answer',
      statusCode: 200,
      requestId: 'req_1',
      body: expect.any(String),
      tokens: { input: 7, output: 3, cached: 0, reasoning: 0 },
    });
  });

  it('a retryable status is retried until maxRetries, then final with its body', () => {
    expect(attemptOfResponse(json(503, { error: { message: 'busy' } }, { 'retry-after-ms': '40' }), ctx(1))).toEqual({
      kind: 'retry',
      delayMs: 40,
    });
    const final = attemptOfResponse(json(503, { error: { message: 'busy' } }), ctx(4, 3));
    expect(final).toMatchObject({ kind: 'answer', statusCode: 503, tokens: { input: 0, output: 0 } });
  });

  it('a 400 is final at once', () => {
    expect(attemptOfResponse(json(400, { error: { message: 'bad' } }), ctx(1))).toMatchObject({
      kind: 'answer',
      statusCode: 400,
    });
  });

  it('a 2xx body that is not JSON is treated as a 502 and its text kept in an error body', () => {
    expect(attemptOfResponse(json(200, 'not json'), ctx(1))).toMatchObject({ kind: 'retry' });
    const final = attemptOfResponse(json(200, 'not json'), ctx(4, 3));
    if (final.kind !== 'answer') throw new Error('expected an answer');
    expect(final.statusCode).toBe(502);
    expect(JSON.parse(final.body).error).toMatchObject({ code: 'invalid_upstream_response' });
  });

  it('re-serializes a multi-line JSON body to one line (JSONL output)', () => {
    const outcome = attemptOfResponse(json(200, '{\n  "ok": true\n}'), ctx(1));
    expect(outcome).toMatchObject({ kind: 'answer', body: '{"ok":true}' });
  });

  it('timeouts and connection errors are retried, then end as no-answer codes', () => {
    expect(attemptOfError(new ProviderTimeoutError(10), ctx(1))).toMatchObject({ kind: 'retry' });
    expect(attemptOfError(new ProviderTimeoutError(10), ctx(4, 3))).toMatchObject({
      kind: 'no_answer',
      code: 'request_timeout',
    });
    expect(attemptOfError(new Error('ECONNREFUSED'), ctx(4, 3))).toMatchObject({
      kind: 'no_answer',
      code: 'upstream_unreachable',
    });
  });
});

describe('rows written for outcomes', () => {
  const row: ClaimedRow = {
    batchId: 'b',
    chunkIndex: 0,
    lineIndex: 4,
    customId: 'c',
    model: 'm',
    provider: 'p',
    body: '{}',
    attempts: 1,
  };
  const keys = (o: object) => Object.keys(o);

  it('have one shape whatever happened', () => {
    const answer = rowOutcomeOf(
      row,
      {
        kind: 'answer',
        statusCode: 200,
        requestId: 'r',
        body: '{}',
        tokens: { input: 3, output: 2, cached: 1, reasoning: 1 },
      },
      { input: '0.15', output: '0.6', cachedInput: '0.075' },
    );
    const timedOut = rowOutcomeOf(row, noAnswer('request_timeout', 'x'), undefined);
    const cancelled = rowOutcomeOf(row, noAnswer('batch_cancelled'), undefined);
    expect(keys(timedOut)).toEqual(keys(answer));
    expect(keys(cancelled)).toEqual(keys(answer));
    expect(answer).toMatchObject({
      statusCode: 200,
      inputTokens: 3,
      outputTokens: 2,
      cachedTokens: 1,
      reasoningTokens: 1,
      inputPrice: '0.15',
      cachedInputPrice: '0.075',
    });
    expect(timedOut).toMatchObject({ errorCode: 'request_timeout', errorMessage: 'x', statusCode: null });
    expect(cancelled).toMatchObject({ errorCode: 'batch_cancelled', response: null });
  });
});

describe('fair shares', () => {
  it('splits capacity between projects first, then between their batches', () => {
    const quotas = fairQuotas(
      [
        { id: 'a1', projectId: 'A' },
        { id: 'a2', projectId: 'A' },
        { id: 'a3', projectId: 'A' },
        { id: 'b1', projectId: 'B' },
      ],
      120,
    );
    expect(quotas).toEqual([
      { batchId: 'a1', quota: 20 },
      { batchId: 'a2', quota: 20 },
      { batchId: 'a3', quota: 20 },
      { batchId: 'b1', quota: 60 },
    ]);
    expect(fairQuotas([{ id: 'x', projectId: 'X' }], 0)).toEqual([]);
    expect(fairQuotas([], 10)).toEqual([]);
  });

  it('gives every batch at least one row even when capacity is short', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, projectId: 'P' }));
    expect(fairQuotas(many, 2).every((q) => q.quota === 1)).toBe(true);
  });
});

describe('tokens', () => {
  const tokens = (input: number, output: number, cached = 0, reasoning = 0) => ({ input, output, cached, reasoning });

  it('reads chat/completions/embeddings and responses usage shapes', () => {
    expect(tokensOf({ usage: { prompt_tokens: 5, completion_tokens: 2 } })).toEqual(tokens(5, 2));
    expect(tokensOf({ usage: { prompt_tokens: 9, total_tokens: 9 } })).toEqual(tokens(9, 0));
    expect(tokensOf({ usage: { input_tokens: 4, output_tokens: 6 } })).toEqual(tokens(4, 6));
    expect(tokensOf({})).toEqual(tokens(0, 0));
    expect(tokensOf({ usage: { prompt_tokens: -3, completion_tokens: 'x' } })).toEqual(tokens(0, 0));
  });

  it('reads cached input and reasoning output from either API, never more than their totals', () => {
    const chat = {
      prompt_tokens: 50,
      completion_tokens: 20,
      prompt_tokens_details: { cached_tokens: 32, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 12 },
    };
    expect(tokensOf({ usage: chat })).toEqual(tokens(50, 20, 32, 12));
    const responses = {
      input_tokens: 40,
      output_tokens: 9,
      input_tokens_details: { cached_tokens: 8 },
      output_tokens_details: { reasoning_tokens: 4 },
    };
    expect(tokensOf({ usage: responses })).toEqual(tokens(40, 9, 8, 4));
    const inflated = {
      prompt_tokens: 5,
      completion_tokens: 1,
      prompt_tokens_details: { cached_tokens: 9 },
      completion_tokens_details: { reasoning_tokens: 3 },
    };
    expect(tokensOf({ usage: inflated })).toEqual(tokens(5, 1, 5, 1));
    const garbled = {
      prompt_tokens: 5,
      prompt_tokens_details: null,
      completion_tokens_details: { reasoning_tokens: 'x' },
    };
    expect(tokensOf({ usage: garbled })).toEqual(tokens(5, 0));
  });

  it('estimates a request from its size and max_tokens', () => {
    expect(estimateTokens('x'.repeat(400))).toBe(100);
    expect(estimateTokens('{"max_tokens": 50}')).toBe(5 + 50);
  });
});

describe('provider rate limits', () => {
  it('spaces requests to a tpm budget (a bucket of one second of tpm/60)', async () => {
    const { ProviderRateLimit } = await import('../../src/engine/limits.js');
    const limit = new ProviderRateLimit({ tpm: 600 }); // 10 tokens a second
    const started = Date.now();
    for (let i = 0; i < 3; i++) await limit.acquire(10, new AbortController().signal);
    // Three requests of a whole window each need two window turns.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(new ProviderRateLimit({}).limited).toBe(false);
  });
});
