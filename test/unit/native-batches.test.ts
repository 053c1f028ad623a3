// The native-batch adapters' pure parts: status and count mapping, the code for lines with no
// result, error classification, results lines of both providers and their matching to input
// lines, and the JSONL line reader.

import { describe, expect, it } from 'vitest';
import { NO_ANSWER_MESSAGES } from '../../src/db/queries/no-answer.js';
import { parseAnthropicResultLine } from '../../src/providers/native/anthropic-result-line.js';
import { classifyNativeError, NativeBatchError } from '../../src/providers/native/errors.js';
import { matchResults } from '../../src/providers/native/match-results.js';
import { parseOpenAIResultLine } from '../../src/providers/native/openai-result-line.js';
import {
  anthropicEndStatus,
  anthropicRequestCounts,
  anthropicStatus,
  missingResultCode,
  openAIEndStatus,
  openAIStatus,
} from '../../src/providers/native/status.js';
import { type JsonlLine, jsonlLines } from '../../src/streams/jsonl-lines.js';

describe('status mapping', () => {
  it('maps OpenAI-type statuses one to one, reading canceling as cancelling', () => {
    const statuses = [
      'validating',
      'failed',
      'in_progress',
      'finalizing',
      'completed',
      'expired',
      'cancelling',
      'cancelled',
    ];
    expect(statuses.map(openAIStatus)).toEqual(statuses);
    expect(openAIStatus('canceling')).toBe('cancelling');
    expect(openAIStatus('canceled')).toBe('cancelled');
    expect(openAIStatus('queued_somewhere_new')).toBe('in_progress');
  });

  it('ends an OpenAI-type batch only in a terminal status', () => {
    expect(['validating', 'in_progress', 'finalizing', 'cancelling'].map(openAIEndStatus)).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(['completed', 'failed', 'expired', 'cancelled'].map(openAIEndStatus)).toEqual([
      'completed',
      'failed',
      'expired',
      'cancelled',
    ]);
  });

  it('maps Anthropic processing statuses: ended is finalizing', () => {
    expect(['in_progress', 'canceling', 'ended'].map(anthropicStatus)).toEqual([
      'in_progress',
      'cancelling',
      'finalizing',
    ]);
  });

  const counts = { processing: 0, succeeded: 3, errored: 1, canceled: 0, expired: 0 };
  const ended = { processingStatus: 'ended', cancelInitiatedAt: null, endedAt: 2000, expiresAt: 5000, counts };

  it('decides how an ended Anthropic batch ends: cancelled, expired at the deadline, else completed', () => {
    expect(anthropicEndStatus({ ...ended, processingStatus: 'in_progress' })).toBeNull();
    expect(anthropicEndStatus(ended)).toBe('completed');
    expect(anthropicEndStatus({ ...ended, counts: { ...counts, succeeded: 0, errored: 4 } })).toBe('completed');
    expect(anthropicEndStatus({ ...ended, cancelInitiatedAt: 1500, counts: { ...counts, expired: 1 } })).toBe(
      'cancelled',
    );
    expect(anthropicEndStatus({ ...ended, endedAt: 5000, counts: { ...counts, expired: 1 } })).toBe('expired');
    expect(anthropicEndStatus({ ...ended, counts: { ...counts, expired: 1 } })).toBe('completed');
  });

  it('counts Anthropic requests: total of all five, completed = succeeded, failed = the rest that ended', () => {
    expect(anthropicRequestCounts({ processing: 0, succeeded: 5, errored: 2, canceled: 1, expired: 1 })).toEqual({
      total: 9,
      completed: 5,
      failed: 4,
    });
    expect(anthropicRequestCounts({ processing: 7, succeeded: 0, errored: 0, canceled: 0, expired: 0 })).toEqual({
      total: 7,
      completed: 0,
      failed: 0,
    });
  });

  it('names the code for lines the provider returned no result for', () => {
    expect(missingResultCode('expired')).toBe('batch_expired');
    expect(missingResultCode('cancelled')).toBe('batch_cancelled');
    expect(missingResultCode('completed')).toBe('provider_result_missing');
  });
});

