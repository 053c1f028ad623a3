// The Anthropic Message Batches adapter against a fake Anthropic API, through the official SDK:
// translated lines under surrogate custom_ids, status and counts (only at the end), succeeded /
// errored (nested) / canceled / expired results mapped back to the original lines, cancel and
// expiry, untranslatable lines refused before anything is sent, classified failures, and flat
// memory while streaming a large results file.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropicBatchAdapter } from '../../src/providers/native/anthropic-batches.js';
import { NativeBatchError } from '../../src/providers/native/errors.js';
import { lineLookupOf, type NativeBatchAdapter } from '../../src/providers/native/native-batch.js';
import { missingResultCode } from '../../src/providers/native/status.js';
import { type FakeAnthropic, startFakeAnthropic } from '../support/fake-anthropic.js';
import { peakRetainedWhile } from '../support/memory.js';
import {
  anomalies,
  answeredLines,
  answers,
  anthropicConfig,
  chatLines,
  lineRefs,
  noAnswerCodes,
  noAnswers,
  rejectionOf,
  resultsOf,
  untilEnded,
} from '../support/native-batches.js';

let fake: FakeAnthropic;
let adapter: NativeBatchAdapter;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  adapter = createAnthropicBatchAdapter(anthropicConfig(fake.url, { 'claude-small': 1024 }));
});
afterAll(async () => {
  await adapter.close();
  await fake.close();
});
afterEach(() => {
  fake.faults.clear();
  fake.scenario = {};
});

const ask = (text: string) => ({ messages: [{ role: 'user', content: text }] });

const submit = (count: number, bodyOf?: (index: number) => Record<string, unknown>, model?: string) =>
  adapter.submit({
    batchgateBatchId: 'batch_bg',
    endpoint: '/v1/chat/completions',
    lines: chatLines(count, bodyOf, model),
  });

describe('Anthropic native batches', () => {
  it('sends every line translated, under surrogate custom_ids, in exactly one batch and no direct call', async () => {
    const creates = fake.count('create');
    const submitted = await submit(
      3,
      (i) =>
        i === 0
          ? {
              messages: [
                { role: 'system', content: 'Be brief.' },
                { role: 'user', content: 'hi' },
              ],
              stop: 'END',
            }
          : i === 1
            ? { max_completion_tokens: 77 }
            : {},
      'claude-small',
    );
    expect(submitted).toMatchObject({ status: 'in_progress', providerStatus: 'in_progress', endStatus: null });
    expect(submitted.requestCounts).toEqual({ total: 3, completed: 0, failed: 0 });
    expect(fake.count('create')).toBe(creates + 1);
    expect(fake.count('messages')).toBe(0);
    const batch = fake.batches.get(submitted.id)!;
    expect(batch.requests).toEqual([
      {
        custom_id: 'r0',
        params: {
          model: 'claude-small',
          max_tokens: 1024,
          system: 'Be brief.',
          messages: [{ role: 'user', content: 'hi' }],
          stop_sequences: ['END'],
        },
      },
      {
        custom_id: 'r1',
        params: { model: 'claude-small', max_tokens: 77, messages: [{ role: 'user', content: 'question 1' }] },
      },
      {
        custom_id: 'r2',
        params: { model: 'claude-small', max_tokens: 1024, messages: [{ role: 'user', content: 'question 2' }] },
      },
    ]);
    const sent = fake.requests.filter((r) => r.route === 'create').at(-1)!;
    expect(sent.headers).toMatchObject({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
    expect(sent.headers['anthropic-beta']).toBeUndefined();
  });

  it('defaults max_tokens to 4096 for a model with no maxOutputTokens', async () => {
    const { id } = await submit(1, undefined, 'claude-other');
    expect(fake.batches.get(id)!.requests[0]!.params.max_tokens).toBe(4096);
  });

  it('reports counts only at the end and maps every kind of result back to its original line', async () => {
    const faults = ['', '#fault=error:overloaded_error', '#fault=error:invalid_request_error', '#fault=expire', ''];
    const { id } = await submit(5, (i) => ask(`question ${i} ${faults[i]}`));
    const first = await adapter.poll(id);
    expect(first).toMatchObject({ status: 'in_progress', requestCounts: { total: 5, completed: 0, failed: 0 } });
    const ended = await untilEnded(adapter, id);
    expect(ended).toMatchObject({
      providerStatus: 'ended',
      status: 'finalizing',
      endStatus: 'completed',
      requestCounts: { total: 5, completed: 2, failed: 3 },
    });

    const results = await resultsOf(adapter, id, 5);
    expect(anomalies(results)).toEqual([]);
    const byLine = new Map(results.map((r) => [r.kind === 'anomaly' ? -1 : r.line.lineIndex, r]));
    const ok = byLine.get(0)!;
    expect(ok).toMatchObject({ kind: 'answer', statusCode: 200, requestId: 'msg_r0', line: { customId: 'line-0' } });
    const completion = JSON.parse((ok as { body: string }).body);
    expect(completion).toMatchObject({
      id: 'msg_r0',
      object: 'chat.completion',
      created: ended.endedAt,
      model: 'upstream-model',
      choices: [{ index: 0, message: { role: 'assistant' }, finish_reason: 'stop' }],
    });
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);
    expect(byLine.get(1)).toMatchObject({ kind: 'answer', statusCode: 529, requestId: 'req_fake_overloaded_error' });
    expect(JSON.parse((byLine.get(1) as { body: string }).body)).toEqual({
      error: { message: 'fake overloaded_error in a batch', type: 'overloaded_error', param: null, code: null },
    });
    expect(byLine.get(2)).toMatchObject({ kind: 'answer', statusCode: 400 });
    expect(byLine.get(3)).toMatchObject({ kind: 'no_answer', code: 'batch_expired' });
    expect(byLine.get(4)).toMatchObject({ kind: 'answer', statusCode: 200, line: { customId: 'line-4' } });
  });

  it('maps each nested error type of an errored result to its status', async () => {
    const types = ['authentication_error', 'billing_error', 'permission_error', 'not_found_error', 'request_too_large'];
    const more = ['rate_limit_error', 'api_error', 'timeout_error'];
    const all = [...types, ...more];
    const { id } = await submit(all.length, (i) => ask(`#fault=error:${all[i]}`));
    await untilEnded(adapter, id);
    const statuses = answers(await resultsOf(adapter, id, all.length))
      .sort((a, b) => a.line.lineIndex - b.line.lineIndex)
      .map((r) => r.statusCode);
    expect(statuses).toEqual([401, 402, 403, 404, 413, 429, 500, 504]);
  });

  it('forwards a cancel: cancelling, then cancelled with the unrun lines batch_cancelled', async () => {
    const { id } = await submit(4);
    const cancelling = await adapter.cancel(id);
    expect(cancelling).toMatchObject({ providerStatus: 'canceling', status: 'cancelling', endStatus: null });
    expect(cancelling.cancellingAt).toBeGreaterThan(0);
    const ended = await untilEnded(adapter, id);
    expect(ended).toMatchObject({
      status: 'finalizing',
      endStatus: 'cancelled',
      requestCounts: { completed: 2, failed: 2 },
    });
    const results = await resultsOf(adapter, id, 4);
    expect(answeredLines(results)).toEqual([0, 1]);
    expect(noAnswerCodes(results)).toEqual([
      [2, 'batch_cancelled'],
      [3, 'batch_cancelled'],
    ]);
    expect(missingResultCode(ended.endStatus!)).toBe('batch_cancelled');
  });

  it('ends as expired when lines expired at the deadline', async () => {
    fake.scenario = { expireUnfinished: true };
    const { id } = await submit(4);
    const ended = await untilEnded(adapter, id);
    expect(ended).toMatchObject({ endStatus: 'expired', requestCounts: { total: 4, completed: 2, failed: 2 } });
    expect(ended.endedAt).toBe(ended.expiresAt);
    const expired = noAnswers(await resultsOf(adapter, id, 4));
    expect(expired.map((r) => r.code)).toEqual(['batch_expired', 'batch_expired']);
  });

  it('refuses an untranslatable line before creating anything', async () => {
    const creates = fake.count('create');
    const error = (await rejectionOf(submit(3, (i) => (i === 2 ? { n: 2 } : {})))) as NativeBatchError;
    expect(error).toBeInstanceOf(NativeBatchError);
    expect(error).toMatchObject({
      retryable: false,
      details: { code: 'unsupported_parameter', param: 'body.n', line: 3 },
    });
    expect(fake.count('create')).toBe(creates);
    const embeddings = adapter.submit({ batchgateBatchId: 'b', endpoint: '/v1/embeddings', lines: chatLines(1) });
    expect(await rejectionOf(embeddings)).toMatchObject({
      retryable: false,
      details: { code: 'native_batch_unsupported' },
    });
  });

  it('classifies failures: bad key and too large are permanent, overload, 429 and dropped connections retryable', async () => {
    const wrongKey = createAnthropicBatchAdapter({ ...anthropicConfig(fake.url), apiKey: 'sk-ant-wrong' });
    const badKey = (await rejectionOf(
      wrongKey.submit({ batchgateBatchId: 'b', endpoint: '/v1/chat/completions', lines: chatLines(1) }),
    )) as NativeBatchError;
    expect(badKey).toMatchObject({ retryable: false, details: { statusCode: 401, code: 'authentication_error' } });
    expect(badKey.message).toContain('invalid x-api-key');

    fake.faults.inject('create', { status: 413, type: 'request_too_large', message: 'Request exceeds 256 MB' });
    expect(await rejectionOf(submit(1))).toMatchObject({ retryable: false, details: { statusCode: 413 } });
    fake.faults.inject('create', { status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect(await rejectionOf(submit(1))).toMatchObject({ retryable: true, details: { statusCode: 529 } });
    fake.faults.inject('create', { status: 429, type: 'rate_limit_error', message: 'queue full' });
    expect(await rejectionOf(submit(1))).toMatchObject({ retryable: true });
    fake.faults.inject('create', 'drop');
    expect(await rejectionOf(submit(1))).toMatchObject({ retryable: true });

    const { id } = await submit(2);
    fake.faults.inject('retrieve', { status: 500, type: 'api_error' });
    expect(await rejectionOf(adapter.poll(id))).toMatchObject({ retryable: true });
    expect(await rejectionOf(adapter.poll('msgbatch_nope'))).toMatchObject({
      retryable: false,
      details: { statusCode: 404 },
    });
    await untilEnded(adapter, id);
    fake.faults.inject('results', 'drop');
    expect(await rejectionOf(resultsOf(adapter, id, 2))).toMatchObject({ retryable: true });
    expect(answers(await resultsOf(adapter, id, 2))).toHaveLength(2);
  });

  it('streams a large results file with flat memory', async () => {
    const count = 8000;
    fake.scenario = { paddingBytes: 5000 };
    const { id } = await submit(count);
    await untilEnded(adapter, id);
    let bytes = 0;
    const results = adapter.results(id, lineLookupOf(adapter, lineRefs(count)));
    const peak = await peakRetainedWhile(results, (result) => {
      if (result.kind !== 'answer') throw new Error(`unexpected ${result.kind}`);
      bytes += result.body.length;
    });
    expect(bytes).toBeGreaterThan(40 * 1024 * 1024);
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);
});