describe('error classification', () => {
  const apiError = (status: number, error: unknown, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${status} failure`), { status, error, ...extra });

  it('makes a 4xx permanent with the provider message and code (OpenAI shape)', () => {
    const body = {
      message: 'Enqueued token limit reached',
      type: 'invalid_request_error',
      code: 'token_limit_exceeded',
    };
    const error = classifyNativeError(apiError(400, body, { code: 'token_limit_exceeded' }), 'creating');
    expect(error).toMatchObject({ retryable: false, details: { statusCode: 400, code: 'token_limit_exceeded' } });
    expect(error.message).toBe('creating: provider answered 400: Enqueued token limit reached');
  });

  it('reads the nested error of an Anthropic envelope', () => {
    const envelope = { type: 'error', error: { type: 'permission_error', message: 'Workspace has no access' } };
    expect(classifyNativeError(apiError(403, envelope), 'polling')).toMatchObject({
      retryable: false,
      message: 'polling: provider answered 403: Workspace has no access',
      details: { code: 'permission_error' },
    });
  });

  it('retries 408, 409, 429, 5xx and connection failures, but not a spent quota', () => {
    for (const status of [408, 409, 429, 500, 503, 529]) {
      expect(classifyNativeError(apiError(status, {}), 'x').retryable).toBe(true);
    }
    expect(classifyNativeError(apiError(429, { code: 'insufficient_quota' }), 'x').retryable).toBe(false);
    expect(classifyNativeError(new TypeError('fetch failed'), 'x')).toMatchObject({
      retryable: true,
      message: 'x: fetch failed',
    });
  });

  it('passes aborts and already classified errors through', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(() => classifyNativeError(abort, 'x')).toThrow(abort);
    const known = new NativeBatchError('known', false);
    expect(classifyNativeError(known, 'x')).toBe(known);
  });
});

describe('OpenAI result lines', () => {
  it('keeps a response line as an answer with its status, request id and body', () => {
    const line = {
      id: 'batch_req_1',
      custom_id: 'a',
      response: { status_code: 200, request_id: 'req_1', body: { object: 'chat.completion' } },
      error: null,
    };
    expect(parseOpenAIResultLine(line)).toEqual({
      providerCustomId: 'a',
      outcome: { kind: 'answer', statusCode: 200, requestId: 'req_1', body: '{"object":"chat.completion"}' },
    });
  });

  it('reads error-only lines as no-answers, spelling cancellation one way', () => {
    const expired = { custom_id: 'b', response: null, error: { code: 'batch_expired', message: 'too late' } };
    expect(parseOpenAIResultLine(expired)).toEqual({
      providerCustomId: 'b',
      outcome: { kind: 'no_answer', code: 'batch_expired', message: 'too late' },
    });
    const cancelled = { custom_id: 'c', response: null, error: { code: 'batch_canceled', message: 'stopped' } };
    expect(parseOpenAIResultLine(cancelled)).toMatchObject({ outcome: { code: 'batch_cancelled' } });
  });

  it('calls anything else unreadable', () => {
    expect(parseOpenAIResultLine(undefined)).toEqual({ unreadable: 'not a batch result line' });
    expect(parseOpenAIResultLine({ custom_id: 'd' })).toHaveProperty('unreadable');
  });
});

describe('Anthropic result lines', () => {
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-up',
    content: [{ type: 'text', text: 'Hi' }],
    stop_reason: 'max_tokens',
    stop_sequence: null,
    usage: { input_tokens: 3, output_tokens: 2, service_tier: 'batch' },
  };

  it('turns succeeded into a 200 chat.completion created at the batch end', () => {
    const parsed = parseAnthropicResultLine({ custom_id: 'r0', result: { type: 'succeeded', message } }, 1234);
    expect(parsed).toMatchObject({
      providerCustomId: 'r0',
      outcome: { kind: 'answer', statusCode: 200, requestId: 'msg_1' },
    });
    const body = JSON.parse((parsed as { outcome: { body: string } }).outcome.body);
    expect(body).toMatchObject({
      created: 1234,
      choices: [{ message: { content: 'Hi' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('turns errored into its status and an OpenAI error body, from the nested error', () => {
    const error = { type: 'error', error: { type: 'invalid_request_error', message: 'bad tool' }, request_id: 'req_9' };
    expect(parseAnthropicResultLine({ custom_id: 'r1', result: { type: 'errored', error } }, 1)).toEqual({
      providerCustomId: 'r1',
      outcome: {
        kind: 'answer',
        statusCode: 400,
        requestId: 'req_9',
        body: JSON.stringify({
          error: { message: 'bad tool', type: 'invalid_request_error', param: null, code: null },
        }),
      },
    });
  });

  it('turns canceled and expired into no-answers', () => {
    expect(parseAnthropicResultLine({ custom_id: 'r2', result: { type: 'canceled' } }, 1)).toMatchObject({
      outcome: { kind: 'no_answer', code: 'batch_cancelled' },
    });
    expect(parseAnthropicResultLine({ custom_id: 'r3', result: { type: 'expired' } }, 1)).toMatchObject({
      outcome: {
        kind: 'no_answer',
        code: 'batch_expired',
        message: NO_ANSWER_MESSAGES.batch_expired,
      },
    });
  });

  it('answers 502 for a success that is not a message, and calls unknown result types unreadable', () => {
    expect(parseAnthropicResultLine({ custom_id: 'r4', result: { type: 'succeeded', message: {} } }, 1)).toMatchObject({
      outcome: { kind: 'answer', statusCode: 502 },
    });
    expect(parseAnthropicResultLine({ custom_id: 'r5', result: { type: 'teleported' } }, 1)).toEqual({
      unreadable: 'unknown result type "teleported"',
    });
  });
});

describe('JSONL line reader', () => {
  async function linesOf(chunks: (string | Uint8Array)[], maxBytes = Number.POSITIVE_INFINITY) {
    async function* bytes() {
      for (const chunk of chunks) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    }
    const out: JsonlLine[] = [];
    for await (const line of jsonlLines(bytes(), maxBytes)) out.push(line);
    return out;
  }

  it('splits lines across chunks, drops CRs, numbers blank lines, keeps a last line without newline', async () => {
    expect(await linesOf(['{"a":', '1}\r\n\n{"b"', ':2}\n{"c":3}'])).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '' },
      { line: 3, text: '{"b":2}' },
      { line: 4, text: '{"c":3}' },
    ]);
  });

  it('decodes a character split between plain Uint8Array chunks', async () => {
    const bytes = Buffer.from('{"t":"é"}\n');
    const chunks = [new Uint8Array(bytes.subarray(0, 7)), new Uint8Array(bytes.subarray(7))];
    expect(await linesOf(chunks)).toEqual([{ line: 1, text: '{"t":"é"}' }]);
  });

  it('drops a line longer than the cap and goes on with the next', async () => {
    expect(await linesOf(['x'.repeat(30), 'y'.repeat(30), '\n{"ok":1}\n'], 40)).toEqual([
      { line: 1, tooLong: true },
      { line: 2, text: '{"ok":1}' },
    ]);
    expect(await linesOf(['z'.repeat(50)], 40)).toEqual([{ line: 1, tooLong: true }]);
  });
});

describe('matching results lines', () => {
  it('skips blank lines and a leading byte-order mark, numbering lines as the file does', async () => {
    const file = '\uFEFF{"id":"a"}\r\n\n  \n{"id":"b"}\n{"id":"a"}\n{"id":"zz"}';
    async function* bytes() {
      yield Buffer.from(file);
    }
    const source = { name: 'output', open: async () => bytes() };
    const parse = (json: unknown) => {
      const id = (json as { id: string }).id;
      return { providerCustomId: id, outcome: { kind: 'answer', statusCode: 200, requestId: null, body: id } } as const;
    };
    const lookup = (id: string) => (id.length === 1 ? { lineIndex: id.charCodeAt(0), customId: id } : undefined);
    const out = [];
    for await (const result of matchResults([source], parse, lookup)) out.push(result);
    expect(
      out.map((r) => (r.kind === 'anomaly' ? `${r.lineNumber} ${r.anomaly}` : `${r.kind} ${r.line.customId}`)),
    ).toEqual(['answer a', 'answer b', '5 duplicate_result', '6 unknown_custom_id']);
  });
});
